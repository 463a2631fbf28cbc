"""Static detection of regular expressions that can backtrack catastrophically.

Python's ``re`` is a backtracking engine: a repeated group whose body can match
the same text in more than one way takes exponential time on a line that almost
matches. Two shapes cause nearly all such hangs and are found here from the
parse tree:

* a quantifier inside a repeated group, ``(a+)+`` or ``(\\w+\\s?)*``, where the
  inner and outer repetition can split the same run of characters many ways;
* alternatives inside a repeated group that can start with the same
  character, ``(a|aa)+`` or ``(\\s|\\W)*``, where each character can be taken by
  either branch.

The check is conservative in the safe direction only for these shapes; what it
misses is caught by timed probes in :mod:`cleaner.rules` and by the
boilerplate stage's per-document time limit.
"""

from __future__ import annotations

import re
import sys

if sys.version_info >= (3, 11):
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
else:  # pragma: no cover - older Pythons
    import sre_constants as _c
    import sre_parse as _p

# a small alphabet that stands for every character class a pattern can name
_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    " \t\n\u00a0_-.,;:!?'\"()[]{}<>/\\|@#$%^&*+=~`"
    "éÉßçñüöäøłąś中日ж٣\u2013\u2014\u201c\u201d\u2019…€"
)
_CATEGORY = {
    _c.CATEGORY_DIGIT: re.compile(r"\d"),
    _c.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    _c.CATEGORY_SPACE: re.compile(r"\s"),
    _c.CATEGORY_NOT_SPACE: re.compile(r"\S"),
    _c.CATEGORY_WORD: re.compile(r"\w"),
    _c.CATEGORY_NOT_WORD: re.compile(r"\W"),
}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)} - {None}


class Ambiguous(Exception):
    """Raised with a human-readable reason when a pattern can hang."""


def check(pattern: str, ignore_case: bool = True) -> None:
    """Raise :class:`Ambiguous` if ``pattern`` has a catastrophic shape.

    Patterns that do not parse are left to ``re.compile`` to report.
    """
    try:
        tree = _p.parse(pattern, re.IGNORECASE if ignore_case else 0)
    except Exception:  # noqa: BLE001 - re.compile reports it properly
        return
    fold = ignore_case or bool(tree.state.flags & re.IGNORECASE)
    _walk(list(tree.data), fold, inside_repeat=False)


def _is_many(max_count: int) -> bool:
    return max_count == _c.MAXREPEAT or max_count > 8


def _walk(items: list, fold: bool, inside_repeat: bool, follow: frozenset[str] = frozenset()) -> None:
    """Walk a sequence; inside an unbounded repeat, every point where the engine
    may either go on with the current element or with what follows it must see
    different next characters, or the same text splits many ways."""
    for i, (op, av) in enumerate(items):
        rest, rest_nullable = _first(items[i + 1 :], fold)
        after = rest | follow if rest_nullable else rest
        if op in _REPEATS:
            lo, hi, body = av
            body = list(body)
            possessive = op is getattr(_c, "POSSESSIVE_REPEAT", object())
            if possessive:
                _walk(body, fold, False)
                continue
            head, _ = _first(body, fold)
            if inside_repeat and lo != hi and head & after:
                raise Ambiguous(
                    "a repetition inside a repeated group can stop or go on at the same character"
                )
            if _is_many(hi):
                _walk(body, fold, True, head | after)
            else:
                _walk(body, fold, inside_repeat, head | after if lo != hi else after)
        elif op is _c.SUBPATTERN:
            _walk(list(av[-1]), fold, inside_repeat, after)
        elif op is _c.BRANCH:
            alts = [list(b) for b in av[1]]
            if inside_repeat:
                firsts = [_first(b, fold) for b in alts]
                for a in range(len(firsts)):
                    for b in range(a + 1, len(firsts)):
                        (fa, na), (fb, nb) = firsts[a], firsts[b]
                        if fa & fb or (na and fb & after) or (nb and fa & after):
                            raise Ambiguous("alternatives inside a repeated group can match the same text")
            for alt in alts:
                _walk(alt, fold, inside_repeat, after)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _walk(list(av[1]), fold, False)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            _walk(list(av), fold, False)


def _first(items: list, fold: bool) -> tuple[frozenset[str], bool]:
    """(characters a match can start with, whether it can match empty)."""
    out: set[str] = set()
    for op, av in items:
        chars, nullable = _first_one(op, av, fold)
        out |= chars
        if not nullable:
            return frozenset(out), False
    return frozenset(out), True


def _first_one(op, av, fold: bool) -> tuple[frozenset[str], bool]:
    if op is _c.LITERAL:
        return _chars({chr(av)}, fold), False
    if op is _c.NOT_LITERAL:
        return _chars(set(_ALPHABET) - {chr(av)}, fold), False
    if op is _c.ANY:
        return frozenset(_ALPHABET), False
    if op is _c.IN:
        return _chars(_in_set(av, fold), fold), False
    if op is _c.CATEGORY:
        return frozenset(c for c in _ALPHABET if _CATEGORY[av].match(c)), False
    if op is _c.SUBPATTERN:
        return _first(list(av[-1]), fold)
    if op is _c.BRANCH:
        chars: set[str] = set()
        nullable = False
        for b in av[1]:
            f, n = _first(list(b), fold)
            chars |= f
            nullable = nullable or n
        return frozenset(chars), nullable
    if op in _REPEATS:
        lo, _hi, body = av
        f, n = _first(list(body), fold)
        return f, n or lo == 0
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return frozenset(), True
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _first(list(av), fold)
    # group references, conditionals: assume anything
    return frozenset(_ALPHABET), True


def _in_set(items: list, fold: bool) -> set[str]:
    negate = False
    chars: set[str] = set()
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE:
            lo, hi = av
            chars |= {c for c in _ALPHABET if lo <= ord(c) <= hi}
        elif op is _c.CATEGORY:
            chars |= {c for c in _ALPHABET if _CATEGORY[av].match(c)}
        else:
            chars |= set(_ALPHABET)
    if negate:
        return set(_ALPHABET) - _chars(chars, fold)
    return chars


def _chars(chars: set[str] | frozenset[str], fold: bool) -> frozenset[str]:
    if not fold:
        return frozenset(chars)
    return frozenset(c.lower() for c in chars) | frozenset(c.upper() for c in chars)
