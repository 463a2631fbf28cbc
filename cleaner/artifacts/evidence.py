"""How the hits of a document are weighed into one score.

Hits become events: hits of one evidence class on one line closer than
``merge_gap`` characters are one event (a slogan "on. meth. dot. com." is one
lowercase-start event, not three), and a hit that touches an event of another
class joins it (one mark seen by two checks counts once, at the larger weight).

Each evidence class (a kind, or a kind and its sort: ``glued-word.camel``) has
a ``clean_rate`` and a ``damaged_rate``: its events per 1,000 words in clean
professional text and in damaged text (``benchmarks/fit_artifacts.py`` measures
the first on the fit part of the evaluation sets, and splits the damage rate
the data file assumes, ``damage_rate`` marks per 1,000 words, over the classes
as damaged text shows them). The log likelihood ratio of a document under two
Poisson models is then

    log odds = bias + sum over classes of (weight * min(events, cap)
                                           - (damaged_rate - clean_rate) * words / 1000)
    weight   = log(damaged_rate / clean_rate)

where the cap (``cap`` events, or ``cap_per_1000`` per 1,000 words when more)
keeps one odd habit of a page from flagging it alone. A long text needs more
events than a short one; a short body with two clear marks can be flagged.

    score = 1 / (1 + exp(-log odds))

The score is the probability that the text is damaged under the model and the
prior odds ``exp(bias)`` (the bias is chosen on the val part); a document is
flagged when it reaches ``threshold``. There is no global count of hits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cleaner.artifacts.base import KINDS, Hit


def _num(x: Any, key: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"artifact data: {key}: expected a number, not {x!r}")
    return float(x)


class Evidence:
    def __init__(self, d: Mapping[str, Any], threshold: float | None = None) -> None:
        self.threshold = _num(threshold if threshold is not None else d.get("threshold", 0.5), "threshold")
        ev = d.get("evidence") or {}
        if not isinstance(ev, Mapping):
            raise ValueError("artifact data: evidence: expected a mapping")
        self.bias = _num(ev.get("bias", 0.0), "evidence.bias")
        self.merge_gap = int(ev.get("merge_gap", 30))
        self.cap = int(ev.get("cap", 3))
        self.cap_per_1000 = _num(ev.get("cap_per_1000", 0.0), "evidence.cap_per_1000")
        self.weights: dict[str, float] = {}
        self.clean_rate: dict[str, float] = {}
        self.damaged_rate: dict[str, float] = {}
        classes = ev.get("classes") or {}
        if not isinstance(classes, Mapping):
            raise ValueError("artifact data: evidence.classes: expected a mapping of class to its numbers")
        for name, spec in classes.items():
            if str(name).split(".", 1)[0] not in KINDS:
                raise ValueError(f"unknown artifact kinds: {name}")
            if not isinstance(spec, Mapping):
                raise ValueError(f"artifact data: evidence.classes.{name}: expected weight, clean_rate, cap")
            c = _num(spec.get("clean_rate", 0.0), f"evidence.classes.{name}.clean_rate")
            dmg = _num(spec.get("damaged_rate", 0.0), f"evidence.classes.{name}.damaged_rate")
            if c < 0 or dmg < 0:
                raise ValueError(f"artifact data: evidence.classes.{name}: rates cannot be negative")
            self.clean_rate[name] = c
            self.damaged_rate[name] = dmg
            self.weights[name] = math.log(dmg / c) if dmg > c > 0 else 0.0
        # what a text of 1,000 words loses for the events it does not have
        self.per_1000 = sum(
            self.damaged_rate[k] - self.clean_rate[k] for k in self.weights if self.weights[k] > 0
        )
        unknown = set(d.get("weights") or {}) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown artifact kinds: {', '.join(sorted(unknown))}")

    def klass(self, h: Hit) -> str:
        """The evidence class of a hit: its ``kind.sub`` when weighed apart, else its kind."""
        e = h.evidence
        return e if e in self.weights else h.kind

    def weight(self, klass: str) -> float:
        return self.weights.get(klass, 0.0)

    def events(self, text: str, hits: list[Hit]) -> dict[str, int]:
        """Events per evidence class (see the module's doc)."""
        counts: dict[str, int] = {}
        last: list[tuple[int, int, str]] = []  # (start, end, class) of the events so far, by start
        for h in sorted(hits, key=lambda h: (h.start, h.end)):
            k = self.klass(h)
            merged = False
            for i in range(len(last) - 1, max(-1, len(last) - 4), -1):
                s0, e0, k0 = last[i]
                same_line = "\n" not in text[e0 : h.start] if h.start > e0 else True
                if k0 == k and same_line and h.start - e0 < self.merge_gap:
                    last[i] = (s0, max(e0, h.end), k0)
                    merged = True
                    break
                if k0 != k and h.start <= e0 + 1:  # touches an event of another class
                    if self.weight(k) > self.weight(k0):
                        counts[k0] -= 1
                        counts[k] = counts.get(k, 0) + 1
                        last[i] = (s0, max(e0, h.end), k)
                    merged = True
                    break
            if not merged:
                counts[k] = counts.get(k, 0) + 1
                last.append((h.start, h.end, k))
        return {k: v for k, v in counts.items() if v > 0}

    def log_odds(self, events: Mapping[str, int], words: int) -> float:
        cap = max(self.cap, self.cap_per_1000 * words / 1000.0)
        z = self.bias - self.per_1000 * words / 1000.0
        for k, n in events.items():
            z += self.weight(k) * min(n, cap)
        return z

    def score(self, events: Mapping[str, int], words: int) -> float:
        z = self.log_odds(events, words)
        return round(1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0, 4)
