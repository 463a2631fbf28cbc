"""The site-split text-mode corpus: every evaluation page, dumped as scrapers dump it, with line labels.

The four sets of ``shared/eval`` (see :mod:`evalsets`): readability (without its
synthetic unit-test pages), trafilatura-eval, wcxb-dev and dragnet. Each page is
turned into the text a scraper would hand to ``cleaner`` in every shape of
:data:`SHAPES`, and each line of a dump is labelled by aligning it with the
page's gold (1 article, 0 junk, -1 unknown: the trafilatura set has snippets,
not a whole gold text).

The split is by site, fixed once: a hash of the page's registered domain puts
the whole site into ``fit`` (60%), ``val`` (20%) or ``test`` (20%). Models are
fitted on ``fit``, settings chosen on ``val``, and every figure a claim rests on
comes from ``test``, which no choice ever looks at.

    python benchmarks/corpus.py            # build the cache (about 15 minutes on 2 cores), print its size
    python benchmarks/corpus.py --stats    # pages and lines per set, shape and split

Cached in ``benchmarks/.cache/corpus/`` (gitignored). Nothing here imports ``cleaner``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evalsets  # noqa: E402

VERSION = 6  # bump when a dump, a label or the split changes: the cache is rebuilt
CACHE = HERE / ".cache" / "corpus" / f"v{VERSION}"
SETS = ("readability", "trafilatura", "wcxb", "dragnet")
NEWS_SETS = ("readability", "trafilatura", "dragnet")  # news and blogs; wcxb has 7 page types
SHAPES = ("inscriptis", "bs4", "markdown", "lxml", "container")
SHAPE_HELP = {
    "inscriptis": "every visible line as inscriptis writes it (list items marked *, o, +; table cells padded)",
    "bs4": 'BeautifulSoup get_text("\\n")',
    "markdown": "html2text markdown (# headings, * items, [text](url) links, wrapped at 78; unicode kept)",
    "lxml": "lxml text with a newline per block (evalsets.text_dump)",
    "container": "the text of the page's <article> (the longest) or <main> only; pages without one left out",
}
SPLITS = ("fit", "val", "test")
SPLIT_SALT = b"cleaner-site-split-v1"


# ------------------------------------------------------------------ the split
_SECOND_LEVEL = frozenset("co com org net ac gov edu ne or go gob nic mil".split())


def site_key(host: str) -> str:
    """The registered domain of a host, roughly: ``well.blogs.nytimes.com`` ->
    ``nytimes.com``, ``news.bbc.co.uk`` -> ``bbc.co.uk``. Pages of one site (and of
    its subdomains, which share templates) always land in one part of the split."""
    host = host.lower().strip(".")
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def split_of(site: str) -> str:
    """``fit``, ``val`` or ``test`` for a site (60/20/20 by a fixed hash of its registered domain)."""
    h = hashlib.blake2b(site_key(site).encode("utf-8"), digest_size=8, key=SPLIT_SALT).digest()
    x = int.from_bytes(h, "big") / 2**64
    return "fit" if x < 0.6 else "val" if x < 0.8 else "test"


# ------------------------------------------------------------------ the pages
def is_synthetic(page: evalsets.Page) -> bool:
    """Readability's unit-test fixtures: lorem-ipsum gold or a page under 5 KB of
    HTML (``ol``, ``replace-brs``, ``rtl-1``, ...). Out of fitting and of claims."""
    if page.set != "readability":
        return False
    return "lorem ipsum" in (page.gold or "").lower() or len(page.html.encode("utf-8", "replace")) < 5000


def page_site(page: evalsets.Page) -> str:
    """The page's host: its URL (trafilatura, wcxb), else the URL the page gives
    for itself (readability, dragnet), else its name."""
    if page.url:
        return page.site
    url = evalsets.page_url(page.html)
    if url:
        return evalsets.Page(set=page.set, name=page.name, file=page.file, html="", url=url).site
    return page.site


def load_pages(name: str) -> list[evalsets.Page]:
    """The pages of one set that the corpus uses: readability without its
    synthetic pages, wcxb without its pages of empty gold."""
    pages = {
        "readability": evalsets.readability_pages,
        "trafilatura": evalsets.trafilatura_pages,
        "wcxb": evalsets.wcxb_pages,
        "dragnet": evalsets.dragnet_pages,
    }[name]()
    out = []
    for p in pages:
        if is_synthetic(p):
            continue
        if name != "trafilatura" and not evalsets.tokens(p.gold):
            continue
        out.append(p)
    return out


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)


def page_title(html: str) -> str | None:
    """The text of the page's ``<title>``, entities decoded, white space collapsed."""
    import html as html_lib

    m = _TITLE.search(html[:300_000])
    if not m:
        return None
    t = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())
    return t or None


# ------------------------------------------------------------------ the dumps
def dump_inscriptis(html: str) -> str:
    import inscriptis

    return inscriptis.get_text(html)


def dump_bs4(html: str) -> str:
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml").get_text("\n")


def dump_markdown(html: str) -> str:
    """html2text's markdown with its defaults but ``unicode_snob`` (without it,
    html2text writes "Gasse fur Gasse erzahlt" for "Gasse für Gasse erzählt": a
    loss no cleaning can undo, which would only measure the transliteration)."""
    import html2text

    h = html2text.HTML2Text()
    h.unicode_snob = True
    return h.handle(html)


def dump_lxml(html: str) -> str:
    return evalsets.text_dump(html)


def dump_container(html: str) -> str | None:
    """The visible text of the page's longest ``<article>``, else its ``<main>``; None without either."""
    import lxml.html

    root = evalsets._parse(html)
    if root is None:
        return None
    best, size = None, 0
    for el in root.iter("article"):
        n = len(el.text_content())
        if n > size:
            best, size = el, n
    if best is None:
        best = next(iter(root.iter("main")), None)
    if best is None:
        return None
    return evalsets.text_dump(lxml.html.tostring(best, encoding="unicode"))


DUMPERS = {
    "inscriptis": dump_inscriptis,
    "bs4": dump_bs4,
    "markdown": dump_markdown,
    "lxml": dump_lxml,
    "container": dump_container,
}


def dump(html: str, shape: str) -> str | None:
    """The text dump of a page in one shape (None: the shape does not apply)."""
    return DUMPERS[shape](html)


# ------------------------------------------------------------------ scoring text
# a link's or image's target: "(", the URL and an optional "title", to its ")". html2text
# wraps a long target over lines (breaking the URL at a hyphen, or the title between
# words), so it may hold newlines; a backslash escape or a quoted title may hold a paren.
# Bounded, so that a "](" without its ")" costs little.
_TARGET = r'\((?:\\.|[^()\\"]|"(?:\\.|[^"\\]){0,2000}"|\((?:\\.|[^()\\]){0,500}\)){0,2000}\)'
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]" + _TARGET)
_MD_LINK_TARGET = re.compile(r"\]" + _TARGET)
_MD_AUTOLINK = re.compile(r"<(?:https?|mailto):[^>\s]*>")
_MD_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
_MD_LINE_MARK = re.compile(r"(?m)^([ \t]*)(?:#{1,6}[ \t]+|>[ \t]?)")


def _drop_target(m: re.Match[str]) -> str:
    """A link target left out, the line breaks in it kept (lines keep their places)."""
    return "]" + "\n" * m.group(0).count("\n")


def _image_alt(m: re.Match[str]) -> str:
    """An image: its alt text, the line breaks of its target kept."""
    return m.group(1) + "\n" * m.group(0).count("\n")


def plain(text: str | None) -> str:
    """Text as scored: markdown's markup left out, the words a reader sees kept
    (link and image targets, a target wrapped over lines or with a title too,
    emphasis marks, backslash escapes, heading and quote marks). Lines keep
    their places. Applied to every method's output
    alike, so that a markdown dump is scored on the words it selects."""
    if not text:
        return text or ""
    if "](" in text:
        text = _MD_IMAGE.sub(_image_alt, text)
        text = _MD_LINK_TARGET.sub(_drop_target, text)
    if "<http" in text or "<mailto" in text:
        text = _MD_AUTOLINK.sub("", text)
    if "[" in text:
        text = text.replace("[", "").replace("]", "")
    if "*" in text or "_" in text:
        text = _MD_EMPHASIS.sub(r"\2", text)
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    if "#" in text or ">" in text:
        text = _MD_LINE_MARK.sub(r"\1", text)
    return text


# ------------------------------------------------------------------ labels
def snippet_labels(lines: Sequence[str], with_: Sequence[str], without: Sequence[str]) -> list[int]:
    """Per line 1 (it holds part of a "with" snippet), 0 (part of a "without"
    snippet and of no "with" one) or -1 (unknown), as the snippet metric matches:
    whitespace-normalised substrings of the text."""
    labels = [-1] * len(lines)
    norm = [" ".join(ln.split()) for ln in lines]
    starts, pos = [], 0
    for s in norm:
        starts.append(pos)
        pos += len(s) + 1
    joined = " ".join(norm)
    import bisect

    def mark(snippet: str, value: int) -> None:
        s = " ".join(snippet.split())
        if not s:
            return
        at = joined.find(s)
        if at < 0:
            return
        first = bisect.bisect_right(starts, at) - 1
        last = bisect.bisect_right(starts, at + len(s) - 1) - 1
        for i in range(first, last + 1):
            if norm[i] and (value == 1 or labels[i] != 1):
                labels[i] = value

    for s in without:
        mark(s, 0)
    for s in with_:
        mark(s, 1)
    return labels


def labels_for(page: evalsets.Page, text: str) -> list[int]:
    """The label of each line of ``text`` (``text.split("\\n")``): aligned with the
    gold text, or with the snippets for a page without one; blank lines -1."""
    lines = plain(text).split("\n")
    if page.set == "trafilatura":
        labels = snippet_labels(lines, page.with_, page.without)
    else:
        labels = [lab for _, lab in evalsets.line_labels("\n".join(lines), page.gold)]
    return [-1 if not ln.strip() else lab for ln, lab in zip(lines, labels, strict=True)]


# ------------------------------------------------------------------ the corpus
@dataclass
class Dump:
    """One page in one shape: what a scraper hands over, and its labels."""

    set: str
    id: str
    shape: str
    site: str
    split: str
    page_type: str
    title: str | None  # the article's title, where the set's gold has one
    page_title: str | None  # the page's <title> (what a scraper's record often carries)
    text: str
    labels: list[int]

    @property
    def key(self) -> str:
        return f"{self.set}/{self.id}"


@dataclass
class Gold:
    """A page's gold: a text (readability, wcxb, dragnet) or snippets (trafilatura)."""

    set: str
    id: str
    site: str
    split: str
    page_type: str
    text: str | None
    with_: list[str]
    without: list[str]


def _path(name: str, shape: str) -> Path:
    return CACHE / f"{name}.{shape}.jsonl.gz"


_PAGES: list[evalsets.Page] = []


def _build_one(i: int) -> list[dict[str, Any]]:
    page = _PAGES[i]
    site = page_site(page)
    out = []
    for shape in SHAPES:
        try:
            text = dump(page.html, shape)
        except Exception as exc:  # a dumper crashing on a page is the page's shape missing
            print(
                f"warning: {page.set}/{page.name}: {shape} failed: {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            text = None
        if text is None or not text.strip():
            continue
        out.append(
            {
                "shape": shape,
                "set": page.set,
                "id": page.name,
                "site": site,
                "split": split_of(site),
                "page_type": page.page_type,
                "title": page.title,
                "page_title": page_title(page.html),
                "text": text,
                "labels": labels_for(page, text),
            }
        )
    return out


def build(name: str, workers: int = 2) -> None:
    """Dump and label every page of a set in every shape; write the cache files."""
    import multiprocessing as mp

    global _PAGES
    _PAGES = load_pages(name)
    CACHE.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    outs: dict[str, list[dict[str, Any]]] = {s: [] for s in SHAPES}
    gold = []
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        for k, recs in enumerate(pool.imap(_build_one, range(len(_PAGES)), chunksize=4)):
            for r in recs:
                outs[r["shape"]].append(r)
            if (k + 1) % 200 == 0:
                print(f"  {name}: {k + 1}/{len(_PAGES)} pages, {time.time() - t0:.0f} s", file=sys.stderr)
    for p in _PAGES:
        site = page_site(p)
        gold.append(
            {
                "set": p.set,
                "id": p.name,
                "site": site,
                "split": split_of(site),
                "page_type": p.page_type,
                "text": p.gold if p.set != "trafilatura" else None,
                "with": p.with_,
                "without": p.without,
            }
        )
    for shape, recs in outs.items():
        _write(_path(name, shape), recs)
    _write(_path(name, "gold"), gold)
    _PAGES = []


def _write(path: Path, recs: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _read(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def ensure(sets: Sequence[str] = SETS, workers: int = 2) -> None:
    """Build what the cache lacks (the shared data must be there)."""
    for name in sets:
        if not all(_path(name, s).is_file() for s in (*SHAPES, "gold")):
            print(f"building the {name} corpus (dumps and labels) ...", file=sys.stderr)
            build(name, workers)


def dumps(
    sets: Sequence[str] = SETS, shapes: Sequence[str] = SHAPES, splits: Sequence[str] = SPLITS
) -> list[Dump]:
    """The dumps of the given sets, shapes and splits (building the cache when needed)."""
    ensure(sets)
    out = []
    for name in sets:
        for shape in shapes:
            for r in _read(_path(name, shape)):
                if r["split"] in splits:
                    out.append(Dump(**r))
    return out


def golds(sets: Sequence[str] = SETS) -> dict[str, Gold]:
    """Each page's gold by ``set/id``."""
    ensure(sets)
    out = {}
    for name in sets:
        for r in _read(_path(name, "gold")):
            g = Gold(
                set=r["set"],
                id=r["id"],
                site=r["site"],
                split=r["split"],
                page_type=r["page_type"],
                text=r["text"],
                with_=r["with"],
                without=r["without"],
            )
            out[f"{g.set}/{g.id}"] = g
    return out


def stats() -> str:
    ensure()
    rows = []
    for name in SETS:
        for shape in SHAPES:
            c: Counter[str] = Counter()
            lines: Counter[str] = Counter()
            pos: Counter[str] = Counter()
            for r in _read(_path(name, shape)):
                c[r["split"]] += 1
                lines[r["split"]] += sum(1 for x in r["labels"] if x >= 0)
                pos[r["split"]] += sum(1 for x in r["labels"] if x == 1)
            rows.append([name, shape, *(f"{c[s]} ({lines[s]:,} / {pos[s]:,})" for s in SPLITS)])
    return evalsets.format_table(["set", "shape", *(f"{s}: pages (lines / article)" for s in SPLITS)], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--stats", action="store_true", help="print pages and labelled lines per set, shape and split"
    )
    ap.add_argument("--rebuild", action="store_true", help="build the cache again")
    ap.add_argument("--sets", nargs="*", default=list(SETS), choices=SETS)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if not evalsets.require_eval():
        return 2
    if args.rebuild:
        for name in args.sets:
            build(name, args.workers)
    else:
        ensure(args.sets, args.workers)
    if args.stats:
        print(stats())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
