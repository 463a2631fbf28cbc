"""Compiled kernels: where numba keeps them, and compiling them once, by group, with a notice.

Cache folder
    ``$NUMBA_CACHE_DIR`` when set, else ``cleaner/numba`` in the user's cache
    folder (``$XDG_CACHE_HOME``, else ``~/.cache``), else a temporary folder
    when that cannot be written (:func:`cache_folder`). It is chosen when a
    kernel first compiles or loads (:func:`cleaner.kernels.njit`), not when a
    module is imported: importing cleaner changes no environment variable,
    numba setting or folder, and a program's own numba functions keep numba's
    own cache folder.

Kernel groups
    A module that holds compiled kernels names a :class:`Group` for each set of
    kernels that are used together: a function that compiles them (or loads
    them from the cache folder) by running them on a small input. A stage lists
    the groups it uses (:meth:`cleaner.stages.base.Stage.kernel_groups`) and a
    pipeline warms the groups of its own stages only, once, before its first
    document and before workers fork (:meth:`cleaner.Pipeline.warm`): a run
    compiles what it needs, and never inside a document's time limit.

First run
    Compiling every group takes tens of seconds of CPU, once. As soon as one
    group turns out to compile (the cache is cold), the groups still to come
    are handed to helper processes (:func:`_helper`, as many as this
    process has CPUs, less one, up to :data:`MAX_JOBS` processes in all;
    ``$CLEANER_COMPILE_JOBS`` sets the number of processes, 1 for none) while this process compiles its own; it then loads
    from the cache what the helpers compiled. A lock file per group in the cache
    folder makes a process that needs a group another process is compiling
    wait for it and load it, so that workers starting together (Ray, Spark)
    compile each group once. While anything compiles, a one-line notice with
    progress goes to standard error when :func:`show_notices` turned it on (the
    CLI does, unless ``--quiet``); a library user gets it as a log record of the
    ``cleaner`` logger.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "Group",
    "cache_folder",
    "warm",
    "show_notices",
    "compile_seconds",
    "choose",
    "ready",
    "PYTHON_BELOW_COLD",
    "PYTHON_BELOW_WARM",
]

log = logging.getLogger("cleaner")

JOBS_ENV = "CLEANER_COMPILE_JOBS"
MAX_JOBS = 6  # processes compiling at once, at most (each takes some 300 MB while it compiles)
_HELPER_START = 1.0  # seconds a helper takes to start (interpreter, imports, numba): counted in its share
# a compile helper that reports nothing for this long while this process waits for
# one of its groups (stopped, or stuck) is killed, and its groups compile here
HELPER_STALL_SECONDS = 180.0


# ------------------------------------------------------------- cache folder
def cache_folder() -> Path:
    """The folder that keeps the compiled kernels (and :mod:`cleaner.datacache`'s
    tables), created if need be: read from the environment each time, and set
    nowhere (a worker or a compile helper finds the same folder the same way).

    Not numba's default (``__pycache__`` next to each module): files there are
    not the package's, so uninstalling would leave the folder behind, and a
    leftover ``cleaner`` folder in site-packages shadows a later editable install
    as an empty namespace package."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cleaner" / "numba"
        base.mkdir(parents=True, exist_ok=True)
        usable = os.access(base, os.W_OK)
    except (OSError, RuntimeError, KeyError):
        usable = False
    if not usable:
        uid = os.getuid() if hasattr(os, "getuid") else 0
        base = Path(tempfile.gettempdir()) / f"cleaner-numba-{uid}"
    return base


def _shown(path: Path) -> str:
    """``path`` with the home folder written as ``~``."""
    with contextlib.suppress(RuntimeError, ValueError):
        return "~/" + path.relative_to(Path.home()).as_posix()
    return str(path)


# ------------------------------------------------------------------- groups
@dataclass(frozen=True)
class Group:
    """Kernels compiled together: ``target`` (``"module:function"``) compiles
    them, or loads them from the cache folder, by running them on a small
    input. ``cost`` is about the seconds it takes to compile them (the longest
    groups go first)."""

    name: str
    target: str
    cost: float = 1.0

    def run(self) -> None:
        module, _, func = self.target.partition(":")
        getattr(importlib.import_module(module), func)()


_done: set[str] = set()
_warm_lock = threading.RLock()
_notices: TextIO | None = None
_compile_seconds = 0.0


def show_notices(stream: TextIO | None) -> None:
    """Write the compile notice to ``stream`` (None: only the ``cleaner`` logger)."""
    global _notices
    _notices = stream


def compile_seconds() -> float:
    """Seconds this process spent waiting for kernels to compile (0.0 on a warm cache)."""
    return _compile_seconds


def warm(groups: Iterable[Group]) -> None:
    """Compile (or load) the kernels of ``groups``, each once per process
    (nothing when this process runs its kernels in Python: :func:`choose`)."""
    global _compile_seconds
    from cleaner import kernels

    with _warm_lock:
        if kernels.use(None) == "python":
            return
        todo = list({g.name: g for g in groups if g.name not in _done}.values())
        if not todo:
            return
        todo.sort(key=lambda g: -g.cost)
        session = _Session(todo)
        try:
            session.run()
        finally:
            session.close()
            _compile_seconds += session.compile_time()


# ------------------------------------------------------- compiled or Python
# Below these many bytes of text, a run's kernels run in Python: on a first run
# (nothing compiled yet) where Python takes a few seconds and compiling 15-30 s,
# and on later runs where Python takes less time than loading the compiled
# kernels (about a second). benchmarks/bench_first_run.py measures both ways.
PYTHON_BELOW_COLD = 64 * 1024
PYTHON_BELOW_WARM = 16 * 1024


def ready(groups: Iterable[Group]) -> bool:
    """Whether every group's kernels are in the cache folder, compiled by this
    version of cleaner, numba and Python (a run loads them, compiling nothing)."""
    try:
        return all(_ready_file(g).is_file() for g in groups)
    except OSError:
        return False


def choose(
    groups: Iterable[Group],
    text_bytes: int | None,
    cold_below: int = PYTHON_BELOW_COLD,
    warm_below: int = PYTHON_BELOW_WARM,
) -> str:
    """How a run should run its kernels (the CLI's ``--kernels auto``), given
    about how many bytes of text it cleans (None: unknown, as from standard
    input): ``python`` for a small input (below ``cold_below`` bytes while the
    kernels are not compiled yet, below ``warm_below`` once they are), else
    ``compiled``. Both give the same result."""
    if text_bytes is None:
        return "compiled"
    below = warm_below if ready(groups) else cold_below
    return "python" if text_bytes < below else "compiled"


def _ready_file(group: Group) -> Path:
    return cache_folder() / "ready" / f"{group.name}-{_build_key()}"


def _mark_ready(group: Group) -> None:
    with contextlib.suppress(OSError):
        path = _ready_file(group)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


_key: str | None = None


def _build_key() -> str:
    """A digest of what compiled kernels depend on: cleaner's source files and
    where they are installed, numba, llvmlite, Python and the machine (numba's
    cache checks the same, per kernel)."""
    global _key
    if _key is None:
        import hashlib
        import platform
        from importlib import metadata

        versions = []
        for dist in ("numba", "llvmlite", "numpy"):  # (without importing numba: a third of a second)
            try:
                versions.append(metadata.version(dist))
            except metadata.PackageNotFoundError:
                versions.append("-")
        h = hashlib.sha256(f"{'|'.join(versions)}|{sys.version}|{platform.machine()}".encode())
        root = Path(__file__).resolve().parent
        # numba's cache is per source file: per install
        h.update(str(root).encode("utf-8", "surrogatepass"))
        for f in sorted(root.rglob("*.py")):
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
        _key = h.hexdigest()[:20]
    return _key


def _jobs() -> int:
    value = os.environ.get(JOBS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            log.warning("%s=%r is not a whole number; compiling in one process", JOBS_ENV, value)
            return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_JOBS))


def _share(current: Group, rest: list[Group], jobs: int) -> list[list[Group]]:
    """``rest`` shared out over this process (bin 0, already compiling
    ``current``) and ``jobs - 1`` helpers (each starting :data:`_HELPER_START`
    late) so that the last to finish finishes first: every assignment is tried
    when there are few (there are a handful of groups), else longest first to
    the least loaded."""
    base = [current.cost] + [_HELPER_START] * (jobs - 1)
    best: tuple[float, tuple[int, ...]] | None = None
    if jobs ** len(rest) <= 50_000:
        import itertools

        for choice in itertools.product(range(jobs), repeat=len(rest)):
            loads = list(base)
            for g, k in zip(rest, choice, strict=True):
                loads[k] += g.cost
            key = (max(loads), choice)  # (ties: the first in order, which keeps more in this process)
            if best is None or key < best:
                best = key
        assert best is not None
        picks = list(best[1])
    else:
        loads = list(base)
        picks = []
        for g in rest:
            k = min(range(jobs), key=lambda i: loads[i])
            loads[k] += g.cost
            picks.append(k)
    bins: list[list[Group]] = [[] for _ in range(jobs)]
    for g, k in zip(rest, picks, strict=True):
        bins[k].append(g)
    return bins


@contextlib.contextmanager
def _group_lock(name: str) -> Iterator[None]:
    """Hold the group's lock file (another process compiling it: wait for it)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no coordination between processes
        yield
        return
    folder = cache_folder() / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / f"{name}.lock", "a+")  # noqa: SIM115
    except OSError:  # a cache folder that cannot be written: nothing to share either
        yield
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        fh.close()


class _Session:
    """One :func:`warm` call: runs the groups in this process, hands the rest to
    helper processes once one compiles, shows the notice."""

    def __init__(self, todo: list[Group]) -> None:
        self.pending = list(todo)
        self.current: Group | None = None
        self.helped: dict[str, threading.Event] = {}  # groups given to a helper -> set when it is done
        self.helper_done: set[str] = set()  # of those, the ones a helper compiled
        self.helpers: list[subprocess.Popen[str]] = []
        self.owner: dict[str, subprocess.Popen[str]] = {}  # group -> the helper compiling it
        self.heard: dict[int, float] = {}  # helper pid -> when it last said something (or started)
        self.readers: list[threading.Thread] = []
        self.cold = False
        self.kernels = 0
        self.depth = 0
        self.started: float | None = None
        self.ended: float | None = None
        self.notice: _Notice | None = None
        self.total = len(todo)
        self.finished = 0
        self._listener: Any = None

    # numba's compile events (in this process)
    def _listen(self) -> None:
        from numba.core import event

        session = self

        class Listener(event.Listener):
            def on_start(self, ev: Any) -> None:
                session.depth += 1
                if session.depth == 1:
                    session._compiling()

            def on_end(self, ev: Any) -> None:
                session.depth -= 1
                if session.depth == 0:
                    session.kernels += 1

        self._listener = Listener()
        event.register("numba:compile", self._listener)

    def _compiling(self) -> None:
        if self.cold:
            return
        self.cold = True
        self.started = time.monotonic()
        self.notice = _Notice(self.total - self.finished, self.finished)
        self._start_helpers()

    def _start_helpers(self) -> None:
        """Give the groups after the one compiling now to helper processes."""
        jobs = _jobs()
        rest = self.pending
        current = self.current
        if jobs < 2 or not rest or current is None or not os.access(cache_folder(), os.W_OK):
            return
        bins = _share(current, rest, jobs)
        for share in bins[1:]:
            if share:
                self._spawn(share)
        # this process: its own groups first, then (loading) the helpers'
        self.pending = bins[0] + [g for g in rest if g.name in self.helped]

    def _spawn(self, share: list[Group]) -> None:
        args = [sys.executable, "-c", _HELPER, *(f"{g.name}={g.target}" for g in share)]
        try:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env={**os.environ, "NUMBA_CACHE_DIR": str(cache_folder())},
            )
        except OSError as exc:  # no interpreter to start: compile here
            log.debug("cannot start a compile helper (%s); compiling in this process", exc)
            return
        log.debug("compile helper %d: %s", proc.pid, ", ".join(g.name for g in share))
        events = {g.name: threading.Event() for g in share}
        self.helped.update(events)
        self.owner.update({g.name: proc for g in share})
        self.heard[proc.pid] = time.monotonic()
        self.helpers.append(proc)
        reader = threading.Thread(
            target=self._read, args=(proc, events), name="cleaner-compile-helper", daemon=True
        )
        reader.start()
        self.readers.append(reader)

    def _read(self, proc: subprocess.Popen[str], events: dict[str, threading.Event]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.heard[proc.pid] = time.monotonic()
            what, _, rest = line.strip().partition(" ")
            name, _, detail = rest.partition(" ")
            ev = events.get(name)
            if ev is None:
                continue
            if what == "done":
                log.debug("compile helper %d: %s done (%s s of CPU)", proc.pid, name, detail)
                self.helper_done.add(name)
                if self.notice:
                    self.notice.group()
            ev.set()
        for ev in events.values():  # exited (or died): whatever is left is compiled here
            ev.set()

    def run(self) -> None:
        self._listen()
        while self.pending:
            g = self.current = self.pending.pop(0)
            ev = self.helped.get(g.name)
            if ev is not None:
                self._wait_for_helper(g.name, ev)
            t0 = time.monotonic()
            with _group_lock(g.name):
                g.run()
            log.debug("kernel group %s ready in %.2fs", g.name, time.monotonic() - t0)
            _done.add(g.name)
            _mark_ready(g)
            self.finished += 1
            if self.notice and g.name not in self.helper_done:
                self.notice.group()
        self.ended = time.monotonic()

    def _wait_for_helper(self, name: str, ev: threading.Event) -> None:
        """Until the helper compiling ``name`` is done with it, or has exited; a
        helper silent for :data:`HELPER_STALL_SECONDS` (stopped, or stuck in a
        compile) is killed: its lock on the group goes with it, and the group
        compiles here."""
        proc = self.owner[name]
        while not ev.wait(1.0):
            if proc.poll() is not None:  # exited: its reader lets go of its groups
                ev.wait(5.0)
                return
            silent = time.monotonic() - self.heard.get(proc.pid, time.monotonic())
            if silent > HELPER_STALL_SECONDS:
                log.warning(
                    "compile helper %d said nothing for %.0f s; stopped it, compiling its kernels here",
                    proc.pid,
                    silent,
                )
                with contextlib.suppress(OSError):
                    proc.kill()
                proc.wait()
                ev.wait(5.0)  # its reader sees the end of its output and lets go of its groups
                return

    def compile_time(self) -> float:
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    def close(self) -> None:
        from numba.core import event

        if self._listener is not None:
            event.unregister("numba:compile", self._listener)
        for proc in self.helpers:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
        for t in self.readers:
            t.join(1)
        if self.notice:
            log.debug(
                "%d kernels compiled in this process (%.2f s of CPU so far)",
                self.kernels,
                time.process_time(),
            )
            self.notice.close(self.compile_time(), self.ended is not None)


class _Notice:
    """The one-line notice while kernels compile: a progress bar on a terminal,
    one line otherwise, a log record always."""

    def __init__(self, left: int, done: int) -> None:
        self.stream = _notices
        self.bar: Any = None
        self.stop = threading.Event()
        self.lock = threading.Lock()
        where = _shown(cache_folder())
        log.info("compiling the kernels (first run only; kept in %s)", where)
        if self.stream is None:
            return
        if _is_tty(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(
                total=left + done,
                initial=done,
                desc=f"cleaner: compiling kernels once (kept in {where})",
                unit="group",
                file=self.stream,
                dynamic_ncols=True,
                leave=True,
                mininterval=0.2,
                bar_format="{desc}: {n}/{total} groups {bar} {elapsed}{postfix}",
            )
            self.ticker = threading.Thread(target=self._tick, name="cleaner-compile-notice", daemon=True)
            self.ticker.start()
        else:
            self.stream.write(f"cleaner: compiling kernels, first run only (kept in {where}) ...\n")
            self.stream.flush()

    def _tick(self) -> None:
        while not self.stop.wait(0.5):
            with self.lock:
                if self.bar is not None:
                    self.bar.refresh()

    def group(self) -> None:
        with self.lock:
            if self.bar is not None:
                self.bar.update(1)

    def close(self, seconds: float, complete: bool) -> None:
        self.stop.set()
        log.info("kernels compiled in %.1fs", seconds)
        with self.lock:
            if self.bar is not None:
                if complete:
                    self.bar.n = self.bar.total
                self.bar.set_postfix_str("done" if complete else "stopped", refresh=False)
                self.bar.close()
                self.bar = None
            elif self.stream is not None and complete:
                self.stream.write(f"cleaner: kernels compiled in {seconds:.1f}s\n")
                self.stream.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# ------------------------------------------------------------------ helpers
# (not ``python -m cleaner.jit``: the package imports this module first, and runpy warns)
_HELPER = "import sys; from cleaner.jit import _helper; sys.exit(_helper(sys.argv[1:]))"


def _helper(argv: list[str]) -> int:
    """``python -c _HELPER NAME=module:function ...``: compile these groups
    into the cache folder, one after the other, and say when each is done."""
    _die_with_parent()
    for arg in argv:
        name, _, target = arg.partition("=")
        group = Group(name, target)
        try:
            with _group_lock(name):
                group.run()
        except Exception as exc:  # the parent compiles it itself, and reports
            print(f"failed {name} {type(exc).__name__}: {exc}", flush=True)
            continue
        print(f"done {name} {time.process_time():.2f}", flush=True)  # (the helper's CPU seconds so far)
    return 0


def _die_with_parent() -> None:
    """Linux: the kernel ends this helper when the process that started it ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
