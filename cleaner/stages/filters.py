"""filters: drop whole documents by language, length or artifact score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cleaner.document import Document
from cleaner.stages.base import Setting, Stage, StageOptions, option


@dataclass(frozen=True)
class FiltersOptions(StageOptions):
    """The filters stage's settings (``filters: {...}`` in a config's ``stages``)."""

    languages: list[Any] = option(Setting(list, [], "keep only these languages (empty: any)"))
    min_chars: int = option(Setting(int, 0, "drop documents with fewer characters of clean text"))
    min_words: int = option(Setting(int, 0, "drop documents with fewer words of clean text"))
    max_artifact_score: float | None = option(
        Setting((float, type(None)), None, "drop documents whose artifact score is above this")
    )
    drop_flagged: bool = option(Setting(bool, False, "drop documents flagged as machine-translated"))


class FiltersStage(Stage[FiltersOptions]):
    name = "filters"
    Options = FiltersOptions

    def process(self, doc: Document) -> None:
        o = self.options
        text = doc.text
        if not text.strip():
            return self._drop(doc, "empty")
        if o.languages and doc.language not in o.languages:
            return self._drop(doc, f"language:{doc.language or 'unknown'}")
        if o.min_chars and len(text) < o.min_chars:
            return self._drop(doc, "too-short")
        if o.min_words and len(text.split()) < o.min_words:
            return self._drop(doc, "too-short")
        score = doc.artifacts.get("score", 0.0)
        if o.max_artifact_score is not None and score > o.max_artifact_score:
            return self._drop(doc, "artifact-score")
        if o.drop_flagged and doc.artifacts.get("flagged"):
            return self._drop(doc, "artifacts-flagged")

    def _drop(self, doc: Document, reason: str) -> None:
        self.counts[reason] += 1
        doc.drop(reason)
