"""normalize: Unicode NFC, whitespace inside lines, runs of blank lines."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from cleaner.document import Document
from cleaner.stages.base import Setting, Stage, StageOptions, option

# every Unicode space separator, tab and the zero-width space become one space
_SPACE_SET = "\t\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000"
_SPACES = re.compile(f"[ {_SPACE_SET}]+")
# the same, matching only the runs that change: two or more, or one that is not
# " " (a single space is most of a text's spaces); written to start with a
# character class, which the regular expression engine looks for quickly
_SPACES_TO_FIX = re.compile(f"[ {_SPACE_SET}](?:(?<=[{_SPACE_SET}])[ {_SPACE_SET}]*|[ {_SPACE_SET}]+)")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


@dataclass(frozen=True)
class NormalizeOptions(StageOptions):
    """The normalize stage's settings (``normalize: {...}`` in a config's ``stages``)."""

    form: Literal["NFC", "NFKC", "none"] = option(
        Setting(str, "NFC", "Unicode normal form", choices=("NFC", "NFKC", "none"))
    )
    collapse_spaces: bool = option(Setting(bool, True, "turn runs of spaces and tabs into one space"))
    max_blank_lines: int = option(Setting(int, 1, "longest run of blank lines kept"))
    straighten_quotes: bool = option(Setting(bool, False, "turn curly quotes into straight ones"))


class NormalizeStage(Stage[NormalizeOptions]):
    name = "normalize"
    Options = NormalizeOptions

    def process(self, doc: Document) -> None:
        kept = [ln for ln in doc.lines if ln.rule is None]
        texts = self._normalized([ln.text for ln in kept])
        max_blank = self.options.max_blank_lines
        blank_run = 0
        seen_text = False
        for ln, text in zip(kept, texts, strict=True):
            ln.text = text
            if text:
                blank_run = 0
                seen_text = True
                continue
            blank_run += 1
            if not seen_text or blank_run > max_blank:
                doc.remove(ln, "normalize.blank")

    def _normalized(self, texts: list[str]) -> list[str]:
        """Each text normalised, spaces collapsed and stripped, quotes
        straightened (as set), all lines at once: no character normalises to or
        from a newline, and a newline blocks composition and reordering, so the
        joined text splits back into the same lines, each as if done alone."""
        joined = "\n".join(texts)
        form = self.options.form
        if form != "none" and not joined.isascii() and not unicodedata.is_normalized(form, joined):
            joined = unicodedata.normalize(form, joined)
        if self.options.collapse_spaces:
            joined = _SPACES_TO_FIX.sub(" ", joined)
        if self.options.straighten_quotes:
            joined = joined.translate(_QUOTES)
        out = joined.split("\n")
        if len(out) != len(texts):  # a line holds a newline: one by one
            return [self._one(t) for t in texts]
        if self.options.collapse_spaces:
            out = [t.strip() for t in out]
        return out

    def _one(self, text: str) -> str:
        """One line, on its own (the reference for :meth:`_normalized`)."""
        form = self.options.form
        if form != "none" and not text.isascii() and not unicodedata.is_normalized(form, text):
            text = unicodedata.normalize(form, text)
        if self.options.collapse_spaces:
            text = _SPACES.sub(" ", text).strip()
        if self.options.straighten_quotes:
            text = text.translate(_QUOTES)
        return text
