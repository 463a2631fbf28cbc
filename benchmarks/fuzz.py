"""Fuzz the whole pipeline with generated inputs and check its invariants.

    python benchmarks/fuzz.py --n 100000 [--seed 0] [--json benchmarks/results/fuzz.json]

Inputs mix random Unicode, random bytes (decoded by the pipeline), HTML-ish
fragments, real-looking article and junk lines, damaged text (mojibake, glued
words, stray spaces), very long lines and deep nesting. Invariants checked on
every input: clean() never raises and never returns an `error` for content; no
word in the output that was not in the input except through a recorded repair;
every removed non-blank line is listed in `removed`; cleaning the output again
gives the same text (for plain-text inputs built from realistic lines).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from test_properties import ARTICLE, ARTICLE_EN, DAMAGED, JUNK  # noqa: E402

import cleaner  # noqa: E402
from cleaner.stages.decode import binary_share  # noqa: E402

WORD = re.compile(r"\w+")
ALPHABETS = [
    (0x20, 0x7E),
    (0xA0, 0x17F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x590, 0x6FF),
    (0x900, 0x97F),
    (0x3040, 0x30FF),
    (0x4E00, 0x4FFF),
    (0x1F300, 0x1F5FF),
    (0x0, 0x1F),
    (0x80, 0x9F),
    (0x2000, 0x206F),
    (0xFE00, 0xFEFF),
]
TAGS = ["p", "div", "span", "b", "a", "li", "ul", "script", "style", "table", "td", "h1", "br"]


def rand_text(rng: random.Random, n: int) -> str:
    lo, hi = rng.choice(ALPHABETS)
    return "".join(chr(rng.randint(lo, hi)) for _ in range(n))


def gen(rng: random.Random) -> tuple[str | bytes, str, bool]:
    """An input, its format, and whether it should be idempotent (realistic text)."""
    kind = rng.random()
    if kind < 0.3:
        lines = [rng.choice(ARTICLE_EN + JUNK + DAMAGED + [""]) for _ in range(rng.randint(0, 40))]
        return "\n".join(lines), "text", True
    if kind < 0.5:
        lines = [
            rand_text(rng, rng.randint(0, 80)) if rng.random() < 0.5 else rng.choice(ARTICLE + JUNK)
            for _ in range(rng.randint(0, 20))
        ]
        return "\n".join(lines), rng.choice(["text", "auto"]), False
    if kind < 0.65:
        return (
            bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 3000))),
            rng.choice(["auto", "text", "html"]),
            False,
        )
    if kind < 0.85:
        parts = []
        for _ in range(rng.randint(1, 60)):
            t = rng.choice(TAGS)
            body = rng.choice(ARTICLE + JUNK + [rand_text(rng, 20)])
            parts.append(f"<{t}>{body}" + (f"</{t}>" if rng.random() < 0.8 else ""))
        html = "<html><body>" + "".join(parts) + ("</body></html>" if rng.random() < 0.7 else "")
        return html, rng.choice(["auto", "html"]), False
    if kind < 0.95:
        depth = rng.randint(100, 3000)
        return "<div>" * depth + rng.choice(ARTICLE) + "</div>" * rng.randint(0, depth), "auto", False
    return rng.choice(ARTICLE) * rng.randint(50, 2000), "text", False


def check(pipe: cleaner.Pipeline, raw: str | bytes, fmt: str, idem: bool) -> str | None:
    doc = pipe.clean(raw, format=fmt)
    if doc.status == "error":
        # binary data is refused with an error record; anything else is a failure
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        if "binary content" in (doc.error or "") and (isinstance(raw, bytes) or binary_share(text) > 0.1):
            return None
        return f"error: {doc.error}"
    src = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if doc.format == "text":
        allowed = set(WORD.findall(src)) | {
            w for r in doc.repairs for w in WORD.findall(str(r.get("after", "")))
        }
        # ftfy may turn undecodable or mojibake text into other letters: that is a recorded repair
        extra = set(WORD.findall(doc.text)) - allowed
        if extra and not isinstance(raw, bytes):
            return f"new words: {sorted(extra)[:5]}"
    listed = {r["line"] for r in doc.removed}
    for ln in doc.lines:
        if ln.rule is not None and ln.text.strip() and ln.number not in listed:
            return f"removed line {ln.number} not listed"
    if idem and doc.status == "ok":
        again = pipe.clean(doc.text, format="text")
        if again.text != doc.text:
            return "not idempotent"
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=str(HERE / "results" / "fuzz.json"))
    ap.add_argument(
        "--failures", metavar="FILE.jsonl", help="write every failing input here, whole, to replay"
    )
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pipe = cleaner.Pipeline.from_yaml(None)
    failures: Counter[str] = Counter()
    examples: dict[str, str] = {}
    t0 = time.time()
    for i in range(args.n):
        raw, fmt, idem = gen(rng)
        try:
            problem = check(pipe, raw, fmt, idem)
        except Exception as exc:  # clean() must never raise
            problem = f"raised {type(exc).__name__}: {exc}"
        if problem:
            key = problem.split(":")[0]
            failures[key] += 1
            examples.setdefault(key, f"{problem} | input {raw[:300]!r} ({fmt})")
            if args.failures:
                with open(args.failures, "a", encoding="utf-8") as fh:
                    shown = raw if isinstance(raw, str) else raw.decode("latin-1")
                    fh.write(
                        json.dumps(
                            {
                                "index": i,
                                "problem": problem,
                                "format": fmt,
                                "bytes": not isinstance(raw, str),
                                "input": shown,
                            }
                        )
                        + "\n"
                    )
        if (i + 1) % 5000 == 0:
            print(f"{i + 1} inputs, {sum(failures.values())} failures, {time.time() - t0:.0f}s", flush=True)
    result = {
        "inputs": args.n,
        "seed": args.seed,
        "seconds": round(time.time() - t0, 1),
        "failures": dict(failures),
        "examples": examples,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
