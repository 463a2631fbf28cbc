"""Spark: clean a DataFrame with ``mapInPandas`` (or a pandas UDF).

::

    from cleaner.integrations.spark import clean_dataframe

    df = spark.read.parquet("s3a://bucket/scrapes/")            # columns id, text (or html), ...
    out = clean_dataframe(df, text_column="text")                 # = df.mapInPandas(fn, schema)
    out.where("status = 'ok'").write.parquet("s3a://bucket/clean/")

Site templates (README "Site templates on an engine"): :func:`clean_dataframe`
counts per site first (:func:`count_templates`, a Spark job) unless
``site_templates=False`` or a saved ``templates`` table is given, and broadcasts
the table to the executors.

The pieces, for use on their own:

* :func:`map_in_pandas` returns the function to give ``DataFrame.mapInPandas``:
  it takes an iterator of ``pandas.DataFrame`` batches and yields
  :func:`~cleaner.integrations.batch.clean_batch` of each;
* :func:`output_schema` is the schema to give with it: the output columns
  (:data:`SPARK_SCHEMA`) followed by the input's other columns;
* :func:`cleaner_udf` is a pandas UDF over one text (or HTML) column that
  returns a struct of the same fields minus ``id``:
  ``df.withColumn("clean", cleaner_udf()("text")).select("id", "clean.*")``.

Output schema (DDL, :data:`SPARK_SCHEMA`)::

    id string, text string, status string, reason string, error string,
    language string, language_score double, removed string, repairs string,
    artifacts string, artifacts_score double, artifacts_flagged boolean, metadata string

``removed``, ``repairs``, ``artifacts`` and ``metadata`` hold JSON; parse them in
Spark with ``from_json``, e.g. ``from_json("removed", REMOVED_DDL)``.

Each Python worker builds the pipeline once (Spark reuses Python workers between
tasks, ``spark.python.worker.reuse``, on by default). Batch size is Spark's
``spark.sql.execution.arrow.maxRecordsPerBatch``. On a cluster, ``config`` (and
the rule packs it names) must exist at the same absolute path on the driver and
every executor (a shared mount, or baked into the executors' image), and
``cleaner`` must be installed in the executors' Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from cleaner.integrations.batch import (
    OUTPUT_COLUMNS,
    OUTPUT_FIELDS,
    SPARK_SCHEMA,
    clean_batch,
    get_pipeline,
)
from cleaner.integrations.sites import (
    PAGE,
    Shipped,
    from_pair_counts,
    pair_columns,
    resolve,
    ship,
    site_hash_rows,
)
from cleaner.integrations.spec import BatchSpec, build_spec, check_columns, config_path
from cleaner.templates import DEFAULT_CAP, SiteTemplates

__all__ = [
    "SPARK_SCHEMA",
    "REMOVED_DDL",
    "REPAIRS_DDL",
    "ARTIFACTS_DDL",
    "clean_dataframe",
    "cleaner_udf",
    "count_templates",
    "map_in_pandas",
    "output_schema",
]

#: ``from_json`` schemas for the JSON columns (``from_json`` ignores keys it is not given).
REMOVED_DDL = "array<struct<line:int,text:string,rule:string>>"
REPAIRS_DDL = "array<struct<kind:string,line:int,before:string,after:string>>"
ARTIFACTS_DDL = (
    "struct<score:double,flagged:boolean,findings:array<struct<kind:string,count:int,"
    "per_1000_words:double,excerpts:array<struct<line:int,offset:int,text:string>>>>>"
)


def _clean_frames(frames: Iterator[Any], **kwargs: Any) -> Iterator[Any]:
    for frame in frames:
        yield clean_batch(frame, **kwargs)


def map_in_pandas(
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    config: str | Path | None = None,
    format: str = "auto",
    templates: SiteTemplates | Shipped | None = None,
    *,
    spec: BatchSpec | None = None,
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function for ``DataFrame.mapInPandas(fn, schema)`` (schema: :func:`output_schema`).
    ``templates``: a site-templates table to clean with (a :class:`SiteTemplates`
    travels in the function; :func:`clean_dataframe` broadcasts it). ``spec``:
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
            "map_in_pandas cleans with a table (SiteTemplates or Shipped), not a file: load it first"
        )
    shipped = ship(table) if isinstance(table, SiteTemplates) else table
    return functools.partial(_clean_frames, spec=spec.for_workers(shipped))


def output_schema(
    input_schema: Any = None,
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    *,
    spec: BatchSpec | None = None,
) -> Any:
    """The ``StructType`` of the cleaned DataFrame: the output columns, then the
    input's other columns (all but ``text``, ``html``, the content and id
    columns, and columns named like an output column)."""
    from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType

    spec = build_spec(spec, text_column=text_column, html_column=html_column, id_column=id_column)
    types = {"string": StringType(), "double": DoubleType(), "boolean": BooleanType()}
    fields = [StructField(name, types[typ], True) for name, typ in OUTPUT_FIELDS]
    if input_schema is not None:
        skip = {"text", "html", spec.text_column, spec.html_column, spec.id_column, *OUTPUT_COLUMNS}
        fields += [f for f in input_schema.fields if f.name not in skip]
    return StructType(fields)


def clean_dataframe(
    df: Any,
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    config: str | Path | None = None,
    format: str = "auto",
    site_templates: bool | str = "auto",
    templates: SiteTemplates | str | Path | None = None,
    site_field: str | None = None,
    *,
    spec: BatchSpec | None = None,
) -> Any:
    """Clean a Spark DataFrame (lazy): ``df.mapInPandas(map_in_pandas(...), output_schema(df.schema, ...))``.

    ``spec``: the options as one :class:`~cleaner.integrations.spec.BatchSpec`
    instead of the keywords.

    Site templates (as ``cleaner clean --site-templates``; README "Site
    templates"): ``site_templates="auto"`` (default) first counts the text
    documents per site (:func:`count_templates`, a Spark job run here: the
    DataFrame is read once more) and cleans with the table when a site has
    ``template_min_pages`` pages; ``True``: always; ``False``: one lazy pass, no
    counting. ``templates``: a :class:`~cleaner.templates.SiteTemplates` or a
    file saved by ``--templates-out`` to clean with instead of counting. Sites
    come from the ``url`` column, or the ``site_field`` column (a URL or a
    host). The table is broadcast to the executors once.

    Column names are checked here, and the config is loaded on the driver, so
    a mistake raises before any task runs."""
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
    check_columns(spec, df.columns)
    cfg = config_path(spec.config)
    get_pipeline(cfg).warm(html=False)  # fail fast on the driver (config, rule packs, models)
    if spec.id_column is not None and spec.id_column not in df.columns:
        spec = replace(spec, id_column=None)
    table = resolve(
        spec.site_templates,
        spec.templates,
        lambda field: count_templates(df, spec=replace(spec, site_field=field)),
        cfg,
        spec.site_field,
    )
    work = spec.for_workers(_broadcast(df, table) if table is not None else None)
    return df.mapInPandas(functools.partial(_clean_frames, spec=work), output_schema(df.schema, spec=spec))


# ------------------------------------------------------------ site templates
def _pair_frames(
    frames: Iterator[Any], text_column: str | None, html_column: str | None, site_column: str, format: str
) -> Iterator[Any]:
    import pandas as pd

    for frame in frames:

        def col(name: str | None, frame: Any = frame) -> list[Any] | None:
            return frame[name].tolist() if name is not None and name in frame.columns else None

        sites, pages, hashes = pair_columns(
            site_hash_rows(col(text_column), col(html_column), col(site_column), format)
        )
        yield pd.DataFrame(
            {
                "site": pd.Series(sites, dtype=object),
                "page": pd.Series(pages, dtype="int64"),
                "hash": pd.Series(hashes, dtype="int64"),
            }
        )


def count_templates(
    df: Any,
    text_column: str | None = "text",
    html_column: str | None = None,
    site_field: str | None = None,
    format: str = "auto",
    cap: int = DEFAULT_CAP,
    *,
    spec: BatchSpec | None = None,
) -> SiteTemplates:
    """The first pass of site templates in Spark: each text document's distinct
    ``(site, page, line hash)`` rows (``mapInPandas``; the local first pass's rules:
    :func:`cleaner.integrations.sites.site_hash_rows`; ``page``: the page's
    fingerprint) plus one row per page, ``groupBy("site", "hash")`` counting
    distinct pages (a copy of a page counts once), the lines on two pages or more and the
    ``cap`` on most pages per site kept (a window), collected to the driver into
    :meth:`SiteTemplates.from_counts`. Sites come from the ``url`` column, or the
    ``site_field`` column; a DataFrame without it counts nothing."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spec = build_spec(
        spec, text_column=text_column, html_column=html_column, site_field=site_field, format=format
    )
    text_column, html_column, site_field = spec.text_column, spec.html_column, spec.site_field
    column = site_field or "url"
    if column not in df.columns:
        return SiteTemplates(cap=cap, site_field=site_field)
    keep = [c for c in dict.fromkeys((text_column, html_column, column)) if c is not None and c in df.columns]
    fn = functools.partial(
        _pair_frames, text_column=text_column, html_column=html_column, site_column=column, format=spec.format
    )
    pairs = df.select(*keep).mapInPandas(fn, "site string, page long, hash long")
    # distinct pages per (site, hash): a copy of a page (the same lines) counts once
    counts = pairs.groupBy("site", "hash").agg(F.countDistinct("page").alias("count"))
    pages = counts.where(F.col("hash") == PAGE)
    rank = F.row_number().over(Window.partitionBy("site").orderBy(F.desc("count"), F.asc("hash")))
    lines = (
        counts.where((F.col("hash") != PAGE) & (F.col("count") >= 2))
        .withColumn("rank", rank)
        .where(F.col("rank") <= cap)
        .drop("rank")
    )
    rows = ((r["site"], r["hash"], r["count"]) for r in pages.unionByName(lines).toLocalIterator())
    return from_pair_counts(rows, cap=cap, site_field=site_field)


def _broadcast(df: Any, table: SiteTemplates) -> Shipped:
    """The table for the executors: a broadcast variable (its bytes in the closure on Spark Connect)."""
    try:
        context = df.sparkSession.sparkContext
    except Exception:  # Spark Connect: no SparkContext
        return ship(table)
    return ship(table, context.broadcast)


def cleaner_udf(config: str | Path | None = None, html: bool = False) -> Any:
    """A pandas UDF: one string column (text, or HTML with ``html=True``) in, a
    struct of the output fields except ``id`` out."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    cfg = config_path(config)
    fields = ", ".join(f"{name} {typ}" for name, typ in OUTPUT_FIELDS if name != "id")
    column = "html" if html else "text"

    def clean(values: pd.Series) -> pd.DataFrame:
        frame = pd.DataFrame({column: values.reset_index(drop=True)})
        out = clean_batch(
            frame,
            text_column=None if html else "text",
            html_column="html" if html else None,
            id_column=None,
            config=cfg,
        )
        return out.drop(columns=["id"])

    clean.__annotations__ = {"values": pd.Series, "return": pd.DataFrame}
    return pandas_udf(clean, fields)  # type: ignore[call-overload]
