"""Benchmark: HTML mode, plain trafilatura against the cleaner pipeline.

On the HTML of both evaluation sets (decoded by ``evalsets.decode_html``, the
same string given to both):

    trafilatura  ``trafilatura.extract(html)`` with default settings
    cleaner      ``Pipeline.from_yaml(config).clean(html, format="html").text``

Readability pages: the article-extraction shingle metric (P/R/F1).
Trafilatura pages: the with/without snippet metric (P/R/F1, accuracy).
``None`` from trafilatura, an exception, or a dropped / failed document counts
as no output (a crash is a full miss). Reports the total time of each and
the ratio cleaner / trafilatura: the two run page by page, interleaved, each
call timed on its own, alternating which goes first.

    python benchmarks/bench_html.py                  # full sets -> benchmarks/results/html.json
    python benchmarks/bench_html.py --limit 30 --config my.yaml --json /tmp/h.json
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import evalsets  # noqa: E402
from bench_text import load_pipeline, throughput  # noqa: E402

DEFAULT_JSON = HERE / "results" / "html.json"
SETS = ("readability", "trafilatura")


def _trafilatura_one(html: str) -> tuple[str | None, str]:
    import trafilatura

    try:
        out = trafilatura.extract(html)
    except Exception:  # a crash is a full miss
        return None, "exception"
    return out, "ok" if out else "none"


def _cleaner_one(pipe: Any, html: str) -> tuple[str | None, str]:
    try:
        doc = pipe.clean(html, format="html")
    except Exception:  # clean() should never raise; a crash is a full miss
        return None, "exception"
    st = getattr(doc, "status", "ok")
    return (doc.text if st == "ok" else None), st


def run_both(pipe: Any, htmls: list[str]) -> dict[str, dict[str, Any]]:
    """Run trafilatura and (if given) the pipeline on each page, interleaved.

    Each call is timed on its own; the two alternate which goes first from page
    to page, so neither is charged for a cold cache or favoured by a warm one.
    """
    methods = ["trafilatura"] + (["cleaner"] if pipe is not None else [])
    runs: dict[str, dict[str, Any]] = {m: {"preds": [], "status": Counter(), "seconds": 0.0} for m in methods}
    timings = getattr(pipe, "timings", None)
    before = dict(timings) if timings is not None else {}
    for i, html in enumerate(htmls):
        for m in methods if i % 2 == 0 else methods[::-1]:
            t0 = time.perf_counter()
            pred, st = _trafilatura_one(html) if m == "trafilatura" else _cleaner_one(pipe, html)
            runs[m]["seconds"] += time.perf_counter() - t0
            runs[m]["preds"].append(pred)
            runs[m]["status"][st] += 1
    for run in runs.values():
        run["status"] = dict(run["status"])
    if "cleaner" in runs:
        runs["cleaner"]["stage_seconds"] = (
            {k: v - before.get(k, 0.0) for k, v in dict(timings).items()} if timings is not None else {}
        )
    return runs


LABELS = {"trafilatura": "trafilatura.extract", "cleaner": "cleaner (html mode)"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="first N pages of each set")
    ap.add_argument("--config", help="pipeline config (default: the shipped default)")
    ap.add_argument("--json", default=str(DEFAULT_JSON), help=f"results file (default {DEFAULT_JSON})")
    ap.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    ap.add_argument("--no-cleaner", action="store_true", help="run only plain trafilatura")
    args = ap.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    t_start = time.perf_counter()

    pipe, note = (None, "--no-cleaner given") if args.no_cleaner else load_pipeline(args.config)
    if note:
        print(f"note: {note}")

    result: dict[str, Any] = {"benchmark": "html", "limit": args.limit, "config": args.config,
                              "run": evalsets.run_info(), "cleaner_note": note, "sets": {}}
    # warm up both (imports, lazy setup) so the first timed page is not charged for them
    import trafilatura

    warm = "<html><body><article><p>" + "Warm up sentence for the extractor. " * 20 + "</p></article></body></html>"
    trafilatura.extract(warm)
    if pipe is not None:
        pipe.clean(warm, format="html")
    totals = {"trafilatura": 0.0, "cleaner": 0.0}
    for set_name in args.sets:
        pages = evalsets.readability_pages() if set_name == "readability" else evalsets.trafilatura_pages()
        if args.limit:
            pages = pages[: args.limit]
        htmls = [p.html for p in pages]
        nbytes = sum(len(h.encode("utf-8", errors="replace")) for h in htmls)
        runs = run_both(pipe, htmls)
        scores: dict[str, Any] = {}
        per_page: dict[str, dict[str, float]] = {}
        info: dict[str, Any] = {}
        for m, run in runs.items():
            preds = run["preds"]
            totals[m] += run["seconds"]
            if set_name == "readability":
                scores[m] = evalsets.shingle_prf(zip(preds, (p.gold for p in pages), strict=True))
                for p, pred in zip(pages, preds, strict=True):
                    per_page.setdefault(p.name, {})[m] = round(evalsets.shingle_prf([(pred, p.gold)])["f1"], 4)
            else:
                scores[m] = evalsets.snippet_prf((pr, p.with_, p.without) for pr, p in zip(preds, pages, strict=True))
            info[m] = {"status": run["status"], **throughput(nbytes, len(pages), run["seconds"])}
            if "stage_seconds" in run:
                info[m]["stage_seconds"] = {k: round(v, 3) for k, v in run["stage_seconds"].items()}
        ratio = (runs["cleaner"]["seconds"] / runs["trafilatura"]["seconds"]
                 if "cleaner" in runs and runs["trafilatura"]["seconds"] else None)
        result["sets"][set_name] = {
            "pages": len(pages), "html_mb": round(nbytes / 1e6, 3),
            "metric": "shingle" if set_name == "readability" else "snippet",
            "scores": scores, "runs": info, "time_ratio_cleaner_over_trafilatura": ratio,
        }
        if per_page:
            result["sets"][set_name]["per_page_f1"] = per_page
        report(set_name, len(pages), nbytes, scores, info, ratio)

    overall = totals["cleaner"] / totals["trafilatura"] if pipe is not None and totals["trafilatura"] else None
    result["total_seconds_by_method"] = {k: round(v, 2) for k, v in totals.items() if k in runs}
    result["time_ratio_cleaner_over_trafilatura"] = overall
    result["total_seconds"] = round(time.perf_counter() - t_start, 2)
    print()
    print("total time: " + ", ".join(f"{LABELS[k]} {v:.1f}s" for k, v in result["total_seconds_by_method"].items())
          + (f"; ratio cleaner/trafilatura {overall:.2f}" if overall is not None else ""))
    out = evalsets.write_json(args.json, result)
    print(f"total {result['total_seconds']:.1f}s; wrote {out}")
    return 0


def report(set_name: str, n: int, nbytes: int, scores: dict, info: dict, ratio: float | None) -> None:
    print()
    if set_name == "readability":
        print(f"readability-test-pages: {n} pages, {nbytes / 1e6:.2f} MB of HTML; shingle metric")
        rows = [[LABELS[m], s["precision"], s["recall"], s["f1"], f"{s['pages_with_output']}/{s['pages']}",
                 info[m]["seconds"], info[m]["docs_per_s"]] for m, s in scores.items()]
        print(evalsets.format_table(["method", "P", "R", "F1", "output", "time s", "docs/s"], rows))
    else:
        print(f"trafilatura-eval: {n} pages, {nbytes / 1e6:.2f} MB of HTML; snippet metric (with/without)")
        rows = [[LABELS[m], s["precision"], s["recall"], s["f1"], s["accuracy"], s["tp"], s["fp"], s["fn"], s["tn"],
                 info[m]["seconds"], info[m]["docs_per_s"]] for m, s in scores.items()]
        print(evalsets.format_table(
            ["method", "P", "R", "F1", "acc", "TP", "FP", "FN", "TN", "time s", "docs/s"], rows))
    for m, i in info.items():
        if i["status"] != {"ok": n}:
            print(f"{LABELS[m]} status: {i['status']}")
    if ratio is not None:
        print(f"time ratio cleaner/trafilatura: {ratio:.2f}")


if __name__ == "__main__":
    sys.exit(main())
