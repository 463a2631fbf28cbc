"""Worker processes for batch runs, watched from the main process.

:func:`run` cleans a stream of input items and yields ``(item, record)`` in
input order. In a batch run (``isolate``, or more than one worker) it feeds a
pool of worker processes through a sliding window; otherwise it cleans in this
process. Each worker has its pipeline built once: forked (on Linux) from a
process that already built it, it shares that one copy-on-write; otherwise it
builds its own at start. Chunks of items are queued while earlier ones are
cleaned, and at most ``workers * window_chunks`` chunks are in flight, so
memory stays flat however long the input is.

Every worker is watched. It writes into a small shared array which document
it is cleaning and which stage it is in, and since when; a watchdog thread of
the main process reads that array and the worker's resident memory ten times
a second, and kills (SIGKILL: it works inside C code, and on a stopped
process) a worker that runs over a stage's time limit (plus a little grace:
the stage's own timer gets the first chance), over the document's time limit
(``limits.document_timeout_seconds``) or over its memory budget
(``limits.worker_memory_bytes``). A worker that dies that way or any other (a
crash in a C library, the OOM killer) is replaced; the document it was
cleaning becomes an ``error`` record that says why, the documents of its chunk
done before that one and those queued behind it are cleaned again, and the
ordered window moves on.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from typing import Any, NamedTuple

from cleaner.document import Document
from cleaner.errors import CleanerError
from cleaner.io.readers import InputItem
from cleaner.io.writers import line_bytes
from cleaner.limits import scaled, time_scale
from cleaner.pipeline import Pipeline
from cleaner.report import Facts, record_facts

__all__ = ["run", "Encoded", "default_workers"]

WATCH_SECONDS = 0.1  # how often the watchdog looks at the workers
WINDOW_BYTES = 128 << 20  # input held in the window (see _run_pool)
MAX_BLIND_DEATHS = 8  # workers in a row that die outside any document: the run stops


class Encoded(NamedTuple):
    """A record encoded in a worker (see :func:`run`'s ``encode``)."""

    line: bytes  # its JSONL line, newline included
    facts: Facts  # what Summary counts of it


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------- one document
def _clean_item(pipe: Pipeline, item: InputItem) -> dict[str, Any]:
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


def _encode(record: dict[str, Any]) -> Encoded:
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


def _failed_record(item: InputItem, message: str) -> dict[str, Any]:
    doc = Document(id=item.id, extra=dict(item.extra))
    doc.fail(message)
    return doc.to_record()


def _death_message(exitcode: int | None) -> str:
    how = (
        f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    )
    return f"worker process died while cleaning this document ({how})"


# ------------------------------------------------------- the shared slot
class _Slot:
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


def _worker_main(
    wid: int,
    config: str | None,
    tasks: Any,
    conn: Any,
    parent: int,
    slot: _Slot,
    inherited: Pipeline | None = None,
    encode: bool = False,
) -> None:
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
            rec = _clean_item(pipe, it)
            records.append(_encode(rec) if encode else rec)
        slot.idle()
        try:
            payload = pickle.dumps((tid, records), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a value from the input that cannot cross processes
            fails = []
            for it in items:
                rec = _failed_record(
                    it, f"cannot send the record to the main process: {type(exc).__name__}: {exc}"
                )
                fails.append(_encode(rec) if encode else rec)
            payload = pickle.dumps((tid, fails), pickle.HIGHEST_PROTOCOL)
        del records
        conn.send_bytes(payload)
    conn.close()


class _Worker:
    def __init__(
        self, ctx: Any, wid: int, config: str | None, pipeline: Pipeline | None = None, encode: bool = False
    ) -> None:
        self.tasks = ctx.Queue()  # its own queue: a worker that dies takes no lock others need
        self.conn, send = ctx.Pipe(duplex=False)
        self.slot = _Slot(ctx)
        self.proc = ctx.Process(
            target=_worker_main,
            name=f"cleaner-worker-{wid}",
            args=(wid, config, self.tasks, send, os.getpid(), self.slot, pipeline, encode),
            daemon=True,
        )
        self.proc.start()
        send.close()
        self.outstanding: deque[int] = deque()  # task ids sent, in order (the first is running)
        # set by the watchdog when it kills this worker: (task, index, why)
        self.killed: tuple[int, int, str] | None = None

    def stop(self, graceful: bool) -> None:
        if graceful and self.proc.is_alive():
            self.tasks.put(None)

    def close(self) -> None:
        self.tasks.cancel_join_thread()
        self.tasks.close()
        self.conn.close()


def _rss(pid: int) -> int:
    """Resident memory of a process in bytes (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
    _PAGE = 4096


class _Watchdog(threading.Thread):
    """Kills a worker over a time or memory limit (see the module doc)."""

    def __init__(self, pool: _Pool, pipeline: Pipeline) -> None:
        super().__init__(name="cleaner-watchdog", daemon=True)
        self.pool = pool
        self.limits = pipeline.limits
        self.stage_seconds = list(pipeline.stage_seconds)
        self.stage_what = list(pipeline._stage_what)
        self.stage_names = [st.name for st in pipeline.stages]
        self.halt = threading.Event()
        self.memory = _rss(os.getpid()) > 0  # /proc is there
        # a worker idle this long while tasks wait for it is stuck (or stopped):
        # as long as a document may take; a worker that builds its own pipeline
        # (not forked) may take a minute more to start
        lim = self.limits
        self.stall_seconds = float(lim.document_timeout_seconds or lim.stage_timeout_seconds or 300)
        if pool.pipeline is None:
            self.stall_seconds += 60

    def run(self) -> None:
        while not self.halt.wait(WATCH_SECONDS):
            for w in list(self.pool.workers):
                if w.killed is None and w.proc.is_alive():
                    why = self.check(w)
                    if why is not None:
                        w.killed = why
                        with contextlib.suppress(OSError):
                            os.kill(w.proc.pid, signal.SIGKILL)

    def check(self, w: _Worker) -> tuple[int, int, str] | None:
        state = w.slot.read_all()
        if state is not None and state[1] < 0:  # idle
            idle = time.monotonic() - state[4]
            if (
                w.outstanding and idle > self.stall_seconds * time_scale()
            ):  # work waits for it: stopped, or stuck
                return -1, -1, f"worker process took no work for {idle:.0f}s"
            state = None
        lim = self.limits
        if lim.worker_memory_bytes and self.memory:
            rss = _rss(w.proc.pid)
            if rss > lim.worker_memory_bytes:
                task, index = (state[0], state[1]) if state else (-1, -1)
                return (
                    task,
                    index,
                    (
                        f"the worker cleaning this document grew to {rss / 1e6:,.0f} MB of memory, over "
                        f"{lim.describe('worker_memory_bytes')}; it was stopped and replaced"
                    ),
                )
        if state is None:
            return None
        task, index, stage, stage_t, doc_t = state
        now = time.monotonic()
        scale = time_scale()  # (the workers run their kernels as this process does)
        if 0 <= stage < len(self.stage_seconds):
            limit = self.stage_seconds[stage]
            # the stage's own timer gets the first chance: it leaves the worker running
            if limit > 0 and now - stage_t > limit * scale * 1.1 + 1.0:
                return (
                    task,
                    index,
                    (
                        f"{self.stage_names[stage]}: time limit of {limit:g}s exceeded "
                        f"({scaled(self.stage_what[stage])}); "
                        f"the worker was stuck for {now - stage_t:.1f}s, and was stopped and replaced"
                    ),
                )
        if lim.document_timeout_seconds and now - doc_t > lim.document_timeout_seconds * scale:
            return (
                task,
                index,
                (
                    f"time limit of {lim.document_timeout_seconds:g}s for the document exceeded "
                    f"({scaled(lim.describe('document_timeout_seconds'))}); the worker was stopped and replaced"
                ),
            )
        return None


class _Pool:
    """Worker processes, each with its own task queue, result pipe and slot."""

    def __init__(self, n: int, config: str | None, pipeline: Pipeline, encode: bool = False) -> None:
        # fork on Linux: workers start at once, with the modules (and the pipeline,
        # when the caller built one) already in memory, shared copy-on-write
        fork = sys.platform.startswith("linux")
        self.ctx = mp.get_context("fork") if fork else mp.get_context()
        self.config = config
        self.encode = encode
        self.pipeline = pipeline if fork else None
        if fork:
            # what exists now (modules, the pipeline's tables) is never collected:
            # the collector then leaves those pages alone, and they stay shared
            # with the workers instead of being copied into each one (until close())
            gc.collect()
            gc.freeze()
        self.frozen = fork
        self.workers = [_Worker(self.ctx, w, config, self.pipeline, encode) for w in range(n)]
        self.watchdog = _Watchdog(self, pipeline)
        self.watchdog.start()

    def submit(self, tid: int, items: list[InputItem]) -> None:
        w = min(self.workers, key=lambda w: len(w.outstanding))
        w.tasks.put((tid, items))
        w.outstanding.append(tid)

    def wait(self, timeout: float) -> tuple[list[tuple[int, list[Any]]], list[_Death]]:
        """(results, deaths): results as (task id, records); a :class:`_Death`
        for each worker that died (it is replaced at once)."""
        from multiprocessing.connection import wait

        ready = wait([w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers], timeout)
        results: list[tuple[int, list[Any]]] = []
        deaths: list[_Death] = []
        if not ready:
            return results, deaths
        for k, w in enumerate(self.workers):
            dead = False
            try:
                while w.conn.poll():
                    tid, recs = pickle.loads(w.conn.recv_bytes())
                    with contextlib.suppress(ValueError):
                        w.outstanding.remove(tid)
                    results.append((tid, recs))
            except (EOFError, OSError):
                dead = True
            if dead or w.proc.sentinel in ready or not w.proc.is_alive():
                w.proc.join(1)
                if w.proc.is_alive():
                    if not dead:
                        continue
                    w.proc.kill()
                    w.proc.join(1)
                deaths.append(_Death(list(w.outstanding), w.proc.exitcode, w.slot.read(), w.killed))
                w.close()
                self.workers[k] = _Worker(self.ctx, k, self.config, self.pipeline, self.encode)
        return results, deaths

    def close(self, graceful: bool) -> None:
        self.watchdog.halt.set()
        for w in self.workers:
            w.stop(graceful)
        if graceful:
            deadline = time.monotonic() + 5
            for w in self.workers:
                w.proc.join(max(0.0, deadline - time.monotonic()))
        for w in self.workers:
            if w.proc.is_alive():
                w.proc.kill()
            w.proc.join(1)
            w.close()
        if self.frozen:
            gc.unfreeze()
            self.frozen = False


class _Death(NamedTuple):
    lost: list[int]  # task ids the worker held, the one it was running first
    exitcode: int | None
    state: tuple[int, int, int, float, float] | None  # its slot when it died: (task, index, ...)
    killed: tuple[int, int, str] | None  # (task, index, why) when the watchdog killed it


def run(
    items: Iterable[InputItem],
    config: str | None,
    workers: int = 1,
    progress: Any = None,
    chunk: int = 16,
    chunk_bytes: int = 1 << 19,
    window_chunks: int = 4,
    pipeline: Pipeline | None = None,
    encode: bool = False,
    isolate: bool = False,
) -> Generator[tuple[InputItem, Any], None, None]:
    """Clean items, yielding (item, record) in input order; with ``encode``,
    (item, :class:`Encoded`): the record as its JSONL line and its summary facts.

    With several workers, or with ``isolate`` (one worker process, watched, as
    ``cleaner clean`` runs), at most ``workers * window_chunks`` chunks of up to
    ``chunk`` items (or ``chunk_bytes`` of input) are in flight. Otherwise the
    items are cleaned in this process, under the stages' own time limits only
    (a call into C that never returns is not stopped).
    """
    pipe = pipeline if pipeline is not None else Pipeline.from_yaml(config)
    if workers <= 1 and not isolate:
        for item in items:
            rec = _clean_item(pipe, item)
            yield item, (_encode(rec) if encode else rec)
        return
    # the kernels compiled (a first run) or loaded here, before the workers fork:
    # they inherit them, and no worker compiles under the watchdog's time limits
    pipe.warm(html=False)
    yield from _run_pool(
        iter(items), config, max(1, workers), chunk, chunk_bytes, window_chunks, pipe, encode
    )


def _run_pool(
    it: Iterator[InputItem],
    config: str | None,
    workers: int,
    chunk: int,
    chunk_bytes: int,
    window_chunks: int,
    pipeline: Pipeline,
    encode: bool = False,
) -> Iterator[tuple[InputItem, Any]]:
    pool = _Pool(workers, config, pipeline, encode)
    max_items = max(workers * window_chunks * chunk, 2 * chunk)
    max_tasks = workers * window_chunks
    # input held for the window (large documents, up to the size limit each): at
    # most this much beyond the documents being cleaned
    max_bytes = max(WINDOW_BYTES, workers * chunk_bytes * window_chunks)
    held = 0
    pending: dict[int, InputItem] = {}  # index -> item, from head to next_index
    done: dict[int, Any] = {}  # index -> record (or Encoded), waiting for the head
    tasks: dict[int, list[int]] = {}  # task id -> indices
    retried: set[int] = set()
    blind = 0  # deaths in a row outside any document
    head = next_index = next_tid = 0
    exhausted = False
    graceful = False

    def submit(indices: list[int]) -> None:
        nonlocal next_tid
        tasks[next_tid] = indices
        pool.submit(next_tid, [pending[i] for i in indices])
        next_tid += 1

    def fail(i: int, message: str) -> None:
        rec = _failed_record(pending[i], message)
        done[i] = _encode(rec) if encode else rec

    try:
        while True:
            # keep the window full
            while (
                not exhausted
                and len(tasks) < max_tasks
                and next_index - head < max_items
                and (held < max_bytes or not tasks)
            ):
                batch: list[int] = []
                nbytes = 0
                while len(batch) < chunk and nbytes < chunk_bytes:
                    try:
                        item = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                    pending[next_index] = item
                    batch.append(next_index)
                    nbytes += item.size
                    held += item.size
                    next_index += 1
                if batch:
                    submit(batch)
            # hand out what is ready, in order
            while head in done:
                item = pending.pop(head)
                held -= item.size
                yield item, done.pop(head)
                head += 1
            if exhausted and head == next_index:
                graceful = True
                return
            if (
                not exhausted
                and len(tasks) < max_tasks
                and next_index - head < max_items
                and (held < max_bytes or not tasks)
            ):
                continue
            results, deaths = pool.wait(1.0)
            for tid, recs in results:
                indices = tasks.pop(tid, None)
                if indices is None:  # a task already given up on
                    continue
                for i, rec in zip(indices, recs, strict=True):
                    done.setdefault(i, rec)
            for death in deaths:
                blind = _after_death(death, tasks, submit, fail, retried, blind)
    finally:
        pool.close(graceful)


def _after_death(
    death: _Death, tasks: dict[int, list[int]], submit: Any, fail: Any, retried: set[int], blind: int
) -> int:
    """Give the documents of a dead worker out again; the one it died on
    becomes an error record. Returns the count of deaths in a row that no
    document could be blamed for."""
    culprit: tuple[int, int, str] | None = None
    if death.state is not None:
        task, index = death.state[0], death.state[1]
        if death.killed is not None and death.killed[:2] == (task, index):
            culprit = death.killed
        elif death.killed is None or death.killed[1] < 0:  # a crash, or stopped for memory while idle
            why = death.killed[2] if death.killed is not None else _death_message(death.exitcode)
            culprit = (task, index, why)
        # else: killed for a document it had just finished; the next one is not to blame
    blamed = False
    for tid in death.lost:
        indices = tasks.pop(tid, None)
        if not indices:
            continue
        if culprit is not None and tid == culprit[0] and 0 <= culprit[1] < len(indices):
            bad = indices[culprit[1]]
            fail(bad, culprit[2])
            blamed = True
            rest = [i for i in indices if i != bad]
            if rest:
                submit(rest)
        elif tid != death.lost[0] or culprit is not None:  # queued behind, or not running: not a suspect
            submit(indices)
        elif len(indices) == 1 and indices[0] in retried:
            fail(indices[0], _death_message(death.exitcode))
            blamed = True
        else:  # died outside a document (or before telling which): one document per task
            for i in indices:
                retried.add(i)
                submit([i])
    if blamed:
        return 0
    blind += 1
    if blind >= MAX_BLIND_DEATHS:
        raise CleanerError(
            f"{blind} worker processes in a row died outside any document (last: {_death_message(death.exitcode)}"
            f"); is the machine out of memory or processes?"
        )
    return blind
