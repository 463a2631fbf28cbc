"""Benchmark: the first ``cleaner clean`` in a fresh environment, and a warm one.

A first run builds the tables the cache folder keeps (from langdetect's and
wordfreq's data) and, when it runs the kernels compiled, compiles them (numba);
every later run loads both. A run of a small input runs its kernels in Python
instead (``--kernels auto``, the default: the same records, nothing to
compile). Each round here, for each way of running the kernels:

    cold  a fresh process with an empty cache folder where the README says it is
          ($XDG_CACHE_HOME/cleaner/numba, no $NUMBA_CACHE_DIR): ``cleaner clean``
          of one small text file (fixtures/text/en-city-council.txt, 4 KB)
    warm  the same command again, --warm times, with that cache folder

``--kernels auto`` is what a user gets; ``--kernels compiled`` is what a first
run pays when its input is large enough to compile for (the same small file
here, so that the two compare). The records of the two must be byte-identical.

Wall seconds from starting the process to its exit; CPU seconds of the process
and the helper processes it waited for (what compiling costs in all). Targets:
cold <= 10 s, warm <= 1 s (the issue's). The package is first compiled to
bytecode, as ``pip install`` does (with $PYTHONDONTWRITEBYTECODE every run would
compile every module again). Baselines from the same session: a bare
``python -c pass`` and ``python -c "import numba"``, to read the figures
against the machine's speed; the load average at the start says how busy it
was (the machine may be shared: take the best of several rounds).

    python benchmarks/bench_first_run.py                    # both ways, 2 cold rounds, 5 warm runs each
    python benchmarks/bench_first_run.py --kernels auto --rounds 3
    python benchmarks/bench_first_run.py --kernels compiled --jobs 1    # compile in one process
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SMALL = REPO / "fixtures" / "text" / "en-city-council.txt"
DEFAULT_JSON = HERE / "results" / "first_run.json"
TARGET_COLD, TARGET_WARM = 10.0, 1.0


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, CPU seconds of it and its children, result)."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    return wall, _children_cpu() - cpu0, proc


def fresh_env(root: Path, jobs: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "CLEANER_COMPILE_JOBS")}
    env["XDG_CACHE_HOME"] = str(root / "cache")
    if jobs is not None:
        env["CLEANER_COMPILE_JOBS"] = str(jobs)
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--rounds", type=int, default=2, help="cold runs, each in a fresh cache folder (default 2)"
    )
    ap.add_argument("--warm", type=int, default=5, help="warm runs after each cold one (default 5)")
    ap.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="CLEANER_COMPILE_JOBS for the cold runs (default: the package's, up to 4 CPUs)",
    )
    ap.add_argument(
        "--kernels",
        choices=("auto", "compiled", "both"),
        default="both",
        help="the runs' --kernels: auto (the default a user gets: Python for a small input), compiled "
        "(what a first run of a large input pays), or both (default), whose records must match",
    )
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = ap.parse_args(argv)

    import compileall

    compileall.compile_dir(str(REPO / "cleaner"), quiet=1)
    load = os.getloadavg()
    base_env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    baselines = {}
    for name, code in (("python", "pass"), ("import numba", "import numba")):
        walls = [timed([sys.executable, "-c", code], base_env)[0] for _ in range(3)]
        baselines[name] = round(min(walls), 3)

    modes = ["auto", "compiled"] if args.kernels == "both" else [args.kernels]
    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in load]},
        "jobs": args.jobs,
        "baselines_seconds": baselines,
        "small_file": str(SMALL.relative_to(REPO)),
        "target_cold_seconds": TARGET_COLD,
        "target_warm_seconds": TARGET_WARM,
        "modes": {},
    }
    outputs: dict[str, bytes] = {}
    for mode in modes:
        rounds = []
        for r in range(args.rounds):
            one = measure(mode, args.jobs, args.warm)
            if isinstance(one, str):
                print(one, file=sys.stderr)
                return 1
            outputs[mode] = one.pop("output")
            rounds.append(one)
            print(
                f"{mode} round {r + 1}: cold {one['cold_seconds']:.2f} s wall ({one['cold_cpu_seconds']:.1f} s CPU, "
                f"{one['compiled_files']} compiled kernel files), warm best {min(one['warm_seconds']):.3f} s",
                file=sys.stderr,
            )
        cold = [x["cold_seconds"] for x in rounds]
        warm_all = [w for x in rounds for w in x["warm_seconds"]]
        result["modes"][mode] = {
            "cold_best_seconds": min(cold),
            "cold_median_seconds": round(statistics.median(cold), 2),
            "cold_cpu_seconds": [x["cold_cpu_seconds"] for x in rounds],
            "warm_best_seconds": min(warm_all),
            "warm_median_seconds": round(statistics.median(warm_all), 3),
            "cold_vs_target": round(min(cold) / TARGET_COLD, 3),
            "warm_vs_target": round(min(warm_all) / TARGET_WARM, 3),
            "rounds": rounds,
        }
    if len(outputs) > 1:
        result["same_records"] = len(set(outputs.values())) == 1
    print(
        f"\nfirst cleaner clean of one small file ({SMALL.name}; cpus {os.cpu_count()}, load {load[0]:.2f})"
    )
    print(f"{'':26}{'best':>9}{'median':>9}{'target':>9}")
    for mode, m in result["modes"].items():
        label = "--kernels " + mode + (" (default)" if mode == "auto" else "")
        print(f"{label:26}")
        print(
            f"{'  cold (first run)':26}{m['cold_best_seconds']:9.2f}{m['cold_median_seconds']:9.2f}"
            f"{TARGET_COLD:9.1f}   CPU {', '.join(str(x) for x in m['cold_cpu_seconds'])} s"
        )
        print(f"{'  warm':26}{m['warm_best_seconds']:9.3f}{m['warm_median_seconds']:9.3f}{TARGET_WARM:9.1f}")
    if "same_records" in result:
        print(f"records of the two modes byte-identical: {result['same_records']}")
    print(
        f"baselines: python -c pass {baselines['python']:.3f} s, import numba {baselines['import numba']:.3f} s"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0 if result.get("same_records", True) else 1


def measure(mode: str, jobs: int | None, n_warm: int) -> dict[str, Any] | str:
    """One cold run in a fresh cache folder and ``n_warm`` warm ones with it,
    ``--kernels mode``; an error message when a run fails."""
    with tempfile.TemporaryDirectory(prefix="cleaner-first-run-") as tmp:
        root = Path(tmp)
        env = fresh_env(root, jobs)
        cmd = [
            sys.executable,
            "-m",
            "cleaner",
            "clean",
            str(SMALL),
            "-o",
            str(root / "out.jsonl"),
            "--kernels",
            mode,
        ]
        wall, cpu, proc = timed(cmd, env)
        if proc.returncode != 0:
            return proc.stderr
        cache = root / "cache" / "cleaner" / "numba"
        compiled = len(list(cache.rglob("*.nbi")))
        if mode == "compiled" and not compiled:
            return f"error: no compiled kernels in {cache}"
        notice = [ln for ln in proc.stderr.splitlines() if ln.startswith("cleaner:")]
        output = (root / "out.jsonl").read_bytes()
        warm = []
        for _ in range(n_warm):
            w, c, p = timed(cmd, env)
            if p.returncode != 0 or "compiling" in p.stderr:
                return p.stderr
            warm.append((w, c))
        return {
            "cold_seconds": round(wall, 2),
            "cold_cpu_seconds": round(cpu, 2),
            "notice": notice,
            "compiled_files": compiled,
            "warm_seconds": [round(w, 3) for w, _ in warm],
            "warm_cpu_seconds": [round(c, 3) for _, c in warm],
            "output": output,
        }


if __name__ == "__main__":
    sys.exit(main())
