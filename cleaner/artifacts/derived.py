"""Self-derived verb/noun pairs (``performed the performance``): a weak sign of spinning."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cleaner.artifacts.base import LOWER, Hit, str_list
from cleaner.artifacts.scan import Scan
from cleaner.artifacts.words import alternation


class DerivedPairCheck:
    kinds = ("derived-pair",)

    def __init__(self, d: Mapping[str, Any]) -> None:
        self.derived: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {}
        for lang, spec in (d.get("derived_pairs") or {}).items():
            dets = alternation(
                str_list(spec.get("determiners") or ["the"], f"derived_pairs.{lang}.determiners")
            )
            self.derived[lang] = (
                re.compile(rf"ed (?:(?:{dets}) )?([{LOWER}]{{5,}})\b"),
                tuple(str_list(spec.get("noun_suffixes") or (), f"derived_pairs.{lang}.noun_suffixes")),
            )

    def needs(self, lang: str | None) -> int:
        return 0

    def find(self, t: Scan) -> list[Hit]:
        if t.lang not in self.derived:
            return []
        pat, suffixes = self.derived[t.lang]
        masked = t.masked
        hits = []
        for m in pat.finditer(masked):
            j = m.start()
            k = j
            while k > 0 and masked[k - 1].isalpha():
                k -= 1
            stem = masked[k:j]
            noun = m.group(1)
            if len(stem) < 3 or not stem.islower():
                continue
            if noun.startswith(stem) and noun.endswith(suffixes) and len(noun) > len(stem) + 2:
                hits.append(Hit("derived-pair", k, m.end()))
        return hits
