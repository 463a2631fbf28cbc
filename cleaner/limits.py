"""Limits that stop runaway work: the run's size, time and memory limits
(``limits:`` in the YAML config) and the per-stage time limit.

Two layers hold them. Inside a process, a stage's time limit is a timer
(``SIGALRM``) whose handler raises :class:`TimeLimitExceeded` at the next
Python step. That cannot interrupt a call into C (an lxml XPath over a million
siblings, a regex in a C library), so a batch run also watches each worker
process from the main one (:mod:`cleaner.runner.pool`): a worker over a stage's time
limit (with a little grace), over the document's time limit or over its memory
budget is killed and replaced, and its document becomes an ``error`` record
that names the limit.
"""

from __future__ import annotations

import _signal
import signal
import sys
import threading
import time
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The run's limits, from the ``limits:`` mapping of the config (0: none)."""

    #: a document larger than this (its file, JSONL line, WARC payload, Parquet
    #: cell or standard input) becomes an ``error`` record; it is never read whole
    max_document_bytes: int = 64_000_000
    #: the time limit of a stage that has no ``timeout_seconds`` setting of its own
    stage_timeout_seconds: float = 120.0
    #: all the stages of one document together (held by the watchdog of a batch run)
    document_timeout_seconds: float = 300.0
    #: a worker process whose resident memory grows past this is stopped and
    #: replaced; the document it was cleaning becomes an ``error`` record
    worker_memory_bytes: int = 4_000_000_000

    def describe(self, name: str) -> str:
        """``limits.NAME=VALUE``, as error messages name a limit."""
        value = getattr(self, name)
        return f"limits.{name}={value:g}" if isinstance(value, float) else f"limits.{name}={value}"


LIMIT_HELP = {
    "max_document_bytes": "a larger document becomes an error record without being read whole (0: no limit)",
    "stage_timeout_seconds": "time limit of each stage that has no timeout_seconds of its own (0: none)",
    "document_timeout_seconds": "time limit of all stages of one document together, in a batch run (0: none)",
    "worker_memory_bytes": "a worker process over this resident memory is stopped and replaced; its document "
    "becomes an error record (0: no limit)",
}


def limit_settings() -> dict[str, Any]:
    """The schema of ``limits:`` as :class:`cleaner.stages.base.Setting` objects."""
    from cleaner.stages.base import Setting

    out = {}
    for f in fields(Limits):
        types: tuple[type, ...] = (int,) if f.type in ("int", int) else (int, float)
        out[f.name] = Setting(types, f.default, LIMIT_HELP[f.name])
    return out


class TimeLimitExceeded(BaseException):
    """Raised inside the guarded block when its time limit is reached.

    A BaseException, so that libraries which catch ``Exception`` around their
    own work (trafilatura does) cannot swallow it.
    """


_ITIMER = hasattr(_signal, "setitimer")


def _restore(previous: Any, remaining: float, since: float) -> None:
    """Give an outer timer back what is left of it (at once when it ran out)."""
    _signal.signal(signal.SIGALRM, previous)
    if remaining:
        _signal.setitimer(signal.ITIMER_REAL, max(remaining - (time.monotonic() - since), 1e-6))


#: A run whose kernels run in Python (a small input: :mod:`cleaner.kernels`)
#: gives every time limit this many times its seconds: the kernels run some
#: hundred times slower so on long texts, and a document must meet its limits
#: (and get the same record) whichever way they run.
PYTHON_KERNELS_TIME_SCALE = 20.0


def time_scale() -> float:
    """The factor on every time limit in this process (see :data:`PYTHON_KERNELS_TIME_SCALE`)."""
    kernels = sys.modules.get("cleaner.kernels")
    return PYTHON_KERNELS_TIME_SCALE if kernels is not None and kernels.mode() == "python" else 1.0


def scaled(what: str) -> str:
    """``what`` a limit is, with the factor when there is one."""
    scale = time_scale()
    return what if scale == 1.0 else f"{what}, x{scale:g} with the kernels in Python"


class time_limit:
    """Interrupt the block after ``seconds`` (main thread on POSIX; else unguarded).

    The message names ``what`` (e.g. "extract.timeout_seconds=10"). Entered
    once per document, so it calls the C functions of ``_signal`` directly
    (``signal.signal`` converts handlers to and from enums on every call).
    """

    __slots__ = ("seconds", "what", "previous", "remaining", "armed", "since")

    def __init__(self, seconds: float | None, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self.armed = False

    def _raise(self, signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"time limit of {self.seconds:g}s exceeded ({scaled(self.what)})")

    def __enter__(self) -> None:
        seconds = self.seconds
        if not (
            seconds and seconds > 0 and _ITIMER and threading.current_thread() is threading.main_thread()
        ):
            return
        seconds *= time_scale()
        self.previous = _signal.signal(signal.SIGALRM, self._raise)
        self.since = time.monotonic()
        self.remaining = _signal.setitimer(signal.ITIMER_REAL, seconds)[0]
        self.armed = True

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.armed:
            return
        self.armed = False
        _signal.setitimer(signal.ITIMER_REAL, 0)
        _restore(self.previous, self.remaining, self.since)


class StageClock:
    """The time limits of one document's stages, for a few system calls a
    document instead of four a stage: one handler for the document, and one
    timer, set when the first stage with a limit starts. A stage only notes
    when it started (:meth:`stage`); when the timer goes off, the handler
    raises if the stage running then is over its limit, and otherwise sets the
    timer again for what that stage has left. A stage's own, inner
    :class:`time_limit` nests inside it."""

    __slots__ = ("seconds", "what", "start", "previous", "remaining", "since", "armed", "ticking")

    def __init__(self) -> None:
        self.armed = False
        self.ticking = False  # the timer is set
        self.seconds, self.what, self.start = 0.0, "", 0.0

    def _tick(self, signum: int, frame: object) -> None:
        seconds = self.seconds
        if seconds > 0:
            left = seconds - (time.monotonic() - self.start)
            if left <= 0:
                self.ticking = False
                raise TimeLimitExceeded(
                    f"time limit of {seconds / time_scale():g}s exceeded ({scaled(self.what)})"
                )
            _signal.setitimer(signal.ITIMER_REAL, left)
        else:
            self.ticking = False  # the next stage with a limit sets it again

    def __enter__(self) -> StageClock:
        if _ITIMER and threading.current_thread() is threading.main_thread():
            self.previous = _signal.signal(signal.SIGALRM, self._tick)
            self.since = time.monotonic()
            self.remaining = _signal.setitimer(signal.ITIMER_REAL, 0)[0]
            self.armed, self.ticking = True, False
        return self

    def stage(self, seconds: float, what: str) -> None:
        """The next stage starts, with its limit (0: none)."""
        self.start = time.monotonic()
        self.seconds, self.what = seconds * time_scale(), what
        if seconds > 0 and self.armed and not self.ticking:
            self.ticking = True
            _signal.setitimer(signal.ITIMER_REAL, seconds)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.armed:
            return
        self.armed = self.ticking = False
        _signal.setitimer(signal.ITIMER_REAL, 0)
        _restore(self.previous, self.remaining, self.since)
