"""The peak resident memory of a process and all its descendants, sampled.

``run_sampled(cmd)`` starts ``cmd`` and every 10 ms adds up the resident
memory (``/proc/PID/statm``) of the process and its children, grandchildren ...
(found through ``/proc/PID/task/*/children``); it returns the exit code, the
output and the largest such sum: memory shared between processes (a forked
worker's copy-on-write pages) is counted once per process, so the figure is an
upper bound of what the run held.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Sampled:
    rc: int
    stdout: str
    stderr: str
    peak: int  # bytes
    seconds: float


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                out += [int(x) for x in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def tree_rss(pid: int) -> int:
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
        todo += _children(p)
    return total


def run_sampled(cmd: list[str], timeout: float = 600, interval: float = 0.01, **kw: object) -> Sampled:
    """Run ``cmd`` to its end (killed after ``timeout`` s) with the tree's peak RSS."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]
    import threading

    out: dict[str, bytes] = {}

    def drain(name: str, stream: object) -> None:
        out[name] = stream.read()  # type: ignore[attr-defined]

    threads = [
        threading.Thread(target=drain, args=(n, s)) for n, s in (("o", proc.stdout), ("e", proc.stderr))
    ]
    for t in threads:
        t.start()
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        if time.monotonic() - t0 > timeout:
            proc.kill()
            break
        time.sleep(interval)
    proc.wait()
    for t in threads:
        t.join()
    return Sampled(
        proc.returncode,
        out.get("o", b"").decode("utf-8", "replace"),
        out.get("e", b"").decode("utf-8", "replace"),
        peak,
        time.monotonic() - t0,
    )
