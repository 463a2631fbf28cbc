"""The text model's line features, compiled (numba).

* :func:`line_matrix`: the features of each line (its words, its shape, its
  neighbours and windows around it, the document), equal to the readable
  reference :func:`cleaner.textmodel.features.line_matrix_py`;
* :func:`vocab_rows`: the words of each word group (comment, promo, legal, ...)
  in each line's first characters (:func:`cleaner.textmodel.vocab.vocab_rows_py`).
"""

from __future__ import annotations

import numpy as np

from cleaner.kernels import njit
from cleaner.kernels.shape import (
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

# What line_matrix reads and writes, by position in its `cols` argument (built
# from the feature names by cleaner.textmodel.features.kernel_cols): the word
# rows' columns it reads, then the output columns of the features it computes
# one by one.
(
    K_W_LOG_WORDS,
    K_W_TERMINAL,
    K_W_STOP,
    K_W_SHORT,
    K_W_STRONG,
    K_W_DATE,
    K_W_AGO,
    K_W_COUNTER,
    K_W_HANDLE,
    K_W_TITLE,
    K_W_N,
    K_W_NC,
    K_N_WORD,
    K_INDENT,
    K_LIST_ITEM,
    K_MARKER,
    K_HEADING,
    K_LINK_SHARE,
    K_LINKS,
    K_IMAGE,
    K_PIPES,
    K_GAPS,
    K_EMPHASIS,
    K_BLANK_BEFORE,
    K_BLANK_AFTER,
    K_REL_LEN,
    K_POS,
    K_FIRST,
    K_LAST,
    K_DUP,
    K_DOC_LINES,
    K_DOC_BLANK,
    K_DOC_LIST,
    K_DOC_LINK,
    K_DOC_WORDS,
    K_SHORT_RUN,
    K_LIST_RUN,
    K_INDENT_RUN,
    K_MARKERS_NEAR,
    K_REPEAT,
) = range(40)
N_K = 40
# the per-line values that neighbour and window features are taken of (columns of `V` in line_matrix)
(V_LOG_WORDS, V_TERMINAL, V_STOP, V_LIST_ITEM, V_LINK_SHARE, V_HEADING, V_INDENT, V_SHORT, V_STRONG) = range(
    9
)
N_V = 9
MISSING = -1.0


@njit(cache=True, nogil=True)
def _runs_of(flag):  # pragma: no cover - compiled
    """For each line, the length of the run of consecutive flagged lines it is in (0 if unflagged)."""
    m = len(flag)
    out = np.zeros(m)
    i = 0
    while i < m:
        if not flag[i]:
            i += 1
            continue
        j = i
        while j < m and flag[j]:
            j += 1
        for k in range(i, j):
            out[k] = j - i
        i = j
    return out


@njit(cache=True, nogil=True)
def window_mean(x, k):  # pragma: no cover - compiled
    m = len(x)
    c = np.zeros(m + 1)
    for i in range(m):
        c[i + 1] = c[i] + x[i]
    out = np.empty(m)
    for i in range(m):
        lo = max(i - k, 0)
        hi = min(i + k + 1, m)
        out[i] = (c[hi] - c[lo]) / (hi - lo)
    return out


@njit(cache=True, nogil=True)
def _mark_duplicates(hashes, X, col):  # pragma: no cover - compiled
    """X[i, col] = 1 for every line whose hash another line shares (an open-addressing
    table of the hashes: no sort, which numba compiles slowly)."""
    m = len(hashes)
    size = 8
    while size < 2 * m:
        size *= 2
    first = np.full(size, -1, dtype=np.int64)
    mask = np.uint64(size - 1)
    for i in range(m):
        h = hashes[i]
        k = np.int64(h & mask)
        while True:
            j = first[k]
            if j < 0:
                first[k] = i
                break
            if hashes[j] == h:
                X[i, col] = 1.0
                X[j, col] = 1.0
                break
            k = (k + 1) & (size - 1)


@njit(cache=True, nogil=True)
def line_matrix(
    words, shape, hashes, blank_before, blank_after, blank_share, n_out, cols, nb, win, vocab, voc, voc_k
):  # pragma: no cover - compiled
    """The line features (cleaner.textmodel.features.line_matrix_py). ``nb``:
    rows (V column, offset, output column) of the neighbour features; ``win``:
    rows (V column, half width, output column) of the window features;
    ``vocab``: each unit's words of each vocabulary group, ``voc``: per group the
    output columns of its count and of its window (of ``voc_k`` lines each side)."""
    m = words.shape[0]
    X = np.zeros((m, n_out))
    if m == 0:
        return X
    n_word = cols[K_N_WORD]
    V = np.zeros((m, N_V))
    min_indent = shape[0, S_INDENT]
    max_nc = 0.0
    for i in range(m):
        min_indent = min(min_indent, shape[i, S_INDENT])
        max_nc = max(max_nc, words[i, cols[K_W_NC]])
    if max_nc == 0.0:
        max_nc = 1.0
    list_sum = 0.0
    link_lines = 0.0
    words_sum = 0.0
    markers = np.zeros(m)
    for i in range(m):
        row = X[i]
        for j in range(n_word):
            row[j] = words[i, j]
        sh = shape[i]
        indent = min((sh[S_INDENT] - min_indent) / 2.0, 8.0)
        marker = sh[S_MARKER]
        li = 1.0 if 1 <= marker <= 6 else 0.0
        content = max(sh[S_END] - sh[S_START] - sh[S_TARGET], 1)
        ls = min(sh[S_LINK_CHARS] / content, 1.0)
        row[cols[K_INDENT]] = indent
        row[cols[K_LIST_ITEM]] = li
        row[cols[K_MARKER]] = marker
        row[cols[K_HEADING]] = sh[S_HEADING]
        row[cols[K_LINK_SHARE]] = ls
        row[cols[K_LINKS]] = min(sh[S_LINKS], 5)
        row[cols[K_IMAGE]] = 1.0 if sh[S_IMAGES] > 0 else 0.0
        row[cols[K_PIPES]] = min(sh[S_PIPES], 5)
        row[cols[K_GAPS]] = min(sh[S_GAPS], 5)
        row[cols[K_EMPHASIS]] = sh[S_EMPH]
        row[cols[K_BLANK_BEFORE]] = min(blank_before[i], 3)
        row[cols[K_BLANK_AFTER]] = min(blank_after[i], 3)
        row[cols[K_REL_LEN]] = words[i, cols[K_W_NC]] / max_nc
        row[cols[K_POS]] = i / max(m - 1, 1)
        list_sum += li
        if sh[S_LINKS] > 0:
            link_lines += 1.0
        lw = words[i, cols[K_W_LOG_WORDS]]
        words_sum += lw
        V[i, V_LOG_WORDS] = lw
        V[i, V_TERMINAL] = words[i, cols[K_W_TERMINAL]]
        V[i, V_STOP] = words[i, cols[K_W_STOP]]
        V[i, V_LIST_ITEM] = li
        V[i, V_LINK_SHARE] = ls
        V[i, V_HEADING] = sh[S_HEADING]
        V[i, V_INDENT] = indent
        V[i, V_SHORT] = words[i, cols[K_W_SHORT]]
        V[i, V_STRONG] = words[i, cols[K_W_STRONG]]
        markers[i] = min(
            words[i, cols[K_W_DATE]]
            + words[i, cols[K_W_AGO]]
            + words[i, cols[K_W_COUNTER]]
            + words[i, cols[K_W_HANDLE]],
            1.0,
        )
    X[0, cols[K_FIRST]] = 1.0
    X[m - 1, cols[K_LAST]] = 1.0
    _mark_duplicates(hashes, X, cols[K_DUP])
    doc_lines = np.log1p(m)
    for i in range(m):
        X[i, cols[K_DOC_LINES]] = doc_lines
        X[i, cols[K_DOC_BLANK]] = blank_share
        X[i, cols[K_DOC_LIST]] = list_sum / m
        X[i, cols[K_DOC_LINK]] = link_lines / m
        X[i, cols[K_DOC_WORDS]] = words_sum / m
    for r in range(nb.shape[0]):
        v, d, o = nb[r, 0], nb[r, 1], nb[r, 2]
        for i in range(m):
            j = i + d
            if 0 <= j < m:
                X[i, o] = V[j, v] - V[i, v] if v == V_INDENT else V[j, v]
            else:
                X[i, o] = MISSING
    for r in range(win.shape[0]):
        v, k, o = win[r, 0], win[r, 1], win[r, 2]
        wm = window_mean(V[:, v].copy(), k)
        for i in range(m):
            X[i, o] = wm[i]
    short = np.zeros(m, dtype=np.bool_)
    lst = np.zeros(m, dtype=np.bool_)
    for i in range(m):
        short[i] = V[i, V_SHORT] > 0
        lst[i] = V[i, V_LIST_ITEM] > 0
    sr = _runs_of(short)
    lr = _runs_of(lst)
    wm = window_mean(markers, 5)
    for i in range(m):
        X[i, cols[K_SHORT_RUN]] = np.log1p(sr[i])
        X[i, cols[K_LIST_RUN]] = np.log1p(lr[i])
        X[i, cols[K_MARKERS_NEAR]] = wm[i]
    i = 0
    while i < m:
        j = i
        while j < m and shape[j, S_INDENT] == shape[i, S_INDENT]:
            j += 1
        for k in range(i, j):
            X[k, cols[K_INDENT_RUN]] = np.log1p(j - i)
        i = j
    # repeated line shapes every 2 or 3 lines (teaser lists, comment threads)
    code = np.zeros(m, dtype=np.int64)
    l2, l6, l15 = np.log1p(2.0), np.log1p(6.0), np.log1p(15.0)
    for i in range(m):
        lw = V[i, V_LOG_WORDS]
        b = (1 if lw > l2 else 0) + (1 if lw > l6 else 0) + (1 if lw > l15 else 0)
        code[i] = (
            b * 8
            + (4 if V[i, V_TERMINAL] > 0 else 0)
            + (2 if words[i, cols[K_W_TITLE]] >= 0.5 else 0)
            + (1 if markers[i] > 0 else 0)
        )
    for d in (2, 3):
        if m > 2 * d:
            for i in range(d, m - d):
                if code[i] == code[i - d] and code[i] == code[i + d] and code[i] != code[i - 1]:
                    X[i, cols[K_REPEAT]] = 1.0
    has = np.zeros(m)
    for g in range(voc.shape[0]):
        for i in range(m):
            X[i, voc[g, 0]] = min(vocab[i, g], 3.0)
            has[i] = 1.0 if vocab[i, g] > 0 else 0.0
        wm = window_mean(has, voc_k)
        for i in range(m):
            X[i, voc[g, 1]] = wm[i]
    return X


@njit(cache=True, nogil=True)
def vocab_rows(
    cps, starts, ends, flags, lower, keys, vals, n_groups, limit, an
):  # pragma: no cover - compiled
    """Per line cps[starts[i]:ends[i]], the words of each group among its first
    ``limit`` characters (cleaner.textmodel.vocab.vocab_rows_py)."""
    m = len(starts)
    out = np.zeros((m, n_groups))
    mask = np.uint64(max(len(keys), 1) - 1)
    for i in range(m):
        s = starts[i]
        e = min(ends[i], s + limit)
        h = np.uint64(14695981039346656037)
        n = 0
        for k in range(s, e + 1):
            c = cps[k] if k < e else 32
            if k < e and flags[c] & an:
                h = (h ^ np.uint64(lower[c])) * np.uint64(1099511628211)
                n += 1
                continue
            if n > 0:
                j = h & mask
                while keys[j] != 0:
                    if keys[j] == h:
                        b = vals[j]
                        for g in range(n_groups):
                            if b & (1 << g):
                                out[i, g] += 1.0
                        break
                    j = (j + np.uint64(1)) & mask
                h = np.uint64(14695981039346656037)
                n = 0
    return out
