"""An HTML page cut into blocks that keep their place in the tree.

One lxml parse; a walk that gives every run of visible text to the innermost
block element around it (paragraph, heading, list item, blockquote, figure
caption, table row, pre, or a ``div``-like container's own loose text). Each
:class:`Block` keeps its text, its markdown, its link characters, its owner
element's tag, depth and ancestor chain, and the class/id words of its
ancestors: what the block model (:mod:`cleaner.htmlmodel`) reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from cleaner.htmltext import is_hidden

# elements that start a block of their own
BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody thead tfoot tr ul "
    "caption center menu".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template svg iframe head object embed canvas select option button input textarea "
    "math link meta title".split()
)
_EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
# ancestors' tags worth a feature each
ANCESTOR_TAGS = ("article", "main", "nav", "header", "footer", "aside", "form", "li", "table", "figure", "a")
_WS = re.compile(r"\s+")
_BR = "\x1e"  # a <br> while a block's text is gathered (the source's own line breaks are white space)
_CLASS_SPLIT = re.compile(r"[^a-z]+")


@dataclass(slots=True)
class Block:
    """A run of visible text owned by one block element."""

    text: str  # plain text; "\n" only from <br> and <pre>
    markdown: str
    tag: str  # the owner's tag (``tr`` for a table row)
    depth: int  # the owner's depth in the tree
    path: tuple[int, ...]  # ids of the owner's ancestors, root first, the owner last
    link_chars: int
    links: int
    ancestor_tags: frozenset[str]
    words: str  # class and id words of the owner and its ancestors (nearest first), space-joined
    near_words: str  # ... of the owner and its 3 nearest ancestors
    signature: tuple[str, ...]  # tag.class of each ancestor (for twin containers)
    heading: int = 0  # 1..6 for h1..h6
    ordered: bool = False  # a list item of an <ol>
    table: int = -1  # the id of the <table> a row belongs to
    itemprop_body: bool = False  # inside itemprop="articleBody"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    blocks: list[Block]
    title: str  # <title>, og:title or the first h1
    article_body: str  # schema.org articleBody text from JSON-LD (may be "")
    n_elements: int


def _classes(el: Any) -> str:
    a = el.attrib
    if not a:
        return ""
    c = (a.get("class") or "") + " " + (a.get("id") or "")
    role = a.get("role") or ""
    itemprop = a.get("itemprop") or ""
    return " ".join(w for w in _CLASS_SPLIT.split((c + " " + role + " " + itemprop).lower()) if w)


def _json_article_body(scripts: list[str]) -> str:
    """The longest ``articleBody`` (or ``text`` of an Article) in the page's JSON-LD."""
    best = ""

    def walk(x: Any, depth: int = 0) -> None:
        nonlocal best
        if depth > 12:
            return
        if isinstance(x, dict):
            for k, v in x.items():
                if (
                    k in ("articleBody", "text")
                    and isinstance(v, str)
                    and len(v) > len(best)
                    and len(v) > 200
                ):
                    best = v
                elif isinstance(v, (dict, list)):
                    walk(v, depth + 1)
        elif isinstance(x, list):
            for v in x[:200]:
                walk(v, depth + 1)

    for s in scripts:
        if "articleBody" not in s and '"text"' not in s:
            continue
        try:
            walk(json.loads(s.strip().rstrip(";")))
        except (ValueError, RecursionError):
            continue
    return best


def parse(html: str) -> Any:
    """The page's lxml tree, or None when lxml cannot read it."""
    import lxml.html
    from lxml import etree

    if not html or not html.strip():
        return None
    try:
        return lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        try:  # a str with an XML encoding declaration
            return lxml.html.fromstring(html.encode("utf-8", "replace"))
        except (etree.ParserError, ValueError):
            return None


def blocks_of(root: Any) -> Page:
    """Cut a parsed page into blocks (iteratively: deep pages do not exhaust the stack)."""
    blocks: list[Block] = []
    scripts: list[str] = []
    title = ""
    h1 = ""
    n_block = 0
    n_el = 0

    # state of the open block: the owner frame, text pieces, markdown pieces, link chars
    class Frame:
        __slots__ = (
            "el",
            "tag",
            "depth",
            "path",
            "anc",
            "words",
            "near",
            "sig",
            "heading",
            "ordered",
            "table",
            "body",
            "cells",
        )
        el: Any
        tag: str
        depth: int
        path: tuple[int, ...]
        anc: frozenset[str]
        words: str
        near: str
        sig: tuple[Any, ...]
        heading: int
        ordered: bool
        table: int
        body: bool
        cells: int

    text: list[str] = []
    md: list[str] = []
    link = [0, 0]
    in_link = 0

    def flush(fr: Any) -> None:
        if not text:
            return
        raw = "".join(text)
        t = _clean(raw, fr.tag == "pre") if not raw.isspace() else ""
        if t:
            m = _clean("".join(md), fr.tag == "pre")
            blocks.append(
                Block(
                    t,
                    m,
                    fr.tag,
                    fr.depth,
                    fr.path,
                    min(link[0], len(t)),
                    link[1],
                    fr.anc,
                    fr.words,
                    fr.near,
                    fr.sig,
                    fr.heading,
                    fr.ordered,
                    fr.table,
                    fr.body,
                )
            )
        text.clear()
        md.clear()
        link[0] = link[1] = 0

    for el in root.iter("script", "title"):  # the head's title and JSON-LD (the walk skips <head>)
        if el.tag == "title":
            if not title and el.text:
                title = el.text
        elif (el.get("type") or "").lower() == "application/ld+json" and el.text:
            scripts.append(el.text)
    # the walk: (element, frame of its block, closing?)
    root_frame = Frame()
    root_frame.el, root_frame.tag, root_frame.depth, root_frame.path = root, "html", 0, (0,)
    root_frame.anc, root_frame.words, root_frame.near, root_frame.sig = frozenset(), "", "", ()
    root_frame.heading, root_frame.ordered, root_frame.table, root_frame.body, root_frame.cells = (
        0,
        False,
        -1,
        False,
        0,
    )
    stack: list[tuple[Any, Any, int]] = [(root, root_frame, 0)]
    # per element (while open): its frame, for children
    while stack:
        el, fr, state = stack.pop()
        if state == 2:  # closing an inline element of a block
            tag = el.tag
            if tag == "a":
                in_link -= 1
            elif tag in _EMPHASIS:
                md.append(_EMPHASIS[tag])
            if el.tail:
                text.append(el.tail)
                md.append(el.tail)
                if in_link:
                    link[0] += len(el.tail)
            continue
        if state == 1:  # closing a block element: its text ends; the tail belongs to the parent block
            flush(fr)
            if el.tail:
                text.append(el.tail)
                md.append(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:  # comments, processing instructions
            if el.tail:
                text.append(el.tail)
                md.append(el.tail)
            continue
        tag = tag.lower()
        n_el += 1
        if tag in SKIP_TAGS or is_hidden(el):
            if el.tail:
                text.append(el.tail)
                md.append(el.tail)
            continue
        if tag in BLOCK_TAGS or tag in ("td", "th") and fr.tag != "tr":
            flush(fr)
            nf = Frame()
            nf.el, nf.tag, nf.depth = el, tag, fr.depth + 1
            n_block += 1  # the element's number (never id(): lxml's proxies come and go, and ids are reused)
            nf.path = fr.path + (n_block,)
            nf.anc = fr.anc | {tag} if tag in ANCESTOR_TAGS else fr.anc
            cls = _classes(el)
            nf.words = (cls + " " + fr.words).strip() if cls else fr.words
            nf.near = " ".join(x for x in (cls, fr.near) if x)[:300] if cls else fr.near
            nf.sig = fr.sig + (tag + "." + ".".join(sorted((el.get("class") or "").split())[:3]),)
            nf.heading = int(tag[1]) if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" else fr.heading
            nf.ordered = tag == "ol" or (fr.ordered and tag not in ("ul",))
            nf.table = n_block if tag == "table" else fr.table
            nf.body = fr.body or (el.get("itemprop") or "").lower() == "articlebody"
            nf.cells = 0
            if tag == "h1" and not h1:
                h1 = "".join(el.itertext())
            stack.append((el, nf, 1))
            if el.text:
                text.append(el.text)
                md.append(el.text)
            for child in reversed(el):
                stack.append((child, nf, 0))
            continue
        # inline element (or a cell of the open row)
        if tag in ("td", "th"):
            if fr.cells:
                text.append(" ")
                md.append(" | ")
            fr.cells += 1
        elif tag == "br":
            text.append(_BR)
            md.append(_BR)
        elif tag == "a":
            in_link += 1
            link[1] += 1
        elif tag in _EMPHASIS:
            md.append(_EMPHASIS[tag])
        elif tag == "img":
            pass
        stack.append((el, fr, 2))
        if el.text:
            text.append(el.text)
            md.append(el.text)
            if in_link:
                link[0] += len(el.text)
        for child in reversed(el):
            stack.append((child, fr, 0))
    flush(root_frame)
    page_title = _WS.sub(" ", title).strip() or _WS.sub(" ", h1).strip()
    return Page(blocks, page_title, _json_article_body(scripts), n_el)


def _clean(s: str, pre: bool) -> str:
    """A block's text: white space collapsed (the source's line breaks are spaces), a line per <br>;
    in <pre>, the text as it is."""
    if pre:
        return s.replace(_BR, "\n").strip("\n").rstrip()
    if _BR not in s:
        return " ".join(s.split())
    return "\n".join(ln for ln in (" ".join(part.split()) for part in s.split(_BR)) if ln)


def markdown_of(b: Block, first_row: bool) -> str:
    """A kept block as markdown: heading marks, list bullets, quotes, table rows, fenced pre."""
    m = b.markdown.replace("****", "").replace("** **", " ")
    if b.tag == "pre":
        return "```\n" + b.text + "\n```"
    if b.heading and b.tag[0] == "h":
        return "#" * b.heading + " " + b.text
    if b.tag == "li":
        return ("1. " if b.ordered else "- ") + m
    if b.tag == "blockquote" or any(s.startswith("blockquote.") for s in b.signature):
        return "> " + m
    if b.tag == "tr":
        row = "| " + m + " |"
        if first_row:
            row += "\n|" + " --- |" * (m.count(" | ") + 1)
        return row
    return m
