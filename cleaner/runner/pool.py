"""The worker processes of a batch run, watched from the main process.

:class:`Pool` starts the workers (:func:`cleaner.runner.worker.worker_main`),
each with its own task queue, result pipe and :class:`~cleaner.runner.worker.Slot`.
Forked (on Linux) from a process that already built the pipeline, a worker
shares that one copy-on-write; otherwise it builds its own at start.

Every worker is watched. It writes into its slot which document it is
cleaning and which stage it is in, and since when; a watchdog thread of the
main process reads the slots and the workers' resident memory ten times a
second, and kills (SIGKILL: it works inside C code, and on a stopped process)
a worker that runs over a stage's time limit (plus a little grace: the stage's
own timer gets the first chance), over the document's time limit
(``limits.document_timeout_seconds``) or over its memory budget
(``limits.worker_memory_bytes``). A worker that dies that way or any other (a
crash in a C library, the OOM killer) is replaced at once, and
:meth:`Pool.wait` reports its :class:`Death`: what it held, and what it was
cleaning (:mod:`cleaner.runner.window` gives that out again).
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
from typing import Any, NamedTuple

from cleaner.io.items import InputItem
from cleaner.limits import scaled, time_scale
from cleaner.pipeline import Pipeline
from cleaner.runner.worker import Slot, worker_main

__all__ = ["Pool", "Death", "default_workers"]

WATCH_SECONDS = 0.1  # how often the watchdog looks at the workers


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Worker:
    def __init__(
        self, ctx: Any, wid: int, config: str | None, pipeline: Pipeline | None = None, encode: bool = False
    ) -> None:
        self.tasks = ctx.Queue()  # its own queue: a worker that dies takes no lock others need
        self.conn, send = ctx.Pipe(duplex=False)
        self.slot = Slot(ctx)
        self.proc = ctx.Process(
            target=worker_main,
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

    def __init__(self, pool: Pool, pipeline: Pipeline) -> None:
        super().__init__(name="cleaner-watchdog", daemon=True)
        self.pool = pool
        self.limits = pipeline.limits
        self.stage_seconds = list(pipeline.stage_seconds)
        self.stage_what = list(pipeline.stage_limit_text)
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


class Pool:
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

    def wait(self, timeout: float) -> tuple[list[tuple[int, list[Any]]], list[Death]]:
        """(results, deaths): results as (task id, records); a :class:`Death`
        for each worker that died (it is replaced at once)."""
        from multiprocessing.connection import wait

        ready = wait([w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers], timeout)
        results: list[tuple[int, list[Any]]] = []
        deaths: list[Death] = []
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
                deaths.append(Death(list(w.outstanding), w.proc.exitcode, w.slot.read(), w.killed))
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


class Death(NamedTuple):
    lost: list[int]  # task ids the worker held, the one it was running first
    exitcode: int | None
    state: tuple[int, int, int, float, float] | None  # its slot when it died: (task, index, ...)
    killed: tuple[int, int, str] | None  # (task, index, why) when the watchdog killed it
