"""What every artifact check shares: the kinds, a hit, a result, the check protocol, character classes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cleaner.artifacts.scan import Scan

# finding kinds, in the order findings are reported
KINDS = (
    "glued-word",
    "space-before-punct",
    "missing-space-after-punct",
    "reversed-quotes",
    "unbalanced-quotes",
    "quote-spacing",
    "capitalized-function-word",
    "lowercase-sentence-start",
    "repeated-word",
    "foreign-fragment",
    "derived-pair",
)
# kinds that carry a repair, and the switch names used by the stage
REPAIRABLE = ("glued-word", "space-before-punct", "reversed-quotes", "missing-space-after-punct")
DEFAULT_REPAIRS = frozenset({"glued-word", "space-before-punct", "reversed-quotes"})

FILL = "\ue000"  # masks non-prose spans (not a letter, digit, space or quote)
# character classes the checks share (UPPER and LOWER as ranges inside a regex's [...])
UPPER = "A-ZÀ-ÖØ-Þ"
LOWER = "a-zß-öø-ÿ"
SPACES = " \t\u00a0\u202f\u2009"  # spaces inside a line
OPEN_CONTEXT = "([{—–-/\u00ab"  # before an opening quote, like a space
CLOSE_PUNCT = ".,;:!?)]}"  # after a closing quote
PUNCT_AFTER = ',.;:!?"”’)'  # cut from a word's end when a doubled word's copies are compared
LEAD_MARKS = "(“\"‘'[«„<"  # not part of a masked token (a URL in brackets or quotes) at its start
TRAIL_MARKS = ".,;:!?)”\"’']»>"  # ... and at its end
NOT_BEFORE_WORD = set(f"'’-{FILL}")  # a token glued to these is not a word of prose


def is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_" or c == FILL


@dataclass(frozen=True, slots=True)
class Hit:
    """One artifact at ``text[start:end]``.

    ``fix`` replaces that span when the check knows the repair; ``sure`` says
    which tier it belongs to: a sure fix is made everywhere, an unsure one
    (two content words, camel case) only inside a flagged document that other
    marks vouch for (:meth:`cleaner.artifacts.Detector.unsure_repairs`). ``sub``
    names the sort of evidence within the kind ("camel", "content", ...), which
    the evidence weighs apart."""

    kind: str
    start: int
    end: int
    fix: str | None = None
    sure: bool = True
    sub: str = ""
    first: str = ""  # a glue's first part, when the check has split it (with or without a fix)

    @property
    def evidence(self) -> str:
        """The evidence class: ``kind`` or ``kind.sub``."""
        return f"{self.kind}.{self.sub}" if self.sub else self.kind


@dataclass
class Result:
    """What :meth:`Detector.detect` found in one text."""

    score: float
    flagged: bool
    findings: list[dict[str, Any]]
    words: int
    hits: list[Hit] = field(default_factory=list)
    # events of weighed classes other than the unsure glues (which cannot vouch for their own splits)
    other_events: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The ``{"score", "flagged", "findings"}`` mapping stored on a document."""
        return {"score": self.score, "flagged": self.flagged, "findings": self.findings}


class Check(Protocol):
    """One kind of check (or a family of kinds read in one go, as the quote marks).

    ``kinds`` are the finding kinds it reports; ``needs`` the optional parts of
    the shared scan it reads (``scan.NEEDS_*`` bits); ``applies`` whether it has
    anything to say in a language; ``find`` returns its hits with offsets in
    the text (one hit per event)."""

    @property
    def kinds(self) -> tuple[str, ...]: ...

    def needs(self, lang: str | None) -> int: ...

    def find(self, s: Scan) -> list[Hit]: ...


def str_list(items: Any, key: str) -> list[str]:
    """A list of strings from the data file (YAML reads a bare no or on as a boolean: quote it)."""
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise ValueError(f"artifact data: {key}: expected a list of strings")
    out = []
    for x in items:
        if not isinstance(x, str):
            raise ValueError(f"artifact data: {key}: {x!r} is not a string (quote it in YAML)")
        out.append(x)
    return out


def lang_word_sets(d: Mapping[str, Any], key: str) -> dict[str, frozenset[str]]:
    """``{lang: [words]}`` from the data file as ``{lang: frozenset(lowercase words)}``."""
    section = d.get(key) or {}
    if not isinstance(section, Mapping):
        raise ValueError(f"artifact data: {key}: expected a mapping of language to a list of words")
    return {lang: frozenset(w.lower() for w in str_list(v, f"{key}.{lang}")) for lang, v in section.items()}
