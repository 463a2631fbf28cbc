"""Hugging Face ``datasets``: a batched function for ``Dataset.map``.

::

    from datasets import load_dataset
    from cleaner.integrations.hf import clean_dataset

    ds = load_dataset("json", data_files="scrapes.jsonl", split="train")
    out = clean_dataset(ds, text_column="text", num_proc=4)       # = ds.map(fn, batched=True, ...)
    out = out.filter(lambda r: r["status"] == "ok")

or with ``map`` directly::

    ds.map(map_function(text_column="text"), batched=True, batch_size=64, num_proc=4,
           with_indices=True, features=features(ds.features))

The function is :func:`~cleaner.integrations.batch.clean_batch` over the
dict-of-lists batch that ``map`` passes: it returns the output columns (see
:mod:`cleaner.integrations.batch`), which replace input columns of the same
name (``text`` becomes the clean text; ``id`` becomes a string); other input
columns stay. With ``with_indices=True``, rows without an id get their row
number as id. Each ``num_proc`` process builds the pipeline once.
Pass :func:`features` to ``map`` so that every batch has the same column types
(a batch where no document has a language would otherwise infer a null type).

Site templates (README "Site templates on an engine") are a two-step map:
:func:`site_function` gives each counted record's site and line hashes,
:func:`count_templates` builds the table from them, and
``map_function(templates=table)`` cleans with it; :func:`clean_dataset` does the
three (``site_templates="auto"`` by default, as ``cleaner clean``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cleaner.integrations.batch import OUTPUT_COLUMNS, OUTPUT_FIELDS, clean_batch, get_pipeline
from cleaner.integrations.sites import Shipped, resolve, ship, site_hash_rows, templates_pipeline
from cleaner.integrations.spec import BatchSpec, build_spec, check_columns
from cleaner.templates import SiteTemplates

__all__ = ["clean_dataset", "count_templates", "features", "map_function", "site_function"]

DEFAULT_BATCH_SIZE = 64


def _map_batch(batch: Any, indices: Sequence[int] | None = None, **kwargs: Any) -> dict[str, list[Any]]:
    return clean_batch(dict(batch), indices=indices, **kwargs)


def map_function(
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    config: str | Path | None = None,
    format: str = "auto",
    templates: SiteTemplates | Shipped | None = None,
    *,
    spec: BatchSpec | None = None,
) -> Callable[..., dict[str, list[Any]]]:
    """The function for ``Dataset.map(fn, batched=True[, with_indices=True])`` (picklable for ``num_proc``).
    ``templates``: a site-templates table to clean with (it travels in the
    function as its compressed bytes; each process loads it once). ``spec``:
    the options as one :class:`~cleaner.integrations.spec.BatchSpec`."""
    spec = build_spec(
        spec,
        text_column=text_column,
        html_column=html_column,
        id_column=id_column,
        config=config,
        format=format,
        templates=templates,
    )
    table = spec.templates
    if isinstance(table, (str, Path)):
        raise TypeError(
            "map_function cleans with a table (SiteTemplates or Shipped), not a file: load it first"
        )
    shipped = ship(table) if isinstance(table, SiteTemplates) else table
    return functools.partial(_map_batch, spec=spec.for_workers(shipped))


def _site_batch(
    batch: Any, text_column: str | None, html_column: str | None, site_column: str, format: str
) -> dict[str, list[Any]]:
    def col(name: str | None) -> list[Any] | None:
        return list(batch[name]) if name is not None and name in batch.keys() else None

    rows = site_hash_rows(col(text_column), col(html_column), col(site_column), format)
    return {
        "site": [s for s, _ in rows],
        "hashes": [h for _, h in rows],
    }  # (uint64 arrays: Arrow takes them as they are)


def site_function(
    text_column: str | None = "text",
    html_column: str | None = None,
    site_field: str | None = None,
    format: str = "auto",
    *,
    spec: BatchSpec | None = None,
) -> Callable[..., dict[str, list[Any]]]:
    """The first step of site templates, for ``Dataset.map(fn, batched=True,
    remove_columns=ds.column_names)``: one row ``{"site", "hashes"}`` (its
    distinct line hashes) per counted document (text documents with a site, the
    local first pass's rules: :func:`cleaner.integrations.sites.site_hash_rows`).
    Sites come from the ``url`` column, or the ``site_field`` column."""
    spec = build_spec(
        spec, text_column=text_column, html_column=html_column, site_field=site_field, format=format
    )
    return functools.partial(
        _site_batch,
        text_column=spec.text_column,
        html_column=spec.html_column,
        site_column=spec.site_field or "url",
        format=spec.format,
    )


def count_templates(
    ds: Any,
    text_column: str | None = "text",
    html_column: str | None = None,
    site_field: str | None = None,
    format: str = "auto",
    num_proc: int | None = None,
    batch_size: int = 256,
    *,
    spec: BatchSpec | None = None,
) -> SiteTemplates:
    """The first pass of site templates: ``ds.map(site_function(...))`` (in
    ``num_proc`` processes), then the table built from its rows in the
    dataset's order (:meth:`SiteTemplates.add_page`: the same bounded count as
    the local run's). A dataset without the site column counts nothing."""
    from datasets import Features, Sequence, Value

    spec = build_spec(
        spec, text_column=text_column, html_column=html_column, site_field=site_field, format=format
    )
    table = SiteTemplates(site_field=spec.site_field)
    if (spec.site_field or "url") not in ds.column_names:
        return table
    rows = ds.map(
        site_function(spec=spec),
        batched=True,
        batch_size=batch_size,
        num_proc=num_proc,
        remove_columns=list(ds.column_names),
        desc="cleaner: site templates",
        features=Features({"site": Value("string"), "hashes": Sequence(Value("uint64"))}),
    )
    for batch in rows.iter(batch_size=1024):
        for site, hashes in zip(batch["site"], batch["hashes"], strict=True):
            table.add_page(site, hashes)
    return table


def features(
    input_features: Any = None,
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    *,
    spec: BatchSpec | None = None,
) -> Any:
    """The ``datasets.Features`` of the mapped dataset: the output columns, then the input's other columns."""
    from datasets import Features, Value

    build_spec(spec, text_column=text_column, html_column=html_column, id_column=id_column)  # (a usage check)
    types = {"string": Value("string"), "double": Value("float64"), "boolean": Value("bool")}
    feats = {name: types[typ] for name, typ in OUTPUT_FIELDS}
    if input_features is not None:
        for name, feat in input_features.items():
            if name not in OUTPUT_COLUMNS:
                feats[name] = feat
    return Features(feats)


def clean_dataset(
    ds: Any,
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    config: str | Path | None = None,
    format: str = "auto",
    num_proc: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    site_templates: bool | str = "auto",
    templates: SiteTemplates | str | Path | None = None,
    site_field: str | None = None,
    *,
    spec: BatchSpec | None = None,
    **map_kwargs: Any,
) -> Any:
    """Clean a ``datasets.Dataset``: ``ds.map`` with the batch function, ``num_proc`` processes.

    Rows without an id (no ``id_column``, or a null) get their row number. Other
    keyword arguments go to ``Dataset.map`` (``remove_columns``, ``desc``, ...).
    ``spec``: the cleaning options as one
    :class:`~cleaner.integrations.spec.BatchSpec` instead of the keywords.

    Site templates (as ``cleaner clean --site-templates``; README "Site
    templates"), a two-step map: ``site_templates="auto"`` (default) first
    counts the text documents per site (:func:`count_templates`) and cleans with
    the table when a site has ``template_min_pages`` pages; ``True``: always;
    ``False``: no counting. ``templates``: a
    :class:`~cleaner.templates.SiteTemplates` or a file saved by
    ``--templates-out`` to clean with instead of counting. Sites come from the
    ``url`` column, or the ``site_field`` column (a URL or a host)."""
    spec = build_spec(
        spec,
        text_column=text_column,
        html_column=html_column,
        id_column=id_column,
        config=config,
        format=format,
        site_templates=site_templates,
        templates=templates,
        site_field=site_field,
    )
    check_columns(spec, ds.column_names)
    html = spec.html_column is not None
    work = spec.for_workers()
    # fail fast here (a bad config, rule pack or model); forked workers inherit it warm, others build their own
    get_pipeline(work.config).warm(html=html)
    table = resolve(
        spec.site_templates,
        spec.templates,
        lambda field: count_templates(ds, spec=replace(spec, site_field=field), num_proc=num_proc),
        work.config,
        spec.site_field,
    )
    if table is not None:  # built and warmed here too: forked workers inherit it
        shipped = ship(table)
        work = spec.for_workers(shipped)
        templates_pipeline(work.config, shipped).warm(html=html)
    removed = set(map_kwargs.get("remove_columns") or ())
    kept = {k: v for k, v in ds.features.items() if k not in removed}
    map_kwargs.setdefault("features", features(kept, spec=spec))
    map_kwargs.setdefault("desc", "cleaner")
    return ds.map(
        functools.partial(_map_batch, spec=work),
        batched=True,
        batch_size=batch_size,
        num_proc=num_proc,
        with_indices=True,
        **map_kwargs,
    )
