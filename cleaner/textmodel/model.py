"""The text model at run time: find the article region of a dump, then judge its lines.

Two forests of gradient-boosted trees (:mod:`cleaner.textmodel.forest`),
fitted by ``benchmarks/train_textmodel.py`` on the site-split corpus and shipped
as ``rules/textmodel.npz``, with their settings in ``rules/textmodel.yaml``:

1. the *line model* gives each unit (a line, or a wrapped paragraph) the
   probability ``p1`` that it is article text, from the unit's own features and
   its neighbours' (:data:`cleaner.textmodel.features.LINE_FEATURES`);
2. the *region model* gives each unit the probability ``p2`` that it lies inside
   the article, from what the line model says of it and of the units around it
   (:data:`cleaner.textmodel.features.REGION_FEATURES`); the region is then made
   contiguous: the best span of units (by ``p2``, weighted by their size), and
   up to two more spans where the page's article is split.

A unit inside the region stays when ``p1 >= inside``; outside it only when the
line model is sure of it (``p1 >= outside``). Every removal names its reason:
``classifier.outside-article`` for a unit outside the region, else the group of
line features that pulled its score down the most (``classifier.short``,
``classifier.menu``, ...: the ``reasons`` map of the YAML).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.errors import ConfigError
from cleaner.resources import rules_dir
from cleaner.textmodel.features import LINE_FEATURES, REGION_FEATURES, line_matrix, region_matrix
from cleaner.textmodel.forest import Forest
from cleaner.textmodel.units import Units, read_units
from cleaner.yamlio import load_yaml

OUTSIDE = "classifier.outside-article"


@dataclass
class Judgement:
    """What the model decided about each line of a document (blank lines: kept, not sure)."""

    keep: np.ndarray  # bool per line
    code: np.ndarray  # int per line: the index in ``names`` of why it goes, -1 when it stays
    names: list[str]  # the reasons
    sure: np.ndarray  # bool per line: article text inside the region that the line model is sure of
    inside: np.ndarray  # bool per line: inside the article region

    def reason(self, i: int) -> str | None:
        c = int(self.code[i])
        return self.names[c] if c >= 0 else None


@dataclass(frozen=True)
class Settings:
    inside: float  # a unit inside the region stays at p1 >= inside
    outside: float  # ... outside it only at p1 >= outside
    sure: float  # a unit inside the region with p1 >= sure is "sure" (stops a section rule)
    extra_span: float  # another span of the region needs this share of the best span's gain
    max_spans: int
    lead_lines: int  # a headline block above a first paragraph within this many units stays


class TextModel:
    """The two forests and the decision settings."""

    def __init__(self, line: Forest, region: Forest, settings: Settings, reasons: dict[str, str]) -> None:
        if line.n_features != len(LINE_FEATURES) or region.n_features != len(REGION_FEATURES):
            raise ConfigError(
                f"the text model was fitted on {line.n_features} line and {region.n_features} region features; "
                f"this version has {len(LINE_FEATURES)} and {len(REGION_FEATURES)}: refit it "
                "(benchmarks/train_textmodel.py)"
            )
        self.line = line
        self.region = region
        self.settings = settings
        # reason groups: features that share a reason explain a removal together
        names = [reasons.get(f, f.replace("_", "-")) for f in LINE_FEATURES]
        self.reason_names = list(dict.fromkeys(names))
        self._group = np.array([self.reason_names.index(n) for n in names], dtype=np.int64)

    @classmethod
    def load(cls, name: str | Path = "textmodel.yaml") -> TextModel:
        path = Path(name)
        if not path.is_absolute() and not path.exists():
            path = rules_dir() / name
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError("expected a mapping of the text model's settings", file=str(path))
        arrays = path.with_name(str(data.get("arrays", path.with_suffix(".npz").name)))
        try:
            with np.load(arrays, allow_pickle=False) as z:
                line = Forest.from_arrays(z, "line")
                region = Forest.from_arrays(z, "region")
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"cannot read the text model's arrays {arrays}: {exc}", file=str(path)) from exc
        d = data.get("decision") or {}
        try:
            settings = Settings(
                inside=float(d["inside"]), outside=float(d["outside"]), sure=float(d.get("sure", 0.8)),
                extra_span=float(d.get("extra_span", 1.0)), max_spans=int(d.get("max_spans", 3)),
                lead_lines=int(d.get("lead_lines", 3)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"bad decision settings: {exc}", file=str(path), key="decision") from exc
        reasons = data.get("reasons") or {}
        unknown = set(reasons) - set(LINE_FEATURES)
        if unknown:
            raise ConfigError(f"unknown features: {', '.join(sorted(unknown))}", file=str(path), key="reasons")
        return cls(line, region, settings, {str(k): str(v) for k, v in reasons.items()})

    # ------------------------------------------------------------ judging
    def probabilities(self, units: Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(line features, p1, p2) of a document's units."""
        from cleaner.textmodel import kernels as tk

        X = line_matrix(units.words, units.shape, units.hashes, units.blank_before, units.blank_after,
                        units.blank_share, units.vocab)
        f = self.line
        p1 = _sigmoid(tk.forest_raw(X, f.feature, f.threshold, f.leaf))
        Z = region_matrix(p1, X, units.words[:, -1])
        g = self.region
        p2 = _sigmoid(tk.forest_raw(Z, g.feature, g.threshold, g.leaf))
        return X, p1, p2

    def decide(
        self, p1: np.ndarray, p2: np.ndarray, nc: np.ndarray, threshold: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(keep, inside) per unit; ``threshold``: the inside threshold, when not the model's."""
        from cleaner.textmodel import kernels as tk

        s = self.settings
        inside = tk.region_spans(p2, nc.astype(np.float64), s.extra_span, s.max_spans)
        keep = np.where(inside, p1 >= (s.inside if threshold is None else threshold), p1 >= s.outside)
        # the headline block of a document that opens with its article
        if s.lead_lines > 0 and len(keep):
            first = np.flatnonzero(keep & inside)
            if len(first) and first[0] <= s.lead_lines:
                keep[: first[0]] = True
        return keep, inside

    def reasons(self, X: np.ndarray, units: np.ndarray) -> np.ndarray:
        """The reason of each removed unit (rows ``units`` of the line features X):
        an index into ``self.names`` (the line feature group that pulled its score down the most)."""
        from cleaner.textmodel import kernels as tk

        if not len(units):
            return np.zeros(0, dtype=np.int64)
        f = self.line
        contrib = tk.forest_contrib_rows(X, units.astype(np.int64), f.feature, f.threshold, f.value, f.leaf,
                                         f.n_features)
        groups = np.zeros((len(self.reason_names), len(units)))
        np.add.at(groups, self._group, contrib.T)
        return np.argmin(groups, axis=0) + 1

    @property
    def names(self) -> list[str]:
        """The reasons a unit can go for: outside the region, then the line feature groups."""
        return [OUTSIDE] + ["classifier." + r for r in self.reason_names]

    def judge(
        self, texts: Sequence[str], lang: str | None, view: Any = None, inside: float | None = None
    ) -> Judgement:
        """Judge the lines of one document (``texts``: every line, blank ones
        included; ``view``: a TextView of them, when the caller has one;
        ``inside``: the threshold inside the region, when not the model's)."""
        n = len(texts)
        keep = np.ones(n, dtype=bool)
        code = np.full(n, -1, dtype=np.int64)
        sure = np.zeros(n, dtype=bool)
        inside_l = np.zeros(n, dtype=bool)
        units = read_units(texts, lang, view=view)
        if not len(units):
            return Judgement(keep, code, self.names, sure, inside_l)
        X, p1, p2 = self.probabilities(units)
        ukeep, uinside = self.decide(p1, p2, units.words[:, -1], inside)
        ucode = np.full(len(units), -1, dtype=np.int64)
        gone = np.flatnonzero(~ukeep)
        ucode[gone] = 0  # outside the region
        inner = gone[uinside[gone]]
        ucode[inner] = self.reasons(X, inner)
        # units to lines (a wrapped paragraph is one unit of several lines)
        span = units.last - units.idx + 1
        which = np.repeat(np.arange(len(units)), span)
        at = which if len(which) == 0 else np.repeat(units.idx, span) + (
            np.arange(len(which)) - np.repeat(np.cumsum(span) - span, span))
        keep[at] = ukeep[which]
        code[at] = ucode[which]
        sure[at] = (uinside & (p1 >= self.settings.sure))[which]
        inside_l[at] = uinside[which]
        return Judgement(keep, code, self.names, sure, inside_l)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
