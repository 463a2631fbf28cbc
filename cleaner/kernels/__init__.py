"""The compiled kernels (numba), by concern, each held to a readable reference by the tests.

* :mod:`~cleaner.kernels.chars`: the character tables (Unicode flags, lower
  case, ``re.IGNORECASE`` folding) built from Python's own ``str``, a text as
  code points, FNV hashes and their open-addressing tables, a sorted word
  list's bisection;
* :mod:`~cleaner.kernels.lines`: the words of each line (counts, stop words,
  title case, sentence ends, ...; reference ``cleaner.classify._line_rows_py``),
  the lines the marker regexes must look at, and :class:`~cleaner.kernels.lines.TextView`,
  the lines as the kernels read them;
* :mod:`~cleaner.kernels.prefilter`: the rules' prefilter: the strings each
  line holds (:class:`~cleaner.kernels.prefilter.Literals`), the (line, rule)
  pairs a pattern rule must try, the lines a phrase rule must look up;
* the text model (:mod:`cleaner.textmodel`): :mod:`~cleaner.kernels.shape`
  (what a dump's line is: list item, heading, link, table row),
  :mod:`~cleaner.kernels.features` (its line features and word groups),
  :mod:`~cleaner.kernels.forest` (the tree ensembles' scores and reasons) and
  :mod:`~cleaner.kernels.region` (the region features of the context rounds,
  the article's spans).

:func:`njit` is numba's, with the disk cache in cleaner's cache folder
(:func:`cleaner.jit.cache_folder`), chosen when a kernel first compiles or
loads: importing a kernel module sets no environment variable or numba
setting and creates no folder. The kernels compile on first use, once, and
a pipeline compiles the ones it runs in groups before its first document
(:mod:`cleaner.jit`).

Compiled or Python
    Every kernel is also plain Python: the same function, run by the
    interpreter, gives the same result (numpy's fixed-width integers wrap as
    the compiled code's do). A process runs all its kernels one way, chosen at
    the first kernel call or warm-up (:func:`use`, else ``$CLEANER_KERNELS``:
    ``compiled``, the default, or ``python``). Python is some 200 times slower
    on long texts and needs no compiling: the CLI runs a small input that way
    when the kernels are not compiled yet (:func:`cleaner.jit.choose`), so that
    a first run of one small file does not wait for numba.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

MODES = ("compiled", "python")
MODE_ENV = "CLEANER_KERNELS"
_mode: str | None = None  # chosen at the first kernel call or warm-up (or by use())
_kernels: list[Kernel] = []  # every kernel defined before that


def njit(*args: Any, cache: bool = False, python: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``numba.njit``; with ``cache=True`` the compiled code is kept in cleaner's
    cache folder, which is chosen (and created) at the function's first compile,
    not here. ``python``: what runs in its place when kernels run in Python (a
    numpy version with the same result, where the loops are slow in Python; the
    tests hold them equal), else the function itself. Before the process has
    chosen how to run kernels (:func:`use`), the kernel is a :class:`Kernel`
    that stands for the function until then."""

    def wrap(fn: Callable[..., Any]) -> Any:
        if _mode is not None:
            return _implement(fn, cache, options, python)
        kernel = Kernel(fn, cache, options, python)
        _kernels.append(kernel)
        return kernel

    if args and callable(args[0]) and len(args) == 1:
        return wrap(args[0])
    if args:
        raise TypeError("njit takes the function, or keyword options only")
    return wrap


def _implement(
    fn: Callable[..., Any], cache: bool, options: dict[str, Any], python: Callable[..., Any] | None = None
) -> Any:
    """``fn`` as the chosen mode runs it: numba's dispatcher, or ``fn`` itself (or its ``python`` twin)."""
    if _mode == "python":
        return python or fn
    import numba  # (only when kernels run compiled: Python runs need no numba)

    from cleaner.kernels.cache import FolderCache

    dispatcher = numba.njit(**options)(fn)
    if cache:
        dispatcher._cache = FolderCache(fn)  # (what Dispatcher.enable_caching sets, made lazy)
    return dispatcher


class Kernel:
    """A kernel defined before the process chose how to run kernels. When it
    chooses (:func:`use`), each module of cleaner that holds a Kernel under a
    name gets the chosen implementation in its place (so that a compiled kernel
    calls other kernels compiled, and Python calls them directly); a Kernel kept
    elsewhere calls the implementation."""

    def __init__(
        self, fn: Callable[..., Any], cache: bool, options: dict[str, Any], python: Callable[..., Any] | None
    ) -> None:
        self.py_func = self.__wrapped__ = fn
        self.python = python
        self.__name__, self.__qualname__ = fn.__name__, fn.__qualname__
        self.__module__, self.__doc__ = fn.__module__, fn.__doc__
        self._cache, self._options = cache, options
        self._impl: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._impl is None:
            use(None)
        return self._impl(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # (the dispatcher's own attributes, once there is one)
        if name.startswith("__") or name in ("py_func", "python", "_cache", "_options", "_impl"):
            raise AttributeError(name)
        if self._impl is None:
            use(None)
        return getattr(self._impl, name)

    def __repr__(self) -> str:
        return f"<cleaner kernel {self.__module__}.{self.__qualname__} ({_mode or 'not chosen yet'})>"


def mode() -> str | None:
    """How this process runs its kernels (``compiled`` or ``python``), None before it chose."""
    return _mode


def use(chosen: str | None) -> str:
    """Run this process's kernels compiled or in Python (None: ``$CLEANER_KERNELS``,
    else compiled). The first choice holds; a later, different one is an error
    (a compiled kernel keeps the kernels it calls). Returns the mode in use."""
    global _mode
    if chosen is None:
        if _mode is not None:
            return _mode
        chosen = os.environ.get(MODE_ENV, "").strip().lower() or "compiled"
        if chosen not in MODES:
            raise ValueError(f"${MODE_ENV}={chosen!r}: expected one of {', '.join(MODES)}")
    if chosen not in MODES:
        raise ValueError(f"kernels: {chosen!r} is not one of {', '.join(MODES)}")
    if _mode is not None:
        if chosen != _mode:
            raise RuntimeError(
                f"this process already runs its kernels {_mode}; start a new one to run them {chosen}"
            )
        return _mode
    _mode = chosen
    if chosen == "python":
        import warnings

        # numpy's fixed-width integers wrap, as the compiled code's do (the hashes rely on it), and say so
        warnings.filterwarnings(
            "ignore", message="overflow encountered in scalar", category=RuntimeWarning, module=r"cleaner\."
        )
    for k in _kernels:
        k._impl = _implement(k.py_func, k._cache, k._options, k.python)
    for name, module in list(sys.modules.items()):
        if name == "cleaner" or name.startswith("cleaner."):
            names = getattr(module, "__dict__", {})
            for attr, value in list(names.items()):
                if isinstance(value, Kernel):
                    names[attr] = value._impl
    return _mode


from cleaner.kernels.chars import (  # noqa: E402
    AN,
    DEC,
    SP,
    code_points,
    find_word,
    fold_table,
    tables,
)

__all__ = [
    "njit",
    "use",
    "mode",
    "Kernel",
    "AN",
    "DEC",
    "SP",
    "code_points",
    "find_word",
    "fold_table",
    "tables",
]
