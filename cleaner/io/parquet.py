"""The Parquet reader: one row per document, read one record batch at a time.

The content column is ``--text-column`` / ``--html-column`` (default: ``text``
if the file has it, else ``html``), the id column ``--id-column`` (default
``id``; else ``<file>:<row>``); other columns are carried into the record. A
batch holds about :data:`PARQUET_BATCH_BYTES` of the row group's data (by its
metadata); a content cell over the size limit is found by its length in Arrow
and becomes an error item without ever being made into a Python string.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.errors import InputError

if TYPE_CHECKING:
    from cleaner.io.items import InputItem, ReadOptions, ReadState

PARQUET_BATCH_ROWS = 256
PARQUET_BATCH_BYTES = 32 << 20


def parquet_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def parquet_columns(names: list[str], opts: ReadOptions, path: Path) -> list[tuple[str, str]]:
    """The content columns to read, as (column, format), in order of preference."""
    chosen: list[tuple[str, str]] = []
    for col, fmt in ((opts.html_column, "html"), (opts.text_column, "text")):
        if col:
            if col not in names:
                flag = "--html-column" if fmt == "html" else "--text-column"
                raise InputError(f"{path}: {flag} {col}: no such column (columns: {', '.join(names)})")
            chosen.append((col, fmt))
    if chosen:
        return chosen
    for col, fmt in (("text", "text"), ("html", "html")):
        if col in names:
            return [(col, fmt)]
    raise InputError(
        f"{path}: no `text` or `html` column; name one with --text-column or --html-column "
        f"(columns: {', '.join(names)})"
    )


def read_parquet(
    path: Path, opts: ReadOptions | None = None, state: ReadState | None = None
) -> Iterator[InputItem]:
    """Rows of a Parquet file, read one record batch at a time."""
    import pyarrow.parquet as pq

    from cleaner.io.items import (
        InputItem,
        ReadOptions,
        ReadState,
        doc_id,
        file_size,
        limit_message,
        short_message,
    )

    opts = opts or ReadOptions()
    st = state if state is not None else ReadState()
    stem = doc_id(path, None)
    size = file_size(path)
    try:
        pf = pq.ParquetFile(path)
        names = list(pf.schema_arrow.names)
        content = parquet_columns(names, opts, path)
    except Exception as exc:
        if not st.take_skip():
            msg = (
                str(exc)
                if isinstance(exc, InputError)
                else f"{path}: cannot read Parquet file: {short_message(exc)}"
            )
            yield InputItem(stem, None, opts.format, str(path), error=msg)
        st.finish_file(size)
        return
    content_cols = [c for c, _ in content]
    id_col = opts.id_column if opts.id_column in names else None
    skip_cols = {*content_cols, "text", "html"} | ({id_col} if id_col else set())
    extra_cols = [c for c in names if c not in skip_cols]
    total = max(pf.metadata.num_rows, 1)
    row = 0
    try:
        for rg in range(pf.num_row_groups):
            nrows = pf.metadata.row_group(rg).num_rows
            if st.skip >= nrows:  # a whole row group already done: not even read
                st.skip -= nrows
                row += nrows
                continue
            # rows a batch: about PARQUET_BATCH_BYTES of the row group's data (a batch is held whole)
            avg = pf.metadata.row_group(rg).total_byte_size // max(nrows, 1)
            rows = max(1, min(PARQUET_BATCH_ROWS, PARQUET_BATCH_BYTES // max(avg, 1)))
            for batch in pf.iter_batches(batch_size=rows, row_groups=[rg], use_threads=False):
                too_big = _oversized(batch, content_cols, opts.max_bytes)
                if too_big:  # never made into Python strings
                    batch = _without(batch, content_cols, too_big)
                cols = {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
                for k in range(batch.num_rows):
                    row += 1
                    if st.take_skip():
                        continue
                    if k in too_big:
                        where = f"{path}:{row}"
                        rid = _parquet_id(cols, k, row, id_col, stem)
                        yield InputItem(
                            rid,
                            None,
                            opts.format,
                            where,
                            nbytes=too_big[k],
                            error=limit_message(where, too_big[k], opts.max_bytes, "cell"),
                        )
                        continue
                    yield _parquet_item(cols, k, row, content, id_col, extra_cols, path, stem, opts.format)
                st.advance(size * row // total)
    except Exception as exc:
        if not st.take_skip():
            yield InputItem(
                f"{stem}:{row + 1}",
                None,
                opts.format,
                f"{path}:{row + 1}",
                error=f"{path}: Parquet file is truncated or corrupt at row {row + 1} "
                f"({type(exc).__name__}: {short_message(exc)}); the {row} row(s) before were read",
            )
    finally:
        st.finish_file(size)


def _oversized(batch: Any, content_cols: list[str], cap: int) -> dict[int, int]:
    """{row in batch: bytes} of the content cells over ``cap`` (0: none)."""
    if not cap:
        return {}
    import pyarrow as pa
    import pyarrow.compute as pc

    out: dict[int, int] = {}
    for name in content_cols:
        col = batch.column(batch.schema.get_field_index(name))
        if not (
            pa.types.is_string(col.type)
            or pa.types.is_large_string(col.type)
            or pa.types.is_binary(col.type)
            or pa.types.is_large_binary(col.type)
        ):
            continue
        lengths = pc.binary_length(col).to_pylist()
        for k, n in enumerate(lengths):
            if n is not None and n > cap:
                out[k] = max(out.get(k, 0), n)
    return out


def _without(batch: Any, content_cols: list[str], rows: dict[int, int]) -> Any:
    """The batch with the content cells of ``rows`` made null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = pa.array([k in rows for k in range(batch.num_rows)])
    arrays = [
        pc.if_else(mask, pa.scalar(None, type=col.type), col) if name in content_cols else col
        for name, col in zip(batch.schema.names, batch.columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _parquet_id(cols: dict[str, list[Any]], k: int, row: int, id_col: str | None, stem: str) -> str:
    rid: Any = cols[id_col][k] if id_col else None
    if isinstance(rid, float) and rid.is_integer():
        rid = int(rid)
    if rid is None or isinstance(rid, bool) or not isinstance(rid, (str, int, bytes)):
        rid = f"{stem}:{row}"
    elif isinstance(rid, bytes):
        rid = rid.decode("utf-8", "replace")
    return str(rid)


def _parquet_item(
    cols: dict[str, list[Any]],
    k: int,
    row: int,
    content: list[tuple[str, str]],
    id_col: str | None,
    extra_cols: list[str],
    path: Path,
    stem: str,
    format: str,
) -> InputItem:
    from cleaner.io.items import InputItem

    where = f"{path}:{row}"
    rid = _parquet_id(cols, k, row, id_col, stem)
    extra = {c: cols[c][k] for c in extra_cols}
    meta = {"url": extra["url"]} if isinstance(extra.get("url"), str) else {}
    for col, fmt in content:
        value = cols[col][k]
        if isinstance(value, (str, bytes)):
            return InputItem(str(rid), value, fmt if format == "auto" else format, where, extra, meta)
    names = " or ".join(f"`{c}`" for c, _ in content)
    return InputItem(str(rid), None, format, where, extra, meta, error=f"{where}: column {names} is null")
