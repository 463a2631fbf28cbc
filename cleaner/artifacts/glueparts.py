"""The glued-word check's word lists and splits: which lowercase tokens are words, which
parts a token splits into and how surely (wordfreq's lists, the data file's function words,
prefixes and one-letter words), and which first parts head compounds. Built once per detector;
the costly lists are kept in the cache folder."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from cleaner.artifacts.base import LOWER, lang_word_sets, str_list
from cleaner.artifacts.textpass import fnv_hash
from cleaner.artifacts.words import freq_dict, norm_name, top_words, wordfreq_cache_file, zipf


class GlueWords:
    """Word lists and splits of the ``glued`` block of the data file (also what the space
    pass needs to find candidates: ``min_len``, ``lower_re``, ``common_table``, ``common_words``)."""

    _TABLE_PARTS = ("keys", "ids", "flat", "offs", "lens")

    def __init__(self, d: Mapping[str, Any], allow: Iterable[str] = ()) -> None:
        g = d.get("glued") or {}
        self.min_len = int(g.get("min_length", 6))
        self.min_part = float(g.get("min_part_zipf", 3.0))
        self.short_len = int(g.get("short_part_length", 3))
        self.short_zipf = float(g.get("short_part_zipf", 5.0))
        self.known_margin = float(g.get("known_join_margin", 2.5))
        self.join_top = int(g.get("join_top_words", 150))
        self.content_zipf = float(g.get("content_join_zipf", 99.0))
        self.common_zipf = float(g.get("common_zipf", 3.5))
        self.content_len = int(g.get("content_min_part_length", 4))
        self.sure_len = int(g.get("sure_min_length", 4))
        self.sure_zipf = float(g.get("sure_min_zipf", 4.5))
        self.compound_min = int(g.get("compound_head_min", 0))
        self.lead_letters = {
            k: frozenset(str_list(v, f"glued.lead_letters.{k}"))
            for k, v in (g.get("lead_letters") or {}).items()
        }
        self.one_letter = {
            k: frozenset(str_list(v, f"glued.one_letter_words.{k}"))
            for k, v in (g.get("one_letter_words") or {}).items()
        }
        self.allow = frozenset(norm_name(n) for n in [*str_list(g.get("allow") or [], "glued.allow"), *allow])
        self.prefix_parts = {
            k: frozenset(str_list(v, f"glued.prefix_parts.{k}"))
            for k, v in (g.get("prefix_parts") or {}).items()
        }
        self.function_words = lang_word_sets(d, "function_words")
        self._join_words: dict[str, frozenset[str]] = {}
        self._common: dict[str, frozenset[str]] = {}
        self._common_tables: dict[str, tuple[Any, ...]] = {}
        self._heads: dict[str, frozenset[str]] = {}
        self.split = functools.lru_cache(maxsize=65536)(self._split_uncached)
        self.lower_re = re.compile(rf" ([{LOWER}]{{{self.min_len},}})\b")

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

    def compound_heads(self, lang: str) -> frozenset[str]:
        """First parts that head ``compound_head_min`` or more of the language's listed
        words as ``part + listed word`` (super|, micro|, post|, hand|, over|): a content
        join on one of them reads as a new compound more often than as two words that
        lost their space. From wordfreq's list, kept in the cache folder."""
        if self.compound_min <= 0:
            return frozenset()
        heads = self._heads.get(lang)
        if heads is not None:
            return heads
        from cleaner import datacache

        # ("1": how the heads are counted; change it when that changes)
        path = wordfreq_cache_file(
            "artifacts-heads",
            "1",
            lang,
            str(self.compound_min),
            repr(self.min_part),
            str(self.content_len),
            suffix=".json",
        )
        cached = datacache.load_json(path)
        if isinstance(cached, list) and all(isinstance(w, str) for w in cached):
            heads = frozenset(cached)
        else:
            heads = frozenset(compound_heads(lang, self.compound_min, self.min_part, self.content_len))
            datacache.save_json(path, sorted(heads))
        self._heads[lang] = heads
        return heads

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
    ) -> tuple[tuple[float, str, str, str, bool], ...]:
        """Valid splits ``(score, a, b, sort, sure)`` of a lowercase ``word``, best first (none: a word).

        ``sort``: "function" when one part is a join word ("communication|between"), else
        "content": two frequent content words of an unlisted token ("chief|executive");
        "compound" for an unsure split of either sort whose first part heads compounds
        (:meth:`compound_heads`; "super|crisp", "over|scroll"). ``sure`` (repaired everywhere): a function
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
        heads = self.compound_heads(lang)
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
            sort = "function" if joined else "content"
            if not sure and (not joined or prefix) and a in heads:
                sort = "compound"
            splits.append((za + zb, a, b, sort, sure))
        splits.sort(reverse=True)
        return tuple(splits)


def compound_heads(lang: str, min_count: int, min_zipf: float, min_len: int) -> set[str]:
    """Words of ``lang`` (zipf >= ``min_zipf``, ``min_len`` letters or more) that begin at
    least ``min_count`` listed words (zipf >= 2) as themselves followed by another such word."""
    freqs = freq_dict(lang)
    words = set(freqs.above(10 ** (min_zipf - 9.0)))
    counts: dict[str, int] = {}
    for w in freqs.above(10 ** (2.0 - 9.0)):
        if not w.isalpha():
            continue
        for i in range(min_len, len(w) - min_len + 1):
            a = w[:i]
            if a in words and w[i:] in words:
                counts[a] = counts.get(a, 0) + 1
    return {a for a, n in counts.items() if n >= min_count}
