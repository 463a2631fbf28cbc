"""How a line of a text dump is written: indentation, list marker, heading, links, table cells.

Scrapers write dumps in many shapes (inscriptis marks list items with ``*``,
``o``, ``+`` and pads table cells into columns; html2text writes markdown with
``#`` headings and ``[text](url)`` links; BeautifulSoup leaves blank lines and
indentation). The text model reads these marks as what they are, a list item,
a heading, a link text, a table row, instead of as words, and judges the
line's content (what follows the marks) by its words.

:func:`shape_rows_py` is the readable reference of the compiled
:func:`cleaner.kernels.shape.shape_rows`; the tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cleaner.kernels.shape import (  # noqa: F401  (the columns of a shape row, where the kernels read them)
    N_SHAPE,
    S_BLANK,
    S_EMPH,
    S_END,
    S_FIRST_WORD,
    S_GAPS,
    S_HEADING,
    S_IMAGES,
    S_INDENT,
    S_LEAD,
    S_LINK_CHARS,
    S_LINKS,
    S_MARKER,
    S_PIPES,
    S_START,
    S_TARGET,
    S_URL,
    SHAPE_COLUMNS,
)

# a bullet character followed by a space starts a list item
BULLETS = {
    "*": 1,
    "o": 2,
    "+": 3,
    "-": 4,
    "\u2013": 4,
    "\u2014": 4,
    "\u2022": 5,
    "\u00b7": 5,
    "\u25aa": 5,
    "\u25cf": 5,
    "\u25e6": 5,
    "\u2023": 5,
    "\u25ba": 5,
    "\u25b8": 5,
    "\u2192": 5,
}
from cleaner.kernels.shape import MARKER_ORDERED, MARKER_QUOTE  # noqa: E402


def _space(c: str) -> bool:
    return c.isspace()


def shape_row(t: str) -> list[int]:
    """The shape row of one line (see :data:`SHAPE_COLUMNS`)."""
    n = len(t)
    row = [0] * N_SHAPE
    p = 0
    indent = 0
    while p < n and _space(t[p]):
        indent += 4 if t[p] == "\t" else 1
        p += 1
    e = n
    while e > p and _space(t[e - 1]):
        e -= 1
    if p == e:
        row[S_BLANK] = 1
        return row
    row[S_INDENT] = indent
    row[S_LEAD] = p
    c = t[p]
    nxt = t[p + 1] if p + 1 < e else ""
    if c in BULLETS and (nxt == " " or nxt == "\t"):
        row[S_MARKER] = BULLETS[c]
        p += 1
    elif c == ">" and (nxt == " " or nxt == "\t" or p + 1 == e):
        row[S_MARKER] = MARKER_QUOTE
        p += 1
    elif c == "#":
        k = p
        while k < e and t[k] == "#":
            k += 1
        if k - p <= 6 and (k == e or t[k] == " " or t[k] == "\t"):
            row[S_HEADING] = k - p
            p = k
    elif "0" <= c <= "9":
        k = p
        while k < e and "0" <= t[k] <= "9" and k - p < 4:
            k += 1
        if (
            k - p <= 3
            and k + 1 < e
            and (t[k] == "." or t[k] == ")")
            and (t[k + 1] == " " or t[k + 1] == "\t")
        ):
            row[S_MARKER] = MARKER_ORDERED
            p = k + 1
    while p < e and _space(t[p]):
        p += 1
    row[S_START] = p
    row[S_END] = e
    if p + 1 < e and ((t[p] == "*" and t[p + 1] == "*") or (t[p] == "_" and t[p + 1] == "_")):
        row[S_EMPH] = 1
    k = p
    while k < e and not _space(t[k]):
        k += 1
    row[S_FIRST_WORD] = k - p
    if "://" in t[p:e] or "](" in t[p:e]:
        row[S_URL] = 1
    # links and images: "[" text "]" "(" target ")", the target without line breaks or nested "("
    k = p
    open_at = -1
    run = 0
    while k < e:
        ch = t[k]
        if ch == " " or ch == "\t" or ch == "\u00a0":
            run += 4 if ch == "\t" else 1
        else:
            if run >= 3:
                row[S_GAPS] += 1
            run = 0
        if ch == "|":
            row[S_PIPES] += 1
        elif ch == "[":
            open_at = k
        elif ch == "]" and open_at >= 0 and k + 1 < e and t[k + 1] == "(":
            close = t.find(")", k + 2, e)
            if close >= 0:
                if open_at > p and t[open_at - 1] == "!":
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
    return row


def shape_rows_py(texts: Sequence[str]) -> np.ndarray:
    """Shape rows of the lines (lines x :data:`N_SHAPE`, int64): the reference of
    :func:`cleaner.kernels.shape.shape_rows`."""
    out = np.zeros((len(texts), N_SHAPE), dtype=np.int64)
    for i, t in enumerate(texts):
        out[i] = shape_row(t)
    return out
