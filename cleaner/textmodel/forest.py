"""Gradient-boosted trees as flat arrays: what the text model ships and evaluates.

The trees are fitted with LightGBM (``benchmarks/train_textmodel.py``, a
development tool, with a depth limit) and shipped as arrays in package data;
nothing at run time needs LightGBM. Each tree is stored *complete*: ``2**depth
- 1`` split nodes in heap order (node ``k``'s children are ``2k+1`` and
``2k+2``) and ``2**depth`` leaves. A row goes right at node ``k`` when
``x[feature[k]] > threshold[k]``; a branch that ends before the full depth is
padded with splits that always go left (threshold +inf) down to copies of its
leaf. So every tree is walked in exactly ``depth`` steps without a branch the
processor must guess, and the rows of a document are walked in lockstep: about
ten times faster than chasing LightGBM's own node pointers.

The raw score of a row is the sum of the leaves it reaches, and its
probability the logistic of that. :meth:`Forest.raw_py` and
:meth:`Forest.contributions_py` are the readable references of the compiled
:func:`cleaner.kernels.forest.forest_raw` and
:func:`cleaner.kernels.forest.forest_contrib_rows`; the tests hold them
equal, and the raw scores equal to LightGBM's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FIELDS = ("feature", "threshold", "value", "leaf")


@dataclass(frozen=True)
class Forest:
    """Complete trees of one depth, in heap order."""

    feature: np.ndarray  # int64, trees x (2**depth - 1): the split's feature
    threshold: np.ndarray  # float64, trees x (2**depth - 1): right when x[feature] > threshold
    value: np.ndarray  # float64, trees x (2**depth - 1): the mean score of the rows that reach the node
    leaf: np.ndarray  # float64, trees x 2**depth: the leaves' scores
    n_features: int

    @property
    def depth(self) -> int:
        return int(self.leaf.shape[1]).bit_length() - 1

    @classmethod
    def from_lightgbm(cls, dump: dict[str, Any]) -> Forest:
        """From ``Booster.dump_model()`` (numerical ``<=`` splits, no missing values)."""
        trees = [t["tree_structure"] for t in dump["tree_info"]]

        def depth_of(node: dict[str, Any]) -> int:
            if "leaf_value" in node:
                return 0
            return 1 + max(depth_of(node["left_child"]), depth_of(node["right_child"]))

        depth = max((depth_of(t) for t in trees), default=0)
        depth = max(depth, 1)
        n_split = 2**depth - 1
        T = len(trees)
        feature = np.zeros((T, n_split), dtype=np.int64)
        threshold = np.full((T, n_split), np.inf)
        value = np.zeros((T, n_split))
        leaf = np.zeros((T, 2**depth))

        def fill(t: int, node: dict[str, Any], k: int, level: int) -> None:
            if level == depth:
                leaf[t, k - n_split] = float(node["leaf_value"])
                return
            if "leaf_value" in node:  # pad: always left, down to copies of the leaf
                value[t, k] = float(node["leaf_value"])
                fill(t, node, 2 * k + 1, level + 1)
                fill(t, node, 2 * k + 2, level + 1)
                return
            if node.get("decision_type", "<=") != "<=":
                raise ValueError(f"unsupported split {node.get('decision_type')!r}")
            feature[t, k] = int(node["split_feature"])
            threshold[t, k] = float(node["threshold"])
            value[t, k] = float(node.get("internal_value", 0.0))
            fill(t, node["left_child"], 2 * k + 1, level + 1)
            fill(t, node["right_child"], 2 * k + 2, level + 1)

        for t, tree in enumerate(trees):
            fill(t, tree, 0, 0)
        return cls(feature, threshold, value, leaf, int(dump["max_feature_idx"]) + 1)

    # ------------------------------------------------------------ storage
    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays under ``prefix``-named keys (for ``np.savez``)."""
        out = {f"{prefix}.{k}": getattr(self, k) for k in FIELDS}
        out[f"{prefix}.n_features"] = np.array(self.n_features)
        return out

    @classmethod
    def from_arrays(cls, data: Any, prefix: str) -> Forest:
        arrays = {k: np.asarray(data[f"{prefix}.{k}"]) for k in FIELDS}
        f = cls(**arrays, n_features=int(data[f"{prefix}.n_features"]))
        f.check()
        return f

    def check(self) -> None:
        """Raise ValueError when the arrays are not complete trees over ``n_features`` features."""
        T, n_split = self.feature.shape
        if self.leaf.shape != (T, n_split + 1) or (n_split + 1) & n_split:
            raise ValueError("forest arrays of the wrong shape")
        if self.threshold.shape != (T, n_split) or self.value.shape != (T, n_split):
            raise ValueError("forest arrays of different shapes")
        if self.feature.size and (self.feature.min() < 0 or self.feature.max() >= self.n_features):
            raise ValueError("a split on a feature out of range")
        if (
            np.isnan(self.threshold).any()
            or not np.isfinite(self.leaf).all()
            or not np.isfinite(self.value).all()
        ):
            raise ValueError("a threshold, value or leaf that is not a number")

    # ------------------------------------------------------------ reference
    def raw_py(self, X: np.ndarray) -> np.ndarray:
        """Raw scores of the rows of X (the reference of ``cleaner.kernels.forest.forest_raw``)."""
        n_split = self.feature.shape[1]
        out = np.zeros(len(X))
        for r, x in enumerate(X):
            total = 0.0
            for t in range(len(self.feature)):
                k = 0
                while k < n_split:
                    k = 2 * k + (2 if x[self.feature[t, k]] > self.threshold[t, k] else 1)
                total += self.leaf[t, k - n_split]
            out[r] = total
        return out

    def contributions_py(self, x: np.ndarray) -> np.ndarray:
        """How much each feature moved one row's raw score along its paths
        (Saabas: at each split, the child's value minus the node's goes to the
        split's feature; a padding split moves nothing)."""
        n_split = self.feature.shape[1]
        out = np.zeros(self.n_features)
        for t in range(len(self.feature)):
            k = 0
            while k < n_split:
                child = 2 * k + (2 if x[self.feature[t, k]] > self.threshold[t, k] else 1)
                after = self.value[t, child] if child < n_split else self.leaf[t, child - n_split]
                out[self.feature[t, k]] += after - self.value[t, k]
                k = child
        return out
