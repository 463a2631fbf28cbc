"""The WARC reader: ``response`` records of a WARC(.gz) file as input items.

Request, metadata, warcinfo, revisit ... records are skipped. id =
WARC-Record-ID (without ``<>``), else the target URI; ``url`` =
WARC-Target-URI; the HTTP Content-Type charset goes to
``metadata["http_charset"]`` for the decode stage; the body (chunked transfer
and content encoding undone) is the raw input, format ``auto``. Responses that
are not 2xx, or whose Content-Type is not text, become ``dropped`` records.

Memory stays bounded whatever the file holds: a payload larger than the
document limit is known by its length before it is read and becomes an
``error`` record while the reader passes over it in bounded pieces; a payload
whose content encoding expands past the limit is stopped as it streams; and
the headers between two payloads (read by warcio, line by line) may not run
past the limit either.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

from cleaner.io.streams import DecompressingRaw

_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_PIECE = 1 << 16
_HEADER_SLACK = 1 << 20  # headers may take this much on top of the document limit


def _is_textual(mime: str) -> bool:
    return (
        not mime
        or mime.startswith("text/")
        or "html" in mime
        or "xml" in mime
        or mime in ("application/json", "application/ld+json", "application/octet-stream", "unk", "none")
    )


class _Truncated(Exception):
    pass


class _Budget:
    """The file as warcio reads it, counting the bytes read since the reader
    last passed a payload (``mark``): headers past the budget are refused."""

    def __init__(self, fh: IO[bytes] | DecompressingRaw, cap: int) -> None:
        self._fh = fh
        self.cap = cap + _HEADER_SLACK if cap else 0
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n if n is not None and n >= 0 else _PIECE)
        self.count += len(data or b"")
        if self.cap and self.count > self.cap:
            raise _Truncated(f"more than {self.cap:,} bytes of WARC or HTTP headers without a payload")
        return data or b""

    def readable(self) -> bool:
        return True

    def mark(self) -> None:
        self.count = 0


def read_warc(path: Path, state: Any = None, max_bytes: int = 0) -> Any:
    """Response records of a WARC(.gz) file (see the module doc), as input items."""
    from warcio.archiveiterator import ArchiveIterator

    from cleaner.io.items import InputItem, ReadState, doc_id, file_size, short_message

    st = state if state is not None else ReadState()
    stem = doc_id(path, None)
    n = 0  # response records seen
    offset = 0
    head = b""
    last_id = None
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        if not st.take_skip():
            yield InputItem(stem, None, "auto", str(path), error=f"{path}: cannot read: {exc}")
        return
    st.track(raw)
    try:
        with raw:
            head = raw.read(2)
            raw.seek(0)
            # gzip through our reader: it raises on a truncated member, where
            # warcio's own decompression stops silently
            dec = DecompressingRaw(raw, "gz") if head == b"\x1f\x8b" else None
            budget = _Budget(dec if dec is not None else raw, max_bytes)
            it = ArchiveIterator(budget)
            prev = None
            for rec in it:
                _check_complete(prev)
                prev = rec
                offset = it.offset
                if rec.rec_type != "response":
                    _drain(rec, budget)
                    continue
                n += 1
                last_id = _warc_id(rec, stem, offset)
                if st.take_skip():
                    if _drain(rec, budget):  # the file ends inside it: its error item was the last one
                        return
                    continue
                item, fatal = _warc_item(rec, path, offset, stem, max_bytes, budget)
                budget.mark()
                yield item
                if fatal:
                    return
            _check_complete(prev)
            end = dec.total_out if dec is not None else file_size(path)
            if it.offset < end:
                offset = it.offset
                raise _Truncated(f"{end - it.offset} byte(s) after the last complete record are not a record")
    except Exception as exc:  # truncated or corrupt: what was read is kept
        if not st.take_skip():
            after = f" after record {last_id}" if last_id else ""
            unz = " (uncompressed)" if head == b"\x1f\x8b" else ""
            yield InputItem(
                f"{stem}@{offset}",
                None,
                "auto",
                f"{path}@{offset}",
                error=f"{path}: WARC file is truncated or corrupt at offset {offset}{unz}{after} "
                f"({short_message(exc)}); the {n} response record(s) before were read",
            )
    finally:
        st.finish_file(file_size(path))


def _check_complete(rec: Any) -> None:
    """A record whose block is shorter than its Content-Length was cut off."""
    if rec is None:
        return
    left = getattr(rec.raw_stream, "limit", 0)
    if rec.length is None or (isinstance(left, int) and left > 0):
        raise _Truncated(f"record {rec.rec_headers.get_header('WARC-Record-ID') or '?'} is incomplete")


def _drain(rec: Any, budget: _Budget | None = None) -> bool:
    """Read a record to its end in bounded pieces; True when the file ends or
    is damaged inside it (what :func:`_warc_item` reports as fatal)."""
    try:
        while rec.raw_stream.read(_PIECE):
            if budget is not None:
                budget.mark()
    except (EOFError, OSError):
        return True
    left = getattr(rec.raw_stream, "limit", 0)
    return isinstance(left, int) and left > 0


def _warc_id(rec: Any, stem: str, offset: int) -> str:
    h = rec.rec_headers
    return (
        (h.get_header("WARC-Record-ID") or "").strip().strip("<>")
        or h.get_header("WARC-Target-URI")
        or f"{stem}@{offset}"
    )


def _warc_item(
    rec: Any, path: Path, offset: int, stem: str, max_bytes: int = 0, budget: _Budget | None = None
) -> tuple[Any, bool]:
    """(item, fatal): fatal when the file itself ended inside the record."""
    from cleaner.io.items import InputItem, limit_message, short_message

    url = rec.rec_headers.get_header("WARC-Target-URI")
    rid = _warc_id(rec, stem, offset)
    source = f"{path}@{offset}"
    extra: dict[str, Any] = {"url": url} if url else {}
    meta: dict[str, Any] = {"url": url} if url else {}
    drop = None
    http = rec.http_headers
    if http is not None:
        ctype = http.get_header("Content-Type") or ""
        m = _CHARSET.search(ctype)
        if m:
            meta["http_charset"] = m.group(1)
        mime = ctype.split(";", 1)[0].strip().lower()
        code = (http.get_statuscode() or "").strip()
        if code and not code.startswith("2"):
            drop = f"http-status:{code}"
        elif not _is_textual(mime):
            drop = f"content-type:{mime}"
    where = f"{path}: record {rid} at offset {offset}"
    left = getattr(rec.raw_stream, "limit", None)
    if max_bytes and isinstance(left, int) and left > max_bytes:  # known by its length: never read
        fatal = _drain(rec, budget)
        return InputItem(
            rid,
            None,
            "auto",
            source,
            extra,
            meta,
            nbytes=left,
            error=limit_message(where, left, max_bytes, "payload"),
        ), fatal
    if drop is not None:  # not a document: its body is not needed
        if _drain(rec, budget):
            return InputItem(
                rid, None, "auto", source, extra, meta, error=f"{where} is truncated; the file ends inside it"
            ), True
        return InputItem(
            rid, None, "auto", source, extra, meta, drop=drop, nbytes=left if isinstance(left, int) else None
        ), False
    try:
        body, size = _read_body(rec.content_stream(), max_bytes, budget)
    except (EOFError, OSError) as exc:  # the file itself ends or is damaged inside the record
        return InputItem(
            rid, None, "auto", source, extra, meta, error=f"{where} is truncated ({short_message(exc)})"
        ), True
    except Exception as exc:
        return InputItem(
            rid,
            None,
            "auto",
            source,
            extra,
            meta,
            error=f"{where}: cannot read body ({type(exc).__name__}: {short_message(exc)})",
        ), _drain(rec, budget)
    if body is None:  # the content encoding expanded it past the limit
        fatal = _drain(rec, budget)
        return InputItem(
            rid,
            None,
            "auto",
            source,
            extra,
            meta,
            nbytes=size,
            error=limit_message(where, size, max_bytes, "decoded payload", at_least=True),
        ), fatal
    left = getattr(rec.raw_stream, "limit", 0)
    if isinstance(left, int) and left > 0:
        return InputItem(
            rid,
            None,
            "auto",
            source,
            extra,
            meta,
            nbytes=len(body),
            error=f"{where} is truncated ({left} byte(s) missing); the file ends inside it",
        ), True
    return InputItem(rid, body, "auto", source, extra, meta, drop=drop), False


def _read_body(stream: Any, cap: int, budget: _Budget | None) -> tuple[bytes | None, int]:
    """The payload, or (None, bytes read) once it passes ``cap`` (0: no cap)."""
    parts: list[bytes] = []
    size = 0
    while True:
        piece = stream.read(_PIECE)
        if budget is not None:
            budget.mark()
        if not piece:
            return b"".join(parts), size
        size += len(piece)
        if cap and size > cap:
            return None, size
        parts.append(piece)
