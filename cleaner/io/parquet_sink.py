"""The Parquet output: a record as a row and back, and the sink that writes them.

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

import json
import math
import os
import re
import shutil
from pathlib import Path
from typing import Any

from cleaner.io.files import create_file, fsync_dir, open_existing
from cleaner.io.writers import finite

PARQUET_ROWS = 1000
PARQUET_BYTES = 32 << 20

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
