"""The one scan of a text that every check reads: the masked text (URLs, handles, file
names overwritten), its words and lines, and what the compiled passes found on each line.

:class:`Scanner` (one per detector) holds the tables the passes look words up in;
:meth:`Scanner.scan` makes a :class:`Scan` of a text once, and the checks read it.
A scanner made with ``plain=True`` computes the same scan without the compiled
passes (every line is a candidate for every check): the tests hold the fast scan
to it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import numpy as np

from cleaner.artifacts.base import FILL, LEAD_MARKS, TRAIL_MARKS, str_list
from cleaner.artifacts.spacepass import space_pass_kernel
from cleaner.artifacts.textpass import (
    L_CAMEL,
    L_FOREIGN,
    L_REPEAT,
    fnv_hash,
    text_pass_kernel,
    utf32_code_points,
)
from cleaner.artifacts.words import top_words

# what a check may ask of the scan beyond what it always holds
NEED_REPEAT = L_REPEAT  # the stretches of doubled words (text pass)
NEED_CAMEL = L_CAMEL  # lines with a lowercase letter before a capital (text pass)
NEED_FOREIGN = L_FOREIGN  # lines that may be in another language (text pass)
NEED_RUNS = 1 << 16  # lowercase runs after a space that are not common words (space pass)
NEED_CAP = 1 << 17  # lines where a capitalised function word follows a letter (space pass)

# where a non-prose token is: t.co, node.js, @handle, #tag, snake_case, call(), https://
_TRIGGER = re.compile(
    r"[.@#_(/](?:(?<=\w\.)(?=[a-z0-9])|(?<=[@#])(?=\w)|(?<=\w_)|(?<=_)(?=\w)|(?<=\()(?=\))|(?<=:/)(?=/))"
)
# The same positions, character by character (each alternative of _TRIGGER
# looks at the character it consumed), each found by a regex that starts with
# that character (which the engine scans for fast) or by str.find: "(" of "()"
# and "/" of "://".
_TRIGGER_DOT = re.compile(r"\.(?<=\w\.)(?=[a-z0-9])")
_TRIGGER_BY_CHAR = (
    ("@", re.compile(r"@(?=\w)")),
    ("#", re.compile(r"#(?=\w)")),
    ("_", re.compile(r"_(?:(?<=\w_)|(?=\w))")),
)


def _trigger_positions(text: str) -> list[int]:
    """The start of every match of ``_TRIGGER`` in ``text``, in order (each is one character)."""
    pos = [m.start() for m in _TRIGGER_DOT.finditer(text)]
    rare = []
    for c, pat in _TRIGGER_BY_CHAR:
        if c in text:
            rare += [m.start() for m in pat.finditer(text)]
    if "(" in text:  # "(" before ")"
        i = text.find("()")
        while i >= 0:
            rare.append(i)
            i = text.find("()", i + 1)
    if "/" in text:  # the first "/" of "://"
        i = text.find("://")
        while i >= 0:
            rare.append(i + 1)
            i = text.find("://", i + 1)
    if rare:
        pos = sorted(pos + rare)
    return pos


def mask(text: str) -> str:
    """``text`` with non-prose tokens (URLs, handles, hashtags, file names...) overwritten by FILL."""
    n = len(text)
    spans = []
    last = -1
    for i in _trigger_positions(text):
        if i < last:
            continue
        s = i
        while s > 0 and not text[s - 1].isspace():
            s -= 1
        e = i + 1
        while e < n and not text[e].isspace():
            e += 1
        while s < i and text[s] in LEAD_MARKS:
            s += 1
        while e > i + 1 and text[e - 1] in TRAIL_MARKS:
            e -= 1
        spans.append((s, e))
        last = e
    if not spans:
        return text
    parts = []
    pos = 0
    for s, e in spans:
        parts.append(text[pos:s])
        parts.append(FILL * (e - s))
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


class RunsSource(Protocol):
    """What the space pass needs to find glued-word candidates (the glued check)."""

    min_len: int
    lower_re: re.Pattern[str]

    def common_table(self, lang: str) -> tuple[Any, ...]: ...

    def common_words(self, lang: str) -> frozenset[str]: ...


class Scan:
    """A text, its masked form and what the passes found in it; read by every check."""

    __slots__ = (
        "text",
        "masked",
        "lang",
        "cps",
        "words",
        "starts",
        "ends",
        "bits",
        "found",
        "runs",
        "rep",
        "plain",
        "_flagged",
        "_lower",
    )

    def __init__(self, text: str, masked: str, lang: str | None, plain: bool = False) -> None:
        self.text = text
        self.masked = masked
        self.lang = lang
        self.plain = plain
        self.cps: Any = None  # its code points (numpy)
        self.words = 0
        self.starts: Any = None  # where each line starts (numpy)
        self.ends: Any = None  # and ends (its newline, or the end of the text)
        self.bits: Any = None  # the L_* bits of each line (numpy)
        self.found = 0  # the bits of all lines
        self.runs: tuple[list[int], list[int]] = ([], [])  # lowercase runs that are not common words
        self.rep: tuple[Any, Any] = (None, None)  # where each line's doubled words may lie
        self._flagged: dict[int, list[tuple[int, int, int]]] | None = None
        self._lower: str | None = None

    def line_toks(self) -> Iterable[list[str]]:
        """The lowercase tokens of each line, line by line (made as they are asked for).

        ``masked.lower().split("\\n")`` makes the same lines: lower-casing keeps
        every newline and makes none, and the one context it reads (for a
        final sigma) stops at a newline."""
        for ln in self.masked.split("\n"):
            yield ln.lower().split()

    def lines(self, bit: int) -> list[tuple[int, int, int]]:
        """(index, start, end) of the lines with ``bit`` set, in order (every line in a plain scan)."""
        if self.plain:
            return list(zip(range(len(self.starts)), self.starts.tolist(), self.ends.tolist(), strict=True))
        if not self.found & bit:
            return []
        if self._flagged is None:  # bit -> (index, start, end) of its lines
            idx = np.flatnonzero(self.bits)
            by_bit: dict[int, list[tuple[int, int, int]]] = {}
            rows = zip(
                idx.tolist(),
                self.bits[idx].tolist(),
                self.starts[idx].tolist(),
                self.ends[idx].tolist(),
                strict=True,
            )
            for i, b, s, e in rows:
                while b:
                    low = b & -b
                    by_bit.setdefault(low, []).append((i, s, e))
                    b ^= low
            self._flagged = by_bit
        return self._flagged.get(bit, [])

    @property
    def lower(self) -> str:
        """The masked text in lower case (same length for the letters the checks read)."""
        if self._lower is None:
            self._lower = self.masked.lower()
        return self._lower

    def headline_end(self) -> int:
        """Where the first line that is not blank ends, when more lines follow (0 otherwise):
        a headline names what the document is about."""
        masked = self.masked
        i = 0
        n = len(masked)
        while i < n and masked[i].isspace():
            i += 1
        j = masked.find("\n", i)
        return j if j >= 0 and masked[j:].strip() else 0

    def seen_elsewhere(self, token: str, start: int) -> bool:
        """Whether ``token`` (any case) occurs in the text other than at ``start``: a
        term or a name of the document (SolarWinds beside solarwinds), not a one-off glue."""
        low = self.lower
        t = token.lower()
        if len(low) != len(self.masked):  # (a character whose lower case is longer: count)
            return low.count(t) > 1
        i = low.find(t)
        while i >= 0:
            if i != start:
                return True
            i = low.find(t, i + 1)
        return False


class Scanner:
    """The tables the passes read (built once per detector) and the scan of a text."""

    def __init__(self, d: Mapping[str, Any], *, plain: bool = False) -> None:
        self.plain = plain
        f = d.get("foreign") or {}
        self.f_langs = tuple(str_list(f.get("languages") or (), "foreign.languages"))
        self.f_min_words = int(f.get("min_words", 10))
        self.f_min_share = float(f.get("min_share", 0.25))
        self.f_min_markers = int(f.get("min_markers", 4))
        top = int(f.get("top_words", 100))
        # word -> bit mask of the candidate languages among whose most frequent words it is
        self.marker: dict[str, int] = {}
        for bit, lang in enumerate(self.f_langs):
            for w in top_words(lang, top):
                if w.isalpha():
                    self.marker[w] = self.marker.get(w, 0) | (1 << bit)
        self._mask_langs: dict[int, tuple[str, ...]] = {}
        self._mtable: tuple[Any, Any] | None = None
        self.foreign_pass = len(self.f_langs) <= 62  # the text pass counts markers in 64-bit masks
        self._no_words = (
            np.zeros(0, np.uint64),
            np.zeros(0, np.int64),
            np.zeros(0, np.uint32),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
        )
        for a in self._no_words:  # read-only, as the common-word tables (cleaner.datacache): one compile
            a.flags.writeable = False
        self._no_markers = (np.zeros(0, np.uint64), np.zeros(0, np.int64))
        self._no_cap = (np.zeros(0, np.uint64), 0, np.zeros(0, np.uint8))

    # ------------------------------------------------------------------ the scan
    def scan(
        self,
        text: str,
        lang: str | None,
        needs: int,
        runs: RunsSource | None = None,
        cap_table: tuple[Any, int, Any] | None = None,
    ) -> Scan:
        """The scan of ``text`` in ``lang`` with the optional parts ``needs`` asks for."""
        s = Scan(text, mask(text), lang, self.plain)
        want = needs & (L_REPEAT | L_CAMEL | L_FOREIGN)
        if want & L_FOREIGN and (lang not in self.f_langs or not self.foreign_pass):
            want &= ~L_FOREIGN
        if self.plain:
            self._plain_pass(s, needs, runs)
            return s
        self._pass(s, lang, want)
        if needs & (NEED_RUNS | NEED_CAP) and (runs is not None or cap_table is not None):
            self._space_pass(
                s, lang, runs if needs & NEED_RUNS else None, cap_table if needs & NEED_CAP else None
            )
        return s

    def _pass(self, t: Scan, lang: str | None, want: int) -> None:
        """Run the text pass on ``t``: its word count, line starts and line bits."""
        from cleaner import kernels

        cps = t.cps = utf32_code_points(t.masked)
        flags, lower, done = kernels.tables()
        keys, vals = self.marker_table() if self.foreign_pass else self._no_markers
        own = self.f_langs.index(lang) if want & L_FOREIGN else 0
        args = (
            flags,
            lower,
            kernels.fold_table(),
            keys,
            vals,
            own,
            len(self.f_langs),
            self.f_min_words,
            self.f_min_markers,
            self.f_min_share,
            kernels.SP,
            kernels.AN,
            kernels.DEC,
            want,
        )
        words, starts, ends, bits, found, astral, rep_lo, rep_hi = text_pass_kernel()(cps, *args)
        if astral and not done[np.unique(cps[cps > 0xFFFF])].all():
            cps = t.cps = kernels.code_points(t.masked)  # fills the tables for them; then again
            words, starts, ends, bits, found, astral, rep_lo, rep_hi = text_pass_kernel()(cps, *args)
        t.words, t.starts, t.ends, t.bits, t.found = words, starts, ends, bits, found
        t.rep = (rep_lo, rep_hi)

    def _space_pass(
        self, t: Scan, lang: str | None, runs: RunsSource | None, cap_table: tuple[Any, int, Any] | None
    ) -> None:
        """Run the space pass on ``t``: L_CAP, and with ``runs`` the lowercase runs that are not common words."""
        from cleaner import kernels

        table = runs.common_table(lang) if runs is not None and lang else self._no_words
        min_len = runs.min_len if runs is not None else 1
        cap_keys, cap_max, cap_first = cap_table or self._no_cap
        flags, _, _ = kernels.tables()
        starts, ends, found = space_pass_kernel()(
            t.cps, flags, kernels.AN, kernels.DEC, min_len, *table, cap_keys, cap_max, cap_first, t.bits
        )
        t.found = found
        t._flagged = None
        if runs is not None:
            t.runs = (starts.tolist(), ends.tolist())

    def _plain_pass(self, t: Scan, needs: int, runs: RunsSource | None) -> None:
        """The same scan in plain Python: every line a candidate."""
        masked = t.masked
        t.words = len(masked.split())
        t.starts = np.array([0] + [m.end() for m in re.finditer("\n", masked)], dtype=np.int64)
        t.ends = np.array([m.start() for m in re.finditer("\n", masked)] + [len(masked)], dtype=np.int64)
        t.bits = np.full(len(t.starts), 0xFFFF, dtype=np.uint16)
        t.found = 0xFFFF
        t.rep = (t.starts, t.ends)
        if runs is not None and needs & NEED_RUNS and t.lang:
            common = runs.common_words(t.lang)
            found = [
                (m.start(1), m.end(1)) for m in runs.lower_re.finditer(masked) if m.group(1) not in common
            ]
            t.runs = ([a for a, _ in found], [b for _, b in found])

    # ------------------------------------------------------------- languages
    def marker_table(self) -> tuple[Any, Any]:
        """The foreign-fragment marker words as the text pass looks them up: an
        open-addressing table of their hashes and each one's language bit mask."""
        if self._mtable is None:
            from cleaner import kernels

            kernels.code_points("".join(self.marker))  # fills the tables for any character beyond the BMP
            _, lower, _ = kernels.tables()
            entries: dict[int, int] = {}
            for w, m in self.marker.items():
                h = fnv_hash(int(lower[ord(ch)]) for ch in w)
                entries[h] = entries.get(h, 0) | m
            size = 1 << max(4, (4 * len(entries) - 1).bit_length())
            keys = np.zeros(size, dtype=np.uint64)
            vals = np.zeros(size, dtype=np.int64)
            for h, m in entries.items():
                k = h & (size - 1)
                while keys[k]:
                    k = (k + 1) & (size - 1)
                keys[k] = h
                vals[k] = m
            self._mtable = (keys, vals)
        return self._mtable

    def language_counts(self, tokens: Iterable[str]) -> Counter[str]:
        """How many of ``tokens`` (lowercase) are among each candidate language's most frequent words."""
        out: Counter[str] = Counter()
        for m, c in Counter(filter(None, map(self.marker.get, tokens))).items():
            langs = self._mask_langs.get(m)
            if langs is None:
                langs = tuple(lg for bit, lg in enumerate(self.f_langs) if m >> bit & 1)
                self._mask_langs[m] = langs
            for lg in langs:
                out[lg] += c
        return out

    def guess_language(self, text: str | list[list[str]]) -> str | None:
        """The candidate language whose most frequent words are most frequent in ``text`` (or None).

        ``text`` is a text or its lowercase tokens, line by line.
        """
        if isinstance(text, str):
            toks = text[:5000].lower().split()
        else:
            toks = [t for line in text for t in line][:1000]
        counts = self.language_counts(toks)
        if not counts:
            return None
        best, c = counts.most_common(1)[0]
        return best if c >= self.f_min_markers else None
