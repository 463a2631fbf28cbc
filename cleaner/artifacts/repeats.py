"""Doubled words (``the the``). Normal doubles come from data: the YAML lists the ones a
language writes on purpose (``that that``, ``nous nous``); a language that reduplicates
(Indonesian ``biasa biasa``) is not checked; a doubled word rarer than the language's
common words (a name: ``Baden Baden``, ``mahi mahi``) or a double the document writes
twice (a refrain: ``bye bye``) is not a slip."""

from __future__ import annotations

import itertools
import operator
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from cleaner.artifacts.base import FILL, PUNCT_AFTER, SPACES, Hit, is_word_char, lang_word_sets, str_list
from cleaner.artifacts.scan import NEED_REPEAT, Scan
from cleaner.artifacts.textpass import L_REPEAT
from cleaner.artifacts.words import freq_dict, zipf


class RepeatedWordCheck:
    kinds = ("repeated-word",)

    def __init__(self, d: Mapping[str, Any]) -> None:
        rep = lang_word_sets(d, "repeated_ok")
        self.rep_all = rep.pop("all", frozenset())
        self.rep = rep
        self.function_words = {
            k: v | lang_word_sets(d, "articles").get(k, frozenset())
            for k, v in lang_word_sets(d, "function_words").items()
        }
        r = d.get("repeated") or {}
        self.reduplicating = frozenset(
            str_list(r.get("reduplicating_languages") or [], "repeated.reduplicating_languages")
        )
        self.name_zipf = float(r.get("name_zipf", 0.0))  # a doubled word rarer than this is a name
        self.repeat_re = re.compile(rf"([^\W\d_]+)[{SPACES}]+(\1)(?![\w{FILL}'’\-])", re.I)

    def needs(self, lang: str | None) -> int:
        return 0 if lang in self.reduplicating else NEED_REPEAT

    def find(self, t: Scan) -> list[Hit]:
        """Only where a token is followed by itself (lowercase, trailing
        punctuation aside) anywhere in the text: the regex runs where the text
        pass found a hit may be (a match holds only letters and spaces of SPACES,
        so matches in different stretches of those do not touch; the character
        after the last stretch is read too, for the lookahead), and that token
        test is made only when there are hits to return."""
        lang = t.lang
        if lang in self.reduplicating:
            return []
        masked = t.masked
        ok = self.rep.get(lang or "", frozenset())
        hits: list[Hit] = []
        lo, hi = t.rep
        n = len(masked)
        for i, _, _ in t.lines(L_REPEAT):
            hits += self._in(masked, int(lo[i]), min(int(hi[i]) + 1, n), ok, lang)
        if hits:
            punct = itertools.repeat(PUNCT_AFTER)
            if not any(
                any(map(operator.eq, tk, map(str.rstrip, tk[1:], punct)))
                for tk in t.line_toks()
                if len(tk) > 1
            ):
                return []
            # (a function word doubled twice is two slips: "the the" is never a refrain)
            fw = self.function_words.get(lang or "", frozenset())
            twice = Counter(masked[h.start : h.end].lower() for h in hits)
            hits = [
                h for h in hits if twice[masked[h.start : h.end].lower()] < 2 or self._first(masked, h) in fw
            ]
        return hits

    @staticmethod
    def _first(masked: str, h: Hit) -> str:
        """The doubled word of a hit, in lowercase."""
        return masked[h.start : h.end].split(None, 1)[0].lower()

    def _in(self, masked: str, pos: int, endpos: int, ok: frozenset[str], lang: str | None) -> list[Hit]:
        hits = []
        names = self.name_zipf > 0 and lang is not None and bool(freq_dict(lang))
        for m in self.repeat_re.finditer(masked, pos, endpos):
            s = m.start()
            if s and (is_word_char(masked[s - 1]) or masked[s - 1] in "'’-"):
                continue
            a, b = m.group(1), m.group(2)
            low = a.lower()
            if low in self.rep_all or low in ok or a[0].isdigit():
                continue
            if b[0].isupper():
                continue  # names (Sirhan Sirhan), titles, "a new New Zealand"
            if names and zipf(lang, low) < self.name_zipf:  # type: ignore[arg-type]
                continue
            hits.append(Hit("repeated-word", s, m.end()))
        return hits
