"""The text model's features: each line's own, its neighbours', and the region evidence.

Two matrices, one row per non-blank line (a *unit*), in document order:

* :data:`LINE_FEATURES` (the line model's): the words of the line's content
  (:data:`cleaner.classify.LINE_FEATURES`, computed after the list marker or
  heading marks), how it is written (:mod:`cleaner.textmodel.shape`), the blank
  lines around it, where it sits, what the document is like, its two
  neighbours on each side, windows of 3 and 10 lines around it and the runs it
  is part of (short lines, list items, one indentation);
* :data:`REGION_FEATURES` (the region model's): what the line model thinks of
  the line and of the lines around it, the document's best block of article
  lines, the runs of article-like lines and where the article mass lies.

The numpy functions here are the readable reference of the compiled ones in
:mod:`cleaner.kernels.features` and :mod:`cleaner.kernels.region`, which the tests hold equal.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from cleaner.classify import LINE_FEATURES as WORD_FEATURES
from cleaner.textmodel.shape import (
    S_EMPH,
    S_END,
    S_GAPS,
    S_HEADING,
    S_IMAGES,
    S_INDENT,
    S_LINK_CHARS,
    S_LINKS,
    S_MARKER,
    S_PIPES,
    S_START,
    S_TARGET,
)
from cleaner.textmodel.vocab import GROUPS

SHAPE_FEATURES = (
    "indent",
    "list_item",
    "marker",
    "heading",
    "link_share",
    "links",
    "image",
    "pipes",
    "gaps",
    "emphasis",
    "blank_before",
    "blank_after",
)
PLACE_FEATURES = ("rel_len", "pos", "first_line", "last_line", "duplicate")
DOC_FEATURES = ("doc_lines", "doc_blank_share", "doc_list_share", "doc_link_share", "doc_words")
NEIGHBOUR_OF = ("log_words", "terminal", "stop_ratio", "list_item", "link_share", "heading", "indent")
NEIGHBOURS = ((-2, "p2"), (-1, "p1"), (1, "n1"), (2, "n2"))
WINDOW_OF = ("short", "terminal", "stop_ratio", "list_item", "link_share", "log_words", "strong_para")
WINDOWS = (3, 10)
RUN_FEATURES = ("short_run", "list_run", "indent_run", "markers_near", "repeat_shape")
VOCAB_WINDOW = 10
VOCAB_FEATURES = tuple(f"{g}_words" for g in GROUPS) + tuple(f"{g}_w{VOCAB_WINDOW}" for g in GROUPS)

LINE_FEATURES = (
    WORD_FEATURES
    + SHAPE_FEATURES
    + PLACE_FEATURES
    + DOC_FEATURES
    + tuple(f"{name}_{tag}" for _, tag in NEIGHBOURS for name in NEIGHBOUR_OF)
    + tuple(f"{name}_w{k}" for k in WINDOWS for name in WINDOW_OF)
    + RUN_FEATURES
    + VOCAB_FEATURES
)
L = {name: i for i, name in enumerate(LINE_FEATURES)}
N_LINE = len(LINE_FEATURES)
N_WORD = len(WORD_FEATURES)

# the line features the region model reads too
REGION_OWN = (
    "log_words",
    "terminal",
    "stop_ratio",
    "list_item",
    "link_share",
    "heading",
    "indent",
    "pos",
    "blank_before",
    "blank_after",
    "short_run",
    "repeat_shape",
    "markers_near",
    "doc_lines",
    "doc_blank_share",
    "doc_list_share",
) + tuple(f"{g}_w{VOCAB_WINDOW}" for g in GROUPS)
P_WINDOWS = (1, 3, 10, 30)
REGION_FEATURES = (
    ("p1",)
    + tuple(f"p1_mean{k}" for k in P_WINDOWS)
    + (
        "p1_max3",
        "p1_min_nb",
        "block_in",
        "block_before",
        "block_after",
        "block_share",
        "run_chars",
        "run_rank",
        "run_share",
        "top_run_dist",
        "mass_before",
        "mass_after",
        "doc_runs",
        "doc_top_share",
    )
    + REGION_OWN
)
R = {name: i for i, name in enumerate(REGION_FEATURES)}
N_REGION = len(REGION_FEATURES)
REGION_OWN_COLS = np.array([L[n] for n in REGION_OWN], dtype=np.int64)

# columns of the word rows (cleaner.classify line rows: WORD_FEATURES, then n, nc)
_W = {name: i for i, name in enumerate(WORD_FEATURES)}
W_N, W_NC = N_WORD, N_WORD + 1
MISSING = -1.0  # a neighbour beyond the document's first or last line


def _window_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Mean of x over [i-k, i+k], cut at the ends."""
    m = len(x)
    c = np.concatenate([[0.0], np.cumsum(x)])
    lo = np.maximum(np.arange(m) - k, 0)
    hi = np.minimum(np.arange(m) + k + 1, m)
    return (c[hi] - c[lo]) / (hi - lo)


def _runs(flag: np.ndarray) -> np.ndarray:
    """For each line, the length of the run of consecutive flagged lines it is in (0 if unflagged)."""
    m = len(flag)
    out = np.zeros(m)
    if not m or not flag.any():
        return out
    f = flag.astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], f, [0]])))
    size = edges[1::2] - edges[::2]
    out[flag] = np.repeat(size, size)
    return out


def _value_runs(v: np.ndarray) -> np.ndarray:
    """For each line, the length of the run of consecutive lines with its value."""
    m = len(v)
    if not m:
        return np.zeros(0)
    edges = np.flatnonzero(np.concatenate([[True], v[1:] != v[:-1], [True]]))
    size = edges[1:] - edges[:-1]
    return np.repeat(size, size).astype(np.float64)


def line_matrix_py(
    words: np.ndarray,
    shape: np.ndarray,
    hashes: np.ndarray,
    blank_before: np.ndarray,
    blank_after: np.ndarray,
    blank_share: float,
    vocab: np.ndarray,
) -> np.ndarray:
    """The line model's features (units x :data:`LINE_FEATURES`).

    ``words``: word rows of the units' content (``cleaner.classify`` line rows:
    WORD_FEATURES, n, nc); ``shape``: their shape rows; ``hashes``: the hash of
    each unit's content; ``blank_before`` / ``blank_after``: the blank lines
    right before / after each unit; ``blank_share``: the document's share of
    blank lines.
    """
    m = len(words)
    X = np.zeros((m, N_LINE))
    if not m:
        return X
    X[:, :N_WORD] = words[:, :N_WORD]
    indent_raw = shape[:, S_INDENT].astype(np.float64)
    indent = np.minimum((indent_raw - indent_raw.min()) / 2.0, 8.0)
    marker = shape[:, S_MARKER]
    list_item = ((marker >= 1) & (marker <= 6)).astype(np.float64)
    content = np.maximum(shape[:, S_END] - shape[:, S_START] - shape[:, S_TARGET], 1).astype(np.float64)
    link_share = np.minimum(shape[:, S_LINK_CHARS] / content, 1.0)
    X[:, L["indent"]] = indent
    X[:, L["list_item"]] = list_item
    X[:, L["marker"]] = marker
    X[:, L["heading"]] = shape[:, S_HEADING]
    X[:, L["link_share"]] = link_share
    X[:, L["links"]] = np.minimum(shape[:, S_LINKS], 5)
    X[:, L["image"]] = shape[:, S_IMAGES] > 0
    X[:, L["pipes"]] = np.minimum(shape[:, S_PIPES], 5)
    X[:, L["gaps"]] = np.minimum(shape[:, S_GAPS], 5)
    X[:, L["emphasis"]] = shape[:, S_EMPH]
    X[:, L["blank_before"]] = np.minimum(blank_before, 3)
    X[:, L["blank_after"]] = np.minimum(blank_after, 3)
    nc = words[:, W_NC]
    X[:, L["rel_len"]] = nc / (nc.max() or 1.0)
    X[:, L["pos"]] = np.arange(m) / max(m - 1, 1)
    X[0, L["first_line"]] = 1.0
    X[m - 1, L["last_line"]] = 1.0
    _, inv, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    X[:, L["duplicate"]] = counts[inv] > 1
    X[:, L["doc_lines"]] = math.log1p(m)
    X[:, L["doc_blank_share"]] = blank_share
    X[:, L["doc_list_share"]] = list_item.mean()
    X[:, L["doc_link_share"]] = (shape[:, S_LINKS] > 0).mean()
    X[:, L["doc_words"]] = words[:, _W["log_words"]].mean()
    cols = {
        "log_words": words[:, _W["log_words"]],
        "terminal": words[:, _W["terminal"]],
        "stop_ratio": words[:, _W["stop_ratio"]],
        "list_item": list_item,
        "link_share": link_share,
        "heading": shape[:, S_HEADING].astype(np.float64),
        "indent": indent,
    }
    for d, tag in NEIGHBOURS:
        for name in NEIGHBOUR_OF:
            col = np.full(m, MISSING)
            v = cols[name]
            if d < 0 and m > -d:
                col[-d:] = v[:d]
            elif d > 0 and m > d:
                col[:-d] = v[d:]
            if name == "indent":
                ok = col != MISSING
                col[ok] = col[ok] - indent[ok]
            X[:, L[f"{name}_{tag}"]] = col
    wcols = dict(cols)
    wcols["short"] = words[:, _W["short"]]
    wcols["strong_para"] = words[:, _W["strong_para"]]
    for k in WINDOWS:
        for name in WINDOW_OF:
            X[:, L[f"{name}_w{k}"]] = _window_mean(wcols[name], k)
    X[:, L["short_run"]] = np.log1p(_runs(words[:, _W["short"]] > 0))
    X[:, L["list_run"]] = np.log1p(_runs(list_item > 0))
    X[:, L["indent_run"]] = np.log1p(_value_runs(indent_raw))
    markers = np.minimum(
        words[:, _W["date"]] + words[:, _W["ago"]] + words[:, _W["counter"]] + words[:, _W["handle"]], 1.0
    )
    X[:, L["markers_near"]] = _window_mean(markers, 5)
    X[:, L["repeat_shape"]] = repeat_shape(words, markers)
    for g, name in enumerate(GROUPS):
        X[:, L[f"{name}_words"]] = np.minimum(vocab[:, g], 3)
        X[:, L[f"{name}_w{VOCAB_WINDOW}"]] = _window_mean((vocab[:, g] > 0).astype(np.float64), VOCAB_WINDOW)
    return X


def repeat_shape(words: np.ndarray, markers: np.ndarray) -> np.ndarray:
    """Line shapes (length bucket, sentence end, title case, marker) that repeat
    every 2 or 3 lines while the neighbour differs: teaser lists, comment threads."""
    m = len(words)
    nw = words[:, _W["log_words"]]
    term = words[:, _W["terminal"]]
    shape = (
        ((nw > math.log1p(2)).astype(np.int64) + (nw > math.log1p(6)) + (nw > math.log1p(15))) * 8
        + (term > 0) * 4
        + (words[:, _W["title_ratio"]] >= 0.5) * 2
        + (markers > 0)
    )
    rep = np.zeros(m, dtype=bool)
    for d in (2, 3):
        if m > 2 * d:
            periodic = np.zeros(m, dtype=bool)
            periodic[d:-d] = (shape[d:-d] == shape[: -2 * d]) & (shape[d:-d] == shape[2 * d :])
            periodic[1:] &= shape[1:] != shape[:-1]
            rep |= periodic
    return rep.astype(np.float64)


def best_block(score: np.ndarray) -> tuple[int, int]:
    """The contiguous run of lines with the largest total score: (first, last),
    last < first when no run scores above 0."""
    if not len(score):
        return 0, -1
    total = np.concatenate([[0.0], np.cumsum(score)])
    low = np.minimum.accumulate(total[:-1])
    gain = total[1:] - low
    j = int(np.argmax(gain))
    if gain[j] <= 0:
        return 0, -1
    i = int(np.argmin(total[: j + 1]))
    return i, j


def region_matrix_py(p1: np.ndarray, X: np.ndarray, nc: np.ndarray) -> np.ndarray:
    """The region model's features (units x :data:`REGION_FEATURES`) from the line
    model's probabilities ``p1``, the line features ``X`` and the content lengths ``nc``."""
    m = len(p1)
    Z = np.zeros((m, N_REGION))
    if not m:
        return Z
    Z[:, R["p1"]] = p1
    for k in P_WINDOWS:
        Z[:, R[f"p1_mean{k}"]] = _window_mean(p1, k)
    mx = np.zeros(m)
    for d in range(1, 4):
        mx[d:] = np.maximum(mx[d:], p1[:-d])
        mx[:-d] = np.maximum(mx[:-d], p1[d:])
    Z[:, R["p1_max3"]] = mx
    prev = np.concatenate([[0.0], p1[:-1]])
    nxt = np.concatenate([p1[1:], [0.0]])
    Z[:, R["p1_min_nb"]] = np.minimum(prev, nxt)
    size = nc.astype(np.float64)
    total = size.sum() or 1.0
    bi, bj = best_block((p1 - 0.5) * np.sqrt(size + 1.0))
    pos = np.arange(m)
    if bj >= bi:
        Z[bi : bj + 1, R["block_in"]] = 1.0
        Z[:, R["block_before"]] = np.log1p(np.maximum(bi - pos, 0))
        Z[:, R["block_after"]] = np.log1p(np.maximum(pos - bj, 0))
        Z[:, R["block_share"]] = size[bi : bj + 1].sum() / total
    else:
        Z[:, R["block_before"]] = np.log1p(m)
        Z[:, R["block_after"]] = np.log1p(m)
    # runs of article-like lines (p1 >= 0.5)
    good = p1 >= 0.5
    run_id = np.full(m, -1)
    starts = np.flatnonzero(good & ~np.concatenate([[False], good[:-1]]))
    ends = np.flatnonzero(good & ~np.concatenate([good[1:], [False]]))
    csum = np.concatenate([[0.0], np.cumsum(size)])
    chars = csum[ends + 1] - csum[starts]
    prose = chars.sum() or 1.0
    if len(starts):
        order = np.argsort(-chars, kind="stable")
        rank = np.empty(len(starts), dtype=np.int64)
        rank[order] = np.arange(1, len(starts) + 1)
        for r, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            run_id[a : b + 1] = r
        inrun = run_id >= 0
        Z[inrun, R["run_chars"]] = np.log1p(chars[run_id[inrun]])
        Z[inrun, R["run_rank"]] = np.minimum(rank[run_id[inrun]], 10)
        Z[inrun, R["run_share"]] = chars[run_id[inrun]] / prose
        top = int(order[0])
        ta, tb = int(starts[top]), int(ends[top])
        Z[:, R["top_run_dist"]] = np.log1p(np.maximum(ta - pos, 0) + np.maximum(pos - tb, 0))
        Z[:, R["doc_top_share"]] = chars[top] / prose
    else:
        Z[:, R["top_run_dist"]] = np.log1p(m)
    Z[:, R["doc_runs"]] = math.log1p(len(starts))
    mass = p1 * size
    msum = mass.sum() or 1.0
    cum = np.cumsum(mass)
    Z[:, R["mass_before"]] = (cum - mass) / msum
    Z[:, R["mass_after"]] = (msum - cum) / msum
    Z[:, R["log_words"] :] = X[:, REGION_OWN_COLS]
    return Z


# ------------------------------------------------------------------ the compiled versions
@functools.lru_cache(maxsize=1)
def _line_args() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(cols, nb, win, voc) for :func:`cleaner.kernels.features.line_matrix`: where it reads and writes."""
    from cleaner.kernels import features as kf

    cols = np.zeros(kf.N_K, dtype=np.int64)
    for k, name in (
        (kf.K_W_LOG_WORDS, "log_words"),
        (kf.K_W_TERMINAL, "terminal"),
        (kf.K_W_STOP, "stop_ratio"),
        (kf.K_W_SHORT, "short"),
        (kf.K_W_STRONG, "strong_para"),
        (kf.K_W_DATE, "date"),
        (kf.K_W_AGO, "ago"),
        (kf.K_W_COUNTER, "counter"),
        (kf.K_W_HANDLE, "handle"),
        (kf.K_W_TITLE, "title_ratio"),
    ):
        cols[k] = _W[name]
    cols[kf.K_W_N], cols[kf.K_W_NC], cols[kf.K_N_WORD] = W_N, W_NC, N_WORD
    for k, name in (
        (kf.K_INDENT, "indent"),
        (kf.K_LIST_ITEM, "list_item"),
        (kf.K_MARKER, "marker"),
        (kf.K_HEADING, "heading"),
        (kf.K_LINK_SHARE, "link_share"),
        (kf.K_LINKS, "links"),
        (kf.K_IMAGE, "image"),
        (kf.K_PIPES, "pipes"),
        (kf.K_GAPS, "gaps"),
        (kf.K_EMPHASIS, "emphasis"),
        (kf.K_BLANK_BEFORE, "blank_before"),
        (kf.K_BLANK_AFTER, "blank_after"),
        (kf.K_REL_LEN, "rel_len"),
        (kf.K_POS, "pos"),
        (kf.K_FIRST, "first_line"),
        (kf.K_LAST, "last_line"),
        (kf.K_DUP, "duplicate"),
        (kf.K_DOC_LINES, "doc_lines"),
        (kf.K_DOC_BLANK, "doc_blank_share"),
        (kf.K_DOC_LIST, "doc_list_share"),
        (kf.K_DOC_LINK, "doc_link_share"),
        (kf.K_DOC_WORDS, "doc_words"),
        (kf.K_SHORT_RUN, "short_run"),
        (kf.K_LIST_RUN, "list_run"),
        (kf.K_INDENT_RUN, "indent_run"),
        (kf.K_MARKERS_NEAR, "markers_near"),
        (kf.K_REPEAT, "repeat_shape"),
    ):
        cols[k] = L[name]
    vcol = {
        "log_words": kf.V_LOG_WORDS,
        "terminal": kf.V_TERMINAL,
        "stop_ratio": kf.V_STOP,
        "list_item": kf.V_LIST_ITEM,
        "link_share": kf.V_LINK_SHARE,
        "heading": kf.V_HEADING,
        "indent": kf.V_INDENT,
        "short": kf.V_SHORT,
        "strong_para": kf.V_STRONG,
    }
    nb = np.array(
        [[vcol[name], d, L[f"{name}_{tag}"]] for d, tag in NEIGHBOURS for name in NEIGHBOUR_OF],
        dtype=np.int64,
    )
    win = np.array(
        [[vcol[name], k, L[f"{name}_w{k}"]] for k in WINDOWS for name in WINDOW_OF], dtype=np.int64
    )
    voc = np.array([[L[f"{g}_words"], L[f"{g}_w{VOCAB_WINDOW}"]] for g in GROUPS], dtype=np.int64)
    return cols, nb, win, voc


@functools.lru_cache(maxsize=1)
def _region_args() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from cleaner.kernels import region as kr

    names = (
        "p1",
        "p1_mean1",
        "p1_mean3",
        "p1_mean10",
        "p1_mean30",
        "p1_max3",
        "p1_min_nb",
        "block_in",
        "block_before",
        "block_after",
        "block_share",
        "run_chars",
        "run_rank",
        "run_share",
        "top_run_dist",
        "mass_before",
        "mass_after",
        "doc_runs",
        "doc_top_share",
    )
    assert len(names) == kr.N_R
    rcols = np.array([R[n] for n in names], dtype=np.int64)
    own_dst = np.array([R[n] for n in REGION_OWN], dtype=np.int64)
    return rcols, REGION_OWN_COLS, own_dst


def line_matrix(
    words: np.ndarray,
    shape: np.ndarray,
    hashes: np.ndarray,
    blank_before: np.ndarray,
    blank_after: np.ndarray,
    blank_share: float,
    vocab: np.ndarray,
) -> np.ndarray:
    """:func:`line_matrix_py`, compiled."""
    from cleaner.kernels import features as kf

    cols, nb, win, voc = _line_args()
    return kf.line_matrix(
        words,
        shape,
        hashes,
        blank_before.astype(np.int64),
        blank_after.astype(np.int64),
        float(blank_share),
        N_LINE,
        cols,
        nb,
        win,
        vocab,
        voc,
        VOCAB_WINDOW,
    )


def region_matrix(p1: np.ndarray, X: np.ndarray, nc: np.ndarray) -> np.ndarray:
    """:func:`region_matrix_py`, compiled."""
    from cleaner.kernels import region as kr

    rcols, src, dst = _region_args()
    return kr.region_matrix(p1.astype(np.float64), X, nc.astype(np.float64), N_REGION, rcols, src, dst)


def region_spans_py(p2: np.ndarray, nc: np.ndarray, extra: float, max_spans: int = 3) -> np.ndarray:
    """Units inside the article region: the best block of ``(p2 - 0.5) *
    sqrt(chars + 1)``, then, looking at the parts left on each side in turn, the
    best block of each while its gain is at least ``extra`` times the first
    block's, up to ``max_spans`` blocks (the reference of
    :func:`cleaner.kernels.region.region_spans`)."""
    m = len(p2)
    inside = np.zeros(m, dtype=bool)
    score = (p2 - 0.5) * np.sqrt(nc + 1.0)
    a, b = best_block(score)
    if b < a:
        return inside
    inside[a : b + 1] = True
    first = score[a : b + 1].sum()
    todo = [(0, a), (b + 1, m)]
    count = 1
    while todo and count < max_spans:
        lo, hi = todo.pop(0)
        if hi - lo <= 0:
            continue
        i, j = best_block(score[lo:hi])
        if j < i or score[lo + i : lo + j + 1].sum() < extra * first:
            continue
        inside[lo + i : lo + j + 1] = True
        count += 1
        todo += [(lo, lo + i), (lo + j + 1, hi)]
    return inside
