"""Capitals out of place: a function word capitalised mid-sentence (link text translated
apart from its sentence: ``attacks To Suspected poisoning``) and a sentence that starts in
lowercase after a full stop (``said. sheet``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from cleaner.artifacts.base import LOWER, SPACES, Hit, is_word_char, lang_word_sets
from cleaner.artifacts.scan import NEED_CAP, Scan
from cleaner.artifacts.textpass import L_CAP, L_LOWER_START, fnv_hash, word_hash_table
from cleaner.artifacts.words import alternation, capitalized, top_words


class CapitalisedFunctionWordCheck:
    kinds = ("capitalized-function-word",)

    def __init__(self, d: Mapping[str, Any]) -> None:
        self.function_words = lang_word_sets(d, "function_words")
        self.articles = lang_word_sets(d, "articles")
        self.title_cues = lang_word_sets(d, "title_cues")
        # the language's most frequent words count too, but only between two lowercase words
        top = int((d.get("capitals") or {}).get("top_words", 0))
        self.frequent: dict[str, frozenset[str]] = {}
        for lang in list(self.function_words) if top else []:
            fw = self.function_words[lang]
            extra = frozenset(w for w in top_words(lang, top) if len(w) >= 2 and w.isalpha() and w.islower())
            self.frequent[lang] = extra - fw
            self.function_words[lang] = fw | extra
        self.fw_re: dict[str, re.Pattern[str]] = {}
        for lang, words in self.function_words.items():
            # A hit needs a letter before the space (the lowercase word before it), so the
            # regex may ask for one: dropping the other matches changes none of the rest when
            # no match can start inside another (no function word holds a space).
            after = r"(?<=[^\W\d_] )" if not any(" " in w for w in words) else ""
            self.fw_re[lang] = re.compile(
                rf" {after}({alternation(capitalized(w) for w in words)})(?=[ ,;:]|$)", re.M
            )
        self.next_words = re.compile(r"[ ]+(\S+)(?:[ ]+(\S+))?")
        # the capitalised function words as the space pass looks them up, where fw_re
        # asks for a letter before the space and no word holds " ,;:" or a newline
        self.cap_tables: dict[str, tuple[Any, int, Any]] = {}
        for lang, words in self.function_words.items():
            caps = {capitalized(w) for w in words}
            if self.fw_re[lang].pattern.startswith(" (?<=") and not any(set(w) & set(" ,;:\n") for w in caps):
                first = np.zeros(max(ord(w[0]) for w in caps) + 1, dtype=np.uint8)
                first[[ord(w[0]) for w in caps]] = 1
                table = word_hash_table(fnv_hash(map(ord, w)) for w in caps)
                self.cap_tables[lang] = (table, max(map(len, caps)), first)

    def needs(self, lang: str | None) -> int:
        return NEED_CAP if lang in self.cap_tables else 0

    def find(self, t: Scan) -> list[Hit]:
        lang = t.lang
        if lang not in self.fw_re:
            return []
        masked = t.masked
        cues = self.title_cues.get(lang, frozenset())
        articles = self.articles.get(lang, frozenset())
        frequent = self.frequent.get(lang, frozenset())
        hits = []
        seen: dict[str, bool] = {}
        pat = self.fw_re[lang]
        if lang in self.cap_tables and not t.plain:  # on the lines the space pass lets through
            found: Iterable[re.Match[str]] = (
                m for _, ls, le in t.lines(L_CAP) for m in pat.finditer(masked, ls, le)
            )
        else:
            found = pat.finditer(masked)
        for m in found:
            j = m.start()  # the space before the word
            k = j
            while k > 0 and masked[k - 1].isalpha():
                k -= 1
            prev = masked[k:j]
            word = m.group(1)
            # after a capitalised word ("Brandon Stroud Who is"): a function word only, counted loosely
            after_name = prev.istitle() and len(prev) > 1 and word.lower() not in frequent
            if not prev or not (prev.islower() or after_name) or prev.lower() in cues:
                continue
            if k and (is_word_char(masked[k - 1]) or masked[k - 1] in "'’-."):
                continue
            caps = 0
            nxt = self.next_words.match(masked, m.end())
            if nxt:
                for w in nxt.groups():
                    w = w.lstrip("“\"'‘(«„") if w else w
                    if w and w[0].isupper():
                        caps += 1
                    else:
                        break
            if caps >= 2 or (caps and word.lower() in articles):
                continue  # opens a title or a name: "read The New York Times", "told The Independent"
            loose = word.lower() in frequent or after_name
            if caps and loose:
                continue  # before a capitalised word: "the New Yorker", "by Time Inc", "Vision For All"
            if word.lower() in frequent and self._a_name_here(masked, word, seen):
                continue  # "in May that", "from May after": a frequent word written capitalised, never lowercase
            sub = "loose" if loose else ""
            hits.append(Hit("capitalized-function-word", m.start(1), m.end(1), sub=sub))
        return hits

    @staticmethod
    def _a_name_here(text: str, word: str, seen: dict[str, bool]) -> bool:
        """Whether ``text`` writes the capitalised ``word`` at least twice and never in
        lowercase as a word of its own: a name or a month here (cached in ``seen``)."""
        known = seen.get(word)
        if known is None:

            def count(w: str) -> int:
                return len(re.findall(rf"(?<![^\W\d_]){re.escape(w)}(?![^\W\d_])", text))

            known = seen[word] = count(word) >= 2 and count(word.lower()) == 0
        return known


_CLOSERS = ')”"’'
_CONTRACTION = re.compile(r"['’](?:s|re|ll|ve|d|t|m)\b")


class LowercaseStartCheck:
    kinds = ("lowercase-sentence-start",)

    def __init__(self, d: Mapping[str, Any]) -> None:
        ab = lang_word_sets(d, "abbreviations")
        self.abbr_all = ab.pop("all", frozenset())
        self.abbr = ab
        self.lc_start = re.compile(rf"[.!?][{SPACES}]+([{LOWER}]{{2,}})")

    def needs(self, lang: str | None) -> int:
        return 0

    def find(self, t: Scan) -> list[Hit]:
        lang = t.lang
        masked = t.masked
        abbr = self.abbr.get(lang or "", frozenset())
        n = len(masked)
        hits = []
        pat = self.lc_start
        for m in (m for _, ls, le in t.lines(L_LOWER_START) for m in pat.finditer(masked, ls, le)):
            j = m.start()
            if j and masked[j - 1] in _CLOSERS:  # "the site). in Jan.", "he said.” then"
                j -= 1
            k = j
            while k > 0 and masked[k - 1].isalnum():  # a word or a number ends the sentence
                k -= 1
            h = k
            while h > 1 and masked[h - 1] in "'’-" and masked[h - 2].isalpha():  # stress-free, don't
                h -= 1
                while h > 0 and masked[h - 1].isalpha():
                    h -= 1
            if j - h < 2 or (h and (is_word_char(masked[h - 1]) or masked[h - 1] in "'’-.")):
                continue
            e = m.end()
            if (
                e < n
                and (is_word_char(masked[e]) or masked[e] in "'’-")
                and not _CONTRACTION.match(masked, e)
            ):
                continue  # (a contraction is a word: "there's", "they've")
            prev = masked[k:j].lower()
            if prev in self.abbr_all or prev in abbr:
                continue
            hits.append(Hit("lowercase-sentence-start", m.start(1), e))
        return hits
