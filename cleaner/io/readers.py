"""Readers: turn files, folders, JSONL, WARC, Parquet and standard input into input items.

Readers stream: one item at a time, never the whole corpus in memory (a folder
walk holds the sorted names of one directory at a time; a Parquet file is read
one record batch at a time). Inputs are read in a deterministic order, so the
n-th item of a run is the n-th item of any other run over the same inputs; a
resumed run skips the items a previous run already wrote (``skip``), without
reading or parsing them where the format allows.

Memory is bounded on every path by ``max_bytes`` (``limits.max_document_bytes``):
a file larger than it is not read; a JSONL line, a WARC payload, a Parquet cell
or standard input that runs past it is passed over in bounded pieces (or, for a
stream that is one document, no further read); each becomes an item that
carries an error naming the limit. Compressed input is inflated in bounded
pieces (:mod:`cleaner.io.streams`).

Something that cannot be used (a bad JSONL line, a truncated gzip, zstd or WARC
file, a Parquet row without content) becomes an item that carries the error,
so the run writes an ``error`` record for it and goes on; what was read before
the damage is kept.

Supported inputs (by name; folders are walked recursively, sorted):

* ``.txt`` text, ``.html`` / ``.htm`` HTML: one document per file;
* ``.jsonl`` / ``.ndjson``, optionally ``.gz`` or ``.zst``: one record a line,
  ``{"id", "text" | "html", ...}``; other fields are carried into the record;
* ``.warc`` / ``.warc.gz``: WARC ``response`` records (see :mod:`cleaner.io.warc`);
  responses that are not 2xx, or whose Content-Type is not text (images, PDF
  ...), become ``dropped`` records (reason ``http-status:404``,
  ``content-type:application/pdf``);
* ``.parquet``: one row per document; the content column is ``--text-column`` /
  ``--html-column`` (default: ``text`` if the file has it, else ``html``), the id
  column ``--id-column`` (default ``id``; else ``<file>:<row>``); other columns
  are carried into the record.

In a folder only regular files are read: FIFOs, devices and sockets (or links
to them) are passed over and listed in :attr:`ReadState.skipped`; files of
kinds not read (``.md``, ``.csv``) are counted in :attr:`ReadState.skipped_kinds`;
the paths in :attr:`ReadOptions.exclude` (a run's own output) are left out. A
FIFO or device named on the command line is read as a stream, as standard
input is: one document (or JSONL records), up to ``max_bytes``.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from cleaner.errors import InputError
from cleaner.io.streams import (  # noqa: F401 - older names
    DecompressingRaw,
    TruncatedInput,
    open_binary,
    open_nonblocking,
    read_capped,
    read_line,
)
from cleaner.io.warc import read_warc  # noqa: F401 - part of this module's interface

TEXT_EXT = (".txt",)
HTML_EXT = (".html", ".htm")
JSONL_EXT = (
    ".jsonl",
    ".jsonl.gz",
    ".jsonl.zst",
    ".jsonl.zstd",
    ".ndjson",
    ".ndjson.gz",
    ".ndjson.zst",
    ".ndjson.zstd",
)
WARC_EXT = (".warc", ".warc.gz")
PARQUET_EXT = (".parquet",)
ALL_EXT = (*JSONL_EXT, *WARC_EXT, *PARQUET_EXT, *TEXT_EXT, *HTML_EXT)


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
    """How inputs are read: the ``--format``, the Parquet column names, the
    document size limit (0: none) and the paths never read as input (the
    run's own output and run folder)."""

    format: str = "auto"
    text_column: str | None = None
    html_column: str | None = None
    id_column: str = "id"
    max_bytes: int = 0
    exclude: tuple[str, ...] = ()


def limit_message(where: str, size: int, cap: int, what: str = "document", at_least: bool = False) -> str:
    """The error of a document over the size limit."""
    how = f"more than {cap:,}" if at_least else f"{size:,}"
    return (
        f"{where}: {what} of {how} bytes exceeds limits.max_document_bytes={cap}; "
        f"passed over without being read whole (raise the limit in the config to clean it)"
    )


class ReadState:
    """Shared by the readers of one run: items still to skip (resume), the
    on-disk bytes consumed so far (progress and ETA) and the inputs passed
    over because they are not regular files."""

    def __init__(self, skip: int = 0) -> None:
        self.skip = max(0, int(skip))
        self.skipped_kinds: Counter[str] = (
            Counter()
        )  # files in folders of kinds not read, by extension (".md")
        self.done_bytes = 0  # bytes of finished files
        self._current: IO[bytes] | None = None  # the file being read, for its position
        self._partial = 0  # bytes of the current file consumed, when there is no handle
        self.skipped: list[tuple[str, str]] = []  # (path, what it is): FIFOs, devices, sockets

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


_NOT_REGULAR = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)


def file_type(mode: int) -> str:
    """What a file of this mode is, in words ("FIFO", "socket", ...)."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return next((name for test, name in _NOT_REGULAR if test(mode)), "special file")


def is_stream(path: Path) -> bool:
    """A FIFO or device: read as a stream (as standard input), never by size."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def iter_inputs(
    inputs: list[str],
    format: str | ReadOptions = "auto",
    *,
    skip: int = 0,
    state: ReadState | None = None,
) -> Iterator[InputItem]:
    """All input items of the given paths, in order (folders walked sorted).

    ``skip`` items are passed over first (a resumed run); ``state`` (optional)
    is updated with the bytes read, for progress, and the files passed over.
    """
    opts = format if isinstance(format, ReadOptions) else ReadOptions(format=format)
    st = state if state is not None else ReadState(skip)
    if state is not None and skip:
        st.skip = skip
    for spec in inputs:
        if spec == "-":
            yield from _read_stream(sys.stdin.buffer, "<stdin>", "stdin", opts, st)
            continue
        path = Path(spec)
        if path.is_dir():
            for f in walk(path, opts.exclude, st.skipped, st.skipped_kinds):
                yield from _read_file(f, opts, st, root=path)
        elif path.is_file():
            yield from _read_file(path, opts, st, root=None)
        elif is_stream(path):
            yield from _read_named_stream(path, opts, st)
        else:
            raise InputError(f"{spec}: no such file or folder")


def walk(
    root: Path,
    exclude: tuple[str, ...] = (),
    skipped: list[tuple[str, str]] | None = None,
    kinds: Counter[str] | None = None,
) -> Iterator[Path]:
    """The readable files under ``root``, in a deterministic order: the files of a
    folder sorted by name, then its subfolders, sorted. Run folders of cleaner
    and the files or folders of ``exclude`` are passed over; so are files that
    are not regular files (FIFOs, devices, sockets, or links to them), which
    are added to ``skipped`` as (path, what it is). Links to folders are not
    followed. Files of kinds not read (but hidden ones) are counted in
    ``kinds`` by their extension (``.md``; ``(none)`` without one)."""
    ids: set[tuple[int, int]] = set()
    for e in exclude:
        try:
            st = os.stat(e)
            ids.add((st.st_dev, st.st_ino))
        except OSError:
            pass  # not there (yet): nothing to pass over
    yield from _walk_dir(str(root), ids, skipped, kinds)


def _excluded(e: os.DirEntry[str], ids: set[tuple[int, int]]) -> bool:
    if not ids:
        return False
    if not e.is_symlink() and all(e.inode() != i for _, i in ids):
        return False  # the inode from the folder listing: no system call for most entries
    try:
        st = os.stat(e.path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) in ids


def _walk_dir(
    top: str, ids: set[tuple[int, int]], skipped: list[tuple[str, str]] | None, kinds: Counter[str] | None
) -> Iterator[Path]:
    if ids:
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in ids:
                return
        except OSError:
            pass
    try:
        with os.scandir(top) as it:
            entries = list(it)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is passed over
    files: list[Any] = []
    dirs: list[Any] = []
    for e in entries:
        try:
            is_dir = e.is_dir()
        except OSError:
            is_dir = False
        (dirs if is_dir else files).append(e)
    for e in sorted(files, key=lambda e: e.name):
        if kind_of(e.name) is None:
            if kinds is not None and not e.name.startswith("."):
                kinds[os.path.splitext(e.name)[1].lower() or "(none)"] += 1
            continue
        if _excluded(e, ids):
            continue
        try:
            regular = e.is_file()  # follows a link (d_type for the others: no system call)
            mode = 0 if regular else os.stat(e.path).st_mode
        except OSError:  # a dangling link: the reader reports it
            regular, mode = True, 0
        if regular:
            yield Path(e.path)
        elif skipped is not None:
            skipped.append((e.path, file_type(mode)))
    for e in sorted(dirs, key=lambda e: e.name):
        if (e.name.startswith(".") and e.name.endswith("cleaner-run")) or e.is_symlink():
            continue
        yield from _walk_dir(e.path, ids, skipped, kinds)


_walk = walk  # older name


def input_bytes(inputs: list[str], exclude: tuple[str, ...] = ()) -> int | None:
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
                for f in walk(p, exclude):
                    try:
                        total += f.stat().st_size
                    except OSError:
                        pass
            else:
                return None
        except OSError:
            return None
    return total or None


_NEEDS = {
    "warc": ("warcio", "WARC input"),
    "parquet": ("pyarrow", "Parquet input"),
    "zst": ("zstandard", "zstd-compressed input"),
}


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
    """Usage errors found before any work: missing paths, sockets and other
    files that cannot be read, a missing library for a file named on the
    command line, Parquet files without the content column."""
    for spec in inputs:
        if spec == "-":
            continue
        p = Path(spec)
        try:
            mode = os.stat(p).st_mode
        except FileNotFoundError:
            raise InputError(f"{spec}: no such file or folder") from None
        except OSError as exc:
            raise InputError(f"{spec}: cannot read: {exc.strerror or exc}") from None
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or is_stream(p)):
            raise InputError(f"{spec}: is a {file_type(mode)}, not a file, folder or stream to read")
        if stat.S_ISDIR(mode) and not os.access(p, os.R_OK | os.X_OK):
            raise InputError(f"{spec}: folder cannot be read (permission denied)")
        if stat.S_ISREG(mode) and _needs(p):
            require(_needs(p))  # type: ignore[arg-type]
        if stat.S_ISREG(mode) and kind_of(p) == "parquet":
            try:
                names = parquet_names(p)
            except Exception as exc:
                raise InputError(f"{spec}: cannot read Parquet file: {exc}") from exc
            parquet_columns(names, opts, p)


def doc_id(path: Path, root: Path | None) -> str:
    """A file's document id: its path under ``root`` (its name without one), the input extension cut off."""
    rel = path.relative_to(root) if root is not None else Path(path.name)
    name = rel.as_posix()
    for ext in ALL_EXT:
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def file_size(path: Path) -> int:
    """A file's size in bytes (0 when it cannot be read)."""
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
        yield from read_jsonl(path, opts.format, st, opts.max_bytes)
        return
    if kind == "warc":
        yield from read_warc(path, st, opts.max_bytes)
        return
    if kind == "parquet":
        yield from read_parquet(path, opts, st)
        return
    format = opts.format
    if kind is None and format == "auto":
        kind = "auto"
    fmt = format if format != "auto" else (kind or "auto")
    if st.take_skip():
        st.finish_file(file_size(path))
        return
    rid = doc_id(path, root)
    cap = opts.max_bytes
    try:
        fh, info = open_nonblocking(path)  # a FIFO put there since the walk must not block the run
    except OSError as exc:
        yield InputItem(rid, None, fmt, str(path), error=f"{path}: cannot read: {exc}")
        return
    with fh:
        if not stat.S_ISREG(info.st_mode):
            yield InputItem(
                rid,
                None,
                fmt,
                str(path),
                error=f"{path}: is a {file_type(info.st_mode)}, not a regular file; not read",
            )
            return
        if cap and info.st_size > cap:
            st.finish_file(info.st_size)
            yield InputItem(
                rid,
                None,
                fmt,
                str(path),
                nbytes=info.st_size,
                error=limit_message(str(path), info.st_size, cap, "file"),
            )
            return
        try:
            data, size = read_capped(fh, cap)  # it may have grown since
        except OSError as exc:
            yield InputItem(rid, None, fmt, str(path), error=f"{path}: cannot read: {exc}")
            return
    st.finish_file(size)
    if data is None:
        yield InputItem(
            rid,
            None,
            fmt,
            str(path),
            nbytes=size,
            error=limit_message(str(path), size, cap, "file", at_least=True),
        )
        return
    yield InputItem(rid, data, fmt, str(path))


# ------------------------------------------------------------------ JSONL
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
        yield from _jsonl_lines(fh, path, stem, format, st, max_bytes)
    except _LinesFailed as exc:
        if not st.take_skip():
            yield InputItem(
                f"{stem}:{exc.lineno}",
                None,
                format,
                str(path),
                error=f"{path}:{exc.lineno}: file is truncated or corrupt ({exc.cause}); "
                f"the {exc.lineno - 1} line(s) before were read",
            )


class _LinesFailed(Exception):
    def __init__(self, lineno: int, cause: BaseException) -> None:
        self.lineno, self.cause = lineno, cause


def _jsonl_lines(
    fh: IO[bytes], path: Path, stem: str, format: str, st: ReadState, cap: int, first: int = 1
) -> Iterator[InputItem]:
    """The items of the JSONL lines of ``fh`` (numbered from ``first``)."""
    import zlib

    lineno = first - 1
    while True:
        try:
            line, size = read_line(fh, cap)
        except (EOFError, OSError, zlib.error) as exc:
            raise _LinesFailed(lineno + 1, exc) from None
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


def short_message(exc: BaseException) -> str:
    """An exception's message on one line, at most 200 characters (for an error record)."""
    msg = " ".join(str(exc).split())
    return msg[:200] + ("..." if len(msg) > 200 else "")


# ------------------------------------------------------------------ stdin
def _read_stream(
    stream: IO[bytes], where: str, stem: str, opts: ReadOptions, st: ReadState, fmt: str | None = None
) -> Iterator[InputItem]:
    """Standard input, or a FIFO or device named as input: JSONL records when
    its first line is a JSON object (and the format is not given), else one
    document. Read up to the size limit and no further: a stream that never
    ends (``/dev/zero``) ends as one error item."""
    cap = opts.max_bytes
    fmt = fmt or opts.format
    first = stream.readline(cap + 1) if cap else stream.readline()
    over = bool(cap) and len(first) > cap
    if not over and fmt == "auto" and first.lstrip()[:1] == b"{":
        try:
            json.loads(first)
            is_jsonl = True
        except ValueError:
            is_jsonl = False
        if is_jsonl:
            path = Path(where)
            if not st.take_skip():
                yield jsonl_item(first, path, 1, stem, opts.format)
            try:
                yield from _jsonl_lines(stream, path, stem, opts.format, st, cap, first=2)
            except _LinesFailed as exc:
                if not st.take_skip():
                    yield InputItem(
                        f"{stem}:{exc.lineno}",
                        None,
                        opts.format,
                        f"{where}:{exc.lineno}",
                        error=f"{where}:{exc.lineno}: cannot read ({exc.cause})",
                    )
            return
    rest, size = (None, 0) if over else read_capped(stream, cap - len(first) if cap else 0)
    if st.take_skip():
        return
    if rest is None:
        total = len(first) + size
        yield InputItem(
            stem,
            None,
            fmt,
            where,
            nbytes=total,
            error=limit_message(where, total, cap, "input", at_least=True),
        )
        return
    yield InputItem(stem, first + rest, fmt, where)


def _read_named_stream(path: Path, opts: ReadOptions, st: ReadState) -> Iterator[InputItem]:
    """A FIFO or device named on the command line (``<(zcat x.jsonl.gz)``, ``/dev/stdin``)."""
    kind = kind_of(path)
    stem = doc_id(path, None)
    if kind in ("warc", "parquet"):
        if not st.take_skip():
            yield InputItem(
                stem,
                None,
                opts.format,
                str(path),
                error=f"{path}: a {kind} file must be a regular file (it is read by position), "
                f"not a {file_type(os.stat(path).st_mode)}",
            )
        return
    try:
        fh, raw = open_binary(path)
    except OSError as exc:
        if not st.take_skip():
            yield InputItem(stem, None, opts.format, str(path), error=f"{path}: cannot read: {exc}")
        return
    with fh, raw:
        if kind == "jsonl":
            try:
                yield from _jsonl_lines(fh, path, stem, opts.format, st, opts.max_bytes)
            except _LinesFailed as exc:
                if not st.take_skip():
                    yield InputItem(
                        f"{stem}:{exc.lineno}",
                        None,
                        opts.format,
                        f"{path}:{exc.lineno}",
                        error=f"{path}:{exc.lineno}: cannot read ({exc.cause})",
                    )
            return
        fmt = opts.format if opts.format != "auto" or kind is None else kind
        yield from _read_stream(fh, str(path), stem, opts, st, fmt)


from cleaner.io.parquet import (  # noqa: E402, F401 - part of this module's interface (parquet.py imports this one)
    PARQUET_BATCH_BYTES,
    PARQUET_BATCH_ROWS,
    parquet_columns,
    parquet_names,
    read_parquet,
)
