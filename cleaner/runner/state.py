"""The run folder of ``cleaner clean`` and what a resumed run checks.

The run folder (``.NAME.cleaner-run`` beside a file output, ``.cleaner-run``
inside a folder output) holds the run's state and the output being written.
It is handled as a place others may have tampered with:

* it is made with ``mkdir`` (mode 0700), which fails on anything already there,
  links included; one that exists is used only when it is a real folder (not a
  link) of this user, and is never followed through a link;
* what a fresh run clears from a stale one (left by a run killed before its
  first state) is only what cleaner writes there; a link is removed, never
  followed (``shutil.rmtree`` does not follow links), and anything else makes
  the run stop with a message instead;
* files in it are created with ``O_EXCL | O_NOFOLLOW`` under unique names and
  renamed into place.

``--resume`` goes on only with what the interrupted run had: the same inputs
(each file's size, modification time and a hash of its first and last blocks,
in the same order) and the same config files and rule packs (their content);
:func:`input_signature` and :func:`config_signature` make what is compared, and
:func:`fingerprint` the whole of it; :func:`resume_refusal` says in one line what
differs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.errors import CleanerError
from cleaner.io.files import fsync_dir, open_existing

if TYPE_CHECKING:
    from cleaner.pipeline import Pipeline
    from cleaner.runner.job import JobOptions
    from cleaner.templates import TemplateOptions

STATE_VERSION = 2
BLOCK = 1 << 16  # bytes hashed at each end of an input file
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# the names cleaner writes in a run folder
_OURS = re.compile(
    r"(lock|state\.json|inputs\.json|templates\.npz|data\.jsonl(\.gz|\.zst)?|records\.jsonl|pending-files|tmp|"
    r"part-\d+\.parquet(\.tmp)?|merged\.parquet(\.tmp)?|\..+\.tmp)$"
)


# ------------------------------------------------------------- the folder
def make_run_folder(work: Path) -> None:
    """Create the run folder, or check that the one there may be used."""
    work.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(work, 0o700)
    except FileExistsError:
        check_run_folder(work)


def check_run_folder(work: Path) -> None:
    """A run folder must be a real folder of this user (a link is never followed)."""
    try:
        st = os.lstat(work)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise CleanerError(
            f"{work}: is a symbolic link where cleaner keeps its run state; cleaner never follows a link "
            "there (it could point anywhere); remove the link, or choose another output"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise CleanerError(
            f"{work}: exists and is not cleaner's run folder; remove it, or choose another output"
        )
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise CleanerError(f"{work}: belongs to another user; remove it, or choose another output")


def clear_run_folder(work: Path) -> None:
    """Remove what a run killed before its first state left (the lock stays)."""
    check_run_folder(work)
    with os.scandir(work) as it:
        entries = [e for e in it if e.name != "lock"]
    for e in entries:
        if not _OURS.match(e.name):
            raise CleanerError(
                f"{work}: holds {e.name!r}, which cleaner did not write; remove {work} yourself to start over"
            )
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            shutil.rmtree(e.path)
        else:
            os.unlink(e.path)  # a link goes, what it points to stays


def remove_run_folder(work: Path) -> None:
    """Remove the run folder at the end of a run (never through a link)."""
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(work).st_mode):
            shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def lock(work: Path) -> Iterator[None]:
    """One run per output at a time."""
    make_run_folder(work)
    fd = os.open(work / "lock", os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            pass
        except OSError:
            raise CleanerError(
                f"another cleaner run is writing this output (lock: {work / 'lock'})"
            ) from None
        yield
    finally:
        os.close(fd)


# -------------------------------------------------------------- the state
def save_state(work: Path, state: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".state.", suffix=".tmp", dir=work)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, work / "state.json")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(work)


def load_state(work: Path) -> dict[str, Any] | None:
    path = work / "state.json"
    try:
        with open_existing(path, "rb") as fh:
            state = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CleanerError(f"{path}: unreadable run state ({exc}); remove {work} to start over") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise CleanerError(f"{path}: run state from another version of cleaner; remove {work} to start over")
    return state


# ------------------------------------------------------ what resume checks
def file_signature(path: Path) -> list[Any]:
    """[path, size, mtime_ns, hash of the first and last blocks]."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return [str(path), "stream"]
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            h.update(fh.read(BLOCK))
            if st.st_size > BLOCK:
                fh.seek(max(BLOCK, st.st_size - BLOCK))
                h.update(fh.read(BLOCK))
        return [str(path), st.st_size, st.st_mtime_ns, h.hexdigest()[:32]]
    except OSError as exc:
        return [str(path), f"unreadable: {exc.strerror or exc}"]


def input_signature(inputs: list[str], exclude: tuple[str, ...] = ()) -> list[list[Any]]:
    """Each input file as :func:`file_signature`, in the order a run reads them."""
    from cleaner.io.readers import walk

    out: list[list[Any]] = []
    for spec in inputs:
        if spec == "-":
            out.append(["-"])
            continue
        p = Path(os.path.abspath(spec))  # the same names from any folder the run is resumed in
        if p.is_dir():
            out.extend(file_signature(f) for f in walk(p, exclude))
        else:
            out.append(file_signature(p))
    return out


def config_signature(pipeline: Any) -> list[list[str]]:
    """[path, sha256] of every file the pipeline's config is made of: the config
    and those it extends, the rule packs, and the data files its stages name."""
    from cleaner.resources import rules_dir

    files: list[Path] = [*pipeline.config.files, *pipeline.config.rule_packs]
    for stage in pipeline.stages:
        for value in vars(stage.options).values():
            if isinstance(value, str) and value and len(value) < 4096:
                for cand in (Path(value).expanduser(), rules_dir() / value):
                    with contextlib.suppress(OSError, ValueError):
                        if cand.is_file():
                            files.append(cand)
                            break
    out: list[list[str]] = []
    seen: set[str] = set()
    for f in files:
        key = str(Path(f).resolve())
        if key in seen:
            continue
        seen.add(key)
        try:
            h = hashlib.sha256()
            with open(f, "rb") as fh:
                while chunk := fh.read(BLOCK):
                    h.update(chunk)
            out.append([key, h.hexdigest()])
        except OSError as exc:
            out.append([key, f"unreadable: {exc.strerror or exc}"])
    return out


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def first_difference(old: list[list[Any]], new: list[list[Any]], what: str) -> str:
    """One line naming the first file that is not what it was."""
    one = what[:-1] if what.endswith("s") else what  # "input file", "config file"
    by_path = {str(e[0]): e for e in old}
    for k, entry in enumerate(new):
        path = str(entry[0])
        before = by_path.get(path)
        if before is None:
            return f"{one} {path} is new (the interrupted run did not have it)"
        if k < len(old) and str(old[k][0]) != path:
            return f"the {what} are in another order or a file was added or removed (at {path})"
        if before != entry:
            return f"{one} {path} changed since the interrupted run ({_how(before, entry)})"
    for entry in old:
        if str(entry[0]) not in {str(e[0]) for e in new}:
            return f"{one} {entry[0]} is gone (the interrupted run read it)"
    return f"the {what} changed"


def _how(before: list[Any], now: list[Any]) -> str:
    if len(before) == 4 and len(now) == 4:
        if before[1] != now[1]:
            return f"size {before[1]:,} -> {now[1]:,} bytes"
        if before[3] != now[3]:
            return "content"
        return "modification time"
    if len(before) == 2 and len(now) == 2 and before[1] != now[1] and len(str(before[1])) == 64:
        return "content"
    return f"{before[1:]} -> {now[1:]}"


# ------------------------------------------------ the run as --resume sees it
def fingerprint(opts: JobOptions, pipeline: Pipeline) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what must match for --resume, the file lists its digests stand for): the
    inputs, output, config and the options that change what is read or how."""

    def absolute(spec: str) -> str:
        return spec if spec == "-" else str(Path(spec).resolve())

    inputs = input_signature(opts.inputs, opts.read.exclude)
    config = config_signature(pipeline)
    fp = {
        "inputs": [absolute(s) for s in opts.inputs],
        "output": absolute(opts.output),
        "config": str(Path(opts.config).resolve()) if opts.config else None,
        "format": opts.read.format,
        "text_column": opts.read.text_column,
        "html_column": opts.read.html_column,
        "id_column": opts.read.id_column,
        "input_files": digest(inputs),
        "config_files": digest(config),
        **({"charset": opts.charset} if opts.charset else {}),
        **_templates_fingerprint(opts.templates),
    }
    return fp, {"input_files": inputs, "config_files": config}


_WHAT = {
    "inputs": "inputs",
    "output": "output",
    "config": "--config",
    "format": "--format",
    "text_column": "--text-column",
    "html_column": "--html-column",
    "id_column": "--id-column",
    "charset": "--charset",
    "site_templates": "--site-templates",
    "templates": "--templates",
    "site_field": "--site-field",
}


def _templates_fingerprint(t: TemplateOptions | None) -> dict[str, Any]:
    if t is None or (t.mode == "off" and not t.table):
        return {}
    return {
        "site_templates": t.mode,
        "templates": str(Path(t.table).resolve()) if t.table else None,
        "site_field": t.site_field,
    }


def resume_refusal(work: Path, old: dict[str, Any], fp: dict[str, Any], lists: dict[str, Any]) -> str:
    """One line: why the unfinished run in ``work`` cannot be finished with this command."""
    diff = [_WHAT[k] for k in _WHAT if old.get(k) != fp.get(k)]
    if diff:
        return (
            f"--resume: the unfinished run in {work} was started with different {', '.join(diff)}; "
            f"repeat that command with --resume, or remove {work} to start over"
        )
    try:
        with open_existing(work / "inputs.json", "rb") as fh:
            before = json.loads(fh.read())
    except (OSError, ValueError):
        before = {}
    for key, what in (("input_files", "input files"), ("config_files", "config files")):
        if old.get(key) != fp.get(key):
            why = first_difference(before.get(key) or [], lists.get(key) or [], what)
            return (
                f"--resume: {why}; the documents already written came from what the interrupted run "
                f"read, so the run cannot go on: remove {work} to start over"
            )
    return f"--resume: the unfinished run in {work} was started differently; remove {work} to start over"
