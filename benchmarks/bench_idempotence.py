"""Benchmark: does cleaning the output again change it?

Every dump of the chosen part of the site split (:mod:`corpus`; five shapes) is
cleaned with the default pipeline, and its output cleaned once more. A document
is stable when the second run returns the same text. For each one that is not,
the causes the second run's record shows: the language changed, lines were
removed (by which rules), repairs were made.

    python benchmarks/bench_idempotence.py [--split test] [--limit N] [--config FILE] [--json FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import evalsets  # noqa: E402

DEFAULT_JSON = HERE / "results" / "idempotence.json"


def causes(first: Any, second: Any) -> list[str]:
    """What the second run did to the first run's output."""
    out = []
    if first.language != second.language:
        out.append("language")
    rules = sorted(
        {
            r["rule"].split(".", 1)[0] if r["rule"].startswith("classifier.") else r["rule"]
            for r in second.removed
        }
    )
    out += [f"removed:{r}" for r in rules]
    if second.repairs:
        out.append("repairs")
    return out or ["other"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="test", choices=corpus.SPLITS)
    ap.add_argument("--limit", type=int, default=0, help="a random sample of this many dumps (0: all)")
    ap.add_argument("--config", help="pipeline config (default: the shipped default)")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = ap.parse_args(argv)

    from cleaner import Pipeline

    pipe = Pipeline.from_yaml(args.config)
    dumps = corpus.dumps(corpus.SETS, list(corpus.SHAPES), [args.split])
    if args.limit:
        random.Random(7).shuffle(dumps)
        dumps = dumps[: args.limit]
    per_shape: dict[str, Counter[str]] = {}
    why: Counter[str] = Counter()
    examples = []
    for d in dumps:
        first = pipe.clean(d.text, format="text")
        c = per_shape.setdefault(d.shape, Counter())
        if first.status != "ok" or not first.text:
            c["skipped"] += 1
            continue
        second = pipe.clean(first.text, format="text")
        c["docs"] += 1
        if second.text != first.text:
            c["changed"] += 1
            ks = causes(first, second)
            why.update(ks)
            if len(examples) < 20:
                examples.append({"set": d.set, "id": d.id, "shape": d.shape, "causes": ks})
    docs = sum(c["docs"] for c in per_shape.values())
    changed = sum(c["changed"] for c in per_shape.values())
    result = {
        "split": args.split,
        "config": args.config,
        "docs": docs,
        "changed": changed,
        "share_changed": round(changed / max(docs, 1), 4),
        "per_shape": {k: dict(v) for k, v in sorted(per_shape.items())},
        "causes": dict(why.most_common()),
        "examples": examples,
    }
    print(
        f"cleaning the output again, {args.split} part: {changed} of {docs} documents changed ({changed / max(docs, 1):.1%})"
    )
    for k, v in sorted(per_shape.items()):
        print(f"  {k:11s} {v['changed']:4d} of {v['docs']:5d}")
    print("causes (a document may have several):")
    for k, v in why.most_common():
        print(f"  {v:4d}  {k}")
    out = evalsets.write_json(args.json, result)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
