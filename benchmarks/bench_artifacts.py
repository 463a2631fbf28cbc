"""Benchmark: translation-artifact detection and safe repairs.

Measures, with the shipped ``rules/artifacts.yaml`` (or ``--data FILE``):

injected set   per-kind precision and recall of the detectors on
               ``fixtures/artifacts/injected.jsonl`` (made by
               ``make_artifact_set.py``). A detection is right when it overlaps
               an injected span of its kind; the three quote kinds are matched
               as one family for recall (a dropped closing quote may show as a
               reversed or an unbalanced one). Precision counts the detections of
               a kind in the texts injected with that kind plus those in the
               clean texts, where every detection is false.
               Repairs: the share of injected texts that ``repair`` turns back
               into the clean original exactly, per repairable kind (glued
               words up to case: a camel join keeps its capital, "Biden First").
clean texts    document-level false-flag rate and repairs made on
               ``fixtures/artifacts/clean/*.txt``.
readability    flag rate, hits per 1,000 words by kind and repairs made on the
               gold article text of the Readability test pages
               (``../shared/eval``; skipped if absent), each page in the
               language the pipeline's language stage finds for it.
seeds          the verdicts on ``../shared/seeds`` (000, 002, 004 flagged, 003 not).
throughput     documents per second of ~3 KB through ``ArtifactsStage.process``
               (detection and repairs) on one core.

Prints a table and writes ``benchmarks/results/artifacts.json``.

    python benchmarks/bench_artifacts.py [--data rules/artifacts.yaml] [--json FILE] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from cleaner.artifacts import DEFAULT_REPAIRS, KINDS, Detector, load_data, norm_lang  # noqa: E402
from cleaner.document import Document  # noqa: E402

INJECTED = REPO / "fixtures" / "artifacts" / "injected.jsonl"
CLEAN = REPO / "fixtures" / "artifacts" / "clean"
DEFAULT_JSON = HERE / "results" / "artifacts.json"
QUOTES = {"reversed-quotes", "unbalanced-quotes", "quote-spacing"}
SEED_VERDICTS = {"000": True, "002": True, "003": False, "004": True}


def shared_dir() -> Path:
    env = os.environ.get("CLEANER_SHARED")
    return Path(env).expanduser() if env else REPO.parent / "shared"


def overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 + 1 and b0 < a1 + 1  # touching counts (a space-before hit ends where a span starts)


def clean_texts() -> dict[str, tuple[str, str]]:
    return {p.name: (p.name[:2], p.read_text(encoding="utf-8").strip()) for p in sorted(CLEAN.glob("*.txt"))}


# ------------------------------------------------------------------ injected set
def eval_injected(det: Detector, records: list[dict], clean: dict[str, tuple[str, str]]) -> dict[str, Any]:
    tp_det: Counter[str] = Counter()
    all_det: Counter[str] = Counter()
    found: Counter[str] = Counter()
    truth_n: Counter[str] = Counter()
    var_found: Counter[tuple[str, str]] = Counter()
    var_n: Counter[tuple[str, str]] = Counter()
    repaired: Counter[str] = Counter()
    repair_n: Counter[str] = Counter()
    flagged: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        kind, text, lang = r["kind"], r["text"], r["lang"]
        hits = det.scan(text, lang)
        truth = r["truth"]
        family = QUOTES if kind in QUOTES else {kind}
        for h in hits:
            if h.kind not in family:
                continue
            if h.kind == kind or kind in QUOTES:
                all_det[h.kind] += 1
                if any(overlaps(h.start, h.end, s, e) for s, e in truth):
                    tp_det[h.kind] += 1
        for (s, e), v in zip(truth, r.get("variants") or [""] * len(truth), strict=True):
            ok = any(h.kind in family and overlaps(h.start, h.end, s, e) for h in hits)
            truth_n[kind] += 1
            found[kind] += ok
            var_n[(kind, v)] += 1
            var_found[(kind, v)] += ok
        res = det.summarise(text, hits, len(text.split()))
        f = flagged[(kind, r["rate"])]
        f[0] += res.flagged
        f[1] += 1
        if kind in DEFAULT_REPAIRS or kind == "missing-space-after-punct":
            new, _ = det.repair(text, lang, {kind})
            repair_n[kind] += 1
            orig = clean[r["source"]][1]
            # a camel-case join loses the case of its second word: "BidenFirst" -> "Biden First"
            repaired[kind] += new == orig or (kind == "glued-word" and new.lower() == orig.lower())
    # detections on the clean texts are all false
    for _name, (lang, text) in clean.items():
        for h in det.scan(text, lang):
            all_det[h.kind] += 1
    per_kind = {}
    for k in KINDS:
        if not truth_n[k] and not all_det[k]:
            continue
        per_kind[k] = {
            "injected": truth_n[k],
            "found": found[k],
            "recall": round(found[k] / truth_n[k], 3) if truth_n[k] else None,
            "detections": all_det[k],
            "precision": round(tp_det[k] / all_det[k], 3) if all_det[k] else None,
        }
    variants = {
        f"{k}/{v}": {"injected": n, "recall": round(var_found[(k, v)] / n, 3)}
        for (k, v), n in sorted(var_n.items())
        if v
    }
    repairs = {
        k: {"texts": repair_n[k], "restored_exactly": round(repaired[k] / repair_n[k], 3)} for k in repair_n
    }
    doc_flag = {f"{k}@{rate}": round(a / b, 3) for (k, rate), (a, b) in sorted(flagged.items())}
    return {"per_kind": per_kind, "variants": variants, "repairs": repairs, "flag_rate_injected": doc_flag}


def eval_clean(det: Detector, clean: dict[str, tuple[str, str]]) -> dict[str, Any]:
    flagged, repairs = [], []
    for name, (lang, text) in clean.items():
        res = det.detect(text, lang)
        if res.flagged:
            flagged.append(name)
        _, reps = det.repair(text, lang, DEFAULT_REPAIRS)
        repairs += [dict(r, doc=name) for r in reps]
    return {
        "documents": len(clean),
        "flagged": len(flagged),
        "false_flag_rate": round(len(flagged) / max(len(clean), 1), 4),
        "flagged_docs": flagged,
        "repairs": len(repairs),
        "repair_examples": repairs[:5],
    }


def eval_readability(det: Detector) -> dict[str, Any] | None:
    try:
        import evalsets

        if not evalsets.eval_available():
            return None
        pages = evalsets.readability_pages()
    except Exception as exc:  # the eval helpers are optional
        return {"error": f"{type(exc).__name__}: {exc}"}
    lang_of = language_detector()
    flagged, repairs, scores = [], [], []
    kind_hits: Counter[str] = Counter()
    words = 0
    n = 0
    for p in pages:
        gold = p.gold if hasattr(p, "gold") else p["gold"]
        if not gold or not gold.strip():
            continue
        meta = (p.meta if hasattr(p, "meta") else p.get("meta")) or {}
        lang = lang_of(gold) or norm_lang(meta.get("lang"))
        n += 1
        res = det.detect(gold, lang)
        words += res.words
        kind_hits.update(h.kind for h in res.hits)
        scores.append(res.score)
        if res.flagged:
            flagged.append(
                {"page": p.name, "score": res.score, "kinds": {f["kind"]: f["count"] for f in res.findings}}
            )
        _, reps = det.repair(gold, lang, DEFAULT_REPAIRS)
        repairs += [
            {"page": p.name, "kind": r["kind"], "before": r["before"], "after": r["after"]} for r in reps
        ]
    return {
        "documents": n,
        "flagged": len(flagged),
        "flag_rate": round(len(flagged) / max(n, 1), 4),
        "flagged_docs": flagged,
        "mean_score": round(sum(scores) / max(len(scores), 1), 4),
        "words": words,
        "hits_per_1000_words": {k: round(c * 1000 / max(words, 1), 3) for k, c in sorted(kind_hits.items())},
        "repairs": len(repairs),
        "repair_examples": repairs[:10],
    }


def language_detector():
    """The document language as the pipeline's language stage finds it (langdetect), else None."""
    try:
        from cleaner.stages.language import LanguageStage

        stage = LanguageStage({})
    except Exception:  # the language stage is optional here
        return lambda text: None

    def lang_of(text: str) -> str | None:
        doc = Document(id="gold")
        doc.set_text(text)
        stage.process(doc)
        return norm_lang(doc.language)

    return lang_of


def eval_seeds(det: Detector) -> dict[str, Any] | None:
    seeds = shared_dir() / "seeds"
    if not seeds.is_dir():
        return None
    out = {}
    for p in sorted(seeds.glob("*.txt")):
        key = p.name[:3]
        text = p.read_text(encoding="utf-8")
        res = det.detect(text, "en")
        _, reps = det.repair(text, "en", DEFAULT_REPAIRS)
        out[key] = {
            "score": res.score,
            "flagged": res.flagged,
            "expected": SEED_VERDICTS.get(key),
            "ok": SEED_VERDICTS.get(key) in (None, res.flagged),
            "kinds": {f["kind"]: f["count"] for f in res.findings},
            "repairs": [(r["before"], r["after"]) for r in reps],
        }
    return out


# ---------------------------------------------------------------- throughput
def make_docs(records: list[dict], clean: dict[str, tuple[str, str]], n: int, size: int = 3000) -> list[str]:
    """``n`` texts of about ``size`` characters: clean and injected English paragraphs mixed."""
    rng = random.Random(7)
    pool = [t for lg, t in clean.values() if lg == "en"] + [r["text"] for r in records if r["lang"] == "en"]
    docs = []
    for _ in range(n):
        parts, total = [], 0
        while total < size:
            t = rng.choice(pool)
            parts.append(t)
            total += len(t) + 2
        docs.append("\n\n".join(parts)[:size])
    return docs


def throughput(
    data: dict, records: list[dict], clean: dict[str, tuple[str, str]], seconds: float
) -> dict[str, Any]:
    from cleaner.stages.artifacts import ArtifactsStage

    stage = ArtifactsStage({})
    stage.detector = Detector(data)  # the same data as the rest of the benchmark
    texts = make_docs(records, clean, 1000)
    done = 0
    chars = 0
    elapsed = 0.0
    while elapsed < seconds:
        docs = []
        for i, t in enumerate(texts):
            d = Document(id=str(i))
            d.set_text(t)
            d.language = "en"
            docs.append(d)
        t0 = time.perf_counter()
        for d in docs:
            stage.process(d)
        elapsed += time.perf_counter() - t0
        done += len(docs)
        chars += sum(len(t) for t in texts)
    # the detector alone, without the document plumbing
    det = stage.detector
    t0 = time.perf_counter()
    for t in texts:
        det.detect(t, "en")
    detect_only = len(texts) / (time.perf_counter() - t0)
    return {
        "documents": done,
        "mean_chars": round(chars / done),
        "seconds": round(elapsed, 3),
        "docs_per_second": round(done / elapsed),
        "detect_only_docs_per_second": round(detect_only),
    }


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="detector data file (default: rules/artifacts.yaml)")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON)
    ap.add_argument("--seconds", type=float, default=3.0, help="time spent measuring throughput")
    args = ap.parse_args(argv)

    data = load_data(args.data)
    det = Detector(data)
    records = [json.loads(line) for line in INJECTED.read_text(encoding="utf-8").splitlines() if line.strip()]
    clean = clean_texts()

    inj = eval_injected(det, records, clean)
    cl = eval_clean(det, clean)
    rd = eval_readability(det)
    sd = eval_seeds(det)
    tp = throughput(data, records, clean, args.seconds)

    print(f"injected set: {len(records)} texts from {len(clean)} clean texts ({INJECTED.relative_to(REPO)})")
    print(f"{'kind':28s} {'injected':>8s} {'recall':>7s} {'detections':>10s} {'precision':>9s}")
    for k, v in inj["per_kind"].items():
        rec = "-" if v["recall"] is None else f"{v['recall']:.3f}"
        pre = "-" if v["precision"] is None else f"{v['precision']:.3f}"
        print(f"{k:28s} {v['injected']:8d} {rec:>7s} {v['detections']:10d} {pre:>9s}")
    print(
        "recall by variant: "
        + ", ".join(f"{k} {v['recall']:.2f} (n={v['injected']})" for k, v in inj["variants"].items())
    )
    print(
        "repairs restoring the clean text exactly: "
        + ", ".join(f"{k} {v['restored_exactly']:.3f} (n={v['texts']})" for k, v in inj["repairs"].items())
    )
    print(
        f"clean fixtures: {cl['flagged']}/{cl['documents']} flagged (false-flag rate {cl['false_flag_rate']:.3f}), "
        f"{cl['repairs']} repairs"
    )
    if rd is None:
        print("readability gold: skipped (no ../shared/eval)")
    elif "error" in rd:
        print(f"readability gold: skipped ({rd['error']})")
    else:
        print(
            f"readability gold: {rd['flagged']}/{rd['documents']} flagged (rate {rd['flag_rate']:.3f}), "
            f"mean score {rd['mean_score']:.3f}, {rd['repairs']} repairs"
        )
        for f in rd["flagged_docs"]:
            print(f"    flagged {f['page']}: score {f['score']} {f['kinds']}")
        print(
            "    hits per 1,000 words of clean text: "
            + ", ".join(f"{k} {v}" for k, v in rd["hits_per_1000_words"].items())
        )
    if sd is None:
        print("seeds: skipped (no ../shared/seeds)")
    else:
        for k, v in sd.items():
            exp = (
                ""
                if v["expected"] is None
                else f" (expected {'flagged' if v['expected'] else 'not flagged'})"
            )
            print(
                f"seed {k}: score {v['score']:.3f} flagged={v['flagged']}{exp} {'ok' if v['ok'] else 'WRONG'}"
            )
    print(
        f"throughput: {tp['docs_per_second']} docs/s of {tp['mean_chars']} chars through ArtifactsStage "
        f"(detection + repairs, one core); detection alone {tp['detect_only_docs_per_second']} docs/s"
    )

    out = {
        "injected": inj,
        "clean_fixtures": cl,
        "readability_gold": rd,
        "seeds": sd,
        "throughput": tp,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.json.relative_to(REPO) if args.json.is_relative_to(REPO) else args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
