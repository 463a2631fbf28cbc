"""The compiled text pass (numba): one walk over a text's code points that counts the words and
marks, line by line, where each check's regular expression may match, so that it runs on those lines only.

Each line test is a necessary condition for a match (a superset: a line it lets
through may still hold none); tests/test_artifacts_speed.py holds each one to that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

# ------------------------------------------------------------ the text pass
# One compiled pass over a text's code points (:func:`text_pass_kernel`) finds which
# lines some of the regular expressions below can match on, so that they run
# on those lines only, and counts the words. Each line test is necessary for a
# match (a superset: a line it lets through may still hold none), which keeps
# the results exactly those of running every regex on the whole text; the tests
# in tests/test_artifacts_speed.py hold each one to that.
L_REPEAT = 1  # _repeat_re may make a hit (a match at the start of a run of letters)
L_CAMEL = 2  # _camel_re may match: a lowercase letter right before a capital
L_FOREIGN = 4  # _foreign may flag the line: enough words, foreign marker words, one language's markers
L_SPACE_DOT = 8  # _sp_before may match: a space of SPACES right before "." or ","
L_SPACE_COLON = 16  # _sp_before_fr may match: a space of SPACES right before ";" or ":"
L_MISSING = 32  # _miss_after may match: [LO][LO] and "." "!" "?" before [UP][LO], or "," before [LO][LO]
L_QUOTE = 64  # the line holds a curly quote mark of _quote_re (“”„): straight ones alone make no hit
L_CAP = 128  # _fw_re may match: a letter, a space, a capitalised function word (set by _space_pass_py)
L_POSS = 256  # _poss_re may match: an apostrophe, an s and three lowercase letters
L_LOWER_START = 512  # _lc_start may match: "." "!" or "?", spaces of SPACES and two lowercase letters

# 64-bit FNV-1a, as cleaner.kernels.chars hashes (not imported from there: this module loads no numba)
FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)
_U64 = (1 << 64) - 1


def _text_pass_py(
    cps,
    flags,
    lower,
    fold,
    keys,
    vals,
    own,
    nlangs,
    min_words,
    min_markers,
    min_share,
    sp_flag,
    alnum_flag,
    dec_flag,
    want,
):  # pragma: no cover - compiled
    """(words, line starts, line ends, line bits, all their bits, whether a
    character is beyond the basic plane, rep_lo, rep_hi) of a text given as its
    code points ``cps``.

    ``words`` is the number of runs of characters that are not spaces
    (``str.isspace``: ``sp_flag`` in the character table ``flags``): what
    ``str.split`` makes of the text. A bit of a line is set when the regular
    expression of that bit may match on the line (see the L_* names; L_REPEAT
    and L_FOREIGN only where ``want`` holds them): each test is a necessary
    condition for a match. Character classes come from the tables
    (``alnum_flag``, ``dec_flag``; ``fold``, the classes ``re.IGNORECASE``
    compares by); the Latin-1 letters of UPPER and LOWER are spelled out.
    Where L_REPEAT is set, the line's doubled words lie in cps[rep_lo:rep_hi].
    L_FOREIGN needs the marker words: FNV-1a hashes of the words lower-cased
    by the table ``lower``, in the open-addressing table ``keys``, with each
    one's bit mask of languages in ``vals``; the text's language is bit ``own``.
    """
    n = len(cps)
    nl = 1
    for i in range(n):
        if cps[i] == 10:
            nl += 1
    starts = np.zeros(nl, dtype=np.int64)
    ends = np.full(nl, n, dtype=np.int64)
    bits = np.zeros(nl, dtype=np.uint16)
    rep_lo = np.zeros(nl, dtype=np.int64)
    rep_hi = np.zeros(nl, dtype=np.int64)
    want_rep = (want & L_REPEAT) != 0
    words = 0
    li = 0
    in_tok = False
    run = 0  # where the run of letters ([^\W\d_]) that ends here starts
    seg = 0  # where the stretch of letters and spaces of SPACES that ends here starts
    stretch_end = 0  # where the last stretch of letters and spaces scanned for L_REPEAT ends
    prev = 10
    astral = False
    for i in range(n):
        c = np.int64(cps[i])
        if 97 <= c <= 122:  # a-z, the usual case: a letter in a token, none of the tests below
            if not in_tok:
                in_tok = True
                words += 1
            prev = c
            continue
        f = flags[c]
        if c == 10:
            in_tok = False
            li += 1
            ends[li - 1] = i
            starts[li] = i + 1
        elif (f & sp_flag) != 0:
            in_tok = False
            if c == 32 or c == 9 or c == 0xA0 or c == 0x202F or c == 0x2009:  # a space of SPACES
                if i + 1 < n:
                    d = cps[i + 1]
                    if d == 46 or d == 44:
                        bits[li] |= L_SPACE_DOT
                    elif d == 59 or d == 58:
                        bits[li] |= L_SPACE_COLON
                if (
                    want_rep
                    and run < i
                    and i + 1 < n
                    # the letters come again right after one space, or after more
                    and (fold[cps[i + 1]] == fold[cps[run]] or _is_sp(cps[i + 1]))
                    and _doubled(cps, flags, fold, alnum_flag, run, i)
                ):
                    # a match lies in one stretch of letters and spaces: the regex
                    # runs from the first such stretch of the line to the last
                    # (a stretch already scanned to its end is not scanned again:
                    # one line of doubled words stays linear)
                    e = i if i >= stretch_end else stretch_end
                    while e < n and (_is_sp(cps[e]) or _is_letter(cps[e], flags, alnum_flag, dec_flag)):
                        e += 1
                    stretch_end = e
                    if not (bits[li] & L_REPEAT):
                        rep_lo[li] = seg
                    rep_hi[li] = e
                    bits[li] |= L_REPEAT
        else:
            if not in_tok:
                in_tok = True
                words += 1
            if c > 0xFFFF:  # (no space is)
                astral = True
            if c == 0x201C or c == 0x201D or c == 0x201E:
                bits[li] |= L_QUOTE
            elif (c == 39 or c == 0x2019) and i + 4 < n and cps[i + 1] == 115:  # ['’]s(?=[LO]{3})
                if is_lo(cps[i + 2]) and is_lo(cps[i + 3]) and is_lo(cps[i + 4]):
                    bits[li] |= L_POSS
            if c < 256:
                # [a-zß-öø-ÿ][A-ZÀ-ÖØ-Þ]
                if (65 <= c <= 90 or 0xC0 <= c <= 0xDE and c != 0xD7) and (
                    97 <= prev <= 122 or 0xDF <= prev <= 0xFF and prev != 0xF7
                ):
                    bits[li] |= L_CAMEL
                if (c == 46 or c == 33 or c == 63 or c == 44) and _missing_at(cps, i, c):
                    bits[li] |= L_MISSING
                if (
                    (c == 46 or c == 33 or c == 63)
                    and i + 1 < n
                    and _is_sp(cps[i + 1])
                    and _lower_start_at(cps, i + 1)
                ):
                    bits[li] |= L_LOWER_START
        if (f & alnum_flag) == 0 or (f & dec_flag) != 0:
            run = i + 1
            if not _is_sp(c):
                seg = i + 1
        prev = c
    if (want & L_FOREIGN) != 0 and len(keys) > 0:
        _foreign_lines(
            cps, flags, lower, keys, vals, own, nlangs, min_words, min_markers, min_share, sp_flag, bits
        )
    return words, starts, ends, bits, or_all(bits), astral, rep_lo, rep_hi


def or_all(bits):  # pragma: no cover - compiled
    """The bits of all lines."""
    found = 0
    for b in bits:
        found |= b
    return found


def _is_sp(c):  # pragma: no cover - compiled
    """c in SPACES."""
    return c == 32 or c == 9 or c == 0xA0 or c == 0x202F or c == 0x2009


def is_lo(c):  # pragma: no cover - compiled
    """c in [a-zß-öø-ÿ] (LOWER)."""
    return 97 <= c <= 122 or 0xDF <= c <= 0xFF and c != 0xF7


def _is_up(c):  # pragma: no cover - compiled
    """c in [A-ZÀ-ÖØ-Þ] (UPPER)."""
    return 65 <= c <= 90 or 0xC0 <= c <= 0xDE and c != 0xD7


def _missing_at(cps, i, c):  # pragma: no cover - compiled
    """Whether _miss_after matches at cps[i] (one of ".!?,")."""
    if i < 2 or i + 2 >= len(cps):
        return False
    if not (is_lo(cps[i - 1]) and is_lo(cps[i - 2]) and is_lo(cps[i + 2])):
        return False
    return is_lo(cps[i + 1]) if c == 44 else _is_up(cps[i + 1])


def _lower_start_at(cps, q):  # pragma: no cover - compiled
    """Whether spaces of SPACES from q on are followed by two of [a-zß-öø-ÿ]."""
    n = len(cps)
    while q < n and _is_sp(cps[q]):
        q += 1
    return q + 1 < n and is_lo(cps[q]) and is_lo(cps[q + 1])


def _is_letter(c, flags, alnum_flag, dec_flag):  # pragma: no cover - compiled
    r"""c in [^\W\d_]."""
    return (flags[c] & alnum_flag) != 0 and (flags[c] & dec_flag) == 0


def _not_after_word(c, flags, alnum_flag):  # pragma: no cover - compiled
    r"""c is none of [\w FILL ' ’ -]."""
    return not ((flags[c] & alnum_flag) != 0 or c == 95 or c == 0xE000 or c == 39 or c == 0x2019 or c == 45)


def _doubled(cps, flags, fold, alnum_flag, run, p):  # pragma: no cover - compiled
    r"""Whether _repeat_re may match at ``run`` (the start of the letters cps[run:p],
    before a space of SPACES at p) and the match be a hit: the character before
    is none of [\w FILL ' ’ -], the letters come again after the spaces
    (compared by ``fold``, which is coarser than the back-reference's
    lower case) and no such character follows them."""
    n = len(cps)
    if run > 0 and not _not_after_word(cps[run - 1], flags, alnum_flag):
        return False
    q = p
    while q < n and _is_sp(cps[q]):
        q += 1
    m = p - run
    if q + m > n:
        return False
    for k in range(m):
        if fold[cps[q + k]] != fold[cps[run + k]]:
            return False
    return q + m == n or _not_after_word(cps[q + m], flags, alnum_flag)


def _foreign_lines(
    cps, flags, lower, keys, vals, own, nlangs, min_words, min_markers, min_share, sp_flag, bits
):  # pragma: no cover - compiled
    """Set L_FOREIGN on the lines with at least ``min_words`` tokens, two tokens
    among the marker words of languages other than ``own`` and, for one of those
    languages, at least ``min_markers`` and ``min_share`` of the tokens its
    markers (a count that hash collisions can only raise)."""
    n = len(cps)
    counts = np.zeros(64, dtype=np.int64)
    tmask = np.uint64(max(len(keys), 1) - 1)
    li = 0
    line_tokens = 0
    n_foreign = 0
    in_tok = False
    h = FNV_OFFSET
    for i in range(n + 1):
        c = np.int64(cps[i]) if i < n else np.int64(10)
        if c == 10 or (flags[c] & sp_flag) != 0:
            if in_tok:  # a token ends: look it up
                in_tok = False
                line_tokens += 1
                if h == 0:
                    h = np.uint64(1)
                k = h & tmask
                while keys[k] != 0:
                    if keys[k] == h:
                        mk = vals[k]
                        for b in range(nlangs):
                            if (mk >> b) & 1:
                                counts[b] += 1
                        if not ((mk >> own) & 1):
                            n_foreign += 1
                        break
                    k = (k + np.uint64(1)) & tmask
            if c == 10:  # a line ends
                if line_tokens >= min_words and n_foreign >= 2:
                    for b in range(nlangs):
                        if b != own and counts[b] >= min_markers and counts[b] >= min_share * line_tokens:
                            bits[li] |= L_FOREIGN
                            break
                for b in range(nlangs):
                    counts[b] = 0
                line_tokens = 0
                n_foreign = 0
                li += 1
        else:
            if not in_tok:
                in_tok = True
                h = FNV_OFFSET
            h = (h ^ np.uint64(lower[c])) * FNV_PRIME


_HELPERS = (
    "or_all",
    "_is_sp",
    "is_lo",
    "_is_up",
    "_is_letter",
    "_missing_at",
    "_lower_start_at",
    "_not_after_word",
    "_doubled",
    "_foreign_lines",
)
_TEXT_PASS: Any = None


def text_pass_kernel() -> Any:
    """:func:`_text_pass_py` compiled (numba; compiled once, then loaded from the disk cache)."""
    global _TEXT_PASS
    if _TEXT_PASS is None:
        from cleaner.kernels import njit  # numba's njit with cleaner's cache folder, chosen at first compile

        # the helpers are compiled first and take their own names here, so that
        # the kernel calls them compiled (numba reads the globals when it compiles)
        for name in _HELPERS:
            globals()[name] = njit(cache=True, nogil=True)(globals()[name])
        _TEXT_PASS = njit(cache=True, nogil=True)(_text_pass_py)
    return _TEXT_PASS


def word_hash_table(hashes: Iterable[int]) -> Any:
    """An open-addressing table (a power of two, at most a quarter full; 0 is empty) of ``hashes``."""
    hs = sorted(set(hashes))
    size = 1 << max(4, (4 * len(hs) - 1).bit_length())
    keys = np.zeros(size, dtype=np.uint64)
    for h in hs:
        k = h & (size - 1)
        while keys[k]:
            k = (k + 1) & (size - 1)
        keys[k] = h
    return keys


def utf32_code_points(text: str) -> Any:
    """The code points of ``text`` (as kernels.code_points makes them, without its
    search for characters beyond the basic plane: the text pass tells when there
    is one), four bytes each: one array type, so the compiled passes have one
    version each to load (narrower types saved little and cost a load each)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def fnv_hash(codes: Iterable[int]) -> int:
    """The kernel's hash of a word (its code points, lower-cased by the kernel's table)."""
    h = int(FNV_OFFSET)
    for c in codes:
        h = ((h ^ c) * int(FNV_PRIME)) & _U64
    return h or 1
