"""The tree ensembles of the text model, compiled (numba).

Each tree is complete (cleaner.textmodel.forest.Forest: split features and
thresholds by level, leaves at the bottom); the readable references are
``Forest.raw_py`` and ``Forest.contributions_py``, which the tests hold these to.

* :func:`forest_raw`: the raw score of each row;
* :func:`forest_contrib_rows`: each feature's share of it;
* :func:`forest_reasons`: the feature group that pulled a row's score down the most.
"""

from __future__ import annotations

import numpy as np

from cleaner.kernels import njit


def forest_raw_numpy(X, feature, threshold, leaf):
    """:func:`forest_raw` for kernels in Python: the same walk, each level of a
    tree one numpy step over all rows, and the same sums in the same order."""
    m = X.shape[0]
    T, n_split = feature.shape
    out = np.zeros(m)
    rows = np.arange(m)
    for t in range(T):
        ft, th = feature[t], threshold[t]
        at = np.zeros(m, dtype=np.int64)
        k0 = 0
        while k0 < n_split:
            at = 2 * at + np.where(X[rows, ft[at]] > th[at], 2, 1)
            k0 = 2 * k0 + 1
        out += leaf[t][at - n_split]
    return out


@njit(cache=True, nogil=True, python=forest_raw_numpy)
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
