"""The text model's training data: every dump of the corpus read as the boilerplate stage reads it.

Each dump of ``corpus.py`` goes through the pipeline's stages before the
boilerplate stage (decode, encoding, language), as at run time, and its lines
through :func:`cleaner.textmodel.units.read_units` and the line features. The
result, per part of the split, is one table of units (non-blank lines) with
their features, line labels, region labels and weights, cached in
``benchmarks/.cache/textdata/`` (rebuilt when the corpus or the features change).

Labels
    line: 1 article, 0 junk, -1 unknown (the corpus' alignment with the gold).
    region: 1 inside one of the article's spans, 0 outside, -1 unknown. A span
    runs from an article line to the next one unless more than
    ``GAP_UNITS`` junk lines holding ``GAP_CHARS`` characters lie between
    them (a teaser list between two parts of the page's text).
Weights
    A unit weighs by its words (the shingle metric counts words), and every
    dump weighs the same in total (the metric averages over pages).
Scrapes (``augment``, for fitting only)
    Besides the five dump shapes, the ``fit`` part gets one *scrape* per page
    with a gold text: the gold's paragraphs (article lines) with, by a seeded
    draw, a run of the same page's junk lines before them (a menu), a box of
    them between two paragraphs, a run after them (a footer, a teaser list), or
    none; and the gold's paragraphs alone. These are the shapes of a scraper's
    record that holds mostly the article (the seeds, a paragraph sent alone) and
    of a cleaned text (what a second run reads, which must keep it all), which
    the page dumps lack; they are built from real pages' text, and no figure is
    measured on them.
"""

from __future__ import annotations

import hashlib
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

CACHE = HERE / ".cache" / "textdata"
GAP_UNITS = 10
GAP_CHARS = 600


@dataclass
class Table:
    """Units of many dumps: features and labels in rows, dumps by offsets."""

    X: np.ndarray  # units x LINE_FEATURES (float32)
    y: np.ndarray  # line labels
    yr: np.ndarray  # region labels
    w: np.ndarray  # weights
    nc: np.ndarray  # content characters of each unit
    line: np.ndarray  # each unit's first line in its dump (0-based)
    last: np.ndarray  # ... and its last line (a wrapped paragraph is one unit of several lines)
    offsets: np.ndarray  # dump d's units are rows offsets[d]:offsets[d + 1]
    dumps: list[corpus.Dump]

    def rows(self, d: int) -> slice:
        return slice(int(self.offsets[d]), int(self.offsets[d + 1]))


def region_labels(y: np.ndarray, nc: np.ndarray) -> np.ndarray:
    """Region labels of a dump's units from their line labels (see the module doc)."""
    m = len(y)
    out = np.full(m, -1, dtype=np.int8)
    pos = np.flatnonzero(y == 1)
    if not len(pos):
        out[y == 0] = 0
        return out
    known_junk = y == 0
    out[known_junk] = 0
    spans = []
    a = int(pos[0])
    for prev, cur in zip(pos[:-1].tolist(), pos[1:].tolist(), strict=True):
        gap = slice(prev + 1, cur)
        junk = known_junk[gap]
        if junk.sum() > GAP_UNITS and nc[gap][junk].sum() > GAP_CHARS:
            spans.append((a, prev))
            a = cur
    spans.append((a, int(pos[-1])))
    for a, b in spans:
        out[a : b + 1] = 1
    return out


def unit_labels(labels: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """A unit's label: its lines' (1 when at least half of its labelled lines are
    article lines, else 0; -1 when none is labelled)."""
    out = labels[first].astype(np.int8)
    multi = np.flatnonzero(last > first)
    for u, a, b in zip(multi.tolist(), first[multi].tolist(), last[multi].tolist(), strict=True):
        lab = labels[a : b + 1]
        known = lab[lab >= 0]
        out[u] = (1 if 2 * int((known == 1).sum()) >= len(known) else 0) if len(known) else -1
    return out


def stages_before_boilerplate() -> list[Any]:
    """The default pipeline's stages that run before the boilerplate stage (decode, encoding, language)."""
    from cleaner.config import load_config
    from cleaner.rules import RuleSet
    from cleaner.stages import STAGES

    config = load_config(None)
    names = [spec.name for spec in config.stages]
    return [
        STAGES[spec.name](spec.options, RuleSet([])) for spec in config.stages[: names.index("boilerplate")]
    ]


def _prepare(stages: list[Any], text: str) -> tuple[list[str], str | None] | None:
    """The dump's lines and language after the stages before the boilerplate stage."""
    from cleaner.document import Document

    doc = Document(id="x", raw=text, format="text")
    for st in stages:
        if doc.active:
            st.process(doc)
    if not doc.active:
        return None
    return [ln.text for ln in doc.lines], doc.language


def _key(parts: list[str], splits: tuple[str, ...]) -> str:
    import cleaner.textmodel as tm

    src = "".join(p.read_text() for p in sorted(Path(tm.__file__).parent.glob("*.py")))
    src += Path(corpus.__file__).read_text() + Path(__file__).read_text()
    src += "".join(parts) + ",".join(splits)
    return hashlib.sha1(src.encode()).hexdigest()[:12]


def scrapes(dumps: list[corpus.Dump], golds: dict[str, corpus.Gold]) -> list[corpus.Dump]:
    """A scrape for each page with a gold text that has an inscriptis dump among ``dumps`` (see the module doc)."""
    import random

    out = []
    for d in dumps:
        g = golds.get(d.key)
        if d.shape != "inscriptis" or g is None or not g.text:
            continue
        rng = random.Random(hashlib.sha1(d.key.encode()).hexdigest())
        paras = [ln.strip() for ln in g.text.split("\n") if ln.strip()]
        junk = [
            ln.strip()
            for ln, lab in zip(d.text.split("\n"), d.labels, strict=True)
            if lab == 0 and ln.strip()
        ]
        if not paras:
            continue
        blank = rng.random() < 0.6  # paragraphs separated by blank lines, or not
        lines: list[tuple[str, int]] = []
        if junk and rng.random() < 0.4:
            k = rng.randint(1, 8)
            lines += [(t, 0) for t in junk[:k]]
        box_at = rng.randrange(len(paras)) if junk and len(paras) > 2 and rng.random() < 0.3 else -1
        for i, p in enumerate(paras):
            lines.append((p, 1))
            if blank:
                lines.append(("", -1))
            if i == box_at:
                a = rng.randrange(len(junk))
                lines += [(t, 0) for t in junk[a : a + rng.randint(2, 6)]]
        if junk and rng.random() < 0.6:
            k = rng.randint(2, 15)
            lines += [(t, 0) for t in junk[-k:]]
        out.append(
            corpus.Dump(
                set=d.set,
                id=d.id,
                shape="scrape",
                site=d.site,
                split=d.split,
                page_type=d.page_type,
                title=d.title,
                page_title=d.page_title,
                text="\n".join(t for t, _ in lines),
                labels=[lab for _, lab in lines],
            )
        )
        # and the article alone, as a cleaned text is (what a second run reads: it must keep it all)
        sep = "\n\n" if rng.random() < 0.5 else "\n"
        text = sep.join(paras)
        out.append(
            corpus.Dump(
                set=d.set,
                id=d.id,
                shape="article",
                site=d.site,
                split=d.split,
                page_type=d.page_type,
                title=d.title,
                page_title=d.page_title,
                text=text,
                labels=[1 if ln.strip() else -1 for ln in text.split("\n")],
            )
        )
    return out


def build(splits: tuple[str, ...], sets=corpus.SETS, shapes=corpus.SHAPES, augment: bool = False) -> Table:
    """The table of the given parts of the split (cached); ``augment``: with the scrapes."""
    from cleaner.textmodel.features import line_matrix
    from cleaner.textmodel.units import read_units

    key = _key([*sets, *shapes, "augment" if augment else ""], splits)
    path = CACHE / f"{'-'.join(splits)}-{key}.npz"
    dumps = corpus.dumps(sets, shapes, splits)
    if augment:
        dumps += scrapes(dumps, corpus.golds(sets))
    if path.is_file():
        z = np.load(path, allow_pickle=False)
        keep = z["keep"]
        return Table(
            z["X"],
            z["y"],
            z["yr"],
            z["w"],
            z["nc"],
            z["line"],
            z["last"],
            z["offsets"],
            [d for d, k in zip(dumps, keep, strict=True) if k],
        )
    stages = stages_before_boilerplate()
    Xs, ys, yrs, ws, ncs, lines, lasts, offsets, keep = [], [], [], [], [], [], [], [0], []
    t0 = time.time()
    for k, d in enumerate(dumps):
        prep = _prepare(stages, d.text)
        labels = np.array(d.labels, dtype=np.int8)
        if prep is None or len(prep[0]) != len(labels):
            keep.append(False)
            continue
        texts, lang = prep
        u = read_units(texts, lang)
        X = line_matrix(u.words, u.shape, u.hashes, u.blank_before, u.blank_after, u.blank_share, u.vocab)
        y = unit_labels(labels, u.idx, u.last)
        nc = u.words[:, -1]
        n_words = u.words[:, -2]
        w = np.where(y >= 0, n_words + 1.0, 0.0)
        total = w.sum()
        Xs.append(X.astype(np.float32))
        ys.append(y)
        yrs.append(region_labels(y, nc))
        ws.append(w / total if total > 0 else w)
        ncs.append(nc.astype(np.float32))
        lines.append(u.idx.astype(np.int32))
        lasts.append(u.last.astype(np.int32))
        offsets.append(offsets[-1] + len(y))
        keep.append(True)
        if (k + 1) % 2000 == 0:
            print(f"  {k + 1}/{len(dumps)} dumps, {time.time() - t0:.0f} s", file=sys.stderr)
    t = Table(
        np.concatenate(Xs),
        np.concatenate(ys),
        np.concatenate(yrs),
        np.concatenate(ws),
        np.concatenate(ncs),
        np.concatenate(lines),
        np.concatenate(lasts),
        np.array(offsets, dtype=np.int64),
        [d for d, k in zip(dumps, keep, strict=True) if k],
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(
        tmp,
        X=t.X,
        y=t.y,
        yr=t.yr,
        w=t.w,
        nc=t.nc,
        line=t.line,
        last=t.last,
        offsets=t.offsets,
        keep=np.array(keep),
    )
    tmp.replace(path)
    return t
