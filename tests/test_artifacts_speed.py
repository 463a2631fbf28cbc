"""The artifact detector's fast paths (cleaner/artifacts.py) against the plain ones.

The detector used to run each of its regular expressions over the whole text
and tokenise every line in Python. It now runs compiled passes over the text's
code points (``_text_pass_py``, ``_space_pass_py``) that find which lines (or
stretches of a line) a regex can match on, and runs the regex only there; a few
regexes are split by their first character or replaced by ``str.find``. Each
such test must be a necessary condition for a match, so that the results are
exactly those of the plain detector.

``PlainDetector`` below is the detector as it was (its methods copied from
before the change): every regex on the whole text. The property tests compare
the two on random text built from the characters each fast path looks at, and
on the fixtures; the other tests pin the facts about Python's ``str`` and
``re`` that the fast paths rely on.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import kernels
from cleaner.artifacts import REPAIRABLE, Detector, Hit
from cleaner.artifacts import scan as S
from cleaner.artifacts import textpass as A
from cleaner.artifacts.base import PUNCT_AFTER
from cleaner.artifacts.capitals import LowercaseStartCheck
from cleaner.artifacts.foreign import ForeignFragmentCheck
from cleaner.artifacts.quotes import QuotesCheck
from cleaner.artifacts.repeats import RepeatedWordCheck
from cleaner.artifacts.scan import _TRIGGER, Scan
from cleaner.artifacts.spacing import MissingSpaceCheck, SpaceBeforeCheck
from cleaner.artifacts.words import capitalized

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


DET = Detector()
PLAIN = Detector(plain=True)  # every line a candidate for every check: the reference
GLUED = DET.glued
RUNS = DET.glued.words  # (what the space pass takes: the check's word lists)
CAPS = DET.capitals
SPACE_BEFORE, MISSING, QUOTES, LOWER_START, REPEATS, FOREIGN = (
    next(c for c in DET.checks if isinstance(c, k))
    for k in (
        SpaceBeforeCheck,
        MissingSpaceCheck,
        QuotesCheck,
        LowercaseStartCheck,
        RepeatedWordCheck,
        ForeignFragmentCheck,
    )
)


def plain_repeated(masked, lang, line_toks):
    """Doubled words by the regex over the whole text (as the check was before the text pass)."""
    punct = itertools.repeat(PUNCT_AFTER)
    if not any(any(map(operator.eq, t, map(str.rstrip, t[1:], punct))) for t in line_toks if len(t) > 1):
        return []
    hits = REPEATS._in(masked, 0, len(masked), REPEATS.rep.get(lang or "", frozenset()), lang)
    twice = Counter(masked[h.start : h.end].lower() for h in hits)  # a double written twice is a refrain
    fw = REPEATS.function_words.get(lang or "", frozenset())  # (unless a function word: two slips)
    return [
        h
        for h in hits
        if twice[masked[h.start : h.end].lower()] < 2 or masked[h.start : h.end].split()[0].lower() in fw
    ]


def plain_foreign(masked, lang, line_toks):
    """Foreign lines, every line looked at."""
    sc = DET.scanner
    if lang not in sc.f_langs:
        return []
    hits = []
    base = 0
    foreign_words = FOREIGN.foreign_words(lang)
    for line, toks in zip(masked.split("\n"), line_toks, strict=True):
        start = base
        base += len(line) + 1
        if len(toks) < sc.f_min_words or len(foreign_words.intersection(toks)) < 2:
            continue
        counts = sc.language_counts(toks)
        if not counts:
            continue
        best, c = counts.most_common(1)[0]
        if best == lang or c < sc.f_min_markers:
            continue
        if c >= sc.f_min_share * len(toks) and counts.get(lang, 0) <= FOREIGN.own_ratio * c:
            hits.append(Hit("foreign-fragment", start, start + len(line)))
    return hits


LANGS = [None, "en", "de", "fr", "es", "it", "pt", "xx"]

# ------------------------------------------------------------ random text
# Characters each fast path looks at: the spaces of SPACES and other spaces, line
# ends, the Latin-1 letters at the edges of UPPER/LOWER (À Ö × Ø Þ ß ö ÷ ø ÿ),
# digits of other scripts (not \d, or \d but not ASCII), apostrophes, hyphens,
# FILL, the punctuation of the regexes, all quote marks, characters whose case
# mappings differ between str.lower and re.IGNORECASE (İ ı ſ K µ Σ ς), letters
# beyond the basic plane with case (𐐀 𐐨), astral symbols, a lone surrogate (texts
# of each of these reach the passes as code points of one, two or four bytes).
CHARS = (
    "aesnrtlodhuiAESTBWOIÀÖ×ØÞßéöü÷øÿ"
    " \t\u00a0\u202f\u2009\u2003\u3000\x0b\n\n\n"
    ".,;:!?-–—/()@#_'’‘\"“”„«»"
    "0123٣²①\ue000"
    "İıſKµΣσςǅ\u0301😀𝐀𐐀𐐨\ud800"
)
WORDS = [
    # doubled words, whole and in part, across the spaces of SPACES and the case
    "the the",
    "The the",
    "the The",
    "that at",
    "xab ab ab",
    "had\u00a0had",
    "is  is",
    "İs is",
    "ſo so",
    "Kilo kilo",
    "ΣΣ σς",
    "𐐀𐐀 𐐨𐐨",
    "ab ab1",
    "ab ab_",
    "ab ab-x",
    "ab ab'",
    "(the the",
    "-the the",
    "da da",
    # capitalised function words (and what makes them a title or a name)
    "said The",
    "met Of",
    "and The New York Times",
    "told The Independent",
    "with Der",
    "sagte Der",
    "dit Le",
    "dijo El",
    "disse Il",
    "says Between",
    "in To,",
    "of For;",
    "a About:",
    "слово The",
    "ağır The",
    "说 The",
    "x𐐨 The",
    "é The",
    "ÿ With",
    "ǅ The",
    # glued words: camel case, possessive, lowercase, and their near misses
    "BidenFirst",
    "WeberFirst",
    "SolarWinds",
    "McDonald",
    "(ClaimTask)",
    "Russia'sforeign",
    "Germany’sforeign",
    "communicationbetween",
    "ofthe",
    "willingto",
    "chiefexecutive",
    "ytambién",
    "communicationbetween.",
    "communicationbetween.x",
    "communicationbetweenÖ",
    "AÿBc",
    "OßGr",
    "ØbÞd",
    "ÀöÖl",
    # spacing around punctuation
    "debt .",
    "debt ,",
    "denoted by , then",
    "word ;",
    "word : Next",
    "interests.The",
    "said,but",
    "end!The",
    "why?Because",
    # lowercase after a full stop, derived pairs
    "said. sheet",
    "e.g. this",
    "performed the performance",
    "organized an organization",
    # non-prose spans
    "t.co",
    "node.js",
    "https://t.co/x_y",
    "@handle",
    "#tag",
    "snake_case",
    "call()",
    "x_ y",
    "e.g",
    # quotes
    "“launch” a dialogue “to",
    "”inner“",
    "word” inner “word",
    "„Quote“",
    "«guillemets»",
    '12" screen',
    '"x"',
    # frequent words of several languages (foreign fragments)
    "the",
    "and",
    "of",
    "with",
    "that",
    "this",
    "from",
    "have",
    "und",
    "der",
    "die",
    "nicht",
    "mit",
    "für",
    "et",
    "le",
    "les",
    "pour",
    "avec",
    "dans",
    "y",
    "el",
    "los",
    "para",
    "con",
    "que",
    "il",
    "di",
    "che",
    "não",
    "com",
    "uma",
    "och",
    "het",
    "een",
    "nie",
    "się",
    "și",
    "ve",
    "bir",
    "je",
    "že",
]
token = st.one_of(st.text(alphabet=CHARS, min_size=1, max_size=8), st.sampled_from(WORDS))
sep = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\t", "\u00a0", ", ", ". ", " \n "])
text_st = st.lists(st.tuples(token, sep), min_size=0, max_size=60).map(
    lambda xs: "".join(a + b for a, b in xs)
)
# long lines of frequent words of one language, for the foreign fragments
para_st = st.lists(
    st.lists(st.sampled_from(WORDS[-45:]), min_size=8, max_size=25).map(" ".join), min_size=1, max_size=6
).map("\n".join)
lang_st = st.sampled_from(LANGS)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same(text: str, lang: str | None) -> None:
    """The detector and the plain one agree on ``text``: hits, findings, words and repairs."""
    assert DET.scan(text, lang) == PLAIN.scan(text, lang)
    r, p = DET.detect(text, lang), PLAIN.detect(text, lang)
    assert (r.as_dict(), r.words, r.hits) == (p.as_dict(), p.words, p.hits)
    assert DET.repair(text, lang, kinds=REPAIRABLE) == PLAIN.repair(text, lang, kinds=REPAIRABLE)


class TestSameAsPlain:
    @SETTINGS
    @given(text=text_st, lang=lang_st)
    def test_random_text(self, text, lang):
        same(text, lang)

    @SETTINGS
    @given(text=para_st, other=text_st, lang=lang_st)
    def test_random_paragraphs(self, text, other, lang):
        same(text + "\n" + other, lang)

    @pytest.mark.parametrize("kinds", [["repeated-word"], ["glued-word"], ["foreign-fragment"], []])
    def test_some_kinds(self, kinds):
        det, plain = Detector(kinds=kinds), Detector(kinds=kinds, plain=True)
        for text in fixture_texts()[:40]:
            for lang in ("en", None):
                assert det.detect(text, lang) == plain.detect(text, lang)

    def test_fixtures(self):
        texts = fixture_texts()
        assert len(texts) > 100
        for text in texts:
            for lang in LANGS:
                same(text, lang)


def fixture_texts() -> list[str]:
    texts = [
        p.read_text(encoding="utf-8")
        for d in ("text", "junk", "expected")
        for p in sorted((FIXTURES / d).glob("*.txt"))
    ]
    texts += [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "artifacts" / "clean").glob("*.txt"))]
    with open(FIXTURES / "artifacts" / "injected.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in list(fh)[::4]]
    return texts


# -------------------------------------------------------------- the passes
def text_of(text: str, lang: str | None = "en", want: int = A.L_REPEAT | A.L_CAMEL) -> Scan:
    return DET.scanner.scan(text, lang, want)


def space_pass(t: Scan, lang: str, lower: bool) -> None:
    DET.scanner._space_pass(t, lang, RUNS if lower else None, CAPS.cap_tables.get(lang))


def line_of(masked: str, pos: int) -> int:
    return masked.count("\n", 0, pos)


def lines_with(t: Scan, bit: int) -> set[int]:
    return {i for i, _, _ in t.lines(bit)}


class TestPasses:
    @SETTINGS
    @given(text=text_st)
    def test_trigger_positions(self, text):
        assert S._trigger_positions(text) == [m.start() for m in _TRIGGER.finditer(text)]

    @SETTINGS
    @given(text=text_st)
    def test_words_and_lines(self, text):
        t = text_of(text)
        masked = t.masked
        assert t.words == sum(len(ln.split()) for ln in masked.lower().split("\n"))
        assert t.starts.tolist() == [0] + [m.end() for m in re.finditer("\n", masked)]
        assert [tk for tk in t.line_toks()] == [ln.split() for ln in masked.lower().split("\n")]

    @SETTINGS
    @given(text=text_st, lang=st.sampled_from(["en", "de", "fr"]))
    def test_line_bits_cover_the_regexes(self, text, lang):
        """Every line a regex matches on has the bit of its pass."""
        t = text_of(text, lang, A.L_REPEAT | A.L_CAMEL | A.L_FOREIGN)
        space_pass(t, lang, True)
        masked = t.masked
        for pat, bit in [
            (SPACE_BEFORE.dot_re, A.L_SPACE_DOT),
            (SPACE_BEFORE.colon_re, A.L_SPACE_COLON),
            (MISSING.miss_re, A.L_MISSING),
            (GLUED.poss_re, A.L_POSS),
            (GLUED.camel_re, A.L_CAMEL),
            (CAPS.fw_re[lang], A.L_CAP),
            (LOWER_START.lc_start, A.L_LOWER_START),
            (re.compile("[“”„]"), A.L_QUOTE),
        ]:
            assert {line_of(masked, m.start()) for m in pat.finditer(masked)} <= lines_with(t, bit), (
                pat.pattern
            )
        # doubled words: every hit of the plain method lies in its line's stretch
        line_toks = [ln.split() for ln in masked.lower().split("\n")]
        lo, hi = t.rep
        for h in plain_repeated(masked, lang, line_toks):
            i = line_of(masked, h.start)
            assert i in lines_with(t, A.L_REPEAT)
            assert lo[i] <= h.start and h.end <= hi[i]
        # foreign fragments
        for h in plain_foreign(masked, lang, line_toks):
            assert line_of(masked, h.start) in lines_with(t, A.L_FOREIGN)
        # the lowercase runs that are not common words
        runs = {masked[a:b] for a, b in zip(*t.runs, strict=True)}
        assert runs == set(RUNS.lower_re.findall(masked)) - RUNS.common_words(lang)

    @SETTINGS
    @given(text=para_st, lang=st.sampled_from(["en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr"]))
    def test_foreign_lines(self, text, lang):
        t = text_of(text, lang, A.L_FOREIGN)
        line_toks = [ln.split() for ln in t.masked.lower().split("\n")]
        flagged = {line_of(t.masked, h.start) for h in plain_foreign(t.masked, lang, line_toks)}
        assert flagged <= lines_with(t, A.L_FOREIGN)

    @pytest.mark.parametrize(
        "name, alphabet, size",
        [
            # the edges of UPPER and LOWER and their neighbours
            ("camel", "AZ@[ÀÖ×ØÞaz`{ßö÷øÿ", 4),
            ("missing", "aÿ÷ßAÞ×.,!?", 5),
            ("possessive", "'’sSaÿ÷A", 5),
            ("space", " \t\u00a0\u202f\u2009\u2003.,;:aé1", 4),
            ("quote", '"“”„«a ', 3),
            ("doubled", "aAİıſsSK \u00a0_'-1", 5),
            ("cap", "Thež𐐨1 ,;\u00a0_", 5),
            ("lower start", ".aÿ÷A \u00a0\t", 5),
        ],
    )
    def test_line_bits_on_every_short_line(self, name, alphabet, size):
        """Every line of ``size`` characters from ``alphabet`` (all of them, one per
        line of a text): each regex matches only on lines with its bit."""
        lines = ["".join(p) for k in range(1, size + 1) for p in itertools.product(alphabet, repeat=k)]
        text = "\n".join(lines)
        t = text_of(text, "en", A.L_REPEAT | A.L_CAMEL)
        space_pass(t, "en", True)
        masked = t.masked  # (the few lines with a handle or snake_case are masked)
        pats = {
            "camel": [(GLUED.camel_re, A.L_CAMEL)],
            "missing": [(MISSING.miss_re, A.L_MISSING)],
            "possessive": [(GLUED.poss_re, A.L_POSS)],
            "space": [(SPACE_BEFORE.dot_re, A.L_SPACE_DOT), (SPACE_BEFORE.colon_re, A.L_SPACE_COLON)],
            "quote": [(re.compile("[“”„]"), A.L_QUOTE)],
            "cap": [(CAPS.fw_re["en"], A.L_CAP)],
            "lower start": [(LOWER_START.lc_start, A.L_LOWER_START)],
            "doubled": [],
        }[name]
        for pat, bit in pats:
            matched = {line_of(masked, m.start()) for m in pat.finditer(masked)}
            assert matched, pat.pattern
            assert matched <= lines_with(t, bit), pat.pattern
        if name == "doubled":
            # every doubled word the regex finds over the whole text lies where the pass says
            raw = REPEATS._in(masked, 0, len(masked), REPEATS.rep.get("en", frozenset()), "en")
            assert raw
            lo, hi = t.rep
            for h in raw:
                i = line_of(masked, h.start)
                assert i in lines_with(t, A.L_REPEAT) and lo[i] <= h.start and h.end <= hi[i]
            assert REPEATS.find(t) == plain_repeated(masked, "en", [["x", "x"]])  # (the token test passed)
        if name == "space":  # the words of _lower_re that are not common
            runs = {masked[a:b] for a, b in zip(*t.runs, strict=True)}
            assert runs == set(RUNS.lower_re.findall(masked)) - RUNS.common_words("en")

    @pytest.mark.parametrize("lang", sorted(CAPS.cap_tables))
    def test_every_capitalised_function_word(self, lang):
        """Each capitalised function word, after a letter and a space, at the end of
        a line or before " ,;:", lets its line through (and nothing longer does)."""
        words = sorted({capitalized(w) for w in CAPS.function_words[lang]})
        lines = [
            f"{a} {w}{b}" for w in words for a in ("x", "ž", "𐐨") for b in ("", " y", ",", ";", ":", " ")
        ]
        t = text_of("\n".join(lines), lang)
        space_pass(t, lang, False)
        matched = {line_of(t.masked, m.start()) for m in CAPS.fw_re[lang].finditer(t.masked)}
        assert matched == set(range(len(lines))) == lines_with(t, A.L_CAP)
        t = text_of("\n".join(f"x {w}x" for w in words), lang)
        space_pass(t, lang, False)
        assert lines_with(t, A.L_CAP) == {i for i, w in enumerate(words) if w + "x" in words}

    def test_lowercase_runs_at_their_edges(self):
        words = [
            "abcdef",
            "abcdé",
            "abcdefÖ",
            "abcdef_",
            "abcdef1",
            "abcdef.",
            "abcdef-",
            "abcdef\ue000",
            "abcd",
            "abÿcdef",
            "ab÷cdef",
            "Abcdef",
            "communicationbetween",
            "the",
            "through",
            "between",
        ]
        text = " ".join(words) + "\n" + "x".join(words) + "\n " + "  ".join(words) + " "
        t = text_of(text)
        space_pass(t, "en", True)
        runs = [t.masked[a:b] for a, b in zip(*t.runs, strict=True)]
        assert runs == [m for m in RUNS.lower_re.findall(t.masked) if m not in RUNS.common_words("en")]
        assert "abcdef" in runs and "communicationbetween" in runs and "between" not in runs

    def test_the_bits_can_tell(self):
        """The line tests are not trivially true: each lets through only the lines it should."""
        text = (
            "a plain line\nsovereign debt .\nwhich ; Then\ninterests.The\nRussia'sforeign\nthe BidenFirst\n"
            "x “y”\nthe the\nsaid The\nsaid. sheet\nend"
        )
        t = text_of(text, "en", A.L_REPEAT | A.L_CAMEL)
        space_pass(t, "en", True)
        assert {b: sorted(lines_with(t, b)) for b in (1, 2, 8, 16, 32, 64, 128, 256, 512)} == {
            A.L_REPEAT: [7],
            A.L_CAMEL: [5],
            A.L_SPACE_DOT: [1],
            A.L_SPACE_COLON: [2],
            A.L_MISSING: [3],
            A.L_QUOTE: [6],
            A.L_CAP: [8],
            A.L_POSS: [4],
            A.L_LOWER_START: [9],
        }

    def test_astral_characters_fill_the_tables(self):
        """A letter beyond the basic plane the tables do not hold yet is read as a
        letter all the same (the pass fills the tables and runs again)."""
        c = "\U0001d4d0"  # MATHEMATICAL BOLD SCRIPT CAPITAL A: a letter
        flags, _, done = kernels.tables()
        if done[ord(c)]:
            pytest.skip("already in the tables")
        text = f"x{c}{c} x{c}{c} z"
        hits = DET.scan(text, None)  # (no language: a rare doubled word is no name there)
        assert hits == PLAIN.scan(text, None)
        assert [h.kind for h in hits] == ["repeated-word"]
        assert done[ord(c)] and flags[ord(c)] & kernels.AN


class TestStrFacts:
    """What the passes take for granted about str.lower, str.split and re."""

    def test_lower_keeps_spaces_and_newlines(self):
        """Lower-casing a character gives characters that are all spaces when it is
        one and none when it is not, and a newline only from a newline: the word
        count and the lines of ``masked.lower()`` are those of ``masked``."""
        chars = "".join(map(chr, range(sys.maxunicode + 1)))
        bad = [
            c
            for c in chars
            if (c.isspace() and not c.lower().isspace())
            or (not c.isspace() and any(x.isspace() for x in c.lower()))
            or (("\n" in c.lower()) != (c == "\n"))
            or not c.lower()
        ]
        assert bad == []

    @SETTINGS
    @given(text=st.text(alphabet="ΣσςAbc \n.'\u0301İ", max_size=30))
    def test_final_sigma_stays_in_its_line(self, text):
        assert text.lower().split("\n") == [ln.lower() for ln in text.split("\n")]

    def test_lower_table_and_markers(self):
        """The text pass looks marker words up lower-cased by the kernels' table: a
        marker is its own lower case there, and a character that str.lower makes
        more than one of (the table keeps it) makes a token no marker can equal."""
        _, lower, _ = kernels.tables()
        for w in DET.scanner.marker:
            assert "".join(chr(lower[ord(c)]) for c in w) == w
            assert "σ" not in w and "ς" not in w  # str.lower picks one by context, the table σ
        multi = [c for c in map(chr, range(sys.maxunicode + 1)) if len(c.lower()) > 1]
        assert multi and not any(c.lower().isalpha() for c in multi)

    def test_fold_is_coarser_than_the_back_reference(self):
        """_repeat_re compares \\1 by simple lower case; the pass by kernels.fold_table."""
        import _sre

        fold = kernels.fold_table()
        codes = np.arange(0x10000)
        low = np.fromiter(map(_sre.unicode_tolower, codes.tolist()), dtype=np.int64, count=len(codes))
        assert (fold[codes] == fold[low]).all()
        pair = re.compile(r"(.)(?i:\1)")
        for c in np.flatnonzero(low != codes).tolist()[::7]:
            assert pair.fullmatch(chr(c) + chr(low[c]))

    @SETTINGS
    @given(line=st.text(alphabet=" \"ab1.,;()[]-/«\u00a0\t'’", max_size=30))
    def test_straight_quotes_make_no_hit(self, line):
        """A line whose only quote marks are straight gives no hit and leaves no mark open."""
        for spacing in (True, False):
            assert QUOTES._quotes_line(line, 0, line, spacing) == ([], None)

    @pytest.mark.parametrize("prefix", ["a", "é", "“", "\ud800", "😀"])
    def test_code_points_of_every_width(self, prefix):
        text = prefix + ' the the BidenFirst said The debt . x\n"y" communicationbetween'
        cps = A.utf32_code_points(text)
        assert cps.dtype == np.uint32
        assert cps.tolist() == kernels.code_points(text).tolist()
        same(text, "en")


def test_other_data():
    """Detector data the fast paths do not cover fall back to the plain ways: a
    function word with a space in it (the whole-text regex), more candidate
    languages than the text pass counts (every line); other settings reach the
    passes as they are."""
    from cleaner.artifacts import load_data

    data = load_data()
    data["function_words"] = {**data["function_words"], "en": [*data["function_words"]["en"], "of the"]}
    data["glued"] = {**data["glued"], "min_length": 4}
    data["foreign"] = {**data["foreign"], "min_words": 6, "min_markers": 3, "min_share": 0.1}
    det, plain = Detector(data), Detector(data, plain=True)
    assert "en" not in det.capitals.cap_tables and det.scanner.foreign_pass
    many = dict(
        data,
        foreign={
            **data["foreign"],
            "languages": [*data["foreign"]["languages"], *(f"x{i}" for i in range(60))],
        },
    )
    det2, plain2 = Detector(many), Detector(many, plain=True)
    assert not det2.scanner.foreign_pass
    texts = fixture_texts()[:60] + [
        "He said Of The things of the the And The. " * 3,
        "the and with that this from " * 3,
    ]
    for text in texts:
        for lang in ("en", "de", None):
            for d, p in ((det, plain), (det2, plain2)):
                assert d.scan(text, lang) == p.scan(text, lang)
                assert d.detect(text, lang) == p.detect(text, lang)
