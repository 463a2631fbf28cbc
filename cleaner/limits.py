"""Per-document time limits that stop runaway work (slow pages, bad patterns)."""

from __future__ import annotations

import _signal
import signal
import threading
from types import TracebackType


class TimeLimitExceeded(BaseException):
    """Raised inside the guarded block when its time limit is reached.

    A BaseException, so that libraries which catch ``Exception`` around their
    own work (trafilatura does) cannot swallow it.
    """


_ITIMER = hasattr(_signal, "setitimer")


class time_limit:
    """Interrupt the block after ``seconds`` (main thread on POSIX; else unguarded).

    The message names ``what`` (e.g. "extract.timeout_seconds=10"). Entered
    once per document, so it calls the C functions of ``_signal`` directly
    (``signal.signal`` converts handlers to and from enums on every call).
    """

    __slots__ = ("seconds", "what", "previous", "remaining", "armed")

    def __init__(self, seconds: float | None, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self.armed = False

    def _raise(self, signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"time limit of {self.seconds:g}s exceeded ({self.what})")

    def __enter__(self) -> None:
        seconds = self.seconds
        if not (seconds and seconds > 0 and _ITIMER and threading.current_thread() is threading.main_thread()):
            return
        self.previous = _signal.signal(signal.SIGALRM, self._raise)
        self.remaining = _signal.setitimer(signal.ITIMER_REAL, seconds)[0]
        self.armed = True

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.armed:
            return
        self.armed = False
        _signal.setitimer(signal.ITIMER_REAL, 0)
        _signal.signal(signal.SIGALRM, self.previous)
        if self.remaining:  # an outer limit was running: give it back what is left
            _signal.setitimer(signal.ITIMER_REAL, self.remaining)
