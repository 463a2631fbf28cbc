"""language: langdetect on a bounded sample, with a fixed seed (deterministic).

The detection itself runs in :mod:`cleaner.langkernel`, a compiled equivalent
of langdetect's ``Detector.get_probabilities`` that gives the same languages
and bit for bit the same probabilities (langdetect stays the reference: its
profiles are the kernel's, and :meth:`LanguageStage.detect_reference` is the
plain langdetect path the tests and ``benchmarks/bench_language.py`` compare
with)."""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from typing import Any

from cleaner.document import Document
from cleaner.stages.base import Setting, Stage, StageOptions, option


@dataclass(frozen=True)
class LanguageOptions(StageOptions):
    """The language stage's settings (``language: {...}`` in a config's ``stages``)."""

    sample_chars: int = option(Setting(int, 1500, "characters of the longest lines given to langdetect"))
    min_chars: int = option(Setting(int, 50, "below this many letters, the language stays unknown"))
    seed: int = option(Setting(int, 0, "langdetect's random seed"))
    trials: int = option(
        Setting(
            int,
            3,
            "langdetect's random trials averaged (its default 7 is slower; 3 agreed on "
            "every page of the trafilatura evaluation set)",
        )
    )


# what a line's language is not read from: markdown link and image targets ("](/path "title")"),
# web addresses (langdetect drops http:// ones itself, but not after counting them in a line's length)
_NOT_WORDS = re.compile(r"\]\([^()\s]*(?:\s+\"[^\"]*\")?\)|\b(?:https?://|www\.)\S+")


def words_of(line: str) -> str:
    """The line without its outer white space (a text dump's padding and centring),
    markdown link targets and web addresses."""
    if "](" not in line and "http" not in line and "www." not in line:
        return line.strip()
    return _NOT_WORDS.sub(" ", line).strip()


def longest_words(lines: list[Any], budget: int) -> list[str]:
    """The lines' words (:func:`words_of`), longest first (in their order where equally
    long), as many as it takes to reach ``budget`` characters: the same as sorting every
    line's words, but only the longest lines are read (a line's words are never longer
    than the line, so once a line is shorter than the shortest one needed, no later one
    is needed either)."""
    if budget <= 0:
        return []
    texts = [ln.text for ln in lines]
    lens = list(map(len, texts))
    chosen: list[tuple[int, int, str]] = []  # a min-heap of (length, -index, words): the set needed
    total = 0
    for i in sorted(range(len(texts)), key=lens.__getitem__, reverse=True):
        if total >= budget and lens[i] < chosen[0][0]:
            break
        w = words_of(texts[i])
        heapq.heappush(chosen, (len(w), -i, w))
        total += len(w)
        while total - chosen[0][0] >= budget:  # the shortest is not needed to reach the budget
            total -= heapq.heappop(chosen)[0]
    chosen.sort(key=lambda c: (-c[0], -c[1]))
    return [c[2] for c in chosen]


class LanguageStage(Stage[LanguageOptions]):
    name = "language"
    Options = LanguageOptions

    def __init__(self, options, rules=None):  # type: ignore[no-untyped-def]
        super().__init__(options, rules)
        from langdetect.lang_detect_exception import LangDetectException

        from cleaner import langkernel

        self._kernel = langkernel
        self._no_result = (LangDetectException, IndexError)

    def load(self) -> None:
        from langdetect import DetectorFactory

        DetectorFactory.seed = self.options.seed  # (langdetect's own, for detect_reference)

    def kernel_groups(self) -> list[Any]:
        return [self._kernel.GROUP]  # tables, profile arrays and the compiled kernel

    def sample(self, doc: Document) -> str:
        """The longest kept lines up to ``sample_chars``: article paragraphs, not menus
        (a markdown dump's link lines, long for their targets, and a text dump's padded
        lines are as long as their words)."""
        budget = self.options.sample_chars
        lines = longest_words(doc.kept_lines(), budget)
        out, used = [], 0
        for text in lines:
            if used >= budget:
                break
            out.append(text[: budget - used])
            used += len(out[-1])
        return "\n".join(out)

    def detect(self, text: str) -> tuple[str | None, float | None]:
        opts = self.options
        self.ready()
        if self._kernel.count_alpha(text) < opts.min_chars:
            return None, None
        try:
            best = self._kernel.probabilities(text, opts.seed, max(1, opts.trials), opts.sample_chars)[0]
        except self._no_result:  # no features in the text; no language above langdetect's threshold
            return None, None
        return best.lang, round(best.prob, 4)

    def detect_reference(self, text: str) -> tuple[str | None, float | None]:
        """:meth:`detect` done by langdetect itself (the former path; slow)."""
        from langdetect.lang_detect_exception import LangDetectException

        self.ready()  # (langdetect's seed)
        if sum(ch.isalpha() for ch in text) < self.options.min_chars:
            return None, None
        detector = self._kernel.model().factory.create()
        detector.seed = self.options.seed
        detector.n_trial = max(1, self.options.trials)
        detector.set_max_text_length(self.options.sample_chars)
        detector.append(text)
        try:
            best = detector.get_probabilities()[0]
        except (LangDetectException, IndexError):
            return None, None
        return best.lang, round(best.prob, 4)

    def process(self, doc: Document) -> None:
        doc.language, doc.language_score = self.detect(self.sample(doc))
        self.counts[doc.language or "unknown"] += 1
