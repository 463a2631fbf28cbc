"""The line classifier: tells article lines from a site's junk without rules.

Each non-blank line gets features (length, stop-word density in the document's
language, terminal punctuation, title-case ratio, handles, URLs, dates and
counters, position) and a content probability from a logistic model whose
weights live in ``rules/classifier.yaml``. Context then decides, as in jusText:
a line's probability is blended with its neighbours', short lines between
article paragraphs (headings, one-line quotes) stay, and runs of link-like
lines go. Every removed line gets a reason naming its strongest negative
feature, e.g. ``classifier.short``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cleaner.document import Line
from cleaner.errors import ConfigError
from cleaner.resources import rules_dir
from cleaner.yamlio import load_yaml

_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_URL = re.compile(r"https?://|www\.|\b\w+\.(?:com|org|net|co|io|de|fr|es|uk)\b/?|pic\.twitter\.com", re.I)
_HANDLE = re.compile(r"(?:^|\s)[@#]\w+")
_AGO = re.compile(
    r"\b\d+\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\b|\b(?:vor|hace|il y a)\s+\d+\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|"
    r"\d{1,2}\.?\s+(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)[a-zäé]*\.?\s+\d{4})\b",
    re.I,
)
_COUNTER = re.compile(r"^\W*\d[\d.,]*[kKmM]?\s*\w*\W*$|\b\d[\d.,]*[kKmM]?\s+(?:comments?|shares?|views?|likes?|replies|kommentare)\b", re.I)
_TERMINAL = frozenset(".!?…\"”’'»):;")
_SEP = re.compile(r"\s[|•·»/]\s|\s{3,}")

FEATURES = (
    "bias", "log_words", "short", "stop_ratio", "no_stop", "terminal", "title_ratio",
    "url", "handle", "date", "ago", "counter", "separators", "digits", "upper",
    "first_third", "last_third", "prev_p", "next_p", "run_len",
)


@lru_cache(maxsize=64)
def stopwords(lang: str | None) -> frozenset[str]:
    """Stop words of a language (from jusText's lists), or an empty set."""
    if not lang:
        return frozenset()
    names = _language_names()
    name = names.get(lang)
    if not name:
        return frozenset()
    import justext

    try:
        return frozenset(w.casefold() for w in justext.get_stoplist(name))
    except ValueError:
        return frozenset()


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    data = load_yaml(rules_dir() / "languages.yaml") or {}
    return dict(data.get("justext_stoplists", {}))


@dataclass(slots=True)
class LineInfo:
    n_words: int
    feats: list[float]
    p: float = 0.0


class LineClassifier:
    def __init__(self, model: dict[str, Any], threshold: float | None = None, file: str = "") -> None:
        weights = model.get("weights", {})
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ConfigError(f"unknown features: {', '.join(sorted(unknown))}", file=file, key="weights")
        self.w = [float(weights.get(f, 0.0)) for f in FEATURES]
        self.threshold = float(threshold if threshold is not None else model.get("threshold", 0.5))
        self.context = float(model.get("context_weight", 0.35))
        self.short_words = int(model.get("short_words", 4))
        self.paragraph_words = int(model.get("paragraph_words", 12))
        self.fallback_stop = float(model.get("fallback_stop_ratio", 0.3))
        self.reasons = dict(model.get("reasons", {}))

    @classmethod
    def load(cls, name: str, threshold: float | None = None) -> LineClassifier:
        path = rules_dir() / name if "/" not in name else name
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError("expected a mapping with `weights`", file=str(path))
        return cls(data, threshold, str(path))

    # ------------------------------------------------------------- features
    def line_features(self, text: str, stops: frozenset[str]) -> tuple[int, list[float]]:
        words = _WORD.findall(text)
        n = len(words)
        if n:
            if stops:
                stop_ratio = sum(1 for w in words if w.casefold() in stops) / n
            else:
                stop_ratio = self.fallback_stop
            long_words = [w for w in words if len(w) > 3]
            title_ratio = (
                sum(1 for w in long_words if w[0].isupper()) / len(long_words) if long_words else 0.0
            )
            upper = sum(1 for w in words if w.isupper() and len(w) > 1) / n
            digits = sum(1 for w in words if w.isdigit()) / n
        else:
            stop_ratio = title_ratio = upper = 0.0
            digits = 1.0 if any(ch.isdigit() for ch in text) else 0.0
        stripped = text.rstrip()
        f = [
            1.0,
            math.log1p(n),
            1.0 if n <= self.short_words else 0.0,
            stop_ratio,
            1.0 if n and stop_ratio == 0 else 0.0,
            1.0 if stripped and stripped[-1] in _TERMINAL else 0.0,
            title_ratio,
            1.0 if _URL.search(text) else 0.0,
            1.0 if _HANDLE.search(text) else 0.0,
            1.0 if _DATE.search(text) else 0.0,
            1.0 if _AGO.search(text) else 0.0,
            1.0 if _COUNTER.search(text) else 0.0,
            min(len(_SEP.findall(text)), 3) / 3,
            digits,
            upper,
            0.0, 0.0, 0.0, 0.0, 0.0,
        ]
        return n, f

    # --------------------------------------------------------------- judging
    def probabilities(self, lines: list[Line], lang: str | None) -> list[LineInfo]:
        stops = stopwords(lang)
        infos = []
        w = self.w
        for ln in lines:
            n, f = self.line_features(ln.text, stops)
            infos.append(LineInfo(n, f))
        m = len(infos)
        # own score first, then context features from the neighbours' own scores
        own = []
        for info in infos:
            z = sum(wi * fi for wi, fi in zip(w[:15], info.feats[:15]))
            own.append(_sigmoid(z))
        run = 0
        for i, info in enumerate(infos):
            f = info.feats
            pos = i / max(m - 1, 1)
            f[15] = 1.0 if pos < 1 / 3 else 0.0
            f[16] = 1.0 if pos > 2 / 3 else 0.0
            f[17] = own[i - 1] if i > 0 else 0.0
            f[18] = own[i + 1] if i + 1 < m else 0.0
            run = run + 1 if info.n_words <= self.short_words else 0
            f[19] = min(run, 5) / 5
            z = sum(wi * fi for wi, fi in zip(w, f))
            info.p = _sigmoid(z)
        return infos

    def judge(self, lines: list[Line], lang: str | None) -> list[tuple[Line, str]]:
        """The lines to remove, each with its reason."""
        content = [ln for ln in lines if ln.text.strip()]
        if not content:
            return []
        infos = self.probabilities(content, lang)
        # context smoothing: blend with the nearest neighbours on each side
        ps = [info.p for info in infos]
        m = len(ps)
        cw = self.context
        smoothed = []
        for i in range(m):
            nb = []
            if i > 0:
                nb.append(ps[i - 1])
            if i + 1 < m:
                nb.append(ps[i + 1])
            ctx = sum(nb) / len(nb) if nb else ps[i]
            smoothed.append((1 - cw) * ps[i] + cw * ctx)
        out = []
        for ln, info, p in zip(content, infos, smoothed):
            if p < self.threshold:
                out.append((ln, "classifier." + self.reason(info)))
        return out

    def is_paragraph(self, text: str) -> bool:
        """A long line that ends like a sentence: the end of a junk section."""
        words = text.split()
        return len(words) >= self.paragraph_words and text.rstrip()[-1:] in _TERMINAL

    def reason(self, info: LineInfo) -> str:
        """The feature that pulled this line's score down the most."""
        worst, worst_val = "low-score", 0.0
        for name, wi, fi in zip(FEATURES, self.w, info.feats):
            if name == "bias":
                continue
            c = wi * fi
            if c < worst_val:
                worst, worst_val = name, c
        # features that only push up (length, stop words) explain by their absence
        if worst == "low-score" or worst in ("log_words",):
            worst = "short" if info.n_words <= self.short_words else "low-score"
        return self.reasons.get(worst, worst.replace("_", "-"))


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))
