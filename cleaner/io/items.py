"""What the readers make and share: an input item, how inputs are read, and a run's reading state.

:class:`InputItem` is one document (or one that could not be read: ``error``,
or one the reader already knows not to clean: ``drop``); :class:`ReadOptions`
is how inputs are read; :class:`ReadState` is shared by the readers of one
run (items still to skip on resume, bytes read for progress, files passed
over). ``kind_of`` tells a file's kind by its name, ``doc_id`` a file's
document id; ``limit_message`` and ``short_message`` word the errors items carry.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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


def short_message(exc: BaseException) -> str:
    """An exception's message on one line, at most 200 characters (for an error record)."""
    msg = " ".join(str(exc).split())
    return msg[:200] + ("..." if len(msg) > 200 else "")
