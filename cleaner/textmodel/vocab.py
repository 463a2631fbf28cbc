"""Words that tell what kind of junk a line may be: the text model's vocabulary features.

``rules/textvocab.yaml`` lists words by group (comment, promo, legal, share,
nav, byline, time). A unit's vocabulary row counts, per group, the words of its
first :data:`LIMIT` characters that are in the group: a word is a run of
letters and digits, compared lower-cased (one character to one, as the
kernels' tables lower it). :func:`vocab_rows_py` is the readable reference of
the compiled :func:`cleaner.kernels.features.vocab_rows`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cleaner.errors import ConfigError
from cleaner.resources import rules_dir
from cleaner.yamlio import load_yaml

GROUPS = ("comment", "promo", "legal", "share", "nav", "byline", "time")
LIMIT = 400  # characters of a unit read for its words


@functools.lru_cache(maxsize=4)
def vocabulary(path: str | None = None) -> dict[str, frozenset[str]]:
    """The groups' words (lower-cased) from ``rules/textvocab.yaml`` (or ``path``)."""
    file = Path(path) if path else rules_dir() / "textvocab.yaml"
    data = load_yaml(file)
    if not isinstance(data, dict) or set(data) != set(GROUPS):
        raise ConfigError(f"expected the groups {', '.join(GROUPS)}", file=str(file))
    out = {}
    for g in GROUPS:
        words = data[g]
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise ConfigError("expected a list of words", file=str(file), key=g)
        out[g] = frozenset(w.lower() for w in words)
    return out


@functools.lru_cache(maxsize=4)
def table(path: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(keys, bits): an open-addressing table of the words' hashes (0: empty) and,
    per slot, the groups the word is in (bit g for GROUPS[g])."""
    from cleaner.kernels.chars import tables

    _, lower, _ = tables()
    bits: dict[int, int] = {}
    for g, name in enumerate(GROUPS):
        for w in vocabulary(path)[name]:
            h = 0xCBF29CE484222325
            for ch in w:
                c = ord(ch)
                c = int(lower[c]) if c < len(lower) else c
                h = ((h ^ c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
            bits[h] = bits.get(h, 0) | (1 << g)
    size = 1 << max(4, (4 * len(bits) - 1).bit_length())
    keys = np.zeros(size, dtype=np.uint64)
    vals = np.zeros(size, dtype=np.int64)
    for h, b in bits.items():
        k = h & (size - 1)
        while keys[k] != 0:
            k = (k + 1) & (size - 1)
        keys[k] = h
        vals[k] = b
    return keys, vals


def vocab_rows_py(texts: Sequence[str], path: str | None = None) -> np.ndarray:
    """Per text, the words of each group among its first LIMIT characters (texts x GROUPS)."""
    from cleaner.kernels.chars import AN, tables

    flags, lower, _ = tables()
    words = vocabulary(path)
    out = np.zeros((len(texts), len(GROUPS)))
    for i, t in enumerate(texts):
        head = t[:LIMIT]
        word: list[str] = []
        for ch in head + " ":
            c = ord(ch)
            if c < len(flags) and flags[c] & AN:
                word.append(chr(int(lower[c])))
                continue
            if word:
                w = "".join(word)
                for g, name in enumerate(GROUPS):
                    if w in words[name]:
                        out[i, g] += 1
                word = []
    return out
