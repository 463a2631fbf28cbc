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

# Quotes stay curled (evidence for the artifacts stage); full-width characters
# stay full-width: "，" and "（" are the right punctuation in Chinese and
# Japanese text, not damage to repair.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)


def _char_class(codepoints: list[int]) -> str:
    return "".join(re.escape(chr(c)) for c in sorted(codepoints))


# characters that some ftfy fixer other than fix_encoding acts on
_TRIGGERS = re.compile(
    "["
    + _char_class(list(chardata.LIGATURES))
    + _char_class(list(chardata.CONTROL_CHARS))
    + "\x1b\r\u2028\u2029\x80-\x9f\ud800-\udfff"
    + "]|"
    + chardata.HTML_ENTITY_RE.pattern  # what unescape_html acts on
)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Every alternative of ftfy's badness expression contains a non-ASCII character
# and spans at most 7 characters, so a match lies within this many characters
# of a non-ASCII run (checked in the tests against ftfy's own expression).
_BAD_REACH = 8


def might_be_bad(text: str) -> bool:
    """``ftfy.badness.is_bad`` on some line of ``text``, or True: is_bad on the
    text around its non-ASCII runs only. Much faster on mostly-ASCII text.

    ftfy judges each line (segment up to and including a newline) on its own,
    so a window never crosses a line's edges, and starts where its line starts
    when that is near: ftfy's expression can match at a line's start (``^``)
    what it would not match after a newline. A window may still match ``^``
    mid-line where the line would not, which only sends the text to ftfy,
    whose output decides."""
    spans: list[tuple[int, int]] = []
    line_start, line_end = 0, -1  # the line of the current run: [line_start, line_end)
    for m in _NON_ASCII.finditer(text):  # runs hold no newline (it is ASCII)
        start, end = m.span()
        if start >= line_end:  # a run on a new line: each line is looked up once
            line_start = text.rfind("\n", 0, start) + 1
            nl = text.find("\n", end)
            line_end = len(text) if nl < 0 else nl + 1
        a, b = max(line_start, start - _BAD_REACH), min(line_end, end + _BAD_REACH)
        if spans and a <= spans[-1][1] and spans[-1][0] >= line_start:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return any(is_bad(text[a:b]) for a, b in spans)


def needs_ftfy(text: str) -> bool:
    """False only when ftfy (with our settings) would return ``text`` unchanged."""
    if _TRIGGERS.search(text):
        return True
    if text.isascii():
        return False
    return not unicodedata.is_normalized("NFC", text) or might_be_bad(text)


def fix_text(text: str) -> str:
    """``ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False)``, running ftfy only on the lines that need it.

    ftfy fixes a text line by line (segments that end at a newline, cut at
    ``max_decode_length``), carrying one piece of state: once a segment holds a
    ``<``, HTML entities are left alone from there on. This walks the same
    segments with the same state, and hands a segment to ftfy only when the
    pre-check says ftfy could change it: the result is the same text.
    """
    return _fix_segments(text) if needs_ftfy(text) else text


def _fix_segments(text: str) -> str:
    """fix_text's walk over the segments, for a text already known to need ftfy."""
    config = _FTFY
    out: list[str] = []
    pos = 0
    while pos < len(text):
        textbreak = text.find("\n", pos) + 1
        if textbreak == 0:
            textbreak = len(text)
        if (textbreak - pos) > config.max_decode_length:
            textbreak = pos + config.max_decode_length
        segment = text[pos:textbreak]
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        out.append(ftfy.fix_and_explain(segment, config)[0] if needs_ftfy(segment) else segment)
        pos = textbreak
    return "".join(out)


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
        fixed_lines = _fix_segments(text).split("\n")
        split = len(fixed_lines) != len(kept)
        if split:
            # a line-break fix (\r, U+2028) split a line: fix line by line instead;
            # the pieces of a split line keep the number of the line they came from
            fixed_lines = [fix_text(ln.text) for ln in kept]
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
