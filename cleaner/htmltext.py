"""Every visible line of an HTML page, as a naive scraper would keep it.

Used when trafilatura's extraction comes back (nearly) empty: the line
classifier then picks the article from the page's visible lines instead.
"""

from __future__ import annotations

import re

_BLOCK = frozenset(
    "address article aside blockquote body br dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol option p pre section table tbody td tfoot th thead "
    "title tr ul".split()
)
_SKIP = frozenset("script style noscript template svg iframe head object embed canvas select".split())
_WS = re.compile(r"\s+")
# an inline style that hides the element: display:none or visibility:hidden
_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)", re.I
)


def is_hidden(el: object) -> bool:
    """Whether an element is hidden by its own markup: the ``hidden``
    attribute, or an inline display:none / visibility:hidden."""
    attrib = el.attrib  # type: ignore[attr-defined]
    if not attrib:
        return False
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style) is not None


def visible_lines(html: str) -> list[str]:
    """The page's visible text, one line per block element, blank lines dropped."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    parts: list[str] = []
    stack = [(root, False)]
    # iterative walk: deep pages must not exhaust Python's recursion limit
    while stack:
        el, closing = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if closing:
            if tag in _BLOCK:
                parts.append("\n")
            if el.tail:
                parts.append(el.tail)
            continue
        if tag in _SKIP or not tag or is_hidden(el):
            if el.tail:
                parts.append(el.tail)
            continue
        if tag in _BLOCK:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        stack.append((el, True))
        for child in reversed(el):
            stack.append((child, False))
    out = []
    for line in "".join(parts).split("\n"):
        line = _WS.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


_META_TAG = re.compile(r"<meta\b[^>]{0,2000}>", re.I)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_TITLE = re.compile(r"<title[^>]{0,500}>(.{0,2000}?)</title>", re.I | re.S)
_CANONICAL = re.compile(r"""<link\b[^>]{0,500}rel\s*=\s*["']?canonical["']?[^>]{0,500}>""", re.I)
_META_KEYS = {
    "og:title": "title",
    "twitter:title": "title",
    "author": "author",
    "article:author": "author",
    "dc.creator": "author",
    "og:site_name": "sitename",
    "application-name": "sitename",
    "og:url": "url",
    "article:published_time": "date",
    "date": "date",
    "dc.date": "date",
    "pubdate": "date",
    "og:description": "description",
    "description": "description",
}


def head_metadata(html: str) -> dict[str, str]:
    """Title, author, date, URL and site name from the page's <head> tags (cheap)."""
    import html as htmllib

    head = html[:200_000]
    end = head.lower().find("</head>")
    if end > 0:
        head = head[:end]
    found: dict[str, str] = {}
    for tag in _META_TAG.findall(head):
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(tag)
        }
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        field = _META_KEYS.get(key)
        value = attrs.get("content", "").strip()
        if field and value and field not in found:
            found[field] = htmllib.unescape(value)[:1000]
    if "title" not in found:
        m = _TITLE.search(head)
        if m:
            title = _WS.sub(" ", htmllib.unescape(m.group(1))).strip()
            if title:
                found["title"] = title
    if "url" not in found:
        m = _CANONICAL.search(head)
        if m:
            href = _ATTR.findall(m.group(0))
            for name, a, b, c in href:
                if name.lower() == "href":
                    found["url"] = a or b or c
    if "date" in found:
        found["date"] = found["date"][:10] if re.match(r"\d{4}-\d{2}-\d{2}", found["date"]) else found["date"]
    return found
