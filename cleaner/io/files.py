"""Files of a run folder, made so that nothing outside it is ever written through a link.

``create_file`` makes a new file (failing if anything, a link too, is there),
``open_existing`` opens one without following a link, ``replace_atomically``
puts bytes under a name through a temporary file and a rename, ``fsync_dir``
makes a folder's entries durable; ``FILE_MODE`` is the mode a file created by
``open()`` gets (outputs are renamed out of the run folder with it).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what a file created by open() gets: outputs are renamed out of the run folder


def create_file(path: Path, mode: str = "wb") -> Any:
    """A new file of the run folder, opened for writing: fails if anything (a
    link too) is already there, so nothing outside is ever written through it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, FILE_MODE)
    return os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")


def replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a unique temporary file beside it and
    a rename: a link at ``target`` is replaced, never written through."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def open_existing(path: Path, mode: str = "r+b") -> Any:
    """An existing file of the run folder, opened without following a link."""
    flags = os.O_RDWR if "+" in mode or "w" in mode or "a" in mode else os.O_RDONLY
    fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC)
    return os.fdopen(fd, mode)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
