"""language: langdetect on a bounded sample, with a fixed seed (deterministic).

The detection itself runs in :mod:`cleaner.langkernel`, a compiled equivalent
of langdetect's ``Detector.get_probabilities`` that gives the same languages
and bit for bit the same probabilities (langdetect stays the reference: its
profiles are the kernel's, and :meth:`LanguageStage.detect_reference` is the
plain langdetect path the tests and ``benchmarks/bench_language.py`` compare
with)."""

from __future__ import annotations

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
        """The longest kept lines up to ``sample_chars``: article paragraphs, not menus."""
        budget = self.options.sample_chars
        lines = sorted((ln.text for ln in doc.kept_lines()), key=len, reverse=True)
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
