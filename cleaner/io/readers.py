"""Readers: turn files, folders, JSONL, WARC, Parquet and standard input into input items.

Readers stream: one item at a time, never the whole corpus in memory (a folder
walk holds the sorted names of one directory at a time; a Parquet file is read
one record batch at a time). Inputs are read in a deterministic order, so the
n-th item of a run is the n-th item of any other run over the same inputs; a
resumed run skips the items a previous run already wrote (``skip``), without
reading or parsing them where the format allows.

Something that cannot be used (a bad JSONL line, a truncated gzip, zstd or WARC
file, a Parquet row without content) becomes an item that carries the error,
so the run writes an ``error`` record for it and goes on; what was read before
the damage is kept.

Supported inputs (by name; folders are walked recursively, sorted):

* ``.txt`` text, ``.html`` / ``.htm`` HTML: one document per file;
* ``.jsonl`` / ``.ndjson``, optionally ``.gz`` or ``.zst``: one record a line,
  ``{"id", "text" | "html", ...}``; other fields are carried into the record;
* ``.warc`` / ``.warc.gz``: WARC ``response`` records (request, metadata, warcinfo,
  revisit ... are skipped); id = WARC-Record-ID (without ``<>``), else the target
  URI; ``url`` = WARC-Target-URI; the HTTP Content-Type charset goes to
  ``metadata["http_charset"]`` for the decode stage; the body (chunked transfer
  and content encoding undone) is the raw input, format ``auto``. Responses that
  are not 2xx, or whose Content-Type is not text (images, PDF ...), become
  ``dropped`` records (reason ``http-status:404``, ``content-type:application/pdf``);
* ``.parquet``: one row per document; the content column is ``--text-column`` /
  ``--html-column`` (default: ``text`` if the file has it, else ``html``), the id
  column ``--id-column`` (default ``id``; else ``<file>:<row>``); other columns
  are carried into the record.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from cleaner.errors import InputError

TEXT_EXT = (".txt",)
HTML_EXT = (".html", ".htm")
JSONL_EXT = (
    ".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd",
    ".ndjson", ".ndjson.gz", ".ndjson.zst", ".ndjson.zstd",
)
WARC_EXT = (".warc", ".warc.gz")
PARQUET_EXT = (".parquet",)
ALL_EXT = (*JSONL_EXT, *WARC_EXT, *PARQUET_EXT, *TEXT_EXT, *HTML_EXT)

PARQUET_BATCH_ROWS = 256
_READ_CHUNK = 1 << 20


@dataclass
class InputItem:
    id: str
    raw: str | bytes | None
    format: str = "auto"
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # set when the item could not be read
    drop: str | None = None  # set when the reader already knows the item is not a document to clean
    nbytes: int | None = None  # size of the input as read (bytes), when known

    @property
    def size(self) -> int:
        """Bytes of input this item stands for (its JSONL line, file or record body)."""
        if self.nbytes is not None:
            return self.nbytes
        if self.raw is None:
            return 0
        if isinstance(self.raw, str):
            return len(self.raw) if self.raw.isascii() else len(self.raw.encode("utf-8", "surrogatepass"))
        return len(self.raw)


@dataclass
class ReadOptions:
    """How inputs are read: the ``--format`` and the Parquet column names."""

    format: str = "auto"
    text_column: str | None = None
    html_column: str | None = None
    id_column: str = "id"


class ReadState:
    """Shared by the readers of one run: items still to skip (resume) and the
    on-disk bytes consumed so far (progress and ETA)."""

    def __init__(self, skip: int = 0) -> None:
        self.skip = max(0, int(skip))
        self.done_bytes = 0  # bytes of finished files
        self._current: IO[bytes] | None = None  # the file being read, for its position
        self._partial = 0  # bytes of the current file consumed, when there is no handle

    def take_skip(self) -> bool:
        """True (and one fewer left) while items are still to be skipped."""
        if self.skip:
            self.skip -= 1
            return True
        return False

    def bytes_read(self) -> int:
        """On-disk bytes of input consumed so far."""
        cur = self._current
        if cur is not None:
            try:
                return self.done_bytes + cur.tell()
            except (OSError, ValueError):
                return self.done_bytes
        return self.done_bytes + self._partial

    def track(self, fh: IO[bytes] | None) -> None:
        self._current, self._partial = fh, 0

    def advance(self, nbytes: int) -> None:
        self._current, self._partial = None, nbytes

    def finish_file(self, size: int) -> None:
        self._current, self._partial = None, 0
        self.done_bytes += size


def kind_of(path: str | Path) -> str | None:
    name = str(path).lower()
    if name.endswith(JSONL_EXT):
        return "jsonl"
    if name.endswith(WARC_EXT):
        return "warc"
    if name.endswith(PARQUET_EXT):
        return "parquet"
    if name.endswith(TEXT_EXT):
        return "text"
    if name.endswith(HTML_EXT):
        return "html"
    return None


def iter_inputs(
    inputs: list[str],
    format: str | ReadOptions = "auto",
    *,
    skip: int = 0,
    state: ReadState | None = None,
) -> Iterator[InputItem]:
    """All input items of the given paths, in order (folders walked sorted).

    ``skip`` items are passed over first (a resumed run); ``state`` (optional)
    is updated with the bytes read, for progress.
    """
    opts = format if isinstance(format, ReadOptions) else ReadOptions(format=format)
    st = state if state is not None else ReadState(skip)
    if state is not None and skip:
        st.skip = skip
    for spec in inputs:
        if spec == "-":
            yield from _read_stdin(opts, st)
            continue
        path = Path(spec)
        if path.is_dir():
            for f in walk(path):
                yield from _read_file(f, opts, st, root=path)
        elif path.is_file():
            yield from _read_file(path, opts, st, root=None)
        else:
            raise InputError(f"{spec}: no such file or folder")


def walk(root: Path) -> Iterator[Path]:
    """The readable files under ``root``, in a deterministic order: the files of a
    folder sorted by name, then its subfolders, sorted (run folders of cleaner
    itself are passed over)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not (d.startswith(".") and d.endswith("cleaner-run")))
        for name in sorted(filenames):
            if kind_of(name) is not None:
                yield Path(dirpath) / name


_walk = walk  # older name


def input_bytes(inputs: list[str]) -> int | None:
    """On-disk size of all inputs (None when it cannot be known, e.g. stdin)."""
    total = 0
    for spec in inputs:
        if spec == "-":
            return None
        p = Path(spec)
        try:
            if p.is_file():
                total += p.stat().st_size
            elif p.is_dir():
                for f in walk(p):
                    try:
                        total += f.stat().st_size
                    except OSError:
                        pass
        except OSError:
            return None
    return total or None


_NEEDS = {"warc": ("warcio", "WARC input"), "parquet": ("pyarrow", "Parquet input"),
          "zst": ("zstandard", "zstd-compressed input")}


def require(what: str) -> None:
    """Raise a usage error naming the package to install when an optional reader's library is missing."""
    module, label = _NEEDS[what]
    try:
        __import__(module)
    except ImportError:
        raise InputError(f"{label} needs the `{module}` package: pip install {module}") from None


def _needs(path: Path) -> str | None:
    kind = kind_of(path)
    if kind in ("warc", "parquet"):
        return kind
    if kind == "jsonl" and str(path).lower().endswith((".zst", ".zstd")):
        return "zst"
    return None


def check_inputs(inputs: list[str], opts: ReadOptions) -> None:
    """Usage errors found before any work: missing paths, a missing library for a
    file named on the command line, Parquet files without the content column."""
    for spec in inputs:
        if spec == "-":
            continue
        p = Path(spec)
        if not p.exists():
            raise InputError(f"{spec}: no such file or folder")
        if p.is_file() and _needs(p):
            require(_needs(p))  # type: ignore[arg-type]
        if p.is_file() and kind_of(p) == "parquet":
            try:
                names = _parquet_names(p)
            except Exception as exc:
                raise InputError(f"{spec}: cannot read Parquet file: {exc}") from exc
            _parquet_columns(names, opts, p)


def _doc_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root is not None else Path(path.name)
    name = rel.as_posix()
    for ext in ALL_EXT:
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_file(path: Path, opts: ReadOptions, st: ReadState, root: Path | None) -> Iterator[InputItem]:
    kind = kind_of(path)
    need = _needs(path)
    if need:
        require(need)
    if kind == "jsonl":
        yield from read_jsonl(path, opts.format, st)
        return
    if kind == "warc":
        yield from read_warc(path, st)
        return
    if kind == "parquet":
        yield from read_parquet(path, opts, st)
        return
    format = opts.format
    if kind is None and format == "auto":
        kind = "auto"
    fmt = format if format != "auto" else (kind or "auto")
    if st.take_skip():
        st.finish_file(_file_size(path))
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield InputItem(_doc_id(path, root), None, fmt, str(path), error=f"{path}: cannot read: {exc}")
        return
    st.finish_file(len(data))
    yield InputItem(_doc_id(path, root), data, fmt, str(path))


# ------------------------------------------------------------------ JSONL
class TruncatedInput(OSError):
    """A compressed stream that ends inside a gzip member or zstd frame."""


class _DecompressingRaw(io.RawIOBase):
    """Decompressed bytes of a stream of gzip members or zstd frames, handed out
    as they come (short reads), so that everything before damage is delivered;
    the read after the last good byte raises :class:`TruncatedInput`
    (Python's gzip and zstandard's reader drop or swallow that tail)."""

    def __init__(self, fh: IO[bytes], codec: str) -> None:
        self._fh = fh
        self._codec = codec
        self._obj: Any = None
        self._buf = memoryview(b"")
        self._eof = False
        self.total_out = 0
        if codec == "zst":
            import zstandard

            self._zstd = zstandard
            self._dctx = zstandard.ZstdDecompressor()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            if self._eof:
                return 0
            self._fill()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        self.total_out += n
        return n

    def _new(self) -> Any:
        if self._codec == "gz":
            return zlib.decompressobj(47)  # gzip (or zlib) header, one member
        return self._dctx.decompressobj()

    def _fill(self) -> None:
        chunk = self._fh.read(1 << 16)
        if not chunk:
            self._eof = True
            if self._obj is not None and not self._obj.eof:
                raise TruncatedInput(f"the {'gzip' if self._codec == 'gz' else 'zstd'} data ends inside a "
                                     f"{'member' if self._codec == 'gz' else 'frame'} (file truncated?)")
            return
        out = []
        while chunk:
            if self._obj is None or self._obj.eof:
                if self._obj is not None and self._codec == "gz" and not chunk.strip(b"\0"):
                    break  # zero padding after the last member
                self._obj = self._new()
            try:
                out.append(self._obj.decompress(chunk))
            except zlib.error as exc:
                raise OSError(f"gzip: {exc}") from exc
            except Exception as exc:
                if self._codec == "zst" and isinstance(exc, self._zstd.ZstdError):
                    raise OSError(f"zstd: {exc}") from exc
                raise
            chunk = self._obj.unused_data if self._obj.eof else b""
        self._buf = memoryview(b"".join(out))


def _open_binary(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(reader of decompressed bytes, the underlying file for position)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    name = str(path).lower()
    try:
        if name.endswith(".gz"):
            return io.BufferedReader(_DecompressingRaw(raw, "gz"), buffer_size=_READ_CHUNK), raw
        if name.endswith((".zst", ".zstd")):
            return io.BufferedReader(_DecompressingRaw(raw, "zst"), buffer_size=_READ_CHUNK), raw
    except BaseException:
        raw.close()
        raise
    return raw, raw


def read_jsonl(path: Path, format: str = "auto", state: ReadState | None = None) -> Iterator[InputItem]:
    """Records of a JSONL(.gz/.zst) file; bad lines become error items naming file:line."""
    st = state if state is not None else ReadState()
    stem = _doc_id(path, None)
    lineno = 0
    try:
        fh, raw = _open_binary(path)
    except OSError as exc:
        if not st.take_skip():
            yield InputItem(stem, None, format, str(path), error=f"{path}: cannot read: {exc}")
        return
    st.track(raw)
    try:
        with fh, raw:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                if st.take_skip():
                    continue
                yield _jsonl_item(line, path, lineno, stem, format)
    except (EOFError, OSError, zlib.error) as exc:
        if not st.take_skip():
            yield InputItem(
                f"{stem}:{lineno + 1}", None, format, str(path),
                error=f"{path}:{lineno + 1}: file is truncated or corrupt ({exc}); "
                f"the {lineno} line(s) before were read",
            )
    finally:
        st.finish_file(_file_size(path))


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


def _jsonl_item(line: str | bytes, path: Path, lineno: int, stem: str, format: str) -> InputItem:
    where = f"{path}:{lineno}"
    fallback_id = f"{stem}:{lineno}"
    nbytes = len(line)
    if isinstance(line, str):
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as exc:
            return InputItem(fallback_id, None, format, where, nbytes=nbytes,
                             error=f"{where}: line is not valid UTF-8 (byte at column {exc.start + 1})")
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
        return InputItem(fallback_id, None, format, where, nbytes=nbytes,
                         error=f"{where}: line is not valid UTF-8 (byte at column {col})")
    except json.JSONDecodeError as exc:
        return InputItem(fallback_id, None, format, where, nbytes=nbytes,
                         error=f"{where}: invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return InputItem(fallback_id, None, format, where, nbytes=nbytes,
                         error=f"{where}: invalid JSON: nested too deeply")
    if not isinstance(rec, dict):
        return InputItem(fallback_id, None, format, where, nbytes=nbytes,
                         error=f"{where}: expected a JSON object, got {type(rec).__name__}")
    return _record_item(rec, where, fallback_id, format, nbytes)


def _record_item(rec: dict[str, Any], where: str, fallback_id: str, format: str, nbytes: int | None) -> InputItem:
    rid = rec.get("id", fallback_id)
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        return InputItem(fallback_id, None, format, where, nbytes=nbytes,
                         error=f"{where}: `id` must be a string or number, not {type(rid).__name__}")
    extra = {k: v for k, v in rec.items() if k not in ("id", "text", "html")}
    meta = {"url": rec["url"]} if isinstance(rec.get("url"), str) else {}
    html, text = rec.get("html"), rec.get("text")
    if isinstance(html, str):
        return InputItem(str(rid), html, "html" if format == "auto" else format, where, extra, meta, nbytes=nbytes)
    if isinstance(text, str):
        return InputItem(str(rid), text, "text" if format == "auto" else format, where, extra, meta, nbytes=nbytes)
    if html is None and text is None:
        msg = "record has no `text` or `html` field"
    else:
        name, value = ("html", html) if html is not None else ("text", text)
        msg = f"field `{name}` must be a string, not {type(value).__name__}"
    return InputItem(str(rid), None, format, where, extra, meta, error=f"{where}: {msg}", nbytes=nbytes)


# ------------------------------------------------------------------- WARC
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)


def _is_textual(mime: str) -> bool:
    return (
        not mime
        or mime.startswith("text/")
        or "html" in mime
        or "xml" in mime
        or mime in ("application/json", "application/ld+json", "application/octet-stream", "unk", "none")
    )


def read_warc(path: Path, state: ReadState | None = None) -> Iterator[InputItem]:
    """Response records of a WARC(.gz) file (see the module doc)."""
    from warcio.archiveiterator import ArchiveIterator

    st = state if state is not None else ReadState()
    stem = _doc_id(path, None)
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
            dec = _DecompressingRaw(raw, "gz") if head == b"\x1f\x8b" else None
            it = ArchiveIterator(dec if dec is not None else raw)
            prev = None
            for rec in it:
                _check_complete(prev)
                prev = rec
                offset = it.offset
                if rec.rec_type != "response":
                    continue
                n += 1
                last_id = _warc_id(rec, stem, offset)
                if st.take_skip():
                    if _drain(rec):  # the file ends inside it: its error item was the last one
                        return
                    continue
                item, fatal = _warc_item(rec, path, offset, stem)
                yield item
                if fatal:
                    return
            _check_complete(prev)
            end = dec.total_out if dec is not None else _file_size(path)
            if it.offset < end:
                offset = it.offset
                raise _Truncated(f"{end - it.offset} byte(s) after the last complete record are not a record")
    except Exception as exc:  # truncated or corrupt: what was read is kept
        if not st.take_skip():
            after = f" after record {last_id}" if last_id else ""
            unz = " (uncompressed)" if head == b"\x1f\x8b" else ""
            yield InputItem(
                f"{stem}@{offset}", None, "auto", f"{path}@{offset}",
                error=f"{path}: WARC file is truncated or corrupt at offset {offset}{unz}{after} "
                f"({_short(exc)}); the {n} response record(s) before were read",
            )
    finally:
        st.finish_file(_file_size(path))


class _Truncated(Exception):
    pass


def _check_complete(rec: Any) -> None:
    """A record whose block is shorter than its Content-Length was cut off."""
    if rec is None:
        return
    left = getattr(rec.raw_stream, "limit", 0)
    if rec.length is None or (isinstance(left, int) and left > 0):
        raise _Truncated(f"record {rec.rec_headers.get_header('WARC-Record-ID') or '?'} is incomplete")


def _short(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return msg[:200] + ("..." if len(msg) > 200 else "")


def _drain(rec: Any) -> bool:
    """Read a skipped record to its end; True when the file ends or is damaged
    inside it (what :func:`_warc_item` reports as fatal)."""
    try:
        while rec.raw_stream.read(1 << 16):
            pass
    except (EOFError, OSError):
        return True
    left = getattr(rec.raw_stream, "limit", 0)
    return isinstance(left, int) and left > 0


def _warc_id(rec: Any, stem: str, offset: int) -> str:
    h = rec.rec_headers
    return (h.get_header("WARC-Record-ID") or "").strip().strip("<>") or h.get_header("WARC-Target-URI") or f"{stem}@{offset}"


def _warc_item(rec: Any, path: Path, offset: int, stem: str) -> tuple[InputItem, bool]:
    """(item, fatal): fatal when the file itself ended inside the record."""
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
    try:
        body = rec.content_stream().read()
    except (EOFError, OSError) as exc:  # the file itself ends or is damaged inside the record
        return InputItem(rid, None, "auto", source, extra, meta,
                         error=f"{path}: record {rid} at offset {offset} is truncated ({_short(exc)})"), True
    except Exception as exc:
        return InputItem(rid, None, "auto", source, extra, meta,
                         error=f"{path}: record {rid} at offset {offset}: cannot read body "
                         f"({type(exc).__name__}: {_short(exc)})"), False
    left = getattr(rec.raw_stream, "limit", 0)
    if isinstance(left, int) and left > 0:
        return InputItem(rid, None, "auto", source, extra, meta, nbytes=len(body),
                         error=f"{path}: record {rid} at offset {offset} is truncated "
                         f"({left} byte(s) missing); the file ends inside it"), True
    return InputItem(rid, body, "auto", source, extra, meta, drop=drop), False


# ---------------------------------------------------------------- Parquet
def _parquet_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _parquet_columns(names: list[str], opts: ReadOptions, path: Path) -> list[tuple[str, str]]:
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


def read_parquet(path: Path, opts: ReadOptions | None = None, state: ReadState | None = None) -> Iterator[InputItem]:
    """Rows of a Parquet file, read one record batch at a time."""
    import pyarrow.parquet as pq

    opts = opts or ReadOptions()
    st = state if state is not None else ReadState()
    stem = _doc_id(path, None)
    size = _file_size(path)
    try:
        pf = pq.ParquetFile(path)
        names = list(pf.schema_arrow.names)
        content = _parquet_columns(names, opts, path)
    except Exception as exc:
        if not st.take_skip():
            msg = str(exc) if isinstance(exc, InputError) else f"{path}: cannot read Parquet file: {_short(exc)}"
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
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[rg], use_threads=False):
                cols = {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
                for k in range(batch.num_rows):
                    row += 1
                    if st.take_skip():
                        continue
                    yield _parquet_item(cols, k, row, content, id_col, extra_cols, path, stem, opts.format)
                st.advance(size * row // total)
    except Exception as exc:
        if not st.take_skip():
            yield InputItem(
                f"{stem}:{row + 1}", None, opts.format, f"{path}:{row + 1}",
                error=f"{path}: Parquet file is truncated or corrupt at row {row + 1} "
                f"({type(exc).__name__}: {_short(exc)}); the {row} row(s) before were read",
            )
    finally:
        st.finish_file(size)


def _parquet_item(
    cols: dict[str, list[Any]], k: int, row: int, content: list[tuple[str, str]], id_col: str | None,
    extra_cols: list[str], path: Path, stem: str, format: str,
) -> InputItem:
    where = f"{path}:{row}"
    rid: Any = cols[id_col][k] if id_col else None
    if isinstance(rid, float) and rid.is_integer():
        rid = int(rid)
    if rid is None or isinstance(rid, bool) or not isinstance(rid, (str, int, bytes)):
        rid = f"{stem}:{row}"
    elif isinstance(rid, bytes):
        rid = rid.decode("utf-8", "replace")
    extra = {c: cols[c][k] for c in extra_cols}
    meta = {"url": extra["url"]} if isinstance(extra.get("url"), str) else {}
    for col, fmt in content:
        value = cols[col][k]
        if isinstance(value, (str, bytes)):
            return InputItem(str(rid), value, fmt if format == "auto" else format, where, extra, meta)
    names = " or ".join(f"`{c}`" for c, _ in content)
    return InputItem(str(rid), None, format, where, extra, meta, error=f"{where}: column {names} is null")


# ------------------------------------------------------------------ stdin
def _read_stdin(opts: ReadOptions, st: ReadState) -> Iterator[InputItem]:
    stream = sys.stdin.buffer
    first = stream.readline()
    if opts.format == "auto" and first.lstrip()[:1] == b"{":
        try:
            json.loads(first)
            is_jsonl = True
        except ValueError:
            is_jsonl = False
        if is_jsonl:
            path = Path("<stdin>")
            lineno = 1
            if not st.take_skip():
                yield _jsonl_item(first, path, lineno, "stdin", opts.format)
            for lineno, line in enumerate(stream, 2):
                if line.strip() and not st.take_skip():
                    yield _jsonl_item(line, path, lineno, "stdin", opts.format)
            return
    data = first + stream.read()
    if not st.take_skip():
        yield InputItem("stdin", data, opts.format, "<stdin>")
