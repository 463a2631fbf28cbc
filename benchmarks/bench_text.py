"""Benchmark: boilerplate removal for plain-text scrapes (text mode).

Each evaluation page is turned into the text dump a naive scraper keeps
(``evalsets.text_dump``: every visible line, menus and footers included), and
three cleaners of that text are scored against the same gold:

    raw      the dump itself (the floor for precision, the ceiling for recall)
    c4       the C4 line heuristic (``evalsets.c4_filter``)
    cleaner  ``Pipeline.from_yaml(config).clean(dump, format="text").text``

Readability pages: the article-extraction shingle metric (P/R/F1).
Trafilatura pages: the with/without snippet metric (P/R/F1, accuracy).
A document the pipeline drops or fails counts as no output.
Throughput, in MB/s of dump text (UTF-8) and documents/s: whole ``clean``
calls; the boilerplate stage inside them (``Pipeline.timings``: it shares the
core's caches with the stages around it, and its first documents in each
language build that language's rules); and the boilerplate stage alone:
every document first taken through the stages before it, then the stage run
over all of them in one timed loop, ``--rounds`` times on fresh copies, the
best round counting (the issue's "throughput of the stage alone").

    python benchmarks/bench_text.py                  # full sets -> benchmarks/results/text.json
    python benchmarks/bench_text.py --limit 30 --config my.yaml --json /tmp/t.json
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import evalsets  # noqa: E402

DEFAULT_JSON = HERE / "results" / "text.json"
SETS = ("readability", "trafilatura")


def load_pipeline(config: str | None) -> tuple[Any, str | None]:
    """(pipeline, note): the pipeline, or None and why it is skipped."""
    try:
        from cleaner import Pipeline
    except Exception as exc:  # the package is being written; score the baselines anyway
        return None, f"cleaner not importable ({type(exc).__name__}: {exc}); skipping the cleaner rows"
    try:
        return Pipeline.from_yaml(config), None
    except Exception as exc:
        if config:  # a config the user named must work
            print(f"error: cannot build the pipeline from {config}: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
        return None, f"cannot build the default pipeline ({type(exc).__name__}: {exc}); skipping the cleaner rows"


def run_cleaner(pipe: Any, texts: list[str]) -> dict[str, Any]:
    """Clean every text; predictions (None when dropped or failed), statuses and timings."""
    timings = getattr(pipe, "timings", None)
    before = dict(timings) if timings is not None else {}
    preds: list[str | None] = []
    status: Counter[str] = Counter()
    t0 = time.perf_counter()
    for text in texts:
        try:
            doc = pipe.clean(text, format="text")
        except Exception:  # clean() should never raise; count it as a crash
            status["exception"] += 1
            preds.append(None)
            continue
        st = getattr(doc, "status", "ok")
        status[st] += 1
        preds.append(doc.text if st == "ok" else None)
    wall = time.perf_counter() - t0
    stages = {k: v - before.get(k, 0.0) for k, v in dict(timings).items()} if timings is not None else {}
    return {"preds": preds, "status": dict(status), "seconds": wall, "stage_seconds": stages}


def stage_alone(pipe: Any, texts: list[str], name: str = "boilerplate", rounds: int = 5) -> list[float] | None:
    """Seconds for stage ``name`` over all texts, each already taken through the
    stages before it (not timed), in each of ``rounds`` rounds (fresh copies of
    the documents each round: the stage marks their lines)."""
    import dataclasses

    from cleaner.document import Document, Line

    stage = pipe.stage(name)
    if stage is None:
        return None
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
        fresh = [dataclasses.replace(d, lines=[Line(ln.number, ln.text, ln.rule) for ln in d.lines],
                                     metadata=dict(d.metadata)) for d in docs]
        t0 = time.perf_counter()
        for doc in fresh:
            if doc.active:
                stage.process(doc)
        seconds.append(time.perf_counter() - t0)
    return seconds


def throughput(nbytes: int, ndocs: int, seconds: float | None) -> dict[str, Any]:
    if not seconds:
        return {"seconds": seconds, "mb_per_s": None, "docs_per_s": None}
    return {"seconds": round(seconds, 3), "mb_per_s": round(nbytes / 1e6 / seconds, 3),
            "docs_per_s": round(ndocs / seconds, 1)}


def stage_throughput(nbytes: int, ndocs: int, seconds: list[float] | None) -> dict[str, Any]:
    """:func:`throughput` of the best round (the machine is shared: other work
    only ever slows a round down), with the median round's MB/s and every round's seconds."""
    if not seconds:
        return throughput(nbytes, ndocs, None)
    out = throughput(nbytes, ndocs, min(seconds))
    out["median_mb_per_s"] = throughput(nbytes, ndocs, statistics.median(seconds))["mb_per_s"]
    out["rounds_seconds"] = [round(x, 4) for x in seconds]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="first N pages of each set")
    ap.add_argument("--config", help="pipeline config (default: the shipped default)")
    ap.add_argument("--json", default=str(DEFAULT_JSON), help=f"results file (default {DEFAULT_JSON})")
    ap.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    ap.add_argument("--no-cleaner", action="store_true", help="score only the raw dump and C4 baselines")
    ap.add_argument("--rounds", type=int, default=5,
                    help="rounds of the boilerplate stage alone; the best counts, the median is shown (default 5)")
    args = ap.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    t_start = time.perf_counter()

    pipe, note = (None, "--no-cleaner given") if args.no_cleaner else load_pipeline(args.config)
    if note:
        print(f"note: {note}")
    if pipe is not None:  # warm up (lazy loads such as language profiles) outside the timed runs
        pipe.clean("Warm up line for the pipeline, long enough to detect a language.\nShare\n" * 5, format="text")

    result: dict[str, Any] = {"benchmark": "text", "limit": args.limit, "config": args.config,
                              "run": evalsets.run_info(), "cleaner_note": note, "sets": {}}
    for set_name in args.sets:
        t0 = time.perf_counter()
        pages = evalsets.readability_pages() if set_name == "readability" else evalsets.trafilatura_pages()
        if args.limit:
            pages = pages[: args.limit]
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        dumps = [evalsets.text_dump(p.html) for p in pages]
        t_dump = time.perf_counter() - t0
        nbytes = sum(len(d.encode("utf-8")) for d in dumps)
        methods: dict[str, list[str | None]] = {"raw": list(dumps)}
        timing: dict[str, Any] = {"load_seconds": round(t_load, 3), "dump_seconds": round(t_dump, 3)}
        t0 = time.perf_counter()
        methods["c4"] = [evalsets.c4_filter(d) for d in dumps]
        timing["c4"] = throughput(nbytes, len(dumps), time.perf_counter() - t0)
        cleaner_info: dict[str, Any] | None = None
        if pipe is not None:
            run = run_cleaner(pipe, dumps)
            methods["cleaner"] = run["preds"]
            bp = run["stage_seconds"].get("boilerplate")
            cleaner_info = {
                "status": run["status"],
                "clean": throughput(nbytes, len(dumps), run["seconds"]),
                "boilerplate_in_pipeline": throughput(nbytes, len(dumps), bp),
                "boilerplate_stage": stage_throughput(nbytes, len(dumps), stage_alone(pipe, dumps, rounds=args.rounds)),
                "stage_seconds": {k: round(v, 3) for k, v in run["stage_seconds"].items()},
            }

        scores: dict[str, Any] = {}
        per_page: dict[str, dict[str, float]] = {}
        for m, preds in methods.items():
            if set_name == "readability":
                scores[m] = evalsets.shingle_prf(zip(preds, (p.gold for p in pages), strict=True))
                for p, pred in zip(pages, preds, strict=True):
                    per_page.setdefault(p.name, {})[m] = round(evalsets.shingle_prf([(pred, p.gold)])["f1"], 4)
            else:
                scores[m] = evalsets.snippet_prf((pr, p.with_, p.without) for pr, p in zip(preds, pages, strict=True))
        result["sets"][set_name] = {
            "pages": len(pages), "dump_mb": round(nbytes / 1e6, 3),
            "metric": "shingle" if set_name == "readability" else "snippet",
            "scores": scores, "timing": timing, "cleaner": cleaner_info,
        }
        if per_page:
            result["sets"][set_name]["per_page_f1"] = per_page
        report(set_name, len(pages), nbytes, scores, timing, cleaner_info)

    result["total_seconds"] = round(time.perf_counter() - t_start, 2)
    out = evalsets.write_json(args.json, result)
    print(f"\ntotal {result['total_seconds']:.1f}s; wrote {out}")
    return 0


LABELS = {"raw": "raw dump", "c4": "C4 line filter", "cleaner": "cleaner (text mode)"}


def report(set_name: str, n: int, nbytes: int, scores: dict, timing: dict, cleaner_info: dict | None) -> None:
    print()
    if set_name == "readability":
        print(f"readability-test-pages: {n} pages, {nbytes / 1e6:.2f} MB of text dumps; shingle metric")
        rows = [[LABELS[m], s["precision"], s["recall"], s["f1"], f"{s['pages_with_output']}/{s['pages']}"]
                for m, s in scores.items()]
        print(evalsets.format_table(["method", "P", "R", "F1", "output"], rows))
    else:
        print(f"trafilatura-eval: {n} pages, {nbytes / 1e6:.2f} MB of text dumps; snippet metric (with/without)")
        rows = [[LABELS[m], s["precision"], s["recall"], s["f1"], s["accuracy"], s["tp"], s["fp"], s["fn"], s["tn"]]
                for m, s in scores.items()]
        print(evalsets.format_table(["method", "P", "R", "F1", "acc", "TP", "FP", "FN", "TN"], rows))
    print(f"text dumps built in {timing['dump_seconds']:.2f}s; C4 filter {timing['c4']['mb_per_s']} MB/s")
    if cleaner_info:
        c, b = cleaner_info["clean"], cleaner_info["boilerplate_stage"]
        bi = cleaner_info["boilerplate_in_pipeline"]
        print(f"cleaner: status {cleaner_info['status']}; clean() {c['seconds']}s = {c['mb_per_s']} MB/s, "
              f"{c['docs_per_s']} docs/s; boilerplate stage in clean() {bi['seconds']}s = {bi['mb_per_s']} MB/s")
        print(f"boilerplate stage alone: {b['seconds']}s = {b['mb_per_s']} MB/s, best of "
              f"{len(b.get('rounds_seconds', [0]))} rounds (median {b.get('median_mb_per_s')} MB/s; target 20 MB/s)")
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in cleaner_info["stage_seconds"].items())
        print(f"  per stage: {stages}")


if __name__ == "__main__":
    sys.exit(main())
