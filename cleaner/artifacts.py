"""Translation-artifact detection and safe repair (no dependency on Document).

Machine-translated or "spun" copies of articles carry mechanical marks: words
glued together ("communicationbetween", "BidenFirst", "Russia'sforeign"), a
space before punctuation ("sovereign debt ."), a missing space after it
("interests.The"), quotes turned the wrong way round (``launch” a dialogue
“to``), function words capitalised mid-sentence (link text translated apart
from its sentence: "attacks To Suspected poisoning During his call"), sentences
that start in lowercase after a full stop ("said. sheet"), doubled words,
paragraphs in another language, and self-derived verb/noun pairs ("performed
the performance").

:class:`Detector` holds the compiled data of ``rules/artifacts.yaml``; build it
once and call :meth:`Detector.detect` (findings, score, flag) and
:meth:`Detector.repair` (the certain repairs, each with before and after) on any
number of texts. :func:`detect` and :func:`repair` do the same with the shipped
data. A text is read line by line: no pattern runs across a newline, and quote
pairing starts afresh on every line (a paragraph).

Spans that are not prose are masked before any detector runs: URLs, e-mail
addresses, @handles, #hashtags, domain and file names, code identifiers.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# finding kinds, in the order findings are reported
KINDS = (
    "glued-word",
    "space-before-punct",
    "missing-space-after-punct",
    "reversed-quotes",
    "unbalanced-quotes",
    "quote-spacing",
    "capitalized-function-word",
    "lowercase-sentence-start",
    "repeated-word",
    "foreign-fragment",
    "derived-pair",
)
# kinds that carry a repair, and the switch names used by the stage
REPAIRABLE = ("glued-word", "space-before-punct", "reversed-quotes", "missing-space-after-punct")
DEFAULT_REPAIRS = frozenset({"glued-word", "space-before-punct", "reversed-quotes"})

FILL = "\ue000"  # masks non-prose spans (not a letter, digit, space or quote)
_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_SP = " \t\u00a0\u202f\u2009"  # spaces inside a line
_OPEN_CTX = "([{—–-/\u00ab"  # before an opening quote, like a space
_CLOSE_PUNCT = ".,;:!?)]}"  # after a closing quote


# ------------------------------------------------------------------ results
@dataclass(frozen=True, slots=True)
class Hit:
    """One artifact at ``text[start:end]``; ``fix`` replaces that span when the repair is certain."""

    kind: str
    start: int
    end: int
    fix: str | None = None


@dataclass
class Result:
    """What :meth:`Detector.detect` found in one text."""

    score: float
    flagged: bool
    findings: list[dict[str, Any]]
    words: int
    hits: list[Hit] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``{"score", "flagged", "findings"}`` mapping stored on a document."""
        return {"score": self.score, "flagged": self.flagged, "findings": self.findings}


# ------------------------------------------------------------------- data
def default_data_path() -> Path:
    from cleaner.resources import rules_dir

    return rules_dir() / "artifacts.yaml"


def load_data(path: str | Path | None = None) -> dict[str, Any]:
    """The detector data: ``rules/artifacts.yaml`` or the YAML file at ``path``."""
    p = Path(path) if path is not None else default_data_path()
    with open(p, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{p}: expected a mapping of artifact-detector data")
    return data


def norm_lang(lang: str | None) -> str | None:
    """``"en-US"`` -> ``"en"``; None stays None."""
    if not lang:
        return None
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or None


@functools.lru_cache(maxsize=64)
def _freq_dict(lang: str) -> dict[str, float]:
    """wordfreq's frequency list for ``lang`` (shipped with the package), loaded once."""
    import wordfreq

    try:
        return wordfreq.get_frequency_dict(lang)
    except Exception:  # a language wordfreq lacks
        return {}


@functools.lru_cache(maxsize=64)
def _top_words(lang: str, n: int) -> tuple[str, ...]:
    import wordfreq

    try:
        return tuple(wordfreq.top_n_list(lang, n))
    except Exception:
        return ()


def _alt(words: Iterable[str]) -> str:
    """An alternation of ``words`` shaped as a trie ("T(?:o|he)"), which the regex engine scans fast."""
    trie: dict[str, Any] = {}
    for w in set(words):
        node = trie
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(c) + emit(sub) for c, sub in sorted(node.items()) if c]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return (body if len(alts) > 1 else "(?:" + body + ")") + "?"
        return body

    return emit(trie)


def _cap(w: str) -> str:
    return w[:1].upper() + w[1:]


def _norm_name(name: str) -> str:
    """Allow-list key: lowercase, straight apostrophe, no trailing s."""
    k = name.lower().replace("’", "'")
    return k[:-1] if k.endswith("s") and len(k) > 3 else k


# ---------------------------------------------------------------- detector
# where a non-prose token is: t.co, node.js, @handle, #tag, snake_case, call(), https://
_TRIGGER = re.compile(
    r"[.@#_(/](?:(?<=\w\.)(?=[a-z0-9])|(?<=[@#])(?=\w)|(?<=\w_)|(?<=_)(?=\w)|(?<=\()(?=\))|(?<=:/)(?=/))"
)
_PUNCT_AFTER = ',.;:!?"”’)'
_LEAD = "(“\"‘'[«„<"
_TRAIL = ".,;:!?)”\"’']»>"
_NOT_BEFORE_WORD = set(f"'’-{FILL}")  # a token glued to these is not a word of prose


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_" or c == FILL


class Detector:
    """Compiled artifact detectors and repairs; build once, use on many texts.

    Every regular expression starts with a literal or a small character class,
    so that the engine skips ahead cheaply; boundaries and word lists are then
    checked in Python on the few places it finds. wordfreq lookups happen only
    for candidate tokens, and splits of a token are cached.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        allow: Iterable[str] = (),
        threshold: float | None = None,
        french_spacing: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> None:
        d = dict(data) if data is not None else load_data()
        self.data = d
        self.threshold = float(threshold if threshold is not None else d.get("threshold", 0.5))
        self.min_hits = int(d.get("min_hits", 2))
        self.min_words = int(d.get("min_words", 300))
        self.weights = {k: float(v) for k, v in (d.get("weights") or {}).items()}
        self.kinds = frozenset(kinds) if kinds is not None else frozenset(KINDS)
        unknown = (self.kinds | set(self.weights)) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown artifact kinds: {', '.join(sorted(unknown))}")
        self.max_excerpts = int(d.get("max_excerpts", 3))
        self.context = int(d.get("excerpt_context", 30))
        self.french = frozenset(
            _strs(
                french_spacing if french_spacing is not None else d.get("french_spacing", ["fr"]),
                "french_spacing",
            )
        )
        self._function_words = _lang_sets(d, "function_words")
        self._articles = _lang_sets(d, "articles")

        # glued words
        g = d.get("glued") or {}
        self.glued_langs = frozenset(_strs(g.get("languages") or ["en"], "glued.languages"))
        self.lower_langs = frozenset(
            _strs(g.get("lowercase_languages") or ["en"], "glued.lowercase_languages")
        )
        self.g_min_len = int(g.get("min_length", 6))
        self.g_min_part = float(g.get("min_part_zipf", 3.0))
        self.g_short_len = int(g.get("short_part_length", 3))
        self.g_short_zipf = float(g.get("short_part_zipf", 5.0))
        self.g_known_margin = float(g.get("known_join_margin", 2.5))
        self.g_ambiguity = float(g.get("ambiguity_margin", 1.0))
        self.g_camel_part = float(g.get("camel_min_part_zipf", 2.5))
        self.g_join_top = int(g.get("join_top_words", 150))
        self.g_content_zipf = float(g.get("content_join_zipf", 99.0))
        self.g_common_zipf = float(g.get("common_zipf", 3.5))
        self.g_content_len = int(g.get("content_min_part_length", 4))
        self.one_letter = {
            k: frozenset(_strs(v, f"glued.one_letter_words.{k}"))
            for k, v in (g.get("one_letter_words") or {}).items()
        }
        self.prefixes = frozenset(_strs(g.get("camel_prefixes") or [], "glued.camel_prefixes"))
        self.allow = frozenset(_norm_name(n) for n in [*_strs(g.get("allow") or [], "glued.allow"), *allow])
        self._prefix_parts = {
            k: frozenset(_strs(v, f"glued.prefix_parts.{k}"))
            for k, v in (g.get("prefix_parts") or {}).items()
        }
        self._join_words: dict[str, frozenset[str]] = {}
        self._common: dict[str, frozenset[str]] = {}
        self._split = functools.lru_cache(maxsize=65536)(self._split_uncached)
        self._camel_re = re.compile(rf"([{_UP}][{_LO}]+)([{_UP}][{_LO}]+)")
        self._poss_re = re.compile(rf"['’]s(?=[{_LO}]{{3}})")
        self._lower_re = re.compile(rf" ([{_LO}]{{{self.g_min_len},}})\b")
        self._letters_lo = re.compile(rf"[{_LO}]*")

        # punctuation spacing
        self._sp_before = re.compile(rf"[.,](?<=[{_SP}][.,])(?![.\w])")
        self._sp_before_fr = re.compile(rf"[;:](?<=[{_SP}][;:])(?=[{_SP}]+[^\W\d_])")
        self._miss_after = re.compile(
            rf"[.!?,](?<=[{_LO}]{{2}}[.!?,])(?:(?<=[.!?])(?=[{_UP}][{_LO}])|(?<=,)(?=[{_LO}]{{2}}))"
        )

        dangling = _lang_sets(d, "dangling_words")
        self._dangling = {
            lang: dangling.get(lang, frozenset()) | self._function_words.get(lang, frozenset())
            for lang in set(dangling) | set(self._function_words)
        }

        # quotes
        self._quote_re = re.compile('["“”„]')
        # a swapped pair encloses a phrase: no sentence end, at most 12 words
        self._pair_inner = re.compile(rf"[{_SP}]+([^\n\"“”„.!?]{{1,120}}?)[{_SP}]+")

        # capitalised function words
        self._fw_re: dict[str, re.Pattern[str]] = {}
        for lang, words in self._function_words.items():
            self._fw_re[lang] = re.compile(rf" ({_alt(_cap(w) for w in words)})(?=[ ,;:]|$)", re.M)
        self._next_words = re.compile(r"[ ]+(\S+)(?:[ ]+(\S+))?")
        self.title_cues = _lang_sets(d, "title_cues")

        # lowercase after a full stop
        ab = _lang_sets(d, "abbreviations")
        self._abbr_all = ab.pop("all", frozenset())
        self._abbr = ab
        self._lc_start = re.compile(rf"\.[{_SP}]+([{_LO}]{{2,}})")

        # repeated words
        rep = _lang_sets(d, "repeated_ok")
        self._rep_all = rep.pop("all", frozenset())
        self._rep = rep
        self._repeat_re = re.compile(rf"([^\W\d_]+)[{_SP}]+(\1)(?![\w{FILL}'’\-])", re.I)

        # derived verb/noun pairs
        self._derived: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {}
        for lang, spec in (d.get("derived_pairs") or {}).items():
            dets = _alt(_strs(spec.get("determiners") or ["the"], f"derived_pairs.{lang}.determiners"))
            self._derived[lang] = (
                re.compile(rf"ed (?:(?:{dets}) )?([{_LO}]{{5,}})\b"),
                tuple(_strs(spec.get("noun_suffixes") or (), f"derived_pairs.{lang}.noun_suffixes")),
            )

        # foreign fragments: word -> the one candidate language it marks
        f = d.get("foreign") or {}
        self.f_langs = tuple(_strs(f.get("languages") or (), "foreign.languages"))
        self.f_min_words = int(f.get("min_words", 10))
        self.f_min_share = float(f.get("min_share", 0.25))
        self.f_own_ratio = float(f.get("max_own_ratio", 0.34))
        self.f_min_markers = int(f.get("min_markers", 4))
        top = int(f.get("top_words", 100))
        # word -> bit mask of the candidate languages among whose most frequent words it is
        self._marker: dict[str, int] = {}
        for bit, lang in enumerate(self.f_langs):
            for w in _top_words(lang, top):
                if w.isalpha():
                    self._marker[w] = self._marker.get(w, 0) | (1 << bit)
        self._mask_langs: dict[int, tuple[str, ...]] = {}
        self._foreign_cache: dict[str, frozenset[str]] = {}

    # -------------------------------------------------------------- loading
    @classmethod
    def from_yaml(cls, path: str | Path | None = None, **kwargs: Any) -> Detector:
        return cls(load_data(path), **kwargs)

    # ---------------------------------------------------------------- public
    def detect(self, text: str, lang: str | None = None) -> Result:
        """Findings, score and flag for ``text`` in language ``lang`` (ISO code or None)."""
        hits, words = self._scan(text, lang, self.kinds)
        return self.summarise(text, hits, words)

    def summarise(self, text: str, hits: list[Hit], words: int) -> Result:
        """Findings, score and flag from the hits of :meth:`scan`."""
        by_kind: dict[str, list[Hit]] = {}
        for h in hits:
            by_kind.setdefault(h.kind, []).append(h)
        denom = max(words, self.min_words, 1)
        raw = 0.0
        findings = []
        for kind in KINDS:
            hs = by_kind.get(kind)
            if not hs:
                continue
            hs.sort(key=lambda h: h.start)
            raw += self.weights.get(kind, 0.0) * len(hs) * 1000.0 / denom
            findings.append(
                {
                    "kind": kind,
                    "count": len(hs),
                    "per_1000_words": round(len(hs) * 1000.0 / max(words, 1), 2),
                    "excerpts": [self._excerpt(text, h) for h in hs[: self.max_excerpts]],
                }
            )
        score = round(1.0 - math.exp(-raw), 4)
        flagged = score >= self.threshold and len(hits) >= self.min_hits
        return Result(score=score, flagged=flagged, findings=findings, words=words, hits=hits)

    def repair(
        self, text: str, lang: str | None = None, kinds: Iterable[str] = DEFAULT_REPAIRS, max_rounds: int = 4
    ) -> tuple[str, list[dict[str, Any]]]:
        """Apply the certain repairs of the given kinds until none is left.

        Returns the new text and one ``{"kind", "before", "after", "offset"}``
        per repair (``offset`` in the text as it was in that round).
        """
        enabled = frozenset(kinds) & frozenset(REPAIRABLE)
        if not enabled or not text:
            return text, []
        repairs: list[dict[str, Any]] = []
        for _ in range(max_rounds):
            hits = [
                h for h in self.scan(text, lang, kinds=enabled) if h.fix is not None and h.kind in enabled
            ]
            if not hits:
                break
            hits.sort(key=lambda h: (h.start, h.end))
            parts = []
            pos = 0
            for h in hits:
                if h.start < pos:
                    continue  # overlaps a repair made in this round; the next round sees it again
                parts.append(text[pos : h.start])
                parts.append(h.fix)  # type: ignore[arg-type]
                pos = h.end
                repairs.append(
                    {"kind": h.kind, "before": text[h.start : h.end], "after": h.fix, "offset": h.start}
                )
            parts.append(text[pos:])
            new = "".join(parts)
            if new == text:
                break
            text = new
        return text, repairs

    # ------------------------------------------------------------------ scan
    def scan(self, text: str, lang: str | None = None, kinds: Iterable[str] | None = None) -> list[Hit]:
        """Every hit in ``text`` (kind by kind, each kind in text order)."""
        want = self.kinds if kinds is None else self.kinds & frozenset(kinds)
        return self._scan(text, lang, want)[0]

    def _scan(self, text: str, lang: str | None, want: frozenset[str]) -> tuple[list[Hit], int]:
        """(hits, number of words) of ``text``."""
        if not text:
            return [], 0
        lang = norm_lang(lang)
        masked = self.mask(text)
        # one pass of tokens per line, shared by the word count, doubled words and fragments
        line_toks = [ln.split() for ln in masked.lower().split("\n")]
        words = sum(map(len, line_toks))
        if not want:
            return [], words
        if lang is None and want & {
            "foreign-fragment",
            "glued-word",
            "capitalized-function-word",
            "derived-pair",
        }:
            lang = self.guess_language(line_toks)
        hits: list[Hit] = []
        if "glued-word" in want and lang in self.glued_langs:
            hits += self._glued(masked, text, lang)  # type: ignore[arg-type]
        if "space-before-punct" in want:
            hits += self._space_before(masked, text, lang)
        if "missing-space-after-punct" in want:
            hits += [
                Hit("missing-space-after-punct", m.start(), m.end(), m.group() + " ")
                for m in self._miss_after.finditer(masked)
            ]
        if want & {"reversed-quotes", "unbalanced-quotes", "quote-spacing"} and self._quote_re.search(masked):
            hits += [h for h in self._quotes(masked, text, lang) if h.kind in want]
        if "capitalized-function-word" in want and lang in self._fw_re:
            hits += self._cap_function(masked, lang)  # type: ignore[arg-type]
        if "lowercase-sentence-start" in want:
            hits += self._lowercase_start(masked, lang)
        if "repeated-word" in want:
            hits += self._repeated(masked, lang, line_toks)
        if "foreign-fragment" in want and lang in self.f_langs:
            hits += self._foreign(masked, lang, line_toks)  # type: ignore[arg-type]
        if "derived-pair" in want and lang in self._derived:
            hits += self._derived_pairs(masked, lang)  # type: ignore[arg-type]
        return hits, words

    def mask(self, text: str) -> str:
        """``text`` with non-prose tokens (URLs, handles, hashtags, file names...) overwritten by FILL."""
        n = len(text)
        spans = []
        last = -1
        for m in _TRIGGER.finditer(text):
            i = m.start()
            if i < last:
                continue
            s = i
            while s > 0 and not text[s - 1].isspace():
                s -= 1
            e = i + 1
            while e < n and not text[e].isspace():
                e += 1
            while s < i and text[s] in _LEAD:
                s += 1
            while e > i + 1 and text[e - 1] in _TRAIL:
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

    def language_counts(self, tokens: Iterable[str]) -> Counter[str]:
        """How many of ``tokens`` (lowercase) are among each candidate language's most frequent words."""
        out: Counter[str] = Counter()
        for mask, c in Counter(filter(None, map(self._marker.get, tokens))).items():
            langs = self._mask_langs.get(mask)
            if langs is None:
                langs = tuple(lg for bit, lg in enumerate(self.f_langs) if mask >> bit & 1)
                self._mask_langs[mask] = langs
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

    # ------------------------------------------------------------ glued words
    def _zipf(self, lang: str, word: str) -> float:
        f = _freq_dict(lang).get(word)
        return math.log10(f) + 9.0 if f else 0.0

    def join_words(self, lang: str) -> frozenset[str]:
        """The language's most frequent words and function words: one part of a glue is one of them."""
        jw = self._join_words.get(lang)
        if jw is None:
            jw = frozenset(_top_words(lang, self.g_join_top)) | self._function_words.get(lang, frozenset())
            self._join_words[lang] = jw
        return jw

    def _common_words(self, lang: str) -> frozenset[str]:
        """Words common enough (zipf above ``common_zipf``) never to be taken for a glue."""
        cw = self._common.get(lang)
        if cw is None:
            floor = 10 ** (self.g_common_zipf - 9.0)
            cw = frozenset(w for w, f in _freq_dict(lang).items() if f > floor)
            self._common[lang] = cw
        return cw

    def _part_ok(self, lang: str, part: str) -> float:
        """The part's zipf if it may stand as a word of a split, else 0."""
        if len(part) == 1 and part not in self.one_letter.get(lang, ()):
            return 0.0
        z = self._zipf(lang, part)
        need = self.g_short_zipf if len(part) <= self.g_short_len else self.g_min_part
        return z if z >= need else 0.0

    def _split_uncached(self, lang: str, word: str) -> tuple[tuple[float, str, str, bool], ...]:
        """Valid splits ``(score, a, b, repairable)`` of a lowercase ``word``, best first.

        A split with a join word ("communication|between") is repairable; two
        frequent content words of an unlisted token ("chief|executive") count
        as a glue but are never repaired: a new compound reads the same.
        Empty when the word is a word itself.
        """
        if _norm_name(word) in self.allow:
            return ()
        zw = self._zipf(lang, word)
        join = self.join_words(lang)
        prefixes = self._prefix_parts.get(lang, frozenset())
        splits = []
        for i in range(1, len(word)):
            a, b = word[:i], word[i:]
            joined = b in join or (a in join and a not in prefixes)
            if not joined and (zw or min(len(a), len(b)) < self.g_content_len):
                continue
            za = self._part_ok(lang, a)
            if not za:
                continue
            zb = self._part_ok(lang, b)
            if not zb:
                continue
            if not joined and min(za, zb) < self.g_content_zipf:
                continue
            if zw and zw > za + zb - 9.0 - self.g_known_margin:
                continue  # a listed word, more frequent than a join of the two would be
            splits.append((za + zb, a, b, joined))
        splits.sort(reverse=True)
        return tuple(splits)

    def _glued(self, masked: str, text: str, lang: str) -> list[Hit]:
        if not _freq_dict(lang):
            return []
        hits: list[Hit] = []
        join = self.join_words(lang)
        n = len(masked)
        # camel-case joins: BidenFirst
        for m in self._camel_re.finditer(masked):
            s0, e0 = m.start(), m.end()
            before = masked[s0 - 1] if s0 else " "
            after = masked[e0] if e0 < n else " "
            if (
                _is_word_char(before)
                or before in _NOT_BEFORE_WORD
                or _is_word_char(after)
                or after in "-" + FILL
            ):
                continue
            a, b = m.group(1), m.group(2)
            tok = a + b
            if a in self.prefixes or _norm_name(tok) in self.allow:
                continue
            if a.lower() not in join and b.lower() not in join:
                continue
            if before in "(“\"'‘[" and after in ")”\"'’]":
                continue  # a name being introduced: (ClaimTask), "WebFinger"
            za, zb = self._zipf(lang, a.lower()), self._zipf(lang, b.lower())
            if za < self.g_camel_part or zb < self.g_camel_part:
                continue
            zt = self._zipf(lang, tok.lower())
            if zt and zt > za + zb - 9.0 - self.g_known_margin:
                continue  # a name wordfreq knows (SolarWinds, YouTube)
            if masked.count(tok) > 1:
                continue  # a term of the document, not a one-off glue
            hits.append(Hit("glued-word", s0, e0, f"{a} {b}"))
        # possessive joins: Russia'sforeign
        for m in self._poss_re.finditer(masked):
            i = m.start()
            s0 = i
            while s0 > 0 and masked[s0 - 1].isalpha():
                s0 -= 1
            if i - s0 < 2 or (s0 and (_is_word_char(masked[s0 - 1]) or masked[s0 - 1] in _NOT_BEFORE_WORD)):
                continue
            tail = self._letters_lo.match(masked, i + 2).group()
            e0 = i + 2 + len(tail)
            if e0 < n and (_is_word_char(masked[e0]) or masked[e0] in _NOT_BEFORE_WORD):
                continue
            if self._zipf(lang, tail) < self.g_min_part or self._zipf(lang, "s" + tail) >= self.g_min_part:
                continue
            if masked.count(masked[s0:e0]) > 1:
                continue
            hits.append(Hit("glued-word", s0, e0, text[s0 : i + 2] + " " + tail))
        # lowercase joins: communicationbetween
        if lang in self.lower_langs:
            toks = self._lower_re.findall(masked)
            cands = set(toks).difference(self._common_words(lang))
            for w in cands:
                splits = self._split(lang, w)
                if not splits or toks.count(w) > 1 or masked.count(w) > 1:
                    continue
                for m in re.finditer(rf" ({re.escape(w)})\b", masked):
                    e0 = m.end()
                    if e0 < n and (masked[e0] in _NOT_BEFORE_WORD or masked[e0] in "@."):
                        if masked[e0] != "." or (e0 + 1 < n and masked[e0 + 1].isalnum()):
                            continue
                    fix = None
                    if splits[0][3] and (len(splits) == 1 or splits[0][0] - splits[1][0] >= self.g_ambiguity):
                        fix = f"{splits[0][1]} {splits[0][2]}"
                    hits.append(Hit("glued-word", m.start(1), e0, fix))
        hits.sort(key=lambda h: h.start)
        return hits

    # -------------------------------------------------- punctuation spacing
    def _space_before(self, masked: str, text: str, lang: str | None) -> list[Hit]:
        hits = []
        dangling = self._dangling.get(lang or "", frozenset())
        for m in self._sp_before.finditer(masked):
            p = m.start()
            j = p
            while j > 0 and masked[j - 1] in _SP:
                j -= 1
            if j == 0 or not (masked[j - 1].isalnum() or masked[j - 1] in "”’»_"):
                continue
            s = j
            while s > 0 and not masked[s - 1].isspace():
                s -= 1
            word = text[s:j]
            if word.lower() in dangling:
                continue  # "denoted by , then": something (a formula, a link) was lost, not a spacing slip
            hits.append(Hit("space-before-punct", s, p + 1, word + masked[p]))
        if lang not in self.french:
            for m in self._sp_before_fr.finditer(masked):
                p = m.start()
                j = p
                while j > 0 and masked[j - 1] in _SP:
                    j -= 1
                if j and (masked[j - 1].isalnum() or masked[j - 1] in "”’"):
                    hits.append(Hit("space-before-punct", j, p + 1))
            hits.sort(key=lambda h: h.start)
        return hits

    # ----------------------------------------------------------------- quotes
    def _quotes(self, masked: str, text: str, lang: str | None) -> list[Hit]:
        hits: list[Hit] = []
        spacing = lang not in self.french
        lines = masked.split("\n")
        base = 0
        pending: int | None = None  # an opening mark left open at the end of a paragraph
        for line in lines:
            stripped = line.lstrip(_SP)
            if pending is not None and stripped:
                if stripped[0] not in '“„"«':
                    hits.append(Hit("unbalanced-quotes", pending, pending + 1))
                pending = None
            if '"' in line or "“" in line or "”" in line or "„" in line:
                line_hits, open_at = self._quotes_line(line, base, text, spacing)
                hits += line_hits
                if open_at is not None:
                    pending = open_at
            base += len(line) + 1
        return hits

    def _quotes_line(self, line: str, base: int, text: str, spacing: bool) -> tuple[list[Hit], int | None]:
        """Hits on one paragraph, and the offset of an opening mark left open at its end."""
        low9 = "„" in line  # German/Polish style: „ opens, “ or ” closes
        marks = [m.start() for m in self._quote_re.finditer(line)]
        n = len(line)
        hits: list[Hit] = []
        is_open: int | None = None
        reported = -1
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
            l_space = p in _SP or p.isspace() or p in _OPEN_CTX
            r_space = nx in _SP or nx.isspace()
            r_punct = nx in _CLOSE_PUNCT
            pos = self._position(l_space, r_space, r_punct, r_end)
            if q == "„":
                glyph = "open"
            elif q == "“":
                glyph = "close" if low9 else "open"
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
            elif (
                spacing
                and glyph == "close"
                and p in _SP
                and i >= 2
                and line[i - 2] not in _SP
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
                if line[j] == "“" and j + 1 < n and line[j + 1].isalnum() and line[j - 1] in _SP:
                    inner = self._pair_inner.fullmatch(line, i + 1, j)
                    if inner is not None and inner.group(1).count(" ") < 12:
                        seg = text[base + i + 1 : base + j]
                        lead = len(seg) - len(seg.lstrip(_SP))
                        trail = len(seg) - len(seg.rstrip(_SP))
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
        l_space = p in _SP or p.isspace() or p in _OPEN_CTX
        return self._position(l_space, nx in _SP or nx.isspace(), nx in _CLOSE_PUNCT, r_end) == "close"

    @staticmethod
    def _widen(text: str, s: int, e: int) -> tuple[int, int]:
        """Extend ``[s, e)`` over the word characters touching it (for readable before/after)."""
        while s > 0 and text[s - 1].isalnum():
            s -= 1
        n = len(text)
        while e < n and text[e].isalnum():
            e += 1
        return s, e

    # ------------------------------------------------ capitalised function words
    def _cap_function(self, masked: str, lang: str) -> list[Hit]:
        cues = self.title_cues.get(lang, frozenset())
        articles = self._articles.get(lang, frozenset())
        hits = []
        for m in self._fw_re[lang].finditer(masked):
            j = m.start()  # the space before the word
            k = j
            while k > 0 and masked[k - 1].isalpha():
                k -= 1
            prev = masked[k:j]
            if not prev or not prev.islower() or prev in cues:
                continue
            if k and (_is_word_char(masked[k - 1]) or masked[k - 1] in "'’-."):
                continue
            word = m.group(1)
            caps = 0
            nxt = self._next_words.match(masked, m.end())
            if nxt:
                for w in nxt.groups():
                    w = w.lstrip("“\"'‘(«„") if w else w
                    if w and w[0].isupper():
                        caps += 1
                    else:
                        break
            if caps >= 2 or (caps and word.lower() in articles):
                continue  # opens a title or a name: "read The New York Times", "told The Independent"
            hits.append(Hit("capitalized-function-word", m.start(1), m.end(1)))
        return hits

    # ------------------------------------------------ lowercase after a full stop
    def _lowercase_start(self, masked: str, lang: str | None) -> list[Hit]:
        abbr = self._abbr.get(lang or "", frozenset())
        n = len(masked)
        hits = []
        for m in self._lc_start.finditer(masked):
            j = m.start()
            k = j
            while k > 0 and masked[k - 1].isalpha():
                k -= 1
            if j - k < 2 or (k and (_is_word_char(masked[k - 1]) or masked[k - 1] in "'’-.")):
                continue
            e = m.end()
            if e < n and (_is_word_char(masked[e]) or masked[e] in "'’-"):
                continue
            prev = masked[k:j].lower()
            if prev in self._abbr_all or prev in abbr:
                continue
            hits.append(Hit("lowercase-sentence-start", m.start(1), e))
        return hits

    # -------------------------------------------------------- repeated words
    def _repeated(self, masked: str, lang: str | None, line_toks: list[list[str]]) -> list[Hit]:
        punct = itertools.repeat(_PUNCT_AFTER)
        if not any(any(map(operator.eq, t, map(str.rstrip, t[1:], punct))) for t in line_toks if len(t) > 1):
            return []
        ok = self._rep.get(lang or "", frozenset())
        hits = []
        for m in self._repeat_re.finditer(masked):
            s = m.start()
            if s and (_is_word_char(masked[s - 1]) or masked[s - 1] in "'’-"):
                continue
            a, b = m.group(1), m.group(2)
            low = a.lower()
            if low in self._rep_all or low in ok or a[0].isdigit():
                continue
            if b[0].isupper():
                continue  # names (Sirhan Sirhan), titles, "a new New Zealand"
            hits.append(Hit("repeated-word", s, m.end()))
        return hits

    # ------------------------------------------------------ foreign fragments
    def _foreign(self, masked: str, lang: str, line_toks: list[list[str]]) -> list[Hit]:
        hits = []
        base = 0
        foreign_words = self._foreign_words(lang)
        for line, toks in zip(masked.split("\n"), line_toks, strict=True):
            start = base
            base += len(line) + 1
            if len(toks) < self.f_min_words:
                continue
            if len(foreign_words.intersection(toks)) < 2:
                continue  # not two distinct frequent words of another language: not a fragment
            counts = self.language_counts(toks)
            if not counts:
                continue
            best, c = counts.most_common(1)[0]
            if best == lang or c < self.f_min_markers:
                continue
            if c >= self.f_min_share * len(toks) and counts.get(lang, 0) <= self.f_own_ratio * c:
                hits.append(Hit("foreign-fragment", start, start + len(line)))
        return hits

    def _foreign_words(self, lang: str) -> frozenset[str]:
        """Frequent words of the other candidate languages that are not among ``lang``'s."""
        fw = self._foreign_cache.get(lang)
        if fw is None:
            bit = 1 << self.f_langs.index(lang)
            fw = frozenset(w for w, mask in self._marker.items() if not mask & bit)
            self._foreign_cache[lang] = fw
        return fw

    # ---------------------------------------------------- derived verb/noun pairs
    def _derived_pairs(self, masked: str, lang: str) -> list[Hit]:
        pat, suffixes = self._derived[lang]
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

    # -------------------------------------------------------------- excerpts
    def _excerpt(self, text: str, h: Hit) -> dict[str, Any]:
        c = self.context
        s = max(0, h.start - c)
        e = min(len(text), h.end + c)
        return {"offset": h.start, "text": text[s:e]}


def _strs(items: Any, key: str) -> list[str]:
    """A list of strings from the data file (YAML reads a bare no or on as a boolean: quote it)."""
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise ValueError(f"artifact data: {key}: expected a list of strings")
    out = []
    for x in items:
        if not isinstance(x, str):
            raise ValueError(f"artifact data: {key}: {x!r} is not a string (quote it in YAML)")
        out.append(x)
    return out


def _lang_sets(d: Mapping[str, Any], key: str) -> dict[str, frozenset[str]]:
    """``{lang: [words]}`` from the data file as ``{lang: frozenset(lowercase words)}``."""
    section = d.get(key) or {}
    if not isinstance(section, Mapping):
        raise ValueError(f"artifact data: {key}: expected a mapping of language to a list of words")
    return {lang: frozenset(w.lower() for w in _strs(v, f"{key}.{lang}")) for lang, v in section.items()}


# ------------------------------------------------------------ module-level API
@functools.lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector built from the shipped ``rules/artifacts.yaml`` (built once)."""
    return Detector()


def detect(text: str, lang: str | None = None, cfg: Detector | None = None) -> Result:
    """Findings, score and flag for ``text`` (the shipped data unless ``cfg`` is given)."""
    return (cfg or default_detector()).detect(text, lang)


def repair(
    text: str, lang: str | None = None, cfg: Detector | None = None, kinds: Iterable[str] = DEFAULT_REPAIRS
) -> tuple[str, list[dict[str, Any]]]:
    """The certain repairs of ``kinds`` applied to ``text``: (new text, repairs)."""
    return (cfg or default_detector()).repair(text, lang, kinds)
