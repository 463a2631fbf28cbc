"""Punctuation spacing: a space before ``.`` or ``,`` (``sovereign debt .``; before ``;`` and ``:``
outside French typography) and a missing space after it (``interests.The``, ``Mr.Smith``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from cleaner.artifacts.base import LOWER, SPACES, UPPER, Hit, lang_word_sets, str_list
from cleaner.artifacts.scan import Scan
from cleaner.artifacts.textpass import L_MISSING, L_SPACE_COLON, L_SPACE_DOT


class SpaceBeforeCheck:
    kinds = ("space-before-punct",)

    def __init__(self, d: Mapping[str, Any], french_spacing: Iterable[str] | None = None) -> None:
        self.french = frozenset(
            str_list(
                french_spacing if french_spacing is not None else d.get("french_spacing", ["fr"]),
                "french_spacing",
            )
        )
        # words after which a space before "." or "," means something was lost there (a
        # formula, a link: "denoted by , then"), not a translation's spacing
        self.dangling = lang_word_sets(d, "dangling_words")
        self.dot_re = re.compile(rf"[.,](?<=[{SPACES}][.,])(?![.\w])")
        self.colon_re = re.compile(rf"[;:](?<=[{SPACES}][;:])(?=[{SPACES}]+[^\W\d_])")

    def needs(self, lang: str | None) -> int:
        return 0

    def find(self, s: Scan) -> list[Hit]:
        masked, text = s.masked, s.text
        hits = []
        dangling = self.dangling.get(s.lang or "", frozenset())
        for _, ls, le in s.lines(L_SPACE_DOT):
            for m in self.dot_re.finditer(masked, ls, le):
                p = m.start()
                j = p
                while j > 0 and masked[j - 1] in SPACES:
                    j -= 1
                if j == 0 or not (masked[j - 1].isalnum() or masked[j - 1] in "”’»_"):
                    continue
                k = j
                while k > 0 and not masked[k - 1].isspace():
                    k -= 1
                word = text[k:j]
                if word.lower() in dangling:
                    continue
                hits.append(Hit("space-before-punct", k, p + 1, word + masked[p]))
        if s.lang not in self.french:
            for _, ls, le in s.lines(L_SPACE_COLON):
                for m in self.colon_re.finditer(masked, ls, le):
                    p = m.start()
                    j = p
                    while j > 0 and masked[j - 1] in SPACES:
                        j -= 1
                    if j and (masked[j - 1].isalnum() or masked[j - 1] in "”’"):
                        hits.append(Hit("space-before-punct", j, p + 1))
            hits.sort(key=lambda h: h.start)
        return hits


class MissingSpaceCheck:
    kinds = ("missing-space-after-punct",)

    def __init__(self, d: Mapping[str, Any]) -> None:
        self.miss_re = re.compile(
            rf"[.!?,](?<=[{LOWER}]{{2}}[.!?,])(?:(?<=[.!?])(?=[{UPPER}][{LOWER}])|(?<=,)(?=[{LOWER}]{{2}}))"
        )
        titles = str_list((d.get("missing_space") or {}).get("titles") or [], "missing_space.titles")
        # a title before a name: Mr.Smith (the text pass asks for two lowercase letters before the stop)
        self.title_re = (
            re.compile(rf"(?<![\w.])(?:{'|'.join(map(re.escape, titles))})\.(?=[{UPPER}][{LOWER}])")
            if titles
            else None
        )

    def needs(self, lang: str | None) -> int:
        return 0

    @staticmethod
    def _code_like(masked: str, p: int) -> bool:
        """Whether the token holding the stop at ``p`` reads as a name in code or a
        dotted name (repo.GetIdentity(ctx, Microsoft.CodeAnalysis.NetAnalyzers,
        StyleCop.Analyzers): more than one stop, brackets or signs of code, or a
        capital inside either part."""
        s = p
        while s > 0 and not masked[s - 1].isspace():
            s -= 1
        e = p + 1
        n = len(masked)
        while e < n and not masked[e].isspace():
            e += 1
        tok = masked[s:e].rstrip(".,;:!?)\"”’'")
        if any(c in tok for c in "()[]{}=<>_/\\|*#@$%^&+`"):
            return True
        if tok.count(".") + tok.count("!") + tok.count("?") > 1:
            return True
        left, right = masked[s:p], tok[p - s + 1 :]
        return any(c.isupper() for c in left[1:]) or any(c.isupper() for c in right[1:])

    def find(self, s: Scan) -> list[Hit]:
        masked = s.masked
        hits = [
            Hit("missing-space-after-punct", m.start(), m.end(), m.group() + " ")
            for _, ls, le in s.lines(L_MISSING)
            for m in self.miss_re.finditer(masked, ls, le)
            if not self._code_like(masked, m.start())
        ]
        if self.title_re is not None and "." in masked:
            e = [m.end() for m in self.title_re.finditer(masked)]
            if e:
                hits += [Hit("missing-space-after-punct", i - 1, i, ". ") for i in e]
                hits.sort(key=lambda h: h.start)
        return hits
