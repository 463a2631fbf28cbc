"""boilerplate: strip a site's junk from the text, line by line.

Rule packs run first (exact phrases, patterns, sections, embeds); then the
line classifier (:mod:`cleaner.classify`) judges the lines no rule named, using
each line's features and its neighbours, so that sites nobody wrote a rule for
are cleaned too. Every removed line records the rule or classifier reason.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from cleaner.classify import LineClassifier
from cleaner.document import Document, Line
from cleaner.limits import time_limit
from cleaner.rules import Rule, RuleSet, is_anchored, norm_phrase
from cleaner.stages.base import Setting, Stage


class BoilerplateStage(Stage):
    name = "boilerplate"
    settings = {
        "rules": Setting(bool, True, "apply the rule packs"),
        "classifier": Setting(bool, True, "apply the line classifier to lines no rule removed"),
        "model": Setting(str, "classifier.yaml", "classifier weights and thresholds (in rules/)"),
        "threshold": Setting((float, type(None)), None, "classifier threshold (default: the model's)"),
        "html_threshold": Setting(
            (float, type(None)), None,
            "classifier threshold for text extracted from HTML, which trafilatura already "
            "cleaned (null: no classifier on HTML)",
        ),
        "section_guard": Setting(
            float, 1.0,
            "an until-end section runs to the end only if the article text after its header "
            "is at most this many times the article text before it",
        ),
        "max_pattern_chars": Setting(int, 1000, "lines longer than this skip pattern rules"),
        "trust_language_chars": Setting(
            int, 200, "below this many characters of text, or a language score under 0.8, the detected "
            "language is not trusted and the pattern rules of every language apply"
        ),
        "max_rounds": Setting(int, 8, "classifier passes until no line is removed (fixed point)"),
        "keep_title": Setting(bool, True, "never let the classifier remove the first line (the headline)"),
        "timeout_seconds": Setting(
            (int, float), 10, "time limit per document (stops a runaway user pattern; 0: none)"
        ),
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
        limit = self.options["timeout_seconds"]
        with time_limit(limit, f"boilerplate.timeout_seconds={limit}"):
            self._process(doc)

    def _process(self, doc: Document) -> None:
        visible = doc.metadata.pop("_visible", None)
        if visible is not None and self.classifier is not None:
            self._rescue(doc, visible)
        lines = doc.kept_lines()
        if not lines:
            return
        if self.options["rules"]:
            self.compiled(self._rules_language(doc, lines)).apply(lines, doc, self.counts)
        if self.classifier is not None:
            remaining = [ln for ln in lines if ln.rule is None]
            title = self._title(lines) if self.options["keep_title"] else None
            threshold = self.options["html_threshold"] if doc.format == "html" else None
            if doc.format == "html" and threshold is None:
                return
            # judge until nothing more goes: the result is a fixed point, so
            # cleaning the output again changes nothing (context shifts as
            # lines go, and a second look must agree with the first)
            for _ in range(self.options["max_rounds"]):
                removed = 0
                for ln, reason in self.classifier.judge(remaining, doc.language, threshold):
                    if ln is title:
                        continue
                    doc.remove(ln, reason)
                    self.counts[reason] += 1
                    removed += 1
                if not removed:
                    break
                remaining = [ln for ln in remaining if ln.rule is None]

    def _rules_language(self, doc: Document, lines: list[Line]) -> str | None:
        """The language whose rules apply, or None for all: on short texts
        language detection is a guess, and a guess that flips between two runs
        would make the output depend on it."""
        if doc.language is None or (doc.language_score or 0.0) < 0.8:
            return None
        need = self.options["trust_language_chars"]
        total = 0
        for ln in lines:
            total += len(ln.text)
            if total >= need:
                return doc.language
        return None

    def _rescue(self, doc: Document, visible: list[str]) -> None:
        """Use the classifier's pick from the page's visible lines when the HTML
        extractor found (next to) nothing of it."""
        assert self.classifier is not None
        ratio = doc.metadata.pop("_rescue_ratio", 0.2)
        extracted = sum(len(ln.text) for ln in doc.kept_lines())
        probe = Document(id=doc.id, format="text")
        probe.set_text("\n".join(visible))
        probe.language = doc.language
        if self.options["rules"]:
            self.compiled(doc.language).apply(probe.kept_lines(), probe, self.counts)
        remaining = [ln for ln in probe.lines if ln.rule is None]
        for ln, reason in self.classifier.judge(remaining, doc.language):
            probe.remove(ln, reason)
        picked = sum(len(ln.text) for ln in probe.kept_lines())
        if extracted < ratio * picked:
            doc.lines = probe.lines
            doc.metadata["extraction"] = "visible-lines"
            self.counts["rescued"] += 1

    @staticmethod
    def _title(lines: list[Line]) -> Line | None:
        """The document's first line, when no rule removed it and it reads like a headline."""
        for ln in lines:
            text = ln.text.strip()
            if not text:
                continue
            if ln.rule is not None:
                return None
            n = len(text.split())
            return ln if 2 <= n <= 30 and "://" not in text and any(c.isalpha() for c in text) else None
        return None


class _Compiled:
    """The rules for one language, arranged for one pass over the lines.

    Exact phrases are one dict lookup per short line; prefixes one
    ``str.startswith`` with a tuple; all patterns run as one combined regular
    expression over the document (lines joined by newlines), so the per-line
    Python work stays small. A user pattern that cannot join the combined
    expression (back-references) runs line by line instead.
    """

    def __init__(self, rules: list[Rule], stage: BoilerplateStage) -> None:
        self.stage = stage
        self.phrase: dict[str, Rule] = {}
        self.prefix: list[tuple[str, Rule]] = []
        self.max_phrase_chars = 0
        patterned: list[Rule] = []
        self.embeds = [r for r in rules if r.kind == "embed"]
        for r in rules:
            for p in r.phrases:
                if r.kind != "embed":
                    self.phrase.setdefault(p, r)
                    self.max_phrase_chars = max(self.max_phrase_chars, len(p) + 8)
                if r.prefix:
                    self.prefix.append((p, r))
            if r.compiled is not None:
                patterned.append(r)
        self.prefix_tuple = tuple(p for p, _ in self.prefix)
        self.prefix_chars = max(map(len, self.prefix_tuple), default=0)
        self.max_pattern_chars = stage.options["max_pattern_chars"]
        # anchored patterns are tried at the start of each line only; the others
        # scan the whole document once
        self.by_group: dict[str, Rule] = {}
        self.slow: list[Rule] = []
        anchored, floating = [], []
        for k, r in enumerate(patterned):
            pat = r.pattern or ""
            if re.search(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]+\)", pat):
                self.slow.append(r)  # back-references or global flags: line by line
                continue
            name = f"_r{k}"
            self.by_group[name] = r
            flag = "-i" if r.case_sensitive else "i"
            (anchored if is_anchored(pat) else floating).append(f"(?P<{name}>(?{flag}:{pat}))")
        self.anchored = self.floating = None
        try:
            if anchored:
                self.anchored = re.compile("|".join(anchored))
            if floating:
                self.floating = re.compile("|".join(floating), re.MULTILINE)
        except (re.error, RecursionError, OverflowError):
            self.anchored = self.floating = None
            self.slow = patterned
            self.by_group = {}

    # ----------------------------------------------------------- matching
    def _phrase_hit(self, text: str) -> Rule | None:
        if len(text) <= self.max_phrase_chars:
            r = self.phrase.get(norm_phrase(text))
            if r is not None and (r.max_words is None or len(text.split()) <= r.max_words):
                return r
        if self.prefix_tuple:
            # casefold never shortens a character, so the first prefix_chars
            # characters casefolded start like the whole line casefolded
            low = text[: self.prefix_chars].casefold()
            if low.startswith(self.prefix_tuple):
                for p, r in self.prefix:
                    if low.startswith(p) and r.matches(text):
                        return r
        return None

    def _group_rule(self, m: re.Match[str], text: str) -> Rule | None:
        r = self.by_group.get(m.lastgroup or "")
        if r is None or (r.max_words is not None and len(text.split()) > r.max_words):
            return self._line_pattern(text, list(self.by_group.values()))
        return r

    def _pattern_hits(self, texts: list[str]) -> dict[int, Rule]:
        """Line index -> the pattern rule that matches it."""
        hits: dict[int, Rule] = {}
        limit = self.max_pattern_chars
        if self.floating is not None:
            joined = "\n".join(t if len(t) <= limit else "" for t in texts)
            starts = [0]
            for t in texts[:-1]:
                starts.append(starts[-1] + (len(t) if len(t) <= limit else 0) + 1)
            for m in self.floating.finditer(joined):
                i = bisect.bisect_right(starts, m.start()) - 1
                if i not in hits:
                    r = self._group_rule(m, texts[i]) if "\n" not in m.group() else None
                    if r is None and "\n" in m.group():
                        r = self._line_pattern(texts[i], list(self.by_group.values()))
                    if r is not None:
                        hits[i] = r
        if self.anchored is not None:
            match = self.anchored.match
            for i, t in enumerate(texts):
                if t and i not in hits and len(t) <= limit:
                    m = match(t)
                    if m is not None:
                        r = self._group_rule(m, t)
                        if r is not None:
                            hits[i] = r
        if self.slow:
            for i, t in enumerate(texts):
                if i not in hits and t and len(t) <= limit:
                    r = self._line_pattern(t, self.slow)
                    if r is not None:
                        hits[i] = r
        return hits

    @staticmethod
    def _line_pattern(text: str, rules: list[Rule]) -> Rule | None:
        for r in rules:
            if r.compiled is not None and r.matches(text):
                return r
        return None

    def match(self, text: str) -> Rule | None:
        """The rule that removes a single line, if any (phrases, then patterns)."""
        stripped = text.strip()
        if not stripped:
            return None
        r = self._phrase_hit(stripped)
        if r is not None or len(stripped) > self.max_pattern_chars:
            return r
        return self._line_pattern(stripped, list(self.by_group.values()) + self.slow)

    def hits(self, lines: list[Line]) -> list[Rule | None]:
        texts = [ln.text.strip() if ln.rule is None else "" for ln in lines]
        out: list[Rule | None] = [None] * len(lines)
        for i, r in self._pattern_hits(texts).items():
            out[i] = r
        for i, t in enumerate(texts):
            if t:
                r = self._phrase_hit(t)
                if r is not None:
                    out[i] = r
        return out

    # ------------------------------------------------------------- apply
    def apply(self, lines: list[Line], doc: Document, counts: Any) -> None:
        hits = self.hits(lines)
        n = len(lines)
        # embeds: an anchor line and the embed lines just above it
        for i, r in enumerate(hits):
            if r is None or r.kind != "embed" or lines[i].rule is not None:
                continue
            doc.remove(lines[i], r.id)
            counts[r.id] += 1
            j, taken = i - 1, 0
            while j >= 0 and taken < r.before_max:
                prev = lines[j]
                if not prev.text.strip():
                    j -= 1
                    continue
                if r.compiled_before is None or not r.compiled_before.search(prev.text.strip()):
                    break
                doc.remove(prev, r.id)
                counts[r.id] += 1
                taken += 1
                j -= 1
        self._para: list[bool] | None = None
        i = 0
        while i < n:
            ln = lines[i]
            r = hits[i]
            if ln.rule is not None or r is None or r.kind == "embed":
                i += 1
                continue
            doc.remove(ln, r.id)
            counts[r.id] += 1
            if r.kind != "section":
                i += 1
                continue
            i = self._section(lines, i, r, doc, counts)

    def _section(self, lines: list[Line], start: int, r: Rule, doc: Document, counts: Any) -> int:
        """Remove the body of a section whose header is lines[start]; return the next index."""
        n = len(lines)
        until = r.until
        if until == "end":
            # a page-end block follows the article: if more article-like text
            # follows the header than precedes it, it is a menu entry near the
            # top ("Tags", "Comments"), and only the junk right after it goes
            if self._para is None:
                self._para = [self._is_content(ln.text) for ln in lines]
            para = self._para
            before = sum(len(ln.text) for k, ln in enumerate(lines[:start]) if ln.rule is None and para[k])
            after = sum(
                len(ln.text) for k, ln in enumerate(lines[start + 1 :], start + 1) if ln.rule is None and para[k]
            )
            if after > self.stage.options["section_guard"] * before:
                until = "next-content"
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
