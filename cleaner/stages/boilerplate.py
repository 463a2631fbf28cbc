"""boilerplate: strip a site's junk from the text, line by line.

Rule packs run first (exact phrases, patterns, sections, embeds); then the
line classifier (:mod:`cleaner.classify`) judges the lines no rule named, using
each line's features and its neighbours, so that sites nobody wrote a rule for
are cleaned too. Every removed line records the rule or classifier reason.
"""

from __future__ import annotations

from typing import Any

from cleaner.classify import LineClassifier
from cleaner.document import Document, Line
from cleaner.rules import Rule, RuleSet, norm_phrase
from cleaner.stages.base import Setting, Stage


class BoilerplateStage(Stage):
    name = "boilerplate"
    settings = {
        "rules": Setting(bool, True, "apply the rule packs"),
        "classifier": Setting(bool, True, "apply the line classifier to lines no rule removed"),
        "model": Setting(str, "classifier.yaml", "classifier weights and thresholds (in rules/)"),
        "threshold": Setting((float, type(None)), None, "classifier threshold (default: the model's)"),
        "section_guard": Setting(
            float, 0.4,
            "an until-end section stops early if it would remove more than this share of the text",
        ),
        "max_pattern_chars": Setting(int, 1000, "lines longer than this skip pattern rules"),
    }

    def __init__(self, options: dict[str, Any], rules: RuleSet | None = None) -> None:
        super().__init__(options, rules)
        self.ruleset = rules or RuleSet([])
        self._by_lang: dict[str | None, _Compiled] = {}
        self.classifier = (
            LineClassifier.load(self.options["model"], self.options["threshold"])
            if self.options["classifier"]
            else None
        )

    def compiled(self, lang: str | None) -> _Compiled:
        c = self._by_lang.get(lang)
        if c is None:
            c = self._by_lang[lang] = _Compiled(self.ruleset.for_language(lang), self)
        return c

    def process(self, doc: Document) -> None:
        lines = doc.kept_lines()
        if not lines:
            return
        if self.options["rules"]:
            self.compiled(doc.language).apply(lines, doc, self.counts)
        if self.classifier is not None:
            remaining = [ln for ln in lines if ln.rule is None]
            for ln, reason in self.classifier.judge(remaining, doc.language):
                doc.remove(ln, reason)
                self.counts[reason] += 1


class _Compiled:
    """The rules for one language, arranged for one pass over the lines."""

    def __init__(self, rules: list[Rule], stage: BoilerplateStage) -> None:
        self.stage = stage
        self.phrase: dict[str, Rule] = {}
        self.prefix: list[Rule] = []
        self.patterned: list[Rule] = []
        self.embeds = [r for r in rules if r.kind == "embed"]
        for r in rules:
            if r.kind == "embed":
                continue
            for p in r.phrases:
                self.phrase.setdefault(p, r)
            if r.prefix:
                self.prefix.append(r)
            if r.compiled is not None:
                self.patterned.append(r)
        self.max_pattern_chars = stage.options["max_pattern_chars"]

    def match(self, text: str) -> Rule | None:
        stripped = text.strip()
        if not stripped:
            return None
        n = norm_phrase(stripped) if len(stripped) < 200 else ""
        rule = self.phrase.get(n) if n else None
        if rule is not None and (rule.max_words is None or len(stripped.split()) <= rule.max_words):
            return rule
        for r in self.prefix:
            if r.matches(stripped):
                return r
        if len(stripped) <= self.max_pattern_chars:
            for r in self.patterned:
                if r.matches(stripped):
                    return r
        return None

    def apply(self, lines: list[Line], doc: Document, counts: Any) -> None:
        n = len(lines)
        # embeds: an anchor line and the embed lines just above it
        for r in self.embeds:
            for i, ln in enumerate(lines):
                if ln.rule is None and len(ln.text) <= self.max_pattern_chars and r.matches(ln.text):
                    doc.remove(ln, r.id)
                    counts[r.id] += 1
                    j, taken = i - 1, 0
                    while j >= 0 and taken < r.before_max:
                        prev = lines[j]
                        if not prev.text.strip():
                            j -= 1
                            continue
                        try:
                            hit = r.compiled_before is not None and r.compiled_before.search(
                                prev.text, timeout=0.05
                            )
                        except TimeoutError:
                            hit = False
                        if not hit:
                            break
                        doc.remove(prev, r.id)
                        counts[r.id] += 1
                        taken += 1
                        j -= 1
        total_chars = sum(len(ln.text) for ln in lines) or 1
        i = 0
        while i < n:
            ln = lines[i]
            if ln.rule is not None:
                i += 1
                continue
            r = self.match(ln.text)
            if r is None:
                i += 1
                continue
            doc.remove(ln, r.id)
            counts[r.id] += 1
            if r.kind != "section":
                i += 1
                continue
            i = self._section(lines, i, r, doc, counts, total_chars)

    def _section(self, lines: list[Line], start: int, r: Rule, doc: Document, counts: Any,
                 total_chars: int) -> int:
        """Remove the body of a section whose header is lines[start]; return the next index."""
        n = len(lines)
        until = r.until
        if until == "end":
            rest = sum(len(ln.text) for ln in lines[start + 1 :] if ln.rule is None)
            if rest > self.stage.options["section_guard"] * total_chars:
                until = "next-content"  # too much text follows: not a page-end block
        j = start + 1
        taken = 0
        while j < n:
            ln = lines[j]
            if not ln.text.strip() or ln.rule is not None:
                j += 1
                continue
            if until == "lines" and taken >= r.lines:
                break
            if until == "next-content" and self._is_content(ln.text):
                break
            doc.remove(ln, r.id)
            counts[r.id] += 1
            taken += 1
            j += 1
        return j

    def _is_content(self, text: str) -> bool:
        clf = self.stage.classifier
        if clf is not None:
            return clf.is_paragraph(text)
        words = text.split()
        return len(words) >= 12 and text.rstrip()[-1:] in ".!?\"”'»"
