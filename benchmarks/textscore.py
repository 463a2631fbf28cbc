"""Scores with bootstrap intervals, and the text-mode baselines, for the site-split corpus.

Shared by ``bench_text.py`` and ``train_textmodel.py``. The metrics are those of
``shared/eval/README.md`` (:mod:`evalsets`): the shingle metric for sets with a
gold text, the with/without snippet metric for the trafilatura set. Each page's
counts are computed once; the 95% interval comes from resampling pages.
"""

from __future__ import annotations

import functools
import html as html_lib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import evalsets  # noqa: E402

BOOT = 1000
BOOT_SEED = 2026


@dataclass
class PageScores:
    """Per-page counts of one method on a list of dumps."""

    metric: str  # "shingle" | "snippet"
    p: np.ndarray  # shingle: per-page precision (nan: no output)
    r: np.ndarray  # shingle: per-page recall (nan: no gold)
    counts: np.ndarray  # snippet: per-page (tp, fp, fn, tn)

    def summary(self, idx: np.ndarray | None = None) -> dict[str, float]:
        if self.metric == "shingle":
            p = self.p if idx is None else self.p[idx]
            r = self.r if idx is None else self.r[idx]
            pm = float(np.nanmean(p)) if np.isfinite(p).any() else 0.0
            rm = float(np.nanmean(r)) if np.isfinite(r).any() else 0.0
            return {"precision": pm, "recall": rm, "f1": _f1(pm, rm)}
        c = self.counts if idx is None else self.counts[idx]
        tp, fp, fn, tn = c.sum(axis=0).tolist()
        pm = tp / (tp + fp) if tp + fp else 0.0
        rm = tp / (tp + fn) if tp + fn else 0.0
        total = tp + fp + fn + tn
        return {
            "precision": pm,
            "recall": rm,
            "f1": _f1(pm, rm),
            "accuracy": (tp + tn) / total if total else 0.0,
        }

    def with_interval(self, boot: int = BOOT, seed: int = BOOT_SEED) -> dict[str, Any]:
        """The summary and a bootstrap 95% interval of F1 over pages."""
        out: dict[str, Any] = {k: round(v, 4) for k, v in self.summary().items()}
        n = len(self.p) if self.metric == "shingle" else len(self.counts)
        out["pages"] = n
        if n < 2 or boot <= 0:
            out["f1_ci"] = [out["f1"], out["f1"]]
            return out
        rng = np.random.default_rng(seed)
        f1s = np.array([self.summary(rng.integers(0, n, n))["f1"] for _ in range(boot)])
        out["f1_ci"] = [round(float(np.percentile(f1s, 2.5)), 4), round(float(np.percentile(f1s, 97.5)), 4)]
        return out


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def score_pages(
    dumps: Sequence[corpus.Dump], preds: Sequence[str | None], golds: dict[str, corpus.Gold]
) -> PageScores:
    """Per-page counts of ``preds`` (None: no output) against each dump's page gold.
    All dumps must come from one set."""
    sets = {d.set for d in dumps}
    if len(sets) > 1:
        raise ValueError(f"score one set at a time, not {sorted(sets)}")
    n = len(dumps)
    if sets == {"trafilatura"}:
        counts = np.zeros((n, 4), dtype=np.int64)
        for i, (d, pred) in enumerate(zip(dumps, preds, strict=True)):
            g = golds[d.key]
            counts[i] = evalsets.snippet_counts(
                corpus.plain(pred) if pred is not None else None, g.with_, g.without
            )
        return PageScores("snippet", np.zeros(0), np.zeros(0), counts)
    p = np.full(n, np.nan)
    r = np.full(n, np.nan)
    for i, (d, pred) in enumerate(zip(dumps, preds, strict=True)):
        gold = golds[d.key].text
        has_out = pred is not None and pred.strip() != ""
        has_gold = bool(evalsets.tokens(gold))
        if not has_out and not has_gold:
            continue
        tp, fp, fn = evalsets.shingle_counts(corpus.plain(pred) if has_out else None, gold)
        if has_out:
            p[i] = tp / (tp + fp) if tp + fp > 0 else 0.0
        if has_gold:
            r[i] = tp / (tp + fn) if tp + fn > 0 else 0.0
    return PageScores("shingle", p, r, np.zeros((0, 4), dtype=np.int64))


# ------------------------------------------------------------------ baselines
def raw(text: str) -> str:
    return text


def c4(text: str) -> str:
    """C4's line rule (5+ words, terminal punctuation), as :func:`evalsets.c4_filter`."""
    return evalsets.c4_filter(text)


@functools.cache
def _justext_stoplist(lang: str | None) -> frozenset[str]:
    import justext
    import yaml

    names = yaml.safe_load((HERE.parent / "rules" / "languages.yaml").read_text(encoding="utf-8"))[
        "justext_stoplists"
    ]
    name = names.get(lang or "", "English")
    try:
        return frozenset(justext.get_stoplist(name))
    except ValueError:
        return frozenset(justext.get_stoplist("English"))


def detect_language(text: str) -> str | None:
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    try:
        return detect(text[:5000])
    except Exception:
        return None


def justext_lines(text: str) -> str:
    """jusText's paragraph classification with each non-blank line as a paragraph
    (its stop list for the language langdetect finds; English otherwise)."""
    import justext

    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return ""
    doc = "<html><body>" + "".join(f"<p>{html_lib.escape(ln)}</p>" for ln in lines) + "</body></html>"
    stop = _justext_stoplist(detect_language(" ".join(lines)))
    paras = justext.justext(doc.encode("utf-8"), stop, encoding="utf-8")
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


BASELINES = {"raw": raw, "c4": c4, "justext": justext_lines}
