"""Glued words: two words that lost the space between them.

Three shapes: lowercase joins (``communicationbetween``, also next to an
apostrophe, a hyphen or a bracket: ``andthey’re``, ``thiswell-timed``,
``(pricesstart``), camel-case joins (``BidenFirst``, ``theWhite``) and
possessive joins (``Russia'sforeign``). Whether a token is a glue is decided by
wordfreq's lists and by the document itself: a token the document uses twice
(in any case: ``SolarWinds`` beside ``solarwinds``) or in its headline is a
term or a name, never a glue; the YAML allow-list holds a user's own names.

Repairs come in two tiers: a split with a function word that the frequency
list resolves one way only is sure (made everywhere); two content words
(``seriousproblem``) and camel case are unsure (made only inside a flagged
document that marks of other kinds vouch for). A join on a compound head
(``supercrisp``, ``overscroll``: a first part that begins many listed words)
is weighed apart (``glued-word.compound``) and never split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from cleaner.artifacts.base import (
    FILL,
    LOWER,
    NOT_BEFORE_WORD,
    UPPER,
    Hit,
    is_word_char,
    str_list,
)
from cleaner.artifacts.glueparts import GlueWords
from cleaner.artifacts.scan import NEED_CAMEL, NEED_RUNS, Scan
from cleaner.artifacts.textpass import L_CAMEL, L_POSS
from cleaner.artifacts.words import freq_dict, norm_name, zipf

# contractions after which a lowercase join may stand: andthey’re, itwasn't
_CONTRACTION = re.compile(r"['’](?:s|re|ll|ve|d|t|m)\b")
# a lowercase run right after an opening bracket or quote (not a slash: /usr, /blockdata),
# or (matched at a line's start) a line's first word
_OPENER_RUN = re.compile(rf"[(\[“‘\"«—]([{LOWER}]+)\b")
_FIRST_RUN = re.compile(rf"([{LOWER}]+)\b")


class GluedCheck:
    kinds = ("glued-word",)

    def __init__(self, d: Mapping[str, Any], allow: Iterable[str] = ()) -> None:
        g = d.get("glued") or {}
        self.langs = frozenset(str_list(g.get("languages") or ["en"], "glued.languages"))
        self.lower_langs = frozenset(
            str_list(g.get("lowercase_languages") or ["en"], "glued.lowercase_languages")
        )
        self.words = GlueWords(d, allow)
        self.ambiguity = float(g.get("ambiguity_margin", 1.0))
        self.camel_part = float(g.get("camel_min_part_zipf", 2.5))
        self.name_zipf = float(g.get("name_part_zipf", 3.0))
        self.pattern_tokens = int(g.get("pattern_tokens", 3))
        self.prefixes = frozenset(str_list(g.get("camel_prefixes") or [], "glued.camel_prefixes"))
        self.camel_re = re.compile(rf"([{UPPER}][{LOWER}]+)([{UPPER}][{LOWER}]+)")
        self.lower_camel_re = re.compile(rf"(?<![\w{FILL}'’\-])([{LOWER}]{{1,7}})([{UPPER}][{LOWER}]+)")
        self.poss_re = re.compile(rf"['’]s(?=[{LOWER}]{{3}})")
        self.letters_lo = re.compile(rf"[{LOWER}]*")

    def needs(self, lang: str | None) -> int:
        if lang not in self.langs:
            return 0
        return NEED_CAMEL | (NEED_RUNS if lang in self.lower_langs else 0)

    # ----------------------------------------------------------------- find
    def find(self, s: Scan) -> list[Hit]:
        lang = s.lang
        if lang not in self.langs or not freq_dict(lang):
            return []
        hits = self._camel(s, lang) + self._possessive(s, lang)
        if lang in self.lower_langs:
            hits += self._lowercase(s, lang)
        hits = self._drop_patterns(s, hits)
        hits.sort(key=lambda h: h.start)
        return hits

    def _drop_patterns(self, s: Scan, hits: list[Hit]) -> list[Hit]:
        """The hits less those whose first part starts ``pattern_tokens`` or more different
        tokens of the document: a naming pattern (CreditKevin, CreditEllen...; onclose,
        onerror, onopen), not words that lost their space."""
        if len(hits) < self.pattern_tokens:
            return hits
        firsts: dict[str, set[str]] = {}
        for h in hits:
            a = _first_part(h)
            if a and not h.sure:
                firsts.setdefault(a, set()).add(s.masked[h.start : h.end])
        many = {a for a, toks in firsts.items() if len(toks) >= self.pattern_tokens}
        if not many:
            return hits
        return [h for h in hits if h.sure or _first_part(h) not in many]

    def _camel(self, s: Scan, lang: str) -> list[Hit]:
        """BidenFirst (a capitalised word glued to the next) and theWhite (a function word to a name)."""
        masked = s.masked
        n = len(masked)
        join = self.words.join_words(lang)
        headline_end = s.headline_end()
        hits: list[Hit] = []
        for _, ls, le in s.lines(L_CAMEL):
            for m in self.camel_re.finditer(masked, ls, le):
                s0, e0 = m.start(), m.end()
                before = masked[s0 - 1] if s0 else " "
                after = masked[e0] if e0 < n else " "
                if (
                    is_word_char(before)
                    or before in NOT_BEFORE_WORD
                    or is_word_char(after)
                    or after in "-" + FILL
                ):
                    continue
                a, b = m.group(1), m.group(2)
                tok = a + b
                if a in self.prefixes or norm_name(tok) in self.words.allow:
                    continue
                if before in "(“\"'‘[" and after in ")”\"'’]":
                    continue  # a name being introduced: (ClaimTask), "WebFinger"
                za, zb = zipf(lang, a.lower()), zipf(lang, b.lower())
                zt = zipf(lang, tok.lower())
                if s.seen_elsewhere(tok, s0) or s0 < headline_end:
                    continue  # a name of the document (in its headline, or used again)
                if a.lower() in join or b.lower() in join:
                    if za < self.camel_part or zb < self.camel_part:
                        continue
                    sub = "camel"
                elif (min(za, zb) >= self.name_zipf) or self._alone(s, a, b, s0, e0):
                    sub = "name"  # JohnHinckley beside Hinckley, ChampionsLeague
                else:
                    continue
                if zt and zt > za + zb - 9.0 - self.words.known_margin:
                    continue  # a name wordfreq knows (SolarWinds, YouTube)
                hits.append(Hit("glued-word", s0, e0, f"{a} {b}", sure=False, sub=sub))
            for m in self.lower_camel_re.finditer(masked, ls, le):
                a, b = m.group(1), m.group(2)
                s0, e0 = m.start(), m.end()
                if a not in join or (e0 < n and (is_word_char(masked[e0]) or masked[e0] in "-" + FILL)):
                    continue
                if (
                    s.seen_elsewhere(a + b, s0)
                    or zipf(lang, (a + b).lower()) >= self.camel_part
                    or (zipf(lang, b.lower()) < self.camel_part and not self._alone(s, "", b, s0, e0))
                ):
                    continue  # (iPhone, eBay: a first part that is no join word)
                hits.append(Hit("glued-word", s0, e0, f"{a} {b}", sure=False, sub="camel"))
        return hits

    @staticmethod
    def _alone(s: Scan, a: str, b: str, s0: int, e0: int) -> bool:
        """Whether the document writes ``b`` (or ``a``) as a word of its own outside ``s0:e0``."""
        masked = s.masked
        for part in (a, b):
            if not part:
                continue
            i = masked.find(part)
            while i >= 0:
                j = i + len(part)
                if (
                    not (s0 <= i < e0)
                    and (i == 0 or not masked[i - 1].isalnum())
                    and (j >= len(masked) or not masked[j].isalnum())
                ):
                    return True
                i = masked.find(part, i + 1)
        return False

    def _possessive(self, s: Scan, lang: str) -> list[Hit]:
        """Russia'sforeign."""
        masked = s.masked
        n = len(masked)
        hits = []
        for _, ls, le in s.lines(L_POSS):
            for m in self.poss_re.finditer(masked, ls, le):
                i = m.start()
                s0 = i
                while s0 > 0 and masked[s0 - 1].isalpha():
                    s0 -= 1
                if i - s0 < 2 or (s0 and (is_word_char(masked[s0 - 1]) or masked[s0 - 1] in NOT_BEFORE_WORD)):
                    continue
                letters = self.letters_lo.match(masked, i + 2)
                tail = letters.group() if letters else ""
                e0 = i + 2 + len(tail)
                if e0 < n and (is_word_char(masked[e0]) or masked[e0] in NOT_BEFORE_WORD):
                    continue
                if zipf(lang, tail) < self.words.min_part or zipf(lang, "s" + tail) >= self.words.min_part:
                    continue
                if s.seen_elsewhere(masked[s0:e0], s0):
                    continue
                hits.append(Hit("glued-word", s0, e0, s.text[s0 : i + 2] + " " + tail, sub="possessive"))
        return hits

    def _candidates(self, s: Scan, lang: str) -> dict[int, str]:
        """Lowercase runs that are not common words: after a space (the space pass), after an
        opening bracket or quote or at a line start (a regex; few places)."""
        masked = s.masked
        out = {a: masked[a:b] for a, b in zip(*s.runs, strict=True)}
        common = self.words.common_words(lang)
        found = list(_OPENER_RUN.finditer(masked)) if any(c in masked for c in '([“‘"«—') else []
        found += filter(None, (_FIRST_RUN.match(masked, i) for i in s.starts.tolist()))
        for m in found:
            w = m.group(1)
            if len(w) >= self.words.min_len and w not in common:
                out.setdefault(m.start(1), w)
        return out

    def _lowercase(self, s: Scan, lang: str) -> list[Hit]:
        """communicationbetween, andthey’re, thiswell-timed, (pricesstart."""
        masked = s.masked
        n = len(masked)
        hits = []
        for s0, w in self._candidates(s, lang).items():
            e0 = s0 + len(w)
            tail = ""
            if e0 < n:
                c = masked[e0]
                if c in "'’":
                    m = _CONTRACTION.match(masked, e0)
                    if not m:
                        continue
                    tail = m.group()[1:]
                elif c == "-":
                    if not (e0 + 1 < n and masked[e0 + 1].isalpha()):
                        continue
                    tail = "-"
                elif (
                    c in NOT_BEFORE_WORD or c == "@" or (c == "." and e0 + 1 < n and masked[e0 + 1].isalnum())
                ):
                    continue
            splits = self.words.split(lang, w, tail)
            if not splits:
                continue
            if s0 and masked[s0 - 1] in "-'’":
                continue  # the second half of a hyphenated or elided word (well-thisisgood, l'aujourd)
            if s.seen_elsewhere(w, s0):
                continue  # a term of the document (or a name it writes capitalised elsewhere)
            best = splits[0]
            _, a, b, sub, sure = best
            fix = None
            if sub != "compound" and (len(splits) == 1 or best[0] - splits[1][0] >= self.ambiguity):
                fix = f"{a} {b}"  # (a compound: weighed apart, never split)
            hits.append(Hit("glued-word", s0, e0, fix, sure=sure, sub=sub, first=a))
        return hits


def _first_part(h: Hit) -> str:
    """The first part of a glue's split (also of a compound, which has no fix), or ""."""
    if h.first:
        return h.first
    return h.fix.split(" ", 1)[0] if h.fix and " " in h.fix else ""
