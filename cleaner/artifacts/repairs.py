"""The one place repairs are made, for the detector (a text) and the stage (a document's lines).

Two tiers: a hit whose fix is ``sure`` (space before ``.``/``,``, a swapped
quote pair, a glue the frequency list resolves with a function word) is
repaired wherever its kind is switched on; an unsure one (two content words,
camel case) only inside a flagged document that other marks vouch for
(:meth:`cleaner.artifacts.Detector.unsure_repairs`). The text is scanned again after
each round until no repair is left (at most ``max_rounds``), so that a second
run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cleaner.artifacts.base import Hit


@dataclass(frozen=True, slots=True)
class Repair:
    """One repair: ``before`` at ``offset`` of the text as it was in its round became ``after``."""

    kind: str
    before: str
    after: str
    offset: int
    line: int  # the index of the line (0-based) it is on


def chosen(hits: Iterable[Hit], kinds: frozenset[str], flagged: bool) -> list[Hit]:
    """The hits to repair, in text order."""
    return sorted(
        (h for h in hits if h.fix is not None and h.kind in kinds and (h.sure or flagged)),
        key=lambda h: (h.start, h.end),
    )


def apply(text: str, fixes: list[Hit]) -> tuple[str, list[Repair]]:
    """``text`` with ``fixes`` made (a fix that overlaps an earlier one waits for the next round;
    none crosses a line end), and what was made."""
    parts: list[str] = []
    made: list[Repair] = []
    pos = 0
    line = 0
    for h in fixes:
        before = text[h.start : h.end]
        if h.start < pos or "\n" in before or "\n" in (h.fix or ""):
            continue
        parts.append(text[pos : h.start])
        line += text.count("\n", pos, h.start)
        parts.append(h.fix)  # type: ignore[arg-type]
        pos = h.end
        made.append(Repair(h.kind, before, h.fix, h.start, line))  # type: ignore[arg-type]
    parts.append(text[pos:])
    return "".join(parts), made


def rounds(
    text: str,
    hits: list[Hit],
    rescan: Callable[[str], list[Hit]],
    kinds: frozenset[str],
    flagged: bool,
    max_rounds: int = 4,
) -> tuple[str, list[Repair]]:
    """Repair ``text`` (whose hits are ``hits``) round by round, scanning again with ``rescan``."""
    out: list[Repair] = []
    for r in range(max_rounds):
        if r:
            hits = rescan(text)
        fixes = chosen(hits, kinds, flagged)
        if not fixes:
            break
        new, made = apply(text, fixes)
        out += made
        if new == text:
            break
        text = new
    return text, out
