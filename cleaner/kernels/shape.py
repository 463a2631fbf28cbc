"""What a dump's line is, compiled (numba): list item, heading, link, table row.

* :func:`shape_rows`: the shape row of each line (:data:`SHAPE_COLUMNS`),
  equal to the readable reference :func:`cleaner.textmodel.shape.shape_rows_py`
  (the tests hold the two equal). The rules see lines through it too (a list
  marker or a markdown heading mark is not part of a line's words).
"""

from __future__ import annotations

import numpy as np

from cleaner.kernels import njit
from cleaner.kernels.chars import SP

# The columns of a shape row (cleaner.textmodel.shape), defined next to the kernel that writes them.
SHAPE_COLUMNS = (
    "blank",  # 1 when the line holds only white space
    "indent",  # leading white space, in columns (a tab is 4)
    "marker",  # list marker: 0 none, 1 "*", 2 "o", 3 "+", 4 "-" (or a dash), 5 another bullet, 6 "1." "2)", 7 ">"
    "heading",  # markdown heading level (number of leading "#"), 0 for none
    "start",  # where the content starts (after indentation, marker and heading marks), as an offset in the line
    "end",  # where the content ends (trailing white space left out)
    "link_chars",  # characters of markdown link texts ("[text](url)": len("text"))
    "links",  # markdown links
    "images",  # markdown images ("![alt](src)")
    "target_chars",  # characters of link and image targets ("(url)" with its brackets)
    "pipes",  # "|" characters in the content
    "gaps",  # runs of 3 or more spaces (or a tab) inside the content: padded table cells
    "emphasis",  # the content starts with "**" or "__"
    "first_word",  # characters of the content's first word (up to the first space)
    "url",  # 1 when the line holds "://" or "](" (a link that a wrapping tool does not break)
    "lead",  # where the line's text starts after its leading white space (line[lead:end] is line.strip())
)
N_SHAPE = len(SHAPE_COLUMNS)
(
    S_BLANK,
    S_INDENT,
    S_MARKER,
    S_HEADING,
    S_START,
    S_END,
    S_LINK_CHARS,
    S_LINKS,
    S_IMAGES,
    S_TARGET,
    S_PIPES,
    S_GAPS,
    S_EMPH,
    S_FIRST_WORD,
    S_URL,
    S_LEAD,
) = range(N_SHAPE)

MARKER_ORDERED = 6
MARKER_QUOTE = 7


_TAB, _SPACE, _NBSP = 9, 32, 0xA0


@njit(cache=True, nogil=True)
def _is_space(c, flags):  # pragma: no cover - compiled
    return (flags[c] & SP) != 0  # (str.isspace)


@njit(cache=True, nogil=True)
def _bullet(c):  # pragma: no cover - compiled
    if c == 42:  # *
        return 1
    if c == 111:  # o
        return 2
    if c == 43:  # +
        return 3
    if c == 45 or c == 0x2013 or c == 0x2014:
        return 4
    if (
        c == 0x2022
        or c == 0xB7
        or c == 0x25AA
        or c == 0x25CF
        or c == 0x25E6
        or c == 0x2023
        or c == 0x25BA
        or c == 0x25B8
        or c == 0x2192
    ):
        return 5
    return 0


@njit(cache=True, nogil=True)
def shape_rows(cps, starts, ends, flags):  # pragma: no cover - compiled
    """Shape rows of the lines cps[starts[i]:ends[i]] (see cleaner.textmodel.shape);
    ``flags``: the character table (white space as str.isspace says)."""
    m = len(starts)
    out = np.zeros((m, N_SHAPE), dtype=np.int64)
    for i in range(m):
        s0 = starts[i]
        n = ends[i] - s0
        row = out[i]
        p = 0
        indent = 0
        while p < n and _is_space(cps[s0 + p], flags):
            indent += 4 if cps[s0 + p] == _TAB else 1
            p += 1
        e = n
        while e > p and _is_space(cps[s0 + e - 1], flags):
            e -= 1
        if p == e:
            row[S_BLANK] = 1
            continue
        row[S_INDENT] = indent
        row[S_LEAD] = p
        c = cps[s0 + p]
        nxt = cps[s0 + p + 1] if p + 1 < e else -1
        b = _bullet(c)
        if b > 0 and (nxt == _SPACE or nxt == _TAB):
            row[S_MARKER] = b
            p += 1
        elif c == 62 and (nxt == _SPACE or nxt == _TAB or p + 1 == e):  # >
            row[S_MARKER] = MARKER_QUOTE
            p += 1
        elif c == 35:  # #
            k = p
            while k < e and cps[s0 + k] == 35:
                k += 1
            if k - p <= 6 and (k == e or cps[s0 + k] == _SPACE or cps[s0 + k] == _TAB):
                row[S_HEADING] = k - p
                p = k
        elif 48 <= c <= 57:
            k = p
            while k < e and 48 <= cps[s0 + k] <= 57 and k - p < 4:
                k += 1
            if (
                k - p <= 3
                and k + 1 < e
                and (cps[s0 + k] == 46 or cps[s0 + k] == 41)
                and (cps[s0 + k + 1] == _SPACE or cps[s0 + k + 1] == _TAB)
            ):
                row[S_MARKER] = MARKER_ORDERED
                p = k + 1
        while p < e and _is_space(cps[s0 + p], flags):
            p += 1
        row[S_START] = p
        row[S_END] = e
        if p + 1 < e:
            a, a2 = cps[s0 + p], cps[s0 + p + 1]
            if (a == 42 and a2 == 42) or (a == 95 and a2 == 95):
                row[S_EMPH] = 1
        k = p
        while k < e and not _is_space(cps[s0 + k], flags):
            k += 1
        row[S_FIRST_WORD] = k - p
        for q in range(s0 + p, s0 + e - 2):
            c1 = cps[q]
            if (c1 == 58 and cps[q + 1] == 47 and cps[q + 2] == 47) or (c1 == 93 and cps[q + 1] == 40):
                row[S_URL] = 1
                break
        if row[S_URL] == 0 and e - p >= 2 and cps[s0 + e - 2] == 93 and cps[s0 + e - 1] == 40:
            row[S_URL] = 1
        k = p
        open_at = -1
        run = 0
        while k < e:
            ch = cps[s0 + k]
            if ch == _SPACE or ch == _TAB or ch == _NBSP:
                run += 4 if ch == _TAB else 1
            else:
                if run >= 3:
                    row[S_GAPS] += 1
                run = 0
            if ch == 124:  # |
                row[S_PIPES] += 1
            elif ch == 91:  # [
                open_at = k
            elif ch == 93 and open_at >= 0 and k + 1 < e and cps[s0 + k + 1] == 40:  # ](
                close = -1
                for q in range(k + 2, e):
                    if cps[s0 + q] == 41:
                        close = q
                        break
                if close >= 0:
                    if open_at > p and cps[s0 + open_at - 1] == 33:  # !
                        row[S_IMAGES] += 1
                    else:
                        row[S_LINKS] += 1
                        row[S_LINK_CHARS] += k - open_at - 1
                    row[S_TARGET] += close - k
                    open_at = -1
                    k = close + 1
                    continue
                open_at = -1
            k += 1
    return out
