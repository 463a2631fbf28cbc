"""The words of a line: what the text model (:mod:`cleaner.textmodel`) reads of each line's text.

Per line: its length in words and characters, stop-word density in the
document's language (jusText's lists, or the document's own most frequent short
words), terminal punctuation, title-case and upper-case shares, digits, commas,
links, handles, dates, "3 years ago" stamps, counters, separators, a trailing
"...", a question, a lower-case start, an opening quote, a copyright sign, the
sentences it holds (:data:`LINE_FEATURES`, then the word and character counts).

They are computed in one compiled pass over the document's code points
(:func:`cleaner.kernels.lines.line_rows`), then the marker regexes (URLs, handles,
dates, stamps, counters) run on the few lines a compiled gate lets through;
:func:`_line_rows_py` is the readable reference the tests hold the kernel to.
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
_COUNTER_FORMS = r"\d[\d.,]*\s*[kKmM]?\s+(?:comments?|shares?|views?|likes?|replies|reads?|kommentare|commentaires|comentarios)\b"
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
_N_LINE = len(LINE_FEATURES)


@lru_cache(maxsize=64)
def stopwords(lang: str | None) -> frozenset[str]:
    """Stop words of a language (from jusText's lists), or an empty set."""
    if not lang:
        return frozenset()
    name = _language_names().get(lang)
    if not name:
        return frozenset()
    # justext.get_stoplist's reading of its file, without importing jusText (a quarter of a second: lxml and more)
    folder = _justext_folder()
    try:
        data = (folder / "stoplists" / f"{name}.txt").read_bytes() if folder else None
    except OSError:
        data = None
    if data is None:
        import justext

        try:
            return frozenset(w.lower() for w in justext.get_stoplist(name))
        except ValueError:
            return frozenset()
    return frozenset(w.decode("utf8").lower().lower() for w in data.splitlines())


@lru_cache(maxsize=1)
def _justext_folder() -> Path | None:
    """jusText's package folder, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("justext")
    return Path(spec.origin).parent if spec and spec.origin else None


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
    compiled pass, :mod:`cleaner.kernels.lines`); the tests hold the two equal.
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
    from cleaner.kernels.chars import stop_hashes

    return stop_hashes(stops)


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


def _having(
    pattern: re.Pattern[str], texts: Sequence[str], idx: np.ndarray, at: np.ndarray | None = None
) -> np.ndarray:
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

    ``view`` (a :class:`cleaner.kernels.lines.TextView` holding these lines, at
    ``idx`` when given) saves joining them again; with ``view`` and ``idx``,
    ``texts`` may be None (the lines are then ``view.texts[idx]``). ``gate``
    is the scan for :data:`GATE_STRINGS` (one bit mask per line, as
    ``Literals(GATE_STRINGS).scan`` gives). ``bounds``: where in ``view`` each
    line's words start and end (by default the lines' own starts and ends), so
    that a line's list marker or indentation is left out of its words."""
    from cleaner.kernels.chars import tables
    from cleaner.kernels.lines import TextView, line_rows, marker_lines

    m = len(texts) if texts is not None else len(idx)  # type: ignore[arg-type]
    if not m:
        return np.zeros((0, _N_LINE + 2)), np.zeros(0, dtype=np.uint64)
    flags, lower, _ = tables()
    if view is None:
        view = TextView(list(texts))  # type: ignore[arg-type]
    # the lines' texts: texts[i], or view.texts[at[i]]
    at = None if texts is not None or idx is None else idx
    src = texts if texts is not None else view.texts
    if bounds is not None:
        starts, ends = bounds
    else:
        starts, ends = (view.starts, view.ends) if idx is None else (view.starts[idx], view.ends[idx])
    cps = view.cps
    hashes = _stop_hashes(stops) if stops else _NO_HASHES
    rows, gates, line_hashes = line_rows(
        cps, starts, ends, flags, lower, hashes, bool(stops), fallback, SAMPLE_CHARS
    )
    if gate is None:
        gate = _gates().scan(cps, starts, ends)[:, 0]
    # the lines each marker regex can match (copyright: set at once): a date,
    # time, "3 days ago" or counter needs a short line with a time or a date
    # in numbers, four digits in a row and a month's name, or a digit and one
    # of the words of the others (see cleaner.kernels.lines.G_*); both forms of _AGO need a digit
    url, handle, maybe, sep, ago = marker_lines(rows, gates, gate, _GATE_BITS, SHORT_LINE, _COL_COPYRIGHT)
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
    "marker_words": [
        (c, "fold")
        for c in (
            "ago",
            "vor",
            "hace",
            "il y a",
            "comment",
            "share",
            "view",
            "like",
            "replies",
            "read",
            "kommentar",
            "commentaire",
            "comentario",
        )
    ],
    # the month names of _DATE (as it compares them)
    "months": [
        (c, "fold")
        for c in (
            "jan",
            "feb",
            "mar",
            "apr",
            "may",
            "jun",
            "jul",
            "aug",
            "sep",
            "oct",
            "nov",
            "dec",
            "m\u00e4r",
            "mai",
            "okt",
            "dez",
        )
    ],
}
GATE_STRINGS = [item for items in GATE_STRINGS_BY_KIND.values() for item in items]
assert len(GATE_STRINGS) <= 64, "the gate strings are one 64-bit word of the literal scan"
_GATE_SIZES = [len(items) for items in GATE_STRINGS_BY_KIND.values()]
_G_COPYRIGHT, _G_URL, _G_HANDLE, _G_SEP, _G_AGO, _G_MARKER_WORDS, _G_MONTHS = (
    ((1 << size) - 1) << sum(_GATE_SIZES[:k]) for k, size in enumerate(_GATE_SIZES)
)

# (for cleaner.kernels.lines.marker_lines)
_GATE_BITS = np.array(
    [_G_COPYRIGHT, _G_URL, _G_HANDLE, _G_SEP, _G_AGO, _G_MARKER_WORDS, _G_MONTHS], dtype=np.uint64
)


@lru_cache(maxsize=1)
def _gates() -> Any:
    from cleaner.kernels.prefilter import Literals

    return Literals(GATE_STRINGS)


def gate_scan(view: Any) -> np.ndarray:
    """Each line of ``view`` (a :class:`cleaner.kernels.lines.TextView`) scanned for
    :data:`GATE_STRINGS`: one bit mask per line, what :func:`line_data` takes as ``gate``."""
    out: np.ndarray = _gates().scan(view.cps, view.starts, view.ends)[:, 0]
    return out


_NO_HASHES = np.zeros(1, dtype=np.uint64)  # an empty stop-word table
_NO_LINES = np.zeros(0, dtype=np.intp)


def doc_stopwords(texts: Iterable[str], lang: str | None) -> frozenset[str]:
    """The stop words used for a document: its language's list, else (a language
    without a list, or none detected) the document's own most frequent short words."""
    stops = stopwords(lang)
    if stops or (lang and lang in _language_names()):
        return stops
    return fallback_stopwords(texts)


def warm_lines() -> None:
    """Compile (or load from numba's cache) the kernels of the lines' features
    (:data:`LINES_GROUP`), on the paths the boilerplate stage takes: with the
    rules' scan of the marker strings, and without."""
    from cleaner.kernels.lines import TextView

    lines = [
        "Compile the kernels: one line of article text, 3 days ago.",
        "Share",
        "\u00a9 2024 www.example.com",
    ]
    # (one line too: a column of one row is contiguous, and numba compiles a
    # kernel that takes a column for each layout)
    for texts in (lines, lines[:1]):
        view = TextView(texts)
        idx = np.arange(len(texts))
        gate = gate_scan(view)
        stops = doc_stopwords(texts, "en")
        line_data(None, stops, 0.3, view, idx, gate[idx])
        line_data(texts, stops, 0.3)
        line_data(texts, frozenset(), 0.3)


# the kernels of the lines' words, compiled together (see cleaner.jit)
LINES_GROUP = Group("classifier.lines", "cleaner.classify:warm_lines", cost=5.0)
