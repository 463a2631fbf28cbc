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
document).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from cleaner.artifacts.base import (
    FILL,
    LOWER,
    NOT_BEFORE_WORD,
    UPPER,
    Hit,
    is_word_char,
    lang_word_sets,
    str_list,
)
from cleaner.artifacts.scan import NEED_CAMEL, NEED_RUNS, Scan
from cleaner.artifacts.textpass import L_CAMEL, L_POSS, fnv_hash
from cleaner.artifacts.words import freq_dict, norm_name, top_words, wordfreq_cache_file, zipf

# contractions after which a lowercase join may stand: andthey’re, itwasn't
_CONTRACTION = re.compile(r"['’](?:s|re|ll|ve|d|t|m)\b")
# a lowercase run right after an opening bracket or quote, or (matched at a line's start) a line's first word
_OPENER_RUN = re.compile(rf"[(\[“‘\"«—/]([{LOWER}]+)\b")
_FIRST_RUN = re.compile(rf"([{LOWER}]+)\b")


class GluedCheck:
    kinds = ("glued-word",)
    _TABLE_PARTS = ("keys", "ids", "flat", "offs", "lens")

    def __init__(self, d: Mapping[str, Any], allow: Iterable[str] = ()) -> None:
        g = d.get("glued") or {}
        self.langs = frozenset(str_list(g.get("languages") or ["en"], "glued.languages"))
        self.lower_langs = frozenset(
            str_list(g.get("lowercase_languages") or ["en"], "glued.lowercase_languages")
        )
        self.min_len = int(g.get("min_length", 6))
        self.min_part = float(g.get("min_part_zipf", 3.0))
        self.short_len = int(g.get("short_part_length", 3))
        self.short_zipf = float(g.get("short_part_zipf", 5.0))
        self.known_margin = float(g.get("known_join_margin", 2.5))
        self.ambiguity = float(g.get("ambiguity_margin", 1.0))
        self.camel_part = float(g.get("camel_min_part_zipf", 2.5))
        self.join_top = int(g.get("join_top_words", 150))
        self.content_zipf = float(g.get("content_join_zipf", 99.0))
        self.common_zipf = float(g.get("common_zipf", 3.5))
        self.content_len = int(g.get("content_min_part_length", 4))
        self.sure_len = int(g.get("sure_min_length", 4))
        self.sure_zipf = float(g.get("sure_min_zipf", 4.5))
        self.name_zipf = float(g.get("name_part_zipf", 3.0))
        self.pattern_tokens = int(g.get("pattern_tokens", 3))
        self.lead_letters = {
            k: frozenset(str_list(v, f"glued.lead_letters.{k}"))
            for k, v in (g.get("lead_letters") or {}).items()
        }
        self.one_letter = {
            k: frozenset(str_list(v, f"glued.one_letter_words.{k}"))
            for k, v in (g.get("one_letter_words") or {}).items()
        }
        self.prefixes = frozenset(str_list(g.get("camel_prefixes") or [], "glued.camel_prefixes"))
        self.allow = frozenset(norm_name(n) for n in [*str_list(g.get("allow") or [], "glued.allow"), *allow])
        self.prefix_parts = {
            k: frozenset(str_list(v, f"glued.prefix_parts.{k}"))
            for k, v in (g.get("prefix_parts") or {}).items()
        }
        self.function_words = lang_word_sets(d, "function_words")
        self._join_words: dict[str, frozenset[str]] = {}
        self._common: dict[str, frozenset[str]] = {}
        self._common_tables: dict[str, tuple[Any, ...]] = {}
        self.split = functools.lru_cache(maxsize=65536)(self._split_uncached)
        self.camel_re = re.compile(rf"([{UPPER}][{LOWER}]+)([{UPPER}][{LOWER}]+)")
        self.lower_camel_re = re.compile(rf"(?<![\w{FILL}'’\-])([{LOWER}]{{1,7}})([{UPPER}][{LOWER}]+)")
        self.poss_re = re.compile(rf"['’]s(?=[{LOWER}]{{3}})")
        self.lower_re = re.compile(rf" ([{LOWER}]{{{self.min_len},}})\b")
        self.letters_lo = re.compile(rf"[{LOWER}]*")

    def needs(self, lang: str | None) -> int:
        if lang not in self.langs:
            return 0
        return NEED_CAMEL | (NEED_RUNS if lang in self.lower_langs else 0)

    # ------------------------------------------------------------ word lists
    def join_words(self, lang: str) -> frozenset[str]:
        """The language's most frequent words and function words: one part of a glue is one of them."""
        jw = self._join_words.get(lang)
        if jw is None:
            jw = frozenset(top_words(lang, self.join_top)) | self.function_words.get(lang, frozenset())
            self._join_words[lang] = jw
        return jw

    def common_words(self, lang: str) -> frozenset[str]:
        """Words common enough (zipf above ``common_zipf``) never to be taken for a glue."""
        cw = self._common.get(lang)
        if cw is None:
            cw = frozenset(freq_dict(lang).above(10 ** (self.common_zipf - 9.0)))
            self._common[lang] = cw
        return cw

    def common_table(self, lang: str) -> tuple[Any, ...]:
        """The common words the space pass looks up (those ``lower_re`` can match),
        as (keys, ids, flat, offs, lens); kept in the cache folder, as it takes
        a few tenths of a second to build in each process."""
        table = self._common_tables.get(lang)
        if table is not None:
            return table
        from cleaner import datacache, kernels

        # ("1": the table's layout and hash; change it when they change)
        path = wordfreq_cache_file(
            "artifacts-common", "1", lang, repr(self.common_zipf), str(self.min_len), LOWER
        )
        cached = datacache.load_arrays(path)
        if cached is not None and set(cached) == set(self._TABLE_PARTS):
            table = tuple(cached[k] for k in self._TABLE_PARTS)
        else:
            low = re.compile(rf"[{LOWER}]{{{self.min_len},}}")
            words = sorted(w for w in self.common_words(lang) if low.fullmatch(w))
            lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
            offs = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64) if words else lens
            flat = kernels.code_points("".join(words))
            size = 1 << max(4, (4 * len(words) - 1).bit_length())
            keys = np.zeros(size, dtype=np.uint64)
            ids = np.zeros(size, dtype=np.int64)
            for k, w in enumerate(words):
                h = fnv_hash(map(ord, w))
                slot = h & (size - 1)
                while keys[slot]:
                    slot = (slot + 1) & (size - 1)
                keys[slot] = h
                ids[slot] = k
            table = (keys, ids, flat, offs, lens)
            datacache.save_arrays(path, dict(zip(self._TABLE_PARTS, table, strict=True)))
        self._common_tables[lang] = table
        return table

    def _part_ok(self, lang: str, part: str) -> float:
        """The part's zipf if it may stand as a word of a split, else 0."""
        if len(part) == 1 and part not in self.one_letter.get(lang, ()):
            return 0.0
        z = zipf(lang, part)
        need = self.short_zipf if len(part) <= self.short_len else self.min_part
        return z if z >= need else 0.0

    def _split_uncached(
        self, lang: str, word: str, tail: str = ""
    ) -> tuple[tuple[float, str, str, bool, bool], ...]:
        """Valid splits ``(score, a, b, joined, sure)`` of a lowercase ``word``, best first (none: a word).

        ``joined``: one part is a join word ("communication|between"), else two frequent content
        words of an unlisted token ("chief|executive"). ``sure`` (repaired everywhere): a function
        word and a frequent word of ``sure_min_length`` letters or more, in an unlisted token.
        ``tail``: the contraction after the token ("t" of ``youdon’t``: "don't" is weighed), or
        "-" before a hyphen, where the second part may be a short word (second|non-existent).
        """
        if norm_name(word) in self.allow:
            return ()
        zw = zipf(lang, word)
        join = self.join_words(lang)
        fw = self.function_words.get(lang, frozenset())
        prefixes = self.prefix_parts.get(lang, frozenset())
        lead = self.lead_letters.get(lang, frozenset())
        splits = []
        for i in range(1, len(word)):
            a, b = word[:i], word[i:]
            prefix = a in prefixes and b not in join
            joined = b in join or a in join
            # a second part glued to a contraction or a hyphen counts with it: don't, non-existent
            b_len = len(b) + len(tail) + 1 if tail else len(b)
            if not joined and (zw or min(len(a), b_len) < self.content_len):
                continue
            if prefix and zw:
                continue  # in|bound, as|sorting: a listed word made on a prefix
            if a in lead and len(b) >= self.content_len:
                za = zipf(lang, a)
            else:
                za = self._part_ok(lang, a)
            if not za:
                continue
            if tail == "-":
                zb = self._part_ok(lang, b) if len(b) > 1 else 0.0
                zb = zb or (zipf(lang, b) if len(b) > 1 and zipf(lang, b) >= self.min_part else 0.0)
            else:
                zb = self._part_ok(lang, b)
            if tail and tail != "-":
                zb = max(zb, zipf(lang, f"{b}'{tail}"))
            if not zb:
                continue
            if (not joined or prefix or a in lead) and min(
                za if a not in lead else 99.0, zb
            ) < self.content_zipf:
                continue
            if zw and zw > za + zb - 9.0 - self.known_margin:
                continue  # a listed word, more frequent than a join of the two would be
            if a in fw and b in fw:  # two function words: of|the, and|they
                sure = not zw and not prefix
            else:
                other = a if b in fw else b if a in fw else ""
                sure = bool(
                    other
                    and not zw
                    and not prefix
                    and a not in lead
                    and len(other) >= self.sure_len
                    and zipf(lang, other) >= self.sure_zipf
                )
            splits.append((za + zb, a, b, joined, sure))
        splits.sort(reverse=True)
        return tuple(splits)

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
            if h.fix and " " in h.fix and not h.sure:
                firsts.setdefault(h.fix.split(" ", 1)[0], set()).add(s.masked[h.start : h.end])
        many = {a for a, toks in firsts.items() if len(toks) >= self.pattern_tokens}
        if not many:
            return hits
        return [h for h in hits if h.sure or not h.fix or h.fix.split(" ", 1)[0] not in many]

    def _camel(self, s: Scan, lang: str) -> list[Hit]:
        """BidenFirst (a capitalised word glued to the next) and theWhite (a function word to a name)."""
        masked = s.masked
        n = len(masked)
        join = self.join_words(lang)
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
                if a in self.prefixes or norm_name(tok) in self.allow:
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
                if zt and zt > za + zb - 9.0 - self.known_margin:
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
                if zipf(lang, tail) < self.min_part or zipf(lang, "s" + tail) >= self.min_part:
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
        common = self.common_words(lang)
        found = list(_OPENER_RUN.finditer(masked)) if any(c in masked for c in '([“‘"«—/') else []
        found += filter(None, (_FIRST_RUN.match(masked, i) for i in s.starts.tolist()))
        for m in found:
            w = m.group(1)
            if len(w) >= self.min_len and w not in common:
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
            splits = self.split(lang, w, tail)
            if not splits:
                continue
            if s0 and masked[s0 - 1] in "-'’":
                continue  # the second half of a hyphenated or elided word (well-thisisgood, l'aujourd)
            if s.seen_elsewhere(w, s0):
                continue  # a term of the document (or a name it writes capitalised elsewhere)
            best = splits[0]
            fix = None
            if len(splits) == 1 or best[0] - splits[1][0] >= self.ambiguity:
                fix = f"{best[1]} {best[2]}"
            hits.append(
                Hit("glued-word", s0, e0, fix, sure=best[4], sub="function" if best[3] else "content")
            )
        return hits
