"""Damage a clean text the way machine translation and spinning do, and say where.

:func:`inject` puts marks into a text at ``rate`` per 1,000 words (at least
``min_marks``), each at a place drawn from the places that kind of damage can
take in that text, including the places a detector finds hard: a glue next to
an apostrophe (``andthey’re``), a hyphen (``thiswell-timed``) or a bracket
(``(pricesstart``), two content words (``seriousproblem``), joins that
wordfreq happens to list, camel case (``theWhite``, ``JoeBiden``), a missing
space after a title (``Mr.Smith``), a lowercase sentence start after any full
stop (also after an abbreviation), a space before ``.`` or ``,`` after any
word (``has .``, ``which ,``), a doubled word of any sort.

Its vocabulary comes from wordfreq (a language's most frequent words) and from
the text itself, never from ``rules/artifacts.yaml``: tuning the detector
never changes what it is measured on. A glue is never made where the joined
letters are a common word of the language (``in to`` -> ``into``): that is no
visible damage for a reader or for any detector.

Each mark is ``(kind, variant, start, end, glued, original)`` in the damaged
text; for a glue, ``glued`` is the joined token and ``original`` the two words
a repair should give back.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

# languages that write words apart (a glue of two lowercase words is damage there, not a compound)
SPACED = frozenset({"en", "fr", "es", "it", "pt", "ro", "ca"})
# languages whose texts are damaged for the benchmark: wordfreq has their words, Latin script
DAMAGED_LANGS = frozenset(
    {"en", "fr", "es", "it", "pt", "ro", "ca", "de", "nl", "pl", "sv", "da", "nb", "cs"}
)
TITLES = ("Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Gov", "Gen", "Rep", "St")

# kind -> share of the marks (the glue, the commonest mark of machine translation, most)
KIND_SHARE = {
    "glued-word": 0.30,
    "space-before-punct": 0.15,
    "missing-space-after-punct": 0.12,
    "lowercase-sentence-start": 0.10,
    "capitalized-function-word": 0.10,
    "repeated-word": 0.10,
    "reversed-quotes": 0.08,
    "foreign-fragment": 0.05,
}
GLUE_VARIANTS = ("function", "content", "apostrophe", "hyphen", "bracket", "camel", "name", "possessive")

_W = r"[^\W\d_]"


@dataclass
class Mark:
    kind: str
    variant: str
    start: int
    end: int
    glued: str = ""
    original: str = ""


@functools.lru_cache(maxsize=32)
def _top(lang: str, n: int = 150) -> frozenset[str]:
    import wordfreq

    try:
        return frozenset(wordfreq.top_n_list(lang, n))
    except Exception:
        return frozenset()


@functools.lru_cache(maxsize=200_000)
def _zipf(lang: str, word: str) -> float:
    import wordfreq

    return wordfreq.zipf_frequency(word, lang)


def _sites(text: str, kind: str, variant: str, lang: str) -> list[tuple[int, int, str, str, str]]:
    """Candidate edits (start, end, replacement, glued, original) of ``kind``/``variant`` in ``text``."""
    top = _top(lang)
    out: list[tuple[int, int, str, str, str]] = []
    if kind == "glued-word":
        if variant in ("function", "content"):
            for m in re.finditer(rf"(?<![\w'’\-])({_W}+) ({_W}+)(?![\w'’\-])", text):
                a, b = m.group(1), m.group(2)
                if not (a.islower() and b.islower()) or lang not in SPACED:
                    continue
                joined = a in top or b in top
                if (variant == "function") != joined or (variant == "content" and min(len(a), len(b)) < 4):
                    continue
                if _zipf(lang, a + b) >= 4.0:
                    continue  # a common word: no visible damage
                out.append((m.start(), m.end(), a + b, a + b, f"{a} {b}"))
        elif variant in ("apostrophe", "hyphen", "bracket"):
            pat = {
                "apostrophe": rf"(?<![\w'’\-])({_W}+) ({_W}+)(?=['’](?:s|re|ll|ve|d|t|m)\b)",
                "hyphen": rf"(?<![\w'’\-])({_W}+) ({_W}+)(?=-{_W})",
                "bracket": rf"(?<=[(\[“‘\"])({_W}+) ({_W}+)(?![\w'’\-])",
            }[variant]
            for m in re.finditer(pat, text):
                a, b = m.group(1), m.group(2)
                if a.islower() and b.islower() and lang in SPACED and _zipf(lang, a + b) < 4.0:
                    out.append((m.start(), m.end(), a + b, a + b, f"{a} {b}"))
        elif variant in ("camel", "name"):
            pat = (
                r"(?<=[a-z,;] )([a-z]+) ([A-Z][a-z]+)(?![\w'’\-])"
                if variant == "camel"
                else r"(?<![\w'’\-])([A-Z][a-z]+) ([A-Z][a-z]+)(?![\w'’\-])"
            )
            for m in re.finditer(pat, text):
                a, b = m.group(1), m.group(2)
                if variant == "camel" and not (a.islower() and a in top):
                    continue
                if not b[1:].islower():
                    continue
                out.append((m.start(), m.end(), a + b, a + b, f"{a} {b}"))
        elif variant == "possessive":
            for m in re.finditer(rf"(?<![\w'’\-])({_W}+['’]s) ([a-z]{{3,}})(?![\w'’\-])", text):
                out.append(
                    (
                        m.start(),
                        m.end(),
                        m.group(1) + m.group(2),
                        m.group(1) + m.group(2),
                        f"{m.group(1)} {m.group(2)}",
                    )
                )
    elif kind == "space-before-punct":
        for m in re.finditer(r"(?<=\w)([.,])(?=\s|$)", text):
            out.append((m.start(), m.end(), " " + m.group(1), "", ""))
    elif kind == "missing-space-after-punct":
        for m in re.finditer(rf"(?<={_W}{{2}})([.!?]) (?=[A-Z][a-z])|(?<={_W}{{2}}),( )(?=[a-z]{{2}})", text):
            out.append((m.start(), m.end(), text[m.start()], "", ""))
        for m in re.finditer(rf"\b(?:{'|'.join(TITLES)})\. (?=[A-Z][a-z])", text):
            out.append((m.end() - 2, m.end(), ".", "", ""))
    elif kind == "lowercase-sentence-start":
        for m in re.finditer(r"(?<=[.!?]) ([A-Z])([a-z]+)\b", text):
            w = m.group(1) + m.group(2)
            if _zipf(lang, w.lower()) >= 3.0 and w.lower() != "i":  # a common word, not a name
                out.append((m.start(1), m.start(1) + 1, m.group(1).lower(), "", ""))
    elif kind == "capitalized-function-word":
        for m in re.finditer(r"(?<=[a-z] )([a-z]{2,})(?= [a-z])", text):
            if m.group(1) in top and len(m.group(1)) <= 7:
                out.append((m.start(), m.start() + 1, m.group(1)[0].upper(), "", ""))
    elif kind == "repeated-word":
        for m in re.finditer(r"(?<=[a-z,] )([a-z]{2,})(?= )", text):
            out.append((m.start(), m.end(), f"{m.group(1)} {m.group(1)}", "", ""))
    elif kind == "reversed-quotes":
        for m in re.finditer(r"“([^“”\n]{2,80})”", text):
            out.append((m.start(), m.end(), f"”{m.group(1)}“", "", ""))
        for m in re.finditer(r"(?<=[\s(])\"([^\"\n]{2,80})\"(?=[\s.,;:!?)])", text):
            out.append((m.start(), m.end(), f"”{m.group(1)}“", "", ""))
    return out


def inject(
    text: str,
    lang: str,
    rng: random.Random,
    rate: float = 10.0,
    min_marks: int = 3,
    foreign_lines: list[str] | None = None,
) -> tuple[str, list[Mark]]:
    """``text`` with marks injected, and the marks (offsets in the damaged text)."""
    words = len(text.split())
    want = max(min_marks, round(words * rate / 1000.0))
    kinds = list(KIND_SHARE)
    shares = [KIND_SHARE[k] for k in kinds]
    edits: list[tuple[int, int, str, Mark]] = []
    taken: list[tuple[int, int]] = []
    tries = 0
    while len(edits) < want and tries < want * 12:
        tries += 1
        kind = rng.choices(kinds, shares)[0]
        variant = rng.choice(GLUE_VARIANTS) if kind == "glued-word" else kind
        if kind == "foreign-fragment":
            if not foreign_lines:
                continue
            breaks = [m.end() for m in re.finditer(r"\n", text)]
            if not breaks:
                continue
            at = rng.choice(breaks)
            if any(s - 2 <= at <= e + 2 for s, e in taken):
                continue
            line = rng.choice(foreign_lines)
            edits.append((at, at, line + "\n", Mark(kind, "untranslated", 0, 0)))
            taken.append((at, at))
            continue
        sites = [
            x
            for x in _sites(text, kind, variant, lang)
            if not any(x[0] - 12 < e and s < x[1] + 12 for s, e in taken)
        ]
        if not sites:
            continue
        s, e, rep, glued, orig = rng.choice(sites)
        edits.append((s, e, rep, Mark(kind, variant, 0, 0, glued, orig)))
        taken.append((s, e))
    edits.sort(key=lambda x: x[0])
    parts, marks, pos, shift = [], [], 0, 0
    for s, e, rep, mk in edits:
        parts.append(text[pos:s])
        mk.start = s + shift
        mk.end = s + shift + len(rep)
        if mk.kind == "foreign-fragment":
            mk.end -= 1  # the line, not its newline
        shift += len(rep) - (e - s)
        parts.append(rep)
        pos = e
        marks.append(mk)
    parts.append(text[pos:])
    return "".join(parts), marks
