"""One batch function for every engine: a batch of raw scrapes in, record columns out.

:func:`clean_batch` takes a ``pandas.DataFrame``, a ``pyarrow.Table`` /
``pyarrow.RecordBatch`` or a dict of lists (what Hugging Face ``datasets``
passes to a batched ``map``) and returns the same type, one output row per input
row, in order. Ray Data, Spark and ``datasets`` all call it (see
:mod:`cleaner.integrations.ray`, :mod:`~cleaner.integrations.spark` and
:mod:`~cleaner.integrations.hf`), so every engine cleans through the same code:
``Pipeline.clean`` then ``Document.to_record``, exactly as ``cleaner clean`` does.

The pipeline is built once per process (a module-level cache keyed by the
resolved config path), the first time a batch arrives in that process.

Output columns, in this order, then the other input columns unchanged:

==================  ========  ====================================================
column              type      value
==================  ========  ====================================================
id                  string    the input id as a string (null when the row has none)
text                string    the clean text ("" for an ``error`` document)
status              string    ``ok`` | ``dropped`` | ``error``
reason              string    why a ``dropped`` document was dropped, else null
error               string    the message of an ``error`` document, else null
language            string    language code, null when unknown
language_score      double    null when unknown
removed             string    JSON list: ``[{"line", "text", "rule"}, ...]``
repairs             string    JSON list: ``[{"kind", "line", "before", "after"}, ...]``
artifacts           string    JSON object: ``{"score", "flagged", "findings": [...]}``
artifacts_score     double    ``artifacts.score``, for filtering without parsing JSON
artifacts_flagged   boolean   ``artifacts.flagged``
metadata            string    JSON object of page metadata (HTML input), else null
==================  ========  ====================================================

The three nested fields of the record (and ``metadata``) are JSON strings:
their shape varies per document (findings carry different keys), JSON strings
need no schema negotiation between batches, engines or file formats, and
:func:`row_to_record` turns a row back into the exact record ``cleaner clean``
writes. Input columns other than the content, ``text``, ``html`` and id columns
are passed through; an input column that has the name of an output column is
replaced by it.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cleaner.document import STATUS_DROPPED, STATUS_ERROR, Document
from cleaner.integrations.spec import BatchSpec, build_spec, check_columns, config_key, config_path
from cleaner.io.parquet_sink import arrow_str
from cleaner.pipeline import Pipeline

__all__ = [
    "OUTPUT_COLUMNS",
    "JSON_COLUMNS",
    "SPARK_SCHEMA",
    "arrow_schema",
    "clean_batch",
    "clean_rows",
    "config_key",
    "config_path",
    "get_pipeline",
    "row_to_record",
    "pipeline_builds",
]

#: (name, Arrow/Spark type) of the columns :func:`clean_batch` adds, in order.
OUTPUT_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "string"),
    ("text", "string"),
    ("status", "string"),
    ("reason", "string"),
    ("error", "string"),
    ("language", "string"),
    ("language_score", "double"),
    ("removed", "string"),
    ("repairs", "string"),
    ("artifacts", "string"),
    ("artifacts_score", "double"),
    ("artifacts_flagged", "boolean"),
    ("metadata", "string"),
)
OUTPUT_COLUMNS: tuple[str, ...] = tuple(name for name, _ in OUTPUT_FIELDS)
#: Output columns that hold JSON text.
JSON_COLUMNS: tuple[str, ...] = ("removed", "repairs", "artifacts", "metadata")
#: The output columns as a Spark DDL schema string (``DataFrame.mapInPandas(fn, SPARK_SCHEMA)``
#: when there are no passthrough columns; see :func:`cleaner.integrations.spark.output_schema`).
SPARK_SCHEMA: str = ", ".join(f"{name} {typ}" for name, typ in OUTPUT_FIELDS)

# --------------------------------------------------------------- pipeline cache
_PIPELINES: dict[str, Pipeline] = {}
_BUILDS: dict[str, int] = {}
_LOCK = threading.Lock()


def get_pipeline(config: str | Path | Pipeline | None = None) -> Pipeline:
    """The pipeline for ``config`` in this process, built on first use.

    ``config`` is a config path or shipped name (None: the default). A
    :class:`Pipeline` is returned as is (for in-process use; engines ship the
    config path, which each worker process turns into its own pipeline)."""
    if isinstance(config, Pipeline):
        return config
    key = config_key(config)
    pipe = _PIPELINES.get(key)
    if pipe is None:
        with _LOCK:
            pipe = _PIPELINES.get(key)
            if pipe is None:
                pipe = Pipeline.from_yaml(None if config is None else key)
                _PIPELINES[key] = pipe
                _BUILDS[key] = _BUILDS.get(key, 0) + 1
    return pipe


def pipeline_builds() -> dict[str, int]:
    """How many pipelines this process has built, per config (for tests and tuning)."""
    return dict(_BUILDS)


# ------------------------------------------------------------------ one row
def _id_value(v: Any) -> str | None:
    """An input id as the CLI's readers would name it; None when missing."""
    if v is None or isinstance(v, bool):
        return None if v is None else str(v)
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() else str(v)
    try:  # numpy scalars and the like
        import numbers

        if isinstance(v, numbers.Integral):
            return str(int(v))
        if isinstance(v, numbers.Real):
            return _id_value(float(v))
    except Exception:
        pass
    return str(v)


def _content(v: Any) -> str | bytes | None:
    return v if isinstance(v, (str, bytes)) else None


def clean_rows(
    pipe: Pipeline,
    ids: Sequence[Any],
    texts: Sequence[Any] | None,
    htmls: Sequence[Any] | None,
    urls: Sequence[Any] | None = None,
    format: str = "auto",
    text_column: str = "text",
    html_column: str | None = None,
    sites: Sequence[Any] | None = None,
    site_field: str | None = None,
) -> list[dict[str, Any]]:
    """Clean parallel lists of values; one record (``Document.to_record``) per row.

    Per row, like ``Pipeline.clean_record``: the HTML value when it is a string
    (or bytes), else the text value; ``format="auto"`` reads the first as HTML and
    the second as text. A row with neither becomes an ``error`` record.
    ``sites``: each row's value of ``site_field`` (site templates read a
    document's site from it), given to the pipeline as an input field."""
    n = len(ids)
    out: list[dict[str, Any]] = []
    for i in range(n):
        rid = _id_value(ids[i])
        html = _content(htmls[i]) if htmls is not None else None
        text = _content(texts[i]) if texts is not None else None
        if html is not None:
            raw, fmt = html, "html" if format == "auto" else format
        elif text is not None:
            raw, fmt = text, "text" if format == "auto" else format
        else:
            doc = Document(id=rid or "")
            names = [c for c in (html_column, text_column if texts is not None else None) if c]
            doc.fail(f"column {' or '.join(f'`{c}`' for c in names) or '(none)'} is null")
            out.append(_with_id(doc.to_record(), rid))
            continue
        url = urls[i] if urls is not None else None
        meta = {"url": url} if isinstance(url, str) else None
        # (the url column is carried into the output as the record's top-level url: the record says it once)
        extra = {"url": url} if meta else None
        if sites is not None and site_field and sites[i] is not None:
            extra = {**(extra or {}), site_field: sites[i]}
        try:
            doc = pipe.clean(raw, format=fmt, id=rid or "", metadata=meta, extra=extra)
        except Exception as exc:  # clean() catches stage failures; this is a last guard
            doc = Document(id=rid or "")
            doc.fail(f"{type(exc).__name__}: {exc}")
        out.append(_with_id(doc.to_record(), rid))
    return out


def _with_id(rec: dict[str, Any], rid: str | None) -> dict[str, Any]:
    rec["id"] = rid
    return rec


# --------------------------------------------------------- record <-> columns
def _json(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False, default=str)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: keep them as JSON escapes
        s = json.dumps(v, ensure_ascii=True, default=str)
    return s


def _float(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def record_columns(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Records (``Document.to_record``) as the output columns, Python values."""
    cols: dict[str, list[Any]] = {name: [] for name in OUTPUT_COLUMNS}
    for rec in records:
        art = given if isinstance(given := rec.get("artifacts"), dict) else {}
        status = rec.get("status")
        cols["id"].append(arrow_str(rec.get("id")))
        cols["text"].append(arrow_str(rec.get("text") or ""))
        cols["status"].append(status)
        cols["reason"].append(arrow_str(rec.get("reason")) if status == STATUS_DROPPED else None)
        cols["error"].append(arrow_str(rec.get("error")) if status == STATUS_ERROR else None)
        cols["language"].append(arrow_str(rec.get("language")))
        cols["language_score"].append(_float(rec.get("language_score")))
        cols["removed"].append(_json(rec.get("removed") or []))
        cols["repairs"].append(_json(rec.get("repairs") or []))
        cols["artifacts"].append(_json(art))
        cols["artifacts_score"].append(_float(art.get("score")))
        cols["artifacts_flagged"].append(bool(art.get("flagged")))
        cols["metadata"].append(_json(rec["metadata"]) if rec.get("metadata") else None)
    return cols


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return isinstance(v, float) and math.isnan(v)
    except TypeError:
        return False


def row_to_record(row: Mapping[str, Any], passthrough: bool = True) -> dict[str, Any]:
    """An output row back into the record ``cleaner clean`` writes for that document.

    Passthrough columns become top-level keys (as JSONL input fields do) unless
    ``passthrough`` is false; ``reason``/``error``/``metadata`` appear only when
    the CLI's record has them."""
    rec: dict[str, Any] = {}
    if passthrough:
        for k, v in row.items():
            if k not in OUTPUT_COLUMNS:
                rec[k] = v
    score = row.get("language_score")

    def load(name: str, empty: Any) -> Any:
        v = row.get(name)
        return json.loads(v) if isinstance(v, str) and v else empty

    rec.update(
        {
            "id": row.get("id"),
            "text": row.get("text") or "",
            "status": row.get("status"),
            "language": None if _is_missing(row.get("language")) else row.get("language"),
            "language_score": None if score is None or _is_missing(score) else float(score),
            "removed": load("removed", []),
            "repairs": load("repairs", []),
            "artifacts": load("artifacts", {}),
        }
    )
    if rec["status"] == STATUS_DROPPED:
        rec["reason"] = row.get("reason")
    if rec["status"] == STATUS_ERROR:
        rec["error"] = row.get("error")
    meta = load("metadata", None)
    if meta:
        rec["metadata"] = meta
    return rec


def arrow_schema(passthrough: Any = None) -> Any:
    """The ``pyarrow.Schema`` of :func:`clean_batch`'s output for Arrow input;
    ``passthrough`` is the input schema (or a list of fields) whose other
    columns are carried through."""
    import pyarrow as pa

    types = {"string": pa.string(), "double": pa.float64(), "boolean": pa.bool_()}
    fields = [pa.field(name, types[typ]) for name, typ in OUTPUT_FIELDS]
    if passthrough is not None:
        fields += [f for f in passthrough if f.name not in OUTPUT_COLUMNS]
    return pa.schema(fields)


# ---------------------------------------------------------------- the batch
def _passthrough_names(
    columns: Sequence[str], text_column: str | None, html_column: str | None, id_column: str | None
) -> list[str]:
    skip = {"text", "html", text_column, html_column, id_column, *OUTPUT_COLUMNS}
    return [c for c in columns if c not in skip]


def clean_batch(
    batch: Any,
    text_column: str | None = "text",
    html_column: str | None = None,
    id_column: str | None = "id",
    config: str | Path | Pipeline | None = None,
    format: str = "auto",
    indices: Sequence[int] | None = None,
    templates: Any = None,
    site_column: str | None = None,
    *,
    spec: BatchSpec | None = None,
) -> Any:
    """Clean a batch; return the same type with the output columns (see the module doc).

    ``batch``: ``pandas.DataFrame``, ``pyarrow.Table``, ``pyarrow.RecordBatch``
    or a mapping of column name to list. ``text_column`` / ``html_column`` name
    the content (per row, HTML is used when present, else text);
    ``id_column`` the id (a missing column or a null id gives a null ``id``,
    or ``str(index)`` when ``indices`` are given, as ``datasets`` passes with
    ``with_indices=True``). ``config`` is a config path or shipped name (or a
    :class:`Pipeline` of this process); the pipeline is built once per process.
    ``format`` forces ``text`` or ``html``. ``templates``: a site-templates table
    to clean with (:class:`cleaner.integrations.sites.Shipped`, or a
    :class:`~cleaner.templates.SiteTemplates` in this process; the pipeline is
    built once per process and table); its sites come from the ``url`` column,
    or from the column of its ``site_field`` (``site_column`` names another
    column that holds that field's values). ``spec``: these options as one
    :class:`~cleaner.integrations.spec.BatchSpec` instead (its
    ``site_templates`` is the entry points' business: a batch is cleaned with
    the table it is given, or none).

    Raises ``KeyError`` when neither content column is in the batch (one of
    them may be missing: batches from files with different schemas) and
    ``ValueError`` for a bad ``format``; bad content never raises (the row
    becomes an ``error`` record)."""
    kind = _kind(batch)
    pipeline = config if isinstance(config, Pipeline) else None
    spec = build_spec(
        spec,
        text_column=text_column,
        html_column=html_column,
        id_column=id_column,
        config=None if pipeline is not None else config,
        format=format,
        templates=templates,
    )
    columns = _columns(batch, kind)
    check_columns(spec, columns, what="batch", either=True)
    n = _num_rows(batch, kind)

    def values(name: str | None) -> list[Any] | None:
        if name is None or name not in columns:
            return None
        return _column_values(batch, kind, name)

    ids: list[Any] = values(spec.id_column) or [None] * n
    if indices is not None:
        ids = [i if _id_value(i) is not None else str(idx) for i, idx in zip(ids, indices, strict=True)]
    table = spec.templates
    if table is None:
        pipe, field, sites = pipeline or get_pipeline(spec.config), None, None
    elif isinstance(table, (str, Path)):
        raise TypeError(
            "clean_batch cleans with a table (SiteTemplates or Shipped), not a file: load it first"
        )
    elif pipeline is not None:
        raise TypeError("clean_batch: a Pipeline as config takes no templates (build it with templates=)")
    else:
        from cleaner.integrations.sites import templates_pipeline

        pipe, field = templates_pipeline(spec.config, table), table.site_field
        sites = values(site_column or field) if field else None
    records = clean_rows(
        pipe,
        ids,
        values(spec.text_column),
        values(spec.html_column),
        values("url"),
        format=spec.format,
        text_column=spec.text_column or "text",
        html_column=spec.html_column,
        sites=sites,
        site_field=field,
    )
    out = record_columns(records)
    keep = _passthrough_names(columns, spec.text_column, spec.html_column, spec.id_column)
    return _assemble(batch, kind, out, keep)


def _kind(batch: Any) -> str:
    mod = type(batch).__module__.split(".")[0]
    name = type(batch).__name__
    if mod == "pandas" and name == "DataFrame":
        return "pandas"
    if mod == "pyarrow" and name in ("Table", "RecordBatch"):
        return "arrow"
    if isinstance(batch, Mapping) or hasattr(batch, "keys"):  # dict, datasets' LazyBatch
        return "dict"
    raise TypeError(
        f"clean_batch: expected a pandas.DataFrame, pyarrow.Table/RecordBatch or dict of lists, "
        f"not {type(batch).__name__}"
    )


def _columns(batch: Any, kind: str) -> list[str]:
    if kind == "pandas":
        return [str(c) for c in batch.columns]
    if kind == "arrow":
        return list(batch.schema.names)
    return list(batch.keys())


def _num_rows(batch: Any, kind: str) -> int:
    if kind in ("pandas", "arrow"):
        return len(batch)
    lengths = {len(batch[k]) for k in batch.keys()}
    if len(lengths) > 1:
        raise ValueError(f"clean_batch: columns of different lengths {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _column_values(batch: Any, kind: str, name: str) -> list[Any]:
    if kind == "pandas":
        return batch[name].tolist()
    if kind == "arrow":
        return batch.column(name).to_pylist()
    return list(batch[name])


def _assemble(batch: Any, kind: str, out: dict[str, list[Any]], keep: list[str]) -> Any:
    if kind == "arrow":
        import pyarrow as pa

        schema = arrow_schema([batch.schema.field(c) for c in keep])
        arrays = [pa.array(out[name], type=schema.field(name).type) for name in OUTPUT_COLUMNS]
        arrays += [batch.column(c) for c in keep]
        if type(batch).__name__ == "RecordBatch":
            return pa.RecordBatch.from_arrays(arrays, schema=schema)
        return pa.Table.from_arrays(arrays, schema=schema)
    if kind == "pandas":
        import pandas as pd

        data: dict[str, Any] = {}
        for name, typ in OUTPUT_FIELDS:
            if typ == "double":
                data[name] = pd.Series([math.nan if v is None else v for v in out[name]], dtype="float64")
            elif typ == "boolean":
                data[name] = pd.Series(out[name], dtype="bool")
            else:
                data[name] = pd.Series(out[name], dtype="object")
        frame = pd.DataFrame(data)
        for c in keep:
            frame[c] = batch[c].reset_index(drop=True)
        return frame
    result: dict[str, list[Any]] = dict(out)
    for c in keep:
        result[c] = list(batch[c])
    return result
