"""The detector: one scan of a text, every check over it, the evidence weighed, the repairs made."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cleaner.artifacts import repairs
from cleaner.artifacts.base import DEFAULT_REPAIRS, KINDS, REPAIRABLE, Check, Hit, Result
from cleaner.artifacts.capitals import CapitalisedFunctionWordCheck, LowercaseStartCheck
from cleaner.artifacts.derived import DerivedPairCheck
from cleaner.artifacts.evidence import Evidence
from cleaner.artifacts.foreign import ForeignFragmentCheck
from cleaner.artifacts.glued import GluedCheck
from cleaner.artifacts.quotes import QuotesCheck
from cleaner.artifacts.repeats import RepeatedWordCheck
from cleaner.artifacts.scan import Scan, Scanner, mask
from cleaner.artifacts.spacing import MissingSpaceCheck, SpaceBeforeCheck
from cleaner.artifacts.words import load_data, norm_lang

# kinds whose checks read the language (guessed from frequent words when not given)
_LANG_KINDS = frozenset({"foreign-fragment", "glued-word", "capitalized-function-word", "derived-pair"})


class Detector:
    """The checks of ``rules/artifacts.yaml`` (or ``data``), built once; use on any number of texts.

    ``plain=True`` builds the same detector without the compiled passes'
    line filters (every line is a candidate for every check): slower, and the
    reference the tests hold the fast one to.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        allow: Iterable[str] = (),
        threshold: float | None = None,
        french_spacing: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
        plain: bool = False,
    ) -> None:
        d = dict(data) if data is not None else load_data()
        self.data = d
        self.evidence = Evidence(d, threshold)
        self.threshold = self.evidence.threshold
        self.repair_threshold = float(d.get("repair_threshold", 0.0))
        self.repair_other_events = int(d.get("repair_other_events", 0))
        self.vouch_weight = float(d.get("repair_vouch_weight", 0.0))
        self.kinds = frozenset(kinds) if kinds is not None else frozenset(KINDS)
        unknown = self.kinds - set(KINDS)
        if unknown:
            raise ValueError(f"unknown artifact kinds: {', '.join(sorted(unknown))}")
        self.max_excerpts = int(d.get("max_excerpts", 3))
        self.context = int(d.get("excerpt_context", 30))
        self.scanner = Scanner(d, plain=plain)
        self.glued = GluedCheck(d, allow)
        self.capitals = CapitalisedFunctionWordCheck(d)
        self.checks: tuple[Check, ...] = (
            self.glued,
            SpaceBeforeCheck(d, french_spacing),
            MissingSpaceCheck(d),
            QuotesCheck(d, french_spacing),
            self.capitals,
            LowercaseStartCheck(d),
            RepeatedWordCheck(d),
            ForeignFragmentCheck(d, self.scanner),
            DerivedPairCheck(d),
        )

    @classmethod
    def from_yaml(cls, path: str | Path | None = None, **kwargs: Any) -> Detector:
        return cls(load_data(path), **kwargs)

    # ---------------------------------------------------------------- public
    def detect(self, text: str, lang: str | None = None) -> Result:
        """Findings, score and flag for ``text`` in language ``lang`` (ISO code or None)."""
        hits, words = self._scan(text, lang, self.kinds)
        return self.summarise(text, hits, words)

    def scan(self, text: str, lang: str | None = None, kinds: Iterable[str] | None = None) -> list[Hit]:
        """Every hit in ``text`` (check by check, each check's in text order)."""
        want = self.kinds if kinds is None else self.kinds & frozenset(kinds)
        return self._scan(text, lang, want)[0]

    def summarise(self, text: str, hits: list[Hit], words: int) -> Result:
        """Findings, score and flag from the hits of :meth:`scan`."""
        by_kind: dict[str, list[Hit]] = {}
        for h in hits:
            by_kind.setdefault(h.kind, []).append(h)
        events = self.evidence.events(text, hits)
        score = self.evidence.score(events, words)
        findings = []
        for kind in KINDS:
            hs = by_kind.get(kind)
            if not hs:
                continue
            hs.sort(key=lambda h: h.start)
            findings.append(
                {
                    "kind": kind,
                    "count": len(hs),
                    "events": sum(n for k, n in events.items() if k.split(".", 1)[0] == kind),
                    "per_1000_words": round(len(hs) * 1000.0 / max(words, 1), 2),
                    "excerpts": [self._excerpt(text, h) for h in hs[: self.max_excerpts]],
                }
            )
        flagged = score >= self.threshold
        other = 0
        if flagged:
            rest = [h for h in hits if h.sure or h.kind != "glued-word"]
            ev = events if len(rest) == len(hits) else self.evidence.events(text, rest)
            other = sum(n for k, n in ev.items() if self.evidence.weight(k) >= self.vouch_weight)
        return Result(
            score=score, flagged=flagged, findings=findings, words=words, hits=hits, other_events=other
        )

    def repair(
        self, text: str, lang: str | None = None, kinds: Iterable[str] = DEFAULT_REPAIRS, max_rounds: int = 4
    ) -> tuple[str, list[dict[str, Any]]]:
        """Make the repairs of the given kinds until none is left: the sure ones
        everywhere, the unsure ones when the text is flagged (:meth:`unsure_repairs`).

        Returns the new text and one ``{"kind", "before", "after", "offset"}``
        per repair (``offset`` in the text as it was in that round).
        """
        enabled = frozenset(kinds) & frozenset(REPAIRABLE)
        if not enabled or not text:
            return text, []
        hits, words = self._scan(text, lang, self.kinds)
        unsure = self.unsure_repairs(self.summarise(text, hits, words))
        new, made = repairs.rounds(
            text, hits, lambda t: self.scan(t, lang, enabled), enabled, unsure, max_rounds
        )
        return new, [{"kind": r.kind, "before": r.before, "after": r.after, "offset": r.offset} for r in made]

    def detect_and_repair(
        self, text: str, lang: str | None = None, kinds: Iterable[str] = DEFAULT_REPAIRS, max_rounds: int = 4
    ) -> tuple[Result, str, list[repairs.Repair]]:
        """:meth:`detect`, then the repairs decided from its hits (what the stage does): one scan
        of the text, and one more per round of repairs."""
        res = self.detect(text, lang)
        enabled = frozenset(kinds) & frozenset(REPAIRABLE)
        if not enabled or not text:
            return res, text, []
        new, made = repairs.rounds(
            text,
            res.hits,
            lambda t: self.scan(t, lang, enabled),
            enabled,
            self.unsure_repairs(res),
            max_rounds,
        )
        return res, new, made

    def unsure_repairs(self, res: Result) -> bool:
        """Whether the unsure repairs (two content words, camel case) are made in a text with
        result ``res``: when it is flagged with a score of at least ``repair_threshold`` and
        shows ``repair_other_events`` marks or more of other kinds than the unsure glues, of
        classes weighing ``repair_vouch_weight`` or more (a page flagged for its compounds and
        product names alone does not vouch for splitting them). With only the glued-word
        check switched on (``kinds``), nothing else can vouch: the unsure splits are not made."""
        return (
            res.flagged
            and res.score >= self.repair_threshold
            and res.other_events >= self.repair_other_events
        )

    def guess_language(self, text: str | list[list[str]]) -> str | None:
        """The candidate language whose most frequent words are most frequent in ``text`` (or None)."""
        return self.scanner.guess_language(text)

    def make_scan(self, text: str, lang: str | None, want: frozenset[str] | None = None) -> Scan:
        """The shared scan of ``text`` for the checks of ``want`` (all kinds by default)."""
        want = self.kinds if want is None else want
        lang = norm_lang(lang)
        if lang is None and want & _LANG_KINDS:
            # its first 1000 tokens, what guess_language takes of the lines
            toks = itertools.islice(
                itertools.chain.from_iterable(ln.lower().split() for ln in mask(text).split("\n")), 1000
            )
            lang = self.scanner.guess_language([list(toks)])
        needs = 0
        for c in self.checks:
            if want.intersection(c.kinds):
                needs |= c.needs(lang)
        cap = self.capitals.cap_tables.get(lang or "") if "capitalized-function-word" in want else None
        return self.scanner.scan(text, lang, needs, runs=self.glued.words, cap_table=cap)

    # ------------------------------------------------------------------ scan
    def _scan(self, text: str, lang: str | None, want: frozenset[str]) -> tuple[list[Hit], int]:
        """(hits, number of words) of ``text``."""
        if not text:
            return [], 0
        s = self.make_scan(text, lang, want)
        hits: list[Hit] = []
        if not want:
            return hits, s.words
        for c in self.checks:
            if want.intersection(c.kinds):
                hits += [h for h in c.find(s) if h.kind in want]
        return hits, s.words

    def _excerpt(self, text: str, h: Hit) -> dict[str, Any]:
        c = self.context
        s = max(0, h.start - c)
        e = min(len(text), h.end + c)
        return {"offset": h.start, "text": text[s:e]}


@functools.lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector built from the shipped ``rules/artifacts.yaml`` (built once)."""
    return Detector()
