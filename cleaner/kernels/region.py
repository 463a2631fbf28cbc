"""The text model's context rounds and article region, compiled (numba).

* :func:`region_matrix`: the region features of a round (the line model's
  probabilities smoothed over windows, the best block and the runs of prose
  around each line; :func:`cleaner.textmodel.features.region_matrix_py`);
* :func:`region_spans`: the units inside the article region, up to a few
  contiguous spans (:func:`cleaner.textmodel.features.region_spans_py`);
* :func:`best_block`: the contiguous run with the largest total score.
"""

from __future__ import annotations

import numpy as np

from cleaner.kernels import njit
from cleaner.kernels.features import window_mean

# region_matrix's output columns, by position in its `rcols` argument
(
    R_P1,
    R_MEAN1,
    R_MEAN3,
    R_MEAN10,
    R_MEAN30,
    R_MAX3,
    R_MIN_NB,
    R_BLOCK_IN,
    R_BLOCK_BEFORE,
    R_BLOCK_AFTER,
    R_BLOCK_SHARE,
    R_RUN_CHARS,
    R_RUN_RANK,
    R_RUN_SHARE,
    R_TOP_DIST,
    R_MASS_BEFORE,
    R_MASS_AFTER,
    R_DOC_RUNS,
    R_DOC_TOP,
) = range(19)
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
        wm = window_mean(p1, k)
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
