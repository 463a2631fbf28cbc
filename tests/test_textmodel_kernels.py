"""The text model's compiled routines (cleaner/kernels/: shape, features, forest, region) against their
readable references.

Shape rows, line features, region features, the region spans and the forests
are each computed twice, compiled and in plain Python or numpy, on the bundled
fixtures, on dumps written the way scrapers write them (list markers, markdown,
padded tables, hard-wrapped paragraphs) and on random text built to hit the
edges; the forests are also held to LightGBM's own scores when LightGBM is
installed (a development dependency).
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaner.kernels import chars, features, forest, region, shape
from cleaner.kernels.lines import TextView
from cleaner.textmodel import features as F
from cleaner.textmodel.forest import Forest
from cleaner.textmodel.shape import (
    S_BLANK,
    S_HEADING,
    S_LINK_CHARS,
    S_LINKS,
    S_MARKER,
    S_TARGET,
    shape_row,
    shape_rows_py,
)
from cleaner.textmodel.units import read_units, wrap_width

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# pieces of dumps as scrapers write them
PIECES = [
    "* Home",
    "    o Subscribe",
    "        + Contact",
    "- item",
    "1. First",
    "12) twelve",
    "# Heading",
    "### Sub",
    "#hashtag",
    "> quoted",
    "[Home](/index.html)",
    "![alt](img.png)",
    "[broken](no close",
    "a | b | c",
    "col1     col2     col3",
    "**Bold**",
    "__under__",
    "http://example.com/x",
    "o",
    "*",
    "",
    "   ",
    "\t\tTabbed",
    "Ünïcödé — “quotes” «guillemets»",
    "东京都的新闻。",
    "😀 emoji",
    "\u00a0nbsp\u00a0",
    "\u3000ideographic\u2003",
    "\x1cfile separator\x85",
]
ALPHABET = string.ascii_letters + string.digits + " .,:;#*+-o>[]()!|_\t\u00a0\u2022·–—" + "éÜß東😀"
line_st = st.one_of(
    st.sampled_from(PIECES),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=ALPHABET, max_size=15)), max_size=8).map(
        " ".join
    ),
    st.text(alphabet=ALPHABET, max_size=60),
)
lines_st = st.lists(line_st, min_size=1, max_size=30)


def fixture_docs() -> list[list[str]]:
    docs = []
    for folder in ("junk", "text", "expected"):
        for path in sorted((FIXTURES / folder).glob("*.txt")):
            docs.append(path.read_text(encoding="utf-8").split("\n"))
    assert len(docs) >= 20
    return docs


def wrapped_doc(width: int = 78) -> list[str]:
    """A markdown page as html2text writes it: a menu, then paragraphs hard-wrapped at ``width``."""
    import textwrap

    para = (
        "The council voted on Tuesday to extend the ferry service to the northern islands, a decision that "
        "residents have waited for since the old pier closed in the storms of the winter before last. "
    ) * 2
    out = [
        "  * [Home](/)",
        "  * [News](/news)",
        "  * [Sport](/sport)",
        "",
        "# Ferry service to run all year",
        "",
    ]
    for k in range(4):
        out += textwrap.wrap(para + f"Paragraph {k} ends here.", width) + [""]
    out += ["  * [Privacy](/privacy)", "  * [Contact](/contact)"]
    return out


def kernel_shape(lines: list[str]) -> np.ndarray:
    v = TextView(lines)
    return shape.shape_rows(v.cps, v.starts, v.ends, chars.tables()[0])


# ------------------------------------------------------------------ shape rows
def test_shape_rows_read_markers_headings_links_and_tables() -> None:
    rows = shape_rows_py(
        [
            "    o Subscribe",
            "## Markets today",
            "See [the report](https://x.org/r) here",
            "",
            "a | b | c",
            "Name      Price      Stock",
            "3. Third item",
            "#hashtag is not a heading",
        ]
    )
    assert rows[0, S_MARKER] == 2 and rows[0, 1] == 4  # "o" item, indented 4
    assert rows[1, S_HEADING] == 2
    assert rows[2, S_LINKS] == 1 and rows[2, S_LINK_CHARS] == len("the report")
    assert rows[3, S_BLANK] == 1
    assert rows[4, 10] == 2  # pipes
    assert rows[5, 11] == 2  # padded gaps
    assert rows[6, S_MARKER] == 6
    assert rows[7, S_HEADING] == 0 and rows[7, S_MARKER] == 0


def test_shape_rows_kernel_equals_reference_on_fixtures() -> None:
    for lines in fixture_docs() + [wrapped_doc(), PIECES]:
        assert (kernel_shape(lines) == shape_rows_py(lines)).all()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_st)
@example(["]("])
@example(["![x](y)"])
@example(["[a](b) ]("])
def test_shape_rows_kernel_equals_reference_on_random_lines(lines: list[str]) -> None:
    rows = kernel_shape(lines)
    assert (rows == shape_rows_py(lines)).all()
    for line, row in zip(lines, rows, strict=True):  # lead and end bound what str.strip() keeps
        assert line[row[15] : row[5]] == line.strip() or (row[0] == 1 and not line.strip())


# ------------------------------------------------------------------ wrapped paragraphs
def test_a_hard_wrapped_page_is_read_as_paragraphs() -> None:
    lines = wrapped_doc(78)
    longest = max(len(ln) for ln in lines if not ln.lstrip().startswith("*"))
    w = wrap_width(kernel_shape(lines))  # any width the lines are consistent with
    assert longest <= w <= 78
    u = read_units(lines, "en")
    assert u.wrap == w
    multi = [(a, b) for a, b in zip(u.idx.tolist(), u.last.tolist(), strict=True) if b > a]
    assert len(multi) == 4  # the four paragraphs, each one unit
    for a, b in multi:
        assert lines[b].endswith("ends here.") and not lines[a - 1].strip()
    # the menu items stay units of their own
    assert all(
        a == b
        for a, b in zip(u.idx.tolist(), u.last.tolist(), strict=True)
        if lines[a].lstrip().startswith("*")
    )


def test_a_page_of_long_lines_is_not_wrapped() -> None:
    lines = [ln for ln in wrapped_doc(10_000)]
    assert wrap_width(kernel_shape(lines)) == 0
    assert read_units(lines, "en").wrap == 0
    # nor is a menu of short lines, which are all "full" at a small width
    menu = [f"Section {k} of the site" for k in range(40)]
    assert wrap_width(kernel_shape(menu)) == 0


# ------------------------------------------------------------------ markdown links
def test_a_markdown_link_is_read_as_its_text() -> None:
    """The words of a line with a link are the words a reader sees: its target, the
    URL and the "title" html2text writes, is no words but counts as link target."""
    seen = "Chopping a page design up and making it into a living page involves hundreds of decisions."
    linked = (
        "Chopping a page design up and making it into a [living page](http://www.example-blog.com/a-living-page/"
        ' "A page about the lives of pages, with words of its own") involves hundreds of decisions.'
    )
    a, b = read_units([linked], "en"), read_units([seen], "en")
    np.testing.assert_array_equal(a.words[:, -2], b.words[:, -2])  # as many words
    np.testing.assert_array_equal(a.vocab, b.vocab)
    assert a.shape[0, S_LINKS] == 1 and a.shape[0, S_LINK_CHARS] == len("living page")
    assert a.shape[0, S_TARGET] == linked.index(") involves") - linked.index("](")


def test_a_link_target_wrapped_over_lines_goes_with_its_link() -> None:
    """html2text breaks a long target (a URL at a hyphen, a title between words) over
    lines: the lines that start inside it continue the unit where the link began."""
    lines = [
        '  * [Blog](http://www.example-blog.com/category/blog/ "Our goal is to publish information that reflects',
        "We want you to interact with us, tell us what you're up to and we may feature",
        'you on the site.") (117)',
        "  * [News](http://www.example-blog.com/category/news/)",
        "",
        "Read the [whole story](http://www.example-blog.com/2012/10/the-whole-",
        "story-of-the-page/) here.",
    ]
    u = read_units(lines, "en")
    assert u.wrap == 0 and u.idx.tolist() == [0, 1, 2, 3, 5, 6]
    assert u.follows is not None and u.follows.tolist() == [-1, 0, 0, -1, -1, 4]
    assert u.words[1, -2] == 0  # a title's line holds no words of the page
    assert u.shape[0, S_LINKS] == 1 and u.shape[0, S_LINK_CHARS] == len("Blog")
    # a document without links reads as before
    assert read_units(lines[1:2], "en").follows is None


def test_links_read_the_same_with_the_stage_scan_or_without() -> None:
    """The stage passes its scan of the lines for the marker regexes; the judging
    rounds after it do not: a line whose link target holds a URL or a date must read
    the same both ways, or the output of one run would not be what a second run
    keeps (a link is blanked for the words, but its URL is still a URL)."""
    from cleaner.classify import _COL_URL, gate_scan

    lines = [
        "> [Natur Peelings selber machen: für Gesicht und",
        "> Körper](http://www.example.de/trends/naturpeelings-selbst-",
        "> machen-fuer-gesicht-und-koerper/)",
        "",
        "Posted [May 12, 2024](http://www.example.com/2024/05/12/) by [Ann](http://www.example.com/ann/)",
        "",
        "The council met on Tuesday and voted for the plan, which [the mayor](http://www.example.com/mayor) backed.",
    ]
    view = TextView(lines)
    scan = gate_scan(view)
    a, b = read_units(lines, "de", view=view, gate=scan), read_units(lines, "de")
    np.testing.assert_array_equal(a.words, b.words)
    posted = int(np.flatnonzero(a.idx == 4)[0])
    assert a.words[posted, _COL_URL] == 1  # the line's URL is seen, though its words are not


def test_a_document_of_links_without_text_reads_and_cleans() -> None:
    """A page that is nothing but an image (or links without text): every unit is
    blanked, none has a word; it reads, and cleaning it drops it (nothing to keep)."""
    import cleaner

    for lines in (["![](a.png)"], ["[](https://example.com/share)", "", "![](b.png)"]):
        u = read_units(lines, "en")
        assert (u.words[:, -2] == 0).all()
        doc = cleaner.clean("\n".join(lines), format="text")
        assert doc.status == "dropped" and doc.error is None


def test_a_link_left_open_does_not_take_the_paragraphs_after_it() -> None:
    """html2text never writes a blank line inside a link: a "](" without its ")" ends at
    the paragraph, and the paragraphs after it (one holding "a)") are read as they are."""
    lines = [
        "Share: [Tweet](https://twitter.com/intent/tweet?url=https://www.example.com/ferry",
        "",
        "## Ferry service to run all year",
        "",
        "The council voted on Tuesday to keep the ferry running all winter, a decision residents wanted.",
        "",
        "It set two conditions: a) the fares stay as they are, and b) the timetable is kept.",
    ]
    u = read_units(lines, "en")
    assert u.follows is None or (u.follows == -1).all()
    assert (u.words[1:, -2] > 0).all()  # the heading and paragraphs keep their words


def test_a_menu_of_pieces_is_not_joined_to_the_headline() -> None:
    """A minified page's menu through get_text("\\n"): "Home " / "News " / "Log in " end in
    a space, but a headline after them starts a block of its own."""
    lines = ["Home ", "News ", "Sport ", "Log in ", "Ferry service to run all year long", ""]
    u = read_units(lines, "en")
    assert (4, 4) in list(zip(u.idx.tolist(), u.last.tolist(), strict=True))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20000,
        "[a](" * 20000,
        '[a](x "' * 10000,
        "[a](" + "\\(" * 20000,
        "[a](" + "(" * 20000,
        "[a](" + "x" * 100000,
    ],
    ids=["brackets", "open-targets", "open-titles", "escapes", "open-parens", "endless-url"],
)
def test_a_link_left_open_is_no_link(text: str) -> None:
    """A "[" or "](" without its end (a cut dump, a page of brackets) marks nothing,
    and a document of them reads as lines (the pattern is bounded and cannot backtrack
    over a run two ways, so such text costs what a plain text does)."""
    from cleaner.textmodel.units import link_marks

    assert len(link_marks(text)) == 0
    assert len(link_marks(text + "\n[the story](http://example.com/story)")) == 1
    lines = [text[i : i + 80] for i in range(0, len(text), 80)]
    u = read_units(lines, "en")
    assert u.follows is None and len(u) >= 1


def test_a_paragraph_broken_at_its_inline_elements_is_one_unit() -> None:
    """BeautifulSoup's get_text("\\n") writes each text node on a line: the pieces of one
    paragraph (a piece ending in one space, or the next starting with one space or a
    closing mark) are read as one unit; a teaser's last sentence, a lone bullet and a
    list item are not joined to what follows them."""
    lines = [
        "Read the council's ",
        "full report",
        " before the vote, said ",
        "Linda Okafor",
        ", who chairs the committee.",
        "",
        "Jimmie Johnson won his fourth Brickyard 400 at the weekend. ",
        "Pantano replaces Kimball for Ohio race",
        "* ",
        "Home",
        "  * Sport ",
        "  * Weather",
    ]
    u = read_units(lines, "en")
    assert u.wrap == 0
    assert list(zip(u.idx.tolist(), u.last.tolist(), strict=True)) == [
        (0, 4),
        (6, 6),
        (7, 7),
        (8, 8),
        (9, 9),
        (10, 10),
        (11, 11),
    ]
    # the unit's words are its pieces' words, read as one line
    whole = read_units([" ".join(lines[:5])], "en")
    assert u.words[0, -2] == whole.words[0, -2] == 16
    np.testing.assert_array_equal(u.vocab[0], whole.vocab[0])
    assert read_units(lines, "en", inline=False).idx.tolist() == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]


# ------------------------------------------------------------------ features
def docs_for_features() -> list[list[str]]:
    return fixture_docs() + [wrapped_doc(), wrapped_doc(10_000), PIECES, ["one line"], [""]]


def test_line_and_region_features_equal_their_reference() -> None:
    rng = np.random.default_rng(5)
    for lines in docs_for_features():
        u = read_units(lines, "en")
        a = F.line_matrix_py(
            u.words, u.shape, u.hashes, u.blank_before, u.blank_after, u.blank_share, u.vocab
        )
        b = F.line_matrix(u.words, u.shape, u.hashes, u.blank_before, u.blank_after, u.blank_share, u.vocab)
        np.testing.assert_allclose(b, a, atol=1e-12)
        for _ in range(3):
            p1 = rng.random(len(a))
            p1[rng.random(len(a)) < 0.4] = 0.95  # runs of article-like lines
            nc = u.words[:, -1]
            np.testing.assert_allclose(F.region_matrix(p1, a, nc), F.region_matrix_py(p1, a, nc), atol=1e-12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_st, st.integers(0, 2**32 - 1))
def test_features_equal_their_reference_on_random_documents(lines: list[str], seed: int) -> None:
    u = read_units(lines, None)
    a = F.line_matrix_py(u.words, u.shape, u.hashes, u.blank_before, u.blank_after, u.blank_share, u.vocab)
    b = F.line_matrix(u.words, u.shape, u.hashes, u.blank_before, u.blank_after, u.blank_share, u.vocab)
    np.testing.assert_allclose(b, a, atol=1e-12)
    p1 = np.random.default_rng(seed).random(len(a))
    nc = u.words[:, -1]
    np.testing.assert_allclose(F.region_matrix(p1, a, nc), F.region_matrix_py(p1, a, nc), atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0, 1), max_size=60),
    st.lists(st.integers(0, 400), max_size=60),
    st.sampled_from([0.05, 0.25, 1.0]),
    st.integers(1, 4),
)
def test_region_spans_equal_their_reference(p2: list[float], nc: list[int], extra: float, spans: int) -> None:
    n = min(len(p2), len(nc))
    a = np.array(p2[:n])
    c = np.array(nc[:n], dtype=np.float64)
    assert (region.region_spans(a, c, extra, spans) == F.region_spans_py(a, c, extra, spans)).all()


def test_region_spans_find_a_split_article() -> None:
    p2 = np.array([0.1] * 5 + [0.9] * 6 + [0.05] * 8 + [0.9] * 5 + [0.1] * 4)
    nc = np.full(len(p2), 100.0)
    one = region.region_spans(p2, nc, 10.0, 3)  # a second span must gain 10x the first: none
    two = region.region_spans(p2, nc, 0.25, 3)
    assert one.sum() == 6 and one[5:11].all()
    assert two.sum() == 11 and two[5:11].all() and two[19:24].all()


# ------------------------------------------------------------------ forests
def small_forest(seed: int = 0) -> tuple[Forest, np.ndarray, object]:
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(seed)
    X = rng.random((3000, 7))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(0, 0.2, 3000) > 0.8).astype(int)
    booster = lgb.train(
        {
            "objective": "binary",
            "num_leaves": 15,
            "max_depth": 5,
            "verbose": -1,
            "min_data_in_leaf": 5,
            "num_threads": 1,
        },
        lgb.Dataset(X, y),
        30,
    )
    return Forest.from_lightgbm(booster.dump_model()), rng.random((400, 7)), booster


def test_forest_scores_equal_lightgbm_and_the_reference() -> None:
    f, X, booster = small_forest()
    X[:10, f.feature[0, 0]] = f.threshold[0, 0]  # rows on a split's threshold go left, as in LightGBM
    ref = booster.predict(X, raw_score=True)  # type: ignore[attr-defined]
    np.testing.assert_allclose(f.raw_py(X), ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(forest.forest_raw(X, f.feature, f.threshold, f.leaf), ref, rtol=0, atol=1e-12)


def test_the_numpy_twin_of_the_forest_walk_gives_the_same_bits() -> None:
    """What runs when kernels run in Python: the compiled walk's result, bit for
    bit (the same sums in the same order), on the shipped text model's forest
    and on a small one, with rows on thresholds and NaN features."""
    from cleaner.textmodel.model import TextModel

    f, X, _ = small_forest(3)
    X[:10, f.feature[0, 0]] = f.threshold[0, 0]
    X[10:20, 2] = np.nan
    forests = [(f, X)]
    shipped = TextModel.load().forests[0]
    rng = np.random.default_rng(4)
    Z = rng.normal(0, 2, (300, shipped.n_features))
    Z[:5] = 0.0
    forests.append((shipped, Z))
    for fo, data in forests:
        compiled = forest.forest_raw(data, fo.feature, fo.threshold, fo.leaf)
        twin = forest.forest_raw_numpy(data, fo.feature, fo.threshold, fo.leaf)
        assert twin.dtype == compiled.dtype and np.array_equal(twin, compiled)
        assert np.array_equal(twin, fo.raw_py(data))


def test_forest_contributions_sum_to_the_score_and_equal_the_reference() -> None:
    f, X, _ = small_forest(1)
    rows = np.arange(0, 400, 7)
    got = forest.forest_contrib_rows(X, rows, f.feature, f.threshold, f.value, f.leaf, f.n_features)
    raw = f.raw_py(X[rows])
    for q, r in enumerate(rows.tolist()):
        np.testing.assert_allclose(got[q], f.contributions_py(X[r]), atol=1e-12)
        assert got[q].sum() + f.value[:, 0].sum() == pytest.approx(raw[q], abs=1e-9)


def test_forest_arrays_round_trip_and_bad_arrays_are_refused(tmp_path: Path) -> None:
    f, X, _ = small_forest(2)
    np.savez(tmp_path / "m.npz", **f.arrays("line"))
    with np.load(tmp_path / "m.npz") as z:
        g = Forest.from_arrays(z, "line")
    np.testing.assert_array_equal(g.raw_py(X[:20]), f.raw_py(X[:20]))
    bad = f.arrays("line")
    bad["line.feature"] = bad["line.feature"].copy()
    bad["line.feature"][0, 0] = 99
    with pytest.raises(ValueError, match="feature out of range"):
        Forest.from_arrays(bad, "line")
    bad = f.arrays("line")
    bad["line.leaf"] = bad["line.leaf"][:, :-1]
    with pytest.raises(ValueError, match="shape"):
        Forest.from_arrays(bad, "line")


def test_shape_row_reads_the_first_word_and_links() -> None:
    row = shape_row("  * [Read the full report](https://example.org/report) today")
    assert row[S_MARKER] == 1 and row[S_LINKS] == 1
    assert row[13] == len("[Read")  # first word of the content
    assert row[14] == 1  # holds a link


# ------------------------------------------------------------------ vocabulary
def kernel_vocab(lines: list[str]) -> np.ndarray:
    from cleaner.textmodel import vocab

    v = TextView(lines)  # (fills the character tables for the planes these lines use)
    flags, lower, _ = chars.tables()
    keys, vals = vocab.table()
    return features.vocab_rows(
        v.cps, v.starts, v.ends, flags, lower, keys, vals, len(vocab.GROUPS), vocab.LIMIT, chars.AN
    )


def test_vocabulary_rows_count_each_group() -> None:
    from cleaner.textmodel.vocab import GROUPS, vocab_rows_py

    rows = vocab_rows_py(
        [
            "Reply · 3 comments",
            "Subscribe to our NEWSLETTER!",
            "Share on Facebook, Twitter",
            "The committee replied on Tuesday.",
            "Datenschutzerklärung | Impressum",
        ]
    )
    g = {name: i for i, name in enumerate(GROUPS)}
    assert rows[0, g["comment"]] == 2 and rows[1, g["promo"]] == 2 and rows[2, g["share"]] == 3
    assert rows[3, g["comment"]] == 1  # "replied"; "committee" is no comment word
    assert rows[4, g["legal"]] == 2


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            line_st,
            st.sampled_from(
                [
                    "Reply",
                    "COMMENTS (3)",
                    "Teilen: Facebook",
                    "ﬁ Share",
                    "İmpressum",
                    "x" * 390 + " reply reply",
                ]
            ),
        ),
        min_size=1,
    )
)
def test_vocabulary_kernel_equals_reference(lines: list[str]) -> None:
    from cleaner.textmodel.vocab import vocab_rows_py

    got = kernel_vocab(lines)
    np.testing.assert_array_equal(got, vocab_rows_py(lines))


def test_forest_reasons_name_the_group_that_pulled_the_score_down_most() -> None:
    f, X, _ = small_forest(3)
    group = np.array([0, 1, 1, 2, 2, 3, 3])  # features 1-2, 3-4 and 5-6 share a group
    rows = np.arange(0, 400, 3)
    for trees in (5, len(f.feature)):
        got = forest.forest_reasons(X, rows, f.feature, f.threshold, f.value, f.leaf, trees, group, 4)
        cut = Forest(f.feature[:trees], f.threshold[:trees], f.value[:trees], f.leaf[:trees], f.n_features)
        for q, r in enumerate(rows.tolist()):
            by_group = np.zeros(4)
            np.add.at(by_group, group, cut.contributions_py(X[r]))
            assert got[q] == int(np.argmin(by_group))
