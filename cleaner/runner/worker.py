"""What runs inside a worker process of a batch run (:mod:`cleaner.runner.pool` starts them).

A worker builds its pipeline once (or inherits the one its parent built, when
forked), then takes tasks (a task id and a chunk of input items) from its own
queue, cleans them one by one and sends the records back through its pipe,
pickled in one piece per task. Before each document and each stage it writes
into its :class:`Slot`, memory shared with the main process, what it is doing
and since when: the watchdog of the main process reads it to stop a worker
over a time limit and to tell which document a dead worker was cleaning.

With ``encode``, a worker sends each record as :class:`Encoded`, its JSONL line
and the facts the summary counts, so that the main process only writes bytes.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
from typing import Any, NamedTuple

from cleaner.document import Document
from cleaner.io.items import InputItem
from cleaner.io.writers import line_bytes
from cleaner.pipeline import Pipeline
from cleaner.report import Facts, record_facts

__all__ = ["Encoded", "Slot", "clean_item", "encode_record", "failed_record", "worker_main"]


class Encoded(NamedTuple):
    """A record encoded in a worker (see :func:`cleaner.runner.window.run`'s ``encode``)."""

    line: bytes  # its JSONL line, newline included
    facts: Facts  # what Summary counts of it


# ------------------------------------------------------------- one document
def clean_item(pipe: Pipeline, item: InputItem) -> dict[str, Any]:
    """The record of one input item: cleaned, or dropped / failed as the reader
    said; an exception of the pipeline becomes an ``error`` record."""
    if item.drop is not None and item.error is None:
        doc = Document(id=item.id, extra=dict(item.extra), metadata=dict(item.metadata))
        doc.drop(item.drop)
    elif item.error is not None or item.raw is None:
        doc = Document(id=item.id, extra=dict(item.extra))
        doc.fail(item.error or "no content")
    else:
        try:
            doc = pipe.clean(
                item.raw,
                format=item.format,
                id=item.id,
                source=item.source,
                metadata=item.metadata,
                extra=item.extra,
            )
        except Exception as exc:  # never let one document end the run
            doc = Document(id=item.id, extra=dict(item.extra))
            doc.fail(f"{type(exc).__name__}: {exc}")
    return doc.to_record()


def encode_record(record: dict[str, Any]) -> Encoded:
    """A record as its JSONL line and what the summary counts of it: with
    ``encode``, workers send these instead of the records, so that the main
    process (one, for all workers) only writes bytes and adds counts."""
    try:
        line = line_bytes(record)
    except Exception as exc:  # a value no encoder takes: the document fails, the run goes on
        doc = Document(id=str(record.get("id")))
        doc.fail(f"cannot encode the record: {type(exc).__name__}: {exc}")
        record = doc.to_record()
        line = line_bytes(record)
    return Encoded(line, record_facts(record))


def failed_record(item: InputItem, message: str) -> dict[str, Any]:
    """An ``error`` record for ``item`` that says ``message``."""
    doc = Document(id=item.id, extra=dict(item.extra))
    doc.fail(message)
    return doc.to_record()


# ------------------------------------------------------- the shared slot
class Slot:
    """What a worker is doing, in memory shared with the main process:
    ``[seq, task, index, stage, stage_start, doc_start]``. The worker makes
    ``seq`` odd while it writes and even when done, so that the watchdog never
    acts on half an update (a sequence lock)."""

    SEQ, TASK, INDEX, STAGE, STAGE_T, DOC_T = range(6)

    def __init__(self, ctx: Any) -> None:
        self.a = ctx.RawArray("d", 6)
        self.a[self.INDEX] = -1
        self.a[self.DOC_T] = time.monotonic()  # idle since

    # written by the worker
    def begin(self, task: int, index: int) -> None:
        a = self.a
        now = time.monotonic()
        a[0] += 1
        a[1], a[2], a[3], a[4], a[5] = task, index, -1, now, now
        a[0] += 1

    def stage(self, i: int) -> None:
        a = self.a
        a[0] += 1
        a[3], a[4] = i, time.monotonic()
        a[0] += 1

    def idle(self) -> None:
        a = self.a
        a[0] += 1
        a[2], a[5] = -1, time.monotonic()
        a[0] += 1

    # read by the main process
    def read(self) -> tuple[int, int, int, float, float] | None:
        """(task, index, stage, stage_start, doc_start), or None while idle."""
        state = self.read_all()
        return None if state is None or state[1] < 0 else state

    def read_all(self) -> tuple[int, int, int, float, float] | None:
        """As :meth:`read`, also while idle (index -1; the last time is when it
        became idle); None when no consistent copy could be read."""
        a = self.a
        for _ in range(100):
            seq = a[0]
            if int(seq) % 2 == 0:
                task, index, stage, st, dt = a[1], a[2], a[3], a[4], a[5]
                if a[0] == seq:
                    return int(task), int(index), int(stage), st, dt
            time.sleep(0)
        return None


# --------------------------------------------------------------- the workers
def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the main process dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def worker_main(
    wid: int,
    config: str | None,
    tasks: Any,
    conn: Any,
    parent: int,
    slot: Slot,
    inherited: Pipeline | None = None,
    encode: bool = False,
) -> None:
    """A worker process: clean the tasks of ``tasks`` until it hands out None,
    sending each task's records through ``conn`` (see the module doc)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    # once per worker: the parent's, when forked from a process that built it, else built here
    pipe = inherited if inherited is not None else Pipeline.from_yaml(config)
    # its models and kernels loaded (by the parent, or here on a first run) before
    # any document: outside the watchdog's document and stage time limits
    pipe.warm(html=False)
    pipe.monitor = slot.stage
    while True:
        task = tasks.get()
        if task is None:
            break
        tid, items = task
        records: list[Any] = []
        for k, it in enumerate(items):
            slot.begin(tid, k)
            rec = clean_item(pipe, it)
            records.append(encode_record(rec) if encode else rec)
        slot.idle()
        try:
            payload = pickle.dumps((tid, records), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a value from the input that cannot cross processes
            fails = []
            for it in items:
                rec = failed_record(
                    it, f"cannot send the record to the main process: {type(exc).__name__}: {exc}"
                )
                fails.append(encode_record(rec) if encode else rec)
            payload = pickle.dumps((tid, fails), pickle.HIGHEST_PROTOCOL)
        del records
        conn.send_bytes(payload)
    conn.close()
