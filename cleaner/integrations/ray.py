"""Ray Data: clean a Ray Dataset.

::

    import ray
    from cleaner.integrations.ray import clean_dataset

    ds = ray.data.read_parquet("s3://bucket/scrapes/")           # columns id, text (or html), ...
    out = clean_dataset(ds, text_column="text", concurrency=8, batch_size=128)
    out.filter(lambda r: r["status"] == "ok").write_parquet("s3://bucket/clean/")

:func:`clean_dataset` is ``ds.map_batches(clean_batch, batch_format="pyarrow")``
with the cleaning options (a :class:`~cleaner.integrations.spec.BatchSpec`)
bound: Ray tasks, at most ``concurrency`` at a time, each in a worker process
that builds the pipeline once (the first batch it cleans) and keeps it for the
tasks that follow. The output columns are
:data:`cleaner.integrations.batch.OUTPUT_COLUMNS` plus the input's other
columns (see :mod:`cleaner.integrations.batch` for the schema). Site templates:
:func:`count_templates` counts with Ray Data's group-by, and the table goes to
the workers with ``ray.put``.

``cleaner clean --engine ray`` (JSONL and Parquet files in, a folder of part
files out) is :mod:`cleaner.integrations.ray_files`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.errors import CleanerError
from cleaner.integrations.batch import clean_batch, get_pipeline
from cleaner.integrations.sites import (
    PAGE,
    Shipped,
    from_pair_counts,
    pair_columns,
    resolve,
    ship,
    site_hash_rows,
)
from cleaner.integrations.spec import BatchSpec, build_spec, check_columns
from cleaner.templates import DEFAULT_CAP, SiteTemplates

if TYPE_CHECKING:  # pragma: no cover
    import ray.data

__all__ = ["DEFAULT_BATCH_SIZE", "clean_dataset", "count_templates", "require_ray", "ship_table", "task_pool"]

DEFAULT_BATCH_SIZE = 64


def require_ray() -> Any:
    """The ``ray`` module (with Ray Data), or a :class:`CleanerError` saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise CleanerError("Ray is not installed: pip install 'cleaner[ray]'") from exc
    return ray


def task_pool(concurrency: int | None) -> dict[str, Any]:
    """``map_batches`` keyword arguments for at most ``concurrency`` tasks at a time (None: Ray's default)."""
    if concurrency is None:
        return {}
    import ray.data

    strategy = getattr(ray.data, "TaskPoolStrategy", None)
    if strategy is not None:  # Ray >= 2.51: `concurrency` is deprecated in favour of `compute`
        return {"compute": strategy(size=concurrency)}
    return {"concurrency": concurrency}  # pragma: no cover - older Ray


# ------------------------------------------------------------------- library
def clean_dataset(
    ds: ray.data.Dataset,
    *,
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    config: str | Path | None = None,
    format: str = "auto",
    concurrency: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    num_cpus: float | None = None,
    site_templates: bool | str = "auto",
    templates: SiteTemplates | str | Path | None = None,
    site_field: str | None = None,
    spec: BatchSpec | None = None,
    **map_batches_kwargs: Any,
) -> ray.data.Dataset:
    """Clean a Ray Dataset: one output row per input row (lazy, like every Ray Data transform).

    ``text_column`` / ``html_column`` / ``id_column`` / ``format`` / ``config``
    are those of :func:`~cleaner.integrations.batch.clean_batch`; ``spec``: all
    the cleaning options as one :class:`~cleaner.integrations.spec.BatchSpec`
    instead. ``config`` must be a path every worker node can read (all nodes see
    the same file system, or ship it with ``runtime_env``). ``concurrency``
    bounds the number of cleaning tasks running at once (default: as many as
    there are CPUs), ``batch_size`` is the number of documents per call,
    ``num_cpus`` the CPUs reserved per task; other keyword arguments go to
    ``Dataset.map_batches``.

    Site templates (as ``cleaner clean --site-templates``; README "Site
    templates"): ``site_templates="auto"`` (default) counts the dataset's text
    documents per site first (:func:`count_templates`: Ray Data's group-by; this
    reads the dataset once more, here, before the lazy cleaning) and cleans with
    the table when a site has ``template_min_pages`` pages; ``True``: always;
    ``False``: one pass, no counting. ``templates``: a table
    (:class:`cleaner.templates.SiteTemplates`) or a file saved by
    ``--templates-out`` to clean with instead of counting. Sites come from the
    ``url`` column, or the ``site_field`` column (a URL or a host). The table
    goes to the workers once (``ray.put``), and each worker process builds its
    pipeline with it once.

    The config is loaded here first, so a bad config raises
    :class:`cleaner.ConfigError` before any task starts; so does a content
    column the dataset lacks (``KeyError``), when its schema is known without
    running anything (its blocks may come from files of different schemas:
    one of ``text_column`` and ``html_column`` is enough)."""
    require_ray()
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
    schema = ds.schema(fetch_if_missing=False)
    if schema is not None:
        check_columns(spec, schema.names, either=True)
    work = spec.for_workers()
    # fail fast on the driver (config, rule packs, models); workers build their own
    get_pipeline(work.config).warm(html=False)
    table = resolve(
        spec.site_templates,
        spec.templates,
        lambda field: count_templates(ds, spec=replace(spec, site_field=field), batch_size=batch_size),
        work.config,
        spec.site_field,
    )
    if table is not None:
        work = spec.for_workers(ship_table(table))
    if num_cpus is not None:
        map_batches_kwargs["num_cpus"] = num_cpus
    if "compute" not in map_batches_kwargs:
        map_batches_kwargs.update(task_pool(concurrency))
    return ds.map_batches(
        clean_batch,
        fn_kwargs={"spec": work},
        batch_format="pyarrow",
        batch_size=batch_size,
        **map_batches_kwargs,
    )


# ------------------------------------------------------------ site templates
def _site_pairs(
    batch: Any, text_column: str | None, html_column: str | None, site_column: str, format: str
) -> Any:
    """A batch of documents -> ``(site, hash)`` rows (one ``hash = 0`` row per page)."""
    import pyarrow as pa

    names = batch.schema.names

    def col(name: str | None) -> list[Any] | None:
        return batch.column(name).to_pylist() if name is not None and name in names else None

    sites, pages, hashes = pair_columns(
        site_hash_rows(col(text_column), col(html_column), col(site_column), format)
    )
    return pa.table(
        {
            "site": pa.array(sites, type=pa.string()),
            "page": pa.array(pages, type=pa.int64()),
            "hash": pa.array(hashes, type=pa.int64()),
        }
    )


def _pairs_of(batch: Any) -> Any:
    """(site, hash, page, n) groups -> (site, hash) rows: one per distinct page."""
    return batch.select(["site", "hash"])


def _kept_counts(batch: Any) -> Any:
    """Group-by counts -> those a table keeps: lines on two pages or more, and the page rows."""
    import pyarrow.compute as pc

    n = batch.column(batch.schema.names[-1])
    keep = pc.or_(pc.greater_equal(n, 2), pc.equal(batch.column("hash"), PAGE))
    return batch.filter(keep).rename_columns(["site", "hash", "pages"])


def count_templates(
    ds: ray.data.Dataset | list[ray.data.Dataset],
    *,
    text_column: str | None = "text",
    html_column: str | None = None,
    site_field: str | None = None,
    format: str = "auto",
    batch_size: int = DEFAULT_BATCH_SIZE,
    site_column: str | None = None,
    cap: int = DEFAULT_CAP,
    num_partitions: int | None = None,
    spec: BatchSpec | None = None,
) -> SiteTemplates:
    """The first pass of site templates on Ray Data: each text document's
    ``(site, page, line hash)`` rows (:func:`cleaner.integrations.sites.site_hash_rows`,
    the local first pass's rules; ``page``: the page's fingerprint, so that a
    copy of a page counts once), the distinct pages per ``(site, hash)``
    (``groupby(["site", "hash", "page"])`` then ``groupby(["site", "hash"]).count()``), and the
    table built from the counts (:meth:`SiteTemplates.from_counts`: exact counts,
    the ``cap`` lines on most pages kept per site). Sites come from the ``url``
    column, or from ``site_field`` (``site_column``: a column holding that field's
    values under another name). A dataset without that column counts nothing.
    Several datasets are counted as one. ``num_partitions``: of the group-by's
    shuffle (default: the cluster's CPUs). ``spec``: the columns, format and
    ``site_field`` as a :class:`~cleaner.integrations.spec.BatchSpec`."""
    spec = build_spec(
        spec, text_column=text_column, html_column=html_column, site_field=site_field, format=format
    )
    text_column, html_column, site_field, format = (
        spec.text_column,
        spec.html_column,
        spec.site_field,
        spec.format,
    )
    require_ray()
    parts = ds if isinstance(ds, list) else [ds]
    column = site_column or site_field or "url"
    pairs = []
    for part in parts:
        if column not in part.schema().names:
            continue
        pairs.append(
            part.map_batches(
                _site_pairs,  # type: ignore[arg-type]  # (its options come as fn_kwargs)
                batch_format="pyarrow",
                batch_size=batch_size,
                fn_kwargs={
                    "text_column": text_column,
                    "html_column": html_column,
                    "site_column": column,
                    "format": format,
                },
            )
        )
    if not pairs:
        return SiteTemplates(cap=cap, site_field=site_field)
    every = pairs[0] if len(pairs) == 1 else pairs[0].union(*pairs[1:])
    if num_partitions is None:  # (Ray's default, 200, is slow on a small input: a partition per CPU)
        import ray

        num_partitions = max(1, int(ray.cluster_resources().get("CPU", 1)))
    # a page's copies count once: distinct (site, hash, page) first, then pages per (site, hash)
    distinct = every.groupby(["site", "hash", "page"], num_partitions=num_partitions).count()
    distinct = distinct.map_batches(_pairs_of, batch_format="pyarrow")
    grouped = distinct.groupby(["site", "hash"], num_partitions=num_partitions)
    counts = grouped.count().map_batches(_kept_counts, batch_format="pyarrow")

    def rows() -> Iterator[tuple[str, int, int]]:
        for batch in counts.iter_batches(batch_format="pyarrow", batch_size=65536):
            assert not isinstance(batch, dict)  # (pyarrow)
            yield from zip(
                batch.column("site").to_pylist(),
                batch.column("hash").to_pylist(),
                batch.column("pages").to_pylist(),
                strict=True,
            )

    return from_pair_counts(rows(), cap=cap, site_field=site_field)


def ship_table(table: SiteTemplates) -> Shipped:
    """The table for the workers: one copy in Ray's object store."""
    import ray

    return ship(table, ray.put)


def __getattr__(name: str) -> Any:
    """``clean_files``, the ``--engine ray`` run, lives in :mod:`cleaner.integrations.ray_files`."""
    if name == "clean_files":
        from cleaner.integrations.ray_files import clean_files

        return clean_files
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
