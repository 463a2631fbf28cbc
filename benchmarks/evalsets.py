"""The shared evaluation sets, their text dumps and their scores.

Importable from scripts in ``benchmarks/`` (``import evalsets``) and from tests
(``sys.path.insert(0, "benchmarks")``). Nothing here imports ``cleaner``.

Data
    :func:`eval_root` finds ``shared/eval`` (env ``CLEANER_SHARED`` names the
    ``shared`` folder; else ``../shared`` next to the repository) and unpacks
    each tarball once into ``benchmarks/.cache/eval/`` (gitignored).
    :func:`readability_pages` and :func:`trafilatura_pages` load the pages.

Text dumps
    :func:`text_dump` is what a naive scraper keeps from a page: every visible
    line, menus and footers included. :func:`gold_text` applies the same logic
    to Readability's ``expected.html``.

Scores (as defined in ``shared/eval/README.md``)
    :func:`shingle_prf`  article-extraction shingle metric (readability pages).
    :func:`snippet_prf`  with/without snippet metric (trafilatura pages).

Labels and baselines
    :func:`line_labels` aligns dump lines with a gold text (1 = article line).
    :func:`c4_filter` is the C4 line heuristic, a baseline for text mode.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache" / "eval"

TARBALLS = {
    "readability": "readability-test-pages.tar.xz",
    "trafilatura": "trafilatura-eval.tar.xz",
    "wcxb": "wcxb-dev.tar.xz",
    "dragnet": "dragnet.tar.xz",
}
# the folder each set is unpacked into (the first two tarballs hold it as their
# top-level folder; wcxb-dev and dragnet hold their files at the top)
FOLDERS = {
    "readability": "readability-test-pages",
    "trafilatura": "trafilatura-eval",
    "wcxb": "wcxb-dev",
    "dragnet": "dragnet",
}
_TOPLESS = frozenset({"wcxb", "dragnet"})
# the sets every benchmark needs; the others are unpacked when asked for
CORE_SETS = ("readability", "trafilatura")


class EvalDataMissing(RuntimeError):
    """The shared evaluation data could not be found."""


# --------------------------------------------------------------------------- data
def shared_eval_dir() -> Path:
    """The folder holding the tarballs: ``$CLEANER_SHARED/eval`` or ``<repo>/../shared/eval``."""
    env = os.environ.get("CLEANER_SHARED")
    shared = Path(env).expanduser() if env else REPO.parent / "shared"
    ev = shared / "eval"
    if not ev.is_dir():
        how = f"CLEANER_SHARED={env!r}" if env else f"default {shared} (set CLEANER_SHARED to override)"
        raise EvalDataMissing(f"evaluation data not found: no folder {ev} ({how})")
    missing = [TARBALLS[k] for k in CORE_SETS if not (ev / TARBALLS[k]).is_file()]
    if missing:
        raise EvalDataMissing(f"evaluation data incomplete: {ev} lacks {', '.join(missing)}")
    return ev


def _unpack(tarball: Path, folder: str, topless: bool = False) -> Path:
    """Unpack ``tarball`` into the cache once; a stamp file records which tarball it came from.
    ``topless``: the tarball holds the folder's files at its top (no top-level folder)."""
    dest = CACHE / folder
    stamp = CACHE / f".{folder}.stamp"
    st = tarball.stat()
    sig = f"{tarball.resolve()} {st.st_size} {int(st.st_mtime)}"
    if dest.is_dir() and stamp.is_file() and stamp.read_text() == sig:
        return dest
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder}.", dir=CACHE))
    try:
        into = tmp / folder if topless else tmp
        with tarfile.open(tarball, "r:*") as tf:
            try:
                tf.extractall(into, filter="data")
            except TypeError:  # Python without extraction filters
                tf.extractall(into)  # noqa: S202 - our own shared data
        src = tmp / folder
        if not src.is_dir():
            raise EvalDataMissing(f"{tarball} has no top-level folder {folder}/")
        if dest.exists():
            shutil.rmtree(dest)
        src.rename(dest)
        stamp.write_text(sig)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def eval_root(sets: Iterable[str] = CORE_SETS) -> Path:
    """The unpacked evaluation data, ``benchmarks/.cache/eval/`` (unpacked on first use).

    It holds ``readability-test-pages/`` and ``trafilatura-eval/``, and the
    other ``sets`` asked for (``wcxb-dev/``, ``dragnet/``). Raises
    :class:`EvalDataMissing` with the paths it tried when the data is absent.
    """
    ev = shared_eval_dir()
    for key in dict.fromkeys([*CORE_SETS, *sets]):
        tarball = ev / TARBALLS[key]
        if not tarball.is_file():
            raise EvalDataMissing(f"evaluation data incomplete: {ev} lacks {TARBALLS[key]}")
        _unpack(tarball, FOLDERS[key], key in _TOPLESS)
    return CACHE


def eval_available() -> bool:
    try:
        shared_eval_dir()
        return True
    except EvalDataMissing:
        return False


def require_eval() -> bool:
    """Unpack the evaluation data; print why and return False when it is missing
    (a benchmark's ``main`` then exits with status 2)."""
    try:
        eval_root()
    except EvalDataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


# ----------------------------------------------------------------------- decoding
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENC = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _codec(name: str | bytes | None) -> str | None:
    import codecs

    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        enc = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    # browsers read latin-1 / ascii declarations as windows-1252
    return "cp1252" if enc in ("latin-1", "iso8859-1", "ascii") else enc


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in ``<meta>`` or its XML declaration (first 8 KB)."""
    head = data[:8192]
    m = _META_CHARSET.search(head) or _XML_ENC.search(head)
    return _codec(m.group(1)) if m else None


def decode_html(data: bytes | str) -> str:
    """Bytes to text for pages of mixed charsets; never raises.

    Order: BOM; strict UTF-8 (valid UTF-8 with non-ASCII bytes is almost never
    anything else), or UTF-8 with replacements when at most 1 in 20 non-ASCII
    characters fails (a stray Latin-1 byte in a script comment); the declared ``<meta>`` charset, if it decodes cleanly;
    charset_normalizer's guess; finally UTF-8 with replacement characters.
    """
    if isinstance(data, str):
        return data
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a stray byte or two (a Latin-1 comment in a script): keep UTF-8
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f") - bad
    if good >= 10 and bad * 20 <= good:
        return text
    enc = declared_charset(data)
    if enc and enc not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding:
            return str(best)
    except Exception:  # pragma: no cover - detector failure on odd input
        pass
    if enc:
        try:
            return data.decode(enc, errors="replace")
        except LookupError:
            pass
    return data.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------- text dump
# dropped with everything inside (their tail text is kept)
SKIP_TAGS = frozenset(
    "head script style noscript template svg math-annotation iframe frame object embed "
    "video audio canvas map title meta link base".split()
)
# a line break before and after each of these
BLOCK_TAGS = frozenset(
    "html body address article aside blockquote br caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr li legend "
    "main menu nav noframes ol option optgroup p pre section select summary table tbody td textarea "
    "tfoot th thead tr ul".split()
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_NOSCRIPT = re.compile(r"<noscript\b[^>]*>.*?</noscript\s*>", re.I | re.S)
_WS = re.compile(r"\s+")


def _parse(html: str):
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    html = _XML_DECL.sub("", html, count=1).replace("\x00", "")
    # a browser with scripting on reads <noscript> as raw text up to </noscript>;
    # libxml2 parses it as markup, and `<noscript><div></noscript>` would swallow the page
    if "<noscript" in html or "<NOSCRIPT" in html:
        html = _NOSCRIPT.sub("", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (ValueError, etree.ParserError):
        try:
            data = html.encode("utf-8", errors="replace")
            parser = lxml.html.HTMLParser(
                remove_comments=True, remove_pis=True, huge_tree=True, encoding="utf-8"
            )
            return lxml.html.document_fromstring(data, parser=parser)
        except (ValueError, etree.ParserError):
            return None


def _hidden(el: Any) -> bool:
    attrib = el.attrib
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def text_dump(html: str) -> str:
    """Every visible line of a page, as a naive scraper keeps it.

    Drops ``<head>``, scripts, styles, ``noscript``, templates, SVG, iframes,
    media, comments and elements hidden with the ``hidden`` attribute or an
    inline ``display:none`` / ``visibility:hidden``. A newline at every
    block-level boundary (``BLOCK_TAGS``, including ``br``, ``li``, ``td``);
    inline elements run together as a browser shows them. Whitespace collapses
    inside lines (``<pre>`` keeps its line breaks), empty lines are dropped.
    Never raises on broken markup: an unparsable page gives ``""``.
    """
    if isinstance(html, bytes):
        html = decode_html(html)
    if not html:
        return ""
    root = _parse(html)
    if root is None:
        return ""
    out: list[str] = []
    push = out.append
    # iterative walk: (element, closing?) pairs; deep pages cannot overflow the stack
    stack: list[tuple[Any, bool]] = [(root, False)]
    pre = 0
    while stack:
        el, closing = stack.pop()
        if closing:
            tag = el.tag
            if tag == "pre":
                pre -= 1
            if tag in BLOCK_TAGS:
                push("\n")
            if el.tail:
                push(_pre_text(el.tail) if pre else el.tail)
            continue
        tag = el.tag
        if not isinstance(tag, str):  # comments, PIs, entities
            if el.tail:
                push(_pre_text(el.tail) if pre else el.tail)
            continue
        if tag[0] == "{":  # namespaced (svg:..., m:...)
            tag = tag.rsplit("}", 1)[1]
        tag = tag.lower()
        if tag in SKIP_TAGS or _hidden(el):
            if el.tail:
                push(_pre_text(el.tail) if pre else el.tail)
            continue
        if tag in BLOCK_TAGS:
            push("\n")
        if tag == "pre":
            pre += 1
        if el.text:
            push(_pre_text(el.text) if pre else el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return _lines("".join(out))


_PRE_NL = "\x1e"  # a newline inside <pre>: survives whitespace collapsing, becomes a line break


def _pre_text(s: str) -> str:
    return s.replace("\r\n", "\n").replace("\n", _PRE_NL)


def _lines(raw: str) -> str:
    lines = []
    for chunk in raw.split("\n"):
        for part in chunk.split(_PRE_NL):
            s = _WS.sub(" ", part).strip()
            if s:
                lines.append(s)
    return "\n".join(lines)


def gold_text(expected_html: str) -> str:
    """Visible text of Readability's ``expected.html`` (same logic as :func:`text_dump`)."""
    return text_dump(expected_html)


# -------------------------------------------------------------------------- pages
@dataclass
class Page:
    """One evaluation page. Attribute access, and ``page["key"]`` for dict-style callers
    (``page["with"]`` is ``page.with_``)."""

    set: str
    name: str
    file: str
    html: str
    gold: str | None = None  # full gold text (readability pages)
    meta: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    with_: list[str] = field(default_factory=list)  # snippets (trafilatura pages)
    without: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, "with_" if key == "with" else key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, "with_" if key == "with" else key, default)

    @property
    def site(self) -> str:
        """The page's host without ``www.``; for a page without a URL, its name
        without a trailing ``-N`` (Readability's ``nytimes-1`` ... ``nytimes-5``)."""
        if self.url:
            host = urlsplit(self.url).netloc.lower().split("@")[-1].split(":")[0]
            return host[4:] if host.startswith("www.") else host
        return re.sub(r"-\d+$", "", self.name)

    @property
    def page_type(self) -> str:
        """wcxb's page type (article, forum, product, ...); ``article`` for the news sets."""
        return str(self.meta.get("page_type") or "article")

    @property
    def title(self) -> str | None:
        return self.meta.get("title") or None


@functools.lru_cache(maxsize=2)
def _readability_pages() -> tuple[Page, ...]:
    base = eval_root() / FOLDERS["readability"]
    pages = []
    for d in sorted(p for p in base.iterdir() if p.is_dir()):
        src, exp = d / "source.html", d / "expected.html"
        if not src.is_file() or not exp.is_file():
            continue
        meta_file = d / "expected-metadata.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        pages.append(
            Page(
                set="readability",
                name=d.name,
                file=f"{d.name}/source.html",
                html=decode_html(src.read_bytes()),
                gold=gold_text(decode_html(exp.read_bytes())),
                meta=meta,
            )
        )
    return tuple(pages)


def readability_pages() -> list[Page]:
    """The 130 Readability test pages: ``name``, ``html``, ``gold`` (text), ``meta`` (dict)."""
    return list(_readability_pages())


@functools.lru_cache(maxsize=2)
def _trafilatura_pages() -> tuple[Page, ...]:
    base = eval_root() / FOLDERS["trafilatura"]
    data = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, item in data.items():
        fname = item["file"]
        path = next((base / sub / fname for sub in ("eval", "cache") if (base / sub / fname).is_file()), None)
        if path is None:
            continue
        pages.append(
            Page(
                set="trafilatura",
                name=fname,
                file=fname,
                html=decode_html(path.read_bytes()),
                url=url,
                with_=list(item.get("with") or []),
                without=list(item.get("without") or []),
            )
        )
    return tuple(pages)


def trafilatura_pages() -> list[Page]:
    """The trafilatura evaluation pages: ``url``, ``file``, ``html``, ``with_``, ``without``."""
    return list(_trafilatura_pages())


@functools.lru_cache(maxsize=2)
def _wcxb_pages() -> tuple[Page, ...]:
    base = eval_root(["wcxb"]) / FOLDERS["wcxb"]
    # metadata.json lists 1,358 of the 1,497 pages; the ground-truth files have all
    files = json.loads((base / "metadata.json").read_text(encoding="utf-8")).get("files", {})
    ids = sorted(p.name.split(".")[0] for p in (base / "dev" / "ground-truth").glob("*.json"))
    pages = []
    for fid in ids:
        info = files.get(fid, {})
        path = base / "dev" / "html" / f"{fid}.html"
        if not path.is_file():
            path = path.with_name(f"{fid}.html.gz")
        gt_path = base / "dev" / "ground-truth" / f"{fid}.json"
        if not path.is_file() or not gt_path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            data = gzip.decompress(data)
        gt = json.loads(gt_path.read_text(encoding="utf-8"))
        truth = gt.get("ground_truth") or {}
        page_type = ((gt.get("_internal") or {}).get("page_type") or {}).get("primary") or info.get(
            "page_type"
        )
        pages.append(
            Page(
                set="wcxb",
                name=fid,
                file=f"dev/html/{path.name}",
                html=decode_html(data),
                gold=truth.get("main_content") or "",
                meta={"page_type": page_type, "title": truth.get("title"), "domain": info.get("domain")},
                url=gt.get("url") or (f"https://{info['domain']}/" if info.get("domain") else None),
                with_=list(truth.get("with") or []),
                without=list(truth.get("without") or []),
            )
        )
    return tuple(pages)


def wcxb_pages() -> list[Page]:
    """wcxb-dev's 1,497 pages of 7 page types: ``url``, ``html``, ``gold`` (its
    ``main_content``), ``with_``/``without`` snippets, ``page_type``, ``title``."""
    return list(_wcxb_pages())


# the gold files' separator between content and comments: a line "!@#$%^&*()  COMMENTS", typed by hand, so
# 9 of the 358 that have one miss or swap a mark ("!@ $%^&*()", "@#$%^&*()", "!@#$%^&*", "!#@$...") and
# one doubles the "!"; a line of these marks and blanks, then "COMMENTS" (every file that has the word)
DRAGNET_COMMENTS = re.compile(r"^[^\S\n]*[!@#$%^&*()](?:[!@#$%^&*()]|[^\S\n]){3,}COMMENTS[^\S\n]*$", re.M)


def dragnet_content(gold: str) -> str:
    """The content part of a dragnet gold file (its comments left out), one stripped line per nonblank line."""
    content = DRAGNET_COMMENTS.split(gold, maxsplit=1)[0]
    return "\n".join(ln.strip() for ln in content.splitlines() if ln.strip())


_PAGE_URL = (
    re.compile(r"""<link\b[^>]*\brel\s*=\s*["']?canonical\b[^>]*>""", re.I),
    re.compile(r"""<meta\b[^>]*\bproperty\s*=\s*["']?og:url\b[^>]*>""", re.I),
)
_ATTR_URL = re.compile(r"""\b(?:href|content)\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)
_LINK_HOST = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["']?https?://([^/"'\s>:]+)""", re.I)
# hosts that pages link to whatever their own site is
_SHARED_HOSTS = frozenset(
    "facebook.com twitter.com x.com google.com plus.google.com youtube.com linkedin.com pinterest.com "
    "addthis.com digg.com reddit.com stumbleupon.com delicious.com feeds.feedburner.com feedburner.com "
    "instagram.com tumblr.com wordpress.org wordpress.com blogger.com apple.com itunes.apple.com "
    "creativecommons.org w3.org adobe.com amazon.com bit.ly t.co".split()
)


def page_url(html: str) -> str | None:
    """The URL a page gives for itself (``<link rel=canonical>``, ``og:url``), else
    ``https://HOST/`` for the host its own links point to most (not a share or
    feed service); None when neither is found."""
    head = html[:200_000]
    for pattern in _PAGE_URL:
        for tag in pattern.findall(head):
            m = _ATTR_URL.search(tag)
            if m:
                return m.group(1)
    hosts = Counter(
        h.lower().removeprefix("www.") for h in _LINK_HOST.findall(html) if h.lower().removeprefix("www.")
    )
    for host, _ in hosts.most_common():
        if host not in _SHARED_HOSTS and not any(host.endswith("." + s) for s in _SHARED_HOSTS):
            return f"https://{host}/"
    return None


@functools.lru_cache(maxsize=2)
def _dragnet_pages() -> tuple[Page, ...]:
    base = eval_root(["dragnet"]) / FOLDERS["dragnet"] / "dragnet_data"
    pages = []
    for path in sorted((base / "input").glob("*.html"), key=lambda p: (len(p.stem), p.stem)):
        gold_path = base / "GoldStandard" / f"{path.stem}.txt"
        if not gold_path.is_file():
            continue
        html = decode_html(path.read_bytes())
        raw = gold_path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except (
            UnicodeDecodeError
        ):  # 31 gold files are Windows-1252 (English text, "—" and "’" as single bytes)
            text = raw.decode("cp1252", errors="replace")
        gold = dragnet_content(text)
        pages.append(
            Page(
                set="dragnet",
                name=path.stem,
                file=f"input/{path.name}",
                html=html,
                gold=gold,
                url=page_url(html),
            )
        )
    return tuple(pages)


def dragnet_pages() -> list[Page]:
    """Dragnet's 1,154 news and blog pages (many sites with about 10 pages each):
    ``html``, ``gold`` (the content part of the gold file, comments left out),
    ``url`` (as the page gives it: canonical link, og:url, else the host its
    links point to most)."""
    return list(_dragnet_pages())


# ------------------------------------------------------------------------ scoring
_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str | None) -> list[str]:
    """``\\w+`` tokens, case kept (the README's metric does not lowercase)."""
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``n``-token shingles; a text shorter than ``n`` tokens is one shingle of all its tokens."""
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def shingle_counts(pred: str | None, gold: str | None, n: int = 4) -> tuple[float, float, float]:
    """(TP, FP, FN) of one page, normalised to sum 1 (all zero when both are empty)."""
    p, g = shingles(pred, n), shingles(gold, n)
    tp = sum((p & g).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def shingle_prf(pairs: Iterable[tuple[str | None, str | None]], n: int = 4) -> dict[str, Any]:
    """The article-extraction shingle metric over ``(prediction or None, gold)`` pairs.

    Per page TP/FP/FN of ``n``-token shingle multisets, normalised to sum 1;
    precision = mean of TP/(TP+FP) over pages that produced output (a prediction
    that is not None and not blank; one without word tokens scores 0); recall =
    mean of TP/(TP+FN) over pages whose gold has tokens (a missing prediction
    scores 0); F1 from the two means.
    """
    precs: list[float] = []
    recs: list[float] = []
    pages = 0
    for pred, gold in pairs:
        pages += 1
        has_out = pred is not None and pred.strip() != ""
        has_gold = bool(tokens(gold))
        if not has_out and not has_gold:
            continue
        tp, fp, fn = shingle_counts(pred if has_out else None, gold, n)
        if has_out:
            precs.append(tp / (tp + fp) if tp + fp > 0 else 0.0)
        if has_gold:
            recs.append(tp / (tp + fn) if tp + fn > 0 else 0.0)
    p = sum(precs) / len(precs) if precs else 0.0
    r = sum(recs) / len(recs) if recs else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": _f1(p, r),
        "pages": pages,
        "pages_with_output": len(precs),
        "pages_with_gold": len(recs),
    }


def norm_ws(s: str | None) -> str:
    return " ".join((s or "").split())


def snippet_counts(
    pred: str | None, with_: Sequence[str], without: Sequence[str]
) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) of one page; ``pred=None`` (a crash) finds nothing."""
    if pred is None:
        return 0, 0, len(with_), len(without)
    text = norm_ws(pred)
    tp = sum(1 for s in with_ if norm_ws(s) in text)
    fp = sum(1 for s in without if norm_ws(s) in text)
    return tp, fp, len(with_) - tp, len(without) - fp


def snippet_prf(results: Iterable[tuple[str | None, Sequence[str], Sequence[str]]]) -> dict[str, Any]:
    """The with/without snippet metric over ``(prediction or None, with, without)`` triples.

    A "with" snippet found is a TP, missing a FN; a "without" snippet found is a
    FP, absent a TN. Whitespace-normalised substring matching (case kept);
    counts are summed over the corpus before precision, recall, F1, accuracy.
    """
    tp = fp = fn = tn = 0
    pages = 0
    for pred, w, wo in results:
        pages += 1
        a, b, c, d = snippet_counts(pred, w, wo)
        tp, fp, fn, tn = tp + a, fp + b, fn + c, tn + d
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    total = tp + fp + fn + tn
    return {
        "precision": p,
        "recall": r,
        "f1": _f1(p, r),
        "accuracy": (tp + tn) / total if total else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "pages": pages,
    }


# -------------------------------------------------------------------- line labels
SHINGLE_SHARE = 0.5  # a long line is article when at least this share of its 4-shingles are in the gold
CONTEXT_TOKENS = 2  # tokens of a neighbouring line that must run on in the gold for a short line


def _key(toks: Sequence[str]) -> str:
    return " ".join(toks)


def line_labels(dump_text: str, gold: str | None) -> list[tuple[str, int]]:
    """Label every line of ``dump_text``: 1 if it belongs to the article ``gold``, else 0.

    Tokens are lowercased ``\\w+``. Four passes:

    1. Line alignment: ``difflib.SequenceMatcher`` on the two sequences of
       lines (as token strings; lines without tokens left out). Dump lines in
       matching blocks are 1; it is monotone, so of two copies of a line (a
       teaser and the article) only one is matched. Their 4-shingles are taken
       out of the gold's shingle multiset.
    2. An unmatched line of 4+ tokens (the gold splits lines differently) is 1
       if at least ``SHINGLE_SHARE`` of its 4-shingles are still in the gold's
       remaining multiset (which it then consumes), so a duplicate is 0.
    3. An unmatched line of 1-3 tokens is 1 only if it runs on in the gold
       with a neighbour: its tokens preceded by the last ``CONTEXT_TOKENS``
       tokens of the previous line, or followed by the first tokens of the next,
       occur contiguously in the gold token sequence. A headline that is a gold
       line is already 1 by pass 1; a "Share" line between two paragraphs is 0
       even when the word "share" occurs in the article.
    4. A line without word tokens (``* * *``, ``|``) is 1 when the nearest lines
       with tokens on both sides are 1.

    Returns ``(line, label)`` for every line of ``dump_text.split("\\n")``, empty lines included (label 0).
    """
    lines = dump_text.split("\n") if dump_text else []
    n = len(lines)
    labels = [0] * n
    if not n or not gold or not tokens(gold):
        return [(ln, 0) for ln in lines]
    toks = [[t.lower() for t in _TOKEN.findall(ln)] for ln in lines]
    gold_lines = [[t.lower() for t in _TOKEN.findall(g)] for g in gold.split("\n")]
    gold_lines = [g for g in gold_lines if g]
    gold_toks = [t for g in gold_lines for t in g]
    gold_joined = " " + " ".join(gold_toks) + " "

    # pass 1: line alignment
    idx = [i for i in range(n) if toks[i]]
    a = [_key(toks[i]) for i in idx]
    b = [_key(g) for g in gold_lines]
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    matched = [False] * n
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            matched[idx[blk.a + k]] = True
    remaining = Counter(tuple(gold_toks[i : i + 4]) for i in range(len(gold_toks) - 3))
    for i in idx:
        if matched[i]:
            labels[i] = 1
            t = toks[i]
            if len(t) >= 4:
                remaining.subtract(tuple(t[j : j + 4]) for j in range(len(t) - 3))

    # pass 2: long unmatched lines by shingles
    for i in idx:
        t = toks[i]
        if matched[i] or len(t) < 4:
            continue
        sh = Counter(tuple(t[j : j + 4]) for j in range(len(t) - 3))
        hit = sum(min(c, max(remaining[s], 0)) for s, c in sh.items())
        if hit >= SHINGLE_SHARE * sum(sh.values()):
            labels[i] = 1
            remaining.subtract(sh)

    # pass 3: short unmatched lines by contiguity with a neighbour
    for pos, i in enumerate(idx):
        t = toks[i]
        if matched[i] or len(t) >= 4:
            continue
        prev_t = toks[idx[pos - 1]][-CONTEXT_TOKENS:] if pos > 0 else []
        next_t = toks[idx[pos + 1]][:CONTEXT_TOKENS] if pos + 1 < len(idx) else []
        if (prev_t and f" {_key(prev_t + t)} " in gold_joined) or (
            next_t and f" {_key(t + next_t)} " in gold_joined
        ):
            labels[i] = 1

    # pass 4: lines without tokens follow their surroundings
    for i in range(n):
        if toks[i] or not lines[i].strip():
            continue
        before = next((labels[j] for j in range(i - 1, -1, -1) if toks[j]), 0)
        after = next((labels[j] for j in range(i + 1, n) if toks[j]), 0)
        labels[i] = int(before == 1 and after == 1)
    return list(zip(lines, labels, strict=True))


# ---------------------------------------------------------------------- C4 filter
_TERMINAL = (".", "!", "?", "…")
_CLOSERS = "\"'”’»)]"


def c4_line_ok(line: str) -> bool:
    """C4's line rule: 5+ words and terminal punctuation at the end.

    Terminal: ``. ! ? …``; a straight ``"`` (as C4 accepts); or closing quotes
    or brackets (``” ’ ' » ) ]``) right after terminal punctuation (``."`` ``?”``).
    """
    s = line.strip()
    if len(s.split()) < 5:
        return False
    if s.endswith(_TERMINAL) or s.endswith('"'):
        return True
    core = s.rstrip(_CLOSERS)
    return len(core) < len(s) and core.endswith(_TERMINAL)


def c4_filter(text: str) -> str:
    """Keep the lines that pass :func:`c4_line_ok` (the C4 line heuristic only)."""
    return "\n".join(ln.strip() for ln in (text or "").split("\n") if c4_line_ok(ln))


# ---------------------------------------------------------------- script helpers
def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain fixed-width table; floats print with 3 decimals."""

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.3f}"
        return str(v)

    body = [[cell(v) for v in r] for r in rows]
    widths = [
        max(len(str(h)), *(len(r[i]) for r in body)) if body else len(str(h)) for i, h in enumerate(headers)
    ]

    def line(vals: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(vals, widths, strict=True))
        )

    out = [line([str(h) for h in headers]), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in body)
    return "\n".join(out)


def run_info() -> dict[str, Any]:
    """Where a benchmark ran: commit (if any), Python, library versions."""
    import platform
    import subprocess
    import sys

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "argv": sys.argv[1:],
    }
    try:
        info["commit"] = (
            subprocess.run(
                ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            or None
        )
    except Exception:
        info["commit"] = None
    for mod in ("trafilatura", "lxml"):
        try:
            m = __import__(mod)
            info[mod] = getattr(m, "__version__", None)
        except Exception:
            info[mod] = None
    return info


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON (parent folders created); scores only, never page text."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(p)
    return p
