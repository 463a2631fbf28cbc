"""Rule packs: load, validate, compile into fast matchers, and test against examples.

A rule pack is a YAML list of rules (or a mapping with a ``rules`` list)::

    - id: en.most-read
      kind: section            # line | pattern | section | embed
      match: ["Most Read", "Most Popular"]
      until: end               # section only: end | next-content | lines
      lang: en                 # omit for language-neutral rules
      why: sidebar lists of popular stories
      examples:
        drop: ["Most Read"]
        keep: ["It was the most read story of the year, editors said."]

Kinds:

* ``line``: the whole line equals one of the ``match`` phrases (case, spacing,
  bullets and trailing ``:``/``…``/``»`` ignored); with ``prefix: true`` the line
  only has to start with the phrase.
* ``pattern``: the regular expression ``pattern`` is found in the line.
* ``section``: a header line (``match`` or ``pattern``) starts a block that runs
  to the end of the text (``until: end``), over the following lines that are
  not article paragraphs (``until: next-content``), or over the next ``lines``
  non-blank lines (``until: lines``).
* ``embed``: a social-media embed: an anchor line (``pattern``, e.g. a tweet's
  "— Name (@handle) April 15, 2021" attribution) and up to ``before.max``
  preceding lines that match ``before.pattern`` (the tweet text with its links).

Patterns that can backtrack catastrophically (a repeated group whose body can
split the same text more than one way, see :mod:`cleaner.regexcheck`) are
rejected when the pack is loaded, as are patterns that are slow on short test
lines; what slips through is stopped by the boilerplate stage's per-document
time limit (Python's ``re`` engine is interruptible).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import ConfigError
from cleaner.yamlio import line_of, load_yaml

KINDS = ("line", "pattern", "section", "embed")
UNTIL = ("end", "next-content", "lines")
RULE_KEYS = {
    "id",
    "kind",
    "match",
    "pattern",
    "prefix",
    "until",
    "lines",
    "before",
    "lang",
    "why",
    "examples",
    "case_sensitive",
    "max_words",
}

_EDGE = re.compile(r"^[\s\-–—•·*>»«|:#\d.)(\[\]]+|[\s:：…»«|>\-–—.,;!?]+$")
_SPACE = re.compile(r"\s+")
# a group that holds a quantifier and is itself quantified: (a+)+, (\w*x)*, (a|b+){2,}
_EVIL_INPUTS = ("a" * 28 + "!", "aaaa bbbb " * 8 + "!", "x" * 24 + "\u00e9", "1" * 30 + "a", " " * 30 + "x")


PHRASE_LEAD = " \t\n\r\f\v\u00a0-–—•·*>»«|:#0123456789.)([]"
PHRASE_TRAIL = " \t\n\r\f\v\u00a0:：…»«|>-–—.,;!?"


def norm_phrase(text: str) -> str:
    """Normalise a line or phrase for exact matching: NFKC, no leading bullets or
    numbers, no trailing ``:``/``…``/punctuation, single spaces, casefolded."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.lstrip(PHRASE_LEAD).rstrip(PHRASE_TRAIL).split()).casefold()


_PREFIX_DELIM = re.compile(r"\s*[:\-–—»|>]")


def _prefix_hit(line: str, phrases: frozenset[str]) -> bool:
    """The line starts with a phrase followed by a delimiter (``Read more: ...``)."""
    low = _SPACE.sub(" ", _EDGE.sub("", line)).casefold()
    for p in phrases:
        if low.startswith(p) and _PREFIX_DELIM.match(low, len(p)):
            return True
    return False


@dataclass
class Rule:
    id: str
    kind: str
    why: str
    lang: str | None = None
    match: list[str] = field(default_factory=list)
    pattern: str | None = None
    prefix: bool = False
    until: str = "end"
    lines: int = 1
    before_pattern: str | None = None
    before_max: int = 2
    max_words: int | None = None
    case_sensitive: bool = False
    examples_drop: list[str] = field(default_factory=list)
    examples_keep: list[str] = field(default_factory=list)
    file: str = ""
    line: int | None = None
    compiled: Any = None
    compiled_before: Any = None
    phrases: frozenset[str] = frozenset()

    def matches(self, text: str) -> bool:
        """Whether a single line matches this rule's line test (header/anchor)."""
        stripped = text.strip()
        if not stripped:
            return False
        if self.max_words is not None and len(stripped.split()) > self.max_words:
            return False
        if self.phrases:
            n = norm_phrase(stripped)
            if n in self.phrases:
                return True
            if self.prefix and _prefix_hit(stripped, self.phrases):
                return True
        if self.compiled is not None:
            return self.compiled.search(stripped) is not None
        return False


@dataclass
class RuleSet:
    """All loaded rules, compiled for fast matching."""

    rules: list[Rule] = field(default_factory=list)

    @classmethod
    def load(cls, paths: list[Path] | list[str]) -> RuleSet:
        rules: list[Rule] = []
        ids: dict[str, str] = {}
        for p in paths:
            for rule in load_pack(p):
                if rule.id in ids:
                    raise ConfigError(
                        f"duplicate rule id {rule.id!r} (also in {ids[rule.id]})",
                        file=rule.file,
                        line=rule.line,
                        key="id",
                    )
                ids[rule.id] = rule.file
                rules.append(rule)
        return cls(rules)

    def for_language(self, lang: str | None) -> list[Rule]:
        """The rules that apply to a document in ``lang``.

        Rules that match whole lines against a phrase list (no pattern) apply in
        every language: a line that is exactly "Advertisement", "Most Read" or
        "Lesen Sie auch" is junk whatever the article's language, and short pages
        are where language detection is least reliable. Pattern rules stay with
        their language.
        """
        if lang is None:
            return self.rules
        return [
            r
            for r in self.rules
            if r.lang is None or r.lang == lang or (r.pattern is None and r.kind != "embed")
        ]


@functools.lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """The language codes the language stage can give a document (langdetect's
    profiles: en, de, ..., zh-cn, zh-tw), read from the installed package."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("langdetect")
    for base in (spec.submodule_search_locations or []) if spec else []:
        folder = os.path.join(base, "profiles")
        if os.path.isdir(folder):
            return frozenset(name for name in os.listdir(folder) if not name.startswith("."))
    return frozenset()


def _check_language(lang: str, file: str, line: int | None, key: str) -> None:
    """A rule's ``lang`` must be a code the language stage gives documents,
    or the rule would never apply to a document's language."""
    known = known_languages()
    if not known or lang in known:
        return
    hint = f"; did you mean {lang.lower()!r}?" if lang.lower() in known else ""
    names = ", ".join(sorted(known))
    raise _err(
        f"unknown language {lang!r}: a rule's lang is the code the language stage detects "
        f"(one of: {names}){hint}",
        file,
        line,
        key,
    )


def _err(msg: str, file: str, line: int | None, key: str) -> ConfigError:
    return ConfigError(msg, file=file, line=line, key=key)


def compile_pattern(pattern: str, case_sensitive: bool, file: str, line: int | None, key: str) -> Any:
    """Compile a user pattern, rejecting ones that can backtrack catastrophically."""
    from cleaner.regexcheck import Ambiguous, check

    try:
        check(pattern, ignore_case=not case_sensitive)
    except Ambiguous as exc:
        raise _err(
            f"pattern {pattern!r} can backtrack catastrophically and hang on some lines: {exc}; "
            "make the alternatives start differently or drop the inner quantifier",
            file,
            line,
            key,
        ) from None
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        compiled = re.compile(pattern, flags)
    except (re.error, OverflowError, RecursionError) as exc:
        raise _err(f"invalid regular expression {pattern!r}: {exc}", file, line, key) from None
    from cleaner.limits import TimeLimitExceeded, time_limit

    for probe in _EVIL_INPUTS:
        try:
            with time_limit(0.25, "pattern probe"):
                compiled.search(probe)
        except TimeLimitExceeded:
            raise _err(
                f"pattern {pattern!r} backtracks catastrophically (too slow on a short test line)",
                file,
                line,
                key,
            ) from None
    return compiled


def top_branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression (``a|b(c|d)`` -> a, b(c|d))."""
    out: list[str] = []
    cur: list[str] = []
    depth, in_class, escaped = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def required_strings(compiled: re.Pattern[str]) -> list[str] | None:
    """Strings of which every match of ``compiled`` holds at least one (see
    :func:`_required_strings`; read once per pattern, however many languages'
    rule sets hold it)."""
    found = _required_strings(compiled)
    return None if found is None else list(found)


@functools.lru_cache(maxsize=4096)
def _required_strings(compiled: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings of which every match of ``compiled`` holds at least one (so a
    line without any of them needs no regex run), or None if the pattern has
    no such strings of two or more characters (or rare single ones: "@", "©", "…"). Compared as the pattern
    compares: case-folded when it ignores case.

    Read off the parsed pattern: a run of literal characters must appear; so
    must one of the alternatives of a group, or the body of a repeat of at
    least one. Of the candidates in a sequence, the one whose shortest string
    is longest wins.
    """
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    try:
        tree = _parser.parse(compiled.pattern, compiled.flags)
    except Exception:  # noqa: BLE001 - no prefilter then; the pattern itself compiled
        return None
    case_flags = re.IGNORECASE

    def seq(items: Any) -> list[str] | None:
        best: list[str] | None = None
        run: list[str] = []

        def consider(strings: list[str] | None) -> None:
            nonlocal best
            if strings and (best is None or min(map(len, strings)) > min(map(len, best))):
                best = strings

        for op, av in items:
            if op is c.LITERAL:
                run.append(chr(av))
                continue
            if run:
                consider(["".join(run)])
                run = []
            consider(item(op, av))
        if run:
            consider(["".join(run)])
        return best

    def item(op: Any, av: Any) -> list[str] | None:
        if op is c.SUBPATTERN:
            _, add, remove, body = av
            if (add | remove) & case_flags:
                return None  # the case rule changes inside: no prefilter from here
            return seq(body)
        if op is c.ATOMIC_GROUP:
            return seq(av)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _, body = av
            return seq(body) if low >= 1 else None
        if op is c.BRANCH:
            out: list[str] = []
            for branch in av[1]:
                got = seq(branch)
                if not got:
                    return None
                out.extend(got)
            return list(dict.fromkeys(out))
        return None

    found = seq(tree)
    if not found or not all(len(x) >= 2 or x in _RARE_CHARS for x in found):
        return None
    return tuple(found)


# single characters rare enough in text to be worth a prefilter
_RARE_CHARS = frozenset("@#©®™|…»«›‹·•")


@functools.lru_cache(maxsize=4096)
def first_chars(compiled: re.Pattern[str]) -> tuple[frozenset[str], frozenset[str]] | None:
    """For a pattern anchored at the line start: (the characters a matching
    line can start with, the classes "digit"/"word"/"space" it can start
    with), or None when that is not known (or not anchored)."""
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    try:
        tree = _parser.parse(compiled.pattern, compiled.flags)
    except Exception:  # noqa: BLE001
        return None
    cats = {c.CATEGORY_DIGIT: "digit", c.CATEGORY_WORD: "word", c.CATEGORY_SPACE: "space"}
    chars: set[str] = set()
    classes: set[str] = set()

    def charset(av: Any) -> bool:
        for op, arg in av:
            if op is c.LITERAL:
                chars.add(chr(arg))
            elif op is c.RANGE and arg[1] - arg[0] <= 256:
                chars.update(map(chr, range(arg[0], arg[1] + 1)))
            elif op is c.CATEGORY and arg in cats:
                classes.add(cats[arg])
            else:
                return False
        return True

    def seq(items: Any, anchored: bool) -> bool | None:
        """Add the first characters of ``items``; True if ``items`` can match
        nothing (the next items' first characters count too), None if unknown."""
        for op, av in items:
            if op is c.AT:
                if av is not c.AT_BEGINNING:
                    return None
                anchored = True
                continue
            if not anchored:
                return None
            got = one(op, av)
            if got is None:
                return None
            if not got:
                return False
        return True

    def one(op: Any, av: Any) -> bool | None:
        if op is c.LITERAL:
            chars.add(chr(av))
            return False
        if op is c.IN:
            return False if charset(av) else None
        if op is c.SUBPATTERN:
            if (av[1] | av[2]) & re.IGNORECASE:
                return None
            return seq(av[3], True)
        if op is c.BRANCH:
            empty = False
            for branch in av[1]:
                got = seq(branch, True)
                if got is None:
                    return None
                empty |= got
            return empty
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _, body = av
            got = seq(body, True)
            if got is None:
                return None
            return got or low == 0
        return None

    # every top-level branch starts at the line start
    if not is_anchored(compiled.pattern) or seq(tree, False) is not False:
        return None
    return frozenset(chars), frozenset(classes)


def is_anchored(pattern: str) -> bool:
    """Whether every top-level alternative starts at the beginning of the line."""
    return all(b.startswith("^") for b in top_branches(pattern))


def load_pack(path: str | Path) -> list[Rule]:
    """Load and validate one rule pack; errors name the file, line and key."""
    fname = str(path)
    data = load_yaml(path)
    if isinstance(data, dict) and "rules" in data:
        items = data["rules"]
    else:
        items = data
    if not isinstance(items, list):
        raise _err(
            "expected a list of rules (or a mapping with a `rules` list)",
            fname,
            getattr(data, "line", None),
            "rules",
        )
    out = []
    for i, item in enumerate(items):
        out.append(_parse_rule(item, fname, line_of(items, i)))
    return out


def _parse_rule(item: Any, fname: str, line: int | None) -> Rule:
    if not isinstance(item, dict):
        raise _err("each rule must be a mapping", fname, line, "rule")
    rid = item.get("id")
    where = f"rule {rid}" if isinstance(rid, str) else "rule"

    def kline(key: str) -> int | None:
        return line_of(item, key) or line

    for key in item:
        if key not in RULE_KEYS:
            raise _err(
                f"unknown key; a rule accepts: {', '.join(sorted(RULE_KEYS))}",
                fname,
                kline(key),
                f"{where}.{key}",
            )
    for key in ("id", "kind", "why"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _err("required, expected a non-empty string", fname, kline(key), f"{where}.{key}")
    kind = item["kind"]
    if kind not in KINDS:
        raise _err(f"expected one of: {', '.join(KINDS)}", fname, kline("kind"), f"{where}.kind")
    rule = Rule(id=item["id"], kind=kind, why=item["why"], file=fname, line=line)
    if "lang" in item:
        if item["lang"] is not None and not isinstance(item["lang"], str):
            raise _err("expected a language code such as en", fname, kline("lang"), f"{where}.lang")
        if item["lang"] is not None:
            _check_language(item["lang"], fname, kline("lang"), f"{where}.lang")
        rule.lang = item["lang"]
    if "match" in item:
        m = item["match"]
        if isinstance(m, str):
            m = [m]
        if not isinstance(m, list) or not m or not all(isinstance(x, str) and x.strip() for x in m):
            raise _err("expected a list of non-empty strings", fname, kline("match"), f"{where}.match")
        rule.match = list(m)
        rule.phrases = frozenset(norm_phrase(x) for x in m)
    for key in ("prefix", "case_sensitive"):
        if key in item:
            if not isinstance(item[key], bool):
                raise _err("expected true or false", fname, kline(key), f"{where}.{key}")
            setattr(rule, key, item[key])
    if "max_words" in item:
        if not isinstance(item["max_words"], int) or isinstance(item["max_words"], bool):
            raise _err("expected an integer", fname, kline("max_words"), f"{where}.max_words")
        rule.max_words = item["max_words"]
    if "pattern" in item:
        if not isinstance(item["pattern"], str) or not item["pattern"]:
            raise _err("expected a regular expression string", fname, kline("pattern"), f"{where}.pattern")
        rule.pattern = item["pattern"]
        rule.compiled = compile_pattern(
            rule.pattern, rule.case_sensitive, fname, kline("pattern"), f"{where}.pattern"
        )
    if kind in ("line",) and not rule.phrases:
        raise _err("a line rule needs `match` phrases", fname, line, f"{where}.match")
    if kind in ("pattern", "embed") and rule.compiled is None:
        raise _err(f"a {kind} rule needs a `pattern`", fname, line, f"{where}.pattern")
    if kind == "section":
        if not rule.phrases and rule.compiled is None:
            raise _err(
                "a section rule needs `match` phrases or a `pattern` for its header",
                fname,
                line,
                f"{where}.match",
            )
        until = item.get("until", "end")
        if until not in UNTIL:
            raise _err(f"expected one of: {', '.join(UNTIL)}", fname, kline("until"), f"{where}.until")
        rule.until = until
        if "lines" in item:
            n = item["lines"]
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise _err("expected a whole number", fname, kline("lines"), f"{where}.lines")
            rule.lines = n
    elif "until" in item or "lines" in item:
        raise _err("only section rules take `until` / `lines`", fname, kline("until"), f"{where}.until")
    if kind == "embed" and "before" in item:
        b = item["before"]
        if not isinstance(b, dict) or not isinstance(b.get("pattern"), str):
            raise _err(
                "expected a mapping with `pattern` (and optional `max`)",
                fname,
                kline("before"),
                f"{where}.before",
            )
        rule.before_pattern = b["pattern"]
        rule.compiled_before = compile_pattern(
            b["pattern"], rule.case_sensitive, fname, kline("before"), f"{where}.before.pattern"
        )
        mx = b.get("max", 2)
        if not isinstance(mx, int) or isinstance(mx, bool) or mx < 0:
            raise _err("expected a whole number", fname, kline("before"), f"{where}.before.max")
        rule.before_max = mx
    ex = item.get("examples")
    if not isinstance(ex, dict) or not isinstance(ex.get("drop"), list) or not ex["drop"]:
        raise _err(
            "every rule needs `examples` with a non-empty `drop` list (and a `keep` list)",
            fname,
            kline("examples"),
            f"{where}.examples",
        )
    for part in ("drop", "keep"):
        values = ex.get(part, []) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _err(
                "expected a list of strings",
                fname,
                line_of(ex, part) or kline("examples"),
                f"{where}.examples.{part}",
            )
    rule.examples_drop = list(ex["drop"])
    rule.examples_keep = list(ex.get("keep") or [])
    return rule
