"""Site templates' line hashes, compiled (numba).

:func:`template_hashes` gives each line the 64-bit FNV-1a hash of its
normalised form (:func:`cleaner.templates.normalise_line` is the readable
reference, which the tests hold it to): leading white space and list, quote,
heading and numbered-list marks skipped, markdown link targets (``](...)``)
skipped, letters lower-cased, decimal digits read as ``0``, every run of other
characters one space between words. 0 stands for a line with nothing left (or
longer than ``max_chars``): never a template. The hash is the same in every
process (the character tables are built from Python's own ``str``).
"""

from __future__ import annotations

import numpy as np

from cleaner.jit import Group
from cleaner.kernels import njit
from cleaner.kernels.chars import AN, DEC, FNV_OFFSET, FNV_PRIME, SP, code_points, tables

# list and quote marks that start a line ("* Home", "o Subscribe", "> quote", "| cell")
MARKS = "-*+\u2022\u00b7\u25e6\u25aa\u25b8\u25ba\u00bb>|o"
_MARK_CODES = np.array(sorted(map(ord, MARKS)), dtype=np.uint32)


@njit(cache=True, nogil=True)
def _is_mark(c, marks):  # pragma: no cover - compiled
    for m in marks:
        if c == m:
            return True
    return False


@njit(cache=True, nogil=True)
def _skip_marks(cps, a, b, flags, marks):  # pragma: no cover - compiled
    """The first character after the line's leading white space and marks, each mark
    (a mark character, one to six '#', one to three digits and '.' or ')') followed by white space."""
    while a < b and flags[cps[a]] & SP:
        a += 1
    while a < b:
        c = cps[a]
        j = a
        if c == 35:  # '#'
            while j < b and cps[j] == 35 and j - a < 6:
                j += 1
        elif _is_mark(c, marks):
            j += 1
        elif flags[c] & DEC:
            while j < b and flags[cps[j]] & DEC and j - a < 3:
                j += 1
            if j < b and (cps[j] == 46 or cps[j] == 41):  # '.' or ')'
                j += 1
            else:
                return a
        else:
            return a
        if j >= b or not flags[cps[j]] & SP:
            return a
        while j < b and flags[cps[j]] & SP:
            j += 1
        a = j
    return a


@njit(cache=True, nogil=True)
def template_hashes(cps, starts, ends, flags, lower, marks, max_chars):  # pragma: no cover - compiled
    n = len(starts)
    out = np.zeros(n, dtype=np.uint64)
    for i in range(n):
        a, b = starts[i], ends[i]
        if b - a > max_chars:
            continue
        k = _skip_marks(cps, a, b, flags, marks)
        h = FNV_OFFSET
        started = False
        sep = False
        while k < b:
            c = cps[k]
            if c == 93 and k + 1 < b and cps[k + 1] == 40:  # "](": a link's target, to its closing ')'
                depth = 0
                m = k + 1
                while m < b:
                    if cps[m] == 40:
                        depth += 1
                    elif cps[m] == 41:
                        depth -= 1
                        if depth == 0:
                            break
                    m += 1
                if m < b:
                    k = m + 1
                    sep = True
                    continue
            f = flags[c]
            if f & AN:
                if sep and started:
                    h = (h ^ np.uint64(32)) * FNV_PRIME
                v = 48 if f & DEC else lower[c]
                h = (h ^ np.uint64(v)) * FNV_PRIME
                started = True
                sep = False
            else:
                sep = True
            k += 1
        if started:
            out[i] = h
    return out


def hashes_of(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray, max_chars: int) -> np.ndarray:
    """:func:`template_hashes` of the lines ``cps[starts[i]:ends[i]]``."""
    flags, lower, _ = tables()
    return template_hashes(cps, starts, ends, flags, lower, _MARK_CODES, max_chars)


def line_hash_array(texts: list[str], max_chars: int) -> np.ndarray:
    """Each line's template hash (0: nothing left)."""
    m = len(texts)
    if not m:
        return np.zeros(0, dtype=np.uint64)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=m)
    ends = np.cumsum(lens + 1) - 1
    starts = ends - lens
    return hashes_of(code_points("\n".join(texts)), starts, ends, max_chars)


def warm() -> None:
    line_hash_array(["* [Home](https://example.com/)", "## Page 3 of 12", "1. Most read", ""], 2000)


GROUP = Group("templates", "cleaner.kernels.templates:warm", cost=1.0)
