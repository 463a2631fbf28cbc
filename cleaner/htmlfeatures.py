"""The block model's features: a row of :data:`FEATURES` for each block of an HTML page.

Each block (:mod:`cleaner.htmlblocks`) is described by its text (length, link
density, stop-word share, punctuation), its place (tag, depth, position,
ancestor tags, the class/id words around it), the votes of trafilatura in
precision and in recall mode (the share of the block's word trigrams found in
each one's text), the distance from the container trafilatura's text comes
from (and whether the block sits in a *twin* of that container: a sibling with
the same tag-path signature, the rest of a split article), the overlap with the
page's schema.org ``articleBody`` and the similarity to the page title
(:func:`features`); :func:`context` gives the second round's rows, from the
first round's probabilities of the blocks around each block. The model that
reads these rows is :mod:`cleaner.htmlmodel`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np

from cleaner.htmlblocks import Block, Page

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_TERMINAL = frozenset(".!?…。！？:;\"'”»)")

# class/id word groups: a block whose owner or ancestors carry one of these words
WORD_GROUPS: dict[str, tuple[str, ...]] = {
    "comment": ("comment", "comments", "reply", "replies", "respond", "disqus", "discussion", "kommentar"),
    "related": (
        "related",
        "recommend",
        "recommended",
        "more",
        "popular",
        "trending",
        "teaser",
        "also",
        "next",
        "prev",
        "previous",
        "outbrain",
        "taboola",
        "recirc",
        "read",
    ),
    "share": ("share", "sharing", "social", "facebook", "twitter", "whatsapp", "print", "email", "follow"),
    "newsletter": (
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "sign",
        "optin",
        "paywall",
        "register",
    ),
    "promo": (
        "promo",
        "ad",
        "ads",
        "advert",
        "advertisement",
        "sponsor",
        "sponsored",
        "banner",
        "dfp",
        "partner",
        "commercial",
        "anzeige",
    ),
    "caption": ("caption", "credit", "credits", "figcaption", "photo", "image", "img", "media", "gallery"),
    "byline": ("byline", "author", "meta", "date", "time", "published", "timestamp", "dateline", "posted"),
    "nav": (
        "nav",
        "navbar",
        "navigation",
        "menu",
        "breadcrumb",
        "breadcrumbs",
        "pagination",
        "pager",
        "skip",
    ),
    "footer": ("footer", "copyright", "legal", "bottom", "foot"),
    "sidebar": ("sidebar", "side", "widget", "aside", "rail", "column", "col", "secondary"),
    "tags": ("tag", "tags", "category", "categories", "topics", "keywords", "label", "labels"),
    "header": ("header", "masthead", "top", "logo", "brand", "title", "headline", "hero"),
    "body": (
        "content",
        "article",
        "post",
        "entry",
        "story",
        "body",
        "text",
        "main",
        "articlebody",
        "blog",
        "prose",
        "rich",
        "copy",
        "detail",
    ),
    "hidden": ("hidden", "hide", "modal", "popup", "overlay", "cookie", "consent", "gdpr"),
}
_GROUP_OF = {w: g for g, ws in WORD_GROUPS.items() for w in ws}
_GROUP_WORDS = frozenset(_GROUP_OF)
# words of a short block's own text that mark page furniture, in the languages of the corpus
TEXT_CUES: dict[str, tuple[str, ...]] = {
    "ad": ("advertisement", "anzeige", "werbung", "publicité", "publicidad", "pubblicità", "sponsored", "ad"),
    "share": (
        "share",
        "teilen",
        "partager",
        "compartir",
        "condividi",
        "tweet",
        "pin",
        "email",
        "print",
        "drucken",
        "facebook",
        "twitter",
        "whatsapp",
        "linkedin",
    ),
    "comment": (
        "comments",
        "comment",
        "kommentare",
        "kommentar",
        "commentaires",
        "comentarios",
        "reply",
        "antworten",
    ),
    "more": (
        "read",
        "more",
        "weiterlesen",
        "mehr",
        "lire",
        "suite",
        "leer",
        "related",
        "also",
        "ähnliche",
        "artikel",
        "popular",
        "trending",
        "next",
        "previous",
        "zurück",
        "weiter",
    ),
    "account": (
        "login",
        "log",
        "sign",
        "anmelden",
        "subscribe",
        "abonnieren",
        "newsletter",
        "register",
        "registrieren",
        "cookies",
        "cookie",
        "datenschutz",
        "privacy",
        "terms",
        "impressum",
    ),
    "credit": (
        "photo",
        "foto",
        "bild",
        "image",
        "getty",
        "reuters",
        "afp",
        "ap",
        "dpa",
        "imago",
        "credit",
        "copyright",
        "©",
    ),
    "date": (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "januar",
        "februar",
        "märz",
        "mai",
        "juni",
        "juli",
        "oktober",
        "dezember",
        "updated",
        "published",
        "aktualisiert",
        "uhr",
        "am",
        "pm",
        "ago",
    ),
}
_CUE_OF: dict[str, list[str]] = {}
for _g, _ws in TEXT_CUES.items():
    for _w in _ws:
        _CUE_OF.setdefault(_w, []).append(_g)
_TAGS = ("p", "h", "li", "tr", "blockquote", "pre", "caption", "dd", "div", "section", "td")

FEATURES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "link_density",
    "links",
    "all_link",
    "terminal",
    "commas",
    "word_len",
    "digits",
    "stop_share",
    "upper_share",
    "lines",
    *(f"tag_{t}" for t in _TAGS),
    "heading",
    "depth",
    "rel_depth",
    "pos",
    "char_pos",
    *(
        f"in_{t}"
        for t in ("article", "main", "nav", "header", "footer", "aside", "form", "li", "table", "figure")
    ),
    *(f"near_{g}" for g in WORD_GROUPS),
    *(f"any_{g}" for g in WORD_GROUPS),
    "vote_p",
    "vote_r",
    "vote_jsonld",
    "has_jsonld",
    "itemprop_body",
    "has_container",
    "in_container",
    "up",
    "down",
    "twin",
    "container_share",
    "container_depth",
    "title_sim",
    "first_text",
    "dup_before",
    "dup_count",
    *(f"cue_{g}" for g in TEXT_CUES),
    "copyright_sign",
    "page_p_share",
    "page_r_share",
    "log_blocks",
    "page_link_density",
    "prev_vote_r",
    "next_vote_r",
    "win_vote_r",
    "win_vote_p",
    "prev_link",
    "next_link",
    "prev_words",
    "next_words",
    "parent_vote_r",
    "parent_blocks",
    "parent_words_share",
)
CONTEXT_FEATURES: tuple[str, ...] = (
    "p",
    "p_prev",
    "p_next",
    "p_prev2",
    "p_next2",
    "p_win5",
    "p_win10",
    "p_parent",
    "p_grand",
    "p_before",
    "p_after",
    "rank",
    "vote_r",
    "vote_p",
    "in_container",
    "log_words",
    "link_density",
    "title_sim",
    "pos",
    "heading",
    "twin",
    "up",
)
FEATURE_INDEX = {n: i for i, n in enumerate(FEATURES)}  # a feature's column in a row


# ------------------------------------------------------------------ text overlap
def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Overlap:
    """Which blocks' words another text holds: the share of a block's word
    trigrams found in it (a block of one or two words: found as a phrase)."""

    def __init__(self, text: str | None) -> None:
        toks = tokens(text or "")
        self.empty = not toks
        self.chars = len(text or "")
        self.grams = set(trigrams(toks))
        self.joined = " " + " ".join(toks) + " "

    def share(self, toks: list[str], grams: list[int] | None = None) -> float:
        """``grams``: :func:`trigrams` of ``toks``, when the caller has them."""
        if self.empty or not toks:
            return 0.0
        if len(toks) < 3:
            return 1.0 if (" " + " ".join(toks) + " ") in self.joined else 0.0
        if grams is None:
            grams = trigrams(toks)
        return sum(map(self.grams.__contains__, grams)) / len(grams)


def trigrams(toks: list[str]) -> list[int]:
    return list(map(hash, zip(toks, toks[1:], toks[2:], strict=False)))


def _container(blocks: list[Block], votes: np.ndarray, words: np.ndarray) -> tuple[int, ...] | None:
    """The path of the deepest element holding 80% of the words trafilatura voted for."""
    w = words * (votes >= 0.5)
    total = w.sum()
    if total <= 0:
        return None
    acc: Counter[tuple[int, ...]] = Counter()
    for b, x in zip(blocks, w.tolist(), strict=True):
        if x > 0:
            for k in range(1, len(b.path) + 1):
                acc[b.path[:k]] += x
    best: tuple[int, ...] = ()
    for path, x in acc.items():
        if x >= 0.8 * total and len(path) > len(best):
            best = path
    return best


def _common(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _title_sim(title_toks: set[str], toks: list[str]) -> float:
    if not title_toks or not toks or len(toks) > 40:
        return 0.0
    s = set(toks)
    return len(s & title_toks) / len(s | title_toks)


_TITLE_SEP = re.compile(r"\s+(?:[|\-–—:·»/]|::)\s+")


def title_match(title: str, text: str) -> float:
    """How closely a block's text repeats the page title: the best word overlap (Jaccard) with the
    title or one of its parts around a separator ("Headline | Site name", "Site - Headline")."""
    toks = set(tokens(text))
    if not toks or len(toks) > 40 or not title:
        return 0.0
    best = 0.0
    for part in [title, *_TITLE_SEP.split(title)]:
        pt = set(tokens(part))
        if pt:
            best = max(best, len(toks & pt) / len(toks | pt))
    return best


def features(page: Page, precision_text: str | None, recall_text: str | None) -> np.ndarray:
    """The feature rows of a page's blocks (:data:`FEATURES`)."""
    blocks = page.blocks
    n = len(blocks)
    X = np.zeros((n, len(FEATURES)))
    if n == 0:
        return X
    toks = [tokens(b.text) for b in blocks]
    words = np.array([len(t) for t in toks], dtype=float)
    chars = np.array([len(b.text) for b in blocks], dtype=float)
    counts: Counter[str] = Counter()
    for t, b in zip(toks, blocks, strict=True):
        if len(b.text) > 80:
            counts.update(w for w in t if len(w) <= 4 and not w.isdigit())
    stops = {w for w, c in counts.most_common(15) if c >= 3}
    op, orr = Overlap(precision_text), Overlap(recall_text)
    oj = Overlap(page.article_body) if page.article_body else None
    grams = [trigrams(t) if len(t) >= 3 else None for t in toks]
    vp = np.array([op.share(t, g) for t, g in zip(toks, grams, strict=True)])
    vr = np.array([orr.share(t, g) for t, g in zip(toks, grams, strict=True)])
    cont = _container(blocks, vr, words)
    title_toks = set(tokens(page.title))
    total_chars = chars.sum() or 1.0
    cum = np.concatenate([[0.0], np.cumsum(chars)[:-1]]) / total_chars
    max_depth = max(b.depth for b in blocks) or 1
    cont_sig: tuple[str, ...] | None = None
    cont_words = 0.0
    if cont is not None:
        for b, w in zip(blocks, words.tolist(), strict=True):
            if b.path[: len(cont)] == cont:
                cont_words += w
                if cont_sig is None:
                    cont_sig = b.signature[: len(cont) - 1]
    seen: Counter[str] = Counter(b.text for b in blocks)
    before: set[str] = set()
    first_text = -1
    link_total = sum(b.link_chars for b in blocks)
    parents: dict[tuple[int, ...], list[int]] = {}
    for i, b in enumerate(blocks):
        parents.setdefault(b.path[:-1], []).append(i)
    all_words = max(float(words.sum()), 1.0)
    parent_stats = {}
    for key, sib in parents.items():
        sw = float(words[sib].sum())
        parent_stats[key] = (
            float((vr[sib] * words[sib]).sum() / sw) if sw else 0.0,
            math.log1p(len(sib)),
            sw / all_words,
        )
    log_blocks = math.log1p(n)
    cont_share = cont_words / max(float(words.sum()), 1.0)
    marks: dict[tuple[Any, ...], dict[int, float]] = {}
    rows = []
    nf = len(FEATURES)
    F = FEATURE_INDEX
    c_terminal, c_commas, c_word_len, c_digits = F["terminal"], F["commas"], F["word_len"], F["digits"]
    c_stop, c_upper, c_title, c_first = F["stop_share"], F["upper_share"], F["title_sim"], F["first_text"]
    c_dup, c_copy, c_item = F["dup_before"], F["copyright_sign"], F["itemprop_body"]
    c_pv, c_pb, c_ps = F["parent_vote_r"], F["parent_blocks"], F["parent_words_share"]
    for i, (b, t) in enumerate(zip(blocks, toks, strict=True)):
        x = [0.0] * nf
        rows.append(x)
        text = b.text
        nw = len(t)
        nc = len(text)
        x[c_terminal] = float(text[-1] in _TERMINAL)
        x[c_commas] = text.count(",") / max(nw, 1)
        x[c_word_len] = sum(map(len, t)) / max(nw, 1)
        x[c_digits] = len(_DIGIT.findall(text)) / max(nc, 1)
        x[c_stop] = sum(map(stops.__contains__, t)) / max(nw, 1)
        x[c_upper] = sum(1 for w in text.split() if w[:1].isupper()) / max(nw, 1)
        mkey = (b.tag, b.heading, b.ancestor_tags, b.near_words, b.words)
        on = marks.get(mkey)
        if on is None:
            on = marks[mkey] = _marks(*mkey)
        for j, v in on.items():
            x[j] = v
        if oj is not None:
            x[F["vote_jsonld"]] = oj.share(t, grams[i])
        x[c_item] = float(b.itemprop_body)
        if cont is not None:
            c = _common(b.path, cont)
            x[F["in_container"]] = float(c == len(cont))
            x[F["up"]] = len(cont) - c
            x[F["down"]] = len(b.path) - c
            x[F["twin"]] = float(
                c == len(cont) - 1
                and cont_sig is not None
                and b.signature[: len(cont) - 1] == cont_sig
                and len(b.path) > c
            )
        if title_toks:
            x[c_title] = _title_sim(title_toks, t)
        if first_text < 0 and nw >= 8 and b.link_chars < 0.5 * nc:
            first_text = i
            x[c_first] = 1.0
        if nw <= 15:
            for w in t:
                for g in _CUE_OF.get(w, ()):
                    x[F[f"cue_{g}"]] = 1.0
        if "©" in text:
            x[c_copy] = 1.0
        if text in before:
            x[c_dup] = 1.0
        before.add(text)
        pv, pb, ps = parent_stats[b.path[:-1]]
        x[c_pv] = pv
        x[c_pb] = pb
        x[c_ps] = ps
    X = np.array(rows, dtype=np.float64)
    # the columns computed for all blocks at once
    link = np.array([b.link_chars for b in blocks], dtype=float)
    X[:, F["log_chars"]] = np.log1p(chars)
    X[:, F["log_words"]] = np.log1p(words)
    X[:, F["link_density"]] = link / np.maximum(chars, 1)
    X[:, F["links"]] = [b.links for b in blocks]
    X[:, F["all_link"]] = link >= 0.9 * chars
    X[:, F["lines"]] = [b.text.count("\n") + 1 for b in blocks]
    depth = np.array([b.depth for b in blocks], dtype=float)
    X[:, F["depth"]] = depth
    X[:, F["rel_depth"]] = depth / max_depth
    X[:, F["pos"]] = np.arange(n) / n
    X[:, F["char_pos"]] = cum
    X[:, F["vote_p"]] = vp
    X[:, F["vote_r"]] = vr
    X[:, F["dup_count"]] = np.log([seen[b.text] for b in blocks])
    X[:, F["page_p_share"]] = op.chars / total_chars
    X[:, F["page_r_share"]] = orr.chars / total_chars
    X[:, F["log_blocks"]] = log_blocks
    X[:, F["page_link_density"]] = link_total / total_chars
    if oj is not None:
        X[:, F["has_jsonld"]] = 1.0
    if cont is not None:
        X[:, F["has_container"]] = 1.0
        X[:, F["container_share"]] = cont_share
        X[:, F["container_depth"]] = len(cont)
    ld = X[:, F["link_density"]]
    lw = X[:, F["log_words"]]
    X[1:, F["prev_vote_r"]] = vr[:-1]
    X[:-1, F["next_vote_r"]] = vr[1:]
    X[1:, F["prev_link"]] = ld[:-1]
    X[:-1, F["next_link"]] = ld[1:]
    X[1:, F["prev_words"]] = lw[:-1]
    X[:-1, F["next_words"]] = lw[1:]
    X[:, F["win_vote_r"]] = _window(vr, 3)
    X[:, F["win_vote_p"]] = _window(vp, 3)
    return X


def _marks(
    tag: str, heading: int, ancestor_tags: frozenset[str], near_words: str, words: str
) -> dict[int, float]:
    """The columns a block's tag, ancestor tags and class/id words set (to 1, or the heading level)."""
    on = {
        FEATURE_INDEX[f"in_{a}"]
        for a in ("article", "main", "nav", "header", "footer", "aside", "form", "li", "table", "figure")
        if a in ancestor_tags
    }
    kind = "h" if heading and tag[0] == "h" else "caption" if tag in ("figcaption", "caption") else tag
    if kind == "th":
        kind = "td"
    if f"tag_{kind}" in FEATURE_INDEX:
        on.add(FEATURE_INDEX[f"tag_{kind}"])
    for w in _GROUP_WORDS.intersection(near_words.split()):
        on.add(FEATURE_INDEX[f"near_{_GROUP_OF[w]}"])
    for w in _GROUP_WORDS.intersection(words.split()):
        on.add(FEATURE_INDEX[f"any_{_GROUP_OF[w]}"])
    out = dict.fromkeys(sorted(on), 1.0)
    if tag[0] == "h" and heading:
        out[FEATURE_INDEX["heading"]] = float(heading)
    return out


def _window(v: np.ndarray, k: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(v)])
    n = len(v)
    lo = np.clip(np.arange(n) - k, 0, n)
    hi = np.clip(np.arange(n) + k + 1, 0, n)
    return (c[hi] - c[lo]) / (hi - lo)


def context(paths: list[tuple[int, ...]], X: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The second round's rows: the first round's probability of each block and of the blocks around it."""
    n = len(p)
    Z = np.zeros((n, len(CONTEXT_FEATURES)))
    if n == 0:
        return Z
    C = {k: i for i, k in enumerate(CONTEXT_FEATURES)}
    Z[:, C["p"]] = p
    Z[1:, C["p_prev"]] = p[:-1]
    Z[:-1, C["p_next"]] = p[1:]
    Z[2:, C["p_prev2"]] = p[:-2]
    Z[:-2, C["p_next2"]] = p[2:]
    Z[:, C["p_win5"]] = _window(p, 5)
    Z[:, C["p_win10"]] = _window(p, 10)
    w = np.expm1(X[:, FEATURE_INDEX["log_words"]])
    groups: dict[tuple[int, ...], list[int]] = {}
    grand: dict[tuple[int, ...], list[int]] = {}
    for i, path in enumerate(paths):
        groups.setdefault(path[:-1], []).append(i)
        grand.setdefault(path[:-2], []).append(i)
    for i, path in enumerate(paths):
        for key, g, col in ((path[:-1], groups, "p_parent"), (path[:-2], grand, "p_grand")):
            idx = g[key]
            sw = w[idx].sum()
            Z[i, C[col]] = float((p[idx] * w[idx]).sum() / sw) if sw else 0.0
    cw = np.cumsum(w * p)
    cwt = np.cumsum(w)
    Z[:, C["p_before"]] = (cw - w * p) / np.maximum(cwt - w, 1)
    Z[:, C["p_after"]] = (cw[-1] - cw) / np.maximum(cwt[-1] - cwt, 1)
    Z[:, C["rank"]] = np.argsort(np.argsort(-p)) / n
    for k in (
        "vote_r",
        "vote_p",
        "in_container",
        "log_words",
        "link_density",
        "title_sim",
        "pos",
        "heading",
        "twin",
        "up",
    ):
        Z[:, C[k]] = X[:, FEATURE_INDEX[k]]
    return Z
