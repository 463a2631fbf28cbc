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

Parquet output (``OUTPUT`` ending in ``.parquet``): one row per record with
columns ``id``, ``text``, ``status``, ``reason``, ``error``, ``language``,
``language_score`` (scalars), ``removed`` (list of struct ``line``, ``text``,
``rule``), ``artifacts_score`` and ``artifacts_flagged`` (for filtering), and as
JSON strings the variable-shaped ``repairs``, ``artifacts`` (the full object),
``metadata`` and ``extra`` (the input fields carried through, which JSONL
output writes as top-level keys). :func:`iter_parquet_records` turns rows back
into records. Row groups of up to 1000 rows, zstd-compressed.
"""

from __future__ import annotations

import contextlib
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
from cleaner.io.streams import codec_of

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
MAX_NAME = 120
JSONL_OUT = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
PARQUET_ROWS = 1000
PARQUET_BYTES = 32 << 20
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


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what a file created by open() gets: outputs are renamed out of the run folder


def create_file(path: Path, mode: str = "wb") -> Any:
    """A new file of the run folder, opened for writing: fails if anything (a
    link too) is already there, so nothing outside is ever written through it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, FILE_MODE)
    return os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")


def replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a unique temporary file beside it and
    a rename: a link at ``target`` is replaced, never written through."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def open_existing(path: Path, mode: str = "r+b") -> Any:
    """An existing file of the run folder, opened without following a link."""
    flags = os.O_RDWR if "+" in mode or "w" in mode or "a" in mode else os.O_RDONLY
    fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC)
    return os.fdopen(fd, mode)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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


# ----------------------------------------------------------------- Parquet
_KNOWN = (
    "id",
    "text",
    "status",
    "reason",
    "error",
    "language",
    "language_score",
    "removed",
    "repairs",
    "artifacts",
    "metadata",
)


def parquet_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("status", pa.string()),
            ("reason", pa.string()),
            ("error", pa.string()),
            ("language", pa.string()),
            ("language_score", pa.float64()),
            (
                "removed",
                pa.list_(pa.struct([("line", pa.int64()), ("text", pa.string()), ("rule", pa.string())])),
            ),
            ("artifacts_score", pa.float64()),
            ("artifacts_flagged", pa.bool_()),
            ("repairs", pa.string()),
            ("artifacts", pa.string()),
            ("metadata", pa.string()),
            ("extra", pa.string()),
        ]
    )


def arrow_str(v: Any) -> str | None:
    """A string Arrow and Parquet can hold (lone surrogates replaced); None kept."""
    if v is None:
        return None
    s = v if isinstance(v, str) else str(v)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = s.encode("utf-8", "replace").decode("utf-8")
    return s


def _j(v: Any) -> str:
    return json.dumps(finite(v), ensure_ascii=True, default=str)


# the record's own field that a status adds; on a record of another status a
# field of that name is one carried from the input
_STATUS_FIELD = {"reason": "dropped", "error": "error"}


def flatten_record(rec: dict[str, Any]) -> dict[str, Any]:
    art = given if isinstance(given := rec.get("artifacts"), dict) else {}
    score = rec.get("language_score")
    status = rec.get("status")
    extra = {
        k: v for k, v in rec.items() if k not in _KNOWN or (k in _STATUS_FIELD and _STATUS_FIELD[k] != status)
    }
    try:
        value = float(art.get("score") or 0.0)
        ascore: float | None = value if math.isfinite(value) else None
    except (TypeError, ValueError, OverflowError):
        ascore = None
    return {
        "id": arrow_str(rec.get("id")),
        "text": arrow_str(rec.get("text") or ""),
        "status": arrow_str(rec.get("status")),
        "reason": arrow_str(rec.get("reason")) if status == "dropped" else None,
        "error": arrow_str(rec.get("error")) if status == "error" else None,
        "language": arrow_str(rec.get("language")),
        "language_score": float(score) if isinstance(score, (int, float)) and math.isfinite(score) else None,
        "removed": [
            {
                "line": r.get("line") if isinstance(r.get("line"), int) else None,
                "text": arrow_str(r.get("text")),
                "rule": arrow_str(r.get("rule")),
            }
            for r in rec.get("removed") or ()
            if isinstance(r, dict)
        ],
        "artifacts_score": ascore,
        "artifacts_flagged": bool(art.get("flagged")),
        "repairs": _j(rec.get("repairs") or []),
        "artifacts": _j(art),
        "metadata": _j(rec["metadata"]) if "metadata" in rec else None,
        "extra": _j(extra) if extra else None,
    }


def unflatten_row(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row back into the record JSONL output would hold."""
    rec: dict[str, Any] = json.loads(row["extra"]) if row.get("extra") else {}
    rec.update(
        {
            "id": row.get("id"),
            "text": row.get("text") or "",
            "status": row.get("status"),
            "language": row.get("language"),
            "language_score": row.get("language_score"),
            "removed": list(row.get("removed") or []),
            "repairs": json.loads(row["repairs"]) if row.get("repairs") else [],
            "artifacts": json.loads(row["artifacts"]) if row.get("artifacts") else {},
        }
    )
    if rec["status"] == "dropped":
        rec["reason"] = row.get("reason")
    if rec["status"] == "error":
        rec["error"] = row.get("error")
    if row.get("metadata") is not None:
        rec["metadata"] = json.loads(row["metadata"])
    return rec


def iter_parquet_records(path: Path) -> Any:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=512):
        for row in batch.to_pylist():
            yield unflatten_row(row)


class ParquetSink:
    """Records as Parquet rows: part files closed at each checkpoint, merged into
    one file (row groups of up to ``PARQUET_ROWS`` rows) when the run ends."""

    checkpoint_seconds = 30.0

    def __init__(self, output: str, work: Path, state: dict[str, Any] | None = None) -> None:
        import pyarrow  # noqa: F401 - fail early when missing

        self.target = Path(output)
        self.work = work
        self.parts = int((state or {}).get("parts", 0))
        self.count = int((state or {}).get("count", 0))
        for f in work.glob("part-*.parquet*"):  # parts written after the last checkpoint
            m = re.match(r"part-(\d+)\.parquet$", f.name)
            if not m or int(m.group(1)) >= self.parts:
                f.unlink()
        for k in range(self.parts):
            if not self._part(k).exists():
                raise FileNotFoundError(
                    f"{self._part(k)}: a part of the run is missing; remove {work} and start over"
                )
        self.schema = parquet_schema()
        self.rows: list[dict[str, Any]] = []
        self.row_bytes = 0
        self.writer: Any = None

    def _part(self, k: int) -> Path:
        return self.work / f"part-{k:06d}.parquet"

    def write(self, record: dict[str, Any]) -> None:
        row = flatten_record(record)
        self.rows.append(row)
        self.row_bytes += len(row["text"] or "") + 200
        self.count += 1
        if len(self.rows) >= PARQUET_ROWS or self.row_bytes >= PARQUET_BYTES:
            self._flush_rows()

    def _flush_rows(self) -> None:
        if not self.rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        if self.writer is None:
            self.part_file = create_file(Path(str(self._part(self.parts)) + ".tmp"))
            self.writer = pq.ParquetWriter(self.part_file, self.schema, compression="zstd")
        self.writer.write_table(table)
        self.rows, self.row_bytes = [], 0

    def checkpoint(self) -> dict[str, Any]:
        self._flush_rows()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            tmp = Path(str(self._part(self.parts)) + ".tmp")
            self.part_file.flush()
            os.fsync(self.part_file.fileno())
            self.part_file.close()
            os.replace(tmp, self._part(self.parts))
            fsync_dir(self.work)
            self.parts += 1
        return {"parts": self.parts, "count": self.count}

    def seal(self) -> Path:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.checkpoint()
        merged = self.work / "merged.parquet"
        tmp = self.work / "merged.parquet.tmp"
        tmp.unlink(missing_ok=True)
        if self.parts == 1:  # one part is the file: link it (the part stays until the run folder goes)
            try:
                os.link(self._part(0), tmp)
            except OSError:
                with open_existing(self._part(0), "rb") as src, create_file(tmp) as dst:
                    shutil.copyfileobj(src, dst)
        else:
            with create_file(tmp) as out, pq.ParquetWriter(out, self.schema, compression="zstd") as w:
                buf: list[Any] = []
                n = 0
                for k in range(self.parts):
                    for batch in pq.ParquetFile(self._part(k)).iter_batches(batch_size=PARQUET_ROWS):
                        buf.append(batch)
                        n += batch.num_rows
                        if n >= PARQUET_ROWS:
                            w.write_table(pa.Table.from_batches(buf, schema=self.schema))
                            buf, n = [], 0
                if buf or self.parts == 0:
                    w.write_table(pa.Table.from_batches(buf, schema=self.schema))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, merged)
        return merged

    def close(self) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
                self.part_file.close()
            except Exception:
                pass
            self.writer = None


@runtime_checkable
class Sink(Protocol):
    """What a run writes its records through (see the module doc): :class:`JsonlSink`,
    :class:`FolderSink` and :class:`ParquetSink`, made by :func:`open_sink`."""

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
