"""Writers: JSONL(.gz/.zst) records, Parquet, or a folder of ``<id>.txt`` plus ``records.jsonl``.

Every writer (a "sink") works inside a run folder beside the target (see
:func:`work_dir`) and never writes under the final name until the run is
complete:

* ``write(record)`` appends a record;
* ``checkpoint()`` makes everything written so far durable (flush + fsync;
  compressed outputs close a gzip member / zstd frame, Parquet closes a part
  file) and returns a small state to save with the run's progress;
* a sink opened again with that state (``resume``) drops whatever was written
  after the checkpoint (truncation, or deleting later parts) and appends;
* ``seal()`` completes the output inside the run folder (Parquet parts are
  merged, row group by row group) and returns its path, which the runner renames
  onto the target.

So an interrupted run never leaves a truncated file under the final name, and a
resumed run writes every record exactly once.

Folder output: each kept document's ``<id>.txt`` is written under a temporary
name in the run folder and renamed into the output folder (no per-file fsync:
a killed process never leaves a half-written file, a power cut may).
Document ids never choose a path outside the folder, and ids that map to the
same file name get ``-2``, ``-3``, ... (the names in use are rebuilt from the
written records on resume).

Parquet output is :mod:`cleaner.io.parquet_sink`'s (``ParquetSink``, the row
schema, ``flatten_record`` / ``unflatten_row``); the files of a run folder are
made by :mod:`cleaner.io.files`, never through a link.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zlib
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

import orjson

from cleaner.document import STATUS_OK
from cleaner.io.files import FILE_MODE, create_file, fsync_dir, open_existing
from cleaner.io.streams import codec_of

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
MAX_NAME = 120
JSONL_OUT = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
RECORDS = "records.jsonl"


def is_jsonl_target(output: str) -> bool:
    return output.lower().endswith(JSONL_OUT)


def is_parquet_target(output: str) -> bool:
    return output.lower().endswith(".parquet")


def output_kind(output: str) -> str:
    """``jsonl``, ``parquet`` or ``folder``."""
    if is_jsonl_target(output):
        return "jsonl"
    if is_parquet_target(output):
        return "parquet"
    return "folder"


def work_dir(output: str) -> Path:
    """The run folder of an output: ``.<name>.cleaner-run`` beside a file target,
    ``<folder>/.cleaner-run`` inside a folder target."""
    p = Path(output)
    if output_kind(output) == "folder":
        return p / ".cleaner-run"
    return p.parent / f".{p.name}.cleaner-run"


def safe_name(doc_id: str) -> str:
    """A file name (without extension) for an id: no separators, no leading dots,
    no control characters, bounded length."""
    name = unicodedata.normalize("NFC", str(doc_id)).replace("\x00", "")
    name = _UNSAFE.sub("_", name).strip("._-")
    if not name:
        name = "doc"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME:
        digest = hashlib.sha1(str(doc_id).encode("utf-8", "surrogatepass")).hexdigest()[:10]
        cut = name.encode("utf-8", "surrogatepass")[: MAX_NAME - 11].decode("utf-8", "ignore")
        name = f"{cut}-{digest}"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from undecodable input
        name = name.encode("utf-8", "replace").decode("utf-8").replace("?", "_")
    return name


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(finite(record), ensure_ascii=False, default=str)


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities made None: JSON has no such numbers, and
    every output kind writes them as null (as orjson does)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def line_bytes(record: dict[str, Any]) -> bytes:
    """One JSON line, UTF-8. orjson first (the main process encodes every record
    of a run; the standard library's encoder took a tenth of a two-worker run's
    CPU); the standard library for what orjson refuses (lone surrogates from
    undecodable input, integers beyond 64 bits, keys that are not strings)."""
    try:
        return orjson.dumps(
            record, default=str, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY
        )
    except (orjson.JSONEncodeError, TypeError):
        pass
    line = dumps(record) + "\n"
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: keep them, as JSON escapes
        return (json.dumps(finite(record), ensure_ascii=True, default=str) + "\n").encode("ascii")


# ------------------------------------------------------------ JSONL stream
class _Stream:
    """An append-only file of plain, gzip or zstd data that can be made durable
    at a point (``checkpoint`` returns the byte offset) and reopened there."""

    def __init__(self, path: Path, codec: str | None, offset: int | None) -> None:
        self.path = path
        self.codec = codec
        if offset is None or not os.path.lexists(path):
            if offset:
                raise FileNotFoundError(
                    f"{path}: the run's data file is missing; remove the run folder and start over"
                )
            self.f: IO[bytes] = create_file(path)
        else:
            self.f = open_existing(path)
            self.f.truncate(offset)
            self.f.seek(offset)
        self._enc: Any = None
        self.wrote = False

    def write(self, data: bytes) -> None:
        if self.codec is None:
            self.f.write(data)
            return
        if self._enc is None:
            if self.codec == "gz":
                self._enc = zlib.compressobj(6, zlib.DEFLATED, 31)  # a gzip member
            else:
                import zstandard

                self._enc = zstandard.ZstdCompressor(level=3).compressobj()
        self.f.write(self._enc.compress(data))

    def checkpoint(self) -> int:
        if self._enc is not None:
            self.f.write(self._enc.flush())
            self._enc = None
        self.f.flush()
        os.fsync(self.f.fileno())
        return self.f.tell()

    def seal(self) -> None:
        off = self.checkpoint()
        if off == 0 and self.codec == "gz":
            self.f.write(gzip.compress(b"", mtime=0))  # an empty but valid gzip file
        elif off == 0 and self.codec == "zst":
            import zstandard

            self.f.write(zstandard.ZstdCompressor().compress(b""))
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()

    def close(self) -> None:
        try:
            self.f.close()
        except OSError:
            pass


class JsonlSink:
    """All records into one JSONL (or JSONL.gz / JSONL.zst) file."""

    checkpoint_seconds = 5.0

    def __init__(self, output: str, work: Path, state: dict[str, Any] | None = None) -> None:
        self.target = Path(output)
        self.data = work / (
            "data"
            + (
                ".jsonl.gz"
                if codec_of(output) == "gz"
                else ".jsonl.zst"
                if codec_of(output) == "zst"
                else ".jsonl"
            )
        )
        self.stream = _Stream(self.data, codec_of(output), (state or {}).get("offset"))
        self.count = int((state or {}).get("count", 0))

    def write(self, record: dict[str, Any]) -> None:
        self.write_line(line_bytes(record))

    def write_line(self, line: bytes) -> None:
        """Write a record already encoded as its JSONL line (newline included)."""
        self.stream.write(line)
        self.count += 1

    def checkpoint(self) -> dict[str, Any]:
        return {"offset": self.stream.checkpoint(), "count": self.count}

    def seal(self) -> Path:
        self.stream.seal()
        return self.data

    def close(self) -> None:
        self.stream.close()


class FolderSink:
    """One ``<id>.txt`` per kept document plus ``records.jsonl`` for all."""

    checkpoint_seconds = 5.0

    def __init__(self, output: str, work: Path, state: dict[str, Any] | None = None) -> None:
        self.root = Path(output)
        self.root.mkdir(parents=True, exist_ok=True)
        self.target = self.root / RECORDS
        self.data = work / "records.jsonl"
        self.tmp = work / "tmp"
        try:
            os.mkdir(self.tmp, 0o700)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(self.tmp).st_mode):  # never a link
                raise FileExistsError(f"{self.tmp}: not a folder; remove {work} and start over") from None
        offset = (state or {}).get("offset")
        self.used: set[str] = {"records"}
        if offset:
            self._rebuild_names(offset)
        # names of the .txt files written since the last checkpoint: a resumed run
        # removes them (their records were not committed) before it goes on
        self.pending_path = work / "pending-files"
        if state is not None and os.path.lexists(self.pending_path):
            with open_existing(self.pending_path, "rb") as fh:
                names = fh.read().decode("utf-8").splitlines()
            for name in names:
                if name.endswith(".txt") and "/" not in name and name[:-4].casefold() not in self.used:
                    (self.root / name).unlink(missing_ok=True)  # a link goes, what it points to stays
            os.unlink(self.pending_path)
        self.pending = create_file(self.pending_path, "w")
        self.stream = _Stream(self.data, None, offset)
        self.count = int((state or {}).get("count", 0))

    def _rebuild_names(self, offset: int) -> None:
        """The file names taken by the records written before the checkpoint."""
        with open_existing(self.data, "rb") as fh:
            left = offset
            for line in fh:
                left -= len(line)
                if left < 0:
                    break
                if b'"file": ' not in line:
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                name = rec.get("file")
                if rec.get("status") == STATUS_OK and isinstance(name, str) and name.endswith(".txt"):
                    self.used.add(name[:-4].casefold())
                if left == 0:
                    break

    def unique_name(self, doc_id: str) -> str:
        base = safe_name(doc_id)
        name, k = base, 1
        while name.casefold() in self.used:
            k += 1
            name = f"{base}-{k}"
        self.used.add(name.casefold())
        return name

    def write(self, record: dict[str, Any]) -> None:
        if record.get("status") == STATUS_OK:
            name = self.unique_name(str(record.get("id")))
            if "/" in name or os.sep in name or name in (".", ".."):  # never outside the folder
                raise ValueError(f"refusing to write outside {self.root}: {name}")
            text = record.get("text") or ""
            data = (text + "\n").encode("utf-8", "replace") if text else b""
            self.pending.write(f"{name}.txt\n")
            self.pending.flush()  # in the OS before the file appears: survives a killed process
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".txt", dir=self.tmp)
            try:
                os.fchmod(fd, FILE_MODE)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, self.root / f"{name}.txt")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            record = {**record, "file": f"{name}.txt"}
        self.stream.write(line_bytes(record))
        self.count += 1

    def checkpoint(self) -> dict[str, Any]:
        state = {"offset": self.stream.checkpoint(), "count": self.count}
        self.pending.seek(0)
        self.pending.truncate()
        return state

    def seal(self) -> Path:
        self.stream.seal()
        self.pending.close()
        return self.data

    def close(self) -> None:
        self.stream.close()
        self.pending.close()


class Sink(Protocol):
    """What a run writes its records through (see the module doc): :class:`JsonlSink`,
    :class:`FolderSink` and :class:`~cleaner.io.parquet_sink.ParquetSink`, made by :func:`open_sink`."""

    target: Path  # the final name (the output file, or a folder output's records.jsonl)
    count: int  # records written, over all sessions of a resumed run
    checkpoint_seconds: float  # how often a run makes what it wrote durable

    def write(self, record: dict[str, Any]) -> None: ...

    def checkpoint(self) -> dict[str, Any]:
        """Make what was written durable; the state a resumed run opens the sink with."""
        ...

    def seal(self) -> Path:
        """Complete the output inside the run folder; the file to rename onto :attr:`target`."""
        ...

    def close(self) -> None:
        """Release the files without completing the output (an interrupted run)."""
        ...


@runtime_checkable
class LineSink(Sink, Protocol):
    """A sink that also takes records already encoded as JSON lines (:class:`JsonlSink`):
    a batch run's workers then encode and count each record, the main process writes the bytes."""

    def write_line(self, line: bytes) -> None:
        """Write a record already encoded by :func:`line_bytes` (newline included)."""
        ...


def open_sink(output: str, work: Path, state: dict[str, Any] | None = None) -> Sink:
    kind = output_kind(output)
    need = {"parquet": "pyarrow", "zst": "zstandard"}.get(
        "parquet" if kind == "parquet" else codec_of(output) or ""
    )
    if need:
        try:
            __import__(need)
        except ImportError:
            from cleaner.errors import CleanerError

            raise CleanerError(
                f"-o {output}: writing it needs the `{need}` package: pip install {need}"
            ) from None
    if kind == "jsonl":
        return JsonlSink(output, work, state)
    if kind == "parquet":
        from cleaner.io.parquet_sink import ParquetSink  # (which imports this module)

        return ParquetSink(output, work, state)
    return FolderSink(output, work, state)


# ------------------------------------------------- simple (non-resumable) use
class Writer:
    """A sink in a private run folder: ``write`` records, then ``close`` (the
    output appears under its final name) or ``abort`` (nothing is left)."""

    def __init__(self, output: str) -> None:
        self.output = output
        base = work_dir(output)
        base.parent.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix=base.name + ".", dir=base.parent))
        self.sink = open_sink(output, self.work)

    @property
    def count(self) -> int:
        return self.sink.count

    def write(self, record: dict[str, Any]) -> None:
        self.sink.write(record)

    def close(self) -> None:
        final = self.sink.seal()
        os.replace(final, self.sink.target)
        fsync_dir(self.sink.target.parent)
        shutil.rmtree(self.work, ignore_errors=True)

    def abort(self) -> None:
        self.sink.close()
        shutil.rmtree(self.work, ignore_errors=True)


def open_writer(output: str) -> Writer:
    return Writer(output)


JsonlWriter = FolderWriter = Writer  # older names
