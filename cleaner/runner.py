"""Batch runs: a pool of workers, ordered output, progress and a summary."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from cleaner.document import Document
from cleaner.io.readers import InputItem
from cleaner.pipeline import Pipeline

_WORKER: Pipeline | None = None


def _init_worker(config: str | None) -> None:
    global _WORKER
    _WORKER = Pipeline.from_yaml(config)


def _clean_item(pipe: Pipeline, item: InputItem) -> dict[str, Any]:
    if item.error is not None or item.raw is None:
        doc = Document(id=item.id, extra=dict(item.extra))
        doc.fail(item.error or "no content")
    else:
        try:
            doc = pipe.clean(
                item.raw, format=item.format, id=item.id, source=item.source,
                metadata=item.metadata, extra=item.extra,
            )
        except Exception as exc:  # never let one document end the run
            doc = Document(id=item.id, extra=dict(item.extra))
            doc.fail(f"{type(exc).__name__}: {exc}")
    return doc.to_record()


def _work(item: InputItem) -> dict[str, Any]:
    assert _WORKER is not None
    return _clean_item(_WORKER, item)


@dataclass
class Summary:
    documents: int = 0
    status: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    flagged: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    seconds: float = 0.0

    def add(self, record: dict[str, Any], size: int) -> None:
        self.documents += 1
        self.bytes_in += size
        self.status[record["status"]] += 1
        if record["status"] == "dropped":
            self.dropped[record.get("reason") or "?"] += 1
        for r in record.get("removed", ()):
            self.removed_by_rule[r["rule"]] += 1
        self.languages[record.get("language") or "unknown"] += 1
        if record.get("artifacts", {}).get("flagged"):
            self.flagged += 1
        if record["status"] == "ok":
            self.bytes_out += len((record.get("text") or "").encode("utf-8"))

    def as_dict(self) -> dict[str, Any]:
        secs = max(self.seconds, 1e-9)
        return {
            "documents": self.documents,
            "kept": self.status.get("ok", 0),
            "dropped": self.status.get("dropped", 0),
            "errors": self.status.get("error", 0),
            "dropped_by_reason": dict(self.dropped.most_common()),
            "lines_removed_by_rule": dict(self.removed_by_rule.most_common()),
            "languages": dict(self.languages.most_common()),
            "artifacts_flagged": self.flagged,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.documents / secs, 1),
            "mb_per_second": round(self.bytes_in / 1e6 / secs, 3),
        }

    def render(self) -> str:
        d = self.as_dict()
        lines = [
            f"{d['documents']} documents: {d['kept']} kept, {d['dropped']} dropped, {d['errors']} errors "
            f"in {d['seconds']:.1f}s ({d['docs_per_second']} docs/s, {d['mb_per_second']} MB/s)",
        ]
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} {v}" for k, v in self.dropped.most_common()))
        if self.removed_by_rule:
            top = self.removed_by_rule.most_common(8)
            lines.append("lines removed: " + ", ".join(f"{k} {v}" for k, v in top)
                         + (" ..." if len(self.removed_by_rule) > 8 else ""))
        if self.languages:
            lines.append("languages: " + ", ".join(f"{k} {v}" for k, v in self.languages.most_common(8)))
        if self.flagged:
            lines.append(f"flagged as machine-translated: {self.flagged}")
        return "\n".join(lines)


class Progress:
    """A one-line progress display on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO, enabled: bool, total_bytes: int | None = None) -> None:
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self.total_bytes = total_bytes
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, docs: int, nbytes: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        el = max(now - self.start, 1e-6)
        msg = f"\r{docs:,} docs  {nbytes / 1e6:,.1f} MB  {docs / el:,.1f} docs/s"
        if self.total_bytes:
            rate = nbytes / el
            left = (self.total_bytes - nbytes) / rate if rate > 0 else 0
            msg += f"  {100 * nbytes / self.total_bytes:5.1f}%  ETA {int(left // 60)}:{int(left % 60):02d}"
        self.stream.write(msg + "   ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def run(
    items: Iterable[InputItem],
    config: str | None,
    workers: int = 1,
    progress: Progress | None = None,
    chunk: int = 8,
) -> Iterator[tuple[InputItem, dict[str, Any]]]:
    """Clean items, yielding (item, record) in input order.

    With several workers, at most ``workers * chunk * 4`` items are in flight,
    so memory stays flat however long the input is.
    """
    if workers <= 1:
        pipe = Pipeline.from_yaml(config)
        for item in items:
            yield item, _clean_item(pipe, item)
        return
    ctx = mp.get_context("fork") if sys.platform != "win32" else mp.get_context()
    window = max(workers * chunk * 4, 16)
    it = iter(items)
    with ctx.Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
        while True:
            batch = list(itertools.islice(it, window))
            if not batch:
                break
            for item, rec in zip(batch, pool.imap(_work, batch, chunksize=chunk)):
                yield item, rec
