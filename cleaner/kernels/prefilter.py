"""The rules' prefilter, compiled (numba): which lines a rule must look at.

* :class:`Literals` / :func:`scan_literals`: which of a set of strings each
  line holds, compared exactly, as ``str.lower`` does or as ``re.IGNORECASE``
  does, all strings in one scan;
* :func:`pairs`: from that, the (line, rule) pairs a pattern rule's regex must
  try (the line holds one of the strings every match must hold, starts with a
  character the rule can start with, has no more than its words);
* :func:`phrase_keys`: the lines a phrase rule must look up (their normalised
  hash is a phrase's, or a prefix's), and which lines are article paragraphs
  where a section rule stops.

The prefilter never changes which lines a rule names, only how many lines its
regex or lookup sees (see :mod:`cleaner.stages.boilerplate`).
"""

from __future__ import annotations

import numpy as np

from cleaner.kernels import njit
from cleaner.kernels.chars import CJK, FNV_OFFSET, FNV_PRIME, PLAIN, SP, fold_table, in_table, tables

# ------------------------------------------------------------- literal scans
# chain heads: strings of one character by it, of two by both, longer ones by
# their first three (folded, hashed into 16 bits)
_KEY1, _KEY3 = 1 << 16, 2 << 16


def _key2(a: int, b: int) -> int:
    return (a * 40503 + b) & 0xFFFF


def _key3(a: int, b: int, c: int) -> int:
    return _KEY3 + (((a * 40503 + b) * 40503 + c) & 0xFFFF)


class Literals:
    """Strings to look for in every line at once (:func:`scan_literals`).

    ``mode`` per string: ``exact``, ``lower`` (as in ``line.lower()``) or
    ``fold`` (as ``re.IGNORECASE`` compares characters).
    """

    MODES = {"exact": 0, "fold": 1, "lower": 2}

    def __init__(self, items: list[tuple[str, str]]) -> None:
        flags, lower, _ = tables()
        fold = fold_table()
        codes: list[int] = []
        self.start = np.zeros(len(items), dtype=np.int64)
        self.length = np.zeros(len(items), dtype=np.int64)
        self.mode = np.zeros(len(items), dtype=np.int64)
        self.head = np.full(3 << 16, -1, dtype=np.int64)
        self.next = np.full(len(items), -1, dtype=np.int64)
        for i, (text, mode) in enumerate(items):
            if not text:
                raise ValueError("empty literal")
            cps = [ord(c) for c in text]
            m = self.MODES[mode]
            if m == 1:
                cps = [int(fold[c]) for c in cps]
            elif m == 2:
                cps = [int(lower[c]) for c in cps]
            self.start[i] = len(codes)
            self.length[i] = len(cps)
            self.mode[i] = m
            codes.extend(cps)
            # chained by their first characters as the scan sees them: folded
            f = [int(fold[c]) for c in cps[:3]]
            key = _key3(*f) if len(f) == 3 else _key2(*f) if len(f) == 2 else _KEY1 + (f[0] & 0xFFFF)
            self.next[i] = self.head[key]
            self.head[key] = i
        self.codes = np.array(codes, dtype=np.uint32)
        self.words = max(1, (len(items) + 63) // 64)
        # which chain heads are in use, one bit each (a small table the scan
        # reads first, instead of the large one, for the most characters)
        used = np.flatnonzero(self.head >= 0)
        self.used = np.zeros(len(self.head) // 64, dtype=np.uint64)
        np.bitwise_or.at(self.used, used >> 6, np.left_shift(np.uint64(1), (used & 63).astype(np.uint64)))

    def scan(self, cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Lines x words bit mask: bit i set when the line holds string i."""
        _, lower, _ = tables()
        return scan_literals(
            cps,
            starts,
            ends,
            fold_table(),
            lower,
            self.codes,
            self.start,
            self.length,
            self.mode,
            self.head,
            self.next,
            self.words,
            self.used,
        )


@njit(cache=True, nogil=True)
def _chain(
    mask, i, h, cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt
):  # pragma: no cover - compiled
    """Set line i's bit of each string of chain ``h`` that starts at cps[k]."""
    one = np.uint64(1)
    while h >= 0:
        n = llen[h]
        if k + n <= e:
            b = lstart[h]
            mode = lmode[h]
            ok = True
            for j in range(n):
                c = cps[k + j]
                if mode == 1:
                    c = fold[c]
                elif mode == 2:
                    c = lower[c]
                if c != codes[b + j]:
                    ok = False
                    break
            if ok:
                mask[i, h >> 6] |= one << np.uint64(h & 63)
        h = nxt[h]


@njit(cache=True, nogil=True)
def scan_literals(
    cps, starts, ends, fold, lower, codes, lstart, llen, lmode, head, nxt, words, used
):  # pragma: no cover - compiled
    m = len(starts)
    mask = np.zeros((m, words), dtype=np.uint64)
    one = np.uint64(1)
    for i in range(m):
        s = starts[i]
        e = ends[i]
        if e <= s:
            continue
        f1 = np.int64(fold[cps[s]])
        f2 = np.int64(fold[cps[s + 1]]) if s + 1 < e else np.int64(0)
        for k in range(s, e):
            f0 = f1
            f1 = f2
            f2 = np.int64(fold[cps[k + 2]]) if k + 2 < e else np.int64(0)
            key = _KEY1 + (f0 & 0xFFFF)
            if (used[key >> 6] >> np.uint64(key & 63)) & one:
                _chain(mask, i, head[key], cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt)
            if k + 1 < e:
                key = (f0 * 40503 + f1) & 0xFFFF
                if (used[key >> 6] >> np.uint64(key & 63)) & one:
                    _chain(mask, i, head[key], cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt)
                if k + 2 < e:
                    key = _KEY3 + (((f0 * 40503 + f1) * 40503 + f2) & 0xFFFF)
                    if (used[key >> 6] >> np.uint64(key & 63)) & one:
                        _chain(mask, i, head[key], cps, k, e, fold, lower, codes, lstart, llen, lmode, nxt)
    return mask


@njit(cache=True, nogil=True)
def pairs(
    mask,
    rule_bits,
    lens,
    max_chars,
    words_in_line,
    max_words,
    cps,
    starts,
    flags,
    fold,
    first_ptr,
    first_codes,
    first_classes,
    first_fold,
):  # pragma: no cover - compiled
    """(line, rule) pairs, by line then rule, where the line is not empty and
    has at most ``max_chars`` characters, holds one of the rule's strings
    (``rule_bits``: rules x words; a rule with no bits at all is tried on
    every such line), has at most the rule's ``max_words`` and starts with a
    character the rule can start with (``first_*``: rule r's codes are
    first_codes[first_ptr[r]:first_ptr[r + 1]], folded if first_fold[r];
    first_classes[r] the character flags that also do; -1: any)."""
    m = mask.shape[0]
    r_n, words = rule_bits.shape
    # a line that holds none of the rules' strings is tried only with the
    # rules that need none ("always")
    union = np.zeros(words, dtype=np.uint64)
    n_always = 0
    always = np.empty(r_n, dtype=np.int64)
    for r in range(r_n):
        none = True
        for w in range(words):
            if rule_bits[r, w] != 0:
                none = False
            union[w] |= rule_bits[r, w]
        if none:
            always[n_always] = r
            n_always += 1
    every = np.arange(r_n)
    cap = 64
    lines = np.empty(cap, dtype=np.int64)
    rules = np.empty(cap, dtype=np.int64)
    count = 0
    for i in range(m):
        if lens[i] <= 0 or lens[i] > max_chars:
            continue
        held = False
        for w in range(words):
            if mask[i, w] & union[w]:
                held = True
                break
        if held:
            cand = every
            nc = r_n
        else:
            cand = always
            nc = n_always
        c0 = cps[starts[i]]
        for q in range(nc):
            r = cand[q]
            if words_in_line[i] > max_words[r]:
                continue
            if held:
                hit = False
                none = True
                for w in range(words):
                    if rule_bits[r, w] != 0:
                        none = False
                        if mask[i, w] & rule_bits[r, w]:
                            hit = True
                            break
                if not hit and not none:
                    continue
            cls = first_classes[r]
            if cls >= 0 and not (flags[c0] & cls):
                c = fold[c0] if first_fold[r] else c0
                ok = False
                for p in range(first_ptr[r], first_ptr[r + 1]):
                    if first_codes[p] == c:
                        ok = True
                        break
                if not ok:
                    continue
            if count == cap:
                cap *= 2
                nl = np.empty(cap, dtype=np.int64)
                nr = np.empty(cap, dtype=np.int64)
                for k in range(count):  # (a slice assignment compiles for seconds)
                    nl[k] = lines[k]
                    nr[k] = rules[k]
                lines = nl
                rules = nr
            lines[count] = i
            rules[count] = r
            count += 1
    return lines[:count], rules[:count]


@njit(cache=True, nogil=True)
def phrase_keys(
    cps,
    starts,
    ends,
    flags,
    lower,
    lead,
    trail,
    phrases,
    prefixes,
    terminal,
    para_words,
    cjk_words,
    max_chars,
):  # pragma: no cover - compiled
    """Per line: (whether a phrase can match it, whether a prefix can, number
    of words).

    A line of plain characters (``PLAIN`` in the character tables) is normalised here as
    ``norm_phrase`` does (no leading bullets or numbers, no trailing
    punctuation, single spaces, lower case) and its hash looked up in
    ``phrases``; the hash of its first 1..4 characters, lower-cased, in
    ``prefixes``. A line with other characters may match either. A line of
    more than ``max_chars`` characters matches no phrase (column 0 is 0).

    Column 3: whether the line is an article paragraph for the section rules
    (where a section stops): it ends in one of ``terminal`` and has
    ``para_words`` words (with ``cjk_words``: two CJK characters count as one).
    """
    m = len(starts)
    out = np.zeros((m, 4), dtype=np.int64)
    for i in range(m):
        s = starts[i]
        e = ends[i]
        plain = True
        words = 0
        cjk = 0
        in_word = False
        for k in range(s, e):
            f = flags[cps[k]]
            if not (f & PLAIN):
                plain = False
            if f & CJK:
                cjk += 1
            if f & SP:
                in_word = False
            elif not in_word:
                in_word = True
                words += 1
        out[i, 2] = words
        if e <= s:
            continue
        last = cps[e - 1]
        ends_right = False
        for t in terminal:
            if last == t:
                ends_right = True
        if ends_right:
            n = words
            if n < para_words and cjk_words:
                n += cjk // 2
            out[i, 3] = 1 if n >= para_words else 0
        # a prefix: the first 1..4 characters
        h = FNV_OFFSET
        for k in range(s, min(s + 4, e)):
            c = cps[k]
            if not (flags[c] & PLAIN):
                out[i, 1] = 1
                break
            h = (h ^ np.uint64(lower[c])) * FNV_PRIME
            if in_table(h, prefixes):
                out[i, 1] = 1
                break
        if e - s > max_chars:
            continue
        if not plain:
            out[i, 0] = 1
            continue
        a = s
        while a < e and lead[cps[a]]:
            a += 1
        b = e
        while b > a and trail[cps[b - 1]]:
            b -= 1
        h = FNV_OFFSET
        pending = False  # a space between two words
        started = False
        for k in range(a, b):
            c = cps[k]
            if flags[c] & SP:
                pending = started
                continue
            if pending:
                h = (h ^ np.uint64(32)) * FNV_PRIME
                pending = False
            h = (h ^ np.uint64(lower[c])) * FNV_PRIME
            started = True
        out[i, 0] = 1 if in_table(h, phrases) else 0
    return out
