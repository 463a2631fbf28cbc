"""What every engine is told: the columns, the config, the format and site templates.

Ray Data, Spark and Hugging Face ``datasets`` (and ``cleaner clean --engine
ray``) clean with the same options, so they take them as one object,
:class:`BatchSpec`, built once at the entry point and passed down (to the
counting pass, to the workers)::

    from cleaner.integrations import BatchSpec
    from cleaner.integrations.ray import clean_dataset

    spec = BatchSpec(text_column="body", html_column="page", config="my-config.yaml")
    out = clean_dataset(ds, spec=spec, concurrency=8)

Every entry point also keeps its keyword arguments (``clean_dataset(ds,
text_column="body", ...)``) and builds the spec from them (:func:`build_spec`);
giving both a ``spec=`` and one of its options as a keyword is a ``TypeError``.

:func:`check_columns` is the one check of a spec against a dataset's columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.integrations.sites import template_mode
from cleaner.pipeline import FORMATS

if TYPE_CHECKING:  # pragma: no cover
    from cleaner.integrations.sites import Shipped
    from cleaner.templates import SiteTemplates

__all__ = ["BatchSpec", "build_spec", "check_columns", "config_key", "config_path"]


@dataclass(frozen=True)
class BatchSpec:
    """How a batch of raw scrapes is read and cleaned, the same on every engine.

    ``text_column`` / ``html_column``: the columns holding the content; per row,
    the HTML value when there is one, else the text value (``None``: no such
    column). ``id_column``: the id (a dataset without it gives null ids, or row
    numbers with ``datasets``). ``config``: a config path or shipped name (None:
    the default); workers build their pipeline from it, so on a cluster it must
    be readable at the same path on every node. ``format``: ``auto`` (HTML read
    as HTML, text as text), or ``text`` / ``html`` for every row.

    Site templates (README "Site templates on an engine"): ``site_templates``
    ``"auto"`` (count, and clean with the table when a site has
    ``template_min_pages`` pages), ``"on"``/``True`` or ``"off"``/``False``;
    ``templates``: a :class:`~cleaner.templates.SiteTemplates` table or a file
    saved by ``--templates-out`` to clean with instead of counting (or, on its
    way to the workers, a :class:`~cleaner.integrations.sites.Shipped` table);
    ``site_field``: the column naming a document's site (default: ``url``).

    Raises ``ValueError`` for a bad ``format`` or ``site_templates``."""

    text_column: str | None = "text"
    html_column: str | None = None
    id_column: str | None = "id"
    config: str | Path | None = None
    format: str = "auto"
    site_templates: bool | str = "auto"
    templates: SiteTemplates | Shipped | str | Path | None = None
    site_field: str | None = None

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        template_mode(self.site_templates)  # (raises ValueError)

    def for_workers(self, templates: Shipped | None = None) -> BatchSpec:
        """This spec as it travels to worker processes: the config as the path
        each worker reads (:func:`config_path`), ``templates`` (the table to clean
        with, shipped; None: none) and no counting (the driver has counted)."""
        return replace(self, config=config_path(self.config), templates=templates, site_templates=False)


DEFAULT_SPEC = BatchSpec()
_OPTIONS = tuple(f.name for f in fields(BatchSpec))


def build_spec(spec: BatchSpec | None, defaults: BatchSpec = DEFAULT_SPEC, **options: Any) -> BatchSpec:
    """The spec of a call: ``spec`` when given, else one built from the keyword ``options``.

    ``options`` are the :class:`BatchSpec` fields the function takes as keywords;
    with a ``spec`` they must be left at the function's defaults (``defaults``),
    or the call would say two things at once (``TypeError``)."""
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(f"not BatchSpec options: {', '.join(unknown)}")
    if spec is None:
        return replace(defaults, **options)
    if not isinstance(spec, BatchSpec):
        raise TypeError(f"spec must be a BatchSpec, not {type(spec).__name__}")
    both = [
        name for name in _OPTIONS if name in options and not _same(options[name], getattr(defaults, name))
    ]
    if both:
        raise TypeError(f"give {', '.join(both)} in spec= or as keyword arguments, not both")
    return spec


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b)


def check_columns(
    spec: BatchSpec, columns: Iterable[str], *, what: str = "dataset", either: bool = False
) -> None:
    """Raise ``KeyError`` when ``columns`` (a dataset's or a batch's) lack the content column of ``spec``.

    By default (a dataset with one schema) the column the content is read from
    must be there: ``html_column`` when given, else ``text_column``; the error
    names it and the columns there are. With ``either`` (a batch, or a dataset
    whose blocks may come from files of different schemas: a file without any
    HTML record has no ``html`` column) one of the two is enough."""
    names = [str(c) for c in columns]
    there = ", ".join(names)
    text, html = spec.text_column, spec.html_column
    if not either:
        option, column = ("html_column", html) if html is not None else ("text_column", text)
        if column not in names:
            raise KeyError(f"{option} {column!r}: no such column (columns: {there})")
        return
    if (text is not None and text in names) or (html is not None and html in names):
        return
    wanted = " or ".join(f"{c!r}" for c in (text, html) if c is not None) or "(none given)"
    hint = " (pass html_column= for HTML)" if "html" in names and html is None else ""
    raise KeyError(f"no content column {wanted} in the {what}{hint} (columns: {there})")


# ------------------------------------------------------------------- config
def config_key(config: str | Path | None) -> str:
    """The name under which a process keeps its pipeline for ``config`` (its resolved path)."""
    if config is None:
        return "<default>"
    from cleaner.config import resolve_config_path

    p = resolve_config_path(config)
    try:
        return str(p.resolve())
    except OSError:
        return str(p)


def config_path(config: str | Path | None) -> str | None:
    """A config name or path as the absolute path to ship to workers (None: the default).

    Worker processes build their pipeline from this path, so on a cluster it must
    exist on every node."""
    if config is None:
        return None
    from cleaner.config import resolve_config_path

    p = resolve_config_path(config)
    return str(p.resolve()) if p.exists() else str(p)
