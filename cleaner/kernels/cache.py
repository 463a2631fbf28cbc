"""numba's disk cache for cleaner's kernels, in cleaner's cache folder (imported with numba,
when a process runs its kernels compiled: :func:`cleaner.kernels.use`)."""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from numba.core.caching import (
    CompileResultCacheImpl,
    FunctionCache,
    NullCache,
    _Cache,
    _CacheLocator,
)

_CLEANER = Path(__file__).resolve().parent.parent  # (the cleaner package's folder)


class FolderCache(_Cache):
    """numba's per-function disk cache, set up on first use: the folder is
    :func:`cleaner.jit.cache_folder` at that moment; when it cannot be written,
    the function is compiled each time, as numba does without a usable folder."""

    def __init__(self, py_func: Callable[..., Any]) -> None:
        self._py_func = py_func
        self._cache: _Cache | None = None
        self._enabled = True

    def _real(self) -> _Cache:
        # (numba calls this under its compiler lock: one thread at a time)
        if self._cache is None:
            try:
                cache: _Cache = _KernelCache(self._py_func)
            except OSError:
                cache = NullCache()
            if not self._enabled:
                cache.disable()
            self._cache = cache
        return self._cache

    @property
    def cache_path(self) -> str | None:
        return self._real().cache_path

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        return self._real().load_overload(sig, target_context)

    def save_overload(self, sig: Any, data: Any) -> None:
        self._real().save_overload(sig, data)

    def enable(self) -> None:
        self._enabled = True
        if self._cache is not None:
            self._cache.enable()

    def disable(self) -> None:
        self._enabled = False
        if self._cache is not None:
            self._cache.disable()

    def flush(self) -> None:
        if self._cache is not None:
            self._cache.flush()


class _Locator(_CacheLocator):
    """Where a kernel's cache files go: a folder per source folder under
    :func:`cleaner.jit.cache_folder`, as numba lays out ``$NUMBA_CACHE_DIR``.

    The source stamp that makes numba compile again after a change is, for a
    kernel in a subpackage of cleaner (this one, :mod:`cleaner.artifacts`),
    every module of that subpackage, else the kernel's own file: a kernel
    inlines the helpers and constants of the modules it imports, and numba on
    its own renews a cache only when the kernel's file changes."""

    def __init__(self, py_func: Callable[..., Any], py_file: str) -> None:
        from cleaner.jit import cache_folder

        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = os.path.join(cache_folder(), self.get_suitable_cache_subpath(py_file))

    def get_cache_path(self) -> str:
        return self._cache_path

    def get_source_stamp(self) -> str:
        path = Path(self._py_file).resolve()
        files = sorted(path.parent.glob("*.py")) if path.parent.parent == _CLEANER else [path]
        return _stamp(tuple((str(f), *_stat(f)) for f in files))

    def get_disambiguator(self) -> str:
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func: Callable[..., Any], py_file: str) -> _Locator:
        return cls(py_func, py_file)


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=64)
def _stamp(files: tuple[tuple[str, int, int], ...]) -> str:
    """A digest of the files' contents (keyed by their times and sizes: read once while they stay the same)."""
    h = hashlib.sha256()
    for name, _, _ in files:
        h.update(name.encode("utf-8", "surrogatepass") + b"\0")
        h.update(Path(name).read_bytes())
    return h.hexdigest()


class _KernelCacheImpl(CompileResultCacheImpl):
    """numba's ``CompileResultCacheImpl`` with :class:`_Locator` as its only
    locator (numba's own choose from ``numba.config.CACHE_DIR``, read when the
    function is decorated)."""

    def __init__(self, py_func: Callable[..., Any]) -> None:
        source = inspect.getfile(py_func)
        self._lineno = py_func.__code__.co_firstlineno
        self._locator = _Locator.from_function(py_func, source)
        self._locator.ensure_cache_path()  # (OSError: cannot be written; see FolderCache)
        modname = os.path.splitext(os.path.basename(source))[0]
        self._filename_base = self.get_filename_base(
            f"{modname}.{py_func.__qualname__}", getattr(sys, "abiflags", "")
        )


class _KernelCache(FunctionCache):
    _impl_class = _KernelCacheImpl


# the character tables, as cleaner.artifacts reads them (``kernels.tables()``, ``kernels.SP``, ...)
