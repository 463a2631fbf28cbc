"""The block model: which blocks of an HTML page are its main text.

Each block (:mod:`cleaner.htmlblocks`) gets a row of features
(:mod:`cleaner.htmlfeatures`). A forest of boosted trees
(:class:`cleaner.textmodel.forest.Forest`, fitted by
``benchmarks/train_htmlmodel.py``: chosen on the ``val`` part of the site split,
then fitted on ``fit`` and ``val``) turns a row into a probability; a second
forest, when the model has one, reads the first one's probabilities of the
blocks around each block. Both ship as arrays in ``rules/htmlmodel.npz``
with their settings in ``rules/htmlmodel.yaml``. :func:`select` turns the
probabilities into the kept lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from cleaner.errors import ConfigError
from cleaner.htmlblocks import Page
from cleaner.htmlfeatures import CONTEXT_FEATURES, FEATURE_INDEX, FEATURES, context, title_match
from cleaner.textmodel.forest import Forest
from cleaner.yamlio import load_yaml


# ------------------------------------------------------------------ the model
@dataclass(frozen=True)
class HtmlModel:
    """The block forest, its context round and the decision threshold."""

    block: Forest
    context: Forest | None
    threshold: float
    drop_title: bool = True
    title_sim: float = 0.6
    fallback_chars: int = 0
    precision_vote: bool = True  # run trafilatura in precision mode too (else those columns read 0)

    @classmethod
    def load(cls, name: str | Path = "htmlmodel.yaml") -> HtmlModel:
        return _load(str(name))

    def probabilities(self, page: Page, X: np.ndarray) -> np.ndarray:
        from cleaner.kernels.forest import forest_raw

        if len(X) == 0:
            return np.zeros(0)
        f = self.block
        p = _sigmoid(forest_raw(np.ascontiguousarray(X), f.feature, f.threshold, f.leaf))
        if self.context is not None:
            f = self.context
            Z = context([b.path for b in page.blocks], X, p)
            p = _sigmoid(forest_raw(np.ascontiguousarray(Z), f.feature, f.threshold, f.leaf))
        return p


@lru_cache(maxsize=4)
def _load(name: str) -> HtmlModel:
    from cleaner.resources import rules_dir

    path = Path(name) if Path(name).is_absolute() else rules_dir() / name
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping", file=str(path))
    arrays = path.with_name(str(data.get("arrays", path.with_suffix(".npz").name)))
    try:
        with np.load(arrays, allow_pickle=False) as z:
            block = Forest.from_arrays(z, "block")
            ctx = Forest.from_arrays(z, "context") if "context.feature" in z else None
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"cannot read the block model's arrays {arrays}: {exc}", file=str(path)) from exc
    names = list((data.get("features") or {}).get("block", []))
    if names != list(FEATURES) or block.n_features != len(FEATURES):
        raise ConfigError(
            "the block model was fitted on other features than this version computes: refit it "
            "(benchmarks/train_htmlmodel.py)",
            file=str(path),
            key="features",
        )
    if ctx is not None and ctx.n_features != len(CONTEXT_FEATURES):
        raise ConfigError("the block model's context round reads other features: refit it", file=str(path))
    thr = data.get("threshold", 0.5)
    if not isinstance(thr, (int, float)) or not 0 <= thr <= 1:
        raise ConfigError("expected a number in 0..1", file=str(path), key="threshold")
    fb = data.get("fallback_chars", 0)
    if not isinstance(fb, int) or fb < 0:
        raise ConfigError("expected a whole number >= 0", file=str(path), key="fallback_chars")
    return HtmlModel(
        block,
        ctx,
        float(thr),
        bool(data.get("drop_title", True)),
        float(data.get("title_sim", 0.6)),
        fb,
        bool(data.get("precision_vote", True)),
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def select(
    model: HtmlModel, page: Page, X: np.ndarray, p: np.ndarray, fallback: str | None, markdown: bool = False
) -> tuple[list[str], list[float], str]:
    """The kept text as lines, each line's block probability, and how it was made:
    ``blocks``, or ``trafilatura-fallback`` when the kept blocks hold fewer than
    ``fallback_chars`` characters and trafilatura's recall text more."""
    from cleaner.htmlblocks import markdown_of

    idx = np.flatnonzero(p >= model.threshold).tolist()
    if model.drop_title and idx and title_match(page.title, page.blocks[idx[0]].text) >= model.title_sim:
        idx = idx[1:]  # the leading line that repeats the page title
    kept: set[str] = set()
    unique = []
    for i in idx:
        t = page.blocks[i].text
        if X[i, FEATURE_INDEX["dup_before"]] and t in kept:
            continue  # the same text again (a page that holds the article twice)
        kept.add(t)
        unique.append(i)
    size = max(sum(len(page.blocks[i].text) + 1 for i in unique) - 1, 0)  # the plain text's length
    if size < model.fallback_chars and fallback and len(fallback) > size:
        fallback_lines = fallback.split("\n")
        return fallback_lines, [0.0] * len(fallback_lines), "trafilatura-fallback"
    lines: list[str] = []
    probs: list[float] = []
    tables: set[int] = set()
    prev = None
    for i in unique:
        b = page.blocks[i]
        if markdown:
            first = b.tag == "tr" and b.table not in tables
            tables.add(b.table)
            t = markdown_of(b, first)
            # a blank line between blocks (markdown's paragraph break), but inside one list or table
            if prev is not None and not (
                (b.tag == "li" and prev.tag == "li" and b.path[:-1] == prev.path[:-1])
                or (b.tag == "tr" and prev.tag == "tr" and b.table == prev.table)
            ):
                lines.append("")
                probs.append(float(p[i]))
            prev = b
        else:
            t = b.text
        for ln in t.split("\n"):
            lines.append(ln)
            probs.append(float(p[i]))
    return lines, probs, "blocks"
