"""Fit the line classifier's weights from the evaluation pages.

Every page of both shared sets is turned into its text dump
(``evalsets.text_dump``) and put through the pipeline up to the boilerplate
stage (decode, encoding, language), then through the rule packs, as at run
time: the classifier learns on the lines the rules leave behind.

Labels
    readability pages: every line, aligned with the gold article text
    (``evalsets.line_labels``; 1 = article);
    trafilatura pages: partial labels, a line that holds a ``with`` snippet is
    1, one that holds a ``without`` snippet is 0, the other lines are
    unlabelled but still give their neighbours context.

Weights
    Each readability line weighs by its words (the shingle metric counts
    words) and every readability page weighs the same in total (the metric
    averages over pages); each labelled trafilatura line weighs by the
    snippets it holds (the snippet metric sums over the corpus); the
    trafilatura lines get ``--traf-share`` of the total weight, the
    readability lines the rest.

Scores
    Sites are held out whole in a grouped k-fold (pages of one site, e.g.
    ``nytimes-1`` .. ``nytimes-5`` or one host, share a fold). Each held-out
    page is cleaned end to end by the real boilerplate and normalize stages
    with the fold's model, and scored as ``benchmarks/bench_text.py`` does:
    shingle P/R/F1 on the readability set, snippet P/R/F1 on the trafilatura
    set. The threshold is chosen by the mean held-out F1 of the two sets; the
    final weights, fitted on all pages, go to ``rules/classifier.yaml`` with
    the held-out scores in ``trained_on``.

    python benchmarks/train_classifier.py              # cross-validate and write weights
    python benchmarks/train_classifier.py --dry-run    # cross-validate only
    python benchmarks/train_classifier.py --dry-run --baselines   # also raw dump, C4, rules only
    python benchmarks/train_classifier.py --dry-run --cache /tmp/pages.pkl   # reuse the built
        # pages between runs (rebuild after changing the rule packs or the pipeline before them)

Needs scikit-learn (a development tool, not a runtime dependency).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import evalsets  # noqa: E402

from cleaner import kernels  # noqa: E402
from cleaner.classify import (  # noqa: E402
    FEATURES,
    OWN_FEATURES,
    LineClassifier,
    _sigmoid,
    context_features,
    own_features,
)
from cleaner.document import Document, Line  # noqa: E402
from cleaner.pipeline import Pipeline  # noqa: E402
from cleaner.yamlio import load_yaml  # noqa: E402

MODEL = HERE.parent / "rules" / "classifier.yaml"
SETS = ("readability", "trafilatura")
THRESHOLDS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
PRE_STAGES = ("decode", "extract", "encoding", "language")  # run before the boilerplate stage
POST_STAGES = ("boilerplate", "normalize", "filters")


# ------------------------------------------------------------------------ data
def site_of(page: evalsets.Page) -> str:
    """The group a page is held out with: its site."""
    if page.set == "readability":
        return "r:" + re.sub(r"-\d+$", "", page.name)
    url = page.url or ""
    m = re.match(r"https?://web\.archive\.org/web/\d+\w*/(?:https?://)?([^/]+)", url)
    host = m.group(1).lower() if m else page.site
    host = host[4:] if host.startswith("www.") else host
    return "t:" + (host or page.name)


def snippet_labels(texts: list[str], with_: list[str], without: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Partial labels of a trafilatura page's lines: (labels, weights); NaN = unlabelled.

    A line holding a ``without`` snippet is 0 (every copy must go); a line
    holding a ``with`` snippet is 1 when it is the only line that holds it (of
    two copies, a teaser and the article, only one need stay, and which one is
    unknown). A line holding both stays unlabelled.
    """
    norm = [evalsets.norm_ws(t) for t in texts]
    pos = np.zeros(len(texts))
    neg = np.zeros(len(texts))
    for s in with_:
        s = evalsets.norm_ws(s)
        hits = [i for i, t in enumerate(norm) if s and s in t]
        if len(hits) == 1:
            pos[hits[0]] += 1
    for s in without:
        s = evalsets.norm_ws(s)
        for i, t in enumerate(norm):
            if s and s in t:
                neg[i] += 1
    labels = np.full(len(texts), np.nan)
    labels[(pos > 0) & (neg == 0)] = 1.0
    labels[(neg > 0) & (pos == 0)] = 0.0
    return labels, np.where(np.isnan(labels), 0.0, pos + neg)


def build_pages(sets: tuple[str, ...] = SETS, limit: int | None = None) -> list[dict]:
    """Each page: the pipeline's lines before the boilerplate stage, the lines the
    rules leave, their labels and weights, and what the page is scored against."""
    import logging

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    pipe = Pipeline.from_yaml(None)
    pre = [s for s in pipe.stages if s.name in PRE_STAGES]
    bp = pipe.stage("boilerplate")
    out = []
    for set_name in sets:
        pages = evalsets.readability_pages() if set_name == "readability" else evalsets.trafilatura_pages()
        if limit:
            pages = pages[:limit]
        for page in pages:
            dump = evalsets.text_dump(page.html)
            doc = Document(id=page.name, raw=dump, format="text")
            for stage in pre:
                stage.process(doc)
            lines = [(ln.number, ln.text) for ln in doc.lines]
            if bp is not None:
                kept = doc.kept_lines()
                view = kernels.TextView([ln.text.strip() for ln in kept])
                bp.compiled(doc.language).apply(kept, bp.counts, view)
            kept = [ln for ln in doc.lines if ln.rule is None and ln.text.strip()]
            texts = [ln.text.strip() for ln in kept]
            item: dict[str, Any] = {
                "name": page.name,
                "set": set_name,
                "group": site_of(page),
                "lang": doc.language,
                "lines": lines,
                "texts": texts,
                "dump": dump,
            }
            if set_name == "readability":
                dump_labels = [lab for _, lab in evalsets.line_labels(dump, page.gold)]
                labels = np.array(
                    [dump_labels[ln.number - 1] if ln.number <= len(dump_labels) else 0 for ln in kept],
                    dtype=float,
                )
                w = np.array([len(t.split()) + 1.0 for t in texts])
                item.update(labels=labels, weights=w / w.sum() if len(w) else w, gold=page.gold)
            else:
                labels, w = snippet_labels(texts, page.with_, page.without)
                item.update(labels=labels, weights=w, with_=page.with_, without=page.without)
            out.append(item)
    return out


WORD_POWER = 1.0  # a readability line weighs (words + 1) ** WORD_POWER


def set_weights(pages: list[dict], traf_share: float) -> list[np.ndarray]:
    """Per-line training weights: each set gets its share of the total."""
    ws = []
    for p in pages:
        w = p["weights"]
        if p["set"] == "readability" and WORD_POWER != 1.0 and len(w):
            w = w**WORD_POWER
            w = w / w.sum()
        ws.append(w)
    tot = {s: sum(float(w.sum()) for p, w in zip(pages, ws, strict=True) if p["set"] == s) for s in SETS}
    present = [s for s in SETS if tot[s] > 0]
    share = {"readability": 1.0 - traf_share, "trafilatura": traf_share}
    if len(present) == 1:
        share = {present[0]: 1.0}
    n = sum(int(np.isfinite(p["labels"]).sum()) for p in pages)
    return [
        w * (share.get(p["set"], 0.0) * n / tot[p["set"]] if tot[p["set"]] else 0.0)
        for p, w in zip(pages, ws, strict=True)
    ]


# --------------------------------------------------------------------- fitting
def fit(
    pages: list[dict], C: float = 1.0, rounds: int = 1, traf_share: float = 0.5, base: dict | None = None
) -> list[np.ndarray]:
    """Weights of the own-feature model and of each context round, then the
    reference line (the weighted mean features of the article lines)."""
    from sklearn.linear_model import LogisticRegression

    base = base or {}
    fallback = float(base.get("fallback_stop_ratio", 0.3))
    confident = float(base.get("confident", 0.7))
    owns = [own_features(p["texts"], p["lang"], fallback) for p in pages]
    lens = [np.array([len(t) for t in p["texts"]], dtype=float) for p in pages]
    ws = set_weights(pages, traf_share)
    mask = [np.isfinite(p["labels"]) & (w > 0) for p, w in zip(pages, ws, strict=True)]
    y = np.concatenate([p["labels"][m] for p, m in zip(pages, mask, strict=True)])
    sw = np.concatenate([w[m] for w, m in zip(ws, mask, strict=True)])

    def lr(X: np.ndarray) -> np.ndarray:
        m = LogisticRegression(C=C, max_iter=5000, fit_intercept=False)
        m.fit(X, y, sample_weight=sw)
        return m.coef_[0]

    weights = [lr(np.vstack([o[m] for o, m in zip(owns, mask, strict=True)]))]
    ps = [_sigmoid(o @ weights[0]) for o in owns]
    for _ in range(rounds):
        Xs = [
            np.hstack([o, context_features(p, ln, confident, o)])
            for o, p, ln in zip(owns, ps, lens, strict=True)
        ]
        X = np.vstack([Xp[m] for Xp, m in zip(Xs, mask, strict=True)])
        weights.append(lr(X))
        ps = [_sigmoid(Xp @ weights[-1]) for Xp in Xs]
    pos = y > 0.5
    weights.append(np.average(X[pos], axis=0, weights=sw[pos]))
    return weights


def model_dict(weights: list[np.ndarray], threshold: float, base: dict) -> dict:
    plain = json.loads(json.dumps(base))  # plain dicts, not the loader's line-tracking ones
    drop = ("own_weights", "context_weights", "refine_weights", "reference", "threshold", "trained_on")
    out = {k: v for k, v in plain.items() if k not in drop}
    out["threshold"] = round(float(threshold), 3)
    out["own_weights"] = {n: round(float(w), 4) for n, w in zip(OWN_FEATURES, weights[0], strict=True)}
    for key, w in zip(("context_weights", "refine_weights"), weights[1:-1], strict=False):
        out[key] = {n: round(float(x), 4) for n, x in zip(FEATURES, w, strict=True)}
    out["reference"] = {n: round(float(x), 4) for n, x in zip(FEATURES, weights[-1], strict=True)}
    return out


# -------------------------------------------------------------------- scoring
class Cleaner:
    """The pipeline's boilerplate, normalize and filters stages with a given classifier."""

    def __init__(self) -> None:
        pipe = Pipeline.from_yaml(None)
        self.stages = [s for s in pipe.stages if s.name in POST_STAGES]
        self.bp = pipe.stage("boilerplate")

    def clean(self, page: dict, clf: LineClassifier | None) -> str | None:
        assert self.bp is not None
        self.bp.classifier = clf
        doc = Document(id=page["name"], format="text")
        doc.lines = [Line(n, t) for n, t in page["lines"]]
        doc.language = page["lang"]
        for stage in self.stages:
            if not doc.active:
                break
            stage.process(doc)
        return doc.text if doc.status == "ok" else None


def score(pages: list[dict], preds: list[str | None]) -> dict[str, dict]:
    out = {}
    for s in SETS:
        idx = [i for i, p in enumerate(pages) if p["set"] == s]
        if not idx:
            continue
        if s == "readability":
            out[s] = evalsets.shingle_prf((preds[i], pages[i]["gold"]) for i in idx)
        else:
            out[s] = evalsets.snippet_prf((preds[i], pages[i]["with_"], pages[i]["without"]) for i in idx)
    return out


def folds_of(pages: list[dict], folds: int, seed: int = 0) -> list[int]:
    """The fold of each page: sites shuffled (fixed seed) and dealt round-robin per set."""
    fold = [0] * len(pages)
    rng = np.random.default_rng(seed)
    for s in SETS:
        groups = sorted({p["group"] for p in pages if p["set"] == s})
        rng.shuffle(groups)
        g2f = {g: k % folds for k, g in enumerate(groups)}
        for i, p in enumerate(pages):
            if p["set"] == s:
                fold[i] = g2f[p["group"]]
    return fold


def crossval(
    pages: list[dict],
    base: dict,
    folds: int,
    thresholds: list[float],
    C: float,
    rounds: int,
    traf_share: float,
    seed: int = 0,
) -> dict[float, dict]:
    """Held-out scores per threshold: every page cleaned by a model fitted without its site."""
    fold = folds_of(pages, folds, seed)
    cleaner = Cleaner()
    preds: dict[float, list[str | None]] = {t: [None] * len(pages) for t in thresholds}
    for k in range(folds):
        train = [p for p, f in zip(pages, fold, strict=True) if f != k]
        clf = LineClassifier(model_dict(fit(train, C, rounds, traf_share, base), 0.5, base))
        for i, p in enumerate(pages):
            if fold[i] != k:
                continue
            for t in thresholds:
                clf.threshold = t
                preds[t][i] = cleaner.clean(p, clf)
    return {t: score(pages, preds[t]) for t in thresholds}


def objective(s: dict) -> float:
    """What the threshold is chosen by: the mean F1 over the sets scored."""
    return float(np.mean([v["f1"] for v in s.values()]))


def baselines(pages: list[dict]) -> dict[str, dict]:
    cleaner = Cleaner()
    return {
        "raw dump": score(pages, [p["dump"] for p in pages]),
        "C4 line filter": score(pages, [evalsets.c4_filter(p["dump"]) for p in pages]),
        "rules only": score(pages, [cleaner.clean(p, None) for p in pages]),
    }


def fmt(s: dict) -> str:
    parts = []
    for name, v in s.items():
        parts.append(f"{name[:4]} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}")
    return " | ".join(parts)


def main() -> None:
    global WORD_POWER
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0, help="how sites are dealt to folds")
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument(
        "--rounds", type=int, default=1, choices=(1, 2), help="context rounds (2 adds a refining round)"
    )
    ap.add_argument(
        "--traf-share",
        type=float,
        default=0.5,
        help="share of the training weight given to the trafilatura pages' labelled lines",
    )
    ap.add_argument(
        "--word-power",
        type=float,
        default=1.0,
        help="a readability line weighs (words + 1) ** this (1: as the shingle metric counts)",
    )
    ap.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS), help="pages to train and score on")
    ap.add_argument("--limit", type=int, help="first N pages of each set")
    ap.add_argument("--baselines", action="store_true", help="also score the raw dump, C4 and rules only")
    ap.add_argument("--dry-run", action="store_true", help="cross-validate only, do not write weights")
    ap.add_argument(
        "--cache",
        help="pickle of the built pages: read if present, else written "
        "(for repeated experiments; rebuild after changing the rule packs)",
    )
    args = ap.parse_args()
    WORD_POWER = args.word_power
    t0 = time.time()
    if args.cache and Path(args.cache).is_file():
        import pickle

        pages = [p for p in pickle.loads(Path(args.cache).read_bytes()) if p["set"] in args.sets]
    else:
        pages = build_pages(tuple(args.sets), args.limit)
        if args.cache:
            import pickle

            Path(args.cache).write_bytes(pickle.dumps(pages))
    n_lab = sum(int(np.isfinite(p["labels"]).sum()) for p in pages)
    print(
        f"{len(pages)} pages, {len({p['group'] for p in pages})} sites, "
        f"{sum(len(p['texts']) for p in pages)} lines after rules, {n_lab} labelled ({time.time() - t0:.1f}s)"
    )
    if args.baselines:
        for name, s in baselines(pages).items():
            print(f"{name:>16}: {fmt(s)}")
    base = load_yaml(MODEL) or {}
    cv = crossval(pages, base, args.folds, THRESHOLDS, args.C, args.rounds, args.traf_share, args.seed)
    for t, s in cv.items():
        print(f"held-out sites, threshold {t:.2f}: {fmt(s)}  mean F1 {objective(s):.4f}")
    best = max(cv, key=lambda t: objective(cv[t]))
    print(f"best threshold {best} (held-out mean F1 {objective(cv[best]):.4f}; {time.time() - t0:.0f}s)")
    if args.dry_run:
        return
    model = model_dict(fit(pages, args.C, args.rounds, args.traf_share, base), best, base)
    trained: dict[str, Any] = {
        "pages": len(pages),
        "sites": len({p["group"] for p in pages}),
        "folds": args.folds,
        "held_out": "whole sites",
    }
    for s, v in cv[best].items():
        trained[s] = {k: round(float(v[k]), 4) for k in ("precision", "recall", "f1")}
    model["trained_on"] = trained
    write_model(model)
    print(f"wrote {MODEL}")


def write_model(model: dict) -> None:
    header = (
        "# Line classifier weights (see cleaner/classify.py), fitted by benchmarks/train_classifier.py\n"
        "# on the readability test pages (line labels) and the trafilatura evaluation pages (snippet\n"
        "# labels), with whole sites held out for the scores in `trained_on`.\n"
        "# p(content) = sigmoid(sum(weight * feature)); a line is removed below `threshold`.\n"
        "# `reasons` maps a feature to the reason a removed line records (classifier.<reason>); the\n"
        "# features that share a reason explain a removal together, measured against `reference`, the\n"
        "# features of a typical article line. `lead_lines`: the headline block above a first paragraph\n"
        "# within that many lines is kept. Edit the settings above the weights; rerun to refit.\n"
    )
    import yaml

    MODEL.write_text(header + yaml.safe_dump(model, sort_keys=False, allow_unicode=True), encoding="utf-8")


if __name__ == "__main__":
    main()
