"""The line classifier: tells article lines from a site's junk without rules.

Two logistic models, their weights learned from the evaluation pages (see
``benchmarks/train_classifier.py``) and shipped in ``rules/classifier.yaml``:

1. *own*: each line's own features: length, stop-word density in the
   document's language, terminal punctuation, title-case ratio, links, handles,
   dates, "3 years ago" stamps, counters, separators, digits, position;
2. *context*: the same plus what the first model thinks of the line's
   neighbours (previous/next line, a window around it) and where the line sits
   relative to the document's article mass (before it, inside it, after it).

A line is removed when the second model's probability is under the threshold.
Its reason is the feature that pulled its score down the most, e.g.
``classifier.short`` or ``classifier.after-article``: every removal is
explainable. Inference is plain Python plus numpy, with the per-line work kept
to a few C-level string calls, since it runs on every line of every document.
"""

from __future__ import annotations

import bisect
import math
import re
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.document import Line
from cleaner.errors import ConfigError
from cleaner.resources import rules_dir
from cleaner.yamlio import load_yaml

# --- whole-document regex features (one C-level pass each, mapped to lines)
_URL = re.compile(r"https?://|www\.|pic\.twitter\.com|\b[\w-]+\.(?:com|org|net|io|co\.uk|de|fr|es)\b", re.I)
_HANDLE = re.compile(r"(?<![\w.])[@#][A-Za-z_]\w+")
_AGO = re.compile(
    r"\b\d+\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago\b|"
    r"\b(?:vor|hace|il y a)\s+\d+\s+\w+",
    re.I,
)
_DATE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|"
    r"\b\d{1,2}\.?\s+(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)[a-zäéû]*\.?\s+\d{4}\b|"
    r"\b\d{1,2}:\d{2}\s*(?:am|pm|uhr|h)?\b",
    re.I,
)
_COUNTER = re.compile(
    r"\b\d[\d.,]*\s*[kKmM]?\s+(?:comments?|shares?|views?|likes?|replies|reads?|kommentare|commentaires|comentarios)\b",
    re.I,
)
_SEP = re.compile(r"\s[|•·»/>]\s|\s{3,}|\t")
_BULLETS = frozenset("-–—•·*>»")
_TERMINAL = frozenset(".!?…\"”’'»)")

OWN_FEATURES = (
    "bias", "log_words", "log_chars", "short", "stop_ratio", "no_stop", "terminal", "colon_end",
    "title_ratio", "upper", "digits", "commas", "url", "handle", "date", "ago", "counter",
    "separators", "bullet", "rel_len", "first_line", "duplicate", "pos_start", "pos_end",
    "sentence_len", "stop_len", "strong_para",
)
CONTEXT_FEATURES = (
    "prev_p", "next_p", "window_p", "window_max", "near_content", "in_article",
    "before_article", "after_article", "in_block", "prev_words", "next_words", "wide_p",
)
FEATURES = OWN_FEATURES + CONTEXT_FEATURES


@lru_cache(maxsize=64)
def stopwords(lang: str | None) -> frozenset[str]:
    """Stop words of a language (from jusText's lists), or an empty set."""
    if not lang:
        return frozenset()
    name = _language_names().get(lang)
    if not name:
        return frozenset()
    import justext

    try:
        return frozenset(w.lower() for w in justext.get_stoplist(name))
    except ValueError:
        return frozenset()


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    data = load_yaml(rules_dir() / "languages.yaml") or {}
    return dict(data.get("justext_stoplists", {}))


_DIGIT = re.compile(r"\d")
_URL_HINTS = ("://", "www.", ".com", ".org", ".net", "pic.twitter")
SHORT_LINE = 15  # words; markers of junk (dates, counters, handles) are looked for on shorter lines


def own_features(texts: list[str], lang: str | None, fallback_stop: float = 0.3) -> np.ndarray:
    """The per-line feature matrix (lines x OWN_FEATURES).

    Hot path: a few C-level string calls per line; the marker regexes run only
    on short lines that hold the character they need (a digit, an @ or #).
    """
    m = len(texts)
    stops = stopwords(lang)
    contains = stops.__contains__
    lens = [len(t) for t in texts]
    max_len = max(lens, default=0) or 1
    seen: dict[str, int] = {}
    for t in texts:
        seen[t] = seen.get(t, 0) + 1
    denom = max(m - 1, 1)
    log1p = math.log1p
    rows = []
    for i, t in enumerate(texts):
        words = t.split()
        n = len(words)
        stop_ratio = no_stop = title = upper = digits = commas = terminal = colon = 0.0
        url = handle = date = ago = counter = bullet = sep = 0.0
        if n:
            if stops:
                stop = sum(map(contains, t.lower().split()))
                stop_ratio = stop / n
                no_stop = 1.0 if stop == 0 else 0.0
            else:
                stop_ratio = fallback_stop
            title = sum(map(str.istitle, words)) / n
            upper = sum(map(str.isupper, words)) / n
            digits = sum(map(str.isdigit, words)) / n
            commas = min(t.count(",") / n, 1.0)
            last = t[-1]
            terminal = 1.0 if last in _TERMINAL else 0.0
            colon = 1.0 if last == ":" else 0.0
            first = words[0]
            if first in _BULLETS or (first[-1:] in ".)" and first[:-1].isdigit() and n > 1):
                bullet = 1.0
            if any(h in t for h in _URL_HINTS) and _URL.search(t):
                url = 1.0
            if n <= SHORT_LINE:
                if ("@" in t or "#" in t) and _HANDLE.search(t):
                    handle = 1.0
                if _DIGIT.search(t):
                    date = 1.0 if _DATE.search(t) else 0.0
                    ago = 1.0 if _AGO.search(t) else 0.0
                    counter = 1.0 if _COUNTER.search(t) else 0.0
                if n > 2 and ("|" in t or "•" in t or "·" in t or "»" in t or "   " in t or "\t" in t):
                    sep = min(len(_SEP.findall(t)), 3) / 3
            elif "vor " in t or "hace " in t or "il y a" in t or " ago" in t:
                ago = 1.0 if _AGO.search(t) else 0.0
        lw = log1p(n)
        pos = i / denom
        strong = 1.0 if n >= 20 and terminal and (stop_ratio >= 0.25 or not stops) else 0.0
        rows.append((
            1.0, lw, log1p(lens[i]), 1.0 if n <= 4 else 0.0, stop_ratio, no_stop, terminal, colon,
            title, upper, digits, commas, url, handle, date, ago, counter, sep, bullet,
            lens[i] / max_len, 1.0 if i == 0 else 0.0, 1.0 if seen[t] > 1 else 0.0,
            1.0 if pos < 0.1 else 0.0, 1.0 if pos > 0.9 else 0.0,
            terminal * lw, stop_ratio * lw, strong,
        ))
    if not rows:
        return np.zeros((0, len(OWN_FEATURES)))
    return np.array(rows, dtype=np.float64)


def best_block(score: np.ndarray) -> tuple[int, int]:
    """The contiguous run of lines with the largest total score (Kadane)."""
    best, best_i, best_j = 0.0, 0, -1
    cur, start = 0.0, 0
    for i, v in enumerate(score.tolist()):
        if cur <= 0:
            cur, start = v, i
        else:
            cur += v
        if cur > best:
            best, best_i, best_j = cur, start, i
    return best_i, best_j


def context_features(
    p: np.ndarray, lens: np.ndarray, confident: float = 0.7, words: np.ndarray | None = None
) -> np.ndarray:
    """Context features of each line from the first model's probabilities ``p``."""
    m = len(p)
    C = np.zeros((m, len(CONTEXT_FEATURES)), dtype=np.float64)
    if m == 0:
        return C
    C[1:, 0] = p[:-1]
    C[:-1, 1] = p[1:]
    # mean and max over a window of 3 lines each side (excluding the line itself)
    k = 3
    pad = np.concatenate([np.zeros(k), p, np.zeros(k)])
    csum = np.concatenate([[0.0], np.cumsum(pad)])
    win = (csum[2 * k + 1 :] - csum[: -(2 * k + 1)] - p) / (2 * k)
    C[:, 2] = win
    wmax = np.zeros(m)
    for d in range(1, k + 1):
        wmax[d:] = np.maximum(wmax[d:], p[:-d])
        wmax[:-d] = np.maximum(wmax[:-d], p[d:])
    C[:, 3] = wmax
    good = p >= confident
    idx = np.flatnonzero(good)
    mass = lens * p
    total = mass.sum() or 1.0
    cum = np.cumsum(mass)
    before_share = (cum - mass) / total  # article mass before the line
    after_share = (total - cum) / total  # article mass after the line
    if len(idx):
        pos = np.arange(m)
        nearest = np.searchsorted(idx, pos)
        left = idx[np.clip(nearest - 1, 0, len(idx) - 1)]
        right = idx[np.clip(nearest, 0, len(idx) - 1)]
        dist = np.minimum(np.abs(pos - left), np.abs(pos - right))
        C[:, 4] = 1.0 / (1.0 + dist)
        C[:, 5] = ((pos > idx[0]) & (pos < idx[-1])).astype(float)
    C[:, 6] = (before_share < 0.02).astype(float)
    C[:, 7] = (after_share < 0.02).astype(float)
    # the article as one block: lines weighted by length, pushed by p - 0.5
    bi, bj = best_block((p - 0.5) * np.sqrt(lens + 1.0))
    if bj >= bi:
        C[bi : bj + 1, 8] = 1.0
    if words is None:
        words = np.log1p(lens / 6.0)
    C[1:, 9] = words[:-1]
    C[:-1, 10] = words[1:]
    k = 10
    pad = np.concatenate([np.zeros(k), p, np.zeros(k)])
    csum = np.concatenate([[0.0], np.cumsum(pad)])
    C[:, 11] = (csum[2 * k + 1 :] - csum[: -(2 * k + 1)]) / (2 * k + 1)
    return C


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class LineClassifier:
    """Loads the two weight vectors and judges the lines of one document."""

    def __init__(self, model: dict[str, Any], threshold: float | None = None, file: str = "") -> None:
        def vec(key: str, names: tuple[str, ...]) -> np.ndarray:
            weights = model.get(key)
            if not isinstance(weights, dict):
                raise ConfigError("expected a mapping of feature to weight", file=file, key=key)
            unknown = set(weights) - set(names)
            if unknown:
                raise ConfigError(f"unknown features: {', '.join(sorted(unknown))}", file=file, key=key)
            return np.array([float(weights.get(n, 0.0)) for n in names])

        self.w_own = vec("own_weights", OWN_FEATURES)
        # one or more context rounds: each sees the previous round's probabilities
        self.rounds = [vec("context_weights", FEATURES)]
        if model.get("refine_weights") is not None:
            self.rounds.append(vec("refine_weights", FEATURES))
        self.w_ctx = self.rounds[-1]
        self.threshold = float(threshold if threshold is not None else model.get("threshold", 0.5))
        self.confident = float(model.get("confident", 0.7))
        self.paragraph_words = int(model.get("paragraph_words", 12))
        self.fallback_stop = float(model.get("fallback_stop_ratio", 0.3))
        self.reasons = dict(model.get("reasons", {}))

    @classmethod
    def load(cls, name: str | Path, threshold: float | None = None) -> LineClassifier:
        path = Path(name)
        if not path.is_absolute() and not path.exists():
            path = rules_dir() / name
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError("expected a mapping with `own_weights` and `context_weights`", file=str(path))
        return cls(data, threshold, str(path))

    def features(self, texts: list[str], lang: str | None) -> np.ndarray:
        """The feature matrix (own + context) that the last round's weights apply to."""
        own = own_features(texts, lang, self.fallback_stop)
        lens = np.array([len(t) for t in texts], dtype=np.float64)
        p = _sigmoid(own @ self.w_own)
        X = np.hstack([own, context_features(p, lens, self.confident, own[:, 1])])
        for w in self.rounds[:-1]:
            p = _sigmoid(X @ w)
            X = np.hstack([own, context_features(p, lens, self.confident, own[:, 1])])
        return X

    def probabilities(self, texts: list[str], lang: str | None) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return _sigmoid(self.features(texts, lang) @ self.w_ctx)

    def judge(
        self, lines: list[Line], lang: str | None, threshold: float | None = None
    ) -> list[tuple[Line, str]]:
        """The lines to remove, each with its reason (below ``threshold``, default the model's)."""
        threshold = self.threshold if threshold is None else threshold
        content = [ln for ln in lines if ln.text.strip()]
        if not content:
            return []
        texts = [ln.text.strip() for ln in content]
        X = self.features(texts, lang)
        p = _sigmoid(X @ self.w_ctx)
        keep = p >= threshold
        if not keep.any():
            # never empty a document on the classifier's word alone: keep its
            # most article-like lines (a rule may still remove them)
            keep = p >= 0.5 * p.max()
        drop = np.flatnonzero(~keep)
        if not len(drop):
            return []
        contrib = X[drop] * self.w_ctx  # each feature's push on the score
        contrib[:, 0] = 0.0
        worst = contrib.argmin(axis=1)
        out = []
        for k, (row, j) in enumerate(zip(drop, worst)):
            name = FEATURES[j] if contrib[k, j] < 0 else "low_score"
            out.append((content[row], "classifier." + self.reasons.get(name, name.replace("_", "-"))))
        return out

    def is_paragraph(self, text: str) -> bool:
        """A long line that ends like a sentence: where a junk section stops."""
        words = text.split()
        return len(words) >= self.paragraph_words and text.rstrip()[-1:] in _TERMINAL
