"""Benchmark: cleaning plain-text scrapes (text mode), on pages of sites no choice was made on.

Every page of the four evaluation sets (``corpus.py``: readability without its
synthetic pages, trafilatura-eval, wcxb-dev, dragnet) is dumped as scrapers dump
it (inscriptis, BeautifulSoup, html2text markdown, lxml blocks, the article
container), and each dump is cleaned by:

    raw       the dump itself (the floor for precision, the ceiling for recall)
    c4        the C4 line heuristic (5+ words, terminal punctuation)
    justext   jusText's paragraph classification, each line a paragraph
    previous  the previous release of cleaner (its CLI, from a git worktree)
    cleaner   this cleaner: ``Pipeline.clean(dump, format="text")``

Scores come from the ``test`` part of the site split (``--split val`` while
developing; ``fit`` is what the model learned from), per set and shape, with a
bootstrap 95% interval over pages: the shingle metric (readability, wcxb,
dragnet) and the snippet metric (trafilatura). Then wcxb per page type, the
average over shapes, the targets, which rules removed article lines, and the
boilerplate stage's throughput alone (best of ``--rounds``).

    python benchmarks/bench_text.py                       # everything, test part -> benchmarks/results/text.json
    python benchmarks/bench_text.py --split val --methods c4 cleaner --sets dragnet
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402
import evalsets  # noqa: E402
import previous  # noqa: E402
import textscore  # noqa: E402

DEFAULT_JSON = HERE / "results" / "text.json"
METHODS = ("raw", "c4", "justext", "previous", "cleaner")
LABELS = {
    "raw": "raw dump",
    "c4": "C4 line filter",
    "justext": "jusText (lines)",
    "previous": previous.PREVIOUS_NAME,
    "cleaner": "cleaner",
}
# the targets (on the test part)
NEWS_TARGET = 0.92  # F1 averaged over shapes, news sets
C4_MARGIN = 0.08  # above the C4 filter on every set and shape
FLOOR = 0.88  # no shape below, on the news sets


def load_pipeline(config: str | None) -> Any:
    from cleaner import Pipeline

    try:
        return Pipeline.from_yaml(config)
    except Exception as exc:
        print(f"error: cannot build the pipeline ({config or 'default'}): {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def run_cleaner(pipe: Any, dumps: list[corpus.Dump]) -> tuple[list[str | None], dict[str, Any], list[Any]]:
    """Clean every dump; (predictions, status counts and seconds, the documents)."""
    preds: list[str | None] = []
    status: Counter[str] = Counter()
    docs = []
    t0 = time.perf_counter()
    for d in dumps:
        doc = pipe.clean(d.text, format="text")
        status[doc.status] += 1
        preds.append(doc.text if doc.status == "ok" else None)
        docs.append(doc)
    return preds, {"status": dict(status), "seconds": round(time.perf_counter() - t0, 2)}, docs


def stage_alone(pipe: Any, texts: list[str], name: str = "boilerplate", rounds: int = 5) -> list[float]:
    """Seconds for stage ``name`` over all texts, each already taken through the
    stages before it (not timed), in each of ``rounds`` rounds (fresh copies:
    the stage marks the documents' lines)."""
    import dataclasses

    from cleaner.document import Document, Line

    stage = pipe.stage(name)
    before = pipe.stages[: pipe.stages.index(stage)]
    docs = []
    for i, text in enumerate(texts):
        doc = Document(id=str(i), raw=text, format="text")
        for s in before:
            if doc.active:
                s.process(doc)
        docs.append(doc)
    seconds = []
    for _ in range(rounds):
        fresh = [
            dataclasses.replace(
                d, lines=[Line(ln.number, ln.text, ln.rule) for ln in d.lines], metadata=dict(d.metadata)
            )
            for d in docs
        ]
        t0 = time.perf_counter()
        for doc in fresh:
            if doc.active:
                stage.process(doc)
        seconds.append(time.perf_counter() - t0)
    return seconds


def rule_costs(dumps: list[corpus.Dump], docs: list[Any]) -> list[dict[str, Any]]:
    """Per rule (and classifier reason): lines removed, and how many of them the
    gold labels as article text, by set."""
    removed: Counter[str] = Counter()
    lost: dict[str, Counter[str]] = defaultdict(Counter)
    for d, doc in zip(dumps, docs, strict=True):
        if doc.status != "ok":
            continue
        for ln, lab in zip(doc.lines, d.labels, strict=False):
            if ln.rule is None or not ln.text.strip():
                continue
            removed[ln.rule] += 1
            if lab == 1:
                lost[ln.rule][d.set] += 1
    rows = []
    for rule, n in removed.most_common():
        rows.append(
            {
                "rule": rule,
                "removed": n,
                "article_lines": sum(lost[rule].values()),
                "by_set": dict(lost[rule]),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--split", choices=corpus.SPLITS, default="test", help="part of the site split (default: test)"
    )
    ap.add_argument("--sets", nargs="+", choices=corpus.SETS, default=list(corpus.SETS))
    ap.add_argument("--shapes", nargs="+", choices=corpus.SHAPES, default=list(corpus.SHAPES))
    ap.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    ap.add_argument("--limit", type=int, help="first N dumps of each set and shape (a quick look; no claim)")
    ap.add_argument("--config", help="pipeline config (default: the shipped default)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds of the boilerplate stage alone; the best counts (default 5; 0: skip)",
    )
    ap.add_argument("--boot", type=int, default=textscore.BOOT, help="bootstrap resamples (default 1000)")
    ap.add_argument("--json", default=str(DEFAULT_JSON), help=f"results file (default {DEFAULT_JSON})")
    args = ap.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    if not evalsets.require_eval():
        return 2
    t_start = time.perf_counter()
    dumps = corpus.dumps(args.sets, args.shapes, [args.split])
    if args.limit:
        seen: Counter[tuple[str, str]] = Counter()
        keep = []
        for d in dumps:
            seen[d.set, d.shape] += 1
            if seen[d.set, d.shape] <= args.limit:
                keep.append(d)
        dumps = keep
    golds = corpus.golds(args.sets)
    texts = [d.text for d in dumps]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    print(
        f"{len(dumps)} dumps ({nbytes / 1e6:.1f} MB) of the {args.split} part: "
        f"{len({d.key for d in dumps})} pages, {len({d.site for d in dumps})} sites"
    )

    preds: dict[str, list[str | None]] = {}
    timing: dict[str, Any] = {}
    notes: dict[str, str] = {}
    docs: list[Any] = []
    pipe = None
    for m in args.methods:
        t0 = time.perf_counter()
        if m in textscore.BASELINES:
            fn = textscore.BASELINES[m]
            preds[m] = [fn(t) for t in texts]
        elif m == "previous":
            try:
                preds[m] = previous.clean_texts(texts)
            except previous.PreviousUnavailable as exc:
                notes[m] = str(exc)
                print(f"note: {exc}; no row for the previous release", file=sys.stderr)
                continue
        else:
            pipe = load_pipeline(args.config)
            pipe.clean(
                "Warm up line for the pipeline, long enough to detect a language.\nShare\n" * 5, format="text"
            )
            preds[m], info, docs = run_cleaner(pipe, dumps)
            timing["cleaner_run"] = info
        timing[m] = round(time.perf_counter() - t0, 2)
        print(f"  {LABELS[m]}: {timing[m]} s", file=sys.stderr)

    # ---------------------------------------------------------- scores
    methods = [m for m in args.methods if m in preds]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, d in enumerate(dumps):
        groups[d.set, d.shape].append(i)
    result: dict[str, Any] = {
        "benchmark": "text",
        "split": args.split,
        "limit": args.limit,
        "config": args.config,
        "run": evalsets.run_info(),
        "notes": notes,
        "timing": timing,
        "scores": {},
        "page_types": {},
        "averages": {},
    }
    for name in args.sets:
        metric = "snippet F1" if name == "trafilatura" else "shingle F1"
        print(f"\n{name} ({metric}), {args.split} part")
        rows = []
        for shape in args.shapes:
            idx = groups.get((name, shape), [])
            if not idx:
                continue
            sub = [dumps[i] for i in idx]
            cell: dict[str, Any] = {}
            for m in methods:
                s = textscore.score_pages(sub, [preds[m][i] for i in idx], golds).with_interval(args.boot)
                cell[m] = s
            result["scores"].setdefault(name, {})[shape] = cell
            rows.append(
                [
                    shape,
                    len(idx),
                    *(
                        f"{cell[m]['f1']:.3f} [{cell[m]['f1_ci'][0]:.3f}-{cell[m]['f1_ci'][1]:.3f}]"
                        for m in methods
                    ),
                ]
            )
            if "cleaner" in cell:
                c = cell["cleaner"]
                rows[-1].append(f"P {c['precision']:.3f} R {c['recall']:.3f}")
        print(
            evalsets.format_table(
                [
                    "shape",
                    "pages",
                    *(LABELS[m] for m in methods),
                    *(["cleaner P/R"] if "cleaner" in methods else []),
                ],
                rows,
            )
        )

    # wcxb per page type, over all shapes
    if "wcxb" in args.sets:
        print(f"\nwcxb per page type (shingle F1, all shapes pooled), {args.split} part")
        types = sorted({d.page_type for d in dumps if d.set == "wcxb"})
        rows = []
        for pt in types:
            idx = [i for i, d in enumerate(dumps) if d.set == "wcxb" and d.page_type == pt]
            sub = [dumps[i] for i in idx]
            cell = {
                m: textscore.score_pages(sub, [preds[m][i] for i in idx], golds).with_interval(args.boot)
                for m in methods
            }
            result["page_types"][pt] = cell
            rows.append(
                [
                    pt,
                    len(idx),
                    *(
                        f"{cell[m]['f1']:.3f} [{cell[m]['f1_ci'][0]:.3f}-{cell[m]['f1_ci'][1]:.3f}]"
                        for m in methods
                    ),
                ]
            )
        print(evalsets.format_table(["page type", "dumps", *(LABELS[m] for m in methods)], rows))

    # averages over shapes, and the targets
    print("\nF1 averaged over shapes")
    rows = []
    for name in args.sets:
        cells = result["scores"].get(name, {})
        if not cells:
            continue
        avg = {m: float(np.mean([cells[s][m]["f1"] for s in cells])) for m in methods}
        result["averages"][name] = avg
        rows.append([name, *(avg[m] for m in methods)])
    news = [n for n in args.sets if n in corpus.NEWS_SETS and n in result["averages"]]
    if news:
        avg = {m: float(np.mean([result["averages"][n][m] for n in news])) for m in methods}
        result["averages"]["news"] = avg
        rows.append(["news sets", *(avg[m] for m in methods)])
    print(evalsets.format_table(["set", *(LABELS[m] for m in methods)], rows))
    if "cleaner" in methods:
        result["targets"] = targets(result, args.sets, methods)
        for line in result["targets"]["lines"]:
            print(line)

    # which rules removed article lines
    if docs:
        costs = rule_costs(dumps, docs)
        overruled = (
            dict(getattr(pipe.stage("boilerplate"), "overruled", {}) or {}) if pipe is not None else {}
        )
        for c in costs:
            c["model_sure"] = overruled.get(c["rule"], 0)
        result["rule_costs"] = costs
        print(
            "\nremoved lines by rule or reason: how many the gold calls article, and how many of a rule's the "
            "model was sure were article text (all shapes)"
        )
        print(
            evalsets.format_table(
                ["rule", "removed", "article", "model sure", "article by set"],
                [
                    [
                        c["rule"],
                        c["removed"],
                        c["article_lines"],
                        c["model_sure"] if not c["rule"].startswith("classifier.") else "",
                        ", ".join(f"{k} {v}" for k, v in sorted(c["by_set"].items())),
                    ]
                    for c in costs[:40]
                ],
            )
        )

    # throughput of the stage alone, on every dump of the part (all shapes), and per shape
    if pipe is not None and args.rounds > 0:
        result["stage_alone"] = {}
        print(f"\nboilerplate stage alone (best of {args.rounds} rounds; target 20 MB/s):")
        for label, shapes in [("all shapes", args.shapes)] + [(s, [s]) for s in args.shapes]:
            sample = [d.text for d in dumps if d.shape in shapes]
            sb = sum(len(t.encode("utf-8")) for t in sample)
            secs = stage_alone(
                pipe, sample, rounds=args.rounds if label == "all shapes" else max(1, args.rounds // 2)
            )
            best, med = min(secs), statistics.median(secs)
            result["stage_alone"][label] = {
                "docs": len(sample),
                "mb": round(sb / 1e6, 3),
                "best_mb_per_s": round(sb / 1e6 / best, 2),
                "median_mb_per_s": round(sb / 1e6 / med, 2),
                "rounds_seconds": [round(s, 3) for s in secs],
            }
            print(
                f"  {label:11s} {sb / 1e6 / best:6.1f} MB/s (median {sb / 1e6 / med:.1f}) on {len(sample)} dumps, "
                f"{sb / 1e6:.1f} MB"
            )
    result["total_seconds"] = round(time.perf_counter() - t_start, 1)
    out = evalsets.write_json(args.json, result)
    print(f"\ntotal {result['total_seconds']} s; wrote {out}")
    return 0


def targets(result: dict[str, Any], sets: list[str], methods: list[str]) -> dict[str, Any]:
    """The issue's targets, checked on the scores of this run."""
    lines = ["\ntargets:"]
    ok = True
    news = result["averages"].get("news", {}).get("cleaner")
    if news is not None:
        good = news >= NEWS_TARGET
        ok &= good
        lines.append(
            f"  news sets, F1 averaged over shapes >= {NEWS_TARGET}: {news:.3f} {'ok' if good else 'MISSED'}"
        )
    if "c4" in methods:
        worst = min(
            (
                (cells[s]["cleaner"]["f1"] - cells[s]["c4"]["f1"], n, s)
                for n, cells in result["scores"].items()
                for s in cells
            ),
            default=None,
        )
        if worst is not None:
            good = worst[0] >= C4_MARGIN
            ok &= good
            lines.append(
                f"  >= C4 + {C4_MARGIN} on every set and shape: smallest margin {worst[0]:+.3f} "
                f"({worst[1]}/{worst[2]}) {'ok' if good else 'MISSED'}"
            )
    floor = min(
        (
            (cells[s]["cleaner"]["f1"], n, s)
            for n, cells in result["scores"].items()
            if n in corpus.NEWS_SETS
            for s in cells
        ),
        default=None,
    )
    if floor is not None:
        good = floor[0] >= FLOOR
        ok &= good
        lines.append(
            f"  no news shape below {FLOOR}: lowest {floor[0]:.3f} ({floor[1]}/{floor[2]}) "
            f"{'ok' if good else 'MISSED'}"
        )
    return {"met": bool(ok), "lines": lines}


if __name__ == "__main__":
    sys.exit(main())
