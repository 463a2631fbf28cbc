"""Word lists: the detector data file, wordfreq's frequency lists kept in the cache folder, small helpers."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np


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
            if len(blob) or len(freqs)
            else np.zeros(1, dtype=np.int64)
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


def wordfreq_cache_file(kind: str, *built_from: str, suffix: str = ".npz") -> Path | None:
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
def freq_dict(lang: str) -> _Freqs:
    """wordfreq's frequency list for ``lang`` (shipped with the package), loaded
    once per process: from the cache folder, else from wordfreq (then cached)."""
    from cleaner import datacache

    path = wordfreq_cache_file("wordfreq-freqs", lang)
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
def top_words(lang: str, n: int) -> tuple[str, ...]:
    """wordfreq's ``n`` most frequent words of ``lang``, kept between runs in the
    cache folder (:mod:`cleaner.datacache`): reading a full wordfreq list takes
    about 0.1 s per language, which every run and worker would pay at start-up."""
    from cleaner import datacache

    path = wordfreq_cache_file("wordfreq-top", lang, str(n), suffix=".json")
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


def alternation(words: Iterable[str]) -> str:
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


def capitalized(w: str) -> str:
    return w[:1].upper() + w[1:]


def norm_name(name: str) -> str:
    """Allow-list key: lowercase, straight apostrophe, no trailing s."""
    k = name.lower().replace("’", "'")
    return k[:-1] if k.endswith("s") and len(k) > 3 else k


def zipf(lang: str, word: str) -> float:
    """The word's Zipf frequency in wordfreq's list of ``lang`` (0 when unlisted)."""
    f = freq_dict(lang).get(word)
    return math.log10(f) + 9.0 if f else 0.0
