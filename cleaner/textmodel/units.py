"""A document's lines as the text model reads them.

The model judges *units*: a non-blank line, or, in a hard-wrapped text
(html2text's markdown wraps at 78 columns, ``fmt`` and mail tools at 72), the
lines of one wrapped paragraph together. A text is hard-wrapped when most pairs
of consecutive long lines are consistent with one width ``W`` (the first line
is at most ``W`` long and the next line's first word would not have fit on it)
and hardly any line is longer than ``W`` although it could have been broken.
A unit's words are read from its content (after indentation, list marker or
heading marks); its shape from how its lines are written. A markdown link is
read as its text: its target (the URL and any "title", which html2text wraps
over lines with the paragraph) is not words, and counts as the unit's link
target wherever the unit's lines break it (:func:`link_marks`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cleaner.textmodel import vocab
from cleaner.textmodel.shape import (
    N_SHAPE,
    S_BLANK,
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
)

WRAP_MIN, WRAP_MAX = 40, 200  # widths a hard-wrapped text can have
WRAP_PAIRS = 8  # pairs of lines consistent with the width, at least
WRAP_OVER = 0.05  # share of lines longer than the width that could have been broken, at most
_SUMMED = (S_LINK_CHARS, S_LINKS, S_IMAGES, S_TARGET, S_PIPES, S_GAPS)
_LINKED = [S_LINK_CHARS, S_LINKS, S_IMAGES, S_TARGET]
# a markdown link (an image: the same after a "!"): "[" text "]" "(" URL and optional
# "title" ")"; the text, the URL and the title may be broken over lines (html2text wraps
# them at 78 columns); a backslash escape, a quoted title or a pair of parens may hold a
# paren. Runs of plain characters between them (the loop unrolled: no run can be split
# two ways, so a "[" or "](" left open costs little), each bounded.
_LINK = re.compile(
    r"\[([^\[\]\\]{0,1000}(?:\\.[^\[\]\\]{0,1000}){0,20})\]"
    r'\([^()"\\]{0,2000}'
    r'(?:(?:\\.|"[^"\\]{0,2000}(?:\\.[^"\\]{0,2000}){0,20}"|\([^()]{0,500}\))[^()"\\]{0,2000}){0,50}\)'
)
_BLANK_LINE = re.compile(r"\n[ \t]*(?:>[ \t]*)*\n")
_SPACE = 32


@dataclass
class Units:
    """The units of a document, with what the features need."""

    idx: np.ndarray  # each unit's first line (index among the document's lines)
    last: np.ndarray  # each unit's last line
    words: np.ndarray  # word rows of each unit's content (cleaner.classify line rows: WORD_FEATURES, n, nc)
    shape: np.ndarray  # shape rows (of a unit of several lines: its first line's marks, the counts summed)
    hashes: np.ndarray  # hash of each unit's content
    blank_before: np.ndarray  # blank lines right before each unit
    blank_after: np.ndarray  # ... and right after it
    blank_share: float  # the document's share of blank lines
    wrap: int  # the width the text is hard-wrapped at, 0 if it is not
    vocab: np.ndarray  # per unit, its words of each vocabulary group (cleaner.textmodel.vocab)
    # per unit, the unit it continues (a unit that starts inside a link's target, the
    # link opened in an earlier unit: it goes or stays with it), or -1
    follows: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.idx)


def wrap_width(shape: np.ndarray) -> int:
    """The width the lines (their shape rows) are hard-wrapped at, or 0."""
    n = len(shape)
    if n < 3:
        return 0
    blank = shape[:, S_BLANK] == 1
    end = shape[:, S_END]
    multi = ~blank & (shape[:, S_START] + shape[:, S_FIRST_WORD] < end)  # two words or more
    nxt_plain = (shape[1:, S_MARKER] == 0) & (shape[1:, S_HEADING] == 0) & ~blank[1:]
    pair = multi[:-1] & nxt_plain
    a = end[:-1][pair]
    if len(a) < WRAP_PAIRS:
        return 0
    b = a + 1 + shape[1:, S_FIRST_WORD][pair]
    cov = np.zeros(WRAP_MAX + 2, dtype=np.int64)
    ok = a <= WRAP_MAX
    np.add.at(cov, a[ok], 1)
    np.add.at(cov, np.minimum(b[ok], WRAP_MAX + 1), -1)
    c = np.cumsum(cov)
    w = int(np.argmax(c[WRAP_MIN : WRAP_MAX + 1])) + WRAP_MIN
    if c[w] < WRAP_PAIRS:
        return 0
    over = multi & (end > w) & (shape[:, S_START] + shape[:, S_FIRST_WORD] < w) & (shape[:, S_URL] == 0)
    if over.sum() > WRAP_OVER * multi.sum():
        return 0
    return w


def join_wrapped(shape: np.ndarray, w: int) -> np.ndarray:
    """For each line, True when it continues the line before it (a text wrapped at ``w``)."""
    n = len(shape)
    cont = np.zeros(n, dtype=bool)
    if not w or n < 2:
        return cont
    blank = shape[:, S_BLANK] == 1
    end = shape[:, S_END]
    full = (end <= w) & (end + 1 + np.concatenate([shape[1:, S_FIRST_WORD], [0]]) > w)
    full |= (end > w) & (shape[:, S_URL] == 1)
    plain = (shape[:, S_MARKER] == 0) & (shape[:, S_HEADING] == 0) & ~blank
    cont[1:] = plain[1:] & ~blank[:-1] & full[:-1]
    return cont


_LATIN = 256  # tables of Latin-1 characters, looked up by min(code point, 255); ÿ is in none
_INLINE_OPEN = np.zeros(_LATIN, dtype=bool)
_INLINE_OPEN[[ord(c) for c in ",.;:!?)"]] = True
_SENTENCE_END = np.zeros(_LATIN, dtype=bool)
_SENTENCE_END[[ord(c) for c in ".!?:"]] = True
# a piece that goes on a sentence: it starts in lower case, with a digit or a closing mark
_GOES_ON = np.array([chr(c).islower() or chr(c).isdigit() for c in range(_LATIN)]) | _INLINE_OPEN
_GOES_ON[_LATIN - 1] = False
_FEW_WORDS = 3  # after a piece of fewer words ("Log in "), ...
_NEW_BLOCK = 6  # ... a piece of this many words that does not go on in lower case starts a block


def join_inline(
    shape: np.ndarray, lens: np.ndarray, cps: np.ndarray, starts: np.ndarray, texts: Sequence[str]
) -> np.ndarray:
    """For each line, True when it continues the line before it as the next piece of
    one paragraph that the dump broke at an inline element (BeautifulSoup's
    ``get_text("\\n")`` writes each text node on a line of its own: "Read the " /
    "whole story" / " here."): the line before ends in one space (but not after the
    end of a sentence: that ends a teaser as often as it comes before a link) or
    this line starts with one space, unless the line before holds fewer than three
    words and this one, of six words or more, does not go on in lower case (a
    minified menu's "Log in " before the headline); or this line starts with a
    closing punctuation mark. Neither line is a lone bullet, and this one is no list
    item or heading. ``lens``: the lines' lengths; ``cps`` and ``starts``: their
    code points and where each line starts; ``texts``: the lines."""
    n = len(shape)
    cont = np.zeros(n, dtype=bool)
    if n < 2:
        return cont
    nb = (shape[:, S_BLANK] == 0) & (shape[:, S_END] - shape[:, S_START] >= 2)  # not a lone bullet
    plain = nb & (shape[:, S_MARKER] == 0) & (shape[:, S_HEADING] == 0)
    last = np.minimum(cps[np.maximum(starts + shape[:, S_END] - 1, 0)], _LATIN - 1)
    trail_one = nb & (lens - shape[:, S_END] == 1) & ~_SENTENCE_END[last]
    lead_one = (shape[:, S_LEAD] == 1) & (shape[:, S_INDENT] == 1)
    first = np.minimum(cps[np.minimum(starts + shape[:, S_START], len(cps) - 1)], _LATIN - 1)
    lead_punct = nb & _INLINE_OPEN[first]
    cont[1:] = plain[1:] & nb[:-1] & ((trail_one[:-1] | lead_one[1:]) | lead_punct[1:])
    # a piece of a few words (a menu's "Log in ") is not continued by a long one that
    # starts a sentence of its own (the headline after the menu); words are counted only
    # for the pairs that ask (most documents have none)
    ask = np.flatnonzero(cont[1:] & ~lead_punct[1:] & ~_GOES_ON[first][1:]) + 1
    for i in ask.tolist():
        if len(texts[i - 1].split()) < _FEW_WORDS and len(texts[i].split()) >= _NEW_BLOCK:
            cont[i] = False
    return cont


def link_marks(text: str) -> np.ndarray:
    """The markdown links and images of ``text`` (a document's lines joined by
    newlines), one row each: where it starts, where its text starts and ends,
    where it ends, and 1 for an image."""
    # ((start, end), (text start, end)); a link holds no blank line (html2text never writes one
    # inside a link: a "[" or "](" left open would take the paragraphs after it)
    spans = [m.regs for m in _LINK.finditer(text) if not _BLANK_LINE.search(m.group())]
    out = np.zeros((len(spans), 5), dtype=np.int64)
    if spans:
        out[:, :4] = np.array(spans, dtype=np.int64).reshape(-1, 4)[:, [0, 2, 3, 1]]
    if len(out):  # an image: "!" before the "[" (the pattern starts with "[", which re finds fast)
        at = out[:, 0] - 1
        bang = np.zeros(len(out), dtype=bool)
        bang[at >= 0] = [text[i] == "!" for i in at[at >= 0].tolist()]
        out[bang, 0] -= 1
        out[bang, 4] = 1
    return out


def _read_links(
    view: Any, first: np.ndarray, bounds: tuple[np.ndarray, np.ndarray], ushape: np.ndarray
) -> tuple[Any, tuple[np.ndarray, np.ndarray], np.ndarray | None]:
    """Markdown links read as their text: a view whose link marks and targets are
    blanked (the units' words leave them out), the units' bounds narrowed to
    their first and last visible character, and ``ushape``'s link columns (links,
    images, link text, target characters) counted over each unit's lines, a
    target broken over them included; and per unit, the unit whose link it
    continues (:attr:`Units.follows`). Without a link, the view and bounds as given."""
    cps = view.cps
    if len(cps) < 2 or not ((cps[:-1] == 93) & (cps[1:] == 40)).any():  # no "]("
        return view, bounds, None
    marks = link_marks("\n".join(view.texts))
    if not len(marks):
        return view, bounds, None
    lo, hi = bounds
    unit = np.searchsorted(lo, marks[:, 0], side="right") - 1
    ok = (unit >= 0) & (marks[:, 0] < hi[np.maximum(unit, 0)])
    marks, unit = marks[ok], unit[ok]
    if not len(marks):
        return view, bounds, None
    # a unit that starts inside a link begun in an earlier unit continues that unit
    end_unit = np.searchsorted(lo, marks[:, 3] - 1, side="right") - 1
    follows = np.full(len(first), -1, dtype=np.int64)
    for u0, u1 in zip(unit[end_unit > unit].tolist(), end_unit[end_unit > unit].tolist(), strict=True):
        follows[u0 + 1 : u1 + 1] = follows[u0] if follows[u0] >= 0 else u0
    # blank each link's "[" (or "![") and its "](...)"; the links do not overlap
    size = len(cps) + 1
    delta = np.bincount(marks[:, [0, 2]].ravel(), minlength=size) - np.bincount(
        marks[:, [1, 3]].ravel(), minlength=size
    )
    cps = np.where(np.cumsum(delta[:-1]) > 0, _SPACE, cps).astype(cps.dtype, copy=False)
    link = (marks[:, 4] == 0).astype(np.float64)
    m = len(first)
    cols = np.stack(
        [
            np.bincount(unit, link * (marks[:, 2] - marks[:, 1]), m),  # link text
            np.bincount(unit, link, m),  # links
            np.bincount(unit, 1.0 - link, m),  # images
            np.bincount(unit, (marks[:, 3] - marks[:, 2] - 1).astype(np.float64), m),  # target
        ],
        axis=1,
    ).astype(np.int64)
    touched = np.unique(unit)
    ushape[touched[:, None], _LINKED] = cols[touched]
    # the touched units' bounds narrowed to their first and last character not a space
    # (a sentinel past the end: a document that is all links and images has no such character)
    seen = np.append(np.flatnonzero(cps != _SPACE), len(cps))
    lo, hi = lo.copy(), hi.copy()
    a = np.searchsorted(seen, lo[touched])
    b = np.searchsorted(seen, hi[touched]) - 1
    some = a <= b
    new_lo = np.where(some, seen[a], lo[touched])
    lo[touched] = new_lo
    hi[touched] = np.where(some, seen[np.maximum(b, 0)] + 1, new_lo)
    masked = copy.copy(view)
    masked.cps = cps
    return masked, (lo, hi), follows


def read_units(
    texts: Sequence[str],
    lang: str | None,
    fallback_stop: float = 0.3,
    view: Any = None,
    wrapped: bool = True,
    shape: np.ndarray | None = None,
    gate: np.ndarray | None = None,
    inline: bool = True,
) -> Units:
    """Read a document's lines (``texts``, blank ones included, as they came).
    ``view``: a :class:`cleaner.kernels.lines.TextView` of exactly these lines (not
    stripped), and ``shape`` their shape rows, when the caller has them;
    ``gate``: the scan of each line for :data:`cleaner.classify.GATE_STRINGS`,
    when the caller has it; ``wrapped``: join the lines of hard-wrapped paragraphs
    (markdown links are read as their text: :func:`_read_links`); ``inline``: in a
    text that is not hard-wrapped, join the pieces of a paragraph a dump broke at its
    inline elements (:func:`join_inline`)."""
    from cleaner.classify import doc_stopwords, line_data
    from cleaner.kernels.chars import AN, tables
    from cleaner.kernels.features import vocab_rows
    from cleaner.kernels.lines import TextView
    from cleaner.kernels.shape import shape_rows

    n = len(texts)
    if view is None:
        view = TextView(list(texts))
    flags, lower, _ = tables()
    if shape is None:
        shape = shape_rows(view.cps, view.starts, view.ends, flags)
    nonblank = np.flatnonzero(shape[:, S_BLANK] == 0)
    if not len(nonblank):
        z = np.zeros(0, dtype=np.int64)
        return Units(
            z,
            z,
            np.zeros((0, 31)),
            np.zeros((0, N_SHAPE), dtype=np.int64),
            np.zeros(0, dtype=np.uint64),
            z,
            z,
            1.0,
            0,
            np.zeros((0, len(vocab.GROUPS))),
        )
    w = wrap_width(shape) if wrapped else 0
    if w:  # a hard-wrapped text's lines broke at its width
        cont = join_wrapped(shape, w)
    elif inline:
        cont = join_inline(shape, view.lens, view.cps, view.starts, view.texts)
    else:
        cont = np.zeros(n, dtype=bool)
    if cont.any():
        first = nonblank[~cont[nonblank]]
        # a unit runs from its first line to the line before the next unit's first (blank lines end it)
        group = np.cumsum(~cont[nonblank]) - 1
        last = np.zeros(len(first), dtype=np.int64)
        np.maximum.at(last, group, nonblank)
    else:
        first = last = nonblank
    base = view.starts
    bounds = (base[first] + shape[first, S_START], base[last] + shape[last, S_END])
    ushape = shape[first].copy()
    if len(first) < len(nonblank):
        sums = np.add.reduceat(shape[nonblank][:, list(_SUMMED)], np.flatnonzero(~cont[nonblank]), axis=0)
        ushape[:, list(_SUMMED)] = sums
        ushape[:, S_START] = 0
        ushape[:, S_END] = bounds[1] - bounds[0]
    wview, wbounds, follows = _read_links(view, first, bounds, ushape)
    if gate is None and wview is not view:
        # the marker regexes read each unit's first line as written (a URL in a link's
        # target is a URL), so their prefilter scans the lines, not the blanked view:
        # as the stage's scan, which a caller passes (the output reads as the input did)
        from cleaner.classify import gate_scan

        gate = gate_scan(view)
    stops = doc_stopwords((texts[i] for i in first.tolist()), lang)
    words, hashes = line_data(
        None, stops, fallback_stop, wview, first, gate[first] if gate is not None else None, wbounds
    )
    blank_before = first - np.concatenate([[-1], last[:-1]]) - 1
    blank_after = np.concatenate([first[1:], [n]]) - last - 1
    blank_share = (n - len(nonblank)) / n
    keys, vals = vocab.table()
    counts = vocab_rows(
        wview.cps, wbounds[0], wbounds[1], flags, lower, keys, vals, len(vocab.GROUPS), vocab.LIMIT, AN
    )
    return Units(
        first, last, words, ushape, hashes, blank_before, blank_after, blank_share, w, counts, follows
    )
