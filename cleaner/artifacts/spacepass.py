"""The compiled space pass (numba): what follows each space of a text — the lowercase runs that are
not common words (glued-word candidates) and the lines where a capitalised function word may follow a letter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cleaner.artifacts import textpass
from cleaner.artifacts.textpass import FNV_OFFSET, FNV_PRIME, L_CAP


def _space_pass_py(
    cps, flags, alnum_flag, dec_flag, min_len, keys, ids, flat, offs, lens, cap_keys, cap_max, cap_first, bits
):  # pragma: no cover - compiled
    r"""What follows each space (" ") of the text ``cps``.

    Returns (starts, ends, the bits of all lines): where the letters of the
    matches of _lower_re (" ([a-zß-öø-ÿ]{min_len,})\b") start and end, for those
    that are not one of the words ``flat[offs[k]:offs[k] + lens[k]]``
    (looked up by FNV-1a hash in the open-addressing table ``keys``/``ids``, then
    compared); none when ``keys`` is empty. Sets L_CAP on the lines where a space
    after a letter ([^\W\d_]) is followed by a word up to " ,;:", a newline or the
    end whose hash is in ``cap_keys`` (words of at most ``cap_max`` characters,
    whose first characters are marked in ``cap_first``; a hash collision only
    lets a line through).
    """
    n = len(cps)
    out_s = np.empty(n // 2 + 1, dtype=np.int64)
    out_e = np.empty(n // 2 + 1, dtype=np.int64)
    found = 0
    tmask = np.uint64(max(len(keys), 1) - 1)
    cmask = np.uint64(max(len(cap_keys), 1) - 1)
    li = 0
    for i in range(n - 1):
        c = cps[i]
        if c != 32:
            if c == 10:
                li += 1
            continue
        d = cps[i + 1]
        if d < len(cap_first) and cap_first[d] != 0 and i > 0:
            b = flags[cps[i - 1]]
            if (b & alnum_flag) != 0 and (b & dec_flag) == 0:
                e = i + 1
                h = FNV_OFFSET
                while e < n and e - i - 1 <= cap_max:
                    d = cps[e]
                    if d == 32 or d == 44 or d == 59 or d == 58 or d == 10:
                        break
                    h = (h ^ np.uint64(d)) * FNV_PRIME
                    e += 1
                if e > i + 1 and e - i - 1 <= cap_max:
                    if h == 0:
                        h = np.uint64(1)
                    k = h & cmask
                    while cap_keys[k] != 0:
                        if cap_keys[k] == h:
                            bits[li] |= L_CAP
                            break
                        k = (k + np.uint64(1)) & cmask
        if len(keys) == 0:
            continue
        e = i + 1
        while e < n and is_lo(cps[e]):
            e += 1
        if e - i - 1 < min_len:
            continue
        if e < n and ((flags[cps[e]] & alnum_flag) != 0 or cps[e] == 95):
            continue  # no word boundary after the letters
        h = FNV_OFFSET
        for j in range(i + 1, e):
            h = (h ^ np.uint64(cps[j])) * FNV_PRIME
        if h == 0:
            h = np.uint64(1)
        common = False
        k = h & tmask
        while keys[k] != 0:
            if keys[k] == h:
                w = ids[k]
                if lens[w] == e - i - 1:
                    same = True
                    for j in range(lens[w]):
                        if flat[offs[w] + j] != cps[i + 1 + j]:
                            same = False
                            break
                    if same:
                        common = True
                        break
            k = (k + np.uint64(1)) & tmask
        if not common:
            out_s[found] = i + 1
            out_e[found] = e
            found += 1
    return out_s[:found], out_e[:found], or_all(bits)


_SPACE_PASS: Any = None
is_lo = textpass.is_lo
or_all = textpass.or_all


def space_pass_kernel() -> Any:
    """:func:`_space_pass_py` compiled."""
    global _SPACE_PASS, is_lo, or_all
    if _SPACE_PASS is None:
        textpass.text_pass_kernel()  # compiles the helpers; this module calls them compiled
        is_lo, or_all = textpass.is_lo, textpass.or_all
        from cleaner.kernels import njit

        _SPACE_PASS = njit(cache=True, nogil=True)(_space_pass_py)
    return _SPACE_PASS
