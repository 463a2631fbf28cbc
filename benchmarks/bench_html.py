"""Benchmark: HTML mode on the test part of the site split, against every plain trafilatura setting.

The test part (sites never fitted or tuned on, :func:`corpus.split_of`) of the
four sets: readability (without its synthetic pages), trafilatura-eval, wcxb-dev
and dragnet. Per set, and per page type of wcxb:

    trafilatura default     trafilatura.extract(html, include_comments=False)
    trafilatura precision   ... favor_precision=True
    trafilatura recall      ... favor_recall=True
    cleaner                 Pipeline.from_yaml(config).clean(html, format="html").text

P/R/F1 with a bootstrap 95% interval over pages: the shingle metric where the set
has a gold text, the with/without snippet metric on the trafilatura set. "pooled"
is the mean F1 over the four sets (its interval resamples pages within each
set), and "gain" cleaner's pooled F1 minus the best trafilatura setting's, with a
paired bootstrap interval. Time: trafilatura default and cleaner run page by
page, interleaved, each call timed on its own, alternating which goes first;
the ratio of their total times is measured in this run. The precision and
recall settings' outputs come from the cache of :mod:`htmlcache` (run once).

    python benchmarks/bench_html.py                     # -> benchmarks/results/html.json
    python benchmarks/bench_html.py --split val         # the same on val (what choices may look at)
    python benchmarks/bench_html.py --limit 40 --config my.yaml --json /tmp/h.json
"""

from __future__ import annotations

import argparse
import logging
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
import htmlcache  # noqa: E402
import htmldata  # noqa: E402
import textscore  # noqa: E402
from bench_text import load_pipeline  # noqa: E402

DEFAULT_JSON = HERE / "results" / "html.json"
METHODS = ("trafilatura default", "trafilatura precision", "trafilatura recall", "cleaner")


def _trafilatura_default(html: str) -> str | None:
    import trafilatura

    try:
        return trafilatura.extract(html, include_comments=False) or None
    except Exception:  # a crash is a full miss
        return None


def _cleaner_one(pipe: Any, html: str) -> tuple[str | None, str]:
    try:
        doc = pipe.clean(html, format="html")
    except Exception:  # clean() should never raise; a crash is a full miss
        return None, "exception"
    st = getattr(doc, "status", "ok")
    return (doc.text if st == "ok" else None), st


def run_timed(pipe: Any, htmls: list[str]) -> tuple[list, list, float, float, Counter]:
    """trafilatura default and cleaner on each page, interleaved and timed call by call."""
    pt: list[str | None] = []
    pc: list[str | None] = []
    tt = tc = 0.0
    status: Counter[str] = Counter()
    for i, html in enumerate(htmls):
        for m in ("t", "c") if i % 2 == 0 else ("c", "t"):
            t0 = time.perf_counter()
            if m == "t":
                pt.append(_trafilatura_default(html))
                tt += time.perf_counter() - t0
            else:
                out, st = _cleaner_one(pipe, html)
                tc += time.perf_counter() - t0
                pc.append(out)
                status[st] += 1
    return pt, pc, tt, tc, status


def pooled(
    scores: dict[str, textscore.PageScores], boot: int = textscore.BOOT, seed: int = textscore.BOOT_SEED
) -> tuple[float, list[float], np.ndarray]:
    """The mean F1 over sets, its bootstrap interval (pages resampled within each set) and the draws."""
    point = float(np.mean([s.summary()["f1"] for s in scores.values()]))
    rng = np.random.default_rng(seed)
    draws = np.zeros(boot)
    sizes = {k: (len(s.p) if s.metric == "shingle" else len(s.counts)) for k, s in scores.items()}
    idx = {k: [rng.integers(0, n, n) for _ in range(boot)] for k, n in sizes.items()}
    for b in range(boot):
        draws[b] = np.mean([s.summary(idx[k][b])["f1"] for k, s in scores.items()])
    return (
        point,
        [round(float(np.percentile(draws, 2.5)), 4), round(float(np.percentile(draws, 97.5)), 4)],
        draws,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("test", "val"), default="test")
    ap.add_argument("--limit", type=int, help="first N pages of each set")
    ap.add_argument("--config", help="pipeline config (default: the shipped default)")
    ap.add_argument("--json", default=str(DEFAULT_JSON), help=f"results file (default {DEFAULT_JSON})")
    ap.add_argument("--sets", nargs="+", choices=corpus.SETS, default=list(corpus.SETS))
    args = ap.parse_args(argv)
    if not evalsets.require_eval():
        return 2
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    t_start = time.perf_counter()
    pipe = load_pipeline(args.config)
    import trafilatura

    warm = (
        "<html><body><article><p>"
        + "Warm up sentence for the extractor. " * 20
        + "</p></article></body></html>"
    )
    trafilatura.extract(warm)
    pipe.clean(warm, format="html")
    golds = corpus.golds(args.sets)
    result: dict[str, Any] = {
        "benchmark": "html",
        "split": args.split,
        "limit": args.limit,
        "config": args.config,
        "run": evalsets.run_info(),
        "sets": {},
        "page_types": {},
    }
    all_scores: dict[str, dict[str, textscore.PageScores]] = defaultdict(dict)
    totals = {"trafilatura default": 0.0, "cleaner": 0.0}
    nbytes = 0
    for name in args.sets:
        pages = [p for p in corpus.load_pages(name) if corpus.split_of(corpus.page_site(p)) == args.split]
        if args.limit:
            pages = pages[: args.limit]
        refs = [htmldata.PageRef(p.set, p.name, corpus.page_site(p), args.split, p.page_type) for p in pages]
        cache = htmlcache.load(name)
        htmls = [p.html for p in pages]
        nbytes += sum(len(h.encode("utf-8", "replace")) for h in htmls)
        pt, pc, tt, tc, status = run_timed(pipe, htmls)
        totals["trafilatura default"] += tt
        totals["cleaner"] += tc
        preds = {
            "trafilatura default": pt,
            "trafilatura precision": [cache.get(p.name, {}).get("precision") for p in pages],
            "trafilatura recall": [cache.get(p.name, {}).get("recall") for p in pages],
            "cleaner": pc,
        }
        rows = {}
        for m in METHODS:
            sc = textscore.score_pages(refs, preds[m], golds)
            all_scores[m][name] = sc
            rows[m] = sc.with_interval()
        result["sets"][name] = {
            "pages": len(pages),
            "metric": all_scores["cleaner"][name].metric,
            "scores": rows,
            "seconds": {"trafilatura default": round(tt, 2), "cleaner": round(tc, 2)},
            "cleaner_status": dict(status),
        }
        report(
            f"{name} ({args.split}: {len(pages)} pages, {all_scores['cleaner'][name].metric} metric)", rows
        )
        types = sorted({r.page_type for r in refs})
        if len(types) > 1:
            for t in types:
                idx = [i for i, r in enumerate(refs) if r.page_type == t]
                trows = {
                    m: textscore.score_pages(
                        [refs[i] for i in idx], [preds[m][i] for i in idx], golds
                    ).with_interval()
                    for m in METHODS
                }
                result["page_types"][f"{name}/{t}"] = trows
                report(f"  {name} / {t}: {len(idx)} pages", trows)
    # pooled over the sets, and cleaner's gain over the best trafilatura setting
    pool = {m: pooled(all_scores[m]) for m in METHODS}
    best = max(METHODS[:3], key=lambda m: pool[m][0])
    gain = pool["cleaner"][2] - pool[best][2]  # the same resampled pages for both (same seed)
    result["pooled"] = {m: {"f1": round(v[0], 4), "f1_ci": v[1]} for m, v in pool.items()}
    result["gain_over_best_trafilatura"] = {
        "best": best,
        "gain": round(pool["cleaner"][0] - pool[best][0], 4),
        "ci": [round(float(np.percentile(gain, 2.5)), 4), round(float(np.percentile(gain, 97.5)), 4)],
    }
    ratio = totals["cleaner"] / totals["trafilatura default"] if totals["trafilatura default"] else None
    result["seconds"] = {k: round(v, 2) for k, v in totals.items()}
    result["time_ratio_cleaner_over_trafilatura_default"] = round(ratio, 3) if ratio else None
    result["html_mb"] = round(nbytes / 1e6, 2)
    print()
    print(
        f"pooled ({len(args.sets)} sets, mean F1): "
        + ", ".join(f"{m} {v[0]:.4f} [{v[1][0]:.4f}, {v[1][1]:.4f}]" for m, v in pool.items())
    )
    g = result["gain_over_best_trafilatura"]
    print(f"cleaner - {best}: {g['gain']:+.4f} (95% CI {g['ci'][0]:+.4f} .. {g['ci'][1]:+.4f})")
    print(
        f"time: trafilatura default {totals['trafilatura default']:.1f} s, cleaner {totals['cleaner']:.1f} s "
        f"for {nbytes / 1e6:.1f} MB; ratio cleaner/trafilatura default {ratio:.2f}"
    )
    result["total_seconds"] = round(time.perf_counter() - t_start, 2)
    out = evalsets.write_json(args.json, result)
    print(f"total {result['total_seconds']:.1f}s; wrote {out}")
    return 0


def report(title: str, rows: dict[str, dict[str, Any]]) -> None:
    print()
    print(title)
    table = [
        [m, r["precision"], r["recall"], r["f1"], f"[{r['f1_ci'][0]:.4f}, {r['f1_ci'][1]:.4f}]"]
        for m, r in rows.items()
    ]
    print(evalsets.format_table(["method", "P", "R", "F1", "F1 95% CI"], table))


if __name__ == "__main__":
    sys.exit(main())
