"""The words of each line, compiled (numba).

The boilerplate stage looks at every line of every document: its words (word
counts, stop words, title case, sentence ends, ...), which the text model
(:mod:`cleaner.textmodel`) reads. Done line by line in Python that costs
microseconds a line; these kernels do it in compiled passes over the
document's code points (:class:`TextView`):

* :func:`line_rows`: the words of each line, equal to the readable reference
  :func:`cleaner.classify._line_rows_py` (the tests compare them on the
  fixtures and on random text), with each line's gate bits and hash;
* :func:`marker_lines`: from the gates, the lines each marker regex of
  :func:`cleaner.classify.line_data` must look at.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cleaner.kernels import njit
from cleaner.kernels.chars import (
    AN,
    CJK,
    CS,
    DEC,
    DIG,
    FNV_OFFSET,
    FNV_PRIME,
    LO,
    PUNCT,
    SP,
    TI,
    UP,
    code_points,
    in_table,
    lower_at,
)

# columns of the kernel's output (LINE_FEATURES order, then n and nc)
N_COLS = 31
# gate bits: the line holds a decimal digit (the date/ago/counter markers need
# one); it holds digit-colon-digit, or twice a digit, one of . / - and a digit
# (a time, or a date written in numbers, needs that); it holds four digits in
# a row (a date with a month's name needs them, and the name, which the prefilter's Literals
# find, as they find the words of "3 days ago" and of counters)
G_DEC, G_DIGITS, G_FOUR = 1, 2, 4


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
def _word_shapes(
    cps, s, e, flags, lower, stop_table, has_stops, nw, stop_words, stop_limit
):  # pragma: no cover
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
        hw = FNV_OFFSET
        ws = 0
        while k < e:
            c = cps[k]
            f = flags[c]
            if f & SP:
                break
            ws = _shape_step(ws, f)
            if hashed and k < stop_limit:
                hw = (hw ^ np.uint64(lower_at(cps, s, e, k, flags, lower))) * FNV_PRIME
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
            stop += in_table(hw, stop_table)
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
        line_hash[i] = FNV_OFFSET
        lh = FNV_OFFSET
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
        hw = FNV_OFFSET
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
            lh = (lh ^ np.uint64(c)) * FNV_PRIME
            if f & SP:
                if ws >= 0:  # a word ends
                    t, u, d = _shape_of(ws)
                    title += t
                    upper += u
                    digits += d
                    if has_stops:
                        stop += in_table(hw, stop_table)
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
                        hw = FNV_OFFSET
                if ws >= 0:
                    ws = _shape_step(ws, f)
                    hw = (hw ^ np.uint64(lower_at(cps, s, e, k, flags, lower))) * FNV_PRIME
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
                stop += in_table(hw, stop_table)
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
                    cps, s, e, flags, lower, stop_table, has_stops, nw, 1, limit
                )
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
        terminal = (
            1.0
            if (
                end == 46
                or end == 33
                or end == 63
                or end == 0x2026
                or end == 0x3002
                or end == 0xFF01
                or end == 0xFF1F
            )
            else 0.0
        )
        ellipsis = (
            1.0
            if end == 0x2026 or (j - s >= 3 and cps[j - 1] == 46 and cps[j - 2] == 46 and cps[j - 3] == 46)
            else 0.0
        )
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
        bits[0],
        bits[1],
        bits[2],
        bits[3],
        bits[4],
        bits[5],
        bits[6],
    )
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
            if (
                (gs & G_DIGITS) != 0
                or ((gs & G_FOUR) != 0 and g & b_months != zero)
                or ((gs & G_DEC) != 0 and g & b_words != zero)
            ):
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
    return (
        c == 34
        or c == 39
        or c == 0x201D
        or c == 0x2019
        or c == 0xBB
        or c == 41
        or c == 93
        or c == 0x300D
        or c == 0x300F
        or c == 0xFF09
    )


@njit(cache=True, nogil=True)
def _is_bullet(c):  # pragma: no cover - compiled
    # -–—•·*>»
    return (
        c == 45 or c == 0x2013 or c == 0x2014 or c == 0x2022 or c == 0xB7 or c == 42 or c == 62 or c == 0xBB
    )


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
