"""Benchmark: ``cleaner clean`` on local Ray (2 workers) against the plain CLI (2 workers).

The corpus is built from the shared evaluation pages (``evalsets``): for every
Readability and trafilatura page, its text dump (what a naive scraper keeps,
``evalsets.text_dump``) as a ``text`` record and the page itself as an ``html``
record, a few thousand documents in one JSONL file (cached in
``benchmarks/.cache/``). Each engine runs as a fresh process over the same file,
so start-up (Python, Ray, worker processes, pipeline builds) counts for both:

    cli-1      cleaner clean corpus.jsonl -o out.jsonl --workers 1
    cli-2      cleaner clean corpus.jsonl -o out.jsonl --workers 2
    ray-2      cleaner clean corpus.jsonl -o out/ --engine ray --workers 2
               (cleaner.integrations.ray_files.clean_files when the CLI has no --engine yet):
               a local Ray with 2 CPUs, started and stopped by the run

Wall time is the best of ``--repeat`` runs; ``ray-2 (in Ray)`` is the same run
without Ray's start-up and shutdown (the run's own clock). The Ray output is
checked to be byte-identical to the CLI's.

    python benchmarks/bench_ray.py                 # -> benchmarks/results/ray.json
    python benchmarks/bench_ray.py --limit 200 --repeat 1 --json /tmp/ray.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

DEFAULT_JSON = HERE / "results" / "ray.json"
CACHE = HERE / ".cache"

RAY_SNIPPET = """
import json, sys
from cleaner.integrations.ray_files import clean_files
s = clean_files(sys.argv[1:-1], sys.argv[-1], workers=2, quiet=True)
print(json.dumps({"seconds": s.seconds, "documents": s.documents}))
"""


def build_corpus(limit: int | None) -> tuple[Path, int, int]:
    """(path, documents, bytes): text dump + HTML record per evaluation page."""
    pages = evalsets.readability_pages() + evalsets.trafilatura_pages()
    if limit:
        pages = pages[:limit]
    path = CACHE / f"ray-corpus-{len(pages)}.jsonl"
    if not path.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for p in pages:
                base = f"{p.set}/{p.name}"
                fh.write(
                    json.dumps({"id": f"{base}#text", "text": evalsets.text_dump(p.html)}, ensure_ascii=False)
                    + "\n"
                )
                rec: dict[str, Any] = {"id": f"{base}#html", "html": p.html}
                if p.url:
                    rec["url"] = p.url
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        tmp.replace(path)
    with open(path, "rb") as fh:
        docs = sum(1 for line in fh if line.strip())
    return path, docs, path.stat().st_size


def has_engine_option() -> bool:
    import contextlib
    import io

    from cleaner.cli import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(["clean", "x.jsonl", "-o", "y", "--engine", "ray"])
        return True
    except SystemExit:
        return False


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return wall, res.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="first N evaluation pages (2 documents each)")
    ap.add_argument(
        "--repeat", type=int, default=2, help="runs per engine; the best wall time is kept (default 2)"
    )
    ap.add_argument("--no-single", action="store_true", help="skip the 1-worker CLI reference run")
    ap.add_argument("--json", default=str(DEFAULT_JSON), help=f"results file (default {DEFAULT_JSON})")
    args = ap.parse_args(argv)

    try:
        import ray  # noqa: F401
    except ImportError:
        print("error: Ray is not installed (pip install 'cleaner[ray]')", file=sys.stderr)
        return 2
    corpus, docs, nbytes = build_corpus(args.limit)
    print(f"corpus: {docs} documents, {nbytes / 1e6:.1f} MB ({corpus})", file=sys.stderr)

    load_before = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews the figures
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    py = sys.executable
    via_cli = has_engine_option()
    runs: dict[str, list[float]] = {}
    inner: list[float] = []
    engines = [("cli-1", 1), ("cli-2", 2)] if not args.no_single else [("cli-2", 2)]
    identical = None
    differing: list[
        int
    ] = []  # records that differ from the CLI's, per run (edits to rules mid-run show here)
    try:
        for k in range(args.repeat):
            for name, workers in engines:
                out = work / f"{name}.jsonl"
                out.unlink(missing_ok=True)
                wall, _ = timed(
                    [
                        py,
                        "-m",
                        "cleaner",
                        "clean",
                        str(corpus),
                        "-o",
                        str(out),
                        "-q",
                        "--workers",
                        str(workers),
                    ]
                )
                runs.setdefault(name, []).append(wall)
                print(f"  {name} run {k + 1}: {wall:.1f}s", file=sys.stderr)
            out = work / "ray-2.jsonl"
            shutil.rmtree(out, ignore_errors=True)
            if via_cli:
                cmd = [
                    py,
                    "-m",
                    "cleaner",
                    "clean",
                    str(corpus),
                    "-o",
                    str(out),
                    "-q",
                    "--engine",
                    "ray",
                    "--workers",
                    "2",
                    "--report",
                    str(work / "ray-report.json"),
                ]
            else:
                cmd = [py, "-c", RAY_SNIPPET, str(corpus), str(out)]
            wall, stdout = timed(cmd)
            runs.setdefault("ray-2", []).append(wall)
            if via_cli:
                inner.append(json.loads((work / "ray-report.json").read_text())["seconds"])
            else:
                inner.append(json.loads(stdout.strip().splitlines()[-1])["seconds"])
            print(f"  ray-2 run {k + 1}: {wall:.1f}s ({inner[-1]:.1f}s in Ray)", file=sys.stderr)
            parts = sorted(p for p in out.iterdir() if p.name.startswith("part-"))
            mine = b"".join(p.read_bytes() for p in parts).splitlines()
            theirs = (work / "cli-2.jsonl").read_bytes().splitlines()
            diff = abs(len(mine) - len(theirs)) + sum(a != b for a, b in zip(mine, theirs, strict=False))
            differing.append(diff)
            identical = (diff == 0) if identical is None else identical and diff == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def row(name: str, seconds: float) -> dict[str, Any]:
        return {
            "engine": name,
            "seconds": round(seconds, 2),
            "docs_per_s": round(docs / seconds, 1),
            "mb_per_s": round(nbytes / 1e6 / seconds, 2),
        }

    rows = [row(name, min(times)) for name, times in runs.items()]
    rows.append(row("ray-2 (in Ray)", min(inner)))
    base = min(runs["cli-2"])
    for r in rows:
        r["vs_cli_2"] = round(base / r["seconds"], 2)
    result = {
        "benchmark": "ray",
        "corpus": {
            "documents": docs,
            "bytes": nbytes,
            "pages": docs // 2,
            "source": "evalsets: text dump + HTML of each readability and trafilatura page",
        },
        "repeat": args.repeat,
        "ray_via": "cleaner clean --engine ray" if via_cli else "cleaner.integrations.ray_files.clean_files",
        "output_identical_to_cli": identical,
        "records_differing_from_cli": differing,
        "results": rows,
        "all_runs": {k: [round(t, 2) for t in v] for k, v in runs.items()}
        | {"ray-2 (in Ray)": [round(t, 2) for t in inner]},
        "run": {
            **evalsets.run_info(),
            "ray": _version("ray"),
            "cpus_usable": len(os.sched_getaffinity(0)),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    path = evalsets.write_json(args.json, result)
    print(
        evalsets.format_table(
            ["engine", "seconds", "docs/s", "MB/s", "vs cli-2"],
            [[r["engine"], r["seconds"], r["docs_per_s"], r["mb_per_s"], r["vs_cli_2"]] for r in rows],
        )
    )
    print(
        f"\n{docs} documents, {nbytes / 1e6:.1f} MB; Ray output identical to the CLI's: {identical}; wrote {path}"
    )
    return 0


def _version(mod: str) -> str | None:
    try:
        return __import__(mod).__version__
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main())
