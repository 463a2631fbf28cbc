"""Writers: JSONL(.gz) records, or a folder of ``<id>.txt`` plus ``records.jsonl``.

Output is written atomically: into a temporary file beside the target, renamed
into place when complete, so an interrupted run never leaves a truncated file
under the final name. Document ids never choose a path outside the output
folder, and ids that map to the same file name are made unique.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Any

from cleaner.document import STATUS_OK

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
MAX_NAME = 120


def is_jsonl_target(output: str) -> bool:
    return output.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson"))


def safe_name(doc_id: str) -> str:
    """A file name (without extension) for an id: no separators, no leading dots,
    no control characters, bounded length."""
    name = unicodedata.normalize("NFC", str(doc_id)).replace("\x00", "")
    name = _UNSAFE.sub("_", name).strip("._-")
    if not name:
        name = "doc"
    if len(name.encode("utf-8")) > MAX_NAME:
        digest = hashlib.sha1(str(doc_id).encode("utf-8", "surrogatepass")).hexdigest()[:10]
        cut = name.encode("utf-8")[: MAX_NAME - 11].decode("utf-8", "ignore")
        name = f"{cut}-{digest}"
    return name


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)


class AtomicFile:
    """A file written under a temporary name and renamed into place on commit."""

    def __init__(self, target: Path, binary: bool = False, gz: bool = False) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        self.tmp = Path(tmp)
        raw = os.fdopen(fd, "wb")
        self._raw = raw
        if gz:
            self.fh: IO[Any] = gzip.open(raw, "wt", encoding="utf-8", newline="\n")  # type: ignore[assignment]
        else:
            self.fh = raw if binary else open(fd, "w", encoding="utf-8", newline="\n", closefd=False)

    def write(self, data: str) -> None:
        self.fh.write(data)

    def commit(self) -> None:
        self.fh.flush()
        if self.fh is not self._raw:
            self.fh.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        try:
            if self.fh is not self._raw:
                self.fh.close()
            self._raw.close()
        finally:
            self.tmp.unlink(missing_ok=True)


class JsonlWriter:
    """All records into one JSONL (or JSONL.gz) file."""

    def __init__(self, output: str) -> None:
        self.path = Path(output)
        self.out = AtomicFile(self.path, gz=output.lower().endswith(".gz"))
        self.count = 0
        self.bytes_out = 0

    def write(self, record: dict[str, Any]) -> None:
        line = dumps(record) + "\n"
        self.out.write(line)
        self.count += 1
        self.bytes_out += len(record.get("text") or "")

    def close(self) -> None:
        self.out.commit()

    def abort(self) -> None:
        self.out.abort()


class FolderWriter:
    """One ``<id>.txt`` per kept document plus ``records.jsonl`` for all."""

    def __init__(self, output: str) -> None:
        self.root = Path(output)
        self.root.mkdir(parents=True, exist_ok=True)
        self.records = AtomicFile(self.root / "records.jsonl")
        self.used: set[str] = {"records"}
        self.count = 0
        self.bytes_out = 0

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
            target = self.root / f"{name}.txt"
            # never outside the folder, whatever the id held
            if target.resolve().parent != self.root.resolve():
                raise ValueError(f"refusing to write outside {self.root}: {target}")
            f = AtomicFile(target)
            try:
                f.write(record["text"] + "\n" if record["text"] else "")
                f.commit()
            except BaseException:
                f.abort()
                raise
            record = {**record, "file": f"{name}.txt"}
            self.bytes_out += len(record.get("text") or "")
        self.records.write(dumps(record) + "\n")
        self.count += 1

    def close(self) -> None:
        self.records.commit()

    def abort(self) -> None:
        self.records.abort()


def open_writer(output: str) -> JsonlWriter | FolderWriter:
    return JsonlWriter(output) if is_jsonl_target(output) else FolderWriter(output)
