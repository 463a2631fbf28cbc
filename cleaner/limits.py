"""Per-document time limits that stop runaway work (slow pages, bad patterns)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TimeLimitExceeded(BaseException):
    """Raised inside the guarded block when its time limit is reached.

    A BaseException, so that libraries which catch ``Exception`` around their
    own work (trafilatura does) cannot swallow it.
    """


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread on POSIX; else unguarded).

    The message names ``what`` (e.g. "extract.timeout_seconds=10").
    """
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"time limit of {seconds:g}s exceeded ({what})")

    previous = signal.signal(signal.SIGALRM, _raise)
    remaining, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:  # an outer limit was running: give it back what is left
            signal.setitimer(signal.ITIMER_REAL, remaining)
