"""JSONL input: one record a line, ``{"id", "text" | "html", ...}``, the other fields carried through.

A line that is not a usable record (invalid JSON or UTF-8, not an object, no
content, a bad ``id``) or that runs past the size limit becomes an item that
carries an error naming ``file:line``; a truncated or corrupt end (gzip, zstd)
one error item that says how many lines were read before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from cleaner.io.items import InputItem, ReadState, doc_id, file_size, limit_message
from cleaner.io.streams import open_binary, read_line


def read_jsonl(
    path: Path, format: str = "auto", state: ReadState | None = None, max_bytes: int = 0
) -> Iterator[InputItem]:
    """Records of a JSONL(.gz/.zst) file; bad lines become error items naming
    file:line, and so do lines longer than ``max_bytes`` (0: no limit), which
    are passed over without being held."""
    st = state if state is not None else ReadState()
    stem = doc_id(path, None)
    try:
        fh, raw = open_binary(path)
    except OSError as exc:
        if not st.take_skip():
            yield InputItem(stem, None, format, str(path), error=f"{path}: cannot read: {exc}")
        return
    st.track(raw)
    try:
        with fh, raw:
            yield from jsonl_stream_items(fh, path, format, st, max_bytes, stem=stem)
    finally:
        st.finish_file(file_size(path))


def jsonl_stream_items(
    fh: IO[bytes],
    path: Path,
    format: str = "auto",
    state: ReadState | None = None,
    max_bytes: int = 0,
    stem: str | None = None,
) -> Iterator[InputItem]:
    """The items of the JSONL lines of an open (decompressed) binary stream,
    read as the file ``path`` (:func:`read_jsonl` opens a local file; an
    engine that opens its own, a URI, passes the stream): bad and over-long
    lines become error items naming file:line, and a truncated or corrupt end
    one error item that says how many lines were read before it."""
    st = state if state is not None else ReadState()
    stem = stem if stem is not None else doc_id(path, None)
    try:
        yield from jsonl_lines(fh, path, stem, format, st, max_bytes)
    except LinesFailed as exc:
        if not st.take_skip():
            yield InputItem(
                f"{stem}:{exc.lineno}",
                None,
                format,
                str(path),
                error=f"{path}:{exc.lineno}: file is truncated or corrupt ({exc.cause}); "
                f"the {exc.lineno - 1} line(s) before were read",
            )


class LinesFailed(Exception):
    """Reading the lines of a stream failed at line ``lineno`` (``cause``: why)."""

    def __init__(self, lineno: int, cause: BaseException) -> None:
        self.lineno, self.cause = lineno, cause


def jsonl_lines(
    fh: IO[bytes], path: Path, stem: str, format: str, st: ReadState, cap: int, first: int = 1
) -> Iterator[InputItem]:
    """The items of the JSONL lines of ``fh`` (numbered from ``first``)."""
    import zlib

    lineno = first - 1
    while True:
        try:
            line, size = read_line(fh, cap)
        except (EOFError, OSError, zlib.error) as exc:
            raise LinesFailed(lineno + 1, exc) from None
        if not size:
            return
        lineno += 1
        if line and not line.strip():
            continue
        if st.take_skip():
            continue
        if not line:  # over the limit: passed over
            where = f"{path}:{lineno}"
            yield InputItem(
                f"{stem}:{lineno}",
                None,
                format,
                where,
                nbytes=size,
                error=limit_message(where, size, cap, "line"),
            )
            continue
        yield jsonl_item(line, path, lineno, stem, format)


_NOT_PARSED = object()


def _big_float(value: Any) -> bool:
    """Whether a parsed JSON value holds a float of 2**63 or more (orjson reads
    an integer beyond 64 bits as such a float; the standard library keeps it)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, float):
            if abs(v) >= 9.2e18:
                return True
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def jsonl_item(line: str | bytes, path: Path, lineno: int, stem: str, format: str) -> InputItem:
    """One JSONL line as an input item: the record's ``id`` (else ``<stem>:<lineno>``),
    its ``text`` or ``html`` and the fields carried through; a line that is not a
    usable record becomes an item carrying an error that names ``path:lineno``."""
    where = f"{path}:{lineno}"
    fallback_id = f"{stem}:{lineno}"
    nbytes = len(line)
    if isinstance(line, str):
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as exc:
            return InputItem(
                fallback_id,
                None,
                format,
                where,
                nbytes=nbytes,
                error=f"{where}: line is not valid UTF-8 (byte at column {exc.start + 1})",
            )
    try:
        # orjson first (about 3x faster); the standard library for what orjson
        # refuses (NaN, escaped lone surrogates, other encodings), for the
        # messages of invalid lines, and where a float may be an integer beyond
        # 64 bits that orjson turned into one
        rec = orjson.loads(line)
        if _big_float(rec):
            rec = _NOT_PARSED
    except orjson.JSONDecodeError:
        rec = _NOT_PARSED
    try:
        if rec is _NOT_PARSED:
            rec = json.loads(line)
    except UnicodeDecodeError as exc:
        assert isinstance(line, bytes)
        col = len(line[: exc.start].decode("utf-8", "replace")) + 1
        return InputItem(
            fallback_id,
            None,
            format,
            where,
            nbytes=nbytes,
            error=f"{where}: line is not valid UTF-8 (byte at column {col})",
        )
    except json.JSONDecodeError as exc:
        return InputItem(
            fallback_id,
            None,
            format,
            where,
            nbytes=nbytes,
            error=f"{where}: invalid JSON: {exc.msg} (column {exc.colno})",
        )
    except RecursionError:
        return InputItem(
            fallback_id, None, format, where, nbytes=nbytes, error=f"{where}: invalid JSON: nested too deeply"
        )
    if not isinstance(rec, dict):
        return InputItem(
            fallback_id,
            None,
            format,
            where,
            nbytes=nbytes,
            error=f"{where}: expected a JSON object, got {type(rec).__name__}",
        )
    return _record_item(rec, where, fallback_id, format, nbytes)


def _record_item(
    rec: dict[str, Any], where: str, fallback_id: str, format: str, nbytes: int | None
) -> InputItem:
    rid = rec.get("id", fallback_id)
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        return InputItem(
            fallback_id,
            None,
            format,
            where,
            nbytes=nbytes,
            error=f"{where}: `id` must be a string or number, not {type(rid).__name__}",
        )
    extra = {k: v for k, v in rec.items() if k not in ("id", "text", "html")}
    meta = {"url": rec["url"]} if isinstance(rec.get("url"), str) else {}
    html, text = rec.get("html"), rec.get("text")
    if isinstance(html, str):
        return InputItem(
            str(rid), html, "html" if format == "auto" else format, where, extra, meta, nbytes=nbytes
        )
    if isinstance(text, str):
        return InputItem(
            str(rid), text, "text" if format == "auto" else format, where, extra, meta, nbytes=nbytes
        )
    if html is None and text is None:
        msg = "record has no `text` or `html` field"
    else:
        name, value = ("html", html) if html is not None else ("text", text)
        msg = f"field `{name}` must be a string, not {type(value).__name__}"
    return InputItem(str(rid), None, format, where, extra, meta, error=f"{where}: {msg}", nbytes=nbytes)
