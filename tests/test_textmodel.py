"""The text model in the boilerplate stage: region first, then lines; rules bounded by the model.

Checked on the bundled fixtures and on dumps written the way scrapers write
them (inscriptis' list markers, html2text's markdown): what goes and why, that
the output keeps the article's own lines as they came, that a section rule
stops at the article text after it, and that a broken model file is refused
with the file named.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import cleaner
from cleaner.errors import ConfigError
from cleaner.textmodel.model import OUTSIDE, TextModel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

ARTICLE = [
    "Riverton’s city council voted late on Tuesday to close Old Market Square and three neighboring streets to "
    "cars on Saturdays and Sundays, starting with a six-month trial in May that supporters hope will bring more "
    "shoppers and street life back to the historic center.",
    "The measure passed five votes to four after a debate that lasted almost six hours and drew more than 80 "
    "residents to the council chamber, many of them holding signs for or against the plan.",
    "“We have spent twenty years talking about how to bring people back downtown. This is a modest experiment, "
    "and if it fails, we will say so and change course,” said Mayor Linda Okafor.",
    "Several retailers said they feared losing customers who drive in from the surrounding farm towns and expect "
    "to park near the door, and the chamber of commerce asked for a review after three months.",
    "Traffic engineers told the council that weekend traffic on the streets around the square had fallen by "
    "about a quarter since 2019, as more shoppers moved to the retail park on the edge of town.",
    "The city will count pedestrians at six points around the square and survey businesses on their weekend "
    "sales before the trial, halfway through it and at the end of it in November.",
]
MENU = [
    "Home",
    "News",
    "Local",
    "Politics",
    "Business",
    "Sport",
    "Opinion",
    "Weather",
    "Obituaries",
    "Contact us",
]
FOOTER = [
    "About us",
    "Advertise with us",
    "Privacy Policy",
    "Terms of Use",
    "Cookie settings",
    "© 2024 Riverton Ledger. All rights reserved.",
]


def inscriptis_page() -> str:
    """A page as inscriptis dumps it: an indented menu of "*" items, the article, a footer list."""
    lines = ["Skip to main content", ""]
    lines += [f"    * {m}" for m in MENU] + [""]
    lines += ["Riverton Council Votes to Close Old Market Square to Cars on Weekends", ""]
    for p in ARTICLE:
        lines += [p, ""]
    lines += [f"    * {f}" for f in FOOTER]
    return "\n".join(lines)


def markdown_page() -> str:
    """The same page as html2text writes it: links, a heading, paragraphs wrapped at 78 columns."""
    lines = [f"  * [{m}](/{m.lower().replace(' ', '-')})" for m in MENU] + [""]
    lines += ["# Riverton Council Votes to Close Old Market Square to Cars on Weekends", ""]
    for p in ARTICLE:
        lines += textwrap.wrap(p, 78) + [""]
    lines += [f"  * [{f}](/legal)" for f in FOOTER]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def model() -> TextModel:
    return TextModel.load()


def test_an_inscriptis_dump_loses_menu_and_footer_and_keeps_the_article() -> None:
    doc = cleaner.clean(inscriptis_page(), format="text")
    kept = [ln.text.strip() for ln in doc.lines if ln.kept and ln.text.strip()]
    assert all(p in kept for p in ARTICLE)
    assert not any(f"* {m}" in kept for m in MENU + FOOTER)
    assert "Skip to main content" not in kept
    # every removal names its rule or the model's reason
    assert all(r["rule"] for r in doc.removed)
    assert any(r["rule"].startswith("classifier.") for r in doc.removed)


def test_a_markdown_dump_stays_markdown_and_its_wrapped_paragraphs_stay_whole() -> None:
    raw = markdown_page()
    doc = cleaner.clean(raw, format="text")
    out = doc.text.split("\n")
    # the output holds the input's own lines, in order (markdown stays markdown)
    src = raw.split("\n")
    it = iter(src)
    assert all(any(line == s for s in it) for line in out if line)
    # every wrapped line of the article is kept, none of the menu's links
    for p in ARTICLE:
        for piece in textwrap.wrap(p, 78):
            assert piece in out
    assert not any(line.lstrip().startswith("* [") for line in out)


# a blog's category list as html2text writes it: each link carries its "title", a
# paragraph that html2text wraps over lines with the link's URL
CATEGORIES = [
    (
        "Basics",
        "This section features tutorials on all the basics of web design. Using web sites should be easy "
        "and pleasant, just like a great experience in a shop, hotel, or library.",
        41,
    ),
    (
        "Blog",
        "Our goal is to publish information that reflects what we learn. We want you to interact with us, "
        "tell us what you're up to and we may feature you on the site.",
        117,
    ),
    (
        "Business of Web Design",
        "There's a lot more to being a web designer than design. This section provides guidelines from our "
        "experience of running web teams and our own agency.",
        27,
    ),
    (
        "Copy Writing",
        "Writing effective copy is the art of saying what the reader needs to hear. This section aims to "
        "demystify the art of writing good copy for your website's visitors.",
        12,
    ),
    (
        "Usability",
        "In the early days of the web, people relied on their instincts. A web usability testing industry "
        "emerged, which has taught us a lot about where things go wrong.",
        9,
    ),
]


def test_markdown_links_are_read_as_their_text_wherever_html2text_wraps_them() -> None:
    """A link's target (URL and title) is not the page's words: a category list whose
    titles read like prose goes, and an article line that holds the rest of a wrapped
    link stays with its paragraph (the output's links stay whole)."""
    site = "http://www.riverton-ledger.com"
    lines = [f"  * [{m}]({site}/{m.lower().replace(' ', '-')}/)" for m in MENU] + [""]
    lines += ["# Riverton Council Votes to Close Old Market Square to Cars on Weekends", ""]
    article = list(ARTICLE)
    article[2] = article[2].replace(
        "said Mayor Linda Okafor.",
        f"said [Mayor Linda Okafor]({site}/topics/people/mayor-linda-okafor-of-riverton/).",
    )
    wrapped = [textwrap.wrap(p, 78) for p in article]
    for pieces in wrapped:
        lines += pieces + [""]
    assert any(piece.startswith("ledger.com/topics/") for piece in wrapped[2])  # the URL broke over lines
    lines += ["## Web Design Articles and Tutorials", ""]
    listing = []
    for name, title, n in CATEGORIES:
        slug = name.lower().replace(" ", "-")
        listing += textwrap.wrap(
            f'  * [{name}]({site}/category/{slug}/ "{title}") ({n})', 78, break_long_words=False
        )
    lines += listing
    doc = cleaner.clean("\n".join(lines), format="text")
    kept = [ln.text.strip() for ln in doc.lines if ln.kept and ln.text.strip()]
    for pieces in wrapped:
        assert all(piece.strip() in kept for piece in pieces)
    assert not any(line.strip() in kept for line in listing)


def test_the_rest_of_a_link_broken_over_lines_stays_with_its_paragraph(model: TextModel) -> None:
    """In a dump that is not hard-wrapped, a line that starts inside a link's target (the
    URL's tail) is a unit of its own with no words; it goes or stays with the line its
    link began on, and so does the model's article region (the output's links stay whole)."""
    lines = []
    for p in ARTICLE[:3]:
        lines += [p, ""]
    lines += [
        "The full report, with the votes of every member, is on the [council's website]"
        "(http://www.riverton-ledger.com/council/reports/2024/",
        "old-market-square-weekend-trial-report.pdf).",
        "",
    ]
    for p in ARTICLE[3:]:
        lines += [p, ""]
    judged = model.judge(lines, "en")
    at = lines.index(next(ln for ln in lines if ln.startswith("The full report")))
    assert judged.keep[at] and judged.keep[at + 1]
    assert judged.inside[at + 1] == judged.inside[at] and judged.sure[at + 1] == judged.sure[at]


def test_the_model_judges_lines_and_names_its_reasons(model: TextModel) -> None:
    lines = inscriptis_page().split("\n")
    j = model.judge(lines, "en")
    assert len(j.keep) == len(lines) and len(j.code) == len(lines)
    for i, line in enumerate(lines):
        if not line.strip():
            assert j.keep[i] and j.reason(i) is None  # blank lines are not judged
        elif not j.keep[i]:
            assert j.reason(i) is not None and j.reason(i).startswith("classifier.")
    body = [i for i, line in enumerate(lines) if line in ARTICLE]
    assert j.inside[body].all() and j.keep[body].all()
    menu = [i for i, line in enumerate(lines) if line.strip().lstrip("* ") in MENU]
    assert not j.keep[menu].any()
    assert OUTSIDE in {j.reason(i) for i in menu} or all(j.reason(i) for i in menu)


def test_a_section_rule_stops_at_the_article_text_after_its_box() -> None:
    """A "Most Read" box in the middle of an article takes its list, not the paragraphs after it."""
    box = [
        "Most Read",
        "Stolen bike returned after 30 years",
        "Bakery wins regional bread prize",
        "Storm closes coastal road overnight",
    ]
    lines = ["Riverton Council Votes to Close Old Market Square to Cars on Weekends", ""]
    for k, p in enumerate(ARTICLE):
        lines += [p, ""]
        if k == 2:
            lines += box + [""]
    doc = cleaner.clean("\n".join(lines), format="text")
    kept = {ln.text for ln in doc.lines if ln.kept}
    assert all(p in kept for p in ARTICLE), [r for r in doc.removed if r["text"] in ARTICLE]
    assert "Most Read" not in kept
    assert not any(b in kept for b in box[1:])


@pytest.mark.parametrize("where", ["top", "middle"])
def test_a_section_rule_stops_at_a_hard_wrapped_paragraph(where: str) -> None:
    """html2text's markdown wraps paragraphs at 78 columns: no line alone has a paragraph's
    words and end, yet the section stops at the paragraph (the text model's wrapped unit),
    whether the box is a menu above the article or in its middle; before, the section ran to
    the end of the page and the document came out empty."""
    box = [
        "### Most Read",
        "",
        "  * [Stolen bike returned after 30 years](/news/stolen-bike)",
        "  * [Bakery wins regional bread prize](/news/bakery-prize)",
        "  * [Storm closes coastal road overnight](/news/storm-road)",
    ]
    lines = ["  * [Home](/)", "  * [News](/news)", ""]
    if where == "top":
        lines += box + [""]
    lines += ["# Riverton Council Votes to Close Old Market Square to Cars on Weekends", ""]
    for k, p in enumerate(ARTICLE):
        lines += [*textwrap.wrap(p, 78), ""]
        if k == 2 and where == "middle":
            lines += box + [""]
    doc = cleaner.clean("\n".join(lines), format="text")
    assert doc.status == "ok", doc.reason
    kept = {ln.text for ln in doc.lines if ln.kept}
    lost = [ln.text for p in ARTICLE for ln in doc.lines if ln.text in textwrap.wrap(p, 78) and not ln.kept]
    assert not lost, [r for r in doc.removed if r["text"] in lost]
    assert not any(b in kept for b in box if b.strip())


@pytest.mark.parametrize("link", ["near-the-end", "first-words"])
@pytest.mark.parametrize("where", ["top", "middle"])
def test_a_section_rule_stops_at_a_paragraph_broken_at_its_links(where: str, link: str) -> None:
    """BeautifulSoup's ``get_text("\\n")`` breaks a paragraph at each link (its text nodes
    joined by newlines): no line alone has a paragraph's words and end, yet the section stops
    at the paragraph (a block of lines without a blank between them), at its first line even
    where the paragraph opens with a link the model is less sure of; before, the section ran
    on and took the article."""

    def nodes(*texts: str) -> list[str]:  # what get_text("\\n") writes of a run of text nodes
        return "\n".join(texts).split("\n")

    box = nodes("Most Read", "Stolen bike returned after 30 years", "Bakery wins regional bread prize")
    lines = nodes("Home", "News") + (box if where == "top" else [])
    lines += ["Riverton Council Votes to Close Old Market Square"]
    pieces = []
    for k, p in enumerate(ARTICLE):
        w = p.split(" ")  # a link on two words, as a story links a name or a place
        if link == "near-the-end":
            piece = nodes(" ".join(w[:-3]) + " ", " ".join(w[-3:-1]), " " + w[-1])
        else:
            piece = nodes(w[0] + " ", " ".join(w[1:3]), " " + " ".join(w[3:]))  # "The [Xbox One] ..."
        pieces += piece
        lines += ["", *piece, ""]
        if k == 2 and where == "middle":
            lines += box
    doc = cleaner.clean("\n".join(lines), format="text")
    assert doc.status == "ok", doc.reason
    kept = " ".join(" ".join(ln.text.split()) for ln in doc.lines if ln.kept)
    taken = [r for r in doc.removed if r["rule"] == "en.story-lists" and r["text"] in pieces]
    assert not taken, taken  # the section took no piece of the article
    assert all(" ".join(x.split()) in kept for x in pieces if len(x.split()) >= 8)  # the prose stays
    assert "Stolen bike returned" not in kept and "Most Read" not in kept


def test_the_threshold_setting_moves_the_inside_cut(tmp_path: Path) -> None:
    """Short lines between the paragraphs (a credit, a time stamp, a teaser, a one-sentence
    paragraph) are where the model is less sure: the inside threshold decides them."""
    text = inscriptis_page()
    extra = [
        "Photo: Riverton Ledger staff",
        "Updated 4:12 pm",
        "Read more: Council approves new bus routes",
        "The vote was close.",
        "Map of the square",
    ]
    for para, line in zip(ARTICLE[1:6], extra, strict=True):
        text = text.replace(para, f"{line}\n\n{para}")

    def kept(threshold: float) -> int:
        cfg = tmp_path / f"t{threshold}.yaml"
        cfg.write_text(
            f"extends: default\nsettings:\n  boilerplate: {{threshold: {threshold}}}\n", encoding="utf-8"
        )
        doc = cleaner.Pipeline.from_yaml(cfg).clean(text, format="text")
        return sum(1 for ln in doc.lines if ln.kept and ln.text.strip())

    default = sum(1 for line in cleaner.clean(text, format="text").text.split("\n") if line.strip())
    loose, tight = kept(0.05), kept(0.99)
    assert loose >= default >= tight
    assert loose > tight


def test_a_broken_model_is_refused_with_its_file_named(tmp_path: Path, model: TextModel) -> None:
    from cleaner.resources import rules_dir

    src = (rules_dir() / "textmodel.yaml").read_text(encoding="utf-8")
    (tmp_path / "textmodel.yaml").write_text(src, encoding="utf-8")
    with pytest.raises(ConfigError, match="textmodel.npz"):  # arrays missing
        TextModel.load(tmp_path / "textmodel.yaml")
    arrays = dict(np.load(rules_dir() / "textmodel.npz"))
    arrays["line.leaf"] = arrays["line.leaf"][:, :-1]
    np.savez(tmp_path / "textmodel.npz", **arrays)
    with pytest.raises(ConfigError, match="textmodel"):
        TextModel.load(tmp_path / "textmodel.yaml")
    (tmp_path / "textmodel.npz").unlink()
    np.savez(tmp_path / "textmodel.npz", **dict(np.load(rules_dir() / "textmodel.npz")))
    (tmp_path / "textmodel.yaml").write_text(src.replace("decision:", "decision_x:"), encoding="utf-8")
    with pytest.raises(ConfigError, match="decision"):
        TextModel.load(tmp_path / "textmodel.yaml")
