"""The text model at run time: find the article region of a dump, then judge its lines.

Forests of gradient-boosted trees (:mod:`cleaner.textmodel.forest`), fitted by
``benchmarks/train_textmodel.py`` on the site-split corpus and shipped as
``rules/textmodel.npz``, with their settings in ``rules/textmodel.yaml``:

1. the *line model* gives each unit (a line, or a wrapped paragraph) the
   probability that it is article text, from the unit's own features and its
   neighbours' (:data:`cleaner.textmodel.features.LINE_FEATURES`);
2. *context rounds* each read what the round before said of the unit and of
   the units around it: windows of probabilities, the document's best block of
   article-like units, the runs of them and where the article mass lies
   (:data:`cleaner.textmodel.features.REGION_FEATURES`), and give a new
   probability;
3. the *region*: the best span of units by the last probability (weighted by
   their size), and up to two more spans where the page's article is split. A
   unit inside the region stays when its probability is at least ``inside``;
   outside it only when the model is sure of it (``outside``).

Every removal names its reason: ``classifier.outside-article`` for a unit
outside the region; inside it, the group of line features that pulled the line
model's score down the most (``classifier.short``, ``classifier.menu``, ...: the
``reasons`` map of the YAML), or ``classifier.among-junk`` when the line itself
looked like article text and its context outvoted it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.classify import LINES_GROUP
from cleaner.errors import ConfigError
from cleaner.jit import Group
from cleaner.resources import rules_dir
from cleaner.textmodel.features import LINE_FEATURES, REGION_FEATURES, line_matrix, region_matrix
from cleaner.textmodel.forest import Forest
from cleaner.textmodel.units import Units, read_units
from cleaner.yamlio import load_yaml

OUTSIDE = "classifier.outside-article"
_NO_WORDS = LINE_FEATURES.index("no_words")
AMONG_JUNK = "classifier.among-junk"


@dataclass
class Judgement:
    """What the model decided about each line of a document (blank lines: kept, not sure)."""

    keep: np.ndarray  # bool per line
    code: np.ndarray  # int per line: the index in ``names`` of why it goes, -1 when it stays
    names: list[str]  # the reasons
    sure: np.ndarray  # bool per line: article text inside the region that the line model is sure of
    inside: np.ndarray  # bool per line: inside the article region
    # the units of several lines (hard-wrapped paragraphs): their first and last lines
    wrapped: tuple[np.ndarray, np.ndarray] | None = None

    def reason(self, i: int) -> str | None:
        c = int(self.code[i])
        return self.names[c] if c >= 0 else None


@dataclass(frozen=True)
class Settings:
    inside: float  # a unit inside the region stays at p >= inside (p: the last round's probability)
    outside: float  # ... outside it only at p >= outside (not above inside: no region)
    sure: float  # a unit inside the region with p >= sure is "sure" (stops a section rule)
    extra_span: float  # another span of the region needs this share of the best span's gain
    max_spans: int
    lead_lines: int  # a headline block above a first paragraph within this many units stays
    explain_trees: int  # a removed line's reason: from the line model's first trees


class TextModel:
    """The forests (the line model, then the context rounds) and the decision settings."""

    def __init__(self, forests: list[Forest], settings: Settings, reasons: dict[str, str]) -> None:
        if not forests:
            raise ConfigError("the text model has no forests")
        wanted = [len(LINE_FEATURES)] + [len(REGION_FEATURES)] * (len(forests) - 1)
        got = [f.n_features for f in forests]
        if got != wanted:
            raise ConfigError(
                f"the text model's forests read {got} features; this version computes {wanted}: refit it "
                "(benchmarks/train_textmodel.py)"
            )
        self.forests = forests
        self.settings = settings
        # reason groups: features that share a reason explain a removal together
        names = [reasons.get(f, f.replace("_", "-")) for f in LINE_FEATURES]
        self.reason_names = list(dict.fromkeys(names + ["no-letters"]))
        self._group = np.array([self.reason_names.index(n) for n in names], dtype=np.int64)
        self._no_letters = 2 + self.reason_names.index("no-letters")

    @classmethod
    def load(cls, name: str | Path = "textmodel.yaml") -> TextModel:
        path = Path(name)
        if not path.is_absolute() and not path.exists():
            path = rules_dir() / name
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError("expected a mapping of the text model's settings", file=str(path))
        rounds = data.get("rounds")
        if not isinstance(rounds, list) or not rounds or not all(isinstance(r, str) for r in rounds):
            raise ConfigError("expected a list of the forests' names", file=str(path), key="rounds")
        arrays = path.with_name(str(data.get("arrays", path.with_suffix(".npz").name)))
        try:
            with np.load(arrays, allow_pickle=False) as z:
                forests = [Forest.from_arrays(z, r) for r in rounds]
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"cannot read the text model's arrays {arrays}: {exc}", file=str(path)) from exc
        d = data.get("decision")
        try:
            if not isinstance(d, dict):
                raise TypeError("expected a mapping")
            settings = Settings(
                inside=float(d["inside"]),
                outside=float(d["outside"]),
                sure=float(d.get("sure", 0.8)),
                extra_span=float(d.get("extra_span", 1.0)),
                max_spans=int(d.get("max_spans", 3)),
                lead_lines=int(d.get("lead_lines", 3)),
                explain_trees=int(d.get("explain_trees", 40)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"bad decision settings: {exc}", file=str(path), key="decision") from exc
        reasons = data.get("reasons") or {}
        unknown = set(reasons) - set(LINE_FEATURES)
        if unknown:
            raise ConfigError(
                f"unknown features: {', '.join(sorted(unknown))}", file=str(path), key="reasons"
            )
        try:
            return cls(forests, settings, {str(k): str(v) for k, v in reasons.items()})
        except ConfigError as exc:
            raise ConfigError(str(exc), file=str(path)) from None

    # ------------------------------------------------------------ judging
    def probabilities(self, units: Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(line features, the line model's probabilities, the last round's) of a document's units."""
        from cleaner.kernels.forest import forest_raw

        X = line_matrix(
            units.words,
            units.shape,
            units.hashes,
            units.blank_before,
            units.blank_after,
            units.blank_share,
            units.vocab,
        )
        f = self.forests[0]
        p1 = p = _sigmoid(forest_raw(X, f.feature, f.threshold, f.leaf))
        nc = units.words[:, -1]
        for f in self.forests[1:]:
            Z = region_matrix(p, X, nc)
            p = _sigmoid(forest_raw(Z, f.feature, f.threshold, f.leaf))
        return X, p1, p

    def decide(
        self, p: np.ndarray, nc: np.ndarray, threshold: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(keep, inside) per unit from the last round's probabilities ``p``;
        ``threshold``: the inside threshold, when not the model's."""
        from cleaner.kernels.region import best_block, region_spans

        s = self.settings
        t_in = s.inside if threshold is None else threshold
        # the region: the best span, and up to two more (it decides only when outside > inside; it
        # always names why a line outside it goes and which lines are sure article text)
        inside = region_spans(p, nc.astype(np.float64), s.extra_span, s.max_spans)
        keep = np.where(inside, p >= t_in, p >= max(s.outside, t_in))
        if len(p) and not keep.any():
            # never empty a document on the model's word alone: its most article-like
            # stretch stays (a paragraph sent alone, a page the model has no idea of)
            a, b = best_block((p - 0.5 * p.max()) * np.sqrt(nc.astype(np.float64) + 1.0))
            keep[a : b + 1] = True
            inside = keep.copy()
        # the headline block of a document that opens with its article
        if s.lead_lines > 0 and len(keep):
            first = np.flatnonzero(keep & inside)
            if len(first) and first[0] <= s.lead_lines:
                keep[: first[0]] = True
        return keep, inside

    def reasons(self, X: np.ndarray, units: np.ndarray) -> np.ndarray:
        """The reason of each removed unit (rows ``units`` of the line features X):
        an index into ``self.names``, the line feature group that pulled the line
        model's score down the most over its first ``explain_trees`` trees (the
        splits that matter most come first in a boosted forest)."""
        from cleaner.kernels.forest import forest_reasons

        if not len(units):
            return np.zeros(0, dtype=np.int64)
        f = self.forests[0]
        best = forest_reasons(
            X,
            units.astype(np.int64),
            f.feature,
            f.threshold,
            f.value,
            f.leaf,
            self.settings.explain_trees,
            self._group,
            len(self.reason_names),
        )
        return best + 2

    @property
    def names(self) -> list[str]:
        """The reasons a unit can go for: outside the region, among junk, then the line feature groups."""
        return [OUTSIDE, AMONG_JUNK] + ["classifier." + r for r in self.reason_names]

    def judge(
        self,
        texts: Sequence[str],
        lang: str | None,
        view: Any = None,
        inside: float | None = None,
        shape: np.ndarray | None = None,
        gate: np.ndarray | None = None,
        veto: np.ndarray | None = None,
    ) -> Judgement:
        """Judge the lines of one document (``texts``: every line, blank ones
        included; ``view``, ``shape``, ``gate``: a TextView of them (not
        stripped), their shape rows and marker scan, when the caller has them
        (:func:`cleaner.textmodel.units.read_units`); ``inside``: the threshold
        inside the region, when not the model's; ``veto``: per line, known junk
        (a site's template line), read as probability 0 when the region is chosen)."""
        n = len(texts)
        keep = np.ones(n, dtype=bool)
        code = np.full(n, -1, dtype=np.int64)
        sure = np.zeros(n, dtype=bool)
        inside_l = np.zeros(n, dtype=bool)
        units = read_units(texts, lang, view=view, shape=shape, gate=gate)
        if not len(units):
            return Judgement(keep, code, self.names, sure, inside_l)
        X, p1, p = self.probabilities(units)
        if veto is not None:  # a unit of several lines (a wrapped paragraph, get_text's pieces): all or none
            p = np.where(_all_lines(veto, units), 0.0, p)
        t_in = self.settings.inside if inside is None else inside
        ukeep, uinside = self.decide(p, units.words[:, -1], inside)
        ucode = np.full(len(units), -1, dtype=np.int64)
        gone = np.flatnonzero(~ukeep)
        ucode[gone] = 0  # outside the region
        inner = gone[uinside[gone]]
        ucode[inner] = 1  # among junk: the line looked like article text, its context outvoted it
        own = inner[p1[inner] < t_in]
        ucode[own] = self.reasons(X, own)
        # a line without a letter or a digit ("-", "* * *", "|", a link without text) carries no
        # text: it goes
        bare = np.flatnonzero(ukeep & ((X[:, _NO_WORDS] > 0) | (units.words[:, -2] == 0)))
        ukeep[bare] = False
        ucode[bare] = self._no_letters
        if units.follows is not None:  # the rest of a link broken over units goes or stays with it
            f = np.flatnonzero(units.follows >= 0)
            root = units.follows[f]
            ukeep[f], ucode[f], uinside[f], p[f] = ukeep[root], ucode[root], uinside[root], p[root]
        # units to lines (a wrapped paragraph is one unit of several lines)
        span = units.last - units.idx + 1
        which = np.repeat(np.arange(len(units)), span)
        at = (
            which
            if len(which) == 0
            else np.repeat(units.idx, span)
            + (np.arange(len(which)) - np.repeat(np.cumsum(span) - span, span))
        )
        keep[at] = ukeep[which]
        code[at] = ucode[which]
        sure[at] = (uinside & (p >= self.settings.sure))[which]
        inside_l[at] = uinside[which]
        several = units.last > units.idx
        wrapped = (units.idx[several], units.last[several]) if several.any() else None
        return Judgement(keep, code, self.names, sure, inside_l, wrapped)


def _all_lines(flag: np.ndarray, units: Units) -> np.ndarray:
    """Per unit, whether ``flag`` holds on every line of it (a unit holds no blank line; a site's
    template line that is one piece of a paragraph ``get_text`` broke at its inline elements,
    "None" or "and", does not make the paragraph a template)."""
    other = np.concatenate(([0], np.cumsum(~flag)))
    return (other[units.last + 1] - other[units.idx]) == 0


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def warm() -> None:
    """Compile (or load from numba's cache) the text model's kernels (:data:`GROUP`), on a
    document that takes every path: list items, a wrapped paragraph, links, blank lines."""
    import textwrap

    para = (
        "The council voted on Tuesday to extend the ferry service to the northern islands, a decision "
        "that residents have waited for since the old pier closed in the storms. "
    ) * 2
    lines = ["  * [Home](/)", "  * [News](/news)", "", "# Ferry service to run all year", ""]
    for _ in range(3):
        lines += textwrap.wrap(para, 78) + [""]
    lines += ["Share this:", "3 comments", "\u00a9 2024 www.example.com"]
    model = TextModel.load()
    for texts in (lines, lines[:1], [" ".join(lines)]):
        judged = model.judge(texts, "en")
        gone = np.flatnonzero(~judged.keep)
        if len(gone):  # the explanation path, however the model judged
            model.reasons(np.zeros((1, len(LINE_FEATURES))), np.zeros(1, dtype=np.int64))


# the text model's kernels, compiled together (see cleaner.jit); the line features are the classifier module's
GROUP = Group("textmodel", "cleaner.textmodel.model:warm", cost=6.0)
GROUPS = [GROUP, LINES_GROUP]
