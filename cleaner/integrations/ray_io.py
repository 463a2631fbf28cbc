"""The files of ``cleaner clean --engine ray``: which inputs, their rows, and the part files written.

Inputs: JSONL (``.jsonl``/``.ndjson``, optionally ``.gz``/``.zst``) and
Parquet files, local paths (folders walked in the local engine's order,
:func:`cleaner.io.readers.walk`) or URIs Ray can read (``s3://``, ``gs://``,
...). A JSONL file is read by one Ray task, streamed and decompressed in
bounded pieces (:class:`cleaner.io.streams.DecompressingRaw`), its lines parsed
by the local engine's own line reader: the ids, input fields, ``url``
metadata and the error records of bad lines (or of a truncated file) are the
local run's. Parquet files are read by Ray Data (:func:`add_nbytes` adds each
document's size for the summary).

Outputs: a folder of part files, ``part-000000.jsonl`` ... (``.jsonl.gz`` /
``.jsonl.zst`` parts when OUTPUT ends so) or ``part-000000.parquet`` ... when
OUTPUT ends in ``.parquet``, holding the records (JSONL, byte for byte) or
rows (Parquet) that the local engine writes; each write task returns the
summary of its part (:func:`make_sink`).
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cleaner.document import Document
from cleaner.errors import CleanerError
from cleaner.integrations.batch import OUTPUT_COLUMNS, row_to_record
from cleaner.integrations.spec import BatchSpec
from cleaner.io.items import InputItem, ReadOptions, ReadState, kind_of
from cleaner.io.parquet_sink import arrow_str
from cleaner.io.readers import walk
from cleaner.report import Summary

__all__ = [
    "EXTRA",
    "NBYTES",
    "RECORD",
    "SITE",
    "add_nbytes",
    "check_output",
    "check_parquet_columns",
    "content_columns",
    "is_uri",
    "jsonl_items",
    "list_inputs",
    "make_sink",
    "output_format",
    "read_jsonl_files",
    "to_output",
]

EXTRA = "__cleaner_extra"  # input fields of a JSONL record, as JSON
RECORD = "__cleaner_record"  # a finished record (a line that could not be read), as JSON
NBYTES = "__cleaner_nbytes"  # input size of the document, for the summary
SITE = "__cleaner_site"  # the --site-field value of a JSONL record (site templates)
INTERNAL = (EXTRA, RECORD, NBYTES, SITE)
READS = ("jsonl", "parquet")  # the kinds of file (cleaner.io.items.kind_of) Ray reads


def is_uri(spec: str) -> bool:
    return "://" in spec


def _ray_kind(name: str) -> str | None:
    kind = kind_of(name)
    return kind if kind in READS else None


# ------------------------------------------------------------------ inputs
def list_inputs(inputs: list[str] | tuple[str, ...]) -> tuple[list[str], list[str], dict[str, str]]:
    """(JSONL files, Parquet files, shown name per file): folders walked in the
    local engine's order; local files as absolute paths."""
    jsonl: list[str] = []
    parquet: list[str] = []
    shown: dict[str, str] = {}

    def add(path: str, display: str) -> None:
        kind = kind_of(path)
        if kind not in READS:
            raise CleanerError(
                f"{display}: --engine ray reads JSONL and Parquet"
                + (f", not {kind} files (use the local engine)" if kind else " files")
            )
        (jsonl if kind == "jsonl" else parquet).append(path)
        shown[path] = display

    for spec in inputs:
        if spec == "-":
            raise CleanerError("--engine ray cannot read standard input; name files or folders")
        if is_uri(spec):
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
    if _ray_kind(spec) is not None:
        return [spec]
    import pyarrow.fs as pafs

    try:
        fs, root = pafs.FileSystem.from_uri(spec)
        infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    except Exception as exc:
        raise CleanerError(f"{spec}: cannot list ({exc})") from exc
    scheme = spec.split("://", 1)[0]
    files = sorted(i.path for i in infos if i.type == pafs.FileType.File and _ray_kind(i.path) is not None)
    if not files:
        raise CleanerError(f"{spec}: no JSONL or Parquet files under this prefix")
    return [f"{scheme}://{f}" for f in files]


def _open_input(path: str) -> IO[bytes]:
    """A file's bytes as stored (no decompression), local path or URI."""
    if not is_uri(path):
        return open(path, "rb")  # noqa: SIM115 - closed by the caller
    import pyarrow.fs as pafs

    from cleaner.io.streams import READ_CHUNK

    fs, p = pafs.FileSystem.from_uri(path)
    return io.BufferedReader(fs.open_input_stream(p, compression=None), buffer_size=READ_CHUNK)


def jsonl_items(file: str, display: str, format: str = "auto") -> Iterator[InputItem]:
    """The items of a JSONL(.gz/.zst) file, local path or URI, as the local engine
    reads the file ``display`` (:func:`cleaner.io.jsonl.read_jsonl`): streamed
    and decompressed in bounded pieces, bad lines and a truncated or corrupt
    end as error items naming ``display`` and the line."""
    from cleaner.io.items import doc_id
    from cleaner.io.jsonl import jsonl_stream_items
    from cleaner.io.streams import READ_CHUNK, DecompressingRaw, codec_of

    path = Path(display)
    stem = doc_id(path, None)
    try:
        raw = _open_input(file)
    except OSError as exc:
        yield InputItem(stem, None, format, display, error=f"{display}: cannot read: {exc}")
        return
    with raw:
        codec = codec_of(display)
        fh = io.BufferedReader(DecompressingRaw(raw, codec), buffer_size=READ_CHUNK) if codec else raw
        try:
            yield from jsonl_stream_items(fh, path, format, ReadState(), 0, stem=stem)
        finally:
            fh.close()


def _json_ascii(v: Any) -> str:
    return json.dumps(v, ensure_ascii=True, default=str)


def read_jsonl_files(
    batch: Any, format: str, shown: dict[str, str], rows: int, site_field: str | None = None
) -> Iterator[Any]:
    """File paths -> one row per JSONL line (:func:`jsonl_items`), ``rows`` rows a table;
    a line the local engine cannot read becomes a finished error record (:data:`RECORD`)."""
    import pyarrow as pa

    schema = pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("html", pa.string()),
            ("url", pa.string()),
            (EXTRA, pa.string()),
            (RECORD, pa.string()),
            (NBYTES, pa.int64()),
            *([(SITE, pa.string())] if site_field else []),
        ]
    )
    cols: dict[str, list[Any]] = {name: [] for name in schema.names}

    def flush() -> Any:
        table = pa.Table.from_pydict(cols, schema=schema)
        for v in cols.values():
            v.clear()
        return table

    for file in batch.column("path").to_pylist():
        for item in jsonl_items(file, shown.get(file, file), format):
            if item.error is not None or item.raw is None:
                doc = Document(id=item.id, extra=dict(item.extra))
                doc.fail(item.error or "no content")
                cols["id"].append(arrow_str(item.id))
                for c in ("text", "html", "url", EXTRA):
                    cols[c].append(None)
                cols[RECORD].append(_json_ascii(doc.to_record()))
                cols[NBYTES].append(item.size)
                if site_field:
                    cols[SITE].append(None)
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
                cols[EXTRA].append(_json_ascii(item.extra) if item.extra else None)
                cols[RECORD].append(None)
                cols[NBYTES].append(item.size)
                if site_field:  # (a string, or none: record_site reads only strings)
                    v = item.extra.get(site_field)
                    cols[SITE].append(arrow_str(v) if isinstance(v, str) else None)
            if len(cols["id"]) >= rows:
                yield flush()
    if cols["id"]:
        yield flush()


def add_nbytes(batch: Any, columns: list[str]) -> Any:
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
    return batch.append_column(NBYTES, sizes)


def content_columns(names: list[str], spec: BatchSpec, where: str) -> tuple[str | None, str | None]:
    """(html column, text column) of a Parquet input with these columns, as the
    local engine picks them (``--html-column`` / ``--text-column``, else ``text``,
    else ``html``); a :class:`CleanerError` naming ``where`` when it has none."""
    from cleaner.io.parquet import parquet_columns

    read = ReadOptions(text_column=spec.text_column, html_column=spec.html_column)
    chosen = {fmt: col for col, fmt in parquet_columns(names, read, Path(where))}
    return chosen.get("html"), chosen.get("text")


def check_parquet_columns(files: list[str], shown: dict[str, str], spec: BatchSpec) -> None:
    """Each local Parquet file has the content column (a usage error before Ray starts)."""
    from cleaner.io.parquet import parquet_names

    for f in files:
        where = shown.get(f, f)
        try:
            names = parquet_names(Path(f))
        except Exception as exc:
            raise CleanerError(f"{where}: cannot read Parquet file: {exc}") from exc
        content_columns(names, spec, where)


# ----------------------------------------------------------------- outputs
def _records_of(batch: Any) -> list[tuple[dict[str, Any], int | None]]:
    """Cleaned rows -> (the record the local engine writes, input size)."""
    out = []
    names = batch.schema.names
    for row in batch.to_pylist():
        size = row.get(NBYTES)
        if row.get(RECORD):
            out.append((json.loads(row[RECORD]), size))
            continue
        if EXTRA in names:  # JSONL input: the record's other fields
            rec = json.loads(row[EXTRA]) if row.get(EXTRA) else {}
        else:  # Parquet input: the other columns
            rec = {k: v for k, v in row.items() if k not in OUTPUT_COLUMNS and k not in INTERNAL}
        rec.update(row_to_record(row, passthrough=False))
        out.append((rec, size))
    return out


def to_output(batch: Any, kind: str) -> Any:
    """Cleaned rows -> ``line`` (binary JSONL line) or the local engine's Parquet row, plus the size."""
    import pyarrow as pa

    from cleaner.io.parquet_sink import flatten_record, parquet_schema
    from cleaner.io.writers import line_bytes

    pairs = _records_of(batch)
    sizes = pa.array([s for _, s in pairs], type=pa.int64())
    if kind == "jsonl":
        return pa.table(
            {"line": pa.array([line_bytes(r) for r, _ in pairs], type=pa.binary()), NBYTES: sizes}
        )
    schema = parquet_schema()
    table = pa.Table.from_pylist([flatten_record(r) for r, _ in pairs], schema=schema)
    return table.append_column(NBYTES, sizes)


def make_sink(path: str, kind: str, compression: str | None) -> Any:
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

            from cleaner.io.parquet_sink import parquet_schema, unflatten_row

            table = block.to_arrow()
            sizes = table.column(NBYTES).to_pylist()
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
                rows = table.drop_columns([NBYTES]).cast(parquet_schema())
                for row, size in zip(rows.to_pylist(), sizes, strict=True):
                    part.add(unflatten_row(row), size)
                pq.write_table(rows, file, compression="zstd", row_group_size=1000)
            self._state = part.to_state()

        def on_write_complete(self, write_result: Any) -> None:
            super().on_write_complete(write_result)
            for state in write_result.write_returns:
                if state:
                    self.summary.merge(Summary.from_state(state))

    return RecordsDatasink()


def output_format(output: str) -> tuple[str, str | None]:
    low = output.lower().rstrip("/")
    if low.endswith(".parquet"):
        return "parquet", None
    if low.endswith((".gz",)):
        return "jsonl", "gz"
    if low.endswith((".zst",)):
        return "jsonl", "zst"
    return "jsonl", None


def check_output(output: str) -> None:
    if is_uri(output):
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
