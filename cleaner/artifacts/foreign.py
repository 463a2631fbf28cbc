"""Fragments in another language: a paragraph (a line) whose frequent words are another
candidate language's, in a document of a known language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cleaner.artifacts.base import Hit
from cleaner.artifacts.scan import NEED_FOREIGN, Scan, Scanner
from cleaner.artifacts.textpass import L_FOREIGN


class ForeignFragmentCheck:
    kinds = ("foreign-fragment",)

    def __init__(self, d: Mapping[str, Any], scanner: Scanner) -> None:
        f = d.get("foreign") or {}
        self.scanner = scanner
        self.own_ratio = float(f.get("max_own_ratio", 0.34))
        self._cache: dict[str, frozenset[str]] = {}

    def needs(self, lang: str | None) -> int:
        return NEED_FOREIGN if lang in self.scanner.f_langs else 0

    def find(self, t: Scan) -> list[Hit]:
        """Paragraphs in another language, among the lines the text pass lets through."""
        sc = self.scanner
        lang = t.lang
        if lang not in sc.f_langs:
            return []
        if sc.foreign_pass:
            cand = t.lines(L_FOREIGN)
        else:  # every line
            cand = list(zip(range(len(t.starts)), t.starts.tolist(), t.ends.tolist(), strict=True))
        hits: list[Hit] = []
        if not cand:
            return hits
        foreign_words = self.foreign_words(lang)
        masked = t.masked
        for _, start, end in cand:
            toks = masked[start:end].lower().split()  # the line's tokens (see Scan.line_toks)
            if len(toks) < sc.f_min_words:
                continue
            if len(foreign_words.intersection(toks)) < 2:
                continue  # not two distinct frequent words of another language: not a fragment
            counts = sc.language_counts(toks)
            if not counts:
                continue
            best, c = counts.most_common(1)[0]
            if best == lang or c < sc.f_min_markers:
                continue
            if c >= sc.f_min_share * len(toks) and counts.get(lang, 0) <= self.own_ratio * c:
                hits.append(Hit("foreign-fragment", start, end))
        return hits

    def foreign_words(self, lang: str) -> frozenset[str]:
        """Frequent words of the other candidate languages that are not among ``lang``'s."""
        fw = self._cache.get(lang)
        if fw is None:
            bit = 1 << self.scanner.f_langs.index(lang)
            fw = frozenset(w for w, m in self.scanner.marker.items() if not m & bit)
            self._cache[lang] = fw
        return fw
