"""encoding: repair mojibake and broken entities with ftfy.

Quotes are not uncurled (their orientation is evidence for the artifacts
stage). ftfy is slow, so a cheap pre-check skips text in which none of ftfy's
fixers can change anything; the output is identical to running ftfy.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
from ftfy import chardata
from ftfy.badness import is_bad

from cleaner.document import Document, Line
from cleaner.stages.base import Setting, Stage

_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)


def _char_class(codepoints: list[int]) -> str:
    return "".join(re.escape(chr(c)) for c in sorted(codepoints))


# characters that some ftfy fixer other than fix_encoding acts on
_TRIGGERS = re.compile(
    "["
    + _char_class(list(chardata.WIDTH_MAP))
    + _char_class(list(chardata.LIGATURES))
    + _char_class(list(chardata.CONTROL_CHARS))
    + "\x1b\r\u2028\u2029\x80-\x9f\ud800-\udfff"
    + "]|"
    + chardata.HTML_ENTITY_RE.pattern  # what unescape_html acts on
)


def needs_ftfy(text: str) -> bool:
    """False only when ftfy (with our settings) would return ``text`` unchanged."""
    if _TRIGGERS.search(text):
        return True
    if text.isascii():
        return False
    return is_bad(text) or not unicodedata.is_normalized("NFC", text)


def fix_text(text: str) -> str:
    return ftfy.fix_text(text, _FTFY) if needs_ftfy(text) else text


class EncodingStage(Stage):
    name = "encoding"
    settings = {
        "record_repairs": Setting(bool, True, "list each changed line in the record's repairs"),
        "max_repairs_listed": Setting(int, 20, "at most this many repaired lines per document"),
    }

    def process(self, doc: Document) -> None:
        kept = doc.kept_lines()
        text = "\n".join(ln.text for ln in kept)
        if not needs_ftfy(text):
            self.counts["skipped"] += 1
            return
        self.counts["fixed"] += 1
        fixed_lines = ftfy.fix_text(text, _FTFY).split("\n")
        split = len(fixed_lines) != len(kept)
        if split:
            # a line-break fix (\r, U+2028) split a line: fix line by line instead;
            # the pieces of a split line keep the number of the line they came from
            fixed_lines = [ftfy.fix_text(ln.text, _FTFY) for ln in kept]
        listed = 0
        for ln, fixed in zip(kept, fixed_lines, strict=False):
            if fixed != ln.text:
                if self.options["record_repairs"] and listed < self.options["max_repairs_listed"]:
                    doc.repairs.append(
                        {"kind": "encoding", "line": ln.number, "before": ln.text, "after": fixed}
                    )
                    listed += 1
                ln.text = fixed
        if split:
            lines: list[Line] = []
            for ln in doc.lines:
                if ln.rule is None and "\n" in ln.text:
                    lines.extend(Line(ln.number, part) for part in ln.text.split("\n"))
                else:
                    lines.append(ln)
            doc.lines = lines
