"""The character tables and hashes the kernels share (numba).

Unicode properties come from tables built from Python's own ``str`` methods, so
``split``, ``istitle``, ``isupper``, ``isdigit`` and ``lower`` agree with
Python's (single-character case mappings; the rare characters that lower to
two, such as "İ", keep their own code; "Σ" lowers to "σ" in the table, and
:func:`lower_at` gives the final "ς" where ``str.lower`` does); :func:`fold_table` compares characters
as ``re.IGNORECASE`` does. The basic plane's rows are kept in the cache folder
(:mod:`cleaner.datacache`); other planes are filled as documents bring their
characters (:func:`code_points`).

Hashes are 64-bit FNV-1a of lower-cased code points, looked up in
open-addressing tables (:func:`hash_table`, :func:`in_table`);
:func:`find_word` bisects a sorted word list kept as one buffer.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.kernels import njit

# character flags
SP, UP, LO, TI, DIG, DEC, AN, CS, CJK, PUNCT, PLAIN, UNDERSCORE = (
    1,
    2,
    4,
    8,
    16,
    32,
    64,
    128,
    256,
    512,
    1024,
    2048,
)
# what str.lower reads around a capital sigma (Unicode's Final_Sigma context): a
# cased character that is not case-ignorable, and a case-ignorable one
SIGMA_CASED, CASE_IGNORABLE = 4096, 8192
CAPITAL_SIGMA, SMALL_SIGMA, FINAL_SIGMA = 0x3A3, 0x3C3, 0x3C2
_MAX_CP = 0x110000
FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)

_lock = threading.Lock()
_tables: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
_fold: np.ndarray | None = None
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def _flags_of(chars: str) -> tuple[np.ndarray, np.ndarray]:
    """Flags and single-character lower-case codes of each character of ``chars``
    (C-level maps over the characters: the basic plane takes a few tens of ms)."""
    import operator
    import unicodedata
    from functools import partial

    n = len(chars)

    def col(values: object, dtype: object = bool) -> np.ndarray:
        return np.fromiter(values, dtype=dtype, count=n)  # type: ignore[call-overload]

    codes = col(map(ord, chars), np.int64)
    lows = list(map(str.lower, chars))
    one = col(map(operator.eq, map(len, lows), [1] * n))
    upper = col(map(str.isupper, chars))
    flags = (
        col(map(str.isspace, chars)) * SP
        + upper * UP
        + col(map(str.islower, chars)) * LO
        + (col(map(str.istitle, chars)) & ~upper) * TI
        + col(map(str.isdigit, chars)) * DIG
        + col(map(str.isdecimal, chars)) * DEC
        + col(map(str.isalnum, chars)) * AN
        + col(map(operator.ne, lows, map(str.upper, chars))) * CS
    ).astype(np.uint16)
    lower = np.where(one, col(map(ord, (x[0] for x in lows)), np.int64), codes).astype(np.uint32)
    # plain: NFKC leaves it alone (also next to others: no combining mark, no
    # Hangul jamo) and its case fold is its one-character lower case, so that
    # for a line of such characters ``norm_phrase`` is plain lower-casing
    cats = np.array(list(map(unicodedata.category, chars)))
    plain = (
        one
        & col(map(operator.eq, map(str.casefold, chars), lows))
        & col(map(operator.eq, map(partial(unicodedata.normalize, "NFKC"), chars), chars))
        & (col(map(unicodedata.combining, chars), np.int64) == 0)
        & ~np.isin(cats, ["Mn", "Mc", "Me", "Cs"])
        & ~(
            ((codes >= 0x1100) & (codes <= 0x11FF))
            | ((codes >= 0xA960) & (codes <= 0xA97F))
            | ((codes >= 0xAC00) & (codes <= 0xD7FF))
        )
    )
    flags |= plain.astype(np.uint16) * PLAIN
    # the Final_Sigma context, as str.lower reads it: "cΣ" lowers to a final
    # sigma when c is cased and not case-ignorable; "AcΣ" when c is either
    cased = col(x.endswith("\u03c2") for x in map(str.lower, map("{}\u03a3".format, chars)))
    either = col(x.endswith("\u03c2") for x in map(str.lower, map("A{}\u03a3".format, chars)))
    flags |= cased.astype(np.uint16) * SIGMA_CASED + (either & ~cased).astype(np.uint16) * CASE_IGNORABLE
    return flags, lower


def tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flags, lower, astral_done): the character tables; the basic plane is
    filled at once, other planes as documents bring their characters."""
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                flags = np.zeros(_MAX_CP, dtype=np.uint16)
                lower = np.arange(_MAX_CP, dtype=np.uint32)
                cached = _load_bmp("tables", flags=np.uint16, lower=np.uint32)
                if cached is not None:
                    flags[:0x10000], lower[:0x10000] = cached["flags"], cached["lower"]
                else:
                    f, low = _flags_of("".join(map(chr, range(0x10000))))
                    flags[:0x10000] = f
                    lower[:0x10000] = low
                    for a, b in _CJK_RANGES:
                        flags[a : b + 1] |= CJK
                    for c in ",\uff0c\u3001\u3002":
                        flags[ord(c)] |= PUNCT
                    flags[ord("_")] |= UNDERSCORE
                    _save_bmp("tables", flags=flags[:0x10000], lower=lower[:0x10000])
                done = np.zeros(_MAX_CP, dtype=bool)
                done[:0x10000] = True
                # the astral characters that have a case, up front: what a rule
                # compiles to must not depend on the documents seen before it
                cased = _astral_cased()
                f, low = _flags_of("".join(map(chr, cased.tolist())))
                flags[cased], lower[cased], done[cased] = f, low, True
                _tables = (flags, lower, done)
    return _tables


def _astral_cased() -> np.ndarray:
    """The code points beyond the basic plane with a case mapping (Deseret,
    Osage, Adlam, ...: a few hundred), from Python's ``str`` and ``re``
    tables; kept in the cache folder (finding them takes a quarter second)."""
    cached = _load_bmp("astral", cased=np.int64, length=None)
    if cached is not None:
        return cached["cased"]
    import _sre

    codes = range(0x10000, _MAX_CP)
    cased = np.array(
        [
            c
            for c in codes
            if _sre.unicode_tolower(c) != c or chr(c).lower() != chr(c) or chr(c).upper() != chr(c)
        ],
        dtype=np.int64,
    )
    _save_bmp("astral", cased=cased)
    return cased


def _bmp_file(kind: str) -> Path | None:
    """The cache file (:mod:`cleaner.datacache`) of the basic plane's rows of a
    table: named by this module and the Python and Unicode versions it is
    built from (built from Python's ``str`` methods, it takes 60 ms a process)."""
    import sys
    import unicodedata

    from cleaner import datacache

    return datacache.cache_file(
        f"kernels-{kind}",
        Path(__file__).read_text(encoding="utf-8"),
        sys.version,
        unicodedata.unidata_version,
    )


def _load_bmp(kind: str, **dtypes: Any) -> dict[str, np.ndarray] | None:
    """The cached arrays of ``kind`` when each has its dtype and the basic
    plane's length, else None (none yet, or a damaged file: built again)."""
    from cleaner import datacache

    length = dtypes.pop("length", 0x10000)
    arrays = datacache.load_arrays(_bmp_file(kind))
    if arrays is None or any(
        k not in arrays
        or arrays[k].dtype != dt
        or arrays[k].ndim != 1
        or (length and arrays[k].shape != (length,))
        for k, dt in dtypes.items()
    ):
        return None
    return arrays


def _save_bmp(kind: str, **arrays: np.ndarray) -> None:
    from cleaner import datacache

    datacache.save_arrays(_bmp_file(kind), dict(arrays))


def _fold_codes(codes: np.ndarray) -> np.ndarray:
    """What ``re.IGNORECASE`` compares: the simple lower case of each code,
    with the few extra equivalences ``re`` knows (i/ı, s/ſ, µ/μ, ...) mapped
    to one representative."""
    import _sre
    from re import _casefix  # type: ignore[attr-defined]

    low = np.fromiter(map(_sre.unicode_tolower, codes.tolist()), dtype=np.uint32, count=len(codes))
    canon: dict[int, int] = {}
    for a, others in _casefix._EXTRA_CASES.items():
        cls = (a, *others)
        for c in cls:
            canon[c] = min(canon.get(c, c), *cls)
    for c, rep in canon.items():
        low[low == c] = rep
    return low


def fold_table() -> np.ndarray:
    """The code -> ``re.IGNORECASE`` class table (see :func:`_fold_codes`)."""
    global _fold
    if _fold is None:
        with _lock:
            if _fold is None:
                fold = np.arange(_MAX_CP, dtype=np.uint32)
                cached = _load_bmp("fold", fold=np.uint32)
                if cached is not None:
                    fold[:0x10000] = cached["fold"]
                else:
                    fold[:0x10000] = _fold_codes(np.arange(0x10000, dtype=np.uint32))
                    _save_bmp("fold", fold=fold[:0x10000])
                cased = _astral_cased()  # up front, as in tables()
                fold[cased] = _fold_codes(cased.astype(np.uint32))
                _fold = fold
    return _fold


def code_points(joined: str) -> np.ndarray:
    """The text as an array of code points (filling the tables for any
    character outside the basic plane first)."""
    flags, lower, done = tables()
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not joined.isascii() and len(cps) and cps.max() > 0xFFFF:
        new = [c for c in set(_ASTRAL.findall(joined)) if not done[ord(c)]]
        if new:
            chars = "".join(new)
            f, low = _flags_of(chars)
            idx = np.fromiter(map(ord, chars), dtype=np.int64, count=len(chars))
            flags[idx] = f
            lower[idx] = low
            done[idx] = True
            fold = fold_table()
            fold[idx] = _fold_codes(idx.astype(np.uint32))
    return cps


def stop_hashes(stops: frozenset[str]) -> np.ndarray:
    """The stop words' hashes (words lower-cased as the kernel does) as an
    open-addressing table for :func:`in_table`."""
    flags, lower, _ = tables()
    words = sorted(stops)
    if not words:
        return np.zeros(0, dtype=np.uint64)
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    ends = np.cumsum(lens + 1) - 1
    return hash_table(_hash_words(code_points("\n".join(words)), ends - lens, ends, lower))


def hash_table(hashes: np.ndarray) -> np.ndarray:
    """An open-addressing table of 64-bit hashes (0 = empty slot), at most a
    quarter full, for ``in_table``."""
    hashes = np.unique(np.asarray(hashes, dtype=np.uint64))
    size = 1 << max(4, int(4 * len(hashes) - 1).bit_length())
    return _hash_table(hashes[hashes != 0], size)


# ------------------------------------------------------------- hash kernels
@njit(cache=True, nogil=True)
def lower_at(cps, s, e, k, flags, lower):  # pragma: no cover - compiled
    """The lower case of cps[k] in the text cps[s:e], as ``str.lower`` gives it:
    the table's, but for a capital sigma that ends a word (a cased character
    before it and none after it, case-ignorable ones skipped), the final "ς"."""
    c = cps[k]
    if c != CAPITAL_SIGMA:
        return lower[c]
    j = k - 1
    while j >= s and flags[cps[j]] & CASE_IGNORABLE:
        j -= 1
    if j < s or not (flags[cps[j]] & SIGMA_CASED):
        return SMALL_SIGMA
    j = k + 1
    while j < e and flags[cps[j]] & CASE_IGNORABLE:
        j += 1
    if j < e and flags[cps[j]] & SIGMA_CASED:
        return SMALL_SIGMA
    return FINAL_SIGMA


@njit(cache=True, nogil=True)
def _hash(cps, a, b, lower):  # pragma: no cover - compiled
    """64-bit FNV-1a of the lower-cased code points cps[a:b]."""
    h = FNV_OFFSET
    for k in range(a, b):
        h = (h ^ np.uint64(lower[cps[k]])) * FNV_PRIME
    return h


@njit(cache=True, nogil=True)
def _hash_words(cps, starts, ends, lower):  # pragma: no cover - compiled
    out = np.empty(len(starts), dtype=np.uint64)
    for i in range(len(starts)):
        out[i] = _hash(cps, starts[i], ends[i], lower)
    return out


@njit(cache=True, nogil=True)
def _hash_table(hashes, size):  # pragma: no cover - compiled
    table = np.zeros(size, dtype=np.uint64)
    mask = np.uint64(size - 1)
    for h in hashes:
        i = h & mask
        while table[i] != 0:
            i = (i + np.uint64(1)) & mask
        table[i] = h
    return table


@njit(cache=True, nogil=True)
def in_table(h, table):  # pragma: no cover - compiled
    mask = np.uint64(max(len(table), 1) - 1)
    i = h & mask
    while table[i] != 0:
        if table[i] == h:
            return True
        i = (i + np.uint64(1)) & mask
    return False


@njit(cache=True, nogil=True)
def find_word(blob, bounds, key):  # pragma: no cover - compiled
    """The index of ``key`` (bytes) among the sorted words of ``blob``, word i
    being blob[bounds[i]:bounds[i + 1] - 1]; -1 when it is not one of them."""
    lo = 0
    hi = len(bounds) - 1
    n_key = len(key)
    while lo < hi:
        mid = (lo + hi) >> 1
        a = bounds[mid]
        n = bounds[mid + 1] - 1 - a
        c = 0
        for k in range(min(n, n_key)):
            x = blob[a + k]
            y = key[k]
            if x != y:
                c = -1 if x < y else 1
                break
        if c == 0:
            if n == n_key:
                return mid
            c = -1 if n < n_key else 1
        if c < 0:
            lo = mid + 1
        else:
            hi = mid
    return -1


@functools.lru_cache(maxsize=65536)
def hash_text(text: str) -> int:
    """The FNV-1a hash :func:`cleaner.kernels.prefilter.phrase_keys` gives a normalised phrase."""
    h = int(FNV_OFFSET)
    for ch in text:
        h = ((h ^ ord(ch)) * int(FNV_PRIME)) & 0xFFFFFFFFFFFFFFFF
    return h
