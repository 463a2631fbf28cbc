"""Benchmark: the batch path (``cleaner clean``) in text mode.

The corpus is the text dumps of both evaluation sets (``evalsets.text_dump`` of
every page: what a naive scraper keeps, menus and footers included), written
as JSONL and replicated ``--copies`` times (ids made unique). Measured in one
run, on the same machine state:

    naive       the naive composition of the same libraries, per document:
                ``ftfy.fix_text`` on the whole text, ``langdetect`` (seeded) on
                the whole text, then a regular-expression line filter
    cleaner-1   ``cleaner.runner.run`` over the same JSONL, one worker, text mode
                (readers, the full default pipeline, and records serialised as
                JSON, as ``cleaner clean`` does), in this process
    cli-1/cli-2 ``cleaner clean CORPUS -o OUT.jsonl --format text --workers 1|2``
                as a subprocess, wall time (start-up included), best of
                ``--rounds``, runs interleaved
    memory      peak RSS (the largest process: main or a worker) of
                ``cleaner clean`` over the text dumps once (N) and ten times
                (10 N), each in a fresh subprocess, from
                ``getrusage(RUSAGE_CHILDREN)``

Naive and cleaner-1 run document by document, interleaved in blocks, so that
load from other work on the machine hits both alike.

    python benchmarks/bench_batch.py                     # -> benchmarks/results/batch.json
    python benchmarks/bench_batch.py --copies 2 --rounds 1 --no-memory --json /tmp/b.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import evalsets  # noqa: E402

DEFAULT_JSON = HERE / "results" / "batch.json"

# the naive line filter: drop lines that look like site furniture
NAIVE_JUNK = re.compile(
    r"^\s*(?:share|tweet|print|email|advertisement|most (?:read|popular)|related(?: articles| stories)?|"
    r"read more.*|subscribe.*|sign (?:in|up).*|log ?in|register|home|menu|search|skip to .*|"
    r"cookie.*|privacy policy|terms .*|copyright.*|©.*|\d+ comments?|leave a (?:reply|comment)|"
    r"follow us.*|newsletter.*|.{0,2})\s*$",
    re.IGNORECASE,
)


def build_corpus(path: Path, copies: int) -> tuple[int, int]:
    """JSONL of the text dumps, ``copies`` times; (documents, bytes of text)."""
    pages = evalsets.readability_pages() + evalsets.trafilatura_pages()
    dumps = [evalsets.text_dump(p.html) for p in pages]
    n = nbytes = 0
    with open(path, "w", encoding="utf-8") as fh:
        for c in range(copies):
            for k, (page, text) in enumerate(zip(pages, dumps, strict=True)):
                fh.write(json.dumps({"id": f"{page.set}/{k}/{c}", "text": text}, ensure_ascii=False) + "\n")
                n += 1
                nbytes += len(text.encode("utf-8"))
    return n, nbytes


def naive_clean(text: str, fix_text: Any, detect: Any) -> dict[str, Any]:
    fixed = fix_text(text)
    try:
        lang = detect(fixed)
    except Exception:  # langdetect raises on text without features
        lang = None
    kept = [ln for ln in fixed.split("\n") if not NAIVE_JUNK.match(ln)]
    return {"text": "\n".join(kept), "language": lang}


def compare_in_process(corpus: Path, block: int = 50) -> dict[str, Any]:
    """naive vs cleaner-1 over the same documents, interleaved in blocks."""
    import ftfy
    from langdetect import DetectorFactory, detect

    from cleaner.io.items import ReadOptions
    from cleaner.io.readers import iter_inputs
    from cleaner.io.writers import dumps
    from cleaner.pipeline import Pipeline
    from cleaner.runner import run

    DetectorFactory.seed = 0
    pipe = Pipeline.from_yaml(None)
    items = list(iter_inputs([str(corpus)], ReadOptions(format="text")))
    texts = [it.raw for it in items]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    t_naive = t_clean = 0.0
    sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for start in range(0, len(items), block):
        chunk = items[start : start + block]
        order = (0, 1) if (start // block) % 2 == 0 else (1, 0)
        for which in order:
            t0 = time.perf_counter()
            if which == 0:
                for it in chunk:
                    sink.write(json.dumps(naive_clean(it.raw, ftfy.fix_text, detect), ensure_ascii=False))
                t_naive += time.perf_counter() - t0
            else:
                for _, rec in run(chunk, None, 1, pipeline=pipe):
                    sink.write(dumps(rec))
                t_clean += time.perf_counter() - t0
    sink.close()
    n = len(items)

    def rate(seconds: float) -> dict[str, Any]:
        return {
            "seconds": round(seconds, 2),
            "docs_per_s": round(n / seconds, 1),
            "mb_per_s": round(nbytes / 1e6 / seconds, 3),
        }

    return {
        "documents": n,
        "mb": round(nbytes / 1e6, 2),
        "naive": rate(t_naive),
        "cleaner_1": rate(t_clean),
        "ratio": round(t_naive / t_clean, 2),
        "stage_seconds": {k: round(v, 2) for k, v in pipe.timings.items()},
    }


def prepare_install(tmpd: Path) -> None:
    """Before the timed CLI runs: the package's modules compiled to bytecode, as
    ``pip install`` leaves them (an editable install where
    PYTHONDONTWRITEBYTECODE is set would compile every module again in every
    run, 0.06 s of each start-up), and one untimed run that builds what the
    cache folder keeps (numba's kernels, the character and word tables)."""
    import compileall

    import cleaner

    compileall.compile_dir(str(Path(cleaner.__file__).parent), quiet=1)
    warm = tmpd / "warm.jsonl"
    warm.write_text(
        json.dumps({"id": "w", "text": "Warm up.\nShare this article\n" * 3}) + "\n", encoding="utf-8"
    )
    cli_run(warm, tmpd / "warm-out.jsonl", 1)


def cli_run(corpus: Path, out: Path, workers: int, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """One ``cleaner clean`` in a fresh process: wall seconds, its summary, and the
    peak RSS of its largest process (measured from a wrapper process)."""
    report = out.with_suffix(".report.json")
    cmd = [
        sys.executable,
        "-m",
        "cleaner",
        "clean",
        str(corpus),
        "-o",
        str(out),
        "--format",
        "text",
        "--workers",
        str(workers),
        "-q",
        "--report",
        str(report),
        *extra,
    ]
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:])\n"
        "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'rc': r.returncode, 'wall': time.perf_counter() - t,\n"
        "  'maxrss_kb': ru.ru_maxrss, 'cpu': ru.ru_utime + ru.ru_stime}))\n"
    )
    p = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, timeout=7200)
    info = json.loads(p.stdout.strip().splitlines()[-1])
    if info["rc"] != 0:
        raise RuntimeError(f"cleaner clean failed ({info['rc']}): {p.stderr[-2000:]}")
    summary = json.loads(report.read_text())
    out.unlink(missing_ok=True)
    report.unlink(missing_ok=True)
    return {
        "wall": info["wall"],
        "cpu": info["cpu"],
        "maxrss_mb": info["maxrss_kb"] / 1024,
        "summary": summary,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--copies", type=int, default=4, help="replicas of the text dumps in the speed corpus (default 4)"
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="CLI runs per worker count, interleaved; the best counts (default 5: the machine is shared and noisy)",
    )
    ap.add_argument("--no-memory", action="store_true", help="skip the N vs 10 N peak-memory runs")
    ap.add_argument("--no-cli", action="store_true", help="skip the 1 vs 2 worker CLI runs")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive vs cleaner comparison")
    ap.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the results")
    args = ap.parse_args(argv)
    if not evalsets.require_eval():
        return 2
    results: dict[str, Any] = {"run": evalsets.run_info(), "cpus": os.cpu_count()}
    try:
        results["load_before"] = os.getloadavg()
    except OSError:
        pass
    with tempfile.TemporaryDirectory(
        prefix="bench-batch-", dir=HERE / ".cache" if (HERE / ".cache").is_dir() else None
    ) as tmp:
        tmpd = Path(tmp)
        corpus = tmpd / "corpus.jsonl"
        n, nbytes = build_corpus(corpus, args.copies)
        print(
            f"corpus: {n} documents, {nbytes / 1e6:.1f} MB of text ({args.copies} copies of the text dumps)"
        )
        rows = []

        # 1. naive composition vs cleaner, one worker, same process, interleaved
        if not args.no_naive:
            cmp = compare_in_process(corpus)
            results["text_mode_1_worker"] = cmp
            rows.append(
                [
                    "naive (ftfy + langdetect + regex)",
                    cmp["documents"],
                    cmp["naive"]["seconds"],
                    cmp["naive"]["docs_per_s"],
                    cmp["naive"]["mb_per_s"],
                    "1.00",
                ]
            )
            rows.append(
                [
                    "cleaner, 1 worker (in process)",
                    cmp["documents"],
                    cmp["cleaner_1"]["seconds"],
                    cmp["cleaner_1"]["docs_per_s"],
                    cmp["cleaner_1"]["mb_per_s"],
                    f"{cmp['ratio']:.2f}",
                ]
            )

        # 2. 1 vs 2 workers through the CLI, interleaved, best of rounds
        if not args.no_cli:
            prepare_install(tmpd)
            walls: dict[int, list[float]] = {1: [], 2: []}
            cores: dict[int, list[float]] = {1: [], 2: []}
            runs: dict[int, list[float]] = {1: [], 2: []}  # the run's own seconds, start-up excluded
            for r in range(args.rounds):
                for w in (1, 2) if r % 2 == 0 else (2, 1):
                    res = cli_run(corpus, tmpd / f"out-{w}.jsonl", w)
                    walls[w].append(res["wall"])
                    cores[w].append(res["cpu"] / res["wall"])
                    runs[w].append(float(res["summary"]["seconds"]))
            best = {w: min(v) for w, v in walls.items()}
            best_run = {w: min(v) for w, v in runs.items()}
            results["cli_workers"] = {
                "documents": n,
                "walls": {str(w): [round(x, 2) for x in v] for w, v in walls.items()},
                # CPU seconds of the run's processes per wall second: near 2 with 2 workers on a quiet
                # machine; near 1 means the cores were busy with other work
                "cores_used": {str(w): [round(x, 2) for x in v] for w, v in cores.items()},
                "best_seconds": {str(w): round(s, 2) for w, s in best.items()},
                "docs_per_s": {str(w): round(n / s, 1) for w, s in best.items()},
                "ratio_2_over_1": round(best[1] / best[2], 2),
                # the same, counted from the summary's own clock: reading, cleaning and writing,
                # without interpreter start-up, imports and the pipeline build (about 1.5 s each run)
                "run_seconds": {str(w): [round(x, 2) for x in v] for w, v in runs.items()},
                "ratio_2_over_1_without_startup": round(best_run[1] / best_run[2], 2),
            }
            for w in (1, 2):
                rows.append(
                    [
                        f"cleaner clean --workers {w} (CLI, best of {args.rounds})",
                        n,
                        round(best[w], 2),
                        round(n / best[w], 1),
                        round(nbytes / 1e6 / best[w], 3),
                        f"{results['cli_workers']['ratio_2_over_1']:.2f} (2 vs 1)" if w == 2 else "",
                    ]
                )
            rows.append(
                [
                    "  the same without start-up (summary clock)",
                    n,
                    "",
                    "",
                    "",
                    f"{results['cli_workers']['ratio_2_over_1_without_startup']:.2f} (2 vs 1)",
                ]
            )

        # 3. peak memory: N vs 10 N documents
        if not args.no_memory:
            small, big = tmpd / "n.jsonl", tmpd / "n10.jsonl"
            n1, _ = build_corpus(small, 1)
            n10, _ = build_corpus(big, 10)
            mem = {}
            for label, path, docs in (("N", small, n1), ("10N", big, n10)):
                r = cli_run(path, tmpd / f"mem-{label}.jsonl", 2)
                mem[label] = {
                    "documents": docs,
                    "maxrss_mb": round(r["maxrss_mb"], 1),
                    "wall": round(r["wall"], 1),
                }
                rows.append(
                    [
                        f"peak RSS, {label} documents, 2 workers",
                        docs,
                        round(r["wall"], 1),
                        "",
                        "",
                        f"{r['maxrss_mb']:.0f} MB",
                    ]
                )
            mem["ratio_10N_over_N"] = round(mem["10N"]["maxrss_mb"] / mem["N"]["maxrss_mb"], 3)
            results["memory"] = mem
    try:
        results["load_after"] = os.getloadavg()
    except OSError:
        pass
    print(evalsets.format_table(["run", "docs", "seconds", "docs/s", "MB/s", "ratio"], rows))
    if "text_mode_1_worker" in results:
        print(f"\ncleaner 1 worker vs naive composition: {results['text_mode_1_worker']['ratio']:.2f}x")
        print("stage seconds (cleaner, 1 worker):", results["text_mode_1_worker"]["stage_seconds"])
    if "cli_workers" in results:
        print(f"2 workers vs 1 (CLI): {results['cli_workers']['ratio_2_over_1']:.2f}x")
    if "memory" in results:
        print(f"peak memory 10N vs N: {results['memory']['ratio_10N_over_N']:.3f}x")
    evalsets.write_json(args.json, results)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
