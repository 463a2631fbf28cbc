"""Benchmark: the language stage, langdetect (the former path) vs the compiled kernel.

The inputs are the language stage's samples of every evaluation page (both
sets): the text dump of each page (``evalsets.text_dump``, what ``bench_batch``
cleans), run through the default pipeline's stages before ``language``
(decode, extract, encoding); with ``--html`` also each page's HTML through the
HTML extraction. The stage is the default pipeline's (``rules/default.yaml``).
Measured in one run, on the same samples, interleaved in blocks so that load
from other work on the machine hits both alike, best of ``--rounds``:

    old     ``LanguageStage.detect_reference``: langdetect's ``Detector``, as the
            stage called it before
    new     ``LanguageStage.detect``: :mod:`cleaner.langkernel`
    stage   per document as the pipeline runs the stage: ``sample`` + detect

Every sample's result (language, score) must be the same on both paths; the
script reports how many are and exits 1 otherwise.

    python benchmarks/bench_language.py
    python benchmarks/bench_language.py --html --rounds 5 --json /tmp/language.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import evalsets  # noqa: E402


def collect(html: bool) -> tuple[Any, list[Any], list[str]]:
    """(language stage, documents as the stage gets them, their samples)."""
    from cleaner.document import Document
    from cleaner.pipeline import Pipeline

    pipe = Pipeline.from_yaml(None)
    names = [s.name for s in pipe.stages]
    stage = pipe.stages[names.index("language")]
    before = pipe.stages[: names.index("language")]
    inputs = []
    for page in evalsets.readability_pages() + evalsets.trafilatura_pages():
        inputs.append((page.name, evalsets.text_dump(page.html), "text"))
        if html:
            inputs.append((page.name, page.html, "html"))
    docs = []
    for name, raw, fmt in inputs:
        doc = Document(id=name, raw=raw, format=fmt)
        for st in before:
            try:
                st.process(doc)
            except Exception as exc:  # as Pipeline.run: the document fails, the stage never sees it
                doc.fail(f"{st.name}: {exc}")
            if not doc.active:
                break
        if doc.active:
            docs.append(doc)
    return stage, docs, [stage.sample(d) for d in docs]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html", action="store_true", help="also the pages' HTML through the extraction")
    ap.add_argument(
        "--rounds", type=int, default=3, help="timed passes over all samples; the best counts (default 3)"
    )
    ap.add_argument("--block", type=int, default=50, help="samples per interleaved block (default 50)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    if not evalsets.require_eval():
        return 2

    t0 = time.perf_counter()
    from cleaner import langkernel

    langkernel.warm()
    warm = time.perf_counter() - t0
    stage, docs, samples = collect(args.html)
    n = len(samples)
    print(
        f"{n} samples ({'text dumps and HTML' if args.html else 'text dumps'} of the evaluation pages), "
        f"sample_chars={stage.options['sample_chars']}, trials={stage.options['trials']}, "
        f"seed={stage.options['seed']}; kernel tables and compile/load: {warm:.2f} s"
    )

    old_res = [stage.detect_reference(s) for s in samples]  # also warms langdetect's own caches
    new_res = [stage.detect(s) for s in samples]
    same = sum(a == b for a, b in zip(old_res, new_res, strict=True))

    best = {"old": float("inf"), "new": float("inf"), "sample": float("inf")}
    for r in range(args.rounds):
        spent = {"old": 0.0, "new": 0.0, "sample": 0.0}
        for start in range(0, n, args.block):
            chunk = samples[start : start + args.block]
            order = ("old", "new") if (start // args.block + r) % 2 == 0 else ("new", "old")
            for which in order:
                fn = stage.detect_reference if which == "old" else stage.detect
                t = time.perf_counter()
                for s in chunk:
                    fn(s)
                spent[which] += time.perf_counter() - t
            t = time.perf_counter()
            for d in docs[start : start + args.block]:
                stage.sample(d)
            spent["sample"] += time.perf_counter() - t
        best = {k: min(best[k], v) for k, v in spent.items()}

    per = {k: v / n * 1e3 for k, v in best.items()}  # ms per document
    stage_old, stage_new = per["old"] + per["sample"], per["new"] + per["sample"]
    rows = [
        ["detect: langdetect (old)", n, best["old"], per["old"], 1.0],
        ["detect: langkernel (new)", n, best["new"], per["new"], best["old"] / best["new"]],
        ["stage (sample + detect), old", n, stage_old * n / 1e3, stage_old, 1.0],
        ["stage (sample + detect), new", n, stage_new * n / 1e3, stage_new, stage_old / stage_new],
    ]
    print(evalsets.format_table(["path", "documents", "seconds", "ms/doc", "speed-up"], rows))
    print(f"identical results: {same} of {n}")
    results = {
        "run": evalsets.run_info(),
        "cpus": os.cpu_count(),
        "samples": n,
        "html": args.html,
        "options": dict(stage.options),
        "warm_seconds": round(warm, 3),
        "identical": same,
        "seconds": {k: round(v, 4) for k, v in best.items()},
        "ms_per_doc": {
            "old": round(per["old"], 4),
            "new": round(per["new"], 4),
            "sample": round(per["sample"], 4),
        },
        "ratio_detect": round(best["old"] / best["new"], 2),
        "ratio_stage": round(stage_old / stage_new, 2),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if same == n else 1


if __name__ == "__main__":
    sys.exit(main())
