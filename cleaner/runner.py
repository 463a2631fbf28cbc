"""Batch runs: worker processes, ordered output, progress, resume, a summary.

:func:`run` cleans a stream of input items and yields ``(item, record)`` in
input order. With one worker it runs in this process; with more it feeds a
pool of worker processes through a sliding window. Each worker has its
pipeline built once: forked (on Linux) from a process that already built it,
it shares that one copy-on-write; otherwise it builds its own at start.
Chunks of items are queued while earlier ones are cleaned, so a worker never
waits at the end of a batch for the slowest chunk, and at most
``workers * window_chunks`` chunks are in flight, so memory stays flat however
long the input is. A document that raises becomes an ``error`` record; a
worker that dies (a crash in a C library, the OOM killer) is replaced and the
documents it held are retried one by one, so that only the one that kills a
worker becomes an ``error`` record.

:func:`run_job` is ``cleaner clean``: readers -> :func:`run` -> a sink, with a
progress line, checkpoints, ``--resume`` and the summary. The run's state lives
in a run folder beside the output (``cleaner.io.writers.work_dir``):
``state.json`` holds how many input documents are done, the sink's checkpoint
(byte offset or number of Parquet parts) and the summary so far; it is
rewritten atomically after each checkpoint (every few seconds). A resumed run
skips that many input documents (inputs are read in a deterministic order),
truncates the output to the checkpoint and appends, so every document is
written exactly once. When the run ends, the output is renamed onto its final
name and the run folder is removed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing as mp
import os
import pickle
import shutil
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from cleaner.document import Document
from cleaner.errors import CleanerError
from cleaner.io.readers import InputItem, ReadOptions, ReadState, input_bytes, iter_inputs
from cleaner.io.writers import _line_bytes, fsync_dir, open_sink, output_kind, work_dir
from cleaner.pipeline import Pipeline
from cleaner.report import Facts, Summary, record_facts

__all__ = ["run", "run_job", "JobOptions", "Progress", "Summary", "RunInterrupted", "default_workers"]

STATE_VERSION = 1


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
                item.raw, format=item.format, id=item.id, source=item.source,
                metadata=item.metadata, extra=item.extra,
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
        line = _line_bytes(record)
    except Exception as exc:  # a value no encoder takes: the document fails, the run goes on
        doc = Document(id=str(record.get("id")))
        doc.fail(f"cannot encode the record: {type(exc).__name__}: {exc}")
        record = doc.to_record()
        line = _line_bytes(record)
    return Encoded(line, record_facts(record))


def _crash_record(item: InputItem, exitcode: int | None) -> dict[str, Any]:
    doc = Document(id=item.id, extra=dict(item.extra))
    how = f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    doc.fail(f"worker process died while cleaning this document ({how})")
    return doc.to_record()


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


def _worker_main(wid: int, config: str | None, tasks: Any, conn: Any, parent: int,
                 inherited: Pipeline | None = None, encode: bool = False) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    # once per worker: the parent's, when forked from a process that built it, else built here
    pipe = inherited if inherited is not None else Pipeline.from_yaml(config)
    while True:
        task = tasks.get()
        if task is None:
            break
        tid, items = task
        records: list[Any] = [_clean_item(pipe, it) for it in items]
        if encode:
            records = [_encode(r) for r in records]
        try:
            payload = pickle.dumps((tid, records), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a value from the input that cannot cross processes
            fails = []
            for it in items:
                d = Document(id=it.id)
                d.fail(f"cannot send the record to the main process: {type(exc).__name__}: {exc}")
                fails.append(_encode(d.to_record()) if encode else d.to_record())
            payload = pickle.dumps((tid, fails), pickle.HIGHEST_PROTOCOL)
        conn.send_bytes(payload)
    conn.close()


class _Worker:
    def __init__(self, ctx: Any, wid: int, config: str | None, pipeline: Pipeline | None = None,
                 encode: bool = False) -> None:
        self.tasks = ctx.Queue()  # its own queue: a worker that dies takes no lock others need
        self.conn, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(
            target=_worker_main, name=f"cleaner-worker-{wid}",
            args=(wid, config, self.tasks, send, os.getpid(), pipeline, encode), daemon=True,
        )
        self.proc.start()
        send.close()
        self.outstanding: deque[int] = deque()  # task ids sent, in order (the first is running)

    def stop(self, graceful: bool) -> None:
        if graceful and self.proc.is_alive():
            self.tasks.put(None)

    def close(self) -> None:
        self.tasks.cancel_join_thread()
        self.tasks.close()
        self.conn.close()


class _Pool:
    """Worker processes, each with its own task queue and result pipe."""

    def __init__(self, n: int, config: str | None, pipeline: Pipeline | None = None, encode: bool = False) -> None:
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

    def submit(self, tid: int, items: list[InputItem]) -> None:
        w = min(self.workers, key=lambda w: len(w.outstanding))
        w.tasks.put((tid, items))
        w.outstanding.append(tid)

    def wait(self, timeout: float) -> tuple[list[tuple[int, list[dict[str, Any]]]], list[tuple[list[int], int | None]]]:
        """(results, deaths): results as (task id, records); for each worker that
        died, the task ids it held (the one it was running first) and its exit code."""
        from multiprocessing.connection import wait

        ready = wait([w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers], timeout)
        results: list[tuple[int, list[dict[str, Any]]]] = []
        deaths: list[tuple[list[int], int | None]] = []
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
                deaths.append((list(w.outstanding), w.proc.exitcode))
                w.close()
                self.workers[k] = _Worker(self.ctx, k, self.config, self.pipeline, self.encode)
        return results, deaths

    def close(self, graceful: bool) -> None:
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


def run(
    items: Iterable[InputItem],
    config: str | None,
    workers: int = 1,
    progress: Progress | None = None,
    chunk: int = 16,
    chunk_bytes: int = 1 << 19,
    window_chunks: int = 4,
    pipeline: Pipeline | None = None,
    encode: bool = False,
) -> Iterator[tuple[InputItem, Any]]:
    """Clean items, yielding (item, record) in input order; with ``encode``,
    (item, :class:`Encoded`): the record as its JSONL line and its summary facts.

    With several workers, at most ``workers * window_chunks`` chunks of up to
    ``chunk`` items (or ``chunk_bytes`` of input) are in flight.
    """
    if workers <= 1:
        pipe = pipeline if pipeline is not None else Pipeline.from_yaml(config)
        for item in items:
            rec = _clean_item(pipe, item)
            yield item, (_encode(rec) if encode else rec)
        return
    yield from _run_pool(iter(items), config, workers, chunk, chunk_bytes, window_chunks, pipeline, encode)


def _run_pool(
    it: Iterator[InputItem], config: str | None, workers: int, chunk: int, chunk_bytes: int, window_chunks: int,
    pipeline: Pipeline | None = None, encode: bool = False,
) -> Iterator[tuple[InputItem, Any]]:
    pool = _Pool(workers, config, pipeline, encode)
    max_items = max(workers * window_chunks * chunk, 2 * chunk)
    max_tasks = workers * window_chunks
    pending: dict[int, InputItem] = {}  # index -> item, from head to next_index
    done: dict[int, Any] = {}  # index -> record (or Encoded), waiting for the head
    tasks: dict[int, list[int]] = {}  # task id -> indices
    retried: set[int] = set()
    head = next_index = next_tid = 0
    exhausted = False
    graceful = False

    def submit(indices: list[int]) -> None:
        nonlocal next_tid
        tasks[next_tid] = indices
        pool.submit(next_tid, [pending[i] for i in indices])
        next_tid += 1

    try:
        while True:
            # keep the window full
            while not exhausted and len(tasks) < max_tasks and next_index - head < max_items:
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
                    next_index += 1
                if batch:
                    submit(batch)
            # hand out what is ready, in order
            while head in done:
                yield pending.pop(head), done.pop(head)
                head += 1
            if exhausted and head == next_index:
                graceful = True
                return
            if not exhausted and len(tasks) < max_tasks and next_index - head < max_items:
                continue
            results, deaths = pool.wait(1.0)
            for tid, recs in results:
                indices = tasks.pop(tid, None)
                if indices is None:  # a task already given up on
                    continue
                for i, rec in zip(indices, recs, strict=True):
                    done.setdefault(i, rec)
            for lost, code in deaths:
                for k, tid in enumerate(lost):
                    indices = tasks.pop(tid, None)
                    if not indices:
                        continue
                    if k > 0:  # queued behind the one that was running: not a suspect
                        submit(indices)
                    elif len(indices) == 1 and indices[0] in retried:
                        crash = _crash_record(pending[indices[0]], code)
                        done[indices[0]] = _encode(crash) if encode else crash
                    else:  # find the culprit: one document per task
                        for i in indices:
                            retried.add(i)
                            submit([i])
    finally:
        pool.close(graceful)


# ----------------------------------------------------------------- progress
class Progress:
    """A one-line progress display on a terminal (documents, MB, docs/s, ETA); silent otherwise."""

    def __init__(self, stream: TextIO, enabled: bool, total_bytes: int | None = None, interval: float = 0.5) -> None:
        self.stream = stream
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        self.enabled = enabled and tty
        self.total_bytes = total_bytes
        self.start = time.monotonic()
        self.last = 0.0
        self.interval = interval
        self._base: tuple[int, int] | None = None  # (docs, disk bytes) at the first update
        self.width = 0

    def update(self, docs: int, nbytes: int, force: bool = False, disk_bytes: int | None = None) -> None:
        """``docs`` done, ``nbytes`` of documents read; ``disk_bytes`` of input files read (for the ETA)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        pos = disk_bytes if disk_bytes is not None else nbytes
        if self._base is None:
            self._base = (docs, pos)
            self.start = now
        el = max(now - self.start, 1e-6)
        rate_docs = (docs - self._base[0]) / el
        msg = f"{docs:,} docs  {nbytes / 1e6:,.1f} MB  {rate_docs:,.1f} docs/s"
        total = self.total_bytes
        if total:
            frac = min(pos / total, 1.0)
            rate = (pos - self._base[1]) / el
            msg += f"  {100 * frac:5.1f}%"
            if rate > 0 and el > 2:
                left = max(total - pos, 0) / rate
                h, rem = divmod(int(left), 3600)
                msg += f"  ETA {h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"  ETA {rem // 60}:{rem % 60:02d}"
        pad = max(self.width - len(msg), 0)
        self.width = len(msg)
        self.stream.write("\r" + msg + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.width:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0


# ---------------------------------------------------------------------- job
@dataclass
class JobOptions:
    inputs: list[str]
    output: str
    config: str | None = None
    workers: int = 1
    read: ReadOptions = field(default_factory=ReadOptions)
    resume: bool = False
    report: str | None = None
    progress: TextIO | None = None  # a stream for the progress line (shown only on a terminal)
    checkpoint_seconds: float | None = None  # default: the sink's (5 s; 30 s for Parquet)
    pipeline: Pipeline | None = None  # an already built pipeline (used in process, or inherited by forked workers)


class RunInterrupted(CleanerError):
    """Ctrl-C or SIGTERM: the state is saved and ``--resume`` finishes the run."""

    def __init__(self, done: int, work: Path) -> None:
        self.done, self.work = done, work
        super().__init__(f"interrupted after {done:,} documents; run the same command with --resume to finish")


def _fingerprint(opts: JobOptions) -> dict[str, Any]:
    def absolute(spec: str) -> str:
        return spec if spec == "-" else str(Path(spec).resolve())

    cfg = None
    if opts.config:
        p = Path(opts.config)
        cfg = {"path": str(p.resolve())}
        with contextlib.suppress(OSError):
            cfg["sha1"] = hashlib.sha1(p.read_bytes()).hexdigest()
    return {
        "inputs": [absolute(s) for s in opts.inputs],
        "output": absolute(opts.output),
        "config": cfg,
        "format": opts.read.format,
        "text_column": opts.read.text_column,
        "html_column": opts.read.html_column,
        "id_column": opts.read.id_column,
    }


_WHAT = {"inputs": "inputs", "output": "output", "config": "--config (or its content)", "format": "--format",
         "text_column": "--text-column", "html_column": "--html-column", "id_column": "--id-column"}


def _save_state(work: Path, state: dict[str, Any]) -> None:
    tmp = work / "state.json.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, work / "state.json")
    fsync_dir(work)


def _load_state(work: Path) -> dict[str, Any] | None:
    path = work / "state.json"
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CleanerError(f"{path}: unreadable run state ({exc}); remove {work} to start over") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise CleanerError(f"{path}: run state from another version of cleaner; remove {work} to start over")
    return state


@contextlib.contextmanager
def _lock(work: Path) -> Iterator[None]:
    """One run per output at a time."""
    work.mkdir(parents=True, exist_ok=True)
    fh = open(work / "lock", "a+")  # noqa: SIM115
    try:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            pass
        except OSError:
            raise CleanerError(f"another cleaner run is writing this output (lock: {work / 'lock'})") from None
        yield
    finally:
        fh.close()


class _Interrupts:
    """Ctrl-C and SIGTERM end the run with KeyboardInterrupt, but never inside a
    critical section (a record written and counted, a checkpoint): there the
    signal is held and raised when the section ends, so the output and the
    count of done documents always agree."""

    def __init__(self) -> None:
        self.critical = False
        self.pending = False
        self.dirty = False  # an exception escaped a critical section: the sink may be inconsistent

    def _handler(self, signum: int, frame: Any) -> None:
        if self.critical:
            self.pending = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {sig: signal.signal(sig, self._handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, h in old.items():
                signal.signal(sig, h)

    @contextlib.contextmanager
    def section(self) -> Iterator[None]:
        self.critical = True
        try:
            yield
        except BaseException:
            self.dirty = True
            raise
        finally:
            self.critical = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def _total_in_background(inputs: list[str], progress: Progress) -> None:
    def work() -> None:
        progress.total_bytes = input_bytes(inputs)

    threading.Thread(target=work, name="cleaner-input-size", daemon=True).start()


def run_job(opts: JobOptions) -> Summary:
    """Run ``cleaner clean``: see the module doc. Raises :class:`RunInterrupted`
    on Ctrl-C / SIGTERM (state saved) and :class:`CleanerError` for usage errors."""
    target = opts.output
    work = work_dir(target)
    if output_kind(target) == "folder" and Path(target).exists() and not Path(target).is_dir():
        raise CleanerError(f"-o {target}: exists and is not a folder (name a .jsonl or .parquet file, or a folder)")
    fp = _fingerprint(opts)
    with _lock(work):  # first: a run still going is not an unfinished one
        existing = _load_state(work)
        if existing is not None and not opts.resume:
            raise CleanerError(
                f"{target}: an unfinished run was found ({existing.get('done', 0):,} documents done; "
                f"state in {work}); pass --resume to finish it, or remove {work} to start over"
            )
        if existing is not None and existing.get("fingerprint") != fp:
            old = existing.get("fingerprint") or {}
            diff = [_WHAT.get(k, k) for k in fp if old.get(k) != fp[k]]
            raise CleanerError(
                f"--resume: the unfinished run in {work} was started with different "
                f"{', '.join(diff) or 'options'}; repeat that command with --resume, or remove {work} to start over"
            )
        if existing is None:  # a fresh run: clear what a run killed before its first state left
            for child in work.iterdir():
                if child.name != "lock":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
        elif existing.get("finished"):
            return _finish(opts, work, existing, Summary.from_state(existing["summary"]))
        return _run_locked(opts, work, fp, existing)


def _run_locked(opts: JobOptions, work: Path, fp: dict[str, Any], existing: dict[str, Any] | None) -> Summary:
    done = int(existing["done"]) if existing else 0
    summary = Summary.from_state(existing["summary"]) if existing else Summary()
    summary.workers = opts.workers
    seconds_before = float(summary.seconds or 0.0)
    sink = open_sink(opts.output, work, existing.get("sink") if existing else None)
    interval = opts.checkpoint_seconds if opts.checkpoint_seconds is not None else sink.checkpoint_seconds
    state: dict[str, Any] = {
        "version": STATE_VERSION, "fingerprint": fp, "done": done, "sink": existing.get("sink") if existing else None,
        "summary": summary.to_state(), "finished": False,
        "started": (existing or {}).get("started") or time.strftime("%Y-%m-%dT%H:%M:%S"),
        "sessions": int((existing or {}).get("sessions", 0)) + 1,
    }
    if existing is None:
        state["sink"] = sink.checkpoint()
        _save_state(work, state)
    progress = Progress(opts.progress or sys.stderr, opts.progress is not None)
    if progress.enabled:
        _total_in_background(opts.inputs, progress)
    rs = ReadState(skip=done)
    items = iter_inputs(opts.inputs, opts.read, state=rs)
    t0 = time.monotonic()
    last = t0

    def checkpoint() -> None:
        state["sink"] = sink.checkpoint()
        state["done"] = done
        summary.seconds = seconds_before + (time.monotonic() - t0)
        state["summary"] = summary.to_state()
        _save_state(work, state)

    guard = _Interrupts()
    try:
        with guard.installed():
            try:
                # closing: on any exit the workers are stopped at once
                # a JSONL sink takes encoded lines: the workers encode and count
                # each record, the main process writes the bytes and adds the counts
                encoded = hasattr(sink, "write_line")
                with contextlib.closing(
                    run(items, opts.config, opts.workers, pipeline=opts.pipeline, encode=encoded)
                ) as results:
                    for item, record in results:
                        with guard.section():
                            if encoded:
                                sink.write_line(record.line)
                                summary.add_facts(record.facts, item.size)
                            else:
                                sink.write(record)
                                summary.add(record, item.size)
                            done += 1
                            now = time.monotonic()
                            if now - last >= interval:
                                checkpoint()
                                last = now
                        if progress.enabled:
                            progress.update(done, summary.bytes_in or 0, disk_bytes=rs.bytes_read())
                with guard.section():
                    checkpoint()
            except KeyboardInterrupt:
                progress.close()
                if not guard.dirty:
                    with guard.section():
                        checkpoint()
                sink.close()
                raise RunInterrupted(done, work) from None
            except BaseException:
                progress.close()
                if not guard.dirty:  # what was written is whole: keep it
                    with contextlib.suppress(Exception), guard.section():
                        checkpoint()
                sink.close()
                raise
    finally:
        progress.close()
    summary.seconds = seconds_before + (time.monotonic() - t0)
    final = sink.seal()
    state.update({"finished": True, "final": final.name, "summary": summary.to_state(), "done": done})
    _save_state(work, state)
    return _finish(opts, work, state, summary)


def _finish(opts: JobOptions, work: Path, state: dict[str, Any], summary: Summary) -> Summary:
    """Move the sealed output onto its name, write the report, remove the run folder."""
    kind = output_kind(opts.output)
    target = Path(opts.output) / "records.jsonl" if kind == "folder" else Path(opts.output)
    final = work / str(state.get("final"))
    if final.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(final, target)
        fsync_dir(target.parent)
    elif not target.exists():
        raise CleanerError(f"{work}: the finished output is missing; remove {work} and run again")
    summary.workers = opts.workers
    if opts.report:
        write_report(opts.report, summary)
    shutil.rmtree(work, ignore_errors=True)
    return summary


def write_report(path: str, summary: Summary) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, p)
