"""Ray Data: clean a Ray Dataset, and ``cleaner clean --engine ray``.

Library::

    import ray
    from cleaner.integrations.ray import clean_dataset

    ds = ray.data.read_parquet("s3://bucket/scrapes/")           # columns id, text (or html), ...
    out = clean_dataset(ds, text_column="text", concurrency=8, batch_size=128)
    out.filter(lambda r: r["status"] == "ok").write_parquet("s3://bucket/clean/")

:func:`clean_dataset` is ``ds.map_batches(clean_batch, batch_format="pyarrow")``
with the cleaning options bound: Ray tasks, at most ``concurrency`` at a time,
each in a worker process that builds the pipeline once (the first batch it
cleans) and keeps it for the tasks that follow. The output columns are
:data:`cleaner.integrations.batch.OUTPUT_COLUMNS` plus the input's other
columns (see :mod:`cleaner.integrations.batch` for the schema).

Command line (:func:`cli_clean`, called by ``cleaner clean --engine ray``):
JSONL (``.jsonl``/``.ndjson``, optionally ``.gz``/``.zst``) and Parquet inputs,
local paths or URIs Ray can read (``s3://``, ``gs://``, ...); the output is a
folder of part files, ``part-000000.jsonl`` ... or ``part-000000.parquet`` ...
(JSONL unless OUTPUT ends in ``.parquet``; ``.jsonl.gz`` gives gzip parts), in
input order, holding the same records (JSONL) or rows (Parquet) as the local
engine writes. JSONL inputs are parsed by the local engine's own line reader,
so ids, input fields, ``url`` metadata and the error records for bad lines are
the same. Site templates as the local run's (``--site-templates``,
``--templates``, ``--templates-out``, ``--site-field``; :func:`count_templates`
counts with Ray Data's group-by, the table goes to the workers with ``ray.put``).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import logging
import os
import shutil
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.document import Document
from cleaner.errors import CleanerError
from cleaner.integrations.batch import (
    OUTPUT_COLUMNS,
    clean_batch,
    config_path,
    get_pipeline,
    row_to_record,
)
from cleaner.integrations.sites import (
    PAGE,
    Shipped,
    from_pair_counts,
    pair_columns,
    resolve,
    ship,
    site_hash_rows,
    template_mode,
)
from cleaner.io.writers import arrow_str
from cleaner.report import Summary
from cleaner.templates import DEFAULT_CAP, SiteTemplates

if TYPE_CHECKING:  # pragma: no cover
    import ray.data

__all__ = ["clean_dataset", "clean_files", "cli_clean", "count_templates", "DEFAULT_BATCH_SIZE"]

DEFAULT_BATCH_SIZE = 64
_EXTRA = "__cleaner_extra"  # input fields of a JSONL record, as JSON
_RECORD = "__cleaner_record"  # a finished record (a line that could not be read), as JSON
_NBYTES = "__cleaner_nbytes"  # input size of the document, for the summary
_SITE = "__cleaner_site"  # the --site-field value of a JSONL record (site templates)
_INTERNAL = (_EXTRA, _RECORD, _NBYTES, _SITE)


def _require_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise CleanerError("Ray is not installed: pip install 'cleaner[ray]'") from exc
    return ray


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
    **map_batches_kwargs: Any,
) -> ray.data.Dataset:
    """Clean a Ray Dataset: one output row per input row (lazy, like every Ray Data transform).

    ``text_column`` / ``html_column`` / ``id_column`` / ``format`` / ``config``
    are those of :func:`~cleaner.integrations.batch.clean_batch`. ``config``
    must be a path every worker node can read (all nodes see the same file
    system, or ship it with ``runtime_env``). ``concurrency`` bounds the number
    of cleaning tasks running at once (default: as many as there are CPUs),
    ``batch_size`` is the number of documents per call, ``num_cpus`` the CPUs
    reserved per task; other keyword arguments go to ``Dataset.map_batches``.

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
    :class:`cleaner.ConfigError` before any task starts."""
    _require_ray()
    cfg = config_path(config)
    get_pipeline(cfg).warm(
        html=False
    )  # fail fast on the driver (config, rule packs, models); workers build their own
    kwargs: dict[str, Any] = {
        "text_column": text_column,
        "html_column": html_column,
        "id_column": id_column,
        "config": cfg,
        "format": format,
    }
    table = resolve(
        site_templates,
        templates,
        lambda field: count_templates(
            ds,
            text_column=text_column,
            html_column=html_column,
            site_field=field,
            format=format,
            batch_size=batch_size,
        ),
        cfg,
        site_field,
    )
    if table is not None:
        kwargs["templates"] = _ship(table)
    if num_cpus is not None:
        map_batches_kwargs["num_cpus"] = num_cpus
    if concurrency is not None and "compute" not in map_batches_kwargs:
        import ray.data

        strategy = getattr(ray.data, "TaskPoolStrategy", None)
        if strategy is not None:  # Ray >= 2.51: `concurrency` is deprecated in favour of `compute`
            map_batches_kwargs["compute"] = strategy(size=concurrency)
        else:  # pragma: no cover - older Ray
            map_batches_kwargs["concurrency"] = concurrency
    return ds.map_batches(
        clean_batch,
        fn_kwargs=kwargs,
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
    shuffle (default: the cluster's CPUs)."""
    _require_ray()
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


def _ship(table: SiteTemplates) -> Shipped:
    """The table for the workers: one copy in Ray's object store."""
    import ray

    return ship(table, ray.put)


# -------------------------------------------------------------- CLI: inputs
_JSONL_EXT = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
_PARQUET_EXT = (".parquet",)


def _is_uri(spec: str) -> bool:
    return "://" in spec


def _kind(name: str) -> str | None:
    low = name.lower()
    if low.endswith(_JSONL_EXT):
        return "jsonl"
    if low.endswith(_PARQUET_EXT):
        return "parquet"
    return None


def _list_inputs(inputs: list[str]) -> tuple[list[str], list[str], dict[str, str]]:
    """(JSONL files, Parquet files, shown name per file): folders walked in the
    local engine's order; local files as absolute paths."""
    from cleaner.io.readers import kind_of, walk

    jsonl: list[str] = []
    parquet: list[str] = []
    shown: dict[str, str] = {}

    def add(path: str, display: str) -> None:
        kind = _kind(path)
        if kind is None:
            other = kind_of(path)
            raise CleanerError(
                f"{display}: --engine ray reads JSONL and Parquet"
                + (f", not {other} files (use the local engine)" if other else " files")
            )
        (jsonl if kind == "jsonl" else parquet).append(path)
        shown[path] = display

    for spec in inputs:
        if spec == "-":
            raise CleanerError("--engine ray cannot read standard input; name files or folders")
        if _is_uri(spec):
            for uri in _list_uri(spec):
                add(uri, uri)
            continue
        p = Path(spec)
        if p.is_dir():
            files = list(walk(p))  # the files the local engine would read, in its order
            if not files:
                raise CleanerError(f"{spec}: no JSONL or Parquet files in this folder")
            for f in files:  # another kind (.txt, .html, WARC) is an error, not a silent skip
                add(os.path.abspath(f), str(f))
        elif p.is_file():
            add(os.path.abspath(p), spec)
        else:
            raise CleanerError(f"{spec}: no such file or folder")
    return jsonl, parquet, shown


def _list_uri(spec: str) -> list[str]:
    """A URI that names a file, or the JSONL/Parquet files under a URI prefix (sorted)."""
    if _kind(spec) is not None:
        return [spec]
    import pyarrow.fs as pafs

    try:
        fs, root = pafs.FileSystem.from_uri(spec)
        infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    except Exception as exc:
        raise CleanerError(f"{spec}: cannot list ({exc})") from exc
    scheme = spec.split("://", 1)[0]
    files = sorted(i.path for i in infos if i.type == pafs.FileType.File and _kind(i.path) is not None)
    if not files:
        raise CleanerError(f"{spec}: no JSONL or Parquet files under this prefix")
    return [f"{scheme}://{f}" for f in files]


def _read_bytes(path: str) -> bytes:
    """A file's bytes as stored (no decompression), local path or URI."""
    if not _is_uri(path):
        with open(path, "rb") as fh:
            return fh.read()
    import pyarrow.fs as pafs

    fs, p = pafs.FileSystem.from_uri(path)
    with fs.open_input_stream(p, compression=None) as fh:
        return fh.read()


class _Damaged(Exception):
    """The compressed data ends inside a member/frame or is corrupt."""


def _decompress(data: bytes, name: str) -> tuple[bytes, str | None]:
    """(the decompressed bytes that could be read, what was wrong after them or None)."""
    low = name.lower()
    codec = "gz" if low.endswith(".gz") else "zst" if low.endswith((".zst", ".zstd")) else None
    if codec is None:
        return data, None
    out: list[bytes] = []
    rest = data
    try:
        while rest:
            if codec == "gz":
                if not rest.strip(b"\0"):
                    break  # zero padding after the last member
                import zlib

                obj: Any = zlib.decompressobj(47)
            else:
                import zstandard

                obj = zstandard.ZstdDecompressor().decompressobj()
            out.append(obj.decompress(rest))
            if not obj.eof:
                kind = ("gzip", "member") if codec == "gz" else ("zstd", "frame")
                return b"".join(out), f"the {kind[0]} data ends inside a {kind[1]} (file truncated?)"
            rest = obj.unused_data
    except Exception as exc:
        return b"".join(out), f"{'gzip' if codec == 'gz' else 'zstd'}: {exc}"
    return b"".join(out), None


def _json_ascii(v: Any) -> str:
    return json.dumps(v, ensure_ascii=True, default=str)


def _read_jsonl_files(
    batch: Any, format: str, shown: dict[str, str], rows: int, site_field: str | None = None
) -> Iterator[Any]:
    """File paths -> one row per JSONL line, parsed by the local engine's line reader
    (same ids, input fields and error records as ``cleaner clean``)."""
    import pyarrow as pa

    from cleaner.io.readers import _doc_id, _jsonl_item

    schema = pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("html", pa.string()),
            ("url", pa.string()),
            (_EXTRA, pa.string()),
            (_RECORD, pa.string()),
            (_NBYTES, pa.int64()),
            *([(_SITE, pa.string())] if site_field else []),
        ]
    )
    cols: dict[str, list[Any]] = {name: [] for name in schema.names}

    def flush() -> Any:
        table = pa.Table.from_pydict(cols, schema=schema)
        for v in cols.values():
            v.clear()
        return table

    def error_row(rid: str, extra: dict[str, Any], message: str, size: int | None) -> None:
        doc = Document(id=rid, extra=extra)
        doc.fail(message)
        cols["id"].append(arrow_str(rid))
        for c in ("text", "html", "url", _EXTRA):
            cols[c].append(None)
        cols[_RECORD].append(_json_ascii(doc.to_record()))
        cols[_NBYTES].append(size)
        if site_field:
            cols[_SITE].append(None)

    for file in batch.column("path").to_pylist():
        display = shown.get(file, file)
        path = Path(display)
        stem = _doc_id(path, None)
        try:
            data, damage = _decompress(_read_bytes(file), display)
        except OSError as exc:
            error_row(stem, {}, f"{display}: cannot read: {exc}", 0)
            continue
        pieces = data.split(b"\n")
        last = len(pieces) - 1
        if damage is not None:
            pieces.pop()  # an incomplete last line is not read, as in the local engine
            last += 1
        lineno = 0
        for idx, piece in enumerate(pieces):
            lineno = idx + 1
            line = piece + b"\n" if idx < last else piece  # lines as a binary file yields them
            if not line.strip():
                continue
            item = _jsonl_item(line, path, lineno, stem, format)
            if item.error is not None or item.raw is None:
                error_row(item.id, dict(item.extra), item.error or "no content", item.size)
            else:
                raw: str | None = (
                    item.raw if isinstance(item.raw, str) else item.raw.decode("utf-8", "surrogateescape")
                )
                is_html = item.format == "html"
                raw = arrow_str(raw)  # Arrow strings are UTF-8: lone surrogates become U+FFFD
                cols["id"].append(arrow_str(item.id))
                cols["text"].append(None if is_html else raw)
                cols["html"].append(raw if is_html else None)
                cols["url"].append(arrow_str(item.metadata.get("url")))
                cols[_EXTRA].append(_json_ascii(item.extra) if item.extra else None)
                cols[_RECORD].append(None)
                cols[_NBYTES].append(item.size)
                if site_field:  # (a string, or none: record_site reads only strings)
                    v = item.extra.get(site_field)
                    cols[_SITE].append(arrow_str(v) if isinstance(v, str) else None)
            if len(cols["id"]) >= rows:
                yield flush()
        if damage is not None:
            error_row(
                f"{stem}:{lineno + 1}",
                {},
                f"{display}:{lineno + 1}: file is truncated or corrupt "
                f"({damage}); the {lineno} line(s) before were read",
                0,
            )
    if cols["id"]:
        yield flush()


def _add_nbytes(batch: Any, columns: list[str]) -> Any:
    """Parquet input: the document's size (characters of its content, as the local engine counts)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sizes = None
    for c in columns:
        col = batch.column(c)
        n = (
            pc.utf8_length(col)
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
            else pc.binary_length(col)
        )
        sizes = n if sizes is None else pc.if_else(pc.is_null(sizes), n, sizes)
    sizes = (
        pc.fill_null(pc.cast(sizes, pa.int64()), 0) if sizes is not None else pa.nulls(len(batch), pa.int64())
    )
    return batch.append_column(_NBYTES, sizes)


# ------------------------------------------------------------- CLI: outputs
def _records_of(batch: Any) -> list[tuple[dict[str, Any], int | None]]:
    """Cleaned rows -> (the record the local engine writes, input size)."""
    out = []
    names = batch.schema.names
    for row in batch.to_pylist():
        size = row.get(_NBYTES)
        if row.get(_RECORD):
            out.append((json.loads(row[_RECORD]), size))
            continue
        if _EXTRA in names:  # JSONL input: the record's other fields
            rec = json.loads(row[_EXTRA]) if row.get(_EXTRA) else {}
        else:  # Parquet input: the other columns
            rec = {k: v for k, v in row.items() if k not in OUTPUT_COLUMNS and k not in _INTERNAL}
        rec.update(row_to_record(row, passthrough=False))
        out.append((rec, size))
    return out


def _to_output(batch: Any, kind: str) -> Any:
    """Cleaned rows -> ``line`` (binary JSONL line) or the local engine's Parquet row, plus the size."""
    import pyarrow as pa

    from cleaner.io.writers import _line_bytes, flatten_record, parquet_schema

    pairs = _records_of(batch)
    sizes = pa.array([s for _, s in pairs], type=pa.int64())
    if kind == "jsonl":
        return pa.table(
            {"line": pa.array([_line_bytes(r) for r, _ in pairs], type=pa.binary()), _NBYTES: sizes}
        )
    schema = parquet_schema()
    table = pa.Table.from_pylist([flatten_record(r) for r, _ in pairs], schema=schema)
    return table.append_column(_NBYTES, sizes)


def _make_sink(path: str, kind: str, compression: str | None) -> Any:
    from ray.data import BlockBasedFileDatasink
    from ray.data.datasource.filename_provider import FilenameProvider

    ext = "parquet" if kind == "parquet" else "jsonl" + (f".{compression}" if compression else "")

    class _PartNames(FilenameProvider):
        def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
            return f"part-{task_index:06d}.{ext}"

    class RecordsDatasink(BlockBasedFileDatasink):
        """Writes the records of each write task to one part file and returns its summary."""

        def __init__(self) -> None:
            # compression=None: the parts are compressed here, not again by extension
            super().__init__(
                path, filename_provider=_PartNames(), file_format=ext, open_stream_args={"compression": None}
            )
            self.summary = Summary()
            self._state: dict[str, Any] | None = None

        def write(self, blocks: Any, ctx: Any) -> Any:
            self._state = None
            super().write(blocks, ctx)
            return self._state

        def write_block_to_file(self, block: Any, file: Any) -> None:
            import pyarrow.parquet as pq

            from cleaner.io.writers import parquet_schema, unflatten_row

            table = block.to_arrow()
            sizes = table.column(_NBYTES).to_pylist()
            part = Summary()
            if kind == "jsonl":
                lines = table.column("line").to_pylist()
                for line, size in zip(lines, sizes, strict=True):
                    part.add(json.loads(line), size)
                data = b"".join(lines)
                if compression == "gz":
                    data = gzip.compress(data, mtime=0)
                elif compression == "zst":
                    import zstandard

                    data = zstandard.ZstdCompressor().compress(data)
                file.write(data)
            else:
                rows = table.drop_columns([_NBYTES]).cast(parquet_schema())
                for row, size in zip(rows.to_pylist(), sizes, strict=True):
                    part.add(unflatten_row(row), size)
                pq.write_table(rows, file, compression="zstd", row_group_size=1000)
            self._state = part.to_state()

        def on_write_complete(self, write_result: Any) -> None:
            super().on_write_complete(write_result)
            for state in write_result.write_returns:
                if state:
                    _merge(self.summary, Summary.from_state(state))

    return RecordsDatasink()


def _merge(total: Summary, part: Summary) -> None:
    total.documents += part.documents
    for name in (
        "status",
        "dropped",
        "removed_by_rule",
        "languages",
        "findings",
        "repairs",
        "template_sites",
    ):
        getattr(total, name).update(getattr(part, name))
    total.flagged += part.flagged
    if total.bytes_in is not None and part.bytes_in is not None:
        total.bytes_in += part.bytes_in
    total.bytes_out += part.bytes_out


def _output_format(output: str) -> tuple[str, str | None]:
    low = output.lower().rstrip("/")
    if low.endswith(".parquet"):
        return "parquet", None
    if low.endswith((".gz",)):
        return "jsonl", "gz"
    if low.endswith((".zst",)):
        return "jsonl", "zst"
    return "jsonl", None


def _check_output(output: str) -> None:
    if _is_uri(output):
        import pyarrow.fs as pafs

        try:
            fs, root = pafs.FileSystem.from_uri(output)
            info = fs.get_file_info(root)
        except Exception as exc:
            raise CleanerError(f"-o {output}: cannot use this location ({exc})") from exc
        if info.type == pafs.FileType.File:
            raise CleanerError(
                f"-o {output}: exists and is a file; --engine ray writes a folder of part files"
            )
        if info.type == pafs.FileType.Directory and fs.get_file_info(
            pafs.FileSelector(root, recursive=False)
        ):
            raise CleanerError(f"-o {output}: exists and is not empty; name a new folder")
        return
    p = Path(output)
    if p.is_file():
        raise CleanerError(f"-o {output}: exists and is a file; --engine ray writes a folder of part files")
    if p.is_dir() and any(p.iterdir()):
        raise CleanerError(f"-o {output}: exists and is not empty; name a new folder")


# ------------------------------------------------------------------ CLI run
def clean_files(
    inputs: list[str],
    output: str,
    *,
    config: str | None = None,
    workers: int | None = None,
    format: str = "auto",
    text_column: str | None = None,
    html_column: str | None = None,
    id_column: str = "id",
    batch_size: int | None = None,
    address: str | None = None,
    quiet: bool = True,
    verbose: bool = False,
    site_templates: bool | str = "auto",
    templates: str | Path | SiteTemplates | None = None,
    templates_out: str | Path | None = None,
    site_field: str | None = None,
) -> Summary:
    """``cleaner clean --engine ray``: read JSONL/Parquet inputs through Ray Data,
    clean them with :func:`clean_batch`, write a folder of part files (see the
    module doc) and return the run's summary.

    Connects to the Ray cluster at ``address`` (or ``RAY_ADDRESS``), or starts
    a local Ray with ``workers`` CPUs; when Ray is already initialised in this
    process it is used as is. ``workers`` also bounds the concurrent cleaning
    tasks. Ray's own logging stays at warnings (``quiet``: errors; ``verbose``:
    its INFO lines too). Site templates as the local run's (``--site-templates``,
    ``--templates``, ``--templates-out``, ``--site-field``): a first pass counts
    with Ray Data's group-by (:func:`count_templates`), then the cleaning pass
    runs with the table. Raises
    :class:`CleanerError` for usage errors (before Ray starts)."""
    from cleaner.pipeline import FORMATS
    from cleaner.templates import TemplatesError

    if format not in FORMATS:
        raise CleanerError(f"--format must be one of {', '.join(FORMATS)}")
    cfg = config_path(config)
    get_pipeline(cfg).warm(html=False)  # a bad config, rule pack or model fails here, before Ray starts
    if templates is not None and not isinstance(templates, SiteTemplates):
        try:
            templates = SiteTemplates.load(templates)  # a bad file: one line, before Ray starts
        except TemplatesError as exc:
            raise CleanerError(f"--templates {exc}") from None
    try:
        template_mode(site_templates)
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    jsonl, parquet, shown = _list_inputs(inputs)
    if parquet and not any(_is_uri(p) for p in parquet):
        _check_parquet_columns(parquet, shown, text_column, html_column)
    _check_output(output)
    kind, compression = _output_format(output)
    rows = batch_size or DEFAULT_BATCH_SIZE

    ray = _require_ray()
    from ray.data import DataContext

    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    with contextlib.ExitStack() as stack:
        if quiet:  # -q: Ray's own warnings too
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
        for name in ("ray", "ray.data"):
            stack.enter_context(_log_level(name, level))
        started = False
        if not ray.is_initialized():
            addr = address or os.environ.get("RAY_ADDRESS")
            common: dict[str, Any] = {"log_to_driver": not quiet, "logging_level": level}
            if addr:
                ray.init(address=addr, **common)
            else:
                from cleaner.runner import default_workers

                ray.init(num_cpus=workers or default_workers(), include_dashboard=False, **common)
            started = True
        if started:
            stack.callback(ray.shutdown)
        ctx = DataContext.get_current()
        saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars)
        stack.callback(_restore_context, ctx, saved)
        ctx.execution_options.preserve_order = True  # parts in input order
        ctx.enable_progress_bars = not quiet
        # a Ray started here has `workers` CPUs, which bounds the tasks; on a cluster, --workers caps them
        concurrency = None if started and not (address or os.environ.get("RAY_ADDRESS")) else workers
        sites = {
            "site_templates": site_templates,
            "templates": templates,
            "templates_out": templates_out,
            "site_field": site_field,
            "note": None if quiet else _note,
        }
        summary = _run(
            ray,
            jsonl,
            parquet,
            shown,
            output,
            kind,
            compression,
            rows,
            cfg,
            format,
            concurrency,
            text_column,
            html_column,
            id_column,
            sites,
        )
        summary.workers = workers
        return summary


def _note(msg: str) -> None:
    print(msg, file=sys.stderr)


def _restore_context(ctx: Any, saved: tuple[bool, bool]) -> None:
    ctx.execution_options.preserve_order, ctx.enable_progress_bars = saved


@contextlib.contextmanager
def _log_level(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def _clean_to_output(batch: Any, kind: str, **clean_kwargs: Any) -> Any:
    return _to_output(clean_batch(batch, **clean_kwargs), kind)


def _clean_step(ds: Any, kind: str, concurrency: int | None, batch_size: int, **clean_kwargs: Any) -> Any:
    """clean_batch and the conversion to output rows in one task (one operator: no hand-over between them)."""
    import ray.data

    extra: dict[str, Any] = {}
    if concurrency is not None:
        strategy = getattr(ray.data, "TaskPoolStrategy", None)
        extra = {"compute": strategy(size=concurrency)} if strategy else {"concurrency": concurrency}
    return ds.map_batches(
        _clean_to_output,
        batch_format="pyarrow",
        batch_size=batch_size,
        fn_kwargs={"kind": kind, **clean_kwargs},
        **extra,
    )


def _run(
    ray: Any,
    jsonl: list[str],
    parquet: list[str],
    shown: dict[str, str],
    output: str,
    kind: str,
    compression: str | None,
    rows: int,
    cfg: str | None,
    format: str,
    concurrency: int | None,
    text_column: str | None,
    html_column: str | None,
    id_column: str,
    sites: dict[str, Any] | None = None,
) -> Summary:
    local_out = not _is_uri(output)
    target = Path(output)
    staging = target.parent / f".{target.name}.cleaner-ray" if local_out else None
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    t0 = time.monotonic()
    try:
        step: dict[str, Any] = {
            "kind": kind,
            "concurrency": concurrency,
            "batch_size": rows,
            "config": cfg,
            "format": format,
        }
        sites = sites or {}
        field = sites.get("site_field")
        if isinstance(sites.get("templates"), SiteTemplates) and field is None:
            field = sites["templates"].site_field  # a table cleans by the field it was counted with
        # (dataset, its clean_batch columns, the column of its sites)
        parts: list[tuple[Any, dict[str, Any], str]] = []
        if jsonl:
            files = ray.data.from_items([{"path": f} for f in jsonl], override_num_blocks=len(jsonl))
            lines = files.map_batches(
                _read_jsonl_files,
                batch_size=1,
                batch_format="pyarrow",
                fn_kwargs={"format": format, "shown": shown, "rows": rows, "site_field": field},
            )
            lines = lines.repartition(target_num_rows_per_block=rows)  # one big file: still many tasks
            parts.append(
                (
                    lines,
                    {"text_column": "text", "html_column": "html", "id_column": "id"},
                    _SITE if field else "url",
                )
            )
        if parquet:
            table = ray.data.read_parquet(parquet)
            names = table.schema().names
            html_c, text_c = _parquet_content(names, text_column, html_column)
            content = [c for c in (html_c, text_c) if c]
            table = table.map_batches(_add_nbytes, batch_format="pyarrow", fn_kwargs={"columns": content})
            table = table.repartition(target_num_rows_per_block=rows)
            parts.append(
                (
                    table,
                    {"text_column": text_c, "html_column": html_c, "id_column": id_column},
                    field or "url",
                )
            )
        shipped = _cli_templates(parts, sites, cfg, format, rows)
        out = []
        for ds, columns, site_column in parts:
            more: dict[str, Any] = {"templates": shipped, "site_column": site_column} if shipped else {}
            out.append(_clean_step(ds, **columns, **more, **step))
        ds = out[0] if len(out) == 1 else out[0].union(*out[1:])
        sink = _make_sink(str(staging.resolve()) if staging is not None else output, kind, compression)
        ds.write_datasink(sink)
        summary = sink.summary
        if staging is not None:
            staging.mkdir(parents=True, exist_ok=True)  # an empty input still gives a folder
            if target.is_dir():
                target.rmdir()  # empty (checked above)
            os.replace(staging, target)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    summary.seconds = time.monotonic() - t0
    return summary


def _cli_templates(
    parts: list[tuple[Any, dict[str, Any], str]],
    sites: dict[str, Any],
    cfg: str | None,
    format: str,
    rows: int,
) -> Shipped | None:
    """The first pass of a ``--engine ray`` run: the table to clean with (shipped), or None."""
    if not sites:
        return None

    def count(field: str | None) -> SiteTemplates:
        tables = [
            count_templates(
                ds,
                text_column=columns["text_column"],
                html_column=columns["html_column"],
                site_field=field,
                site_column=column,
                format=format,
                batch_size=rows,
            )
            for ds, columns, column in parts
        ]
        table = tables[0]
        for other in tables[1:]:
            table.merge(other)
        return table

    try:
        table = resolve(
            sites.get("site_templates", "auto"),
            sites.get("templates"),
            count,
            cfg,
            sites.get("site_field"),
            sites.get("templates_out"),
            sites.get("note"),
        )
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    return _ship(table) if table is not None else None


def _parquet_content(
    names: list[str], text_column: str | None, html_column: str | None
) -> tuple[str | None, str | None]:
    """(html column, text column) as the local engine picks them."""
    if text_column or html_column:
        for col, flag in ((html_column, "--html-column"), (text_column, "--text-column")):
            if col and col not in names:
                raise CleanerError(f"{flag} {col}: no such column (columns: {', '.join(names)})")
        return html_column, text_column
    if "text" in names:
        return None, "text"
    if "html" in names:
        return "html", None
    raise CleanerError(
        f"Parquet input has no `text` or `html` column; name one with --text-column or "
        f"--html-column (columns: {', '.join(names)})"
    )


def _check_parquet_columns(
    files: list[str], shown: dict[str, str], text_column: str | None, html_column: str | None
) -> None:
    import pyarrow.parquet as pq

    for f in files:
        try:
            names = list(pq.read_schema(f).names)
        except Exception as exc:
            raise CleanerError(f"{shown.get(f, f)}: cannot read Parquet file: {exc}") from exc
        try:
            _parquet_content(names, text_column, html_column)
        except CleanerError as exc:
            raise CleanerError(f"{shown.get(f, f)}: {exc}") from None


def cli_clean(args: argparse.Namespace) -> int:
    """``cleaner clean --engine ray``: call from ``cmd_clean`` before the local engine's checks.

    Uses ``args.inputs``, ``output``, ``config``, ``workers``, ``format``,
    ``text_column``, ``html_column``, ``id_column``, ``report``, ``quiet`` and,
    when the parser has them, ``ray_address``, ``batch_size``, ``site_templates``,
    ``templates``, ``templates_out`` and ``site_field``; refuses
    ``--resume`` (Ray retries failed tasks itself; a failed run leaves no output)."""
    if getattr(args, "resume", False):
        raise CleanerError(
            "--resume is not supported with --engine ray (a failed run leaves no output; run again)"
        )
    mode = getattr(args, "site_templates", "auto") or "auto"
    table, out = getattr(args, "templates", None), getattr(args, "templates_out", None)
    if mode == "off" and (table or out):
        raise CleanerError("--site-templates off: --templates and --templates-out need site templates")
    if table and getattr(args, "site_field", None):
        raise CleanerError("--site-field: a --templates table cleans by the field it was counted with")
    config = None
    if getattr(args, "config", None):
        from cleaner.config import resolve_config_path

        path = resolve_config_path(args.config)
        if not path.is_file():
            raise CleanerError(f"--config: no such file: {args.config}")
        config = str(path.resolve())
    quiet = bool(getattr(args, "quiet", False))
    summary = clean_files(
        list(args.inputs),
        args.output,
        config=config,
        workers=getattr(args, "workers", None),
        format=getattr(args, "format", "auto"),
        text_column=getattr(args, "text_column", None),
        html_column=getattr(args, "html_column", None),
        id_column=getattr(args, "id_column", None) or "id",
        batch_size=getattr(args, "batch_size", None),
        address=getattr(args, "ray_address", None),
        quiet=quiet,
        verbose=bool(getattr(args, "verbose", False)),
        site_templates=getattr(args, "site_templates", "auto") or "auto",
        templates=getattr(args, "templates", None),
        templates_out=getattr(args, "templates_out", None),
        site_field=getattr(args, "site_field", None),
    )
    if getattr(args, "report", None):
        from cleaner.runner import write_report

        write_report(args.report, summary)
    if not quiet:
        print(summary.render(), file=sys.stderr)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
