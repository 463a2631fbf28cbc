"""normalize: Unicode NFC, whitespace inside lines, runs of blank lines."""

from __future__ import annotations

import re
import unicodedata

from cleaner.document import Document
from cleaner.stages.base import Setting, Stage

# every Unicode space separator, tab and the zero-width space become one space
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


class NormalizeStage(Stage):
    name = "normalize"
    settings = {
        "form": Setting(str, "NFC", "Unicode normal form", choices=("NFC", "NFKC", "none")),
        "collapse_spaces": Setting(bool, True, "turn runs of spaces and tabs into one space"),
        "max_blank_lines": Setting(int, 1, "longest run of blank lines kept"),
        "straighten_quotes": Setting(bool, False, "turn curly quotes into straight ones"),
    }

    def process(self, doc: Document) -> None:
        form = self.options["form"]
        collapse = self.options["collapse_spaces"]
        straighten = self.options["straighten_quotes"]
        max_blank = self.options["max_blank_lines"]
        blank_run = 0
        seen_text = False
        for ln in doc.lines:
            if ln.rule is not None:
                continue
            text = ln.text
            if form != "none" and not text.isascii() and not unicodedata.is_normalized(form, text):
                text = unicodedata.normalize(form, text)
            if collapse:
                text = _SPACES.sub(" ", text).strip()
            if straighten:
                text = text.translate(_QUOTES)
            ln.text = text
            if text:
                blank_run = 0
                seen_text = True
                continue
            blank_run += 1
            if not seen_text or blank_run > max_blank:
                doc.remove(ln, "normalize.blank")
