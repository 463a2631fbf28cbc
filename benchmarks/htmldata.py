"""The block table of the site-split corpus: every page cut into blocks, with features and labels.

Each page of the four sets (:func:`corpus.load_pages`) is parsed and cut into
blocks (:mod:`cleaner.htmlblocks`); each block gets the block model's feature
row (:func:`cleaner.htmlfeatures.features`, with trafilatura's cached outputs from
:mod:`htmlcache`) and a label: 1 when most of its word trigrams are in the
page's gold text (a block of one or two words: when the gold holds it as a
phrase), 0 otherwise; on the trafilatura set, whose gold is snippets, 1 for a
block that holds part of a "with" snippet, 0 for one that holds part of a
"without" snippet only, -1 (unknown, not fitted on) for the rest. The weight of
a block is its number of words (the metric counts shingles).

Cached per set in ``benchmarks/.cache/html/blocks-v<VERSION>-<set>.pkl.gz``.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402
import htmlcache  # noqa: E402

VERSION = 5  # 5: dragnet gold without the comments of 10 pages whose separator line was mistyped


@dataclass
class PageRef:
    """What scoring needs of a page (``textscore.score_pages`` reads ``set`` and ``key``)."""

    set: str
    id: str
    site: str
    split: str
    page_type: str

    @property
    def key(self) -> str:
        return f"{self.set}/{self.id}"


@dataclass
class Table:
    pages: list[PageRef]
    offsets: np.ndarray  # page i's blocks: offsets[i]:offsets[i+1]
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    texts: list[str]
    fallback: list[str | None]  # trafilatura's fast recall text per page
    ctx: list[Any]  # per page: what the context round needs (the block paths)
    titles: list[str] | None = None  # per page: the title the extract stage reads (train_htmlmodel fills it)

    def rows(self, i: int) -> slice:
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))

    def subset(self, keep: list[int]) -> Table:
        parts = [self.rows(i) for i in keep]
        offs = np.concatenate([[0], np.cumsum([s.stop - s.start for s in parts])]).astype(np.int64)
        idx = (
            np.concatenate([np.arange(s.start, s.stop) for s in parts])
            if parts
            else np.zeros(0, dtype=np.int64)
        )
        return Table(
            [self.pages[i] for i in keep],
            offs,
            self.X[idx],
            self.y[idx],
            self.w[idx],
            [self.texts[j] for j in idx.tolist()],
            [self.fallback[i] for i in keep],
            [self.ctx[i] for i in keep],
        )


def concat(a: Table, b: Table) -> Table:
    """The pages of ``a`` then those of ``b`` in one table (titles too when both have them)."""
    return Table(
        a.pages + b.pages,
        np.concatenate([a.offsets[:-1], b.offsets + a.offsets[-1]]).astype(np.int64),
        np.concatenate([a.X, b.X]),
        np.concatenate([a.y, b.y]),
        np.concatenate([a.w, b.w]),
        a.texts + b.texts,
        a.fallback + b.fallback,
        a.ctx + b.ctx,
        a.titles + b.titles if a.titles is not None and b.titles is not None else None,
    )


def _labels(page: Any, texts: list[str]) -> np.ndarray:
    from cleaner.htmlfeatures import Overlap, tokens

    if page.set == "trafilatura":
        return np.array(
            corpus.snippet_labels([t.replace("\n", " ") for t in texts], page.with_, page.without),
            dtype=np.int8,
        )
    gold = Overlap(page.gold)
    return np.array([1 if gold.share(tokens(t)) >= 0.5 else 0 for t in texts], dtype=np.int8)


_PAGES: list[Any] = []
_TRAF: dict[str, Any] = {}


def _one(i: int) -> dict[str, Any]:
    from cleaner import htmlblocks, htmlfeatures

    p = _PAGES[i]
    site = corpus.page_site(p)
    tr = _TRAF.get(p.name) or {}
    root = htmlblocks.parse(p.html)
    pg = htmlblocks.blocks_of(root) if root is not None else htmlblocks.Page([], "", "", 0)
    X = htmlfeatures.features(pg, tr.get("fast_precision"), tr.get("fast_recall")).astype(np.float32)
    texts = [b.text for b in pg.blocks]
    y = _labels(p, texts)
    w = np.array([max(len(htmlfeatures.tokens(t)), 1) for t in texts], dtype=np.float32)
    return {
        "ref": PageRef(p.set, p.name, site, corpus.split_of(site), p.page_type),
        "X": X,
        "y": y,
        "w": w,
        "texts": texts,
        "fallback": tr.get("fast_recall"),
        "ctx": [b.path for b in pg.blocks],
    }


def path(name: str) -> Path:
    from cleaner.htmlfeatures import FEATURES

    tag = hashlib.sha1(" ".join(FEATURES).encode()).hexdigest()[:8]
    return htmlcache.CACHE / f"blocks-v{VERSION}-{tag}-{name}.pkl.gz"


def build(name: str, workers: int = 2) -> None:
    import multiprocessing as mp

    global _PAGES, _TRAF
    _PAGES = corpus.load_pages(name)
    _TRAF = htmlcache.load(name, workers)
    t0 = time.time()
    recs = []
    with mp.get_context("fork").Pool(workers) as pool:
        for k, r in enumerate(pool.imap(_one, range(len(_PAGES)), chunksize=8)):
            recs.append(r)
            if (k + 1) % 400 == 0:
                print(f"  {name}: {k + 1}/{len(_PAGES)} pages, {time.time() - t0:.0f} s", file=sys.stderr)
    tmp = path(name).with_suffix(".tmp")
    with gzip.open(tmp, "wb", compresslevel=3) as f:
        pickle.dump(recs, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path(name))
    _PAGES, _TRAF = [], {}


def load(
    sets: tuple[str, ...] = corpus.SETS, splits: tuple[str, ...] = corpus.SPLITS, workers: int = 2
) -> Table:
    recs: list[dict[str, Any]] = []
    for name in sets:
        if not path(name).is_file():
            print(f"cutting the {name} pages into blocks (cached) ...", file=sys.stderr)
            build(name, workers)
        with gzip.open(path(name), "rb") as f:
            recs.extend(r for r in pickle.load(f) if r["ref"].split in splits)  # our own cache file
    offs = np.concatenate([[0], np.cumsum([len(r["y"]) for r in recs])]).astype(np.int64)
    from cleaner.htmlfeatures import FEATURES

    X = np.concatenate([r["X"] for r in recs]) if recs else np.zeros((0, len(FEATURES)), np.float32)
    return Table(
        [r["ref"] for r in recs],
        offs,
        X,
        np.concatenate([r["y"] for r in recs]),
        np.concatenate([r["w"] for r in recs]),
        [t for r in recs for t in r["texts"]],
        [r["fallback"] for r in recs],
        [r["ctx"] for r in recs],
    )
