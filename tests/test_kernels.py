"""The compiled kernels (cleaner/kernels/: chars, lines, prefilter) against their readable references.

The boilerplate stage's per-line work runs as numba kernels: line features
(the text model's are in test_textmodel_kernels.py), the literal scan that picks which lines a
rule's regex must look at, and the phrase prefilter. Each is checked here
against the plain-Python (or numpy) definition it replaces, on the bundled
fixtures and on random text built to hit the edge cases (non-ASCII case
mappings, CJK, emoji, combining marks, tabs, markers).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaner import classify
from cleaner.kernels import chars, prefilter
from cleaner.kernels.lines import TextView
from cleaner.rules import first_chars, required_strings
from cleaner.stages.boilerplate import _Compiled

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# characters that stress the kernels: case mappings that differ between
# str.lower, str.casefold and re.IGNORECASE, CJK, emoji (outside the basic
# plane), combining marks, Unicode spaces and digits
TRICKY = "İıſKßẞΣσςµμǅ가\u0301\u00a0\u2003\u3000\t٣²①，、。「」…©»«·•|@#/:-.!?\"'“”„’😀𝐀𠀀"
ALPHABET = string.ascii_letters + string.digits + " .,:;" + TRICKY
WORDS = [
    "Share",
    "copyright",
    "COPYRIGHT",
    "www.example.com",
    "https://t.co/x",
    "@handle",
    "#tag",
    "3 days ago",
    "vor 2 Tagen",
    "il y a 3 jours",
    "12 comments",
    "Jan 5, 2021",
    "05.03.2020",
    "12:30",
    "Read more",
    "the",
    "and",
    "der",
    "und",
    "le",
    "de",
    "Photo: Reuters",
    "…",
    "...",
    "東京都",
    "新闻",
    " | ",
    "   ",
]
line_st = st.lists(
    st.one_of(st.text(alphabet=ALPHABET, min_size=1, max_size=12), st.sampled_from(WORDS)),
    min_size=1,
    max_size=40,
).map(" ".join)
lines_st = st.lists(line_st, min_size=1, max_size=25)


def fixture_lines() -> list[str]:
    out: list[str] = []
    for folder in ("junk", "text"):
        for path in sorted((FIXTURES / folder).glob("*.txt")):
            out.extend(t.strip() for t in path.read_text(encoding="utf-8").split("\n") if t.strip())
    assert len(out) > 200
    return out


def reference_rows(texts: list[str], lang: str | None) -> np.ndarray:
    stops = classify.doc_stopwords(texts, lang)
    return np.array(classify._line_rows_py(texts, stops, 0.3), dtype=float).reshape(
        -1, len(classify.LINE_FEATURES) + 2
    )


def kernel_rows(texts: list[str], lang: str | None) -> np.ndarray:
    return classify.line_rows(texts, classify.doc_stopwords(texts, lang), 0.3)


def _each_with_boundary(forms: str) -> str:
    """``forms`` (alternatives split at the top level) with ``\b`` before each."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(forms):
        c = forms[i]
        if c == "\\":
            cur += forms[i : i + 2]
            i += 2
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    return "|".join(r"\b" + p for p in [*parts, cur])


MARKER_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "jan",
                "Mär",
                "okt",
                "Sept",
                "vor",
                "hace",
                "il y a",
                "ago",
                "days",
                "Comments",
                "12",
                "2024",
                "5th",
                "pm",
                "Uhr",
                "\u017f",
                "\u0131",
                "\u212a",
                "\u00e4",
                "K",
                "3.4.21",
                "10:45",
                # whole forms, so that each is met often, in every context
                "vor 3 Tagen",
                "VOR 3 x",
                "hace 5 días",
                "il y a 2 jours",
                "3 days ago",
                "12 comments",
                "1.2k views",
                "Jan 5, 2021",
                "sept 5th 2020",
                "5. Mär 2020",
                "2021-03-04",
                "9:30pm",
            ]
        ),
        st.text(alphabet="0123456789 .,:/-abcdehijklmnorstuvyzAHIJMOSV", max_size=6),
    ),
    max_size=14,
).flatmap(lambda xs: st.sampled_from([" ", "", ". "]).map(lambda sep: sep.join(xs)))


@settings(max_examples=2000, deadline=None)
@given(text=MARKER_TEXT)
def test_marker_patterns_match_as_a_boundary_before_each_form(text: str) -> None:
    """The marker regexes name their forms' first characters once, in front;
    they find exactly what the forms each behind a \b find."""
    plain = re.compile(
        f"({_each_with_boundary(classify._DATE_FORMS)})|({_each_with_boundary(classify._AGO_FORMS)})|"
        f"({_each_with_boundary(classify._COUNTER_FORMS)})",
        re.I,
    )

    def found(p: re.Pattern[str]) -> list[tuple[tuple[int, int], tuple[bool, ...]]]:
        return [(m.span(), tuple(bool(g) for g in m.groups())) for m in p.finditer(text)]

    assert found(classify._MARKERS) == found(plain)
    assert bool(classify._AGO.search(text)) == bool(
        re.search(_each_with_boundary(classify._AGO_FORMS), text, re.I)
    )


def test_marker_patterns_find_each_kind() -> None:
    """(the property above is not vacuous: each kind is found)"""
    got = [
        tuple(bool(g) for g in m.groups())
        for m in classify._MARKERS.finditer(
            "Posted Jan 5, 2021 - 3 days ago - 12 comments - vor 2 Tagen - 12.03.2021 - 10:45 pm"
        )
    ]
    assert got == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
        (False, True, False),
        (True, False, False),
        (True, False, False),
    ]


def test_character_tables_read_back_from_the_cache_equal_the_built(tmp_path, monkeypatch) -> None:
    """The basic plane's character tables are kept in the cache folder: read
    back, they equal the ones built from Python's str methods; a damaged file
    is built again."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    saved = chars._tables, chars._fold
    try:
        got = []
        for k in range(3):  # built and written; read back; built again over a damaged file
            chars._tables = chars._fold = None
            flags, lower, _ = chars.tables()
            got.append((flags.copy(), lower.copy(), chars.fold_table().copy()))
            files = sorted(tmp_path.glob("data/kernels-*.npz"))
            assert len(files) == 3  # the basic plane's tables, its fold, the astral cased characters
            if k == 0:
                written = [f.stat().st_mtime_ns for f in files]
            if k == 1:  # (read, not written again)
                assert [f.stat().st_mtime_ns for f in files] == written
                for f in files:
                    f.write_bytes(b"PK\x03\x04 not a zip")
        for a, b, c in zip(*got, strict=True):
            assert np.array_equal(a, b) and np.array_equal(a, c)
        flags, lower, fold = got[1]
        assert (
            flags[ord("A")] & chars.UP
            and flags[ord("\u3000")] & chars.SP
            and flags[ord("\u4e2d")] & chars.CJK
        )
        assert lower[ord("\u00c9")] == ord("\u00e9") and fold[ord("\u017f")] == fold[ord("s")]
        # beyond the basic plane, filled before any document brings them (Adlam, Deseret)
        assert fold[0x1E900] == 0x1E922 and lower[0x10400] == 0x10428 and flags[0x1E900] & chars.UP
    finally:
        chars._tables, chars._fold = saved


# ------------------------------------------------------------- line features
@pytest.mark.parametrize("lang", ["en", "de", None])
def test_line_features_equal_the_reference_on_the_fixtures(lang: str | None) -> None:
    texts = fixture_lines()
    ref, got = reference_rows(texts, lang), kernel_rows(texts, lang)
    assert ref.shape == got.shape
    bad = np.argwhere(np.abs(ref - got) > 1e-12)
    assert not len(bad), [
        (texts[i], classify.LINE_FEATURES[j] if j < len(classify.LINE_FEATURES) else j) for i, j in bad[:5]
    ]
    # the fixtures exercise the marker columns the kernel leaves to the regexes
    for name in ("url", "handle", "date", "stop_ratio", "title_ratio", "terminal"):
        assert got[:, classify.LINE_FEATURES.index(name)].any(), name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=lines_st, lang=st.sampled_from(["en", "fr", "ja", None]))
# upper-case Greek: str.lower gives a word-final "Σ" the final "ς" ("ΤΟΥΣ" -> "τους", a stop
# word), inside a word "σ"; a combining mark or an apostrophe between is skipped, a digit is not
@example(
    texts=["ΟΙ ΑΝΘΡΩΠΟΙ ΤΗΣ ΠΟΛΗΣ ΚΑΙ ΤΟΥΣ ΦΙΛΟΥΣ ΤΟΥΣ, ΣΤΟ ΣΠΙΤΙ", "Σ ΑΣ1 ΑΣ\u0301 Α'Σ ΑΣ'Α ΠΟΛΗΣ."],
    lang="el",
)
@example(texts=["ΟΙ ΑΝΘΡΩΠΟΙ ΤΗΣ ΠΟΛΗΣ ΚΑΙ ΤΟΥΣ ΦΙΛΟΥΣ ΤΟΥΣ"], lang=None)
def test_line_features_equal_the_reference_on_random_text(texts: list[str], lang: str | None) -> None:
    texts = [t.strip() for t in texts if t.strip()] or ["x"]
    ref, got = reference_rows(texts, lang), kernel_rows(texts, lang)
    bad = np.argwhere(np.abs(ref - got) > 1e-12)
    assert not len(bad), [(texts[i], j, ref[i, j], got[i, j]) for i, j in bad[:3]]


LONG_WORD_ST = st.tuples(
    # one word past SAMPLE_CHARS (no "İ": its lower case is two characters, which the kernels
    # leave as one, see cleaner.kernels.chars)
    st.text(alphabet="aZ9ß.-é", min_size=1, max_size=3).map(lambda x: x * 120),
    st.lists(st.sampled_from(["The", "the", "UN", "42", "and", "der", "Über", "x.", " ", "  "]), max_size=30),
    st.integers(min_value=0, max_value=classify.SAMPLE_CHARS + 5),
).map(lambda t: (t[0][: t[2]] + " " + " ".join(t[1])).strip() if t[2] else t[0] + " " + " ".join(t[1]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(LONG_WORD_ST, min_size=1, max_size=6), lang=st.sampled_from(["en", "de", None]))
def test_line_features_of_long_lines_equal_the_reference(texts: list[str], lang: str | None) -> None:
    """Lines longer than SAMPLE_CHARS whose words start near or past its end
    (a long line's shares come from the words of its first characters; with
    one word there, from all words)."""
    texts = [t.strip() for t in texts if t.strip()] or ["x"]
    ref, got = reference_rows(texts, lang), kernel_rows(texts, lang)
    bad = np.argwhere(np.abs(ref - got) > 1e-12)
    assert not len(bad), [(texts[i][:40], j, ref[i, j], got[i, j]) for i, j in bad[:3]]


# pieces of dates, times, "3 days ago" and counters, to join into short lines
MARKER_PIECES = [
    "1",
    "12",
    "2023",
    "19",
    "05",
    "7",
    ".",
    "/",
    "-",
    ":",
    " ",
    "  ",
    ",",
    "Jan",
    "mär",
    "MAI",
    "sept",
    "Dec",
    "okt",
    "st",
    "th",
    "am",
    "Uhr",
    "h",
    "days ago",
    "ago",
    "vor 3 Tagen",
    "hace",
    "il y a",
    "comments",
    "views",
    "1.2k",
    "likes",
    "x",
    "Price",
    "\u0663",
    "\u017fep",
    "Oct.",
]


MONTHS_ST = st.sampled_from(
    ["Jan", "january", "MAR", "mär", "Mai", "sept", "Sep.", "okt", "Dez", "dec", "\u017fep"]
)
DIGITS_ST = st.text(alphabet="0123456789\u0663", min_size=1, max_size=5)
MARKER_ST = st.one_of(
    st.lists(st.sampled_from(MARKER_PIECES), min_size=1, max_size=10).map("".join),
    st.tuples(MONTHS_ST, DIGITS_ST, st.sampled_from(["", "st", "th", ","]), DIGITS_ST).map(
        lambda t: f"{t[0]} {t[1]}{t[2]} {t[3]}"
    ),  # "Jan 12th 2023"
    st.tuples(DIGITS_ST, st.sampled_from(["", "."]), MONTHS_ST, DIGITS_ST).map(
        lambda t: f"{t[0]}{t[1]} {t[2]} {t[3]}"
    ),  # "3. Mai 2021"
    st.tuples(
        DIGITS_ST, st.sampled_from("./-:"), DIGITS_ST, st.sampled_from(["", ".", "/", "-"]), DIGITS_ST
    ).map(lambda t: f"{t[0]}{t[1]}{t[2]}{t[3]}{t[4] if t[3] else ''}"),  # "12.05.2023", "10:30"
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "Posted ", "x "]), MARKER_ST).map("".join), min_size=1, max_size=10
    )
)
def test_marker_gates_never_hide_a_date_time_ago_or_counter(texts: list[str]) -> None:
    # the marker regexes run only on the lines the kernel's gates let through
    texts = [t.strip() for t in texts if t.strip()] or ["1"]
    ref, got = reference_rows(texts, "en"), kernel_rows(texts, "en")
    cols = [classify.LINE_FEATURES.index(c) for c in ("date", "ago", "counter")]
    assert np.array_equal(ref[:, cols], got[:, cols]), texts


def test_long_lines_are_sampled_like_the_reference() -> None:
    long_word = "x" * 400
    texts = [
        "The " + "quick brown fox jumps over the lazy dog. " * 30,  # many words, sampled
        long_word + " and more words after it",  # one word in the sample: all words count
        "A" + " b" * 200,  # the sample's last word cut at 300 characters
    ]
    assert np.array_equal(reference_rows(texts, "en"), kernel_rows(texts, "en"))


# ---------------------------------------------------------- literal scans
def naive_has(line: str, lit: str, mode: str) -> bool:
    if mode == "exact":
        return lit in line
    if mode == "lower":
        return (
            lit in line.lower()
            if len(line.lower()) == len(line)
            else lit in "".join(c.lower() if len(c.lower()) == 1 else c for c in line)
        )
    return re.search(re.escape(lit), line, re.IGNORECASE) is not None


LITERALS = [
    ("copyright", "lower"),
    ("www.", "lower"),
    ("@", "exact"),
    (" ago", "exact"),
    ("cookie", "fold"),
    ("síguenos", "fold"),
    ("straße", "fold"),
    ("kilo", "fold"),
    ("σς", "fold"),
    ("is", "fold"),
    ("©", "exact"),
    ("…", "exact"),
    ("   ", "exact"),
]


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            line_st,
            st.sampled_from(["COOKIE policy", "SÍGUENOS en", "STRAßE", "KILO", "ΣΣ", "İS", "ıs", "ſtraße"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_literal_scan_finds_what_python_finds(texts: list[str]) -> None:
    lits = prefilter.Literals(LITERALS)
    view = TextView(texts)
    mask = lits.scan(view.cps, view.starts, view.ends)
    for i, line in enumerate(texts):
        for k, (lit, mode) in enumerate(LITERALS):
            assert bool(mask[i, k >> 6] >> np.uint64(k & 63) & np.uint64(1)) == naive_has(line, lit, mode), (
                line,
                lit,
            )


# ---------------------------------------------- rule prefilters (rules.py)
def test_required_strings_of_patterns() -> None:
    assert required_strings(re.compile(r"^.*?(?:pic\.twitter\.com/\w|https?://t\.co/\w)")) == [
        "pic.twitter.com/",
        "://t.co/",
    ]
    assert required_strings(re.compile(r"^(?:a|bc)d")) is None  # "a": too short to be worth it
    assert required_strings(re.compile(r"^Follow (?:us|our) @\w+")) == ["Follow "]
    assert required_strings(re.compile(r"x?")) is None
    # a group that changes the case rule gives no strings; the rest of the pattern still can
    assert required_strings(re.compile(r"^(?i:share) this story")) == [" this story"]
    assert first_chars(re.compile(r"^\d+ comments$")) == (frozenset(), frozenset({"digit"}))
    assert first_chars(re.compile(r"^(?:Photo|Image):")) == (frozenset("PI"), frozenset())
    assert first_chars(re.compile(r"^a?b")) == (frozenset("ab"), frozenset())
    assert first_chars(re.compile(r"^x|y")) is None
    assert first_chars(re.compile(r"^.*cookie")) is None


def stage():
    from cleaner import Pipeline

    return Pipeline.from_yaml(None).stage("boilerplate")


def naive_hits(c: _Compiled, texts: list[str]) -> list[object]:
    """What the prefiltered matching must give: per line, a phrase rule, else the
    first pattern rule (pack order) that matches within its word limit."""
    out: list[object] = []
    for t in texts:
        r = c._phrase_hit(t) if t else None
        if r is None and t and len(t) <= c.max_pattern_chars:
            for rule, test in zip(c.patterned, c.rule_test, strict=True):
                if (rule.max_words is None or len(t.split()) <= rule.max_words) and test(t):
                    r = rule
                    break
        out.append(r)
    return out


def rule_lines() -> list[str]:
    bp = stage()
    out = []
    for r in bp.ruleset.rules:
        out += r.examples_drop + r.examples_keep
    return out


@pytest.mark.parametrize("lang", [None, "en", "de", "fr"])
def test_prefiltered_rules_name_the_same_lines_as_plain_matching(lang: str | None) -> None:
    c = stage().compiled(lang)
    texts = rule_lines() + fixture_lines()
    texts += [t.upper() for t in texts[:200]] + ["  ".join(t.split()) for t in texts[:200]]
    hits = c.hits(TextView(texts))
    want = naive_hits(c, texts)
    assert sum(h is not None for h in hits) > 50
    assert [getattr(h, "id", None) for h in hits] == [getattr(h, "id", None) for h in want]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=lines_st, extra=st.lists(st.sampled_from(rule_lines()), max_size=8))
def test_prefiltered_rules_on_random_lines(texts: list[str], extra: list[str]) -> None:
    c = stage().compiled(None)
    texts = [t.strip() for t in texts + extra]
    hits = c.hits(TextView(texts))
    assert [getattr(h, "id", None) for h in hits] == [getattr(h, "id", None) for h in naive_hits(c, texts)]


def test_stage_output_is_the_same_with_a_custom_pattern_rule(tmp_path) -> None:
    """A user's pattern with no literal to prefilter on (any line) still runs."""
    pack = tmp_path / "mine.yaml"
    pack.write_text(
        "- id: my.stars\n  kind: pattern\n  why: star ratings\n  pattern: '^[*]{3,}$|^\\w+ \\d/5$'\n"
        "  examples:\n    drop: ['*****', 'Rating 4/5']\n    keep: ['Four stars out of five.']\n",
        encoding="utf-8",
    )
    cfg = tmp_path / "p.yaml"
    cfg.write_text("extends: default\nrule_packs: [mine.yaml]\n", encoding="utf-8")
    from cleaner import Pipeline

    doc = Pipeline.from_yaml(cfg).clean(
        "A long first paragraph about the new ferry line that opened on Monday morning.\n*****\nRating 4/5\n"
        "The second paragraph says the service will run every hour until the end of the year.",
        format="text",
    )
    assert {r["rule"] for r in doc.removed} == {"my.stars"}
    assert "ferry" in doc.text and "Rating" not in doc.text


def test_document_with_only_blank_and_symbol_lines() -> None:
    """No line has a letter: each is removed with its reason, and the document,
    left with no text, is dropped as empty (not kept as a page of symbols)."""
    from cleaner import Pipeline

    doc = Pipeline.from_yaml(None).clean("\n\n* * *\n-\n\n", format="text")
    assert (doc.status, doc.text) == ("dropped", "")
    assert [(r["line"], r["text"], r["rule"]) for r in doc.removed] == [
        (3, "* * *", "classifier.no-letters"),
        (4, "-", "classifier.no-letters"),
    ]
    # one word line beside them is enough to keep the document
    doc = Pipeline.from_yaml(None).clean("\n\n* * *\nHello there\n\n", format="text")
    assert (doc.status, doc.text) == ("ok", "Hello there")


def test_stop_words_read_without_importing_justext_equal_its_own_lists():
    """classify.stopwords reads jusText's files itself (importing jusText costs a
    quarter of a second a run); every language's list is jusText's."""
    import justext

    from cleaner import classify

    names = classify._language_names()
    assert len(names) > 40
    for lang, name in names.items():
        assert classify.stopwords(lang) == frozenset(w.lower() for w in justext.get_stoplist(name)), lang
