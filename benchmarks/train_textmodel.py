"""Fit the text model (line model, region model, decision) on the site-split corpus.

    python benchmarks/train_textmodel.py             # fit on `fit`, choose on `val`, write the model
    python benchmarks/train_textmodel.py --dry-run   # the same without writing

1. The line model: gradient-boosted trees (LightGBM) over the line features
   (:mod:`cleaner.textmodel.features`), on the units of the ``fit`` part with
   their line labels. Its number of trees is chosen on ``val``. Grouped by site,
   ``--folds`` models each fitted without one group give every ``fit`` unit a
   probability from a model that did not see its site (what the region model
   must learn from: the line model is surer on pages it has seen).
2. The region model: trees over the region features (what the line model says
   of the line and the lines around it, the best block, the runs of article-like
   lines), with the region labels (inside one of the article's spans).
3. The decision, chosen on ``val`` by the mean F1 over every set and shape:
   a line goes when it lies outside the article region (the region model's
   probability, made contiguous by the best-span decoding) and the line model
   is not sure of it, or when, inside, the line model's probability is low.

Everything it chooses is chosen on ``val``; ``test`` is never read here. The
model goes to ``cleaner/data/textmodel.npz`` (arrays) and
``rules/textmodel.yaml`` (settings, feature names, the figures of the fit).
Needs LightGBM (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import json
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
import textdata  # noqa: E402
import textscore  # noqa: E402

PARAMS = {
    "objective": "binary",
    "learning_rate": 0.15,
    "num_leaves": 48,
    "max_depth": 6,  # complete trees of depth 6 are walked without guessed branches (cleaner.textmodel.forest)
    "min_data_in_leaf": 200,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
}


def fit_trees(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    rounds: int,
    valid: tuple | None = None,
    params: dict | None = None,
) -> Any:
    import lightgbm as lgb

    keep = y >= 0
    ds = lgb.Dataset(X[keep], y[keep], weight=w[keep] * len(w) / max(w[keep].sum(), 1e-9), free_raw_data=True)
    p = dict(PARAMS, **(params or {}))
    callbacks = []
    sets, names = [], []
    if valid is not None:
        Xv, yv, wv = valid
        kv = yv >= 0
        sets = [lgb.Dataset(Xv[kv], yv[kv], weight=wv[kv] * len(wv) / max(wv[kv].sum(), 1e-9), reference=ds)]
        names = ["val"]
        callbacks = [lgb.early_stopping(40, verbose=False)]
    return lgb.train(p, ds, rounds, valid_sets=sets, valid_names=names, callbacks=callbacks)


def site_folds(t: textdata.Table, k: int) -> np.ndarray:
    """Each unit's fold: a site's dumps share one (by the corpus' site key)."""
    import hashlib

    fold_of_dump = np.array(
        [int(hashlib.sha1(corpus.site_key(d.site).encode()).hexdigest(), 16) % k for d in t.dumps]
    )
    return np.repeat(fold_of_dump, np.diff(t.offsets))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def context_table(t: textdata.Table, p: np.ndarray) -> np.ndarray:
    """The context features of every dump's units, from the previous round's probabilities ``p``."""
    from cleaner.textmodel.features import region_matrix

    out = []
    for d in range(len(t.dumps)):
        r = t.rows(d)
        out.append(region_matrix(p[r], t.X[r].astype(np.float64), t.nc[r]).astype(np.float32))
    return np.concatenate(out)


def fit_round(
    name: str,
    Xf: np.ndarray,
    Xv: np.ndarray,
    fit: textdata.Table,
    val: textdata.Table,
    folds: np.ndarray,
    args: Any,
    t0: float,
    oof: bool = True,
) -> tuple[Any, int, np.ndarray, np.ndarray | None]:
    """A model on ``Xf`` with the line labels, its number of trees chosen on val;
    (model, trees, val probabilities, out-of-fold fit probabilities or None)."""
    m = fit_trees(Xf, fit.y, fit.w, args.rounds, (Xv, val.y, val.w))
    n = m.best_iteration or args.rounds
    pv = m.predict(Xv, num_iteration=n)
    print(f"{name}: {n} trees ({time.time() - t0:.0f} s)", flush=True)
    if not oof:
        return m, n, pv, None
    pf = np.zeros(len(fit.y))
    for k in range(args.folds):
        tr = folds != k
        mk = fit_trees(Xf[tr], fit.y[tr], fit.w[tr], n)
        pf[~tr] = mk.predict(Xf[~tr])
        print(f"  {name} fold {k} ({time.time() - t0:.0f} s)", flush=True)
    return m, n, pv, pf


# ------------------------------------------------------------------ decisions
def decide(p: np.ndarray, nc: np.ndarray, s: dict[str, float]) -> np.ndarray:
    """Which units stay: inside the article region (spans decoded from ``p``) at
    p >= inside, outside it at p >= outside."""
    from cleaner.textmodel.features import region_spans_py

    if s["outside"] <= s["inside"]:
        return p >= s["inside"]
    ins = region_spans_py(p, nc, s["extra_span"])
    return np.where(ins, p >= s["inside"], p >= s["outside"])


def texts_of(t: textdata.Table, keep: np.ndarray, lines_of: list[list[str]]) -> list[str]:
    out = []
    for d in range(len(t.dumps)):
        r = t.rows(d)
        lines = lines_of[d]
        out.append(
            "\n".join(
                lines[i]
                for a, b in zip(t.line[r][keep[r]].tolist(), t.last[r][keep[r]].tolist(), strict=True)
                for i in range(a, b + 1)
            )
        )
    return out


def evaluate(t: textdata.Table, preds: list[str], golds: dict) -> dict[tuple[str, str], float]:
    groups = defaultdict(list)
    for i, d in enumerate(t.dumps):
        groups[d.set, d.shape].append(i)
    out = {}
    for key, idx in sorted(groups.items()):
        s = textscore.score_pages([t.dumps[i] for i in idx], [preds[i] for i in idx], golds).summary()
        out[key] = s["f1"]
    return out


def mean_f1(scores: dict[tuple[str, str], float]) -> float:
    return float(np.mean(list(scores.values())))


def choose(val: textdata.Table, p: np.ndarray, golds: dict) -> tuple[float, dict, dict]:
    """The decision settings with the best mean F1 over the val part's sets and shapes."""
    lines_of = [d.text.split("\n") for d in val.dumps]
    results = []
    candidates = [{"inside": t, "outside": t, "extra_span": 1.0} for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55)]
    for t_in in (0.3, 0.4, 0.5):
        for t_out in (0.8, 0.95):
            for extra in (0.1, 0.3):
                candidates.append({"inside": t_in, "outside": t_out, "extra_span": extra})
    for s in candidates:
        keep = np.zeros(len(val.y), dtype=bool)
        for d in range(len(val.dumps)):
            r = val.rows(d)
            keep[r] = decide(p[r], val.nc[r], s)
        sc = evaluate(val, texts_of(val, keep, lines_of), golds)
        results.append((mean_f1(sc), s, sc))
        print(f"  {mean_f1(sc):.4f} {json.dumps(s)}", flush=True)
    results.sort(key=lambda x: -x[0])
    return results[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="fit and choose, but write nothing")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=200, help="most trees per model (early stopping on val)")
    ap.add_argument("--context", type=int, default=2, help="context rounds after the line model")
    ap.add_argument(
        "--keep-trees",
        metavar="N,N,...",
        help="fit nothing: keep the first N trees of each forest of the written model (0 drops a "
        "round), a cheaper model; measure it with bench_text.py --split val before shipping",
    )
    args = ap.parse_args(argv)
    if args.keep_trees:
        keep_trees([int(n) for n in args.keep_trees.split(",")])
        return 0
    t0 = time.time()
    fit = textdata.build(("fit",), augment=True)
    val = textdata.build(("val",))
    golds = corpus.golds()
    print(f"fit {fit.X.shape}, val {val.X.shape} ({time.time() - t0:.0f} s)", flush=True)
    folds = site_folds(fit, args.folds)

    # 1. the line model, then context rounds, each on the previous one's probabilities
    models = []
    m, n, pv, pf = fit_round("line", fit.X, val.X, fit, val, folds, args, t0)
    models.append(("line", m, n))
    best = choose(val, pv, golds)
    print(f"line model alone: {best[0]:.4f} {best[1]}", flush=True)
    for k in range(1, args.context + 1):
        Zf = context_table(fit, pf)
        Zv = context_table(val, pv)
        m, n, pv, pf = fit_round(f"context{k}", Zf, Zv, fit, val, folds, args, t0, oof=k < args.context)
        models.append((f"context{k}", m, n))
        best = choose(val, pv, golds)
        print(f"after context{k}: {best[0]:.4f} {best[1]}", flush=True)
    np.save(textdata.CACHE / "val-final.npy", pv)
    print("best:", best[1])
    for key, f in best[2].items():
        print(f"  {key[0]:12s} {key[1]:11s} {f:.3f}")
    if not args.dry_run:
        write_model(models, best[1], best[2], fit, val)
    print(f"done in {time.time() - t0:.0f} s")
    return 0


# reason groups of the line features: what a removed line's reason names
def reason_of(name: str) -> str:
    from cleaner.textmodel.features import NEIGHBOURS, WINDOWS

    tags = tuple(f"_{tag}" for _, tag in NEIGHBOURS) + tuple(f"_w{k}" for k in WINDOWS)
    if name.endswith(tags):
        return "among-junk"
    vocab = {
        "comment": "comment",
        "promo": "promo",
        "legal": "legal",
        "share": "share",
        "nav": "menu",
        "byline": "byline",
        "time": "date",
    }
    if name.endswith("_words") and name[: -len("_words")] in vocab:  # comment_words -> comment, ...
        return vocab[name[: -len("_words")]]
    return {
        "log_words": "short",
        "log_chars": "short",
        "short": "short",
        "rel_len": "short",
        "sentence_len": "short",
        "strong_para": "short",
        "stop_ratio": "few-stop-words",
        "no_stop": "few-stop-words",
        "stop_len": "few-stop-words",
        "commas": "not-prose",
        "sentences": "not-prose",
        "terminal": "no-sentence-end",
        "colon_end": "label",
        "question": "question",
        "title_ratio": "title-case",
        "upper": "upper-case",
        "uncased": "no-letters",
        "no_words": "no-letters",
        "digits": "numbers",
        "url": "url",
        "handle": "handle",
        "date": "date",
        "ago": "timestamp",
        "counter": "counter",
        "separators": "menu",
        "short_run": "menu",
        "pipes": "table",
        "gaps": "table",
        "bullet": "list-item",
        "list_item": "list-item",
        "marker": "list-item",
        "list_run": "list-item",
        "ellipsis": "teaser",
        "lower_start": "fragment",
        "quote_start": "quote",
        "copyright": "copyright",
        "duplicate": "repeated",
        "link_share": "link",
        "links": "link",
        "heading": "heading",
        "emphasis": "heading",
        "image": "image",
        "indent": "layout",
        "blank_before": "layout",
        "blank_after": "layout",
        "indent_run": "layout",
        "first_line": "page-top",
        "pos": "position",
        "last_line": "page-end",
        "markers_near": "story-list",
        "repeat_shape": "story-list",
        "doc_lines": "document",
        "doc_blank_share": "document",
        "doc_list_share": "document",
        "doc_link_share": "document",
        "doc_words": "document",
    }[name]


def write_model(models: list, decision: dict, scores: dict, fit: Any, val: Any) -> None:
    import yaml

    from cleaner.textmodel.features import LINE_FEATURES, REGION_FEATURES
    from cleaner.textmodel.forest import Forest

    rules = HERE.parent / "rules"
    arrays = rules / "textmodel.npz"
    tmp = arrays.with_name("textmodel.tmp.npz")
    forests = {name: Forest.from_lightgbm(m.dump_model(num_iteration=n)) for name, m, n in models}
    np.savez_compressed(tmp, **{k: v for name, f in forests.items() for k, v in f.arrays(name).items()})
    tmp.replace(arrays)
    doc = {
        "arrays": arrays.name,
        "rounds": [name for name, _, _ in models],
        "decision": {
            "inside": decision["inside"],
            "outside": decision["outside"],
            "extra_span": decision["extra_span"],
            "max_spans": 3,
            "sure": max(decision["inside"], 0.8),
            "lead_lines": 3,
        },
        "reasons": {name: reason_of(name) for name in LINE_FEATURES},
        "features": {"line": list(LINE_FEATURES), "context": list(REGION_FEATURES)},
        "fitted": {
            "by": "benchmarks/train_textmodel.py",
            "trees": {name: n for name, _, n in models},
            "depth": {name: f.depth for name, f in forests.items()},
            "params": PARAMS,
            "units": {"fit": int((fit.y >= 0).sum()), "val": int((val.y >= 0).sum())},
            "val_f1": {f"{k[0]}/{k[1]}": round(v, 4) for k, v in scores.items()},
        },
    }
    head = (
        "# The text model (cleaner/textmodel): written by benchmarks/train_textmodel.py, which fits its forests\n"
        "# (arrays in textmodel.npz: the line model, then context rounds that each read the previous round's\n"
        "# probabilities around every line) on the `fit` part of the site split and chooses the decision on\n"
        "# `val`. `decision`: the article region is the best span of lines by the last round's probability\n"
        "# (and up to two more spans that gain `extra_span` of the best's); a line inside it stays at\n"
        "# probability >= inside, outside at >= outside; `sure` lines stop a section rule. `reasons`: what a\n"
        "# removed line records, by the line feature group that pulled its score down the most. The figures\n"
        "# on the test part: python benchmarks/bench_text.py.\n"
    )
    out = rules / "textmodel.yaml"
    out.write_text(
        head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    print(f"wrote {out} and {arrays}")


def keep_trees(trees: list[int]) -> None:
    """Cut the written model to the first ``trees[k]`` trees of its k-th forest (a boosted
    forest's first trees are a model of their own), dropping the rounds given 0 or none.
    The decision stays as chosen for the whole model."""
    import yaml

    from cleaner.textmodel.forest import FIELDS

    rules = HERE.parent / "rules"
    out, arrays = rules / "textmodel.yaml", rules / "textmodel.npz"
    text = out.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    kept: dict[str, np.ndarray] = {}
    rounds = []
    with np.load(arrays, allow_pickle=False) as z:
        for name, n in zip(doc["rounds"], trees + [0] * (len(doc["rounds"]) - len(trees)), strict=True):
            if n <= 0:
                break
            rounds.append(name)
            for f in FIELDS:
                kept[f"{name}.{f}"] = z[f"{name}.{f}"][:n]
            kept[f"{name}.n_features"] = z[f"{name}.n_features"]
            doc["fitted"]["trees"][name] = min(n, int(doc["fitted"]["trees"][name]))
    tmp = arrays.with_name("textmodel.tmp.npz")
    np.savez_compressed(tmp, **kept)
    tmp.replace(arrays)
    for name in doc["rounds"][len(rounds) :]:
        doc["fitted"]["trees"].pop(name, None)
        doc["fitted"]["depth"].pop(name, None)
    doc["rounds"] = rounds
    doc["fitted"]["kept_trees"] = "python benchmarks/train_textmodel.py --keep-trees " + ",".join(
        map(str, trees)
    )
    out.write_text(
        head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    print(f"kept {dict(zip(rounds, trees, strict=False))} trees; wrote {out} and {arrays}")


if __name__ == "__main__":
    raise SystemExit(main())
