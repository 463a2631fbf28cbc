"""Compiled routines of the text model (numba), each equal to a readable reference.

* :func:`shape_rows`: :func:`cleaner.textmodel.shape.shape_rows_py`.
"""

from __future__ import annotations

import numpy as np

from cleaner import kernels as _k  # noqa: F401  (sets numba's cache folder before numba is imported)

# The columns of a shape row (cleaner.textmodel.shape). They are defined here, in
# the file of the kernels that write and read them: numba's cache of a compiled
# function is renewed when its own file changes, not when another module's constant does.
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
S_BLANK, S_INDENT, S_MARKER, S_HEADING, S_START, S_END, S_LINK_CHARS, S_LINKS, S_IMAGES, S_TARGET, S_PIPES, S_GAPS, \
    S_EMPH, S_FIRST_WORD, S_URL, S_LEAD = range(N_SHAPE)

MARKER_ORDERED = 6
MARKER_QUOTE = 7

from numba import njit  # noqa: E402

_TAB, _SPACE, _NBSP = 9, 32, 0xA0


@njit(cache=True, nogil=True)
def _is_space(c, flags):  # pragma: no cover - compiled
    return (flags[c] & 1) != 0  # (cleaner.kernels.SP: str.isspace)


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
    if (c == 0x2022 or c == 0xB7 or c == 0x25AA or c == 0x25CF or c == 0x25E6 or c == 0x2023 or c == 0x25BA
            or c == 0x25B8 or c == 0x2192):
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
            if k - p <= 3 and k + 1 < e and (cps[s0 + k] == 46 or cps[s0 + k] == 41) and (
                cps[s0 + k + 1] == _SPACE or cps[s0 + k + 1] == _TAB
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


@njit(cache=True, nogil=True)
def forest_raw(X, feature, threshold, leaf):  # pragma: no cover - compiled
    """Raw scores of the rows of X (cleaner.textmodel.forest.Forest.raw_py): each
    complete tree walked by all rows in lockstep, one level at a time."""
    m = X.shape[0]
    T, n_split = feature.shape
    out = np.zeros(m)
    at = np.zeros(m, dtype=np.int64)
    for t in range(T):
        ft = feature[t]
        th = threshold[t]
        for r in range(m):
            at[r] = 0
        k0 = 0
        while k0 < n_split:
            for r in range(m):
                k = at[r]
                at[r] = 2 * k + (2 if X[r, ft[k]] > th[k] else 1)
            k0 = 2 * k0 + 1
        lt = leaf[t]
        for r in range(m):
            out[r] += lt[at[r] - n_split]
    return out


@njit(cache=True, nogil=True)
def forest_contrib_rows(X, rows, feature, threshold, value, leaf, n_features):  # pragma: no cover - compiled
    """Each feature's share of the raw score of the rows ``rows`` of X (rows x
    features; Forest.contributions_py)."""
    T, n_split = feature.shape
    out = np.zeros((len(rows), n_features))
    for q in range(len(rows)):
        x = X[rows[q]]
        o = out[q]
        for t in range(T):
            k = 0
            while k < n_split:
                child = 2 * k + (2 if x[feature[t, k]] > threshold[t, k] else 1)
                after = value[t, child] if child < n_split else leaf[t, child - n_split]
                o[feature[t, k]] += after - value[t, k]
                k = child
    return out


@njit(cache=True, nogil=True)
def forest_reasons(X, rows, feature, threshold, value, leaf, n_trees, group, n_groups):  # pragma: no cover
    """For the rows ``rows`` of X, the group (``group[feature]``) whose features
    pulled the raw score down the most over the first ``n_trees`` trees
    (forest_contrib_rows summed by group, the rows walked in lockstep)."""
    T, n_split = feature.shape
    T = min(T, n_trees)
    m = len(rows)
    acc = np.zeros((m, n_groups))
    at = np.zeros(m, dtype=np.int64)
    for t in range(T):
        ft = feature[t]
        th = threshold[t]
        vt = value[t]
        lt = leaf[t]
        for q in range(m):
            at[q] = 0
        k0 = 0
        while k0 < n_split:
            for q in range(m):
                k = at[q]
                f = ft[k]
                child = 2 * k + (2 if X[rows[q], f] > th[k] else 1)
                after = vt[child] if child < n_split else lt[child - n_split]
                acc[q, group[f]] += after - vt[k]
                at[q] = child
            k0 = 2 * k0 + 1
    out = np.zeros(m, dtype=np.int64)
    for q in range(m):
        best = 0
        for g in range(1, n_groups):
            if acc[q, g] < acc[q, best]:
                best = g
        out[q] = best
    return out


# ------------------------------------------------------------------ features
# What line_matrix reads and writes, by position in its `cols` argument (built
# from the feature names by cleaner.textmodel.features.kernel_cols): the word
# rows' columns it reads, then the output columns of the features it computes
# one by one.
(K_W_LOG_WORDS, K_W_TERMINAL, K_W_STOP, K_W_SHORT, K_W_STRONG, K_W_DATE, K_W_AGO, K_W_COUNTER, K_W_HANDLE,
 K_W_TITLE, K_W_N, K_W_NC, K_N_WORD,
 K_INDENT, K_LIST_ITEM, K_MARKER, K_HEADING, K_LINK_SHARE, K_LINKS, K_IMAGE, K_PIPES, K_GAPS, K_EMPHASIS,
 K_BLANK_BEFORE, K_BLANK_AFTER, K_REL_LEN, K_POS, K_FIRST, K_LAST, K_DUP, K_DOC_LINES, K_DOC_BLANK, K_DOC_LIST,
 K_DOC_LINK, K_DOC_WORDS, K_SHORT_RUN, K_LIST_RUN, K_INDENT_RUN, K_MARKERS_NEAR, K_REPEAT) = range(40)
N_K = 40
# the per-line values that neighbour and window features are taken of (columns of `V` in line_matrix)
(V_LOG_WORDS, V_TERMINAL, V_STOP, V_LIST_ITEM, V_LINK_SHARE, V_HEADING, V_INDENT, V_SHORT, V_STRONG) = range(9)
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
def _window_mean(x, k):  # pragma: no cover - compiled
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
def line_matrix(words, shape, hashes, blank_before, blank_after, blank_share, n_out, cols, nb, win, vocab, voc,
                voc_k):  # pragma: no cover - compiled
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
        markers[i] = min(words[i, cols[K_W_DATE]] + words[i, cols[K_W_AGO]] + words[i, cols[K_W_COUNTER]]
                         + words[i, cols[K_W_HANDLE]], 1.0)
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
        wm = _window_mean(V[:, v].copy(), k)
        for i in range(m):
            X[i, o] = wm[i]
    short = np.zeros(m, dtype=np.bool_)
    lst = np.zeros(m, dtype=np.bool_)
    for i in range(m):
        short[i] = V[i, V_SHORT] > 0
        lst[i] = V[i, V_LIST_ITEM] > 0
    sr = _runs_of(short)
    lr = _runs_of(lst)
    wm = _window_mean(markers, 5)
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
        code[i] = (b * 8 + (4 if V[i, V_TERMINAL] > 0 else 0) + (2 if words[i, cols[K_W_TITLE]] >= 0.5 else 0)
                   + (1 if markers[i] > 0 else 0))
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
        wm = _window_mean(has, voc_k)
        for i in range(m):
            X[i, voc[g, 1]] = wm[i]
    return X


# region_matrix's output columns, by position in its `rcols` argument
(R_P1, R_MEAN1, R_MEAN3, R_MEAN10, R_MEAN30, R_MAX3, R_MIN_NB, R_BLOCK_IN, R_BLOCK_BEFORE, R_BLOCK_AFTER,
 R_BLOCK_SHARE, R_RUN_CHARS, R_RUN_RANK, R_RUN_SHARE, R_TOP_DIST, R_MASS_BEFORE, R_MASS_AFTER, R_DOC_RUNS,
 R_DOC_TOP) = range(19)
N_R = 19


@njit(cache=True, nogil=True)
def best_block(score):  # pragma: no cover - compiled
    """(first, last) of the contiguous run with the largest total score; last < first when none is above 0
    (cleaner.textmodel.features.best_block)."""
    m = len(score)
    if m == 0:
        return 0, -1
    total = 0.0
    low = 0.0  # the lowest prefix sum so far
    low_at = 0
    best = 0.0
    bi, bj = 0, -1
    for j in range(m):
        total += score[j]
        gain = total - low
        if gain > best:
            best = gain
            bi, bj = low_at, j
        if total < low:
            low = total
            low_at = j + 1
    return bi, bj


@njit(cache=True, nogil=True)
def region_matrix(p1, X, nc, n_out, rcols, own_src, own_dst):  # pragma: no cover - compiled
    """The region features (cleaner.textmodel.features.region_matrix_py)."""
    m = len(p1)
    Z = np.zeros((m, n_out))
    if m == 0:
        return Z
    for i in range(m):
        Z[i, rcols[R_P1]] = p1[i]
    for k, col in ((1, R_MEAN1), (3, R_MEAN3), (10, R_MEAN10), (30, R_MEAN30)):
        wm = _window_mean(p1, k)
        for i in range(m):
            Z[i, rcols[col]] = wm[i]
    for i in range(m):
        mx = 0.0
        for d in range(1, 4):
            if i - d >= 0:
                mx = max(mx, p1[i - d])
            if i + d < m:
                mx = max(mx, p1[i + d])
        Z[i, rcols[R_MAX3]] = mx
        prev = p1[i - 1] if i > 0 else 0.0
        nxt = p1[i + 1] if i < m - 1 else 0.0
        Z[i, rcols[R_MIN_NB]] = min(prev, nxt)
    total = 0.0
    score = np.empty(m)
    for i in range(m):
        total += nc[i]
        score[i] = (p1[i] - 0.5) * np.sqrt(nc[i] + 1.0)
    if total == 0.0:
        total = 1.0
    bi, bj = best_block(score)
    if bj >= bi:
        share = 0.0
        for i in range(bi, bj + 1):
            share += nc[i]
        share /= total
        for i in range(m):
            if bi <= i <= bj:
                Z[i, rcols[R_BLOCK_IN]] = 1.0
            Z[i, rcols[R_BLOCK_BEFORE]] = np.log1p(max(bi - i, 0))
            Z[i, rcols[R_BLOCK_AFTER]] = np.log1p(max(i - bj, 0))
            Z[i, rcols[R_BLOCK_SHARE]] = share
    else:
        for i in range(m):
            Z[i, rcols[R_BLOCK_BEFORE]] = np.log1p(m)
            Z[i, rcols[R_BLOCK_AFTER]] = np.log1p(m)
    # runs of article-like lines (p1 >= 0.5): their sizes, ranks and the largest
    run_of = np.full(m, -1, dtype=np.int64)
    starts = np.empty(m, dtype=np.int64)
    ends = np.empty(m, dtype=np.int64)
    chars = np.empty(m)
    n_runs = 0
    i = 0
    while i < m:
        if p1[i] < 0.5:
            i += 1
            continue
        j = i
        c = 0.0
        while j < m and p1[j] >= 0.5:
            c += nc[j]
            run_of[j] = n_runs
            j += 1
        starts[n_runs] = i
        ends[n_runs] = j - 1
        chars[n_runs] = c
        n_runs += 1
        i = j
    prose = 0.0
    for r in range(n_runs):
        prose += chars[r]
    if prose == 0.0:
        prose = 1.0
    if n_runs > 0:
        # ranks 1..9 by size (the first of equal runs first), 10 for the rest: nine passes
        rank = np.full(n_runs, 10, dtype=np.int64)
        top = 0
        for q in range(9):
            best = -1
            for r in range(n_runs):
                if rank[r] == 10 and (best < 0 or chars[r] > chars[best]):
                    best = r
            if best < 0:
                break
            rank[best] = q + 1
            if q == 0:
                top = best
        ta, tb = starts[top], ends[top]
        for i in range(m):
            r = run_of[i]
            if r >= 0:
                Z[i, rcols[R_RUN_CHARS]] = np.log1p(chars[r])
                Z[i, rcols[R_RUN_RANK]] = rank[r]
                Z[i, rcols[R_RUN_SHARE]] = chars[r] / prose
            Z[i, rcols[R_TOP_DIST]] = np.log1p(max(ta - i, 0) + max(i - tb, 0))
            Z[i, rcols[R_DOC_TOP]] = chars[top] / prose
    else:
        for i in range(m):
            Z[i, rcols[R_TOP_DIST]] = np.log1p(m)
    msum = 0.0
    for i in range(m):
        msum += p1[i] * nc[i]
    if msum == 0.0:
        msum = 1.0
    cum = 0.0
    for i in range(m):
        mass = p1[i] * nc[i]
        cum += mass
        Z[i, rcols[R_DOC_RUNS]] = np.log1p(n_runs)
        Z[i, rcols[R_MASS_BEFORE]] = (cum - mass) / msum
        Z[i, rcols[R_MASS_AFTER]] = (msum - cum) / msum
    for q in range(len(own_src)):
        for i in range(m):
            Z[i, own_dst[q]] = X[i, own_src[q]]
    return Z


@njit(cache=True, nogil=True)
def region_spans(p2, nc, extra, max_spans):  # pragma: no cover - compiled
    """Units inside the article region (cleaner.textmodel.features.region_spans_py)."""
    m = len(p2)
    inside = np.zeros(m, dtype=np.bool_)
    score = np.empty(m)
    for i in range(m):
        score[i] = (p2[i] - 0.5) * np.sqrt(nc[i] + 1.0)
    a, b = best_block(score)
    if b < a:
        return inside
    first = 0.0
    for i in range(a, b + 1):
        inside[i] = True
        first += score[i]
    # the parts left to look at, first in first out
    lo_q = np.empty(2 * max_spans + 2, dtype=np.int64)
    hi_q = np.empty(2 * max_spans + 2, dtype=np.int64)
    lo_q[0], hi_q[0], lo_q[1], hi_q[1] = 0, a, b + 1, m
    head, tail = 0, 2
    count = 1
    while head < tail and count < max_spans:
        lo, hi = lo_q[head], hi_q[head]
        head += 1
        if hi - lo <= 0:
            continue
        i, j = best_block(score[lo:hi])
        if j < i:
            continue
        gain = 0.0
        for k in range(lo + i, lo + j + 1):
            gain += score[k]
        if gain < extra * first:
            continue
        for k in range(lo + i, lo + j + 1):
            inside[k] = True
        count += 1
        if tail + 2 <= len(lo_q):
            lo_q[tail], hi_q[tail], lo_q[tail + 1], hi_q[tail + 1] = lo, lo + i, lo + j + 1, hi
            tail += 2
    return inside


@njit(cache=True, nogil=True)
def vocab_rows(cps, starts, ends, flags, lower, keys, vals, n_groups, limit, an):  # pragma: no cover - compiled
    """Per line cps[starts[i]:ends[i]], the words of each group among its first
    ``limit`` characters (cleaner.textmodel.vocab.vocab_rows_py)."""
    m = len(starts)
    out = np.zeros((m, n_groups))
    mask = np.uint64(len(keys) - 1)
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
