"""Fit the artifact detector's evidence: a weight per evidence class, the clean rate, the bias.

On the fit part of the site split (:mod:`corpus`): the events of each class in
the clean gold bodies and in the same bodies damaged by :mod:`artifact_inject`.
A class's clean rate is its events per 1,000 words in the clean bodies (with
half an event added); its damaged rate is its clean rate plus its share of
the damage the data file assumes (``--damage-rate`` marks per 1,000 words, split
over the classes as the damaged bodies show them), its weight the log of their
ratio (see cleaner/artifacts/evidence.py). On the val
part: the bias, so that a score of 0.5 (even odds) flags at most ``--max-fp``
of the clean bodies. The test part is never read. The evidence block of
``rules/artifacts.yaml`` is rewritten (``--dry-run``: printed only).

    python benchmarks/fit_artifacts.py [--dry-run] [--max-fp 0.01]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import artifact_eval as E  # noqa: E402

from cleaner.artifacts import Detector, load_data  # noqa: E402

YAML = REPO / "rules" / "artifacts.yaml"
BEGIN = "# --- evidence (written by benchmarks/fit_artifacts.py) ---"
END = "# --- end evidence ---"
# the classes weighed apart within a kind
CLASSES = (
    "glued-word.function",
    "glued-word.content",
    "glued-word.compound",
    "glued-word.camel",
    "glued-word.name",
    "glued-word.possessive",
    "capitalized-function-word.loose",
)


def class_events(
    det: Detector, bodies: list[E.Body]
) -> tuple[Counter[str], int, list[tuple[dict[str, int], int]]]:
    total: Counter[str] = Counter()
    words = 0
    per_doc = []
    for b in bodies:
        res = det.detect(b.text, b.lang)
        ev = det.evidence.events(b.text, res.hits)
        total.update(ev)
        words += res.words
        per_doc.append((ev, res.words))
    return total, words, per_doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--max-fp", type=float, default=0.01, help="share of clean val bodies flagged at most")
    ap.add_argument(
        "--damage-rate", type=float, default=8.0, help="marks per 1,000 words assumed in damaged text"
    )
    ap.add_argument("--cap", type=int, default=2)
    ap.add_argument("--cap-per-1000", type=float, default=1.0)
    args = ap.parse_args(argv)

    data = load_data(YAML)
    # every class known (weight 1) so that events are counted per class
    from cleaner.artifacts.base import KINDS

    names = [k for k in KINDS if k != "glued-word"] + list(CLASSES)
    data["evidence"] = {
        "bias": 0.0,
        "merge_gap": 30,
        "cap": args.cap,
        "cap_per_1000": args.cap_per_1000,
        "classes": {k: {"clean_rate": 1.0, "damaged_rate": 2.0} for k in names},
    }
    det = Detector(data)
    everything = E.bodies()
    fit = [b for b in everything if b.split == "fit"]
    val = [b for b in everything if b.split == "val"]
    c_tot, c_words, _ = class_events(det, fit)
    d_tot, d_words, _ = class_events(det, E.damage(fit, everything))
    classes = {}
    print(f"fit: {len(fit)} clean bodies ({c_words} words), damaged {d_words} words")
    print(f"{'class':34} {'clean/1k':>9} {'damaged/1k':>11} {'weight':>7}")
    excess = {k: max(0.0, d_tot[k] * 1000.0 / d_words - c_tot[k] * 1000.0 / c_words) for k in names}
    total = sum(excess.values()) or 1.0
    for k in names:
        lc = (c_tot[k] + 0.5) * 1000.0 / c_words
        ld = lc + args.damage_rate * excess[k] / total
        classes[k] = {"clean_rate": round(lc, 5), "damaged_rate": round(ld, 5)}
        print(f"{k:34} {lc:9.4f} {ld:11.4f} {math.log(ld / lc):7.3f}")
    data["evidence"]["classes"] = classes
    det = Detector(data)
    # the bias on val: the clean bodies' log odds (bias 0) and the damaged ones'
    clean_z = sorted(det.evidence.log_odds(ev, w) for ev, w in class_events(det, val)[2])
    dam_z = [det.evidence.log_odds(ev, w) for ev, w in class_events(det, E.damage(val, everything))[2]]
    allowed = math.floor(args.max_fp * len(clean_z))
    # the decision point: just above the (allowed + 1)-th highest clean log odds
    cut = clean_z[-(allowed + 1)] + 1e-3 if clean_z else 0.0
    bias = round(-cut, 3)
    fp = sum(z >= cut for z in clean_z) / len(clean_z)
    tp = sum(z >= cut for z in dam_z) / len(dam_z)
    print(
        f"val: bias {bias}: clean flagged {fp:.4f} of {len(clean_z)}, damaged flagged {tp:.4f} of {len(dam_z)}"
    )
    block = [
        BEGIN,
        "evidence:",
        f"  bias: {bias}  # chosen on val: clean flagged {fp:.4f}, damaged {tp:.4f}",
        "  merge_gap: 30",
        f"  cap: {args.cap}",
        f"  cap_per_1000: {args.cap_per_1000}",
        f"  # damaged_rate: clean_rate + this class's share of {args.damage_rate} marks per 1,000 words",
        "  classes:",
    ]
    for k, v in classes.items():
        block.append(f"    {k}: {{clean_rate: {v['clean_rate']}, damaged_rate: {v['damaged_rate']}}}")
    block.append(END)
    text = "\n".join(block)
    if args.dry_run:
        print(text)
        return 0
    src = YAML.read_text(encoding="utf-8")
    i, j = src.index(BEGIN), src.index(END) + len(END)
    YAML.write_text(src[:i] + text + src[j:], encoding="utf-8")
    print(f"wrote {YAML}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
