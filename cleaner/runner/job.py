"""``cleaner clean``: readers -> :func:`cleaner.runner.window.run` -> a sink, with a
progress line, checkpoints, ``--resume``, Ctrl-C and SIGTERM, and the summary.

:func:`run_job` checks the output and report paths first (:func:`check_job`),
takes the run folder's lock (:mod:`cleaner.runner.state`; ``state.json``
beside the output being written, in ``.NAME.cleaner-run``), and refuses to
start over an unfinished run unless told to ``--resume`` it, and to resume one
that was started with other inputs, config or options. ``state.json`` holds
how many input documents are done, the sink's checkpoint (byte offset or
number of Parquet parts) and the summary so far; it is rewritten atomically
after each checkpoint (every few seconds). A resumed run skips that many input
documents (inputs are read in a deterministic order), truncates the output to
the checkpoint and appends, so every document is written exactly once. Ctrl-C
and SIGTERM are held while a record is written and counted, then end the run
with its state saved (:class:`RunInterrupted`). When the run ends, the output
is renamed onto its final name, the report written and the run folder removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from cleaner.errors import CleanerError
from cleaner.io.files import create_file, fsync_dir, replace_atomically
from cleaner.io.items import ReadOptions, ReadState
from cleaner.io.readers import iter_inputs
from cleaner.io.writers import LineSink, open_sink, output_kind, work_dir
from cleaner.pipeline import Pipeline
from cleaner.report import Summary
from cleaner.runner import state as runstate
from cleaner.runner.progress import Progress, total_in_background
from cleaner.runner.window import run
from cleaner.templates import TemplateOptions

__all__ = ["JobOptions", "RunInterrupted", "check_job", "run_job", "use_templates", "write_report"]


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
    pipeline: Pipeline | None = (
        None  # an already built pipeline (used in process, or inherited by forked workers)
    )
    started: float | None = (
        None  # time.monotonic() when the command started: the summary's time is its wall time
    )
    charset: str | None = (
        None  # --charset (the decode stage reads it from $CLEANER_CHARSET; part of --resume's check)
    )
    templates: TemplateOptions | None = (
        None  # site templates: a first pass, or a saved table (cleaner.templates)
    )


class RunInterrupted(CleanerError):
    """Ctrl-C or SIGTERM: the state is saved and ``--resume`` finishes the run."""

    def __init__(self, done: int, work: Path) -> None:
        self.done, self.work = done, work
        super().__init__(
            f"interrupted after {done:,} documents; run the same command with --resume to finish"
        )


def check_job(opts: JobOptions) -> None:
    """Usage errors of the output and report paths, found before any work."""
    out = opts.output
    if not out or not out.strip():
        raise CleanerError(
            "-o: an empty name; name a .jsonl or .parquet file, a folder, or - for standard output"
        )
    if out == "-":  # standard output (cleaner.runner.stream): no file, no run folder, nothing made
        _check_report(opts)
        return
    kind = output_kind(out)
    target = Path(out)
    if kind == "folder" and target.exists() and not target.is_dir():
        raise CleanerError(
            f"-o {out}: exists and is not a folder (name a .jsonl or .parquet file, or a folder)"
        )
    if kind != "folder" and target.is_dir():
        raise CleanerError(
            f"-o {out}: is a folder; a .{kind} output is a file (to write a folder of "
            f"<id>.txt files, name a folder without the .{kind} ending)"
        )
    real_out = os.path.realpath(out)
    for spec in opts.inputs:
        if spec == "-":
            continue
        real = os.path.realpath(spec)
        same = real == real_out
        with contextlib.suppress(OSError):
            same = same or os.path.samefile(spec, out)
        if same:
            raise CleanerError(
                f"-o {out}: is the input {spec}; cleaner never writes over its input, choose another output"
            )
        if kind == "folder" and os.path.isfile(spec) and os.path.dirname(real) == real_out:
            raise CleanerError(
                f"-o {out}: the input {spec} is in that folder, where output files are "
                "written; choose another output folder"
            )
    for name in (target.name, work_dir(out).name):
        if len(os.fsencode(name)) > _NAME_MAX:
            raise CleanerError(
                f"-o {out}: file name too long for the file system ({len(os.fsencode(name))} "
                f"bytes in {name!r}; at most {_NAME_MAX})"
            )
    _check_report(opts)
    _probe_folder(work_dir(out).parent, f"-o {out}")


def _check_report(opts: JobOptions) -> None:
    if opts.report:
        rep = Path(opts.report)
        if rep.is_dir():
            raise CleanerError(f"--report {opts.report}: is a folder; name a file for the JSON summary")
        _probe_folder(rep.parent, f"--report {opts.report}")


_NAME_MAX = 255


def _probe_folder(folder: Path, what: str) -> None:
    """Make ``folder`` (and its parents) and check that a file can be created in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cleaner-probe.", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise CleanerError(f"{what}: cannot write in {folder or '.'}: {_strerror(exc)}") from None


def _strerror(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


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


def run_job(opts: JobOptions) -> Summary:
    """Run ``cleaner clean``: see the module doc. Raises :class:`RunInterrupted`
    on Ctrl-C / SIGTERM (state saved) and :class:`CleanerError` for usage
    errors and for errors of the file system (one line each)."""
    check_job(opts)
    target = opts.output
    work = work_dir(target)
    pipeline = opts.pipeline if opts.pipeline is not None else Pipeline.from_yaml(opts.config)
    opts.pipeline = pipeline
    # never read the output (or the run folder) back as input
    exclude = [os.path.realpath(target), os.path.realpath(work)]
    opts.read = replace(opts.read, max_bytes=pipeline.limits.max_document_bytes, exclude=tuple(exclude))
    try:
        with runstate.lock(work):  # first: a run still going is not an unfinished one
            existing = runstate.load_state(work)
            if existing is not None and not opts.resume:
                raise CleanerError(
                    f"{target}: an unfinished run was found ({existing.get('done', 0):,} documents done; "
                    f"state in {work}); pass --resume to finish it, or remove {work} to start over"
                )
            fp, lists = runstate.fingerprint(opts, pipeline)
            if existing is not None and existing.get("fingerprint") != fp:
                raise CleanerError(
                    runstate.resume_refusal(work, existing.get("fingerprint") or {}, fp, lists)
                )
            if existing is None:  # a fresh run: clear what a run killed before its first state left
                runstate.clear_run_folder(work)
                with create_file(work / "inputs.json") as fh:
                    fh.write(json.dumps(lists).encode("utf-8"))
            elif existing.get("finished"):
                return _finish(opts, work, existing, Summary.from_state(existing["summary"]))
            if opts.templates is not None:  # the first pass (a resumed run reuses its table)
                pipeline.set_templates(use_templates(opts, pipeline, work / "templates.npz"))
            return _run_locked(opts, work, fp, existing)
    except OSError as exc:
        raise _fs_error(exc, opts, work) from None


def use_templates(opts: JobOptions, pipeline: Pipeline, saved: Path | None) -> Any:
    """The site-templates table of this run (:func:`cleaner.templates.prepare`), or None."""
    from cleaner.templates import prepare

    assert opts.templates is not None
    bp = pipeline.stage("boilerplate")
    min_pages = getattr(bp.options, "template_min_pages", None) if bp is not None else None
    if min_pages is None:
        return None
    quiet = opts.progress is None

    def note(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr)

    return prepare(opts.templates, opts.inputs, opts.read, min_pages, saved, note)


def _fs_error(exc: OSError, opts: JobOptions, work: Path) -> CleanerError:
    """An error of the file system as one line: what, where, and whether --resume can finish the run."""
    where = f"{exc.filename}: " if exc.filename and str(exc.filename) != opts.output else ""
    saved = (work / "state.json").is_file()
    after = (
        f"; what was written is kept in {work}: fix this and run the same command with --resume"
        if saved
        else ""
    )
    return CleanerError(f"writing {opts.output}: {where}{_strerror(exc)}{after}")


def _run_locked(opts: JobOptions, work: Path, fp: dict[str, Any], existing: dict[str, Any] | None) -> Summary:
    done = int(existing["done"]) if existing else 0
    summary = Summary.from_state(existing["summary"]) if existing else Summary()
    summary.workers = opts.workers
    seconds_before = float(summary.seconds or 0.0)
    sink = open_sink(opts.output, work, existing.get("sink") if existing else None)
    interval = opts.checkpoint_seconds if opts.checkpoint_seconds is not None else sink.checkpoint_seconds
    state: dict[str, Any] = {
        "version": runstate.STATE_VERSION,
        "fingerprint": fp,
        "done": done,
        "sink": existing.get("sink") if existing else None,
        "summary": summary.to_state(),
        "finished": False,
        "started": (existing or {}).get("started") or time.strftime("%Y-%m-%dT%H:%M:%S"),
        "sessions": int((existing or {}).get("sessions", 0)) + 1,
    }
    if existing is None:
        state["sink"] = sink.checkpoint()
        runstate.save_state(work, state)
    progress = Progress(opts.progress or sys.stderr, opts.progress is not None)
    if progress.enabled:
        total_in_background(opts.inputs, progress, opts.read.exclude)
    rs = ReadState(skip=done)
    items = iter_inputs(opts.inputs, opts.read, state=rs)
    t0 = opts.started if opts.started is not None else time.monotonic()
    last = time.monotonic()

    def checkpoint() -> None:
        state["sink"] = sink.checkpoint()
        state["done"] = done
        summary.seconds = seconds_before + (time.monotonic() - t0)
        state["summary"] = summary.to_state()
        runstate.save_state(work, state)

    guard = _Interrupts()
    try:
        with guard.installed():
            try:
                # closing: on any exit the workers are stopped at once
                # a JSONL sink takes encoded lines: the workers encode and count
                # each record, the main process writes the bytes and adds the counts
                line_sink = sink if isinstance(sink, LineSink) else None
                encoded = line_sink is not None
                with contextlib.closing(
                    run(
                        items, opts.config, opts.workers, pipeline=opts.pipeline, encode=encoded, isolate=True
                    )
                ) as results:
                    for item, record in results:
                        with guard.section():
                            if line_sink is not None:
                                line_sink.write_line(record.line)
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
    summary.skipped = list(rs.skipped)  # the whole walk is made again by a resumed run
    summary.skipped_files = Counter(rs.skipped_kinds)
    final = sink.seal()
    state.update({"finished": True, "final": final.name, "summary": summary.to_state(), "done": done})
    runstate.save_state(work, state)
    return _finish(opts, work, state, summary)


def _finish(opts: JobOptions, work: Path, state: dict[str, Any], summary: Summary) -> Summary:
    """Move the sealed output onto its name, write the report, remove the run folder."""
    kind = output_kind(opts.output)
    target = Path(opts.output) / "records.jsonl" if kind == "folder" else Path(opts.output)
    final = work / str(state.get("final"))
    if os.path.isfile(final) and not os.path.islink(final):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(final, target)  # a link at the target is replaced, never written through
        fsync_dir(target.parent)
    elif not target.exists():
        raise CleanerError(f"{work}: the finished output is missing; remove {work} and run again")
    summary.workers = opts.workers
    if opts.report:
        write_report(opts.report, summary)
    runstate.remove_run_folder(work)
    return summary


def write_report(path: str, summary: Summary) -> None:
    """The summary as JSON, through a unique temporary file and a rename."""
    data = (json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        replace_atomically(Path(path), data)
    except OSError as exc:
        raise CleanerError(f"{path}: cannot write the report: {_strerror(exc)}") from None
