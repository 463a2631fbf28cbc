"""Arrays and word lists derived from the libraries' own data, kept on disk
between runs (in the same folder as numba's compiled kernels: ``data/``
under ``$NUMBA_CACHE_DIR``, else ``~/.cache/cleaner/numba``).

Nothing here is downloaded: each file is built from data already installed
(langdetect's profiles, wordfreq's lists, Python's Unicode tables) the first
time it is needed, and named by a hash of everything it is built from, so a
new version of any of them builds it again. Files are written under a
temporary name and renamed, so a reader never sees half a file; a file that
cannot be read is built again; a folder that cannot be written only means
building each time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.jit import cache_folder


def cache_file(kind: str, *built_from: str, suffix: str = ".npz") -> Path | None:
    """The file for data of ``kind`` built from ``built_from`` (versions,
    sources, parameters), or None when there is no cache folder."""
    folder = cache_folder()
    key = hashlib.sha1("\x00".join(built_from).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return Path(folder) / "data" / f"{kind}-{key}{suffix}"


def load_arrays(path: Path | None) -> dict[str, np.ndarray] | None:
    """The arrays saved at ``path`` (read-only, as :func:`save_arrays` leaves
    them), or None."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except Exception:  # a damaged or partial file: build again
        return None
    for a in arrays.values():
        a.flags.writeable = False
    return arrays


def save_arrays(path: Path | None, arrays: dict[str, np.ndarray]) -> None:
    """Keep ``arrays`` at ``path``; they become read-only, as :func:`load_arrays`
    gives them back: a compiled kernel is compiled for read-only or writable
    arrays, and a first run (which builds them) must not compile it again for
    the runs that read them."""
    for a in arrays.values():
        a.flags.writeable = False
    _write(path, lambda fh: np.savez(fh, **arrays))  # type: ignore[arg-type]  # (numpy types **kwds as bool)


def load_json(path: Path | None) -> Any:
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except Exception:  # a damaged or partial file: build again
        return None


def save_json(path: Path | None, value: Any) -> None:
    _write(path, lambda fh: fh.write(json.dumps(value, ensure_ascii=False).encode("utf-8")))


def _write(path: Path | None, write: Any) -> None:
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".tmp", delete=False) as fh:
            tmp = fh.name
            write(fh)
        os.replace(tmp, path)
    except OSError:  # a read-only cache: build each time
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
