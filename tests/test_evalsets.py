"""Tests of benchmarks/evalsets.py: scores, text dumps, line labels, C4 filter, data loading."""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import evalsets  # noqa: E402
from evalsets import (  # noqa: E402
    c4_filter,
    c4_line_ok,
    decode_html,
    gold_text,
    line_labels,
    shingle_counts,
    shingle_prf,
    shingles,
    snippet_prf,
    text_dump,
)


# ------------------------------------------------------------------ shingle metric
def test_shingles_are_multisets_of_four_tokens():
    sh = shingles("a b c d a b c d")
    assert sh[("a", "b", "c", "d")] == 2
    assert sum(sh.values()) == 5


def test_short_text_is_one_shingle_of_all_its_tokens():
    assert shingles("hello, world!") == {("hello", "world"): 1}
    assert shingles("  ...  ") == {}


def test_shingle_counts_normalised_to_one():
    # pred: abcd bcde; gold: abcd bcdf -> TP 1, FP 1, FN 1
    tp, fp, fn = shingle_counts("a b c d e", "a b c d f")
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_shingle_counts_respect_multiplicity():
    # pred has abcd twice, bcda, cdab, dabc: 5 shingles, 1 of them in gold
    tp, fp, fn = shingle_counts("a b c d a b c d", "a b c d")
    assert (tp, fp, fn) == pytest.approx((1 / 5, 4 / 5, 0.0))


def test_shingle_counts_match_repeated_shingles_one_to_one():
    # pred: abcd x2, bcda, cdab, dabc; gold: abcd x2, bcdx, cdxa, dxab, xabc -> TP 2, FP 3, FN 4
    tp, fp, fn = shingle_counts("a b c d a b c d", "a b c d x a b c d")
    assert (tp, fp, fn) == pytest.approx((2 / 9, 3 / 9, 4 / 9))


def test_tokens_ignore_punctuation_but_keep_case():
    assert shingle_prf([("a, b. c! d?", "a b c d")])["f1"] == pytest.approx(1.0)
    # the README's metric does not lowercase
    assert shingle_prf([("Hello Big World Now", "hello big world now")])["f1"] == 0.0


def test_shingle_prf_means_over_the_right_pages():
    pairs = [
        ("a b c d e", "a b c d f"),  # P 0.5, R 0.5
        (None, "v w x y z"),  # no output: recall 0, not in precision
        ("", "p q r s t"),  # blank output is no output either
        ("k l m n o", ""),  # output without gold: precision 0, not in recall
    ]
    s = shingle_prf(pairs)
    assert s["pages"] == 4
    assert s["pages_with_output"] == 2
    assert s["pages_with_gold"] == 3
    assert s["precision"] == pytest.approx(0.25)  # (0.5 + 0) / 2
    assert s["recall"] == pytest.approx(0.5 / 3)  # (0.5 + 0 + 0) / 3
    p, r = 0.25, 0.5 / 3
    assert s["f1"] == pytest.approx(2 * p * r / (p + r))


def test_shingle_prf_perfect_and_empty():
    assert shingle_prf([("one two three four five", "one two three four five")])["f1"] == pytest.approx(1.0)
    assert shingle_prf([])["f1"] == 0.0


# ------------------------------------------------------------------ snippet metric
def test_snippet_prf_counts_and_whitespace():
    pred = "The quick   brown\nfox jumps over"
    s = snippet_prf([(pred, ["quick brown fox", "lazy dog"], ["jumps", "cat"])])
    assert (s["tp"], s["fn"], s["fp"], s["tn"]) == (1, 1, 1, 1)
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(0.5)
    assert s["accuracy"] == pytest.approx(0.5)


def test_snippet_prf_crash_is_full_miss_and_counts_sum_over_corpus():
    s = snippet_prf(
        [
            (None, ["a b", "c d"], ["e"]),  # crash: 2 FN, 1 TN
            ("a b and c d here", ["a b", "c d"], ["here", "zzz"]),  # 2 TP, 1 FP, 1 TN
        ]
    )
    assert (s["tp"], s["fp"], s["fn"], s["tn"]) == (2, 1, 2, 2)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(0.5)
    assert s["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert s["accuracy"] == pytest.approx(4 / 7)


def test_snippet_match_is_case_sensitive():
    assert snippet_prf([("impressum", [], ["Impressum"])])["fp"] == 0


# ------------------------------------------------------------------ text dump
PAGE = """<!DOCTYPE html>
<html><head><title>Page title</title><style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script></head>
<body>
<!-- a comment -->
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article>
  <h1>Big   Headline</h1>
  <p>First <b>bold</b> and <a href="#">linked</a> words,&nbsp;then more.<br>After the break &amp; more.</p>
  <div hidden>Hidden by attribute</div>
  <div style="display: none">Hidden by style</div>
  <noscript><p>Enable JavaScript</p></noscript>
  <svg><text>svg text</text></svg>
  <template><p>template text</p></template>
  <table><tr><td>cell one</td><td>cell two</td></tr></table>
  <pre>code line 1
code line 2</pre>
</article>
<footer>Copyright 2024</footer>
<script>document.write("late")</script>
</body></html>"""


def test_text_dump_keeps_every_visible_line_and_nothing_else():
    assert text_dump(PAGE).split("\n") == [
        "Home",
        "News",
        "Big Headline",
        "First bold and linked words, then more.",
        "After the break & more.",
        "cell one",
        "cell two",
        "code line 1",
        "code line 2",
        "Copyright 2024",
    ]


def test_text_dump_breaks_after_a_block_before_its_tail():
    assert (
        text_dump("<div>lead<p>para</p>tail text<span> inline</span></div>") == "lead\npara\ntail text inline"
    )


def test_text_dump_broken_and_empty_markup():
    assert text_dump("<div><p>Unclosed <b>bold<p>next</div></span></table>") == "Unclosed bold\nnext"
    assert text_dump("") == ""
    assert text_dump("   ") == ""
    assert text_dump("just text, no tags") == "just text, no tags"
    # an XML declaration with an encoding must not make lxml refuse the str
    assert text_dump('<?xml version="1.0" encoding="utf-8"?><html><body><p>x y</p></body></html>') == "x y"


def test_text_dump_noscript_does_not_swallow_the_page():
    # libxml2 would nest the whole page in the <noscript> left open by its unclosed <div>
    html = "<html><body><noscript><div class=nojs></noscript><div><p>Article text</p></div></body></html>"
    assert text_dump(html) == "Article text"


def test_text_dump_deep_nesting_does_not_overflow():
    # deeper than libxml2's default limit (256) and Python's recursion limit (1000);
    # libxml2 drops content below depth 2048 even with huge_tree
    html = "<div>" * 1500 + "deep" + "</div>" * 1500
    assert text_dump(html) == "deep"


def test_gold_text_of_a_fragment():
    assert gold_text('<div id="page"><h2>Title</h2><p>One.</p><ul><li>a</li><li>b</li></ul></div>') == (
        "Title\nOne.\na\nb"
    )


def test_decode_html_charsets():
    latin = '<html><head><meta charset="iso-8859-1"></head><body><p>Gr\u00fc\u00dfe</p></body></html>'
    assert "Gr\u00fc\u00dfe" in decode_html(latin.encode("cp1252"))
    utf = ("<p>" + "\u00e4\u00f6\u00fc" * 20 + "</p>").encode("utf-8")
    assert decode_html(utf + b"<!-- M\xe4scot -->").startswith("<p>\u00e4\u00f6\u00fc")  # one stray byte
    assert decode_html(b"\xef\xbb\xbfhello") == "hello"


# ------------------------------------------------------------------ line labels
GOLD = """Big Headline Here
First paragraph of the story is here and it is long enough.
Second paragraph continues the story and readers share it widely.
By Jane Doe"""


def test_line_labels_headline_in_share_out():
    dump = "\n".join(
        [
            "Home",
            "News",
            "Big Headline Here",
            "Share",  # the word occurs in the gold, but not as this line
            "First paragraph of the story is here and it is long enough.",
            "* * *",
            "Second paragraph continues the story and readers share it widely.",
            "By",
            "Jane Doe",  # the gold has "By Jane Doe" as one line
            "Related: another story with a headline of its own",
            "|",
            "Share",
        ]
    )
    labels = [lab for _, lab in line_labels(dump, GOLD)]
    assert labels == [0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0]


def test_line_labels_duplicate_teaser_gets_zero():
    teaser = "First paragraph of the story is here and it is long enough."
    dump = "\n".join(
        [
            "Big Headline Here",
            teaser,
            "Second paragraph continues the story and readers share it widely.",
            "By Jane Doe",
            "Most read",
            teaser,
        ]
    )
    labels = [lab for _, lab in line_labels(dump, GOLD)]
    assert labels == [1, 1, 1, 1, 0, 0]


def test_line_labels_lines_split_differently_from_gold():
    dump = "Menu\nFirst paragraph of the story\nis here and it is long enough.\nFooter text goes here ok"
    labels = [lab for _, lab in line_labels(dump, GOLD)]
    assert labels == [0, 1, 1, 0]


def test_line_labels_keeps_lines_and_handles_no_gold():
    dump = "a\n\nb c d e"
    assert line_labels(dump, "") == [("a", 0), ("", 0), ("b c d e", 0)]
    assert line_labels(dump, None) == [("a", 0), ("", 0), ("b c d e", 0)]
    assert line_labels("", GOLD) == []


# ------------------------------------------------------------------ C4 filter
@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("This sentence has more than five words.", True),
        ("Does this one also count as a sentence?", True),
        ("She said it was all over now!", True),
        ("He told us: \u201cwe are going home now.\u201d", True),
        ("He said that we go home now.'", True),
        ('The sign on the door said "closed"', True),  # C4 keeps a line ending in a straight quote
        ("Ellipsis is terminal as well here\u2026", True),
        ("Too short.", False),
        ("Read more about this story here", False),
        ("Subscribe to our newsletter today \u2192", False),
        ("Four words only here.", False),
        ("A closing quote without punctuation \u201d", False),
    ],
)
def test_c4_line_ok(line, ok):
    assert c4_line_ok(line) is ok


def test_c4_filter_keeps_only_sentence_lines():
    text = "Home\nThis sentence has more than five words.\nShare this\n  Another full sentence with words here!  "
    assert (
        c4_filter(text) == "This sentence has more than five words.\nAnother full sentence with words here!"
    )


# ------------------------------------------------------------------ data location
def _tarball(path: Path, top: str, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:xz") as tf:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def test_eval_root_missing_data_raises_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_SHARED", str(tmp_path / "nowhere"))
    with pytest.raises(evalsets.EvalDataMissing, match="nowhere"):
        evalsets.eval_root()
    (tmp_path / "nowhere" / "eval").mkdir(parents=True)
    with pytest.raises(evalsets.EvalDataMissing, match="readability-test-pages.tar.xz"):
        evalsets.eval_root()


def test_eval_root_unpacks_once_and_loads_pages(tmp_path, monkeypatch):
    ev = tmp_path / "shared" / "eval"
    ev.mkdir(parents=True)
    _tarball(
        ev / "readability-test-pages.tar.xz",
        "readability-test-pages",
        {
            "page-a/source.html": "<html><body><nav>Menu</nav><p>Body text of page a.</p></body></html>",
            "page-a/expected.html": "<div><p>Body text of page a.</p></div>",
            "page-a/expected-metadata.json": '{"title": "A"}',
        },
    )
    _tarball(
        ev / "trafilatura-eval.tar.xz",
        "trafilatura-eval",
        {
            "evaldata.json": '{"https://www.example.org/x": {"file": "x.html", "with": ["Body"], "without": ["Menu"]}}',
            "eval/x.html": "<html><body><p>Body</p></body></html>",
        },
    )
    monkeypatch.setenv("CLEANER_SHARED", str(tmp_path / "shared"))
    monkeypatch.setattr(evalsets, "CACHE", tmp_path / "cache")
    evalsets._readability_pages.cache_clear()
    evalsets._trafilatura_pages.cache_clear()
    try:
        root = evalsets.eval_root()
        assert root == tmp_path / "cache"
        assert (root / "trafilatura-eval" / "eval" / "x.html").is_file()
        marker = root / "readability-test-pages" / "marker"
        marker.write_text("left by the test")
        evalsets.eval_root()  # second call reuses the unpacked copy
        assert marker.is_file()
        (rp,) = evalsets.readability_pages()
        assert (rp.name, rp.gold, rp.meta["title"]) == ("page-a", "Body text of page a.", "A")
        assert rp["gold"] == rp.gold
        (tp,) = evalsets.trafilatura_pages()
        assert (tp.url, tp.file, tp.with_, tp["with"], tp.without) == (
            "https://www.example.org/x",
            "x.html",
            ["Body"],
            ["Body"],
            ["Menu"],
        )
        assert tp.site == "example.org"
    finally:
        evalsets._readability_pages.cache_clear()
        evalsets._trafilatura_pages.cache_clear()


@pytest.mark.skipif(not evalsets.eval_available(), reason="shared evaluation data absent")
def test_real_readability_pages_align_with_their_gold():
    pages = evalsets.readability_pages()
    assert len(pages) == 130
    assert all(p.gold for p in pages)
    pairs = []
    for p in pages:
        labelled = line_labels(text_dump(p.html), p.gold)
        pairs.append(("\n".join(ln for ln, lab in labelled if lab), p.gold))
    # the lines labelled 1 reproduce the gold almost exactly
    assert shingle_prf(pairs)["f1"] > 0.98


def test_block_tables_concatenate_page_by_page() -> None:
    """htmldata.concat (the refit's fit+val table): every page keeps its own rows."""
    import htmldata
    import numpy as np

    def table(tag: str, sizes: list[int], seed: int) -> htmldata.Table:
        rng = np.random.default_rng(seed)
        offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        n = int(offs[-1])
        refs = [
            htmldata.PageRef("dragnet", f"{tag}{i}", f"{tag}.example", "fit", "article")
            for i in range(len(sizes))
        ]
        return htmldata.Table(
            refs,
            offs,
            rng.random((n, 2)).astype(np.float32),
            rng.integers(-1, 2, n).astype(np.int8),
            rng.random(n).astype(np.float32),
            [f"{tag} block {j}" for j in range(n)],
            [f"{tag} recall text {i}" for i in range(len(sizes))],
            [[(seed, i, j) for j in range(s)] for i, s in enumerate(sizes)],
            [f"{tag} title {i}" for i in range(len(sizes))],
        )

    a, b = table("a", [2, 3], 1), table("b", [1, 4], 2)
    both = htmldata.concat(a, b)
    assert [p.id for p in both.pages] == ["a0", "a1", "b0", "b1"]
    assert both.offsets.tolist() == [0, 2, 5, 6, 10]
    for k, (t, i) in enumerate([(a, 0), (a, 1), (b, 0), (b, 1)]):
        assert both.texts[both.rows(k)] == t.texts[t.rows(i)]
        for field in ("X", "y", "w"):
            assert np.array_equal(getattr(both, field)[both.rows(k)], getattr(t, field)[t.rows(i)]), field
        assert both.fallback[k] == t.fallback[i]
        assert both.ctx[k] == t.ctx[i]
    assert both.titles == ["a title 0", "a title 1", "b title 0", "b title 1"]
    assert htmldata.concat(a, htmldata.Table(**{**b.__dict__, "titles": None})).titles is None


# ------------------------------------------------------------------ markdown as scored
# html2text's markdown of a blog page: a category list whose links carry long titles, and
# a link whose URL html2text broke at a hyphen (it wraps at 78 columns, targets too)
_MARKDOWN_PAGE = """\
  * [Blog](http://www.example-blog.com/category/blog/ "Our goal is to publish information that reflects
We want you to interact with us, tell us what you're up to and we may feature
you on the site.") (117)
  * [HTML / CSS](http://www.example-blog.com/category/html-css/ "Web page production \\(the basics\\)
is the process of turning a design into a page.") (26)

Chopping a page design up and making it into a [living page](http://www.example-blog.com/a-living-
breathing-page/) involves hundreds of decisions.
![A designer at work](http://img.example-blog.com/2012/10/designer-at-
work.jpg)
[« Previous Article](http://www.example-blog.com/seo/website-seo-video-review-
orlando-vacation-home-rental/)
"""


def test_plain_leaves_out_link_targets_wrapped_over_lines_and_their_titles() -> None:
    """The words a reader sees of a markdown dump: link and image targets go, also
    when html2text wrapped them over lines or gave them a title; lines keep their places."""
    import corpus

    out = corpus.plain(_MARKDOWN_PAGE)
    assert out.split("\n") == [
        "  * Blog",
        "",
        " (117)",
        "  * HTML / CSS",
        " (26)",
        "",
        "Chopping a page design up and making it into a living page",
        " involves hundreds of decisions.",
        "A designer at work",
        "",
        "« Previous Article",
        "",
        "",
    ]
    words = set(evalsets.tokens(out))
    for hidden in ("interact", "production", "breathing", "orlando", "work.jpg", "http"):
        assert not any(hidden in w for w in words), hidden


def test_plain_keeps_text_after_a_link_target_left_open() -> None:
    """A "](" without its ")" (a cut dump) takes no text with it, and costs little."""
    import corpus

    out = corpus.plain("See [the story](http://example.com/a-story\n\nThe article goes on here.")
    assert "The article goes on here." in out
    assert corpus.plain("[a](" + "x" * 5000 + "\n" * 3 + "end").endswith("end")


# ------------------------------------------------------------------ dragnet gold
@pytest.mark.parametrize(
    "separator",
    [
        "!@#$%^&*()  COMMENTS",
        "!@#$%^&*() COMMENTS\r",  # a Windows line end
        "!@ $%^&*()  COMMENTS",  # typed by hand: a mark missed
        "@#$%^&*() COMMENTS",
        "!#@$%^&*()  COMMENTS",
        "!@#$%^&*   COMMENTS",
        "  #$%^&*()  COMMENTS",
        "!!@#$%^&*()  COMMENTS",
    ],
)
def test_dragnet_content_leaves_out_the_comments_whatever_the_separator(separator):
    gold = (
        "Just Keep Going\r\n\r\nby randfish on May 23, 2011\r\n\r\nIn 1997 I was just graduating.\n\n"
        f"{separator}\n\nThanks for sharing your story. I needed it today\nby Andrew on May 23, 2011\n"
    )
    assert evalsets.dragnet_content(gold) == (
        "Just Keep Going\nby randfish on May 23, 2011\nIn 1997 I was just graduating."
    )


def test_dragnet_content_keeps_a_page_without_comments_and_the_word_in_prose():
    gold = "COMMENTS ARE CLOSED on this post, says the editor.\nThe second line!@#$ stays.\n"
    assert evalsets.dragnet_content(gold) == gold.strip()
