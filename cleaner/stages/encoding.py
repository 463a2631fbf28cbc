"""encoding: repair mojibake and broken entities with ftfy.

Quotes are not uncurled (their orientation is evidence for the artifacts
stage). ftfy is slow, so a cheap pre-check skips text in which none of ftfy's
fixers can change anything; the output is identical to running ftfy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ftfy
from ftfy import chardata
from ftfy.badness import BADNESS_RE

from cleaner.document import Document, Line
from cleaner.stages.base import Setting, Stage, StageOptions, option

# Quotes stay curled (evidence for the artifacts stage); full-width characters
# stay full-width: "，" and "（" are the right punctuation in Chinese and
# Japanese text, not damage to repair.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)


def _char_class(codepoints: list[int]) -> str:
    return "".join(re.escape(chr(c)) for c in sorted(codepoints))


# characters that some ftfy fixer other than fix_encoding acts on
_TRIGGER_CHARS = re.compile(
    "["
    + _char_class(list(chardata.LIGATURES))
    + _char_class(list(chardata.CONTROL_CHARS))
    + "\x1b\r\u2028\u2029\x80-\x9f\ud800-\udfff"
    + "]"
)
_ENTITY = chardata.HTML_ENTITY_RE  # what unescape_html acts on (it starts with "&")


def _triggers(text: str) -> bool:
    return _TRIGGER_CHARS.search(text) is not None or ("&" in text and _ENTITY.search(text) is not None)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Every alternative of ftfy's badness expression contains a non-ASCII character
# and spans at most 7 characters, so a match lies within this many characters
# of a non-ASCII run (checked in the tests against ftfy's own expression).
_BAD_REACH = 8
# ftfy's expression where ``^`` also matches after a newline: windows joined by
# newlines are searched at once, each as if on its own
_BAD_ML = re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE)


def _single_chars(tree: Any) -> list[list[Any]] | None:
    """The alternatives of a parsed expression as sequences of one-character
    items (anchors dropped, short optional repeats spelled out), or None
    when it has another shape."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_constants as c
    data = tree.data
    alts = data[0][1][1] if len(data) == 1 and data[0][0] is c.BRANCH else [tree]
    one = (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY)
    out: list[list[Any]] = []
    for alt in alts:
        seqs: list[list[Any]] = [[]]
        for op, av in alt.data:
            if op is c.AT:  # an anchor only narrows where a match is: leaving it out over-counts
                continue
            if op in one:
                seqs = [q + [(op, av)] for q in seqs]
            elif (
                op in (c.MAX_REPEAT, c.MIN_REPEAT)
                and len(av[2].data) == 1
                and av[2].data[0][0] in one
                and av[1] <= _BAD_REACH
            ):
                seqs = [q + [av[2].data[0]] * k for q in seqs for k in range(av[0], av[1] + 1)]
            else:
                return None
        out.extend(seqs)
    return out


@lru_cache(maxsize=1)
def _lone_bad() -> re.Pattern[str] | None:
    """The characters around which a badness match can lie, as an expression
    that finds them: a non-ASCII character that can be the only non-ASCII
    character of a match (such as "Â" in "a Â ", or "œ" before a digit), or
    one with another non-ASCII character close enough after it to be in the
    same match. None when ftfy's expression is beyond this analysis (then
    every non-ASCII character counts)."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_compile as _compiler
        import sre_parse as _parser
    tree = _parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    width = tree.getwidth()[1]
    alts = _single_chars(tree)
    if alts is None or width > _BAD_REACH - 1:
        return None
    ascii_chars = "".join(map(chr, range(128)))
    every = "".join(map(chr, range(128, 0x10000)))  # the basic plane; any other character counts
    compiled: dict[str, re.Pattern[str]] = {}

    def item(it: Any) -> re.Pattern[str]:
        key = repr(it)
        if key not in compiled:
            compiled[key] = _compiler.compile(_parser.SubPattern(tree.state, [it]), BADNESS_RE.flags)
        return compiled[key]

    lone: set[str] = set()
    for seq in alts:
        has_ascii = [bool(item(it).search(ascii_chars)) for it in seq]
        if all(has_ascii):  # a match of ASCII characters only: the windows would miss it
            return None
        for k, it in enumerate(seq):
            if all(has_ascii[:k] + has_ascii[k + 1 :]):
                lone.update(item(it).findall(every))
    gap = width - 2  # two characters of one match have at most this many between them
    cls = "".join(re.escape(ch) for ch in sorted(lone))
    return re.compile(f"[{cls}\\U00010000-\\U0010ffff]|[^\\x00-\\x7f](?=[^\\n]{{0,{gap}}}[^\\x00-\\x7f])")


def might_be_bad(text: str) -> bool:
    """``ftfy.badness.is_bad`` on some line of ``text``, or True: ftfy's
    expression on the text around the non-ASCII characters that can be part
    of a match (:func:`_lone_bad`). Much faster on mostly-ASCII text.

    ftfy judges each line (segment up to and including a newline) on its own,
    so a window never crosses a line's edges, and starts where its line starts
    when that is near: ftfy's expression can match at a line's start (``^``)
    what it would not match after a newline. A window may still match ``^``
    mid-line where the line would not, which only sends the text to ftfy,
    whose output decides; so does a match across two windows (they are
    searched joined by newlines, with ``^`` matching at each one's start)."""
    spans: list[tuple[int, int]] = []
    line_start, line_end = 0, -1  # the line of the current run: [line_start, line_end)
    finder = _lone_bad() or _NON_ASCII
    for m in finder.finditer(text):  # runs hold no newline
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
    if not spans:
        return False
    return _BAD_ML.search("\n".join([text[a:b] for a, b in spans])) is not None


def needs_ftfy(text: str) -> bool:
    """False only when ftfy (with our settings) would return ``text`` unchanged."""
    if _triggers(text):
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


@dataclass(frozen=True)
class EncodingOptions(StageOptions):
    """The encoding stage's settings (``encoding: {...}`` in a config's ``stages``)."""

    record_repairs: bool = option(Setting(bool, True, "list each changed line in the record's repairs"))
    max_repairs_listed: int = option(Setting(int, 20, "at most this many repaired lines per document"))


class EncodingStage(Stage[EncodingOptions]):
    name = "encoding"
    Options = EncodingOptions

    def __init__(self, options: dict[str, Any], rules: Any = None) -> None:
        super().__init__(options, rules)

    def load(self) -> None:
        _lone_bad()  # once, when the pipeline is warmed (before workers fork)

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
                if self.options.record_repairs and listed < self.options.max_repairs_listed:
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
