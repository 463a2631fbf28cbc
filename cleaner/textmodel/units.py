"""A document's lines as the text model reads them.

The model judges *units*: a non-blank line, or, in a hard-wrapped text
(html2text's markdown wraps at 78 columns, ``fmt`` and mail tools at 72), the
lines of one wrapped paragraph together. A text is hard-wrapped when most pairs
of consecutive long lines are consistent with one width ``W`` (the first line
is at most ``W`` long and the next line's first word would not have fit on it)
and hardly any line is longer than ``W`` although it could have been broken.
A unit's words are read from its content (after indentation, list marker or
heading marks); its shape from how its lines are written.
"""

from __future__ import annotations

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


def read_units(
    texts: Sequence[str],
    lang: str | None,
    fallback_stop: float = 0.3,
    view: Any = None,
    wrapped: bool = True,
    shape: np.ndarray | None = None,
    gate: np.ndarray | None = None,
) -> Units:
    """Read a document's lines (``texts``, blank ones included, as they came).
    ``view``: a :class:`cleaner.kernels.lines.TextView` of exactly these lines (not
    stripped), and ``shape`` their shape rows, when the caller has them;
    ``gate``: the scan of each line for :data:`cleaner.classify.GATE_STRINGS`,
    when the caller has it; ``wrapped``: join the lines of hard-wrapped paragraphs."""
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
    if w:
        cont = join_wrapped(shape, w)
        first = nonblank[~cont[nonblank]]
        # a unit runs from its first line to the line before the next unit's first (blank lines end it)
        group = np.cumsum(~cont[nonblank]) - 1
        last = np.zeros(len(first), dtype=np.int64)
        np.maximum.at(last, group, nonblank)
    else:
        first = last = nonblank
    base = view.starts
    bounds = (base[first] + shape[first, S_START], base[last] + shape[last, S_END])
    stops = doc_stopwords((texts[i] for i in first.tolist()), lang)
    words, hashes = line_data(
        None, stops, fallback_stop, view, first, gate[first] if gate is not None else None, bounds
    )
    ushape = shape[first].copy()
    if w and len(first) < len(nonblank):
        sums = np.add.reduceat(shape[nonblank][:, list(_SUMMED)], np.flatnonzero(~cont[nonblank]), axis=0)
        ushape[:, list(_SUMMED)] = sums
        ushape[:, S_START] = 0
        ushape[:, S_END] = bounds[1] - bounds[0]
    blank_before = first - np.concatenate([[-1], last[:-1]]) - 1
    blank_after = np.concatenate([first[1:], [n]]) - last - 1
    blank_share = (n - len(nonblank)) / n
    keys, vals = vocab.table()
    counts = vocab_rows(
        view.cps, bounds[0], bounds[1], flags, lower, keys, vals, len(vocab.GROUPS), vocab.LIMIT, AN
    )
    return Units(first, last, words, ushape, hashes, blank_before, blank_after, blank_share, w, counts)
