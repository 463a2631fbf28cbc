"""Readers: turn files, folders, JSONL, WARC, Parquet and standard input into input items.

Readers stream: one item at a time, never the whole corpus in memory (a folder
walk holds the sorted names of one directory at a time; a Parquet file is read
one record batch at a time). Inputs are read in a deterministic order, so the
n-th item of a run is the n-th item of any other run over the same inputs; a
resumed run skips the items a previous run already wrote (``skip``), without
reading or parsing them where the format allows.

Memory is bounded on every path by ``max_bytes`` (``limits.max_document_bytes``):
a file larger than it is not read; a JSONL line, a WARC payload, a Parquet cell
or standard input that runs past it is passed over in bounded pieces (or, for a
stream that is one document, no further read); each becomes an item that
carries an error naming the limit. Compressed input is inflated in bounded
pieces (:mod:`cleaner.io.streams`).

Something that cannot be used (a bad JSONL line, a truncated gzip, zstd or WARC
file, a Parquet row without content) becomes an item that carries the error,
so the run writes an ``error`` record for it and goes on; what was read before
the damage is kept.

Supported inputs (by name; folders are walked recursively, sorted):

* ``.txt`` text, ``.html`` / ``.htm`` HTML: one document per file;
* ``.jsonl`` / ``.ndjson``, optionally ``.gz`` or ``.zst``: one record a line,
  ``{"id", "text" | "html", ...}``; other fields are carried into the record;
* ``.warc`` / ``.warc.gz``: WARC ``response`` records (see :mod:`cleaner.io.warc`);
  responses that are not 2xx, or whose Content-Type is not text (images, PDF
  ...), become ``dropped`` records (reason ``http-status:404``,
  ``content-type:application/pdf``);
* ``.parquet``: one row per document; the content column is ``--text-column`` /
  ``--html-column`` (default: ``text`` if the file has it, else ``html``), the id
  column ``--id-column`` (default ``id``; else ``<file>:<row>``); other columns
  are carried into the record.

In a folder only regular files are read: FIFOs, devices and sockets (or links
to them) are passed over and listed in :attr:`ReadState.skipped`; files of
kinds not read (``.md``, ``.csv``) are counted in :attr:`ReadState.skipped_kinds`;
the paths in :attr:`ReadOptions.exclude` (a run's own output) are left out. A
FIFO or device named on the command line is read as a stream, as standard
input is: one document (or JSONL records), up to ``max_bytes``.

This module walks folders and reads files by kind; the items and options are
:mod:`cleaner.io.items`', JSONL lines :mod:`cleaner.io.jsonl`'s, standard input
and other streams :mod:`cleaner.io.stdin`'s, WARC and Parquet
:mod:`cleaner.io.warc`'s and :mod:`cleaner.io.parquet`'s.
"""

from __future__ import annotations

import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cleaner.errors import InputError
from cleaner.io.items import (
    InputItem,
    ReadOptions,
    ReadState,
    doc_id,
    file_size,
    file_type,
    is_stream,
    kind_of,
    limit_message,
)
from cleaner.io.jsonl import read_jsonl
from cleaner.io.parquet import (  # noqa: F401 - part of this module's interface
    PARQUET_BATCH_BYTES,
    PARQUET_BATCH_ROWS,
    parquet_columns,
    parquet_names,
    read_parquet,
)
from cleaner.io.stdin import read_named_stream, read_stream
from cleaner.io.streams import (  # noqa: F401 - older names
    DecompressingRaw,
    TruncatedInput,
    open_binary,
    open_nonblocking,
    read_capped,
    read_line,
)
from cleaner.io.warc import read_warc  # noqa: F401 - part of this module's interface


def iter_inputs(
    inputs: list[str],
    format: str | ReadOptions = "auto",
    *,
    skip: int = 0,
    state: ReadState | None = None,
) -> Iterator[InputItem]:
    """All input items of the given paths, in order (folders walked sorted).

    ``skip`` items are passed over first (a resumed run); ``state`` (optional)
    is updated with the bytes read, for progress, and the files passed over.
    """
    opts = format if isinstance(format, ReadOptions) else ReadOptions(format=format)
    st = state if state is not None else ReadState(skip)
    if state is not None and skip:
        st.skip = skip
    for spec in inputs:
        if spec == "-":
            yield from read_stream(sys.stdin.buffer, "<stdin>", "stdin", opts, st)
            continue
        path = Path(spec)
        if path.is_dir():
            for f in walk(path, opts.exclude, st.skipped, st.skipped_kinds):
                yield from _read_file(f, opts, st, root=path)
        elif path.is_file():
            yield from _read_file(path, opts, st, root=None)
        elif is_stream(path):
            yield from read_named_stream(path, opts, st)
        else:
            raise InputError(f"{spec}: no such file or folder")


def walk(
    root: Path,
    exclude: tuple[str, ...] = (),
    skipped: list[tuple[str, str]] | None = None,
    kinds: Counter[str] | None = None,
) -> Iterator[Path]:
    """The readable files under ``root``, in a deterministic order: the files of a
    folder sorted by name, then its subfolders, sorted. Run folders of cleaner
    and the files or folders of ``exclude`` are passed over; so are files that
    are not regular files (FIFOs, devices, sockets, or links to them), which
    are added to ``skipped`` as (path, what it is). Links to folders are not
    followed. Files of kinds not read (but hidden ones) are counted in
    ``kinds`` by their extension (``.md``; ``(none)`` without one)."""
    ids: set[tuple[int, int]] = set()
    for e in exclude:
        try:
            st = os.stat(e)
            ids.add((st.st_dev, st.st_ino))
        except OSError:
            pass  # not there (yet): nothing to pass over
    yield from _walk_dir(str(root), ids, skipped, kinds)


def _excluded(e: os.DirEntry[str], ids: set[tuple[int, int]]) -> bool:
    if not ids:
        return False
    if not e.is_symlink() and all(e.inode() != i for _, i in ids):
        return False  # the inode from the folder listing: no system call for most entries
    try:
        st = os.stat(e.path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) in ids


def _walk_dir(
    top: str, ids: set[tuple[int, int]], skipped: list[tuple[str, str]] | None, kinds: Counter[str] | None
) -> Iterator[Path]:
    if ids:
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in ids:
                return
        except OSError:
            pass
    try:
        with os.scandir(top) as it:
            entries = list(it)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is passed over
    files: list[Any] = []
    dirs: list[Any] = []
    for e in entries:
        try:
            is_dir = e.is_dir()
        except OSError:
            is_dir = False
        (dirs if is_dir else files).append(e)
    for e in sorted(files, key=lambda e: e.name):
        if kind_of(e.name) is None:
            if kinds is not None and not e.name.startswith("."):
                kinds[os.path.splitext(e.name)[1].lower() or "(none)"] += 1
            continue
        if _excluded(e, ids):
            continue
        try:
            regular = e.is_file()  # follows a link (d_type for the others: no system call)
            mode = 0 if regular else os.stat(e.path).st_mode
        except OSError:  # a dangling link: the reader reports it
            regular, mode = True, 0
        if regular:
            yield Path(e.path)
        elif skipped is not None:
            skipped.append((e.path, file_type(mode)))
    for e in sorted(dirs, key=lambda e: e.name):
        if (e.name.startswith(".") and e.name.endswith("cleaner-run")) or e.is_symlink():
            continue
        yield from _walk_dir(e.path, ids, skipped, kinds)


_walk = walk  # older name


def input_bytes(inputs: list[str], exclude: tuple[str, ...] = ()) -> int | None:
    """On-disk size of all inputs (None when it cannot be known, e.g. stdin)."""
    total = 0
    for spec in inputs:
        if spec == "-":
            return None
        p = Path(spec)
        try:
            if p.is_file():
                total += p.stat().st_size
            elif p.is_dir():
                for f in walk(p, exclude):
                    try:
                        total += f.stat().st_size
                    except OSError:
                        pass
            else:
                return None
        except OSError:
            return None
    return total or None


_NEEDS = {
    "warc": ("warcio", "WARC input"),
    "parquet": ("pyarrow", "Parquet input"),
    "zst": ("zstandard", "zstd-compressed input"),
}


def require(what: str) -> None:
    """Raise a usage error naming the package to install when an optional reader's library is missing."""
    module, label = _NEEDS[what]
    try:
        __import__(module)
    except ImportError:
        raise InputError(f"{label} needs the `{module}` package: pip install {module}") from None


def _needs(path: Path) -> str | None:
    kind = kind_of(path)
    if kind in ("warc", "parquet"):
        return kind
    if kind == "jsonl" and str(path).lower().endswith((".zst", ".zstd")):
        return "zst"
    return None


def check_inputs(inputs: list[str], opts: ReadOptions) -> None:
    """Usage errors found before any work: missing paths, sockets and other
    files that cannot be read, a missing library for a file named on the
    command line, Parquet files without the content column."""
    for spec in inputs:
        if spec == "-":
            continue
        p = Path(spec)
        try:
            mode = os.stat(p).st_mode
        except FileNotFoundError:
            raise InputError(f"{spec}: no such file or folder") from None
        except OSError as exc:
            raise InputError(f"{spec}: cannot read: {exc.strerror or exc}") from None
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or is_stream(p)):
            raise InputError(f"{spec}: is a {file_type(mode)}, not a file, folder or stream to read")
        if stat.S_ISDIR(mode) and not os.access(p, os.R_OK | os.X_OK):
            raise InputError(f"{spec}: folder cannot be read (permission denied)")
        if stat.S_ISREG(mode) and _needs(p):
            require(_needs(p))  # type: ignore[arg-type]
        if stat.S_ISREG(mode) and kind_of(p) == "parquet":
            try:
                names = parquet_names(p)
            except Exception as exc:
                raise InputError(f"{spec}: cannot read Parquet file: {exc}") from exc
            parquet_columns(names, opts, p)


def _read_file(path: Path, opts: ReadOptions, st: ReadState, root: Path | None) -> Iterator[InputItem]:
    kind = kind_of(path)
    need = _needs(path)
    if need:
        require(need)
    if kind == "jsonl":
        yield from read_jsonl(path, opts.format, st, opts.max_bytes)
        return
    if kind == "warc":
        yield from read_warc(path, st, opts.max_bytes)
        return
    if kind == "parquet":
        yield from read_parquet(path, opts, st)
        return
    format = opts.format
    if kind is None and format == "auto":
        kind = "auto"
    fmt = format if format != "auto" else (kind or "auto")
    if st.take_skip():
        st.finish_file(file_size(path))
        return
    rid = doc_id(path, root)
    cap = opts.max_bytes
    try:
        fh, info = open_nonblocking(path)  # a FIFO put there since the walk must not block the run
    except OSError as exc:
        yield InputItem(rid, None, fmt, str(path), error=f"{path}: cannot read: {exc}")
        return
    with fh:
        if not stat.S_ISREG(info.st_mode):
            yield InputItem(
                rid,
                None,
                fmt,
                str(path),
                error=f"{path}: is a {file_type(info.st_mode)}, not a regular file; not read",
            )
            return
        if cap and info.st_size > cap:
            st.finish_file(info.st_size)
            yield InputItem(
                rid,
                None,
                fmt,
                str(path),
                nbytes=info.st_size,
                error=limit_message(str(path), info.st_size, cap, "file"),
            )
            return
        try:
            data, size = read_capped(fh, cap)  # it may have grown since
        except OSError as exc:
            yield InputItem(rid, None, fmt, str(path), error=f"{path}: cannot read: {exc}")
            return
    st.finish_file(size)
    if data is None:
        yield InputItem(
            rid,
            None,
            fmt,
            str(path),
            nbytes=size,
            error=limit_message(str(path), size, cap, "file", at_least=True),
        )
        return
    yield InputItem(rid, data, fmt, str(path))
