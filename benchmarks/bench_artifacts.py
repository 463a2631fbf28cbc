"""Benchmark: translation-artifact detection and repairs on professional text, clean and damaged.

On the test part of the site split (:mod:`corpus`; never used for a choice) of
the four evaluation sets, set by set: the gold bodies as they are (clean) and
the same bodies damaged by :mod:`artifact_inject` at 10 marks per 1,000 words
(at least 3 a body), in the languages the injector damages. For this detector
and the previous one (the single-module detector of commit
``artifact_eval.PREVIOUS``, with its own data), measured in the same run:

false flags    share of clean bodies flagged (bootstrap 95% interval over bodies)
flagged        share of damaged bodies flagged
recall         per kind, injected marks a hit of that kind overlaps (the quote kinds as one family)
split back     injected glued words the repairs turn back into the two words
word repairs   share of clean bodies given any repair that changes a word (a glued-word split)
seeds          verdicts on ../shared/seeds (000, 002, 004 flagged, 003 not)
speed          documents of 3 KB per second through detection and repair on one core
               (test bodies cut to 3,000 characters, clean and damaged alternating; best
               of ``--rounds`` interleaved rounds), and its ratio to the previous detector

Prints a table and writes ``benchmarks/results/artifacts.json``.

    python benchmarks/bench_artifacts.py [--split test] [--rounds 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import artifact_eval as E  # noqa: E402
import corpus  # noqa: E402

from cleaner.artifacts import Detector  # noqa: E402

DEFAULT_JSON = HERE / "results" / "artifacts.json"
SEED_VERDICTS = {"000": True, "002": True, "003": False, "004": True}
BOOT, BOOT_SEED = 1000, 2026


def interval(flags: list[bool]) -> list[float]:
    """Bootstrap 95% interval of a share."""
    if len(flags) < 2:
        return [float(np.mean(flags)) if flags else 0.0] * 2
    a = np.asarray(flags, dtype=float)
    rng = np.random.default_rng(BOOT_SEED)
    means = a[rng.integers(0, len(a), (BOOT, len(a)))].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


def share(n: int, d: int) -> float:
    return round(n / d, 4) if d else 0.0


def summary(res: dict[str, Any]) -> dict[str, Any]:
    out = {
        "clean_bodies": res["clean"],
        "false_flags": share(res["clean_flagged"], res["clean"]),
        "false_flags_ci": interval(res["flags"]["clean"]),
        "damaged_bodies": res["damaged"],
        "damaged_flagged": share(res["damaged_flagged"], res["damaged"]),
        "damaged_flagged_ci": interval(res["flags"]["damaged"]),
        "recall": {k: share(*v) for k, v in res["recall"].items()},
        "recall_counts": res["recall"],
        "recall_by_variant": {k: share(*v) for k, v in res["recall_by_variant"].items()},
        "glued_split_back": share(*res["glued_split_back"]),
        "glued_split_back_counts": res["glued_split_back"],
        "clean_word_repairs": share(res["clean_word_repair"], res["clean"]),
        "clean_any_repairs": share(res["clean_any_repair"], res["clean"]),
    }
    return out


def seeds(det: Detector) -> dict[str, Any]:
    env = os.environ.get("CLEANER_SHARED")
    d = (Path(env).expanduser() if env else REPO.parent / "shared") / "seeds"
    out = {}
    for p in sorted(d.glob("*.txt")) if d.is_dir() else []:
        key = p.name[:3]
        res = det.detect(p.read_text(encoding="utf-8"), "en")
        out[key] = {
            "score": res.score,
            "flagged": res.flagged,
            "expected": SEED_VERDICTS.get(key),
            "ok": SEED_VERDICTS.get(key) in (None, res.flagged),
        }
    return out


def speed(dets: dict[str, Any], texts: list[tuple[str, str | None]], rounds: int) -> dict[str, Any]:
    """Documents per second of detection and repair, best of ``rounds`` interleaved rounds."""
    times: dict[str, list[float]] = {k: [] for k in dets}

    def run(name: str, det: Any, docs: list[tuple[str, str | None]]) -> None:
        if name == "cleaner":  # detection, then the repairs decided from its hits (as the stage)
            for t, lang in docs:
                det.detect_and_repair(t, lang)
        else:  # the previous stage's work: detection, then the certain repairs (their own scan)
            for t, lang in docs:
                det.detect(t, lang)
                det.repair(t, lang)

    for name, det in dets.items():  # a first pass: lists loaded, regexes compiled
        run(name, det, texts[:50])
    for _ in range(rounds):
        for name, det in dets.items():
            t0 = time.perf_counter()
            run(name, det, texts)
            times[name].append(time.perf_counter() - t0)
    out: dict[str, Any] = {
        "documents": len(texts),
        "mean_chars": round(sum(len(t) for t, _ in texts) / len(texts)),
    }
    for name, ts in times.items():
        out[name] = {
            "docs_per_second": round(len(texts) / min(ts)),
            "median": round(len(texts) / float(np.median(ts))),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="test", choices=corpus.SPLITS)
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds for the speed figure")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = ap.parse_args(argv)

    prev = E.previous_module()
    dets: dict[str, Any] = {"cleaner": Detector(), "previous": prev.Detector(prev.PREVIOUS_DATA)}
    everything = E.bodies()
    part = [b for b in everything if b.split == args.split]
    damaged_all = E.damage(part, everything)
    report: dict[str, Any] = {"split": args.split, "sets": {}, "previous_commit": E.PREVIOUS}
    for name in corpus.SETS:
        clean = [b for b in part if b.set == name]
        damaged = [b for b in damaged_all if b.set == name]
        report["sets"][name] = {k: summary(E.evaluate(d, clean, damaged)) for k, d in dets.items()}
    clean = part
    report["sets"]["all"] = {k: summary(E.evaluate(d, clean, damaged_all)) for k, d in dets.items()}
    report["languages"] = dict(Counter(b.lang for b in part).most_common())
    report["seeds"] = seeds(dets["cleaner"])
    texts: list[tuple[str, str | None]] = []
    for c, d in zip(part, damaged_all, strict=False):
        texts += [(c.text[:3000], c.lang), (d.text[:3000], d.lang)]
    report["speed"] = speed(dets, texts[:1000], args.rounds)
    sp = report["speed"]
    sp["ratio"] = round(sp["cleaner"]["docs_per_second"] / sp["previous"]["docs_per_second"], 3)

    print(f"translation artifacts, {args.split} part of the site split (cleaner | previous {E.PREVIOUS})")
    head = f"{'set':12} {'clean':>6} {'false flags':>26} {'damaged':>8} {'flagged':>26} {'split back':>14} {'word rep.':>14}"
    print(head)
    for name, r in report["sets"].items():
        c, p = r["cleaner"], r["previous"]
        print(
            f"{name:12} {c['clean_bodies']:6} {c['false_flags']:7.2%} {str(c['false_flags_ci']):>14} | {p['false_flags']:6.2%}"
            f" {c['damaged_bodies']:8} {c['damaged_flagged']:7.2%} {str(c['damaged_flagged_ci']):>14} | {p['damaged_flagged']:6.2%}"
            f" {c['glued_split_back']:6.1%} | {p['glued_split_back']:5.1%} {c['clean_word_repairs']:6.2%} | {p['clean_word_repairs']:5.2%}"
        )
    print("recall per kind (all sets):")
    a = report["sets"]["all"]
    for k, v in a["cleaner"]["recall"].items():
        n = a["cleaner"]["recall_counts"][k][1]
        print(f"  {k:28} {v:7.1%} | {a['previous']['recall'].get(k, 0.0):6.1%}   ({n} marks)")
    print(
        "glued words by place:",
        {k.split("/")[1]: v for k, v in a["cleaner"]["recall_by_variant"].items() if k.startswith("glued")},
    )
    print("seeds:", {k: (v["flagged"], v["ok"]) for k, v in report["seeds"].items()})
    print(
        f"speed: {sp['cleaner']['docs_per_second']} docs/s of {sp['mean_chars']} chars (median {sp['cleaner']['median']}), "
        f"previous {sp['previous']['docs_per_second']} (median {sp['previous']['median']}): ratio {sp['ratio']}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
