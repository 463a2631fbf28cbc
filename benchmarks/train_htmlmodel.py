"""Fit the block model of HTML mode on the site-split corpus: fit part, decision on val, refit on both.

    python benchmarks/train_htmlmodel.py --no-precision-vote   # fit, choose, refit, write rules/htmlmodel.{npz,yaml}
    python benchmarks/train_htmlmodel.py --no-precision-vote --dry-run   # the same without writing

1. The block model: boosted trees (LightGBM, depth 6, the forest format of
   :mod:`cleaner.textmodel.forest`) over :data:`cleaner.htmlmodel.FEATURES` with
   the block labels of :mod:`htmldata`, its number of trees chosen on ``val``
   (early stopping). Site-grouped folds give every ``fit`` block a probability
   from a model that did not see its site.
2. The context round: trees over :data:`cleaner.htmlmodel.CONTEXT_FEATURES` (the
   first round's probabilities of the block and the blocks around it, in the
   page and in the tree), fitted on those out-of-fold probabilities.
3. The decision, chosen on ``val`` by the mean F1 over the four sets: the
   threshold a block's probability must reach, whether a leading block that
   repeats the page title goes, and below how many characters of kept text the
   page falls back to trafilatura's own text (the rescue, kept only where the
   blocks give next to nothing).
4. The refit: with the number of trees and the decision chosen above, the
   forests are fitted again on ``fit`` and ``val`` together (``--no-refit``: the
   forests of step 1-2 as they are). The model sees 39% more pages; on val, a
   model fitted on 50%, 75% and 100% of fit's sites scored 0.897, 0.898 and
   0.902 mean F1 (``--learning-curve``), so more sites still help. No figure of
   the refitted model is read on val (it has seen it): its figures come from
   the test part (``bench_html.py``).

``test`` is never used here for fitting or a choice (its pages are loaded with
the rest and filtered out). Needs LightGBM (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402
import htmlcache  # noqa: E402
import htmldata  # noqa: E402
import textscore  # noqa: E402
from train_textmodel import PARAMS, fit_trees  # noqa: E402

from cleaner.htmlfeatures import CONTEXT_FEATURES, FEATURES, context, title_match  # noqa: E402

_DUP = FEATURES.index("dup_before")
# the fallback to trafilatura's text only where the blocks give next to nothing (issue 17): a page whose
# kept blocks hold under this many characters; 600 and 1000 were in the grid once and 1000 won on val
# by 0.0004 mean F1, sending every short article (and its markdown) to trafilatura's plain text
FALLBACK_CHARS = (0, 150, 300)
NO_PRECISION = ("vote_p", "win_vote_p", "page_p_share")  # the columns read off trafilatura's precision text


def page_titles(t: htmldata.Table) -> list[str]:
    """Each page's title as the extract stage reads it (:func:`cleaner.htmlblocks.blocks_of`)."""
    from cleaner.htmlblocks import blocks_of, parse

    html = {(p.set, p.name): p.html for name in {r.set for r in t.pages} for p in corpus.load_pages(name)}
    out = []
    for r in t.pages:
        root = parse(html[r.set, r.id])
        out.append(blocks_of(root).title if root is not None else "")
    return out


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def folds_of(t: htmldata.Table, k: int) -> np.ndarray:
    per_page = np.array(
        [int(hashlib.sha1(corpus.site_key(p.site).encode()).hexdigest(), 16) % k for p in t.pages]
    )
    return np.repeat(per_page, np.diff(t.offsets))


def context_table(t: htmldata.Table, p: np.ndarray) -> np.ndarray:
    out = [context(t.ctx[i], t.X[t.rows(i)].astype(np.float64), p[t.rows(i)]) for i in range(len(t.pages))]
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, len(CONTEXT_FEATURES)), np.float32)


def assemble(t: htmldata.Table, p: np.ndarray, s: dict[str, Any]) -> list[str | None]:
    """Each page's text under decision ``s`` (the same as cleaner.stages.extract does)."""
    out: list[str | None] = []
    for i in range(len(t.pages)):
        r = t.rows(i)
        keep = p[r] >= s["threshold"]
        X = t.X[r]
        idx = np.flatnonzero(keep).tolist()
        if s["drop_title"] and idx and title_match(t.titles[i], t.texts[r.start + idx[0]]) >= s["title_sim"]:
            idx = idx[1:]
        kept: set[str] = set()
        parts = []
        for j in idx:
            tx = t.texts[r.start + j]
            if X[j, _DUP] and tx in kept:
                continue
            kept.add(tx)
            parts.append(tx)
        text = "\n".join(parts)
        if len(text) < s["fallback_chars"] and t.fallback[i] and len(t.fallback[i]) > len(text):
            text = t.fallback[i]
        out.append(text or None)
    return out


def scores(t: htmldata.Table, preds: list[str | None], golds: dict) -> dict[str, float]:
    groups = defaultdict(list)
    for i, pg in enumerate(t.pages):
        groups[pg.set].append(i)
    return {
        k: textscore.score_pages([t.pages[i] for i in idx], [preds[i] for i in idx], golds).summary()["f1"]
        for k, idx in sorted(groups.items())
    }


def baselines(t: htmldata.Table, golds: dict) -> None:
    traf = {name: htmlcache.load(name) for name in {p.set for p in t.pages}}
    for setting in htmlcache.SETTINGS:
        preds = [traf[p.set].get(p.id, {}).get(setting) for p in t.pages]
        sc = scores(t, preds, golds)
        print(
            f"  trafilatura {setting:15s} "
            + " ".join(f"{k} {v:.4f}" for k, v in sc.items())
            + f"  mean {np.mean(list(sc.values())):.4f}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--rounds", type=int, default=400)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--no-context", action="store_true", help="the block model alone")
    ap.add_argument("--sets", nargs="+", choices=corpus.SETS, default=list(corpus.SETS))
    ap.add_argument(
        "--weights",
        choices=("words", "page", "sqrt"),
        default="page",
        help="a block's weight: its words; its share of its page's words (each page weighs the "
        "same, as the metric averages pages); or its words over the root of its page's",
    )
    ap.add_argument(
        "--no-precision-vote",
        action="store_true",
        help="fit without trafilatura's precision-mode text (one trafilatura run per page at run time)",
    )
    ap.add_argument(
        "--no-refit",
        action="store_true",
        help="ship the forests fitted on fit alone (default: fitted again on fit+val, step 4)",
    )
    ap.add_argument(
        "--learning-curve",
        action="store_true",
        help="only report val F1 of the block model fitted on 50%%, 75%% and 100%% of fit's sites",
    )
    args = ap.parse_args(argv)
    t0 = time.time()
    sets = tuple(args.sets)
    fit = htmldata.load(sets, splits=("fit",))
    val = htmldata.load(sets, splits=("val",))
    golds = corpus.golds(sets)
    val.titles = page_titles(val)
    print(
        f"fit {fit.X.shape} ({len(fit.pages)} pages), val {val.X.shape} ({len(val.pages)} pages), "
        f"{time.time() - t0:.0f} s",
        flush=True,
    )
    if args.no_precision_vote:  # what the features read when that text is not there (None)
        for t in (fit, val):
            t.X[:, [FEATURES.index(c) for c in NO_PRECISION]] = 0.0
    if args.weights != "words":
        for t in (fit, val):
            for i in range(len(t.pages)):
                r = t.rows(i)
                total = float(t.w[r][t.y[r] >= 0].sum()) or 1.0
                t.w[r] = t.w[r] / (total if args.weights == "page" else np.sqrt(total))
    print("val baselines:")
    baselines(val, golds)
    params = {"min_data_in_leaf": 50, "learning_rate": 0.08}
    if args.learning_curve:
        learning_curve(fit, val, golds, args.rounds, params)
        return 0
    m1 = fit_trees(fit.X, fit.y, fit.w, args.rounds, (val.X, val.y, val.w), params)
    n1 = m1.best_iteration or args.rounds
    pv = m1.predict(val.X, num_iteration=n1)
    print(f"block model: {n1} trees ({time.time() - t0:.0f} s)", flush=True)
    best = choose(val, pv, golds)
    models = [("block", m1, n1)]
    if not args.no_context:
        folds = folds_of(fit, args.folds)
        pf = np.zeros(len(fit.y))
        for k in range(args.folds):
            tr = folds != k
            mk = fit_trees(fit.X[tr], fit.y[tr], fit.w[tr], n1, None, params)
            pf[~tr] = mk.predict(fit.X[~tr])
        Zf, Zv = context_table(fit, pf), context_table(val, pv)
        m2 = fit_trees(Zf, fit.y, fit.w, args.rounds, (Zv, val.y, val.w), params)
        n2 = m2.best_iteration or args.rounds
        pv2 = m2.predict(Zv, num_iteration=n2)
        print(f"context round: {n2} trees ({time.time() - t0:.0f} s)", flush=True)
        best2 = choose(val, pv2, golds)
        if best2[0] > best[0]:
            best = best2
            models.append(("context", m2, n2))
        else:
            print("the context round does not help on val: left out")
    print(f"chosen: {best[1]} -> val mean F1 {best[0]:.4f} {best[2]}")
    imp = sorted(zip(m1.feature_importance("gain"), FEATURES, strict=True), reverse=True)[:20]
    print("top features:", ", ".join(f"{n} {g:.0f}" for g, n in imp))
    if not args.no_refit:
        models = refit(models, htmldata.concat(fit, val), args.folds, params)
        print(f"refitted on fit+val ({time.time() - t0:.0f} s)", flush=True)
    if not args.dry_run:
        write_model(models, best, fit, val, not args.no_precision_vote, args.weights, not args.no_refit, argv)
    print(f"done in {time.time() - t0:.0f} s")
    return 0


def refit(models: list, both: htmldata.Table, k: int, params: dict) -> list:
    """The chosen forests fitted again on ``both`` (fit+val) with the trees chosen on val."""
    (_, _, n1), *rest = models
    m1 = fit_trees(both.X, both.y, both.w, n1, None, params)
    out = [("block", m1, n1)]
    if rest:  # the context round, on out-of-fold probabilities of the new table
        folds = folds_of(both, k)
        pf = np.zeros(len(both.y))
        for j in range(k):
            tr = folds != j
            pf[~tr] = fit_trees(both.X[tr], both.y[tr], both.w[tr], n1, None, params).predict(both.X[~tr])
        n2 = rest[0][2]
        out.append(("context", fit_trees(context_table(both, pf), both.y, both.w, n2, None, params), n2))
    return out


def learning_curve(fit: htmldata.Table, val: htmldata.Table, golds: dict, rounds: int, params: dict) -> None:
    """Val F1 of the block model fitted on a share of fit's sites: do more sites still help?"""
    for frac in (0.5, 0.75, 1.0):
        keep = [
            i
            for i, p in enumerate(fit.pages)
            if int(hashlib.sha1(("lc" + corpus.site_key(p.site)).encode()).hexdigest(), 16) % 1000
            < frac * 1000
        ]
        sub = fit.subset(keep)
        m = fit_trees(sub.X, sub.y, sub.w, rounds, (val.X, val.y, val.w), params)
        pv = m.predict(val.X, num_iteration=m.best_iteration or rounds)
        best = max(
            float(np.mean(list(scores(val, assemble(val, pv, s), golds).values())))
            for s in (
                {"threshold": t, "drop_title": True, "title_sim": 0.9, "fallback_chars": 300}
                for t in (0.35, 0.4, 0.45, 0.5)
            )
        )
        print(f"  {frac:.0%} of fit's sites ({len(keep)} pages): val mean F1 {best:.4f}", flush=True)


def choose(val: htmldata.Table, p: np.ndarray, golds: dict) -> tuple[float, dict, dict]:
    results = []
    for thr in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        for drop_title, sim in ((False, 0.8), (True, 0.6), (True, 0.8), (True, 0.9)):
            for fb in FALLBACK_CHARS:
                s = {"threshold": thr, "drop_title": drop_title, "title_sim": sim, "fallback_chars": fb}
                sc = scores(val, assemble(val, p, s), golds)
                results.append((float(np.mean(list(sc.values()))), s, sc))
    results.sort(key=lambda x: -x[0])
    for r in results[:5]:
        print(f"  {r[0]:.4f} {r[1]} " + " ".join(f"{k} {v:.4f}" for k, v in r[2].items()), flush=True)
    return results[0]


def write_model(
    models: list,
    best: tuple,
    fit: htmldata.Table,
    val: htmldata.Table,
    precision_vote: bool,
    weights: str,
    refitted: bool,
    argv: list[str] | None = None,
) -> None:
    import yaml

    from cleaner.textmodel.forest import Forest

    rules = HERE.parent / "rules"
    arrays = rules / "htmlmodel.npz"
    tmp = arrays.with_name("htmlmodel.tmp.npz")
    forests = {name: Forest.from_lightgbm(m.dump_model(num_iteration=n)) for name, m, n in models}
    np.savez_compressed(tmp, **{k: v for name, f in forests.items() for k, v in f.arrays(name).items()})
    tmp.replace(arrays)
    s = best[1]
    doc = {
        "arrays": arrays.name,
        "threshold": s["threshold"],
        "drop_title": s["drop_title"],
        "title_sim": s["title_sim"],
        "fallback_chars": s["fallback_chars"],
        "precision_vote": precision_vote,
        "features": {"block": list(FEATURES), "context": list(CONTEXT_FEATURES)},
        "fitted": {
            "by": " ".join(
                ["python benchmarks/train_htmlmodel.py", *(sys.argv[1:] if argv is None else argv)]
            ),
            "trees": {name: n for name, _, n in models},
            "depth": {name: f.depth for name, f in forests.items()},
            "params": dict(PARAMS, min_data_in_leaf=50, learning_rate=0.08),
            "weights": weights,
            "blocks": {"fit": int((fit.y >= 0).sum()), "val": int((val.y >= 0).sum())},
            "pages": {"fit": len(fit.pages), "val": len(val.pages)},
            "val_f1": {k: round(v, 4) for k, v in best[2].items()},  # the choice's, before the refit
            "refit": "fit+val" if refitted else None,
        },
    }
    head = (
        "# The block model of HTML mode (cleaner/htmlmodel.py): written by benchmarks/train_htmlmodel.py, which\n"
        "# fits its forests (arrays in htmlmodel.npz: the block model, then a context round over the first\n"
        "# round's probabilities around each block) on the `fit` part of the site split and chooses the\n"
        "# decision on `val`: a block stays at probability >= threshold; with drop_title, a first kept block\n"
        "# whose words overlap the page title by title_sim or more goes; a page whose kept text is shorter\n"
        "# than fallback_chars takes trafilatura's text instead; precision_vote: whether trafilatura also\n"
        "# runs in precision mode (else its precision-text columns read 0, as they were fitted). With refit,\n"
        "# the forests were then fitted again on fit+val with those choices (val_f1: before it). Figures on\n"
        "# the test part:\n"
        "# python benchmarks/bench_html.py\n"
    )
    out = rules / "htmlmodel.yaml"
    out.write_text(
        head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    print(f"wrote {out} and {arrays}")


if __name__ == "__main__":
    raise SystemExit(main())
