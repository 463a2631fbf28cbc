"""HTML mode decided per DOM block: the block cutter, the block model, the extract stage, markdown output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cleaner
from cleaner.errors import ConfigError
from cleaner.htmlblocks import blocks_of, markdown_of, parse
from cleaner.htmlfeatures import FEATURES, Overlap, features, tokens
from cleaner.htmlmodel import HtmlModel

REPO = Path(__file__).resolve().parents[1]

PARAS = [
    "The harbour authority said on Tuesday that the new ferry terminal would open in the spring, two years "
    "later than first planned, after a dispute with the builder over the cost of the foundations.",
    "Engineers found that the ground under the eastern pier was softer than the surveys had shown, and the "
    "piles had to be driven almost twice as deep, the authority's director told a meeting of the council.",
    "Passengers will be able to buy tickets at machines in the hall or on their phones, and the old terminal "
    "across the bay will close for good once the last winter timetable has run, according to the plan.",
    "Local businesses along the waterfront welcomed the news, although several said the delay had cost them "
    "a summer of trade, and the chamber of commerce has asked the council for help with their losses.",
]


def page(article: str, extra: str = "") -> str:
    nav = "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(12))
    related = "".join(
        f'<li><a href="/r{i}">Another story about the city number {i}</a></li>' for i in range(8)
    )
    comments = "".join(
        f'<div class="comment"><p>Comment {i}: I have lived here for years and I think the council should '
        f"have listened to the residents much earlier.</p></div>"
        for i in range(6)
    )
    return (
        "<html><head><title>Ferry terminal to open in spring | The Harbour Post</title></head><body>"
        f'<header><nav class="menu"><ul>{nav}</ul></nav></header>'
        f'<main><article class="story"><h1>Ferry terminal to open in spring</h1>{article}</article>{extra}'
        f'<aside class="related"><h3>Related stories</h3><ul>{related}</ul></aside>'
        f'<section id="comments" class="comments"><h3>Comments</h3>{comments}</section></main>'
        '<footer class="footer"><p>Copyright 2026 The Harbour Post. All rights reserved.</p></footer>'
        "</body></html>"
    )


ARTICLE = "".join(f"<p>{p}</p>" for p in PARAS)


# ------------------------------------------------------------------ the block cutter
def test_blocks_keep_their_place_in_the_tree() -> None:
    html = (
        "<html><body><div class='post'><h2>Title <em>here</em></h2><p>One <a href='#'>link</a> and "
        "<strong>bold</strong> text.<br>Second line</p><ul><li>first</li><li>second</li></ul>"
        "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
        "<pre>x = 1\n  y = 2</pre><script>var junk = 1;</script><p style='display:none'>hidden</p>"
        "</div></body></html>"
    )
    pg = blocks_of(parse(html))
    texts = [b.text for b in pg.blocks]
    assert texts == [
        "Title here",
        "One link and bold text.\nSecond line",
        "first",
        "second",
        "a b",
        "1 2",
        "x = 1\n  y = 2",
    ]
    head, para = pg.blocks[0], pg.blocks[1]
    assert head.tag == "h2" and head.heading == 2
    assert para.tag == "p" and para.link_chars == len("link") and para.links == 1
    assert para.path[:-1] == head.path[:-1]  # siblings under the same div
    assert "post" in para.words.split()
    assert [markdown_of(b, i == 4) for i, b in enumerate(pg.blocks)] == [
        "## Title here",
        "One link and **bold** text.\nSecond line",
        "- first",
        "- second",
        "| a | b |\n| --- | --- |",
        "| 1 | 2 |",
        "```\nx = 1\n  y = 2\n```",
    ]


def test_deep_and_broken_pages_are_cut_without_recursion() -> None:
    deep = "<div>" * 200 + "<p>deep text here</p>" + "</div>" * 200  # deeper than Python's stack allows
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)
    try:
        blocks = blocks_of(parse(deep)).blocks
    finally:
        sys.setrecursionlimit(limit)
    assert [b.text for b in blocks] == ["deep text here"] and blocks[0].depth > 200
    deeper = parse("<div>" * 5000 + "<p>deep text here</p>" + "</div>" * 5000)
    if deeper is not None:  # libxml2 cuts a tree this deep: whatever it keeps is cut without error
        blocks_of(deeper)
    assert parse("") is None
    assert blocks_of(parse("<p>only <b>one</b></p>")).blocks[0].text == "only one"


def test_json_ld_article_body_is_read() -> None:
    body = " ".join(PARAS)
    html = (
        '<html><head><script type="application/ld+json">'
        + json.dumps({"@type": "NewsArticle", "articleBody": body})
        + "</script></head><body>"
        + ARTICLE
        + "</body></html>"
    )
    pg = blocks_of(parse(html))
    assert pg.article_body == body
    X = features(pg, None, None)
    j = FEATURES.index("vote_jsonld")
    assert (X[:, j] == 1.0).all()


def test_overlap_counts_shared_trigrams() -> None:
    o = Overlap("the quick brown fox jumps over the lazy dog")
    assert o.share(tokens("quick brown fox jumps")) == 1.0
    assert o.share(tokens("quick brown cat jumps")) == 0.0
    assert o.share(tokens("lazy dog")) == 1.0  # a short block: as a phrase
    assert Overlap(None).share(tokens("anything at all")) == 0.0


# ------------------------------------------------------------------ the extract stage
def test_article_blocks_stay_and_page_furniture_goes() -> None:
    doc = cleaner.clean(page(ARTICLE), format="html")
    assert doc.status == "ok"
    for p in PARAS:
        assert p in doc.text
    for junk in ("Section 3", "Another story about the city", "Comment 2:", "Copyright 2026"):
        assert junk not in doc.text
    # the leading title repeat goes
    assert not doc.text.startswith("Ferry terminal to open in spring")


def test_split_article_in_sibling_containers_is_kept_whole() -> None:
    first = "".join(f"<p>{p}</p>" for p in PARAS[:2])
    second = "".join(f"<p>{p}</p>" for p in PARAS[2:])
    html = page(
        f'<div class="story-body">{first}</div><div class="ad"><p>Advertisement</p></div>'
        f'<div class="story-body">{second}</div>'
    )
    text = cleaner.clean(html, format="html").text
    for p in PARAS:
        assert p in text


def test_embed_inside_the_article_is_evidence_not_a_deletion() -> None:
    tweet = (
        '<blockquote class="twitter-tweet"><p>The new terminal looks great from the water this morning, '
        "well worth the wait for everyone who commutes across the bay</p>&mdash; Harbour Watch "
        '(@harbourwatch) <a href="https://twitter.com/x/status/1">March 3, 2026</a></blockquote>'
    )
    html = page("".join(f"<p>{p}</p>" for p in PARAS[:2]) + tweet + "".join(f"<p>{p}</p>" for p in PARAS[2:]))
    doc = cleaner.clean(html, format="html")
    assert "well worth the wait" in doc.text
    for p in PARAS:
        assert p in doc.text
    # the same text through trafilatura and the rule packs alone loses the embed's attribution line
    plain = cleaner.Pipeline.from_yaml(_config(method="trafilatura")).clean(html, format="html")
    assert any(r["rule"] == "common.tweet-embed" for r in plain.removed) or "@harbourwatch" not in plain.text


def _config(**extract: object) -> str:
    import tempfile

    import yaml

    fd = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    yaml.safe_dump({"extends": "default", "settings": {"extract": dict(extract)}}, fd)
    fd.close()
    return fd.name


def test_markdown_output_keeps_structure() -> None:
    art = (
        "<h2>What changes for passengers</h2><p>" + PARAS[0] + " It is <strong>important</strong>.</p>"
        "<ul><li>Tickets at machines in the hall</li><li>Tickets on the phone app</li></ul><p>"
        + PARAS[1]
        + "</p><p>"
        + PARAS[2]
        + "</p>"
    )
    pipe = cleaner.Pipeline.from_yaml(_config(output_format="markdown"))
    doc = pipe.clean(page(art), format="html")
    rec = doc.to_record()
    assert rec["text_format"] == "markdown"
    assert "## What changes for passengers" in doc.text
    assert "- Tickets at machines in the hall\n- Tickets on the phone app" in doc.text  # one list
    assert "## What changes for passengers\n\n" in doc.text  # blocks apart by a blank line
    assert "**important**" in doc.text
    plain = cleaner.clean(page(art), format="html")
    assert "text_format" not in plain.to_record()
    assert "**" not in plain.text and "## " not in plain.text


def test_cli_output_format_markdown(tmp_path: Path) -> None:
    art = "<h2>What changes for passengers</h2>" + ARTICLE
    src = tmp_path / "in"
    src.mkdir()
    (src / "ferry.html").write_text(page(art), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "cleaner",
            "clean",
            str(src),
            "-o",
            str(out),
            "--output-format",
            "markdown",
            "--workers",
            "1",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    rec = json.loads(out.read_text().splitlines()[0])
    assert rec["text_format"] == "markdown" and "## What changes for passengers" in rec["text"]
    bad = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(src), "-o", str(out), "--output-format", "rst"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "--output-format" in bad.stderr


def test_broken_model_file_is_a_config_error(tmp_path: Path) -> None:
    y = tmp_path / "m.yaml"
    y.write_text("arrays: missing.npz\nthreshold: 0.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing.npz"):
        HtmlModel.load(str(y))


def test_shipped_model_matches_features_and_is_package_data() -> None:
    model = HtmlModel.load()
    assert model.block.n_features == len(FEATURES)
    assert 0 < model.threshold < 1
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "*.npz" in data["tool"]["setuptools"]["package-data"]["cleaner._rules"]
    assert (REPO / "rules" / "htmlmodel.npz").is_file() and (REPO / "rules" / "htmlmodel.yaml").is_file()


def test_empty_and_textless_pages() -> None:
    for html in ("<html><body></body></html>", "<html><body><script>x()</script></body></html>"):
        doc = cleaner.clean(html, format="html")
        assert doc.status in ("ok", "dropped")
        assert doc.text == ""


def test_probabilities_follow_the_votes() -> None:
    pg = blocks_of(parse(page(ARTICLE)))
    text = "\n".join(PARAS)
    X = features(pg, text, text)
    p = HtmlModel.load().probabilities(pg, X)
    art = [i for i, b in enumerate(pg.blocks) if b.text in PARAS]
    other = [i for i, b in enumerate(pg.blocks) if b.text not in PARAS and "Comment" in b.text]
    assert len(art) == 4 and other
    assert np.min(p[art]) > np.max(p[other])
