"""The line classifier: tells article lines from a site's junk without rules.

Two logistic models, their weights learned from the evaluation pages (see
``benchmarks/train_classifier.py``) and shipped in ``rules/classifier.yaml``:

1. *own*: each line's own features: length, stop-word density in the
   document's language, terminal punctuation, title-case ratio, links, handles,
   dates, "3 years ago" stamps, counters, separators, digits, a trailing "...",
   position;
2. *context*: the same plus what the first model thinks of the line's
   neighbours (previous/next line, windows around it), the neighbours' own
   shape (sentence end, stop words, length), runs of short lines, repeated
   line shapes and dates nearby (story lists, comment threads), and where the
   line sits relative to the document's article mass (before it, inside it,
   after it, how far from it).

A line is removed when the second model's probability is under the threshold,
with two exceptions: the headline block of a document that opens with its
article (the few short lines above a first paragraph within ``lead_lines``
lines: headline, kicker, deck) stays, and a line without letters or digits
("-", "* * *") stays only between two kept lines. A removed line's reason names what pulled its score down the most compared with a typical
article line (the model's ``reference`` feature values), summed over the
features that share a reason in the model's ``reasons`` map, e.g.
``classifier.short`` or ``classifier.after-article``: every removal is
explainable.

Inference runs in compiled kernels (:mod:`cleaner.kernels`): the line
features in one pass over the document's code points, then every round (until
nothing more goes) in one call. The numpy functions here (``_line_rows_py``,
``own_features``, ``context_features``) are their readable reference, which the
tests hold the kernels to and which training fits on.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.document import Line
from cleaner.errors import ConfigError
from cleaner.jit import Group
from cleaner.resources import rules_dir
from cleaner.yamlio import load_yaml

# --- marker patterns, run only on lines that can hold them
_URL = re.compile(r"https?://|www\.|pic\.twitter\.com|\b[\w-]+\.(?:com|org|net|io|co\.uk|de|fr|es)\b", re.I)
_HANDLE = re.compile(r"(?<![\w.])[@#][A-Za-z_]\w+")
# The date, "3 days ago" and counter forms each start at a word boundary with
# a digit or the first letter of one of their words; the patterns say so once,
# in front (the same matches as a \b before each form), so that the regex engine
# rules out most positions with two checks instead of trying every form there.
_DATE_FORMS = (
    r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\d{4}-\d{2}-\d{2}\b|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|"
    r"\d{1,2}\.?\s+(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)[a-zäéû]*\.?\s+\d{4}\b|"
    r"\d{1,2}:\d{2}\s*(?:am|pm|uhr|h)?\b"
)
_AGO_FORMS = (
    r"\d+\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago\b|"
    r"(?:vor|hace|il y a)\s+\d+\s+\w+"
)
_COUNTER_FORMS = (
    r"\d[\d.,]*\s*[kKmM]?\s+(?:comments?|shares?|views?|likes?|replies|reads?|kommentare|commentaires|comentarios)\b"
)
_AGO = re.compile(rf"\b(?=[\dvhi])(?:{_AGO_FORMS})", re.I)
# one pass for the three: which of them a line holds (group 1, 2 or 3 non-empty)
_MARKERS = re.compile(rf"\b(?=[\djfmasondvhi])(?:({_DATE_FORMS})|({_AGO_FORMS})|({_COUNTER_FORMS}))", re.I)
_SEP = re.compile(r"\s[|•·»/>]\s|\s{3,}|\t")
_DIGIT = re.compile(r"\d")
_BULLETS = frozenset("-–—•·*>»")
_CLOSERS = "\"'”’»)]」』）"
TERMINAL = frozenset(".!?…\"”’'»)。！？」』")  # how an article paragraph ends (section rules stop there)
_STOPS = frozenset(".!?…。！？")
_QUOTES = frozenset("\"'“„«‘‚")
SHORT_LINE = 15  # words; markers of junk (dates, counters, handles) are looked for on shorter lines
SAMPLE_CHARS = 300  # a longer line's word shares are taken from its first characters

# the features of a line that depend on its text alone (computed once per distinct line)
LINE_FEATURES = (
    "log_words",
    "log_chars",
    "short",
    "stop_ratio",
    "no_stop",
    "terminal",
    "colon_end",
    "title_ratio",
    "upper",
    "digits",
    "commas",
    "url",
    "handle",
    "date",
    "ago",
    "counter",
    "separators",
    "bullet",
    "sentence_len",
    "stop_len",
    "strong_para",
    "ellipsis",
    "question",
    "lower_start",
    "quote_start",
    "copyright",
    "sentences",
    "uncased",
    "no_words",
)
# ... and those that depend on the line's place among the document's lines
DOC_FEATURES = ("rel_len", "first_line", "duplicate", "pos_start", "pos_end")
OWN_FEATURES = ("bias",) + LINE_FEATURES + DOC_FEATURES
CONTEXT_FEATURES = (
    "prev_p",
    "next_p",
    "window_p",
    "window_max",
    "near_content",
    "in_article",
    "before_article",
    "after_article",
    "in_block",
    "prev_words",
    "next_words",
    "wide_p",
    "both_p",
    "prev_terminal",
    "next_terminal",
    "prev_stop",
    "next_stop",
    "short_run",
    "markers_near",
    "repeat_shape",
    "block_dist",
    "mass_before",
    "mass_after",
)
FEATURES = OWN_FEATURES + CONTEXT_FEATURES
_COL = {name: i for i, name in enumerate(OWN_FEATURES)}
_CTX = {name: i for i, name in enumerate(CONTEXT_FEATURES)}
_N_LINE = len(LINE_FEATURES)


@lru_cache(maxsize=64)
def stopwords(lang: str | None) -> frozenset[str]:
    """Stop words of a language (from jusText's lists), or an empty set."""
    if not lang:
        return frozenset()
    name = _language_names().get(lang)
    if not name:
        return frozenset()
    import justext

    try:
        return frozenset(w.lower() for w in justext.get_stoplist(name))
    except ValueError:
        return frozenset()


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    data = load_yaml(rules_dir() / "languages.yaml") or {}
    return dict(data.get("justext_stoplists", {}))


def fallback_stopwords(texts: Iterable[str], top: int = 12) -> frozenset[str]:
    """Stop words for a language without a list: the document's most frequent
    short words (articles, prepositions and conjunctions are, in any language
    that separates words by spaces)."""
    counts: Counter[str] = Counter()
    for t in texts:
        if len(t) > 80:  # prose lines only: menus repeat their own words
            counts.update(w for w in t.lower().split() if len(w) <= 4 and w.isalpha())
    return frozenset(w for w, c in counts.most_common(top) if c >= 3)


_ZERO_ROW = (0.0,) * (_N_LINE + 2)
_ALNUM = re.compile(r"[^\W_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _line_rows_py(texts: list[str], stops: frozenset[str], fallback: float) -> list[tuple[float, ...]]:
    """LINE_FEATURES of each text, then its word and character counts.

    The readable reference of :func:`line_rows` (which computes the same in a
    compiled pass, :mod:`cleaner.kernels`); the tests hold the two equal.
    """
    contains = stops.__contains__
    log1p = math.log1p
    istitle, isupper, isdigit = str.istitle, str.isupper, str.isdigit
    rows = []
    for t in texts:
        nc = len(t)
        if nc <= SAMPLE_CHARS:
            words = t.split()
            n = len(words)
            if not n:
                rows.append(_ZERO_ROW)
                continue
            low = t.lower()
            lows = low.split()
        else:
            # a long line: its word count from its spaces, its shares (stop
            # words, title case, digits) from the words of its first characters
            words = t[:SAMPLE_CHARS].split()[:-1] or t.split()
            if not words:
                rows.append(_ZERO_ROW)
                continue
            n = max(t.count(" ") + 1, len(words))
            low = t.lower()
            lows = low[:SAMPLE_CHARS].split()[: len(words)]
        nw = len(words)
        uncased = low == t.upper()
        cjk = 0
        if not t.isascii() and _CJK.search(t):
            # Chinese, Japanese: no spaces between words; about two characters a word
            cjk = nc - len(_CJK.sub("", t))
            n += (cjk + 1) // 2
            uncased = False
        if stops:
            stop = sum(map(contains, lows))
            stop_ratio = stop / nw
            no_stop = 1.0 if stop == 0 else 0.0
        else:
            stop_ratio, no_stop = fallback, 0.0
        ws = words
        title = sum(map(istitle, ws)) / nw
        upper = sum(map(isupper, ws)) / nw
        digits = sum(map(isdigit, ws)) / nw
        commas = min((t.count(",") + (t.count("，") + t.count("、") if cjk else 0)) / n, 1.0)
        last = t[-1]
        core = t.rstrip(_CLOSERS) if last in _CLOSERS else t
        end = core[-1:]
        terminal = 1.0 if end in _STOPS else 0.0
        ellipsis = 1.0 if end == "…" or core.endswith("...") else 0.0
        colon = 1.0 if last == ":" else 0.0
        first = words[0]
        bullet = 1.0 if first in _BULLETS or (first[-1:] in ".)" and first[:-1].isdigit() and n > 1) else 0.0
        url = handle = date = ago = counter = sep = 0.0
        if ("://" in low or "www." in low or ".com" in low or ".org" in low or ".net" in low) and _URL.search(
            t
        ):
            url = 1.0
        if n <= SHORT_LINE:
            if ("@" in t or "#" in t) and _HANDLE.search(t):
                handle = 1.0
            if _DIGIT.search(t):
                for kind in _MARKERS.findall(t):
                    if kind[0]:
                        date = 1.0
                    elif kind[1]:
                        ago = 1.0
                    else:
                        counter = 1.0
            if n > 2 and ("|" in t or "•" in t or "·" in t or "»" in t or "   " in t or "\t" in t):
                sep = min(len(_SEP.findall(t)), 3) / 3
        elif "vor " in t or "hace " in t or "il y a" in t or " ago" in t:
            ago = 1.0 if _AGO.search(t) else 0.0
        lw = log1p(n)
        c0 = t[0]
        rows.append(
            (
                lw,
                log1p(nc),
                1.0 if n <= 4 else 0.0,
                stop_ratio,
                no_stop,
                terminal,
                colon,
                title,
                upper,
                digits,
                commas,
                url,
                handle,
                date,
                ago,
                counter,
                sep,
                bullet,
                terminal * lw,
                stop_ratio * lw,
                1.0 if n >= 20 and terminal and (stop_ratio >= 0.25 or not stops) else 0.0,
                ellipsis,
                1.0 if end == "?" or end == "？" else 0.0,
                1.0 if c0.islower() else 0.0,
                1.0 if c0 in _QUOTES else 0.0,
                1.0 if "©" in t or "copyright" in low else 0.0,
                min(t.count(". ") + t.count("? ") + t.count("! ") + (t.count("。") if cjk else 0), 3) / 3
                if n > 4
                else 0.0,
                1.0 if uncased else 0.0,
                1.0 if uncased and not _ALNUM.search(t) else 0.0,
                float(n),
                float(nc),
            )
        )
    return rows


_COL_URL, _COL_HANDLE, _COL_DATE, _COL_AGO, _COL_COUNTER, _COL_SEP = range(11, 17)
_COL_COPYRIGHT = 25


@lru_cache(maxsize=64)
def _stop_hashes(stops: frozenset[str]) -> np.ndarray:
    from cleaner import kernels

    return kernels.stop_hashes(stops)


def _matches(
    pattern: re.Pattern[str], texts: Sequence[str], idx: np.ndarray, at: np.ndarray | None = None
) -> tuple[np.ndarray, list[re.Match[str]]]:
    """The matches of ``pattern`` in the lines ``idx`` and the line of each:
    one scan over those lines joined by NUL, which no marker pattern crosses.
    Line ``i`` is ``texts[i]``, or ``texts[at[i]]`` when ``at`` is given."""
    if not len(idx):
        return _NO_LINES, []
    picked = [texts[i] for i in (idx if at is None else at[idx]).tolist()]
    offsets = np.cumsum(np.fromiter(map(len, picked), dtype=np.int64, count=len(picked)) + 1)
    found = list(pattern.finditer("\x00".join(picked)))
    if not found:
        return _NO_LINES, found
    pos = np.fromiter((mt.start() for mt in found), dtype=np.int64, count=len(found))
    return idx[np.searchsorted(offsets, pos, "right")], found


def _having(pattern: re.Pattern[str], texts: Sequence[str], idx: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
    """The lines ``idx`` that ``pattern`` matches somewhere (the lines of
    :func:`_matches`, looked at one by one: cheaper for a few lines)."""
    if not len(idx):
        return _NO_LINES
    search = pattern.search
    src = idx.tolist() if at is None else at[idx].tolist()
    return np.array([i for i, j in zip(idx.tolist(), src, strict=True) if search(texts[j])], dtype=np.intp)


def line_rows(texts: list[str], stops: frozenset[str], fallback: float) -> np.ndarray:
    """LINE_FEATURES of each text, then its word and character counts (lines x
    (LINE_FEATURES + 2)): a compiled pass over the code points for most
    columns, then the marker regexes over the few lines that can hold them."""
    return line_data(texts, stops, fallback)[0]


def line_data(
    texts: Sequence[str] | None,
    stops: frozenset[str],
    fallback: float,
    view: Any = None,
    idx: np.ndarray | None = None,
    gate: np.ndarray | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`line_rows`, the hash of each line's exact text).

    ``view`` (a :class:`cleaner.kernels.TextView` holding these lines, at
    ``idx`` when given) saves joining them again; with ``view`` and ``idx``,
    ``texts`` may be None (the lines are then ``view.texts[idx]``). ``gate``
    is the scan for :data:`GATE_STRINGS` (one bit mask per line, as
    ``Literals(GATE_STRINGS).scan`` gives). ``bounds``: where in ``view`` each
    line's words start and end (by default the lines' own starts and ends), so
    that a line's list marker or indentation is left out of its words."""
    from cleaner import kernels

    m = len(texts) if texts is not None else len(idx)  # type: ignore[arg-type]
    if not m:
        return np.zeros((0, _N_LINE + 2)), np.zeros(0, dtype=np.uint64)
    flags, lower, _ = kernels.tables()
    if view is None:
        view = kernels.TextView(list(texts))  # type: ignore[arg-type]
    # the lines' texts: texts[i], or view.texts[at[i]]
    at = None if texts is not None or idx is None else idx
    src = texts if texts is not None else view.texts
    if bounds is not None:
        starts, ends = bounds
    else:
        starts, ends = (view.starts, view.ends) if idx is None else (view.starts[idx], view.ends[idx])
    cps = view.cps
    hashes = _stop_hashes(stops) if stops else _NO_HASHES
    rows, gates, line_hashes = kernels.line_rows(
        cps, starts, ends, flags, lower, hashes, bool(stops), fallback, SAMPLE_CHARS
    )
    if gate is None:
        gate = _gates().scan(cps, starts, ends)[:, 0]
    # the lines each marker regex can match (copyright: set at once): a date,
    # time, "3 days ago" or counter needs a short line with a time or a date
    # in numbers, four digits in a row and a month's name, or a digit and one
    # of the words of the others (see kernels.G_*); both forms of _AGO need a digit
    url, handle, maybe, sep, ago = kernels.marker_lines(rows, gates, gate, _GATE_BITS, SHORT_LINE, _COL_COPYRIGHT)
    rows[_having(_URL, src, url, at), _COL_URL] = 1.0
    rows[_having(_HANDLE, src, handle, at), _COL_HANDLE] = 1.0
    hit, found = _matches(_MARKERS, src, maybe, at)
    if found:
        col = [_COL_DATE if mt.group(1) else _COL_AGO if mt.group(2) else _COL_COUNTER for mt in found]
        rows[hit, col] = 1.0
    hit, _ = _matches(_SEP, src, sep, at)
    if len(hit):
        lines, count = np.unique(hit, return_counts=True)
        rows[lines, _COL_SEP] = np.minimum(count, 3) / 3.0
    rows[_having(_AGO, src, ago, at), _COL_AGO] = 1.0
    return rows, line_hashes


# the strings that let a marker regex match a line (as the reference looks for them)
GATE_STRINGS_BY_KIND = {
    "copyright": [("copyright", "lower"), ("\u00a9", "exact")],
    "url": [("://", "lower"), ("www.", "lower"), (".com", "lower"), (".org", "lower"), (".net", "lower")],
    "handle": [("@", "exact"), ("#", "exact")],
    "sep": [(c, "exact") for c in ("|", "\u2022", "\u00b7", "\u00bb", "   ", "\t")],
    "ago": [(c, "exact") for c in ("vor ", "hace ", "il y a", " ago")],
    # the words of _AGO and _COUNTER, as they compare them (ignoring case)
    "marker_words": [(c, "fold") for c in ("ago", "vor", "hace", "il y a", "comment", "share", "view", "like",
                                            "replies", "read", "kommentar", "commentaire", "comentario")],
    # the month names of _DATE (as it compares them)
    "months": [(c, "fold") for c in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                      "dec", "m\u00e4r", "mai", "okt", "dez")],
}
GATE_STRINGS = [item for items in GATE_STRINGS_BY_KIND.values() for item in items]
assert len(GATE_STRINGS) <= 64, "the gate strings are one 64-bit word of the literal scan"
_GATE_SIZES = [len(items) for items in GATE_STRINGS_BY_KIND.values()]
_G_COPYRIGHT, _G_URL, _G_HANDLE, _G_SEP, _G_AGO, _G_MARKER_WORDS, _G_MONTHS = (
    ((1 << size) - 1) << sum(_GATE_SIZES[:k]) for k, size in enumerate(_GATE_SIZES)
)

# (for kernels.marker_lines)
_GATE_BITS = np.array(
    [_G_COPYRIGHT, _G_URL, _G_HANDLE, _G_SEP, _G_AGO, _G_MARKER_WORDS, _G_MONTHS], dtype=np.uint64
)


@lru_cache(maxsize=1)
def _gates() -> Any:
    from cleaner import kernels

    return kernels.Literals(GATE_STRINGS)


_NO_HASHES = np.zeros(1, dtype=np.uint64)  # an empty stop-word table
_NO_LINES = np.zeros(0, dtype=np.intp)


def doc_stopwords(texts: Iterable[str], lang: str | None) -> frozenset[str]:
    """The stop words used for a document: its language's list, else (a language
    without a list, or none detected) the document's own most frequent short words."""
    stops = stopwords(lang)
    if stops or (lang and lang in _language_names()):
        return stops
    return fallback_stopwords(texts)


def own_features(texts: list[str], lang: str | None, fallback_stop: float = 0.3) -> np.ndarray:
    """The per-line feature matrix (lines x OWN_FEATURES), in numpy: the
    reference of :func:`cleaner.kernels.own_matrix`, and what training fits on."""
    m = len(texts)
    if not m:
        return np.zeros((0, len(OWN_FEATURES)))
    A = line_rows(texts, doc_stopwords(texts, lang), fallback_stop)
    index: dict[str, int] = {}
    idx = np.array([index.setdefault(t, len(index)) for t in texts], dtype=np.intp)
    X = np.empty((m, len(OWN_FEATURES)))
    X[:, 0] = 1.0
    X[:, 1 : 1 + _N_LINE] = A[:, :_N_LINE]
    lens = A[:, -1]
    k = 1 + _N_LINE
    X[:, k] = lens / (lens.max() or 1.0)
    X[:, k + 1] = 0.0
    X[0, k + 1] = 1.0
    X[:, k + 2] = np.bincount(idx)[idx] > 1
    pos = np.arange(m) / max(m - 1, 1)
    X[:, k + 3] = pos < 0.1
    X[:, k + 4] = pos > 0.9
    return X


def best_block(score: np.ndarray) -> tuple[int, int]:
    """The contiguous run of lines with the largest total score: (first, last),
    last < first when no run scores above 0."""
    if not len(score):
        return 0, -1
    total = np.concatenate([[0.0], np.cumsum(score)])
    low = np.minimum.accumulate(total[:-1])  # the lowest prefix sum before each line
    gain = total[1:] - low
    j = int(np.argmax(gain))
    if gain[j] <= 0:
        return 0, -1
    i = int(np.argmin(total[: j + 1]))
    return i, j


def _window_mean(x: np.ndarray, k: int, exclude_self: bool) -> np.ndarray:
    pad = np.concatenate([np.zeros(k), x, np.zeros(k)])
    csum = np.concatenate([[0.0], np.cumsum(pad)])
    win = csum[2 * k + 1 :] - csum[: -(2 * k + 1)]
    return (win - x) / (2 * k) if exclude_self else win / (2 * k + 1)


def _runs(flag: np.ndarray) -> np.ndarray:
    """For each line, the length of the run of consecutive flagged lines it is in (0 if unflagged)."""
    m = len(flag)
    out = np.zeros(m)
    if not m or not flag.any():
        return out
    f = flag.astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], f, [0]])))
    size = edges[1::2] - edges[::2]
    out[flag] = np.repeat(size, size)
    return out


def context_features(
    p: np.ndarray,
    lens: np.ndarray,
    confident: float = 0.7,
    own: np.ndarray | None = None,
) -> np.ndarray:
    """Context features of each line from the first model's probabilities ``p``
    and the lines' own features ``own`` (lines x OWN_FEATURES)."""
    m = len(p)
    C = np.zeros((m, len(CONTEXT_FEATURES)), dtype=np.float64)
    if m == 0:
        return C
    if own is None:
        own = np.zeros((m, len(OWN_FEATURES)))
        own[:, _COL["log_words"]] = np.log1p(lens / 6.0)
    C[1:, _CTX["prev_p"]] = p[:-1]
    C[:-1, _CTX["next_p"]] = p[1:]
    # mean and max over a window of 3 lines each side (excluding the line itself)
    k = 3
    C[:, _CTX["window_p"]] = _window_mean(p, k, True)
    wmax = np.zeros(m)
    for d in range(1, k + 1):
        wmax[d:] = np.maximum(wmax[d:], p[:-d])
        wmax[:-d] = np.maximum(wmax[:-d], p[d:])
    C[:, _CTX["window_max"]] = wmax
    good = p >= confident
    idx = np.flatnonzero(good)
    mass = lens * p
    total = mass.sum() or 1.0
    cum = np.cumsum(mass)
    before_share = (cum - mass) / total  # article mass before the line
    after_share = (total - cum) / total  # article mass after the line
    pos = np.arange(m)
    if len(idx):
        nearest = np.searchsorted(idx, pos)
        left = idx[np.clip(nearest - 1, 0, len(idx) - 1)]
        right = idx[np.clip(nearest, 0, len(idx) - 1)]
        dist = np.minimum(np.abs(pos - left), np.abs(pos - right))
        C[:, _CTX["near_content"]] = 1.0 / (1.0 + dist)
        C[:, _CTX["in_article"]] = (pos > idx[0]) & (pos < idx[-1])
    C[:, _CTX["before_article"]] = before_share < 0.02
    C[:, _CTX["after_article"]] = after_share < 0.02
    # the article as one block: lines weighted by length, pushed by p - 0.5
    bi, bj = best_block((p - 0.5) * np.sqrt(lens + 1.0))
    if bj >= bi:
        C[bi : bj + 1, _CTX["in_block"]] = 1.0
        C[:, _CTX["block_dist"]] = np.log1p(np.maximum(bi - pos, 0) + np.maximum(pos - bj, 0))
    else:
        C[:, _CTX["block_dist"]] = np.log1p(m)
    words = own[:, _COL["log_words"]]
    C[1:, _CTX["prev_words"]] = words[:-1]
    C[:-1, _CTX["next_words"]] = words[1:]
    C[:, _CTX["wide_p"]] = _window_mean(p, 10, False)
    C[:, _CTX["both_p"]] = np.minimum(C[:, _CTX["prev_p"]], C[:, _CTX["next_p"]])
    term = own[:, _COL["terminal"]]
    stop = own[:, _COL["stop_ratio"]]
    C[1:, _CTX["prev_terminal"]] = term[:-1]
    C[:-1, _CTX["next_terminal"]] = term[1:]
    C[1:, _CTX["prev_stop"]] = stop[:-1]
    C[:-1, _CTX["next_stop"]] = stop[1:]
    short = own[:, _COL["short"]] > 0
    C[:, _CTX["short_run"]] = np.log1p(_runs(short))
    markers = np.minimum(
        own[:, _COL["date"]] + own[:, _COL["ago"]] + own[:, _COL["counter"]] + own[:, _COL["handle"]], 1.0
    )
    C[:, _CTX["markers_near"]] = _window_mean(markers, 5, False)
    # line shapes (length bucket, sentence end, title case, marker) that repeat
    # every 2 or 3 lines while the neighbour differs: teaser lists, comment threads
    nw = own[:, _COL["log_words"]]
    shape = (
        ((nw > math.log1p(2)).astype(np.int64) + (nw > math.log1p(6)) + (nw > math.log1p(15))) * 8
        + (term > 0) * 4
        + (own[:, _COL["title_ratio"]] >= 0.5) * 2
        + (markers > 0)
    )
    rep = np.zeros(m, dtype=bool)
    for d in (2, 3):
        if m > 2 * d:
            periodic = np.zeros(m, dtype=bool)
            periodic[d:-d] = (shape[d:-d] == shape[: -2 * d]) & (shape[d:-d] == shape[2 * d :])
            periodic[1:] &= shape[1:] != shape[:-1]
            rep |= periodic
    C[:, _CTX["repeat_shape"]] = rep
    C[:, _CTX["mass_before"]] = before_share
    C[:, _CTX["mass_after"]] = after_share
    return C


_LEAD_JUNK = ("url", "handle", "date", "counter", "separators", "copyright", "ago")
# the own-feature columns the kernels read (see cleaner.kernels: C_LOG_WORDS ...)
_KCOLS = np.array(
    [_COL[f] for f in ("log_words", "log_chars", "short", "stop_ratio", "terminal", "title_ratio", "date", "ago",
                       "counter", "handle", "no_words")]
    + [len(OWN_FEATURES), _N_LINE],
    dtype=np.int64,
)
_KLEAD = np.array([_COL[f] for f in _LEAD_JUNK], dtype=np.int64)


def _dot(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``X @ w`` without BLAS: OpenBLAS threads would spin on a second core
    for these small products (the pipeline runs one worker per core)."""
    return np.einsum("ij,j->i", X, w)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class LineClassifier:
    """Loads the weight vectors and judges the lines of one document."""

    def __init__(self, model: dict[str, Any], threshold: float | None = None, file: str = "") -> None:
        def vec(key: str, names: tuple[str, ...], default: float | None = None) -> np.ndarray:
            weights = model.get(key)
            if weights is None and default is not None:
                return np.full(len(names), default)
            if not isinstance(weights, dict):
                raise ConfigError("expected a mapping of feature to weight", file=file, key=key)
            unknown = set(weights) - set(names)
            if unknown:
                raise ConfigError(f"unknown features: {', '.join(sorted(unknown))}", file=file, key=key)
            return np.array([float(weights.get(n, 0.0)) for n in names])

        self.w_own = vec("own_weights", OWN_FEATURES)
        # one or more context rounds: each sees the previous round's probabilities
        self.rounds = [vec("context_weights", FEATURES)]
        if model.get("refine_weights") is not None:
            self.rounds.append(vec("refine_weights", FEATURES))
        self.w_ctx = self.rounds[-1]
        # a typical article line's features: a removed line's reason is what
        # pulls its score below that line's
        self.reference = vec("reference", FEATURES, 0.0)
        self.threshold = float(threshold if threshold is not None else model.get("threshold", 0.5))
        self.confident = float(model.get("confident", 0.7))
        self.paragraph_words = int(model.get("paragraph_words", 12))
        self.fallback_stop = float(model.get("fallback_stop_ratio", 0.3))
        self.lead_lines = int(model.get("lead_lines", 3))
        reasons = model.get("reasons", {}) or {}
        if not isinstance(reasons, dict):
            raise ConfigError("expected a mapping of feature to reason", file=file, key="reasons")
        unknown = set(map(str, reasons)) - set(FEATURES) - {"low_score"}
        if unknown:
            raise ConfigError(f"unknown features: {', '.join(sorted(unknown))}", file=file, key="reasons")
        self.reasons = {str(k): str(v) for k, v in reasons.items()}
        # features that share a reason are summed, so that related features
        # (the length ones, the neighbour ones) explain a removal together
        names = [self.reasons.get(f, f.replace("_", "-")) for f in FEATURES]
        self.reason_names = list(dict.fromkeys(names[1:]))
        # columns ordered by reason, and where each reason's run starts
        # (np.add.reduceat sums them; no BLAS call, whose threads would spin)
        gid = [self.reason_names.index(name) for name in names[1:]]
        self._order = np.array(sorted(range(1, len(FEATURES)), key=lambda j: gid[j - 1]), dtype=np.intp)
        self._starts = np.searchsorted(np.array(sorted(gid)), np.arange(len(self.reason_names)))
        self._low = "classifier." + self.reasons.get("low_score", "low-score")
        # the reason group index -> its label; the last one for "low score"
        self._reason_labels = ["classifier." + r for r in self.reason_names] + [self._low]
        self._rounds = np.array(self.rounds)
        self._starts = self._starts.astype(np.int64)
        self._order = self._order.astype(np.int64)

    @classmethod
    def load(cls, name: str | Path, threshold: float | None = None) -> LineClassifier:
        path = Path(name)
        if not path.is_absolute() and not path.exists():
            path = rules_dir() / name
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError("expected a mapping with `own_weights` and `context_weights`", file=str(path))
        return cls(data, threshold, str(path))

    def features(self, texts: list[str], lang: str | None) -> np.ndarray:
        """The feature matrix (own + context) that the last round's weights apply to."""
        from cleaner import kernels

        rows, hashes = line_data(texts, doc_stopwords(texts, lang), self.fallback_stop)
        own = kernels.own_matrix(rows, hashes, np.arange(len(texts)), _KCOLS)
        return kernels.features_of(own, self.w_own, self._rounds, self.confident, _KCOLS)

    def probabilities(self, texts: list[str], lang: str | None) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return _sigmoid(_dot(self.features(texts, lang), self.w_ctx))

    def judge(
        self,
        lines: list[Line],
        lang: str | None,
        threshold: float | None = None,
        keep: Line | None = None,
        rounds: int = 1,
    ) -> list[tuple[Line, str]]:
        """The lines to remove, each with its reason (below ``threshold``, default
        the model's). With ``rounds`` > 1 the kept lines are judged again (their
        context changed) until nothing more goes; line ``keep`` never goes."""
        from cleaner import kernels

        content = [ln for ln in lines if ln.text.strip()]
        if not content:
            return []
        view = kernels.TextView.of_lines(content)
        title = next((i for i, ln in enumerate(content) if ln is keep), -1) if keep is not None else -1
        at, reasons = self.judge_view(view, np.arange(len(content)), lang, threshold, title, rounds)
        return [(content[i], r) for i, r in zip(at.tolist(), reasons, strict=True)]

    def judge_view(
        self,
        view: Any,
        idx: np.ndarray,
        lang: str | None,
        threshold: float | None = None,
        title: int = -1,
        rounds: int = 1,
        gate: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[str]]:
        """:meth:`judge` on the non-blank lines ``idx`` of a
        :class:`cleaner.kernels.TextView` (``title``: an index into ``idx``, or
        -1; ``gate``: the :data:`GATE_STRINGS` scan of those lines). Returns
        the view indices of the lines to remove and their reasons."""
        if not len(idx):
            return idx, []
        threshold = self.threshold if threshold is None else threshold
        stops = doc_stopwords((view.texts[i] for i in idx.tolist()), lang)  # (read only without a list)
        rows, hashes = line_data(None, stops, self.fallback_stop, view, idx, gate)
        reason = self._judge_rows(rows, hashes, title, threshold, rounds)
        drop = np.flatnonzero(reason >= 0)
        names = self._reason_labels
        return idx[drop], [names[r] for r in reason[drop].tolist()]

    def _judge_rows(self, rows: np.ndarray, hashes: np.ndarray, title: int, threshold: float,
                    rounds: int) -> np.ndarray:
        """The reason group index of each line of :func:`line_data`'s ``rows``
        and ``hashes`` to remove, else -1 (``kernels.judge_rounds``)."""
        from cleaner import kernels

        return kernels.judge_rounds(
            rows, hashes, title, threshold, rounds, self.w_own, self._rounds, self.reference,
            self._order, self._starts, self.confident, self.lead_lines, self.paragraph_words,
            _KCOLS, _KLEAD,
        )


def warm_lines() -> None:
    """Compile (or load from numba's cache) the kernels of the lines' features
    (:data:`LINES_GROUP`), on the paths the boilerplate stage takes: with the
    rules' scan of the marker strings, and without (:meth:`LineClassifier.judge`)."""
    from cleaner import kernels

    lines = ["Compile the kernels: one line of article text, 3 days ago.", "Share", "\u00a9 2024 www.example.com"]
    # (one line too: a column of one row is contiguous, and numba compiles a
    # kernel that takes a column for each layout)
    for texts in (lines, lines[:1]):
        view = kernels.TextView(texts)
        idx = np.arange(len(texts))
        gate = _gates().scan(view.cps, view.starts, view.ends)[:, 0]
        stops = doc_stopwords(texts, "en")
        line_data(None, stops, 0.3, view, idx, gate[idx])
        line_data(texts, stops, 0.3)
        line_data(texts, frozenset(), 0.3)


def warm_judge() -> None:
    """Compile (or load from numba's cache) the classifier's rounds (:data:`JUDGE_GROUP`),
    on rows of the types :func:`line_data` gives."""
    classifier = LineClassifier.load("classifier.yaml")
    rows = np.zeros((2, _N_LINE + 2))
    rows[:, 0] = 1.0
    classifier._judge_rows(rows, np.zeros(2, dtype=np.uint64), -1, classifier.threshold, 2)


# the kernels the classifier runs, compiled in two groups (see cleaner.jit):
# the lines' features, and the rounds
LINES_GROUP = Group("classifier.lines", "cleaner.classify:warm_lines", cost=5.0)
JUDGE_GROUP = Group("classifier.judge", "cleaner.classify:warm_judge", cost=6.0)
GROUPS = [JUDGE_GROUP, LINES_GROUP]
