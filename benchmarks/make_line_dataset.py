"""Write the labelled lines of every evaluation page's text dump, to fit a line classifier.

One JSON record per line of ``evalsets.text_dump(page.html)``::

    {"set": "readability", "site": "bbc-1", "page": "bbc-1", "idx": 12, "n_lines": 240,
     "line": "...", "label": 1}

Labels
    readability pages   full gold: ``evalsets.line_labels`` (1 article, 0 not).
    trafilatura pages   snippets only (see :func:`snippet_label`): 1 if the line
                        holds a "with" snippet, 0 if it is taken up by a
                        "without" snippet, -1 (unknown) otherwise or when both.

``site`` is the page folder (readability) or the URL's host without ``www.``
(trafilatura; several pages can share one), ``page`` names the page itself.
The file goes to the gitignored cache: it holds page text and must not be committed.

    python benchmarks/make_line_dataset.py [--out FILE] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evalsets  # noqa: E402

DEFAULT_OUT = HERE / ".cache" / "lines.jsonl.gz"
MIN_PART_TOKENS = 3  # a line inside a snippet counts if it has this many tokens ...
MIN_PART_SHARE = 0.5  # ... or covers this share of the snippet's characters


def _part_of(line: str, snippet: str) -> bool:
    """``line`` lies inside ``snippet`` and is a real piece of it (not one stray word)."""
    return line in snippet and (
        len(evalsets.tokens(line)) >= MIN_PART_TOKENS or len(line) >= MIN_PART_SHARE * len(snippet)
    )


def snippet_label(line: str, with_: Sequence[str], without: Sequence[str]) -> int:
    """1, 0 or -1 for one dump line of a trafilatura page (whitespace-normalised, case kept).

    Positive: the line contains a "with" snippet, or is a real part of one
    (a snippet running over several lines). Negative: a "without" snippet covers
    at least half of the line, or the line is a real part of one; a long article
    line that merely mentions "Twitter" is not taken as boilerplate. Both or
    neither: -1.
    """
    s = evalsets.norm_ws(line)
    if not s:
        return -1
    pos = any(w and (w in s or _part_of(s, w)) for w in map(evalsets.norm_ws, with_))
    neg = any(
        w and ((w in s and len(w) >= 0.5 * len(s)) or _part_of(s, w)) for w in map(evalsets.norm_ws, without)
    )
    if pos == neg:
        return -1
    return 1 if pos else 0


def records(limit: int | None = None) -> Iterator[dict]:
    pages = evalsets.readability_pages()
    for p in pages[:limit] if limit else pages:
        labelled = evalsets.line_labels(evalsets.text_dump(p.html), p.gold)
        for i, (line, lab) in enumerate(labelled):
            yield {"set": "readability", "site": p.name, "page": p.name, "idx": i, "n_lines": len(labelled),
                   "line": line, "label": lab}
    pages = evalsets.trafilatura_pages()
    for p in pages[:limit] if limit else pages:
        lines = evalsets.text_dump(p.html).split("\n") if p.html else []
        lines = [ln for ln in lines if ln]
        for i, line in enumerate(lines):
            yield {"set": "trafilatura", "site": p.site, "page": p.file, "idx": i, "n_lines": len(lines),
                   "line": line, "label": snippet_label(line, p.with_, p.without)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(DEFAULT_OUT), help=f"output (default {DEFAULT_OUT})")
    ap.add_argument("--limit", type=int, help="first N pages of each set")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    counts: Counter[tuple[str, int]] = Counter()
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        for rec in records(args.limit):
            counts[rec["set"], rec["label"]] += 1
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.replace(out)
    for s in ("readability", "trafilatura"):
        n = sum(v for (k, _), v in counts.items() if k == s)
        print(f"{s}: {n} lines; label 1: {counts[s, 1]}, 0: {counts[s, 0]}, -1 (unknown): {counts[s, -1]}")
    print(f"wrote {out} in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
