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

import numpy as np

from cleaner.jit import Group

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
    from cleaner.yamlio import load_yaml  # (libyaml's safe loader: the pure-Python one takes 60 ms here)

    p = Path(path) if path is not None else default_data_path()
    data = load_yaml(p)
    if not isinstance(data, dict):
        raise ValueError(f"{p}: expected a mapping of artifact-detector data")
    return data


def norm_lang(lang: str | None) -> str | None:
    """``"en-US"`` -> ``"en"``; None stays None."""
    if not lang:
        return None
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or None


class _Freqs:
    """wordfreq's frequency list of a language: ``get(word)`` is the frequency
    ``wordfreq.get_frequency_dict(lang)`` gives the word, or None.

    The words are kept as they are in the cache folder (:mod:`cleaner.datacache`):
    sorted, in one UTF-8 buffer, one per line, their frequencies in an array;
    ``get`` finds a word by a compiled bisection over that buffer
    (:func:`cleaner.kernels.find_word`). Building wordfreq's dict of 300,000 to
    700,000 words takes 0.2 to 0.6 s, and even a list of the words 40 to 60 ms
    and 40 MB, in every worker process and for every language its documents
    bring; finding where each word starts takes a millisecond.
    """

    __slots__ = ("blob", "bounds", "freqs")

    def __init__(self, blob: Any, freqs: Any) -> None:
        self.blob = blob  # uint8: the sorted words, UTF-8, joined by newlines
        self.freqs = freqs  # float64, in the order of the words
        # word i is blob[bounds[i]:bounds[i + 1] - 1]
        self.bounds = (
            np.concatenate(([0], np.flatnonzero(blob == 10) + 1, [len(blob) + 1])).astype(np.int64)
            if len(blob) or len(freqs) else np.zeros(1, dtype=np.int64)
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, float]) -> _Freqs:
        words = sorted(d)  # code point order: the order of their UTF-8 bytes
        blob = "\n".join(words).encode("utf-8", "surrogatepass")
        return cls(np.frombuffer(blob, dtype=np.uint8), np.array([d[w] for w in words], dtype=np.float64))

    def get(self, word: str) -> float | None:
        i = _find_word(self.blob, self.bounds, word.encode("utf-8", "surrogatepass"))
        return float(self.freqs[i]) if i >= 0 else None

    def __len__(self) -> int:
        return len(self.freqs)

    def _word(self, i: int) -> str:
        return self.blob[self.bounds[i] : self.bounds[i + 1] - 1].tobytes().decode("utf-8", "surrogatepass")

    def above(self, floor: float) -> list[str]:
        """The words more frequent than ``floor``."""
        return [self._word(i) for i in np.flatnonzero(self.freqs > floor).tolist()]

    def arrays(self) -> dict[str, Any]:
        return {"words": self.blob, "freqs": self.freqs}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any]) -> _Freqs | None:
        """From :meth:`arrays`; None when they do not fit together (a damaged file)."""
        try:
            blob = arrays["words"]
            freqs = arrays["freqs"]
        except KeyError:
            return None
        if not (isinstance(blob, np.ndarray) and isinstance(freqs, np.ndarray)):
            return None
        if blob.dtype != np.uint8 or blob.ndim != 1 or freqs.dtype != np.float64 or freqs.ndim != 1:
            return None
        # (a damaged file fails np.load's CRC check before it gets here)
        out = cls(blob, freqs)
        return out if len(out.bounds) - 1 == len(freqs) else None


def _find_word(blob: Any, bounds: Any, key: bytes) -> int:
    """:func:`cleaner.kernels.find_word` (imported on first use: kernels loads numba)."""
    global _find_word
    from cleaner.kernels import find_word

    _find_word = find_word
    return int(find_word(blob, bounds, key))


def _wordfreq_cache(kind: str, *built_from: str, suffix: str = ".npz") -> Path | None:
    """The cache file (:mod:`cleaner.datacache`) for data of ``kind`` built from
    wordfreq's lists and ``built_from``; None when wordfreq's version is unknown."""
    from cleaner import datacache

    wf_version = _wordfreq_version()
    if wf_version is None:  # wordfreq not installed as a distribution: no cache key
        return None
    return datacache.cache_file(kind, wf_version, *built_from, suffix=suffix)


@functools.lru_cache(maxsize=1)
def _wordfreq_version() -> str | None:
    """(importlib.metadata reads the installed distributions: milliseconds a call)"""
    from importlib.metadata import version

    try:
        return version("wordfreq")
    except Exception:
        return None


@functools.lru_cache(maxsize=64)
def _freq_dict(lang: str) -> _Freqs:
    """wordfreq's frequency list for ``lang`` (shipped with the package), loaded
    once per process: from the cache folder, else from wordfreq (then cached)."""
    from cleaner import datacache

    path = _wordfreq_cache("wordfreq-freqs", lang)
    arrays = datacache.load_arrays(path)
    freqs = _Freqs.from_arrays(arrays) if arrays is not None else None
    if freqs is not None:
        return freqs
    import wordfreq

    try:
        d = wordfreq.get_frequency_dict(lang)
    except Exception:  # a language wordfreq lacks
        d = {}
    if any("\n" in w for w in d):  # (wordfreq's words hold no newline: it splits on spaces)
        d = {w: f for w, f in d.items() if "\n" not in w}
    freqs = _Freqs.from_dict(d)
    datacache.save_arrays(path, freqs.arrays())
    return freqs


@functools.lru_cache(maxsize=64)
def _top_words(lang: str, n: int) -> tuple[str, ...]:
    """wordfreq's ``n`` most frequent words of ``lang``, kept between runs in the
    cache folder (:mod:`cleaner.datacache`): reading a full wordfreq list takes
    about 0.1 s per language, which every run and worker would pay at start-up."""
    from cleaner import datacache

    path = _wordfreq_cache("wordfreq-top", lang, str(n), suffix=".json")
    cached = datacache.load_json(path)
    if isinstance(cached, list) and all(isinstance(w, str) for w in cached):
        return tuple(cached)
    import wordfreq

    try:
        words = tuple(wordfreq.top_n_list(lang, n))
    except Exception:  # a language wordfreq lacks
        words = ()
    datacache.save_json(path, list(words))
    return words


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
_PUNCT_AFTER = ',.;:!?"”’)'
_LEAD = "(“\"‘'[«„<"
_TRAIL = ".,;:!?)”\"’']»>"
_NOT_BEFORE_WORD = set(f"'’-{FILL}")  # a token glued to these is not a word of prose


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


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_" or c == FILL


# ------------------------------------------------------------ the text pass
# One compiled pass over a text's code points (:func:`_text_pass`) finds which
# lines some of the regular expressions below can match on, so that they run
# on those lines only, and counts the words. Each line test is necessary for a
# match (a superset: a line it lets through may still hold none), which keeps
# the results exactly those of running every regex on the whole text; the tests
# in tests/test_artifacts_speed.py hold each one to that.
L_REPEAT = 1  # _repeat_re may make a hit (a match at the start of a run of letters)
L_CAMEL = 2  # _camel_re may match: a lowercase letter right before a capital
L_FOREIGN = 4  # _foreign may flag the line: enough words, foreign marker words, one language's markers
L_SPACE_DOT = 8  # _sp_before may match: a space of _SP right before "." or ","
L_SPACE_COLON = 16  # _sp_before_fr may match: a space of _SP right before ";" or ":"
L_MISSING = 32  # _miss_after may match: [LO][LO] and "." "!" "?" before [UP][LO], or "," before [LO][LO]
L_QUOTE = 64  # the line holds a curly quote mark of _quote_re (“”„): straight ones alone make no hit
L_CAP = 128  # _fw_re may match: a letter, a space, a capitalised function word (set by _space_pass_py)
L_POSS = 256  # _poss_re may match: an apostrophe, an s and three lowercase letters
L_LOWER_START = 512  # _lc_start may match: ".", spaces of _SP and two lowercase letters

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_U64 = (1 << 64) - 1


def _text_pass_py(cps, flags, lower, fold, keys, vals, own, nlangs, min_words, min_markers, min_share,
                  sp_flag, alnum_flag, dec_flag, want):  # pragma: no cover - compiled
    """(words, line starts, line ends, line bits, all their bits, whether a
    character is beyond the basic plane, rep_lo, rep_hi) of a text given as its
    code points ``cps``.

    ``words`` is the number of runs of characters that are not spaces
    (``str.isspace``: ``sp_flag`` in the character table ``flags``): what
    ``str.split`` makes of the text. A bit of a line is set when the regular
    expression of that bit may match on the line (see the L_* names; L_REPEAT
    and L_FOREIGN only where ``want`` holds them): each test is a necessary
    condition for a match. Character classes come from the tables
    (``alnum_flag``, ``dec_flag``; ``fold``, the classes ``re.IGNORECASE``
    compares by); the Latin-1 letters of _UP and _LO are spelled out.
    Where L_REPEAT is set, the line's doubled words lie in cps[rep_lo:rep_hi].
    L_FOREIGN needs the marker words: FNV-1a hashes of the words lower-cased
    by the table ``lower``, in the open-addressing table ``keys``, with each
    one's bit mask of languages in ``vals``; the text's language is bit ``own``.
    """
    n = len(cps)
    nl = 1
    for i in range(n):
        if cps[i] == 10:
            nl += 1
    starts = np.zeros(nl, dtype=np.int64)
    ends = np.full(nl, n, dtype=np.int64)
    bits = np.zeros(nl, dtype=np.uint16)
    rep_lo = np.zeros(nl, dtype=np.int64)
    rep_hi = np.zeros(nl, dtype=np.int64)
    want_rep = (want & L_REPEAT) != 0
    words = 0
    li = 0
    in_tok = False
    run = 0  # where the run of letters ([^\W\d_]) that ends here starts
    seg = 0  # where the stretch of letters and spaces of _SP that ends here starts
    stretch_end = 0  # where the last stretch of letters and spaces scanned for L_REPEAT ends
    prev = 10
    astral = False
    for i in range(n):
        c = np.int64(cps[i])
        if 97 <= c <= 122:  # a-z, the usual case: a letter in a token, none of the tests below
            if not in_tok:
                in_tok = True
                words += 1
            prev = c
            continue
        f = flags[c]
        if c == 10:
            in_tok = False
            li += 1
            ends[li - 1] = i
            starts[li] = i + 1
        elif (f & sp_flag) != 0:
            in_tok = False
            if c == 32 or c == 9 or c == 0xA0 or c == 0x202F or c == 0x2009:  # a space of _SP
                if i + 1 < n:
                    d = cps[i + 1]
                    if d == 46 or d == 44:
                        bits[li] |= L_SPACE_DOT
                    elif d == 59 or d == 58:
                        bits[li] |= L_SPACE_COLON
                if (
                    want_rep
                    and run < i
                    and i + 1 < n
                    # the letters come again right after one space, or after more
                    and (fold[cps[i + 1]] == fold[cps[run]] or _is_sp(cps[i + 1]))
                    and _doubled(cps, flags, fold, alnum_flag, run, i)
                ):
                    # a match lies in one stretch of letters and spaces: the regex
                    # runs from the first such stretch of the line to the last
                    # (a stretch already scanned to its end is not scanned again:
                    # one line of doubled words stays linear)
                    e = i if i >= stretch_end else stretch_end
                    while e < n and (_is_sp(cps[e]) or _is_letter(cps[e], flags, alnum_flag, dec_flag)):
                        e += 1
                    stretch_end = e
                    if not (bits[li] & L_REPEAT):
                        rep_lo[li] = seg
                    rep_hi[li] = e
                    bits[li] |= L_REPEAT
        else:
            if not in_tok:
                in_tok = True
                words += 1
            if c > 0xFFFF:  # (no space is)
                astral = True
            if c == 0x201C or c == 0x201D or c == 0x201E:
                bits[li] |= L_QUOTE
            elif (c == 39 or c == 0x2019) and i + 4 < n and cps[i + 1] == 115:  # ['’]s(?=[LO]{3})
                if _is_lo(cps[i + 2]) and _is_lo(cps[i + 3]) and _is_lo(cps[i + 4]):
                    bits[li] |= L_POSS
            if c < 256:
                # [a-zß-öø-ÿ][A-ZÀ-ÖØ-Þ]
                if (65 <= c <= 90 or 0xC0 <= c <= 0xDE and c != 0xD7) and (
                    97 <= prev <= 122 or 0xDF <= prev <= 0xFF and prev != 0xF7
                ):
                    bits[li] |= L_CAMEL
                if (c == 46 or c == 33 or c == 63 or c == 44) and _missing_at(cps, i, c):
                    bits[li] |= L_MISSING
                if c == 46 and i + 1 < n and _is_sp(cps[i + 1]) and _lower_start_at(cps, i + 1):
                    bits[li] |= L_LOWER_START
        if (f & alnum_flag) == 0 or (f & dec_flag) != 0:
            run = i + 1
            if not _is_sp(c):
                seg = i + 1
        prev = c
    if (want & L_FOREIGN) != 0 and len(keys) > 0:
        _foreign_lines(
            cps, flags, lower, keys, vals, own, nlangs, min_words, min_markers, min_share, sp_flag, bits
        )
    return words, starts, ends, bits, _or_all(bits), astral, rep_lo, rep_hi


def _or_all(bits):  # pragma: no cover - compiled
    """The bits of all lines."""
    found = 0
    for b in bits:
        found |= b
    return found


def _is_sp(c):  # pragma: no cover - compiled
    """c in _SP."""
    return c == 32 or c == 9 or c == 0xA0 or c == 0x202F or c == 0x2009


def _is_lo(c):  # pragma: no cover - compiled
    """c in [a-zß-öø-ÿ] (_LO)."""
    return 97 <= c <= 122 or 0xDF <= c <= 0xFF and c != 0xF7


def _is_up(c):  # pragma: no cover - compiled
    """c in [A-ZÀ-ÖØ-Þ] (_UP)."""
    return 65 <= c <= 90 or 0xC0 <= c <= 0xDE and c != 0xD7


def _missing_at(cps, i, c):  # pragma: no cover - compiled
    """Whether _miss_after matches at cps[i] (one of ".!?,")."""
    if i < 2 or i + 2 >= len(cps):
        return False
    if not (_is_lo(cps[i - 1]) and _is_lo(cps[i - 2]) and _is_lo(cps[i + 2])):
        return False
    return _is_lo(cps[i + 1]) if c == 44 else _is_up(cps[i + 1])


def _lower_start_at(cps, q):  # pragma: no cover - compiled
    """Whether spaces of _SP from q on are followed by two of [a-zß-öø-ÿ]."""
    n = len(cps)
    while q < n and _is_sp(cps[q]):
        q += 1
    return q + 1 < n and _is_lo(cps[q]) and _is_lo(cps[q + 1])


def _is_letter(c, flags, alnum_flag, dec_flag):  # pragma: no cover - compiled
    r"""c in [^\W\d_]."""
    return (flags[c] & alnum_flag) != 0 and (flags[c] & dec_flag) == 0


def _not_after_word(c, flags, alnum_flag):  # pragma: no cover - compiled
    r"""c is none of [\w FILL ' ’ -]."""
    return not ((flags[c] & alnum_flag) != 0 or c == 95 or c == 0xE000 or c == 39 or c == 0x2019 or c == 45)


def _doubled(cps, flags, fold, alnum_flag, run, p):  # pragma: no cover - compiled
    r"""Whether _repeat_re may match at ``run`` (the start of the letters cps[run:p],
    before a space of _SP at p) and the match be a hit: the character before
    is none of [\w FILL ' ’ -], the letters come again after the spaces
    (compared by ``fold``, which is coarser than the back-reference's
    lower case) and no such character follows them."""
    n = len(cps)
    if run > 0 and not _not_after_word(cps[run - 1], flags, alnum_flag):
        return False
    q = p
    while q < n and _is_sp(cps[q]):
        q += 1
    m = p - run
    if q + m > n:
        return False
    for k in range(m):
        if fold[cps[q + k]] != fold[cps[run + k]]:
            return False
    return q + m == n or _not_after_word(cps[q + m], flags, alnum_flag)


def _foreign_lines(cps, flags, lower, keys, vals, own, nlangs, min_words, min_markers, min_share,
                   sp_flag, bits):  # pragma: no cover - compiled
    """Set L_FOREIGN on the lines with at least ``min_words`` tokens, two tokens
    among the marker words of languages other than ``own`` and, for one of those
    languages, at least ``min_markers`` and ``min_share`` of the tokens its
    markers (a count that hash collisions can only raise)."""
    n = len(cps)
    counts = np.zeros(64, dtype=np.int64)
    tmask = np.uint64(len(keys) - 1)
    li = 0
    line_tokens = 0
    n_foreign = 0
    in_tok = False
    h = _FNV_OFFSET
    for i in range(n + 1):
        c = np.int64(cps[i]) if i < n else np.int64(10)
        if c == 10 or (flags[c] & sp_flag) != 0:
            if in_tok:  # a token ends: look it up
                in_tok = False
                line_tokens += 1
                if h == 0:
                    h = np.uint64(1)
                k = h & tmask
                while keys[k] != 0:
                    if keys[k] == h:
                        mk = vals[k]
                        for b in range(nlangs):
                            if (mk >> b) & 1:
                                counts[b] += 1
                        if not ((mk >> own) & 1):
                            n_foreign += 1
                        break
                    k = (k + np.uint64(1)) & tmask
            if c == 10:  # a line ends
                if line_tokens >= min_words and n_foreign >= 2:
                    for b in range(nlangs):
                        if b != own and counts[b] >= min_markers and counts[b] >= min_share * line_tokens:
                            bits[li] |= L_FOREIGN
                            break
                for b in range(nlangs):
                    counts[b] = 0
                line_tokens = 0
                n_foreign = 0
                li += 1
        else:
            if not in_tok:
                in_tok = True
                h = _FNV_OFFSET
            h = (h ^ np.uint64(lower[c])) * _FNV_PRIME


def _space_pass_py(cps, flags, alnum_flag, dec_flag, min_len, keys, ids, flat, offs, lens,
                   cap_keys, cap_max, cap_first, bits):  # pragma: no cover - compiled
    r"""What follows each space (" ") of the text ``cps``.

    Returns (starts, ends, the bits of all lines): where the letters of the
    matches of _lower_re (" ([a-zß-öø-ÿ]{min_len,})\b") start and end, for those
    that are not one of the words ``flat[offs[k]:offs[k] + lens[k]]``
    (looked up by FNV-1a hash in the open-addressing table ``keys``/``ids``, then
    compared); none when ``keys`` is empty. Sets L_CAP on the lines where a space
    after a letter ([^\W\d_]) is followed by a word up to " ,;:", a newline or the
    end whose hash is in ``cap_keys`` (words of at most ``cap_max`` characters,
    whose first characters are marked in ``cap_first``; a hash collision only
    lets a line through).
    """
    n = len(cps)
    out_s = np.empty(n // 2 + 1, dtype=np.int64)
    out_e = np.empty(n // 2 + 1, dtype=np.int64)
    found = 0
    tmask = np.uint64(len(keys) - 1)
    cmask = np.uint64(len(cap_keys) - 1)
    li = 0
    for i in range(n - 1):
        c = cps[i]
        if c != 32:
            if c == 10:
                li += 1
            continue
        d = cps[i + 1]
        if d < len(cap_first) and cap_first[d] != 0 and i > 0:
            b = flags[cps[i - 1]]
            if (b & alnum_flag) != 0 and (b & dec_flag) == 0:
                e = i + 1
                h = _FNV_OFFSET
                while e < n and e - i - 1 <= cap_max:
                    d = cps[e]
                    if d == 32 or d == 44 or d == 59 or d == 58 or d == 10:
                        break
                    h = (h ^ np.uint64(d)) * _FNV_PRIME
                    e += 1
                if e > i + 1 and e - i - 1 <= cap_max:
                    if h == 0:
                        h = np.uint64(1)
                    k = h & cmask
                    while cap_keys[k] != 0:
                        if cap_keys[k] == h:
                            bits[li] |= L_CAP
                            break
                        k = (k + np.uint64(1)) & cmask
        if len(keys) == 0:
            continue
        e = i + 1
        while e < n and _is_lo(cps[e]):
            e += 1
        if e - i - 1 < min_len:
            continue
        if e < n and ((flags[cps[e]] & alnum_flag) != 0 or cps[e] == 95):
            continue  # no word boundary after the letters
        h = _FNV_OFFSET
        for j in range(i + 1, e):
            h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
        if h == 0:
            h = np.uint64(1)
        common = False
        k = h & tmask
        while keys[k] != 0:
            if keys[k] == h:
                w = ids[k]
                if lens[w] == e - i - 1:
                    same = True
                    for j in range(lens[w]):
                        if flat[offs[w] + j] != cps[i + 1 + j]:
                            same = False
                            break
                    if same:
                        common = True
                        break
            k = (k + np.uint64(1)) & tmask
        if not common:
            out_s[found] = i + 1
            out_e[found] = e
            found += 1
    return out_s[:found], out_e[:found], _or_all(bits)


# the compiled helpers of the passes
_HELPERS = (
    "_or_all", "_is_sp", "_is_lo", "_is_up", "_is_letter", "_missing_at", "_lower_start_at", "_not_after_word",
    "_doubled", "_foreign_lines",
)
_TEXT_PASS: Any = None
_SPACE_PASS: Any = None


def _text_pass() -> Any:
    """:func:`_text_pass_py` compiled (numba; compiled once, then loaded from the disk cache)."""
    global _TEXT_PASS
    if _TEXT_PASS is None:
        from cleaner.kernels import njit  # numba's, once kernels has set its cache folder

        # the helpers are compiled first and take their own names here, so that
        # the kernel calls them compiled (numba reads the globals when it compiles)
        for name in _HELPERS:
            globals()[name] = njit(cache=True, nogil=True)(globals()[name])
        _TEXT_PASS = njit(cache=True, nogil=True)(_text_pass_py)
    return _TEXT_PASS


def _space_pass() -> Any:
    """:func:`_space_pass_py` compiled."""
    global _SPACE_PASS
    if _SPACE_PASS is None:
        _text_pass()  # compiles the helpers
        from cleaner.kernels import njit

        _SPACE_PASS = njit(cache=True, nogil=True)(_space_pass_py)
    return _SPACE_PASS


def _hash_table(hashes: Iterable[int]) -> Any:
    """An open-addressing table (a power of two, at most a quarter full; 0 is empty) of ``hashes``."""
    hs = sorted(set(hashes))
    size = 1 << max(4, (4 * len(hs) - 1).bit_length())
    keys = np.zeros(size, dtype=np.uint64)
    for h in hs:
        k = h & (size - 1)
        while keys[k]:
            k = (k + 1) & (size - 1)
        keys[k] = h
    return keys


def _code_points(text: str) -> Any:
    """The code points of ``text`` (as kernels.code_points makes them, without its
    search for characters beyond the basic plane: the text pass tells when there
    is one), four bytes each: one array type, so the compiled passes have one
    version each to load (narrower types saved little and cost a load each)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _fnv(codes: Iterable[int]) -> int:
    """The kernel's hash of a word (its code points, lower-cased by the kernel's table)."""
    h = int(_FNV_OFFSET)
    for c in codes:
        h = ((h ^ c) * int(_FNV_PRIME)) & _U64
    return h or 1


class _Text:
    """A masked text and what the text pass found in it; its tokens made on demand."""

    __slots__ = ("masked", "cps", "words", "starts", "ends", "bits", "found", "runs", "rep", "_flagged")

    def __init__(self, masked: str) -> None:
        self.masked = masked
        self.cps: Any = None  # its code points (numpy)
        self.words = 0
        self.starts: Any = None  # where each line starts (numpy)
        self.ends: Any = None  # and ends (its newline, or the end of the text)
        self.bits: Any = None  # the L_* bits of each line (numpy)
        self.found = 0  # the bits of all lines
        self.runs: tuple[list[int], list[int]] = ([], [])  # see Detector._space_pass
        self.rep: tuple[Any, Any] = (None, None)  # see _text_pass_py
        self._flagged: dict[int, list[tuple[int, int, int]]] | None = None

    def set_pass(self, words: int, starts: Any, ends: Any, bits: Any, found: int) -> None:
        self.words = words
        self.starts = starts
        self.ends = ends
        self.bits = bits
        self.found = found
        self._flagged = None

    def set_bits(self, found: int) -> None:
        """After a pass that set more bits in ``bits``."""
        self.found = found
        self._flagged = None

    def line_toks(self) -> Iterable[list[str]]:
        """The lowercase tokens of each line, line by line (made as they are asked for).

        ``masked.lower().split("\n")`` makes the same lines: lower-casing keeps
        every newline and makes none, and the one context it reads (for a
        final sigma) stops at a newline."""
        for ln in self.masked.split("\n"):
            yield ln.lower().split()

    def lines(self, bit: int) -> list[tuple[int, int, int]]:
        """(index, start, end) of the lines with ``bit`` set, in order."""
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


class Detector:
    """Compiled artifact detectors and repairs; build once, use on many texts.

    Every regular expression starts with a literal or a small character class,
    so that the engine skips ahead cheaply; boundaries and word lists are then
    checked in Python on the few places it finds. wordfreq lookups happen only
    for candidate tokens, and splits of a token are cached. Compiled passes over
    the text's code points (:func:`_text_pass_py`, :func:`_space_pass_py`) count
    the words, find the lines where a regex can match, the foreign-looking
    lines and the uncommon lowercase words: each regex then runs on those lines
    only, with the same results as on the whole text.
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
            # A hit needs a letter before the space (the lowercase word before it), so the
            # regex may ask for one: dropping the other matches changes none of the rest when
            # no match can start inside another (no function word holds a space).
            after = r"(?<=[^\W\d_] )" if not any(" " in w for w in words) else ""
            self._fw_re[lang] = re.compile(rf" {after}({_alt(_cap(w) for w in words)})(?=[ ,;:]|$)", re.M)
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
        self._mtable: tuple[Any, Any] | None = None
        self._foreign_pass = len(self.f_langs) <= 62  # the text pass counts markers in 64-bit masks
        self._common_tables: dict[str, tuple[Any, ...]] = {}
        self._no_words = (np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.uint32),
                          np.zeros(0, np.int64), np.zeros(0, np.int64))
        for a in self._no_words:  # read-only, as the common-word tables (cleaner.datacache): one compile
            a.flags.writeable = False
        self._no_markers = (np.zeros(0, np.uint64), np.zeros(0, np.int64))
        self._no_cap = (np.zeros(0, np.uint64), 0, np.zeros(0, np.uint8))
        # the capitalised function words as the space pass looks them up, where _fw_re
        # asks for a letter before the space and no word holds " ,;:" or a newline
        self._cap_tables: dict[str, tuple[Any, int, Any]] = {}
        for lang, words in self._function_words.items():
            caps = {_cap(w) for w in words}
            if self._fw_re[lang].pattern.startswith(" (?<=") and not any(set(w) & set(" ,;:\n") for w in caps):
                first = np.zeros(max(ord(w[0]) for w in caps) + 1, dtype=np.uint8)
                first[[ord(w[0]) for w in caps]] = 1
                table = _hash_table(_fnv(map(ord, w)) for w in caps)
                self._cap_tables[lang] = (table, max(map(len, caps)), first)

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
        t = _Text(self.mask(text))
        masked = t.masked
        if want and lang is None and want & {
            "foreign-fragment",
            "glued-word",
            "capitalized-function-word",
            "derived-pair",
        }:
            # its first 1000 tokens, what guess_language takes of the lines
            first = itertools.islice(itertools.chain.from_iterable(t.line_toks()), 1000)
            lang = self.guess_language([list(first)])
        glued = "glued-word" in want and lang in self.glued_langs
        foreign = "foreign-fragment" in want and lang in self.f_langs
        self._pass(
            t,
            lang,
            (L_CAMEL if glued else 0)
            | (L_REPEAT if "repeated-word" in want else 0)
            | (L_FOREIGN if foreign and self._foreign_pass else 0),
        )
        words = t.words
        if not want:
            return [], words
        lower = glued and lang in self.lower_langs
        if lower or ("capitalized-function-word" in want and lang in self._cap_tables):
            self._space_pass(t, lang, lower)
        hits: list[Hit] = []
        if glued:
            hits += self._glued(t, text, lang)  # type: ignore[arg-type]
        if "space-before-punct" in want:
            hits += self._space_before(t, text, lang)
        if "missing-space-after-punct" in want:
            hits += self._missing_space(t)
        if want & {"reversed-quotes", "unbalanced-quotes", "quote-spacing"} and (
            '"' in masked or "“" in masked or "”" in masked or "„" in masked
        ):
            hits += [h for h in self._quotes(t, text, lang) if h.kind in want]
        if "capitalized-function-word" in want and lang in self._fw_re:
            hits += self._cap_function(t, lang)  # type: ignore[arg-type]
        if "lowercase-sentence-start" in want:
            hits += self._lowercase_start(t, lang)
        if "repeated-word" in want:
            hits += self._repeated(t, lang)
        if foreign:
            hits += self._foreign(t, lang)  # type: ignore[arg-type]
        if "derived-pair" in want and lang in self._derived:
            hits += self._derived_pairs(masked, lang)  # type: ignore[arg-type]
        return hits, words

    def _pass(self, t: _Text, lang: str | None, want: int) -> None:
        """Run the text pass on ``t``: its word count, line starts and line bits."""
        from cleaner import kernels

        cps = t.cps = _code_points(t.masked)
        flags, lower, done = kernels.tables()
        keys, vals = self._marker_table() if self._foreign_pass else self._no_markers
        own = self.f_langs.index(lang) if want & L_FOREIGN else 0
        args = (flags, lower, kernels.fold_table(), keys, vals, own, len(self.f_langs), self.f_min_words,
                self.f_min_markers, self.f_min_share, kernels.SP, kernels.AN, kernels.DEC, want)
        words, starts, ends, bits, found, astral, rep_lo, rep_hi = _text_pass()(cps, *args)
        if astral and not done[np.unique(cps[cps > 0xFFFF])].all():
            cps = t.cps = kernels.code_points(t.masked)  # fills the tables for them; then again
            words, starts, ends, bits, found, astral, rep_lo, rep_hi = _text_pass()(cps, *args)
        t.set_pass(words, starts, ends, bits, found)
        t.rep = (rep_lo, rep_hi)

    def _marker_table(self) -> tuple[Any, Any]:
        """The foreign-fragment marker words as the text pass looks them up: an
        open-addressing table of their hashes and each one's language bit mask."""
        if self._mtable is None:
            from cleaner import kernels

            kernels.code_points("".join(self._marker))  # fills the tables for any character beyond the BMP
            _, lower, _ = kernels.tables()
            entries: dict[int, int] = {}
            for w, mask in self._marker.items():
                h = _fnv(int(lower[ord(ch)]) for ch in w)
                entries[h] = entries.get(h, 0) | mask
            size = 1 << max(4, (4 * len(entries) - 1).bit_length())
            keys = np.zeros(size, dtype=np.uint64)
            vals = np.zeros(size, dtype=np.int64)
            for h, mask in entries.items():
                k = h & (size - 1)
                while keys[k]:
                    k = (k + 1) & (size - 1)
                keys[k] = h
                vals[k] = mask
            self._mtable = (keys, vals)
        return self._mtable

    def mask(self, text: str) -> str:
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
            cw = frozenset(_freq_dict(lang).above(floor))
            self._common[lang] = cw
        return cw

    _TABLE_PARTS = ("keys", "ids", "flat", "offs", "lens")

    def _common_table(self, lang: str) -> tuple[Any, ...]:
        """The common words the space pass looks up (those _lower_re can match),
        as (keys, ids, flat, offs, lens); kept in the cache folder, as it takes
        a few tenths of a second to build in each process."""
        table = self._common_tables.get(lang)
        if table is not None:
            return table
        from cleaner import datacache, kernels

        # ("1": the table's layout and hash; change it when they change)
        path = _wordfreq_cache("artifacts-common", "1", lang, repr(self.g_common_zipf), str(self.g_min_len), _LO)
        cached = datacache.load_arrays(path)
        if cached is not None and set(cached) == set(self._TABLE_PARTS):
            table = tuple(cached[k] for k in self._TABLE_PARTS)
        else:
            low = re.compile(rf"[{_LO}]{{{self.g_min_len},}}")
            words = sorted(w for w in self._common_words(lang) if low.fullmatch(w))
            lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
            offs = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64) if words else lens
            flat = kernels.code_points("".join(words))
            size = 1 << max(4, (4 * len(words) - 1).bit_length())
            keys = np.zeros(size, dtype=np.uint64)
            ids = np.zeros(size, dtype=np.int64)
            for k, w in enumerate(words):
                h = _fnv(map(ord, w))
                slot = h & (size - 1)
                while keys[slot]:
                    slot = (slot + 1) & (size - 1)
                keys[slot] = h
                ids[slot] = k
            table = (keys, ids, flat, offs, lens)
            datacache.save_arrays(path, dict(zip(self._TABLE_PARTS, table, strict=True)))
        self._common_tables[lang] = table
        return table

    def _space_pass(self, t: _Text, lang: str | None, lower: bool) -> None:
        """Run the space pass on ``t``: L_CAP, and with ``lower`` the matches of
        ``_lower_re`` that are not common words (``t.runs``)."""
        from cleaner import kernels

        table = self._common_table(lang) if lower else self._no_words  # type: ignore[arg-type]
        cap_keys, cap_max, cap_first = self._cap_tables.get(lang, self._no_cap)  # type: ignore[arg-type]
        flags, _, _ = kernels.tables()
        starts, ends, found = _space_pass()(
            t.cps, flags, kernels.AN, kernels.DEC, self.g_min_len, *table, cap_keys, cap_max, cap_first, t.bits
        )
        t.set_bits(found)
        t.runs = (starts.tolist(), ends.tolist())

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

    def _possessive_positions(self, t: _Text) -> list[int]:
        """The start of every match of ``_poss_re``, on the lines the text pass lets through."""
        masked = t.masked
        return [m.start() for _, ls, le in t.lines(L_POSS) for m in self._poss_re.finditer(masked, ls, le)]

    def _glued(self, t: _Text, text: str, lang: str) -> list[Hit]:
        if not _freq_dict(lang):
            return []
        masked = t.masked
        hits: list[Hit] = []
        join = self.join_words(lang)
        n = len(masked)
        # camel-case joins: BidenFirst (on the lines with a lowercase letter before a capital)
        for m in (m for _, ls, le in t.lines(L_CAMEL) for m in self._camel_re.finditer(masked, ls, le)):
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
        for i in self._possessive_positions(t):
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
            # The distinct matches of _lower_re that are not common words (a compiled scan).
            # One seen twice is also twice in masked.count, which rules it out below; one
            # left is in the text once (another occurrence could not overlap it: it is
            # letters between a space and a character that is not a word character),
            # where " (w)\b" matches it.
            cands = {masked[a:b] for a, b in zip(*t.runs, strict=True)}
            for w in cands:
                splits = self._split(lang, w)
                if not splits or masked.count(w) > 1:
                    continue
                s0 = masked.find(w)
                e0 = s0 + len(w)
                if e0 < n and (masked[e0] in _NOT_BEFORE_WORD or masked[e0] in "@."):
                    if masked[e0] != "." or (e0 + 1 < n and masked[e0 + 1].isalnum()):
                        continue
                fix = None
                if splits[0][3] and (len(splits) == 1 or splits[0][0] - splits[1][0] >= self.g_ambiguity):
                    fix = f"{splits[0][1]} {splits[0][2]}"
                hits.append(Hit("glued-word", s0, e0, fix))
        hits.sort(key=lambda h: h.start)
        return hits

    # -------------------------------------------------- punctuation spacing
    def _missing_space(self, t: _Text) -> list[Hit]:
        """Missing spaces after punctuation (interests.The), on the lines the text pass lets through."""
        masked = t.masked
        return [
            Hit("missing-space-after-punct", m.start(), m.end(), m.group() + " ")
            for _, ls, le in t.lines(L_MISSING)
            for m in self._miss_after.finditer(masked, ls, le)
        ]

    def _space_before(self, t: _Text, text: str, lang: str | None) -> list[Hit]:
        masked = t.masked
        hits = []
        dangling = self._dangling.get(lang or "", frozenset())
        for m in (m for _, ls, le in t.lines(L_SPACE_DOT) for m in self._sp_before.finditer(masked, ls, le)):
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
            colon = self._sp_before_fr
            for m in (m for _, ls, le in t.lines(L_SPACE_COLON) for m in colon.finditer(masked, ls, le)):
                p = m.start()
                j = p
                while j > 0 and masked[j - 1] in _SP:
                    j -= 1
                if j and (masked[j - 1].isalnum() or masked[j - 1] in "”’"):
                    hits.append(Hit("space-before-punct", j, p + 1))
            hits.sort(key=lambda h: h.start)
        return hits

    # ----------------------------------------------------------------- quotes
    def _quotes(self, t: _Text, text: str, lang: str | None) -> list[Hit]:
        """Quote hits, paragraph by paragraph: the lines with a curly quote mark
        (L_QUOTE), and for a mark left open at the end of one, the next line that
        is not blank. A line with straight quotes only is left out: it makes no
        hit and leaves no mark open (:meth:`_quotes_line` counts neither for a
        straight quote)."""
        masked = t.masked
        hits: list[Hit] = []
        spacing = lang not in self.french
        pending: int | None = None  # an opening mark left open at the end of a paragraph
        last = -1  # the last line looked at
        for i, ls, le in t.lines(L_QUOTE):
            if pending is not None:
                self._close_pending(t, pending, last + 1, i, hits)
                pending = None
            line_hits, open_at = self._quotes_line(masked[ls:le], ls, text, spacing)
            hits += line_hits
            pending = open_at
            last = i
        if pending is not None:
            self._close_pending(t, pending, last + 1, len(t.starts), hits)
        return hits

    @staticmethod
    def _close_pending(t: _Text, pending: int, first: int, stop: int, hits: list[Hit]) -> None:
        """The first line from ``first`` on that is not blank (line ``stop``, a
        line with a quote mark, at the latest, if there is one) closes the
        paragraph that left a mark open at ``pending``: unbalanced unless it
        opens with a quote itself."""
        for j in range(first, min(stop + 1, len(t.starts))):
            line = t.masked[t.starts[j] : t.ends[j]]
            stripped = line.lstrip(_SP)
            if stripped:
                if stripped[0] not in '“„"«':
                    hits.append(Hit("unbalanced-quotes", pending, pending + 1))
                return

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
    def _cap_function(self, t: _Text, lang: str) -> list[Hit]:
        masked = t.masked
        cues = self.title_cues.get(lang, frozenset())
        articles = self._articles.get(lang, frozenset())
        hits = []
        pat = self._fw_re[lang]
        if lang in self._cap_tables:  # on the lines the space pass lets through
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
    def _lowercase_start(self, t: _Text, lang: str | None) -> list[Hit]:
        masked = t.masked
        abbr = self._abbr.get(lang or "", frozenset())
        n = len(masked)
        hits = []
        pat = self._lc_start
        for m in (m for _, ls, le in t.lines(L_LOWER_START) for m in pat.finditer(masked, ls, le)):
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
    def _repeated(self, t: _Text, lang: str | None) -> list[Hit]:
        """Doubled words. Only where a token is followed by itself (lowercase,
        trailing punctuation aside) anywhere in the text: the regex runs where
        the text pass found a hit may be (a match holds only letters and spaces
        of _SP, so matches in different stretches of those do not touch; the
        character after the last stretch is read too, for the lookahead), and
        that token test is made only when there are hits to return."""
        masked = t.masked
        ok = self._rep.get(lang or "", frozenset())
        hits = []
        lo, hi = t.rep
        n = len(masked)
        for i, _, _ in t.lines(L_REPEAT):
            hits += self._repeated_in(masked, int(lo[i]), min(int(hi[i]) + 1, n), ok)
        if hits:
            punct = itertools.repeat(_PUNCT_AFTER)
            if not any(
                any(map(operator.eq, tk, map(str.rstrip, tk[1:], punct))) for tk in t.line_toks() if len(tk) > 1
            ):
                return []
        return hits

    def _repeated_in(self, masked: str, pos: int, endpos: int, ok: frozenset[str]) -> list[Hit]:
        hits = []
        for m in self._repeat_re.finditer(masked, pos, endpos):
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
    def _foreign(self, t: _Text, lang: str) -> list[Hit]:
        """Paragraphs in another language, among the lines the text pass lets through."""
        hits: list[Hit] = []
        if self._foreign_pass:
            cand = t.lines(L_FOREIGN)
        else:  # every line
            cand = list(zip(range(len(t.starts)), t.starts.tolist(), t.ends.tolist(), strict=True))
        if not cand:
            return hits
        foreign_words = self._foreign_words(lang)
        masked = t.masked
        for _, start, end in cand:
            toks = masked[start:end].lower().split()  # the line's tokens (see _Text.line_toks)
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
                hits.append(Hit("foreign-fragment", start, end))
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


def warm() -> None:
    """Compile (or load from numba's cache) the detector's passes (:data:`GROUP`),
    with and without a language, on a text that reaches each of them."""
    det = Detector()
    text = ("Warm the passes: one line, caf\u00e9, \u201cquoted\u201d, \u03b1\u03b2\U0001f600.\n"
            "The council approved the budget for the communicationbetween agencies .The vote was close.")
    det.scan(text, None)
    for lang in ("en", "xx"):  # a language with word lists, and one without
        det.detect(text, lang)


# the detector's compiled passes, compiled together (see cleaner.jit)
GROUP = Group("artifacts", "cleaner.artifacts:warm", cost=5.5)
