"""langdetect's ``Detector.get_probabilities``, compiled (numba), with the same result.

The language stage calls langdetect on a bounded sample of every document;
done by langdetect in Python that costs milliseconds a document, most of it in
the trials loop (``_update_lang_prob`` over 55 languages, hundreds of times)
and in the per-character n-gram extraction. :func:`probabilities` gives the
same list of :class:`langdetect.language.Language` as

    detector = factory.create(); detector.n_trial = n_trial
    detector.set_max_text_length(max_text_length); detector.append(text)
    detector.get_probabilities()

with ``DetectorFactory.seed = seed`` -- the same languages and bit for bit the
same probability floats -- and raises the same ``LangDetectException`` ("No
features in text.") when langdetect does. How:

* ``Detector.append``: the URL and e-mail regular expressions and
  ``NGram.normalize_vi`` are langdetect's own (skipped when the text cannot
  match them: no ``://``, no ``@``, no combining mark); truncation to
  ``max_text_length`` and the collapsing of runs of spaces happen in the kernel.
* ``Detector.cleaning_text`` and ``Detector._extract_ngrams``: per-code-point
  tables built from langdetect's own functions (``NGram.normalize``, its
  ``unicode_block`` test, ``str.isupper`` of the normalised character) -- the
  basic plane at once, other planes when a text brings their characters --
  and the n-grams of the profiles (``factory.word_lang_prob_map``) as an
  open-addressing table of row ids into a sparse (CSR) copy of their
  probability rows.
* ``Detector._detect_block``: the trials in the kernel with CPython's
  ``random.Random`` replicated exactly -- MT19937 from the state
  ``random.Random(seed).getstate()`` gives, ``choice`` as
  ``_randbelow_with_getrandbits``, ``gauss`` with its cached second value,
  ``random()`` from two 32-bit words -- and the same floating-point operations
  in the same order (no fastmath): ``prob[i] *= weight + p[i]`` (a language
  missing from a row multiplies by ``weight + 0.0``, which is ``weight``),
  ``sum(prob)`` as the running Python's builtin ``sum`` adds floats (left to
  right before 3.12, Neumaier-compensated from 3.12 on), then the division by
  the sum and ``langprob[j] += prob[j] / n_trial``.

The tests (tests/test_langkernel.py) compare the result with langdetect's on
the fixtures, on texts in many scripts, on random text and on the samples of
the shared evaluation documents.

What the equality rests on: ``gauss`` needs ``log``, ``cos`` and ``sin``;
numba calls the C library's, as Python's math module does (LLVM may merge
the cos and sin into one ``sincos``, which glibc computes alike; the tests
compare them with Python's). The sum algorithm follows ``sys.version_info``:
langdetect's own floats differ between Python 3.11 and 3.12 (in the last
bits), and the kernel follows the Python it runs on. The tables and arrays are
built once under a lock; the kernels release the GIL.

The kernel compiles on first use (a few seconds, once) and is cached on disk
like :mod:`cleaner.kernels`; :func:`warm` builds the tables and compiles or
loads it (the language stage calls it when it is built).
"""

from __future__ import annotations

import math
import random
import re
import sys
import threading
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.language import Language
from langdetect.utils.ngram import NGram
from langdetect.utils.unicode_block import unicode_block

from cleaner import datacache
from cleaner.jit import Group
from cleaner.kernels import njit  # numba's, kept in cleaner's cache folder

_MAX_CP = 0x110000
# flags of a code point (bits of its entry in the chars table, above the normalised code)
_FLAG_SHIFT = 24
_CODE_MASK = (1 << 21) - 1
F_UPPER = 1 << _FLAG_SHIFT  # its normalised character (NGram.normalize) is upper case
F_NONLATIN = 2 << _FLAG_SHIFT  # cleaning_text counts it as non-Latin
F_ALPHA = 4 << _FLAG_SHIFT  # str.isalpha

# builtin sum() of floats: Neumaier-compensated from CPython 3.12 on
NEUMAIER_SUM = sys.version_info >= (3, 12)

_TWOPI = random.TWOPI  # type: ignore[attr-defined]  # 2.0 * math.pi, as random.gauss uses it
_lock = threading.Lock()
_tables: tuple[np.ndarray, np.ndarray] | None = None
_models: dict[int, _Model] = {}
_states: dict[int, np.ndarray] = {}
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_DMARK = re.compile("[" + NGram.DMARK_CLASS + "]")  # the marks NGram.normalize_vi combines
# Detector's parameters (class attributes; get_probabilities reads them from the instance)
_ALPHA = float(Detector.ALPHA_DEFAULT)
_ALPHA_WIDTH = float(Detector.ALPHA_WIDTH)
_BASE_FREQ = float(Detector.BASE_FREQ)
_ITERATION_LIMIT = int(Detector.ITERATION_LIMIT)
_CONV_THRESHOLD = float(Detector.CONV_THRESHOLD)


# ------------------------------------------------------------------ tables
def _nonlatin(ch: str) -> bool:
    """``Detector.cleaning_text``'s non-Latin test for a character that is not
    in ``'A' <= ch <= 'z'`` (as written there: ``unicode_block`` returns a
    number, so the comparison with the block's name is always unequal)."""
    return ch >= "\u0300" and unicode_block(ch) != "Latin Extended Additional"


def _char_tables(chars: str) -> np.ndarray:
    """The normalised code | flags of each character of ``chars``."""
    norm = list(map(NGram.normalize, chars))
    if any(len(c) != 1 for c in norm):  # pragma: no cover - langdetect maps one to one
        raise RuntimeError("NGram.normalize returned other than one character")
    n = len(chars)
    codes = np.fromiter(map(ord, norm), dtype=np.int32, count=n)
    upper = np.fromiter(map(str.isupper, norm), dtype=bool, count=n)
    latin = np.fromiter((("A" <= c <= "z") for c in chars), dtype=bool, count=n)
    nonlatin = np.fromiter(map(_nonlatin, chars), dtype=bool, count=n) & ~latin
    alpha = np.fromiter(map(str.isalpha, chars), dtype=bool, count=n)
    flags = upper * F_UPPER + nonlatin * F_NONLATIN + alpha * F_ALPHA
    return codes | flags.astype(np.int32)


def _cache_file(kind: str) -> Path | None:
    """Where the arrays built from langdetect's data (and Python's Unicode
    tables) are kept between runs (:mod:`cleaner.datacache`), named by what
    they are built from: this module, langdetect, Python and Unicode versions."""
    try:
        from importlib.metadata import version

        ld = version("langdetect")
    except Exception:  # pragma: no cover - not installed as a distribution
        ld = "?"
    return datacache.cache_file(
        f"langkernel-{kind}",
        Path(__file__).read_text(encoding="utf-8"),
        ld,
        sys.version,
        unicodedata.unidata_version,
    )


def _load_cached(kind: str) -> dict[str, np.ndarray] | None:
    return datacache.load_arrays(_cache_file(kind))


def _save_cached(kind: str, arrays: dict[str, np.ndarray]) -> None:
    datacache.save_arrays(_cache_file(kind), arrays)


def tables() -> tuple[np.ndarray, np.ndarray]:
    """(chars, done): per code point, ``NGram.normalize`` as a code (low 21
    bits) and the ``F_*`` flags (from bit 24); the basic plane filled at once
    (or read from the cache), other code points as texts bring them (``done``)."""
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                chars = np.arange(_MAX_CP, dtype=np.int32)
                cached = _load_cached("tables")
                if cached is not None and cached["bmp"].shape == (0x10000,):
                    chars[:0x10000] = cached["bmp"]
                else:
                    chars[:0x10000] = _char_tables("".join(map(chr, range(0x10000))))
                    _save_cached("tables", {"bmp": chars[:0x10000]})
                done = np.zeros(_MAX_CP, dtype=bool)
                done[:0x10000] = True
                _tables = (chars, done)
    return _tables


def code_points(text: str) -> np.ndarray:
    """The text as an array of code points (uint32), after filling the tables
    for any of its characters outside the basic plane."""
    chars, done = tables()
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not text.isascii() and _ASTRAL.search(text):
        new = [c for c in set(_ASTRAL.findall(text)) if not done[ord(c)]]
        if new:
            with _lock:
                some = "".join(new)
                idx = np.fromiter(map(ord, some), dtype=np.int64, count=len(some))
                chars[idx] = _char_tables(some)
                done[idx] = True
    return cps


def ngram_key(word: str) -> int:
    """The kernel's key of an n-gram of 1 to 3 characters: code + 1 in 21 bits each."""
    key = 0
    for j, ch in enumerate(word):
        key |= (ord(ch) + 1) << (21 * j)
    return key


class _Model:
    """The profiles of a langdetect factory as arrays for the kernel."""

    ARRAYS = ("vals", "cols", "indptr", "table")
    _factory: Any  # langdetect's factory, or None until first asked for (see factory)

    @classmethod
    def from_arrays(cls, data: dict[str, np.ndarray]) -> _Model:
        """The model of langdetect's shared factory, from :meth:`arrays` (the cache)."""
        m = cls.__new__(cls)
        m._factory = None
        m.langlist = [str(x) for x in data["langlist"].tolist()]
        m.nlang = len(m.langlist)
        for k in cls.ARRAYS:
            setattr(m, k, data[k])
        m.bits = int(data["bits"])
        return m

    def arrays(self) -> dict[str, np.ndarray]:
        out = {k: getattr(self, k) for k in self.ARRAYS}
        out["langlist"] = np.array(self.langlist)
        out["bits"] = np.array(self.bits)
        return out

    @property
    def factory(self) -> Any:
        """The langdetect factory (loaded when first asked for, for a model from the cache)."""
        if self._factory is None:
            self._factory = _shared_factory()
        return self._factory

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self.langlist: list[str] = list(factory.langlist)
        self.nlang = len(self.langlist)
        words = list(factory.word_lang_prob_map)
        if not words:  # pragma: no cover - a factory without profiles
            raise ValueError("the langdetect factory has no profiles")
        if any(not 1 <= len(w) <= 3 for w in words):  # pragma: no cover - langdetect's profiles
            raise ValueError("n-grams of 1 to 3 characters expected")
        dense = np.array(list(factory.word_lang_prob_map.values()), dtype=np.float64)
        if dense.shape != (len(words), self.nlang):  # pragma: no cover
            raise ValueError("profile rows of one probability per language expected")
        rows, cols = np.nonzero(dense)  # row-major: sorted by row, then column
        self.vals = dense[rows, cols].copy()
        self.cols = cols.astype(np.int32)
        self.indptr = np.searchsorted(rows, np.arange(len(words) + 1)).astype(np.int32)
        keys = np.fromiter(map(ngram_key, words), dtype=np.int64, count=len(words))
        self.bits = max(4, (2 * len(words) - 1).bit_length())
        self.table = _build_table(keys, self.bits)


def _shared_factory() -> Any:
    from langdetect import detector_factory

    detector_factory.init_factory()
    return detector_factory._factory


def model(factory: Any = None) -> _Model:
    """The kernel's arrays for ``factory``, or for langdetect's shared factory
    when None (read from the cache when it holds them: langdetect's profiles
    are then not loaded at all)."""
    if factory is None:
        with _lock:
            m = _models.get(0)
            if m is None:
                cached = _load_cached("model")
                if cached is not None:
                    m = _Model.from_arrays(cached)
                else:
                    m = _Model(_shared_factory())
                    _save_cached("model", m.arrays())
                _models[0] = m
        return m
    m = _models.get(id(factory))
    if m is None or m.factory is not factory:
        with _lock:
            m = _models.get(id(factory))
            if m is None or m.factory is not factory:
                m = _Model(factory)
                _models[id(factory)] = m
    return m


def _mt_state(seed: Any) -> np.ndarray:
    """``random.Random(seed)``'s MT19937 state: 624 words and the index (int64[625])."""
    key = seed if type(seed) is int else None
    st = _states.get(key) if key is not None else None
    if st is None:
        version, internal, gauss_next = random.Random(seed).getstate()
        if version != 3 or len(internal) != 625 or gauss_next is not None:  # pragma: no cover
            raise RuntimeError("unexpected random.Random state layout")
        st = np.array(internal, dtype=np.int64)
        if key is not None and len(_states) < 64:
            _states[key] = st
    return st


# ------------------------------------------------------------------ kernels
@njit(cache=True, nogil=True)
def _slot(key, bits):  # pragma: no cover - compiled
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64(h >> np.uint64(64 - bits))


@njit(cache=True, nogil=True)
def _build_table(keys, bits):  # pragma: no cover - compiled
    """An open-addressing table (linear probing) of 2**bits slots, each a
    (key, row) pair of int64; key 0 is an empty slot (no key is 0)."""
    mask = (1 << bits) - 1
    table = np.zeros(2 << bits, dtype=np.int64)
    for r in range(len(keys)):
        s = _slot(keys[r], bits)
        while table[2 * s] != 0 and table[2 * s] != keys[r]:
            s = (s + 1) & mask
        table[2 * s] = keys[r]
        table[2 * s + 1] = r
    return table


@njit(cache=True, nogil=True)
def _lookup(key, table, bits):  # pragma: no cover - compiled
    """The row of ``key``, or -1."""
    mask = (1 << bits) - 1
    s = _slot(key, bits)
    while True:
        k = table[2 * s]
        if k == key:
            return table[2 * s + 1]
        if k == 0:
            return -1
        s = (s + 1) & mask


@njit(cache=True, nogil=True)
def _genrand(mt):  # pragma: no cover - compiled
    """CPython's ``genrand_uint32`` (_randommodule.c); mt[624] is the index."""
    if mt[624] >= 624:
        for kk in range(624 - 397):
            y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7FFFFFFF)
            mt[kk] = mt[kk + 397] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
        for kk in range(624 - 397, 623):
            y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7FFFFFFF)
            mt[kk] = mt[kk - 227] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
        y = (mt[623] & 0x80000000) | (mt[0] & 0x7FFFFFFF)
        mt[623] = mt[396] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
        mt[624] = 0
    y = mt[mt[624]]
    mt[624] += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    y ^= y >> 18
    return y


@njit(cache=True, nogil=True)
def _random(mt):  # pragma: no cover - compiled
    """``random.random()``: 53 bits from two 32-bit words."""
    a = _genrand(mt) >> 5
    b = _genrand(mt) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def _randbelow(mt, n, k):  # pragma: no cover - compiled
    """``_randbelow_with_getrandbits(n)``, k = n.bit_length() <= 32."""
    r = _genrand(mt) >> (32 - k)
    while r >= n:
        r = _genrand(mt) >> (32 - k)
    return r


@njit(cache=True, nogil=True)
def _box_muller(u1, u2):  # pragma: no cover - compiled
    """``random.gauss``'s two values from its two ``random()`` draws (log, sqrt,
    cos and sin of the C library, as Python's math module)."""
    x2pi = u1 * _TWOPI
    g2rad = math.sqrt(-2.0 * math.log(1.0 - u2))
    return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad


@njit(cache=True, nogil=True)
def _gauss_pair(mt):  # pragma: no cover - compiled
    """The two values ``random.gauss`` computes when it has none cached."""
    u1 = _random(mt)
    u2 = _random(mt)
    return _box_muller(u1, u2)


@njit(cache=True, nogil=True)
def _py_sum(prob, neumaier):  # pragma: no cover - compiled
    """Builtin ``sum()`` of a list of floats (non-empty), as CPython adds them
    (its start value is the int 0: the first float becomes ``0.0 + x``)."""
    s = 0.0 + prob[0]
    if not neumaier:
        for j in range(1, len(prob)):
            s += prob[j]
        return s
    c = 0.0
    for j in range(1, len(prob)):
        x = prob[j]
        t = s + x
        if abs(s) >= abs(x):
            c += (s - t) + x
        else:
            c += (x - t) + s
        s = t
    if c != 0.0 and math.isfinite(c):
        s += c
    return s


@njit(cache=True, nogil=True)
def _ngram_rows(cps, limit, chars, table, bits):  # pragma: no cover - compiled
    """Detector.append (from the truncation on), cleaning_text and
    _extract_ngrams: the profile rows of the text's n-grams, in order."""
    n = min(len(cps), limit)
    text = np.empty(n, dtype=np.int64)
    m = 0
    pre = -1
    for i in range(n):  # append: runs of spaces become one
        c = np.int64(cps[i])
        if c != 32 or pre != 32:
            text[m] = c
            m += 1
        pre = c
    latin = 0
    nonlatin = 0
    for i in range(m):  # cleaning_text
        c = text[i]
        if 65 <= c <= 122:
            latin += 1
        elif chars[c] & F_NONLATIN:
            nonlatin += 1
    if latin * 2 < nonlatin:
        j = 0
        for i in range(m):
            c = text[i]
            if c < 65 or c > 122:
                text[j] = c
                j += 1
        m = j
    rows = np.empty(3 * m, dtype=np.int32)
    nr = 0
    g = np.empty(3, dtype=np.int64)  # NGram.grams (normalised codes) ...
    gu = np.zeros(3, dtype=np.bool_)  # ... and whether each is upper case
    g[0] = 32
    gl = 1
    cap = False
    for i in range(m):
        c = text[i]
        e = chars[c]
        ch = np.int64(e & _CODE_MASK)
        up = (e & F_UPPER) != 0
        last = g[gl - 1]
        last_up = gu[gl - 1]
        if last == 32:
            g[0] = 32
            gu[0] = False
            gl = 1
            cap = False
            if ch == 32:
                continue
        elif gl >= 3:
            g[0] = g[1]
            g[1] = g[2]
            gu[0] = gu[1]
            gu[1] = gu[2]
            gl = 2
        g[gl] = ch
        gu[gl] = up
        gl += 1
        if up:
            if last_up:
                cap = True
        else:
            cap = False
        if cap:
            continue
        key = np.int64(0)
        for k in range(1, 4):
            if gl < k:
                break
            key = (key << 21) | (g[gl - k] + 1)
            if k == 1 and ch == 32:
                continue
            r = _lookup(key, table, bits)
            if r >= 0:
                rows[nr] = r
                nr += 1
    return rows[:nr]


@njit(cache=True, nogil=True)
def _trials(
    rows,
    indptr,
    cols,
    vals,
    nlang,
    mt,
    n_trial,
    alpha0,
    alpha_width,
    base_freq,
    iteration_limit,
    conv_threshold,
    neumaier,
    langprob,
):  # pragma: no cover - compiled
    """Detector._detect_block after the n-grams (mt is modified). 0: done;
    2: a sum of probabilities was zero (langdetect divides by it)."""
    nr = len(rows)
    k = 0
    while (1 << k) <= nr:  # nr.bit_length()
        k += 1
    prob = np.empty(nlang, dtype=np.float64)
    fac = np.empty(nlang, dtype=np.float64)
    init = 1.0 / nlang
    have_next = False
    gauss_next = 0.0
    for _t in range(n_trial):
        for j in range(nlang):
            prob[j] = init
        if have_next:  # random.gauss, with its cached second value
            z = gauss_next
            have_next = False
        else:
            z, gauss_next = _gauss_pair(mt)
            have_next = True
        gauss = 0.0 + z * 1.0
        alpha = alpha0 + gauss * alpha_width
        weight = alpha / base_freq
        for j in range(nlang):
            fac[j] = weight
        i = 0
        while True:
            row = rows[_randbelow(mt, nr, k)]
            a = indptr[row]
            b = indptr[row + 1]
            for q in range(a, b):
                fac[cols[q]] = weight + vals[q]
            for j in range(nlang):
                prob[j] *= fac[j]
            for q in range(a, b):
                fac[cols[q]] = weight
            if i % 5 == 0:
                s = _py_sum(prob, neumaier)
                if s == 0.0:
                    return 2
                for j in range(nlang):
                    prob[j] /= s
                maxp = 0.0
                for j in range(nlang):
                    if maxp < prob[j]:
                        maxp = prob[j]
                if maxp > conv_threshold or i >= iteration_limit:
                    break
            i += 1
        for j in range(nlang):
            langprob[j] += prob[j] / n_trial
    return 0


@njit(cache=True, nogil=True)
def _detect(
    cps,
    limit,
    chars,
    table,
    bits,
    indptr,
    cols,
    vals,
    nlang,
    mt0,
    n_trial,
    alpha0,
    alpha_width,
    base_freq,
    iteration_limit,
    conv_threshold,
    neumaier,
    langprob,
):  # pragma: no cover - compiled
    """Detector._detect_block from the text's code points (after append's
    substitutions). 0: langprob holds the result; 1: no features in the text;
    2: a sum of probabilities was zero (langdetect divides by it)."""
    rows = _ngram_rows(cps, limit, chars, table, bits)
    if len(rows) == 0:
        return 1
    if n_trial <= 0:
        return 0
    return _trials(
        rows,
        indptr,
        cols,
        vals,
        nlang,
        mt0.copy(),
        n_trial,
        alpha0,
        alpha_width,
        base_freq,
        iteration_limit,
        conv_threshold,
        neumaier,
        langprob,
    )


@njit(cache=True, nogil=True)
def _count_flag(cps, chars, flag):  # pragma: no cover - compiled
    n = 0
    for i in range(len(cps)):
        if chars[cps[i]] & flag:
            n += 1
    return n


# ------------------------------------------------------------------ API
def count_alpha(text: str) -> int:
    """``sum(ch.isalpha() for ch in text)``."""
    if not text:
        return 0
    cps = code_points(text)
    return int(_count_flag(cps, tables()[0], F_ALPHA))


def _prepare(text: str, max_text_length: int) -> str:
    """``Detector.append``'s substitutions (langdetect's own expressions) and truncation."""
    if "://" in text:  # URL_RE starts with https?://
        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:  # MAIL_RE needs an @
        text = Detector.MAIL_RE.sub(" ", text)
    if not text.isascii() and _DMARK.search(text):  # ALPHABET_WITH_DMARK needs a mark
        text = NGram.normalize_vi(text)
    return text[: max(0, max_text_length)]


def ngram_rows(text: str, max_text_length: int = 10000, factory: Any = None) -> np.ndarray:
    """The profile rows (of :func:`model`) of the n-grams langdetect's
    ``_extract_ngrams`` gives for ``text`` appended to a detector, in order."""
    m = model(factory)
    text = _prepare(text, max_text_length)
    return _ngram_rows(code_points(text), len(text), tables()[0], m.table, m.bits)


def probabilities_array(
    text: str,
    seed: Any = 0,
    n_trial: int = 7,
    max_text_length: int = 10000,
    factory: Any = None,
    neumaier: bool | None = None,
) -> np.ndarray | None:
    """Detector.langprob (in ``factory.langlist`` order) for ``text``, or None
    when langdetect finds no features in it. ``neumaier`` (default: as the
    running Python's ``sum``) picks how sums of floats are added."""
    m = model(factory)
    text = _prepare(text, max_text_length)
    langprob = np.zeros(m.nlang, dtype=np.float64)
    status = _detect(
        code_points(text),
        len(text),
        tables()[0],
        m.table,
        m.bits,
        m.indptr,
        m.cols,
        m.vals,
        m.nlang,
        _mt_state(seed),
        int(n_trial),
        _ALPHA,
        _ALPHA_WIDTH,
        _BASE_FREQ,
        _ITERATION_LIMIT,
        _CONV_THRESHOLD,
        NEUMAIER_SUM if neumaier is None else bool(neumaier),
        langprob,
    )
    if status == 1:
        return None
    if status == 2:  # pragma: no cover - a zero sum: let langdetect raise what it raises there
        _reference_detector(text, seed, n_trial, max_text_length, m.factory).get_probabilities()
        raise RuntimeError("langdetect did not fail where the kernel found a zero sum")
    return langprob


def probabilities(
    text: str,
    seed: Any = 0,
    n_trial: int = 7,
    max_text_length: int = 10000,
    factory: Any = None,
) -> list[Language]:
    """langdetect's ``Detector.get_probabilities()`` for ``text`` (see the
    module docstring): a list of ``Language(lang, prob)``, most probable first.
    Raises ``LangDetectException`` when the text has no features."""
    langprob = probabilities_array(text, seed, n_trial, max_text_length, factory)
    if langprob is None:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    threshold = Detector.PROB_THRESHOLD
    result = [
        Language(lang, p)
        for lang, p in zip(model(factory).langlist, langprob.tolist(), strict=True)
        if p > threshold
    ]
    result.sort(reverse=True)  # Detector._sort_probability
    return result


def char_probabilities(chars: str, lang: str) -> np.ndarray:
    """P(character | ``lang``) of each character of ``chars`` in langdetect's
    profile (its 1-grams, after langdetect's normalisation: all hiragana are one
    character, as are hangul syllables), 0.0 where the profile has none (a
    character that normalises to a space, or one the language never uses)."""
    m = model()
    out = np.zeros(len(chars), dtype=np.float64)
    if lang not in m.langlist or not chars:
        return out
    li = m.langlist.index(lang)
    codes = tables()[0][code_points(chars)] & _CODE_MASK
    for i, code in enumerate(codes.tolist()):
        if code == 32:
            continue
        row = int(_lookup(ngram_key(chr(code)), m.table, m.bits))
        if row < 0:
            continue
        a, b = int(m.indptr[row]), int(m.indptr[row + 1])
        hit = np.flatnonzero(m.cols[a:b] == li)
        if len(hit):
            out[i] = m.vals[a + int(hit[0])]
    return out


def _reference_detector(text: str, seed: Any, n_trial: int, max_text_length: int, factory: Any) -> Detector:
    """langdetect's own detector, set up as :func:`probabilities` reads its arguments."""
    detector = factory.create()
    detector.seed = seed
    detector.n_trial = n_trial
    detector.set_max_text_length(max_text_length)
    detector.append(text)
    return detector


def reference_probabilities(
    text: str,
    seed: Any = 0,
    n_trial: int = 7,
    max_text_length: int = 10000,
    factory: Any = None,
) -> list[Language]:
    """The same as :func:`probabilities`, computed by langdetect itself (the reference; slow)."""
    return _reference_detector(
        text, seed, n_trial, max_text_length, model(factory).factory
    ).get_probabilities()


def warm() -> None:
    """Build the tables and the profile arrays, and compile (or load from
    numba's cache) the kernels: before a pipeline's first document (outside any
    per-document time limit) and before a worker pool forks (:data:`GROUP`)."""
    probabilities("Warm the language kernel: one short line of text, \u00e9t\u00e9 \u4e2d\u6587.", 0, 1)
    count_alpha("warm")


# the kernels of this module, compiled together (see cleaner.jit)
GROUP = Group("language", "cleaner.langkernel:warm", cost=4.5)
