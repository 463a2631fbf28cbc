"""Site templates on an engine (issue 21): what every engine shares.

A local ``cleaner clean`` reads its input twice: the first pass counts, per
site, on how many pages each normalised line occurs
(:class:`cleaner.templates.SiteTemplates`), the second cleans with that table.
The engines do the same with their own machinery (see
:mod:`cleaner.integrations.ray`, :mod:`~cleaner.integrations.spark` and
:mod:`~cleaner.integrations.hf`); this module holds the parts they share:

* :func:`site_hash_rows`: which documents of a batch are counted, and their
  ``(site, distinct line hashes)``, by the local first pass's rules (text
  documents with a site: the ``url`` column, or ``site_field``; HTML documents,
  rows without content or site and ``format="html"`` are not counted);
* :func:`pair_columns`: the same exploded to ``(site, page, hash)`` rows for
  a group-by, with one ``hash = 0`` row per page (0 is never a line's hash: the
  group of ``(site, 0)`` counts the site's pages); ``page`` is the page's
  fingerprint (its set of lines), so that counting distinct ``page`` values per
  ``(site, hash)`` counts a copy of a page once, as the local count does;
* :func:`resolve`: the table a run cleans with, from ``site_templates``
  (``"auto"``/``"on"``/``"off"`` or a bool), ``templates`` (a table or a file
  saved by ``--templates-out``) and a counting function, as
  :func:`cleaner.templates.prepare` decides it for the local run;
* :class:`Shipped`: the table as it travels to the workers (the compressed
  ``.npz`` bytes of :meth:`SiteTemplates.save`, lines on one page left out,
  which never reach ``template_share``), given directly, as a Ray object
  reference or as a Spark broadcast; each worker process loads it once and
  builds one pipeline with it (:func:`templates_pipeline`).
"""

from __future__ import annotations

import hashlib
import secrets
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.templates import DEFAULT_CAP, SiteTemplates, TemplatesError, page_hashes, site_of

__all__ = [
    "MODES",
    "Shipped",
    "min_pages",
    "pair_columns",
    "resolve",
    "ship",
    "site_hash_rows",
    "template_mode",
    "templates_pipeline",
    "templates_pipeline_builds",
]

MODES = ("auto", "on", "off")
PAGE = 0  # the hash of a page's marker row (no line hashes to 0)


def template_mode(site_templates: bool | str | None) -> str:
    """``site_templates`` as ``auto``, ``on`` or ``off`` (True: on, False/None: off)."""
    if site_templates is True:
        return "on"
    if site_templates is False or site_templates is None:
        return "off"
    if isinstance(site_templates, str) and site_templates in MODES:
        return site_templates
    raise ValueError(
        f"site_templates must be True, False or one of {', '.join(MODES)}, not {site_templates!r}"
    )


# ------------------------------------------------------------------ counting rows
def _text(v: Any) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return None


def site_hash_rows(
    texts: Sequence[Any] | None,
    htmls: Sequence[Any] | None,
    site_values: Sequence[Any] | None,
    format: str = "auto",
) -> list[tuple[str, np.ndarray]]:
    """The counted documents of a batch: ``(site, distinct line hashes as uint64)``.

    Per row, as the local first pass (:func:`cleaner.templates.count_inputs`)
    reads a JSONL or Parquet record: a row whose HTML value is a string is HTML
    (not counted), else its text value is the page; ``format="html"`` counts
    nothing. ``site_values``: the ``url`` (or ``site_field``) value of each row,
    read by :func:`cleaner.templates.site_of`; a row without a site is not
    counted."""
    if format == "html" or texts is None or site_values is None:
        return []
    out: list[tuple[str, np.ndarray]] = []
    for i, raw in enumerate(texts):
        if htmls is not None and _text(htmls[i]) is not None:
            continue
        text = _text(raw)
        if text is None:
            continue
        v = site_values[i]
        site = site_of(v) if isinstance(v, str) else None
        if site is None:
            continue
        out.append((site, np.fromiter(sorted(page_hashes(text)), dtype=np.uint64)))
    return out


def page_fingerprint(hashes: np.ndarray) -> int:
    """A page's fingerprint for an engine's count: the same for two pages with the
    same (sorted, distinct) lines, in every process; a page of at most two lines is
    never a copy (:meth:`SiteTemplates.add_page`): a fingerprint of its own."""
    if len(hashes) <= 2:
        return secrets.randbits(63)
    digest = hashlib.blake2b(np.ascontiguousarray(hashes, dtype=np.uint64).tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def pair_columns(rows: list[tuple[str, np.ndarray]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(site, page, hash)`` rows for a group-by: each page's distinct line hashes
    and one :data:`PAGE` row per page, with the page's :func:`page_fingerprint`
    (count distinct ``page`` per ``(site, hash)``: a copy of a page counts once);
    hashes as int64 (the same 64 bits: engines have no uint64)."""
    sites: list[str] = []
    pages: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    for site, hs in rows:
        n = len(hs) + 1
        sites.extend([site] * n)
        pages.append(np.full(n, page_fingerprint(hs), dtype=np.int64))
        parts.append(np.zeros(1, dtype=np.uint64))
        parts.append(hs)
    if not parts:
        return sites, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return sites, np.concatenate(pages), np.concatenate(parts).view(np.int64)


def from_pair_counts(counts: Any, cap: int = DEFAULT_CAP, site_field: str | None = None) -> SiteTemplates:
    """A table from an engine's group-by of :func:`pair_columns`: an iterable of
    ``(site, hash, distinct pages)``, each pair once; the :data:`PAGE` rows give the pages
    per site. Lines on one page are left out (as :meth:`SiteTemplates.save` leaves
    them out: one page is never a site's template; engines drop them before
    collecting). Memory stays bounded while the rows stream in: a site holding
    more than ``2 * cap`` lines keeps its ``cap`` on most pages (exact: each
    pair comes once, with its final count)."""
    pages: dict[str, int] = {}
    lines: dict[str, dict[int, int]] = {}
    for site, h, n in counts:
        h, n = int(h), int(n)
        if h == PAGE:
            pages[site] = n
            continue
        if n < 2:
            continue
        got = lines.get(site)
        if got is None:
            got = lines[site] = {}
        got[h] = n
        if len(got) > 2 * cap:
            lines[site] = dict(sorted(got.items(), key=lambda kv: -kv[1])[:cap])
    rows = ((site, h, n) for site, got in lines.items() for h, n in got.items())
    return SiteTemplates.from_counts(rows, pages, cap=cap, site_field=site_field)


# ------------------------------------------------------------------ which table
def load_table(templates: SiteTemplates | Shipped | str | Path) -> SiteTemplates:
    if isinstance(templates, SiteTemplates):
        return templates
    if isinstance(templates, Shipped):
        return templates.table()
    if isinstance(templates, (str, Path)):
        return SiteTemplates.load(templates)
    raise TypeError(
        f"templates must be a SiteTemplates table or the path of a saved one, not {type(templates).__name__}"
    )


def min_pages(config: Any) -> int | None:
    """``boilerplate.template_min_pages`` of the config's pipeline (None: no boilerplate stage, no site templates)."""
    from cleaner.integrations.batch import get_pipeline

    bp = get_pipeline(config).stage("boilerplate")
    need = getattr(bp.options, "template_min_pages", None) if bp is not None else None
    return None if need is None else int(need)


def resolve(
    site_templates: bool | str | None,
    templates: SiteTemplates | Shipped | str | Path | None,
    count: Callable[[str | None], SiteTemplates],
    config: Any,
    site_field: str | None = None,
    templates_out: str | Path | None = None,
    note: Callable[[str], None] | None = None,
) -> SiteTemplates | None:
    """The table to clean with (None: none), decided as for the local run
    (:func:`cleaner.templates.prepare`): ``templates`` when given (with
    ``templates_out``, updated by counting this input), else ``count(site_field)``
    (the engine's first pass) unless ``site_templates`` is off; in ``auto`` mode
    a counted table is used only when some site has ``template_min_pages`` pages.
    Raises ``ValueError`` for options that contradict each other and
    :class:`cleaner.templates.TemplatesError` for a bad file."""
    mode = template_mode(site_templates)
    say = note or (lambda _msg: None)
    if mode == "off" and (templates is not None or templates_out is not None):
        raise ValueError("site_templates off: templates and templates_out need site templates")
    table = load_table(templates) if templates is not None else None
    if table is not None and site_field is not None and site_field != table.site_field:
        raise ValueError(
            f"site_field {site_field!r}: the templates table cleans by the field it was counted with "
            f"({table.site_field or 'url'!r})"
        )
    need = min_pages(config)
    if need is None or (mode == "off" and table is None):
        return None
    if table is None or templates_out is not None:
        counted = count(site_field if table is None else table.site_field)
        summary = counted.summary()
        say(f"site templates: counted {summary['pages']:,} pages of {summary['sites']:,} sites")
        table = counted if table is None else table.merge(counted)
    if templates_out is not None:
        table.save(templates_out)
        say(f"site templates: wrote {templates_out}")
    if mode == "auto" and templates is None and not table.multi_page_sites(need):
        say(f"site templates: off (no site has {need} pages or more; boilerplate.template_min_pages)")
        return None
    return table


# ------------------------------------------------------------------ shipping
def table_bytes(table: SiteTemplates) -> bytes:
    """The table as the bytes of its saved ``.npz`` file."""
    with tempfile.TemporaryDirectory(prefix="cleaner-templates-") as tmp:
        path = Path(tmp) / "t.npz"
        table.save(path)
        return path.read_bytes()


def table_from_bytes(data: bytes) -> SiteTemplates:
    with tempfile.TemporaryDirectory(prefix="cleaner-templates-") as tmp:
        path = Path(tmp) / "t.npz"
        path.write_bytes(data)
        try:
            return SiteTemplates.load(path)
        except TemplatesError as exc:
            raise TemplatesError(f"the site-templates table shipped to this worker: {exc}") from None


class Shipped:
    """A site-templates table on its way to the workers: its ``.npz`` bytes (or a
    Ray object reference / Spark broadcast of them), a digest that names it, and
    the field its sites come from. Small to pickle; :meth:`table` loads it."""

    def __init__(self, payload: Any, digest: str, site_field: str | None) -> None:
        self.payload, self.digest, self.site_field = payload, digest, site_field

    def data(self) -> bytes:
        p = self.payload
        if isinstance(p, bytes):
            return p
        kind = type(p).__name__
        if kind == "ObjectRef":
            import ray

            return ray.get(p)
        if kind == "Broadcast":
            return p.value
        raise TypeError(f"a shipped site-templates table cannot be read from a {kind}")

    def table(self) -> SiteTemplates:
        return table_from_bytes(self.data())

    def __repr__(self) -> str:
        return f"Shipped(site templates {self.digest[:12]}, site_field={self.site_field!r})"


def ship(table: SiteTemplates, wrap: Callable[[bytes], Any] | None = None) -> Shipped:
    """``table`` ready to send; ``wrap`` turns its bytes into what travels (``ray.put``,
    ``SparkContext.broadcast``; default: the bytes themselves)."""
    data = table_bytes(table)
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return Shipped(wrap(data) if wrap is not None else data, digest, table.site_field)


_PIPES: dict[tuple[str, str], Any] = {}
_BUILDS: dict[tuple[str, str], int] = {}
_KEEP = 2  # pipelines with a table kept per process (a new table replaces the oldest)
_LOCK = threading.Lock()


def templates_pipeline(config: Any, templates: Shipped | SiteTemplates) -> Any:
    """This process's pipeline for ``config`` cleaning with ``templates``: built
    once per (config, table) from the config's own pipeline's settings."""
    from cleaner.integrations.spec import config_key
    from cleaner.pipeline import Pipeline

    digest = templates.digest if isinstance(templates, Shipped) else f"id:{id(templates)}"
    key = (config_key(config), digest)
    pipe = _PIPES.get(key)
    if pipe is None:
        with _LOCK:
            pipe = _PIPES.get(key)
            if pipe is None:
                table = templates.table() if isinstance(templates, Shipped) else templates
                pipe = Pipeline.from_yaml(None if config is None else key[0], templates=table)
                while len(_PIPES) >= _KEEP:
                    _PIPES.pop(next(iter(_PIPES)))
                _PIPES[key] = pipe
                _BUILDS[key] = _BUILDS.get(key, 0) + 1
    return pipe


def templates_pipeline_builds() -> dict[tuple[str, str], int]:
    """How many pipelines with a table this process has built, per (config, table digest)."""
    return dict(_BUILDS)
