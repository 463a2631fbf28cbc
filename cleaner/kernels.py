"""Compiled per-line kernels of the boilerplate stage (numba).

The boilerplate stage looks at every line of every document: which rule names
it and its words (word counts, stop words, title case, sentence ends, ...),
which the text model (:mod:`cleaner.textmodel`) reads. Done line by line in Python that costs
microseconds a line; these kernels do it in compiled passes over the document's
code points (:class:`TextView`):

* :func:`line_rows`: the words of each line, equal to the readable
  reference :func:`cleaner.classify._line_rows_py` (the tests compare them on
  the fixtures and on random text);
* :class:`Literals` / :func:`scan_literals`: which of a set of strings each line
  holds, compared exactly, as ``str.lower`` does or as ``re.IGNORECASE`` does;
  :func:`pairs` and :func:`phrase_keys` turn that into the lines a rule's regex
  or phrase lookup must look at.

Unicode properties come from tables built from Python's own ``str`` methods, so
``split``, ``istitle``, ``isupper``, ``isdigit`` and ``lower`` agree with
Python's (single-character case mappings; the rare characters that lower to
two, such as "İ", keep their own code).

The kernels compile on first use, once, and are cached on disk (the folder
and how a pipeline compiles them, in groups, before its first document: see
:mod:`cleaner.jit`).
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.jit import use_cache_folder

use_cache_folder()  # before numba is imported: the folder numba keeps the compiled kernels in
from numba import njit  # noqa: E402

# character flags
SP, UP, LO, TI, DIG, DEC, AN, CS, CJK, PUNCT, PLAIN, UNDERSCORE = 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048
_MAX_CP = 0x110000
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)

# columns of the kernel's output (LINE_FEATURES order, then n and nc)
N_COLS = 31
# gate bits: the line holds a decimal digit (the date/ago/counter markers need
# one); it holds digit-colon-digit, or twice a digit, one of . / - and a digit
# (a time, or a date written in numbers, needs that); it holds four digits in
# a row (a date with a month's name needs them, and the name, which Literals
# find, as they find the words of "3 days ago" and of counters)
G_DEC, G_DIGITS, G_FOUR = 1, 2, 4

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
        & ~(((codes >= 0x1100) & (codes <= 0x11FF)) | ((codes >= 0xA960) & (codes <= 0xA97F))
            | ((codes >= 0xAC00) & (codes <= 0xD7FF)))
    )
    flags |= plain.astype(np.uint16) * PLAIN
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
    cased = np.array([c for c in codes if _sre.unicode_tolower(c) != c or chr(c).lower() != chr(c)
                      or chr(c).upper() != chr(c)], dtype=np.int64)
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
        f"kernels-{kind}", Path(__file__).read_text(encoding="utf-8"), sys.version, unicodedata.unidata_version
    )


def _load_bmp(kind: str, **dtypes: Any) -> dict[str, np.ndarray] | None:
    """The cached arrays of ``kind`` when each has its dtype and the basic
    plane's length, else None (none yet, or a damaged file: built again)."""
    from cleaner import datacache

    length = dtypes.pop("length", 0x10000)
    arrays = datacache.load_arrays(_bmp_file(kind))
    if arrays is None or any(
        k not in arrays or arrays[k].dtype != dt or arrays[k].ndim != 1 or (length and arrays[k].shape != (length,))
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
    canon = {}
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
    open-addressing table for :func:`_in_table`."""
    flags, lower, _ = tables()
    words = sorted(stops)
    if not words:
        return np.zeros(0, dtype=np.uint64)
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    ends = np.cumsum(lens + 1) - 1
    return hash_table(_hash_words(code_points("\n".join(words)), ends - lens, ends, lower))


def hash_table(hashes: np.ndarray) -> np.ndarray:
    """An open-addressing table of 64-bit hashes (0 = empty slot), at most a
    quarter full, for ``_in_table``."""
    hashes = np.unique(np.asarray(hashes, dtype=np.uint64))
    size = 1 << max(4, int(4 * len(hashes) - 1).bit_length())
    return _hash_table(hashes[hashes != 0], size)


# --------------------------------------------------------------------- kernels
@njit(cache=True, nogil=True)
def _hash(cps, a, b, lower):  # pragma: no cover - compiled
    """64-bit FNV-1a of the lower-cased code points cps[a:b]."""
    h = _FNV_OFFSET
    for k in range(a, b):
        h = (h ^ np.uint64(lower[cps[k]])) * _FNV_PRIME
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
def _in_table(h, table):  # pragma: no cover - compiled
    mask = np.uint64(len(table) - 1)
    i = h & mask
    while table[i] != 0:
        if table[i] == h:
            return True
        i = (i + np.uint64(1)) & mask
    return False


# a word's shape as its characters are read (one bit each; see _shape_step)
W_PREV_CASED, W_CASED, W_NOT_TITLE, W_UPPER_CASED, W_NOT_UPPER, W_NOT_DIGIT = 1, 2, 4, 8, 16, 32


@njit(cache=True, nogil=True)
def _shape_step(w, f):  # pragma: no cover - compiled
    """A word's shape ``w`` after one more character, of flags ``f``: as
    ``str.istitle``, ``str.isupper`` and ``str.isdigit`` see the word."""
    if f & (UP | TI):
        if w & W_PREV_CASED:
            w |= W_NOT_TITLE
        w |= W_PREV_CASED | W_CASED
    elif f & LO:
        if not (w & W_PREV_CASED):
            w |= W_NOT_TITLE
        w |= W_PREV_CASED | W_CASED
    else:
        w &= ~W_PREV_CASED
    if f & (LO | TI):
        w |= W_NOT_UPPER
    elif f & UP:
        w |= W_UPPER_CASED
    if not (f & DIG):
        w |= W_NOT_DIGIT
    return w


@njit(cache=True, nogil=True)
def _shape_of(w):  # pragma: no cover - compiled
    """(title, upper, digits): 1 where a word of shape ``w`` is title-case, upper-case, digits."""
    title = 1 if (w & (W_CASED | W_NOT_TITLE)) == W_CASED else 0
    upper = 1 if (w & (W_UPPER_CASED | W_NOT_UPPER)) == W_UPPER_CASED else 0
    return title, upper, 0 if w & W_NOT_DIGIT else 1


@njit(cache=True, nogil=True)
def _word_shapes(cps, s, e, flags, lower, stop_table, has_stops, nw, stop_words, stop_limit):  # pragma: no cover
    """(title, upper, digits, stop, first_a, first_b): the shapes of the first
    ``nw`` words of cps[s:e], the stop words among the first ``stop_words``
    (hashed up to ``stop_limit``), and the first word's bounds: for a long
    line with only one word in its first characters (:func:`line_rows` takes
    the others' shapes in its pass over the characters)."""
    title = 0
    upper = 0
    digits = 0
    stop = 0
    w = 0
    k = s
    first_a = -1
    first_b = -1
    while k < e and w < nw:
        while k < e and (flags[cps[k]] & SP):
            k += 1
        if k >= e:
            break
        a = k
        # the word's shape (as str.istitle, str.isupper and str.isdigit
        # see it) and the hash of its characters before stop_limit (a
        # stop word?), in one pass
        hashed = has_stops and w < stop_words
        hw = _FNV_OFFSET
        ws = 0
        while k < e:
            c = cps[k]
            f = flags[c]
            if f & SP:
                break
            ws = _shape_step(ws, f)
            if hashed and k < stop_limit:
                hw = (hw ^ np.uint64(lower[c])) * _FNV_PRIME
            k += 1
        b = k
        if w == 0:
            first_a = a
            first_b = b
        t, u, d = _shape_of(ws)
        title += t
        upper += u
        digits += d
        if hashed:
            stop += _in_table(hw, stop_table)
        w += 1
    return title, upper, digits, stop, first_a, first_b


@njit(cache=True, nogil=True)
def line_rows(cps, starts, ends, flags, lower, stop_table, has_stops, fallback, sample):  # pragma: no cover
    """The text-only features of each line cps[starts[i]:ends[i]] (columns as
    ``_line_rows_py``; the regex-based ones are left 0), each line's gate bits
    and the hash of each line's text."""
    m = len(starts)
    out = np.zeros((m, N_COLS))
    gates = np.zeros(m, dtype=np.int64)
    line_hash = np.empty(m, dtype=np.uint64)  # of each line's exact text (duplicates)
    for i in range(m):
        line_hash[i] = _FNV_OFFSET
        lh = _FNV_OFFSET
        s = starts[i]
        e = ends[i]
        nc = e - s
        if nc <= 0:
            continue
        # ---- one pass over the characters; the words that start in the
        # first ``sample`` characters get their shapes on the way
        n_all = 0  # words in the whole line
        n_sample = 0  # words starting before s + sample
        in_word = False
        spaces = 0
        commas = 0
        wide_commas = 0
        cjk = 0
        sent = 0
        dots3 = 0
        any_cs = False
        any_an = False
        gate = 0
        limit = s + sample
        seen = 0  # the flags of all characters, or-ed
        run = 0  # digits in a row
        dsd = 0  # digit, one of . / -, digit
        # word shapes: of the words done, and of all done before the last
        # word that started before ``limit`` began (a long line's counted words)
        title = 0
        upper = 0
        digits = 0
        stop = 0
        t_before = 0
        u_before = 0
        d_before = 0
        s_before = 0
        first_a = -1
        first_b = -1
        # the shape and hash of the word being read, when it started before
        # limit (ws: -1 for none)
        ws = -1
        hw = _FNV_OFFSET
        for k in range(s, e):
            c = cps[k]
            f = flags[c]
            seen |= f
            if f & DEC:
                run += 1
                if run >= 4:
                    gate |= G_FOUR
                if k - s >= 2 and flags[cps[k - 2]] & DEC:
                    p = cps[k - 1]
                    if p == 58:
                        gate |= G_DIGITS
                    elif p == 46 or p == 47 or p == 45:
                        dsd += 1
                        if dsd >= 2:
                            gate |= G_DIGITS
            else:
                run = 0
            lh = (lh ^ np.uint64(c)) * _FNV_PRIME
            if f & SP:
                if ws >= 0:  # a word ends
                    t, u, d = _shape_of(ws)
                    title += t
                    upper += u
                    digits += d
                    if has_stops:
                        stop += _in_table(hw, stop_table)
                    if first_b < 0:
                        first_b = k
                    ws = -1
                in_word = False
                if c == 32:
                    spaces += 1
                    if k > s:
                        p = cps[k - 1]
                        if p == 46 or p == 63 or p == 33:  # ". " "? " "! "
                            sent += 1
            else:
                if not in_word:
                    in_word = True
                    n_all += 1
                    if k < limit:
                        n_sample += 1
                        t_before = title
                        u_before = upper
                        d_before = digits
                        s_before = stop
                        if first_a < 0:
                            first_a = k
                        ws = 0
                        hw = _FNV_OFFSET
                if ws >= 0:
                    ws = _shape_step(ws, f)
                    hw = (hw ^ np.uint64(lower[c])) * _FNV_PRIME
            if f & PUNCT:
                if c == 44:
                    commas += 1
                elif c == 0xFF0C or c == 0x3001:
                    wide_commas += 1
                elif c == 0x3002:
                    dots3 += 1
            if f & CJK:
                cjk += 1
        if ws >= 0:  # the last word ends with the line (as at a space above: a helper for the two costs 10%)
            t, u, d = _shape_of(ws)
            title += t
            upper += u
            digits += d
            if has_stops:
                stop += _in_table(hw, stop_table)
            if first_b < 0:
                first_b = e
        line_hash[i] = lh
        any_cs = (seen & CS) != 0
        any_an = (seen & AN) != 0
        if seen & DEC:
            gate |= G_DEC
        if n_all == 0:
            continue
        gates[i] = gate
        # ---- which words count (a long line: those of its first characters)
        if nc <= sample:
            nw = n_all
            n = n_all
        else:
            nw = n_sample - 1
            if nw > 0:
                title = t_before
                upper = u_before
                digits = d_before
                stop = s_before
            else:
                # one word starts in the sample: all words' shapes, and the
                # first word (cut at the sample's end) for stop words
                nw = n_all
                title, upper, digits, stop, first_a, first_b = _word_shapes(
                    cps, s, e, flags, lower, stop_table, has_stops, nw, 1, limit)
            n = max(spaces + 1, nw)
        # ---- CJK: about two characters a word
        if cjk > 0:
            n += (cjk + 1) // 2
        uncased = (not any_cs) and cjk == 0
        if has_stops:
            stop_ratio = stop / nw
            no_stop = 1.0 if stop == 0 else 0.0
        else:
            stop_ratio = fallback
            no_stop = 0.0
        com = commas + (wide_commas if cjk > 0 else 0)
        commas_f = min(com / n, 1.0)
        # ---- the line's end
        last = cps[e - 1]
        j = e
        if _is_closer(last):
            while j > s and _is_closer(cps[j - 1]):
                j -= 1
        end = cps[j - 1] if j > s else -1
        terminal = 1.0 if (end == 46 or end == 33 or end == 63 or end == 0x2026 or end == 0x3002
                           or end == 0xFF01 or end == 0xFF1F) else 0.0
        ellipsis = 1.0 if end == 0x2026 or (j - s >= 3 and cps[j - 1] == 46 and cps[j - 2] == 46
                                            and cps[j - 3] == 46) else 0.0
        colon = 1.0 if last == 58 else 0.0
        # ---- the first word: a bullet or "1." / "2)"
        bullet = 0.0
        if first_b - first_a == 1 and _is_bullet(cps[first_a]):
            bullet = 1.0
        elif first_b - first_a >= 2 and (cps[first_b - 1] == 46 or cps[first_b - 1] == 41) and n > 1:
            alldig = True
            for k2 in range(first_a, first_b - 1):
                if not (flags[cps[k2]] & DIG):
                    alldig = False
                    break
            if alldig:
                bullet = 1.0
        lw = np.log1p(n)
        c0 = cps[s]
        row = out[i]
        row[0] = lw
        row[1] = np.log1p(nc)
        row[2] = 1.0 if n <= 4 else 0.0
        row[3] = stop_ratio
        row[4] = no_stop
        row[5] = terminal
        row[6] = colon
        row[7] = title / nw
        row[8] = upper / nw
        row[9] = digits / nw
        row[10] = commas_f
        # 11..16: url, handle, date, ago, counter, separators (regex-based, set by the caller)
        row[17] = bullet
        row[18] = terminal * lw
        row[19] = stop_ratio * lw
        row[20] = 1.0 if n >= 20 and terminal > 0 and (stop_ratio >= 0.25 or not has_stops) else 0.0
        row[21] = ellipsis
        row[22] = 1.0 if end == 63 or end == 0xFF1F else 0.0
        row[23] = 1.0 if flags[c0] & LO else 0.0
        row[24] = 1.0 if _is_quote(c0) else 0.0
        # 25: copyright (a literal, set by the caller)
        if n > 4:
            row[26] = min(sent + (dots3 if cjk > 0 else 0), 3) / 3
        row[27] = 1.0 if uncased else 0.0
        row[28] = 1.0 if uncased and not any_an else 0.0
        row[29] = n
        row[30] = nc
    return out, gates, line_hash


@njit(cache=True, nogil=True)
def marker_lines(rows, gates, gate, bits, short_line, copyright_col):  # pragma: no cover - compiled
    """The lines each marker regex of ``cleaner.classify.line_data`` must look
    at, from the gates of :func:`line_rows` (``gates``) and the gate strings'
    scan (``gate``; ``bits``: the masks of its kinds, in the order copyright,
    url, handle, sep, ago, marker words, months). Sets the copyright column of
    the lines that hold one of its strings, and returns the lines for the URL,
    handle, date/ago/counter, separator and long-line ago regexes."""
    m = len(gates)
    out = np.empty((5, m), dtype=np.int64)
    count = np.zeros(5, dtype=np.int64)
    b_copy, b_url, b_handle, b_sep, b_ago, b_words, b_months = (
        bits[0], bits[1], bits[2], bits[3], bits[4], bits[5], bits[6])
    zero = np.uint64(0)
    n_col = rows.shape[1] - 2  # word count
    for i in range(m):
        g = gate[i]
        gs = gates[i]
        if g & b_copy != zero:
            rows[i, copyright_col] = 1.0
        if g & b_url != zero:
            out[0, count[0]] = i
            count[0] += 1
        n = rows[i, n_col]
        if n <= short_line:
            if g & b_handle != zero:
                out[1, count[1]] = i
                count[1] += 1
            if ((gs & G_DIGITS) != 0 or ((gs & G_FOUR) != 0 and g & b_months != zero)
                    or ((gs & G_DEC) != 0 and g & b_words != zero)):
                out[2, count[2]] = i
                count[2] += 1
            if n > 2 and g & b_sep != zero:
                out[3, count[3]] = i
                count[3] += 1
        elif g & b_ago != zero and (gs & G_DEC) != 0:
            out[4, count[4]] = i
            count[4] += 1
    return out[0, : count[0]], out[1, : count[1]], out[2, : count[2]], out[3, : count[3]], out[4, : count[4]]


@njit(cache=True, nogil=True)
def _is_closer(c):  # pragma: no cover - compiled
    # "'”’»)]」』）
    return (c == 34 or c == 39 or c == 0x201D or c == 0x2019 or c == 0xBB or c == 41 or c == 93
            or c == 0x300D or c == 0x300F or c == 0xFF09)


@njit(cache=True, nogil=True)
def _is_bullet(c):  # pragma: no cover - compiled
    # -–—•·*>»
    return c == 45 or c == 0x2013 or c == 0x2014 or c == 0x2022 or c == 0xB7 or c == 42 or c == 62 or c == 0xBB


@njit(cache=True, nogil=True)
def _is_quote(c):  # pragma: no cover - compiled
    # "'“„«‘‚
    return c == 34 or c == 39 or c == 0x201C or c == 0x201E or c == 0xAB or c == 0x2018 or c == 0x201A


# ------------------------------------------------------------------ the view
class TextView:
    """Lines (already stripped) as the kernels read them: one array of code
    points, joined by newlines, and where each line starts and ends in it."""

    def __init__(self, texts: list[str]) -> None:
        m = len(texts)
        self.texts = texts
        self.lens = np.fromiter(map(len, texts), dtype=np.int64, count=m)
        self.ends = np.cumsum(self.lens + 1) - 1
        self.starts = self.ends - self.lens
        self.cps = code_points("\n".join(texts))

    @classmethod
    def of_lines(cls, lines: list[Any]) -> TextView:
        """The view of document lines (their text, stripped)."""
        return cls([ln.text.strip() for ln in lines])


# ------------------------------------------------------------- literal scans
# chain heads: strings of one character by it, of two by both, longer ones by
# their first three (folded, hashed into 16 bits)
_KEY1, _KEY3 = 1 << 16, 2 << 16


def _key2(a: int, b: int) -> int:
    return (a * 40503 + b) & 0xFFFF


def _key3(a: int, b: int, c: int) -> int:
    return _KEY3 + (((a * 40503 + b) * 40503 + c) & 0xFFFF)


class Literals:
    """Strings to look for in every line at once (:func:`scan_literals`).

    ``mode`` per string: ``exact``, ``lower`` (as in ``line.lower()``) or
    ``fold`` (as ``re.IGNORECASE`` compares characters).
    """

    MODES = {"exact": 0, "fold": 1, "lower": 2}

    def __init__(self, items: list[tuple[str, str]]) -> None:
        flags, lower, _ = tables()
        fold = fold_table()
        codes: list[int] = []
        self.start = np.zeros(len(items), dtype=np.int64)
        self.length = np.zeros(len(items), dtype=np.int64)
        self.mode = np.zeros(len(items), dtype=np.int64)
        self.head = np.full(3 << 16, -1, dtype=np.int64)
        self.next = np.full(len(items), -1, dtype=np.int64)
        for i, (text, mode) in enumerate(items):
            if not text:
                raise ValueError("empty literal")
            cps = [ord(c) for c in text]
            m = self.MODES[mode]
            if m == 1:
                cps = [int(fold[c]) for c in cps]
            elif m == 2:
                cps = [int(lower[c]) for c in cps]
            self.start[i] = len(codes)
            self.length[i] = len(cps)
            self.mode[i] = m
            codes.extend(cps)
            # chained by their first characters as the scan sees them: folded
            f = [int(fold[c]) for c in cps[:3]]
            key = _key3(*f) if len(f) == 3 else _key2(*f) if len(f) == 2 else _KEY1 + (f[0] & 0xFFFF)
            self.next[i] = self.head[key]
            self.head[key] = i
        self.codes = np.array(codes, dtype=np.uint32)
        self.words = max(1, (len(items) + 63) // 64)
        # which chain heads are in use, one bit each (a small table the scan
        # reads first, instead of the large one, for the most characters)
        used = np.flatnonzero(self.head >= 0)
        self.used = np.zeros(len(self.head) // 64, dtype=np.uint64)
        np.bitwise_or.at(self.used, used >> 6, np.left_shift(np.uint64(1), (used & 63).astype(np.uint64)))

    def scan(self, cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Lines x words bit mask: bit i set when the line holds string i."""
        _, lower, _ = tables()
        return scan_literals(cps, starts, ends, fold_table(), lower, self.codes, self.start, self.length,
                             self.mode, self.head, self.next, self.words, self.used)


@njit(cache=True, nogil=True)
def _chain(mask, i, h, cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt):  # pragma: no cover - compiled
    """Set line i's bit of each string of chain ``h`` that starts at cps[k]."""
    one = np.uint64(1)
    while h >= 0:
        n = llen[h]
        if k + n <= e:
            b = lstart[h]
            mode = lmode[h]
            ok = True
            for j in range(n):
                c = cps[k + j]
                if mode == 1:
                    c = fold[c]
                elif mode == 2:
                    c = lower[c]
                if c != codes[b + j]:
                    ok = False
                    break
            if ok:
                mask[i, h >> 6] |= one << np.uint64(h & 63)
        h = nxt[h]


@njit(cache=True, nogil=True)
def scan_literals(cps, starts, ends, fold, lower, codes, lstart, llen, lmode, head, nxt, words,
                  used):  # pragma: no cover - compiled
    m = len(starts)
    mask = np.zeros((m, words), dtype=np.uint64)
    one = np.uint64(1)
    for i in range(m):
        s = starts[i]
        e = ends[i]
        if e <= s:
            continue
        f1 = np.int64(fold[cps[s]])
        f2 = np.int64(fold[cps[s + 1]]) if s + 1 < e else np.int64(0)
        for k in range(s, e):
            f0 = f1
            f1 = f2
            f2 = np.int64(fold[cps[k + 2]]) if k + 2 < e else np.int64(0)
            key = _KEY1 + (f0 & 0xFFFF)
            if (used[key >> 6] >> np.uint64(key & 63)) & one:
                _chain(mask, i, head[key], cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt)
            if k + 1 < e:
                key = (f0 * 40503 + f1) & 0xFFFF
                if (used[key >> 6] >> np.uint64(key & 63)) & one:
                    _chain(mask, i, head[key], cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt)
                if k + 2 < e:
                    key = _KEY3 + (((f0 * 40503 + f1) * 40503 + f2) & 0xFFFF)
                    if (used[key >> 6] >> np.uint64(key & 63)) & one:
                        _chain(mask, i, head[key], cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt)
    return mask


@njit(cache=True, nogil=True)
def pairs(mask, rule_bits, lens, max_chars, words_in_line, max_words, cps, starts, flags, fold,
           first_ptr, first_codes, first_classes, first_fold):  # pragma: no cover - compiled
    """(line, rule) pairs, by line then rule, where the line is not empty and
    has at most ``max_chars`` characters, holds one of the rule's strings
    (``rule_bits``: rules x words; a rule with no bits at all is tried on
    every such line), has at most the rule's ``max_words`` and starts with a
    character the rule can start with (``first_*``: rule r's codes are
    first_codes[first_ptr[r]:first_ptr[r + 1]], folded if first_fold[r];
    first_classes[r] the character flags that also do; -1: any)."""
    m = mask.shape[0]
    r_n, words = rule_bits.shape
    # a line that holds none of the rules' strings is tried only with the
    # rules that need none ("always")
    union = np.zeros(words, dtype=np.uint64)
    n_always = 0
    always = np.empty(r_n, dtype=np.int64)
    for r in range(r_n):
        none = True
        for w in range(words):
            if rule_bits[r, w] != 0:
                none = False
            union[w] |= rule_bits[r, w]
        if none:
            always[n_always] = r
            n_always += 1
    every = np.arange(r_n)
    cap = 64
    lines = np.empty(cap, dtype=np.int64)
    rules = np.empty(cap, dtype=np.int64)
    count = 0
    for i in range(m):
        if lens[i] <= 0 or lens[i] > max_chars:
            continue
        held = False
        for w in range(words):
            if mask[i, w] & union[w]:
                held = True
                break
        if held:
            cand = every
            nc = r_n
        else:
            cand = always
            nc = n_always
        c0 = cps[starts[i]]
        for q in range(nc):
            r = cand[q]
            if words_in_line[i] > max_words[r]:
                continue
            if held:
                hit = False
                none = True
                for w in range(words):
                    if rule_bits[r, w] != 0:
                        none = False
                        if mask[i, w] & rule_bits[r, w]:
                            hit = True
                            break
                if not hit and not none:
                    continue
            cls = first_classes[r]
            if cls >= 0 and not (flags[c0] & cls):
                c = fold[c0] if first_fold[r] else c0
                ok = False
                for p in range(first_ptr[r], first_ptr[r + 1]):
                    if first_codes[p] == c:
                        ok = True
                        break
                if not ok:
                    continue
            if count == cap:
                cap *= 2
                nl = np.empty(cap, dtype=np.int64)
                nr = np.empty(cap, dtype=np.int64)
                for k in range(count):  # (a slice assignment compiles for seconds)
                    nl[k] = lines[k]
                    nr[k] = rules[k]
                lines = nl
                rules = nr
            lines[count] = i
            rules[count] = r
            count += 1
    return lines[:count], rules[:count]


@njit(cache=True, nogil=True)
def phrase_keys(cps, starts, ends, flags, lower, lead, trail, phrases, prefixes, terminal, para_words,
                cjk_words, max_chars):  # pragma: no cover - compiled
    """Per line: (whether a phrase can match it, whether a prefix can, number
    of words).

    A line of plain characters (:func:`_plain`) is normalised here as
    ``norm_phrase`` does (no leading bullets or numbers, no trailing
    punctuation, single spaces, lower case) and its hash looked up in
    ``phrases``; the hash of its first 1..4 characters, lower-cased, in
    ``prefixes``. A line with other characters may match either. A line of
    more than ``max_chars`` characters matches no phrase (column 0 is 0).

    Column 3: whether the line is an article paragraph for the section rules
    (where a section stops): it ends in one of ``terminal`` and has
    ``para_words`` words (with ``cjk_words``: two CJK characters count as one).
    """
    m = len(starts)
    out = np.zeros((m, 4), dtype=np.int64)
    for i in range(m):
        s = starts[i]
        e = ends[i]
        plain = True
        words = 0
        cjk = 0
        in_word = False
        for k in range(s, e):
            f = flags[cps[k]]
            if not (f & PLAIN):
                plain = False
            if f & CJK:
                cjk += 1
            if f & SP:
                in_word = False
            elif not in_word:
                in_word = True
                words += 1
        out[i, 2] = words
        if e <= s:
            continue
        last = cps[e - 1]
        ends_right = False
        for t in terminal:
            if last == t:
                ends_right = True
        if ends_right:
            n = words
            if n < para_words and cjk_words:
                n += cjk // 2
            out[i, 3] = 1 if n >= para_words else 0
        # a prefix: the first 1..4 characters
        h = _FNV_OFFSET
        for k in range(s, min(s + 4, e)):
            c = cps[k]
            if not (flags[c] & PLAIN):
                out[i, 1] = 1
                break
            h = (h ^ np.uint64(lower[c])) * _FNV_PRIME
            if _in_table(h, prefixes):
                out[i, 1] = 1
                break
        if e - s > max_chars:
            continue
        if not plain:
            out[i, 0] = 1
            continue
        a = s
        while a < e and lead[cps[a]]:
            a += 1
        b = e
        while b > a and trail[cps[b - 1]]:
            b -= 1
        h = _FNV_OFFSET
        pending = False  # a space between two words
        started = False
        for k in range(a, b):
            c = cps[k]
            if flags[c] & SP:
                pending = started
                continue
            if pending:
                h = (h ^ np.uint64(32)) * _FNV_PRIME
                pending = False
            h = (h ^ np.uint64(lower[c])) * _FNV_PRIME
            started = True
        out[i, 0] = 1 if _in_table(h, phrases) else 0
    return out


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
    """The FNV-1a hash :func:`phrase_keys` gives a normalised phrase."""
    h = int(_FNV_OFFSET)
    for ch in text:
        h = ((h ^ ord(ch)) * int(_FNV_PRIME)) & 0xFFFFFFFFFFFFFFFF
    return h
