"""Fit the line classifier's weights from the evaluation pages.

Labels come from aligning each line of a page's text dump with the page's gold
article text (``evalsets.line_labels``). The pipeline's rule packs run first, as
they do at run time, so the classifier learns on the lines rules leave behind.
Two logistic models are fitted (own features, then own + context); whole pages
(sites) are held out in a grouped k-fold to report honest scores, and the final
weights, fitted on all pages, are written to ``rules/classifier.yaml``.

    python benchmarks/train_classifier.py            # cross-validate and write weights
    python benchmarks/train_classifier.py --dry-run  # cross-validate only

Needs scikit-learn (a development tool, not a runtime dependency).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import evalsets  # noqa: E402

from cleaner.classify import FEATURES, OWN_FEATURES, LineClassifier, _sigmoid, context_features, own_features  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.pipeline import Pipeline  # noqa: E402
from cleaner.yamlio import load_yaml  # noqa: E402

MODEL = HERE.parent / "rules" / "classifier.yaml"


def build_docs(limit: int | None = None) -> list[dict]:
    """Each page: the lines the rules leave, their labels and the gold text."""
    pipe = Pipeline.from_yaml(None)
    lang_stage = pipe.stage("language")
    bp = pipe.stage("boilerplate")
    docs = []
    pages = evalsets.readability_pages()
    if limit:
        pages = pages[:limit]
    for page in pages:
        name = page["name"] if isinstance(page, dict) else page.name
        html = page["html"] if isinstance(page, dict) else page.html
        gold = page["gold"] if isinstance(page, dict) else page.gold
        dump = evalsets.text_dump(html)
        labelled = [(ln, lab) for ln, lab in evalsets.line_labels(dump, gold) if ln.strip()]
        doc = Document(id=name, raw=dump, format="text")
        doc.set_text("\n".join(ln for ln, _ in labelled))
        lang_stage.process(doc)
        if bp is not None:
            bp.compiled(doc.language).apply(doc.kept_lines(), doc, bp.counts)
        keep = [i for i, ln in enumerate(doc.lines) if ln.rule is None]
        docs.append(
            {
                "name": name,
                "lang": doc.language,
                "texts": [doc.lines[i].text.strip() for i in keep],
                "labels": np.array([labelled[i][1] for i in keep], dtype=float),
                "gold": gold,
            }
        )
    return docs


def weights_of(texts: list[str]) -> np.ndarray:
    # the score counts word shingles and averages over pages: a line weighs by
    # its words, and every page weighs the same in total
    w = np.array([len(t.split()) + 1.0 for t in texts]) ** WEIGHT_POWER
    return w * len(texts) / w.sum() if len(texts) else w


WEIGHT_POWER = 1.0
ROUNDS = 1  # context rounds (1: own + context; 2: adds a refining round)


def fit(docs: list[dict], C: float = 1.0, rounds: int = 2) -> list[np.ndarray]:
    """Weights of the own-feature model and of each context round."""
    from sklearn.linear_model import LogisticRegression

    owns = [own_features(d["texts"], d["lang"]) for d in docs]
    lens = [np.array([len(t) for t in d["texts"]], dtype=float) for d in docs]
    y = np.concatenate([d["labels"] for d in docs])
    sw = np.concatenate([weights_of(d["texts"]) for d in docs])
    m = LogisticRegression(C=C, max_iter=2000, fit_intercept=False)
    m.fit(np.vstack(owns), y, sample_weight=sw)
    weights = [m.coef_[0]]
    ps = [_sigmoid(o @ weights[0]) for o in owns]
    for _ in range(rounds):
        Xs = [np.hstack([o, context_features(p, ln, 0.7, o[:, 1])]) for o, p, ln in zip(owns, ps, lens)]
        m = LogisticRegression(C=C, max_iter=3000, fit_intercept=False)
        m.fit(np.vstack(Xs), y, sample_weight=sw)
        weights.append(m.coef_[0])
        ps = [_sigmoid(X @ weights[-1]) for X in Xs]
    return weights


def model_dict(weights: list[np.ndarray], threshold: float, base: dict) -> dict:
    plain = json.loads(json.dumps(base))  # plain dicts, not the loader's line-tracking ones
    drop = ("own_weights", "context_weights", "refine_weights", "threshold", "trained_on")
    out = {k: v for k, v in plain.items() if k not in drop}
    out["threshold"] = round(float(threshold), 3)
    out["own_weights"] = {n: round(float(w), 4) for n, w in zip(OWN_FEATURES, weights[0])}
    for key, w in zip(("context_weights", "refine_weights"), weights[1:]):
        out[key] = {n: round(float(x), 4) for n, x in zip(FEATURES, w)}
    return out


def predict_texts(clf: LineClassifier, d: dict) -> np.ndarray:
    return clf.probabilities(d["texts"], d["lang"])


def crossval(docs: list[dict], base: dict, folds: int, thresholds: list[float], C: float) -> dict:
    """Grouped k-fold over pages; returns shingle scores per threshold."""
    order = np.arange(len(docs))
    rng = np.random.default_rng(0)
    rng.shuffle(order)
    probs: list[np.ndarray | None] = [None] * len(docs)
    for k in range(folds):
        test = set(order[k::folds].tolist())
        train = [d for i, d in enumerate(docs) if i not in test]
        clf = LineClassifier(model_dict(fit(train, C, ROUNDS), 0.5, base))
        for i in test:
            probs[i] = predict_texts(clf, docs[i])
    out = {}
    for t in thresholds:
        pairs = []
        for d, p in zip(docs, probs):
            keep = p >= t
            if not keep.any() and len(p):
                keep = p >= 0.5 * p.max()  # as LineClassifier.judge does
            kept = [x for x, k in zip(d["texts"], keep) if k]
            pairs.append(("\n".join(kept), d["gold"]))
        out[t] = evalsets.shingle_prf(pairs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--dry-run", action="store_true", help="cross-validate only, do not write weights")
    args = ap.parse_args()
    t0 = time.time()
    docs = build_docs(args.limit)
    print(f"{len(docs)} pages, {sum(len(d['texts']) for d in docs)} lines after rules "
          f"({time.time() - t0:.1f}s)")
    base = load_yaml(MODEL) or {}
    thresholds = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
    cv = crossval(docs, base, args.folds, thresholds, args.C)
    for t, s in cv.items():
        print(f"held-out pages, threshold {t:.2f}: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}")
    best = max(cv, key=lambda t: cv[t]["f1"])
    print(f"best threshold {best} (held-out F1 {cv[best]['f1']:.3f})")
    if args.dry_run:
        return
    model = model_dict(fit(docs, args.C, ROUNDS), best, base)
    model["trained_on"] = {
        "pages": len(docs),
        "heldout_f1": round(cv[best]["f1"], 4),
        "heldout_precision": round(cv[best]["precision"], 4),
        "heldout_recall": round(cv[best]["recall"], 4),
        "folds": args.folds,
    }
    write_model(model)
    print(f"wrote {MODEL}")


def write_model(model: dict) -> None:
    header = (
        "# Line classifier weights (see cleaner/classify.py), fitted by benchmarks/train_classifier.py\n"
        "# on the readability test pages with whole pages held out for the scores in `trained_on`.\n"
        "# p(content) = sigmoid(sum(weight * feature)); a line is removed below `threshold`.\n"
    )
    import yaml

    MODEL.write_text(header + yaml.safe_dump(model, sort_keys=False, allow_unicode=True), encoding="utf-8")


if __name__ == "__main__":
    main()
