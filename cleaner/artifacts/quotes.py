"""Quote marks: a pair whose marks are swapped or flipped (``launch” a dialogue “to``), a
mark left unbalanced, and spaces inside a pair (``“ Russian``: a house style as often as a
translation's mark; one pair counts once). Read paragraph by paragraph (a line)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from cleaner.artifacts.base import CLOSE_PUNCT, OPEN_CONTEXT, SPACES, Hit, str_list
from cleaner.artifacts.scan import Scan
from cleaner.artifacts.textpass import L_QUOTE


class QuotesCheck:
    kinds = ("reversed-quotes", "unbalanced-quotes", "quote-spacing")

    def __init__(self, d: Mapping[str, Any], french_spacing: Iterable[str] | None = None) -> None:
        self.french = frozenset(
            str_list(
                french_spacing if french_spacing is not None else d.get("french_spacing", ["fr"]),
                "french_spacing",
            )
        )
        # languages whose own pair is „…“: a “ there may close a quote as well as open one
        self.low9 = frozenset(str_list(d.get("low9_quote_languages") or [], "low9_quote_languages"))
        self.quote_re = re.compile('["“”„]')
        # a swapped pair encloses a phrase: no sentence end, at most 12 words
        self.pair_inner = re.compile(rf"[{SPACES}]+([^\n\"“”„.!?]{{1,120}}?)[{SPACES}]+")

    def needs(self, lang: str | None) -> int:
        return 0

    def find(self, t: Scan) -> list[Hit]:
        """Quote hits, paragraph by paragraph: the lines with a curly quote mark
        (L_QUOTE), and for a mark left open at the end of one, the next line that
        is not blank. A line with straight quotes only is left out: it makes no
        hit and leaves no mark open (:meth:`_quotes_line` counts neither for a
        straight quote)."""
        masked, text = t.masked, t.text
        if not ('"' in masked or "“" in masked or "”" in masked or "„" in masked):
            return []
        hits: list[Hit] = []
        spacing = t.lang not in self.french
        pending: int | None = None  # an opening mark left open at the end of a paragraph
        last = -1  # the last line looked at
        lines = t.lines(L_QUOTE)
        if t.plain:  # (the lines with a curly mark, as the text pass marks them)
            lines = [x for x in lines if any(q in masked[x[1] : x[2]] for q in "“”„")]
        for i, ls, le in lines:
            if pending is not None:
                self._close_pending(t, pending, last + 1, i, hits)
                pending = None
            line_hits, open_at = self._quotes_line(masked[ls:le], ls, text, spacing, t.lang in self.low9)
            hits += line_hits
            pending = open_at
            last = i
        if pending is not None:
            self._close_pending(t, pending, last + 1, len(t.starts), hits)
        return hits

    @staticmethod
    def _close_pending(t: Scan, pending: int, first: int, stop: int, hits: list[Hit]) -> None:
        """The first line from ``first`` on that is not blank (line ``stop``, a
        line with a quote mark, at the latest, if there is one) closes the
        paragraph that left a mark open at ``pending``: unbalanced unless it
        opens with a quote itself."""
        for j in range(first, min(stop + 1, len(t.starts))):
            line = t.masked[t.starts[j] : t.ends[j]]
            stripped = line.lstrip(SPACES)
            if stripped:
                if stripped[0] not in '“„"«':
                    hits.append(Hit("unbalanced-quotes", pending, pending + 1))
                return

    def _quotes_line(
        self, line: str, base: int, text: str, spacing: bool, low9_lang: bool = False
    ) -> tuple[list[Hit], int | None]:
        """Hits on one paragraph, and the offset of an opening mark left open at its end.
        ``low9_lang``: the text's language writes „…“, so a lone “ where a mark closes
        (Vereinssport“, so ..., its „ lost with an earlier line) is that language's closing
        mark, not an opening one put the wrong way round."""
        low9 = "„" in line  # German/Polish style: „ opens, “ or ” closes
        marks = [m.start() for m in self.quote_re.finditer(line)]
        n = len(line)
        hits: list[Hit] = []
        is_open: int | None = None
        reported = -1
        spaced_open = -1
        skip_until = -1
        for k, i in enumerate(marks):
            if i <= skip_until:
                continue
            q = line[i]
            p = line[i - 1] if i > 0 else " "
            r_end = i + 1 >= n
            nx = " " if r_end else line[i + 1]
            if q == '"' and p.isdigit():
                continue  # inch marks: 12" screen
            l_space = p in SPACES or p.isspace() or p in OPEN_CONTEXT
            r_space = nx in SPACES or nx.isspace()
            r_punct = nx in CLOSE_PUNCT
            pos = self._position(l_space, r_space, r_punct, r_end)
            glyph: str | None
            if q == "„":
                glyph = "open"
            elif q == "“":
                # (in a „…“ language a lone “ where a mark closes may be that language's closing mark)
                lone_close = low9_lang and pos == "close" and is_open is None
                glyph = "close" if low9 else None if lone_close else "open"
            elif q == "”":
                glyph = "close"
            else:
                glyph = None
            at = base + i
            # a pair whose glyphs are flipped:  ”inner“  ->  “inner”
            if q == "”" and not low9 and pos == "open" and k + 1 < len(marks):
                j = marks[k + 1]
                if line[j] == "“" and self._close_at(line, j) and is_open is None:
                    ws, we = self._widen(text, at, base + j + 1)
                    seg = text[ws:we]
                    fixed = (
                        seg[: at - ws]
                        + "“"
                        + seg[at - ws + 1 : base + j - ws]
                        + "”"
                        + seg[base + j + 1 - ws :]
                    )
                    hits.append(Hit("reversed-quotes", ws, we, fixed))
                    skip_until = j
                    continue
            if glyph and pos and glyph != pos:
                hits.append(Hit("reversed-quotes", at, at + 1))
            elif spacing and glyph == "open" and l_space and r_space and i + 2 < n and line[i + 2].isalnum():
                hits.append(Hit("quote-spacing", at, at + 2))  # “ Russian
                spaced_open = at
            elif (
                spacing
                and glyph == "close"
                and (is_open is None or is_open != spaced_open)  # (a spaced pair is one event)
                and p in SPACES
                and i >= 2
                and line[i - 2] not in SPACES
                and (r_space or r_punct)
            ):
                hits.append(Hit("quote-spacing", at - 1, at + 1))  # election, ” the
            role = pos or glyph or ("close" if is_open is not None else "open")
            if role == "open":
                if is_open is not None and q != '"':
                    hits.append(Hit("unbalanced-quotes", at, at + 1))
                    reported = at
                is_open = at
                continue
            if is_open is not None:
                is_open = None
                continue
            # an unmatched closer: a swapped pair  word” inner “word  ->  word “inner” word
            if q == "”" and not low9 and p.isalnum() and r_space and k + 1 < len(marks):
                j = marks[k + 1]
                if line[j] == "“" and j + 1 < n and line[j + 1].isalnum() and line[j - 1] in SPACES:
                    inner = self.pair_inner.fullmatch(line, i + 1, j)
                    if inner is not None and inner.group(1).count(" ") < 12:
                        seg = text[base + i + 1 : base + j]
                        lead = len(seg) - len(seg.lstrip(SPACES))
                        trail = len(seg) - len(seg.rstrip(SPACES))
                        core = seg[lead : len(seg) - trail]
                        ws, we = self._widen(text, at, base + j + 1)
                        fixed = (
                            text[ws:at]
                            + seg[:lead]
                            + "“"
                            + core
                            + "”"
                            + seg[len(seg) - trail :]
                            + text[base + j + 1 : we]
                        )
                        hits.append(Hit("reversed-quotes", ws, we, fixed))
                        skip_until = j
                        continue
            if q != '"':  # straight quotes in code and tables pair too loosely to count
                hits.append(Hit("unbalanced-quotes", at, at + 1))
        if is_open is not None and (is_open == reported or line[is_open - base] == '"'):
            is_open = None  # already counted, or straight
        return hits, is_open

    @staticmethod
    def _position(l_space: bool, r_space: bool, r_punct: bool, r_end: bool) -> str | None:
        """Which mark the spacing around a quote calls for: "open", "close" or None (unclear)."""
        if r_punct or r_end or (not l_space and r_space):
            return "close"
        if l_space and not r_space:
            return "open"
        return None

    def _close_at(self, line: str, j: int) -> bool:
        p = line[j - 1] if j > 0 else " "
        r_end = j + 1 >= len(line)
        nx = " " if r_end else line[j + 1]
        l_space = p in SPACES or p.isspace() or p in OPEN_CONTEXT
        return self._position(l_space, nx in SPACES or nx.isspace(), nx in CLOSE_PUNCT, r_end) == "close"

    @staticmethod
    def _widen(text: str, s: int, e: int) -> tuple[int, int]:
        """Extend ``[s, e)`` over the word characters touching it (for readable before/after)."""
        while s > 0 and text[s - 1].isalnum():
            s -= 1
        n = len(text)
        while e < n and text[e].isalnum():
            e += 1
        return s, e
