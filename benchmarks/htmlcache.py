"""Trafilatura's output on every page of the site-split corpus, run once and kept on disk.

The HTML benchmark and the block model's fitting both need trafilatura's text
for every page in several settings; it costs 20-40 ms a page and setting, so it
is computed once per page and setting and cached in
``benchmarks/.cache/html/traf-<set>.jsonl.gz`` (gitignored):

    default     trafilatura.extract(html, include_comments=False)
    precision   ... favor_precision=True
    recall      ... favor_recall=True
    fast_precision, fast_recall   the same with fast=True (no fallback extractors):
                what cleaner's extract stage runs, the block model's votes

    python benchmarks/htmlcache.py [--sets wcxb dragnet] [--workers 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

CACHE = HERE / ".cache" / "html"
SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},
    "precision": {"favor_precision": True},
    "recall": {"favor_recall": True},
    "fast_precision": {"favor_precision": True, "fast": True},
    "fast_recall": {"favor_recall": True, "fast": True},
}
VERSION = 1


def run_setting(html: str, setting: str) -> str | None:
    """trafilatura.extract in one of :data:`SETTINGS`, comments off; None on no output or a crash."""
    import trafilatura

    try:
        return trafilatura.extract(html, include_comments=False, **SETTINGS[setting]) or None
    except Exception:  # a crash is no output
        return None


_PAGES: list[Any] = []


def _one(i: int) -> dict[str, Any]:
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    p = _PAGES[i]
    out: dict[str, Any] = {"id": p.name}
    for s in SETTINGS:
        out[s] = run_setting(p.html, s)
    return out


def path(name: str) -> Path:
    return CACHE / f"traf-v{VERSION}-{name}.jsonl.gz"


def build(name: str, workers: int = 2) -> None:
    import multiprocessing as mp

    global _PAGES
    _PAGES = corpus.load_pages(name)
    CACHE.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    recs = []
    with mp.get_context("fork").Pool(workers) as pool:
        for k, r in enumerate(pool.imap(_one, range(len(_PAGES)), chunksize=4)):
            recs.append(r)
            if (k + 1) % 200 == 0:
                print(f"  {name}: {k + 1}/{len(_PAGES)} pages, {time.time() - t0:.0f} s", file=sys.stderr)
    tmp = path(name).with_name(path(name).name + f".{os.getpid()}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path(name))
    _PAGES = []


def load(name: str, workers: int = 2) -> dict[str, dict[str, str | None]]:
    """``{page id: {setting: text}}`` for a set, building the cache when it lacks it."""
    if not path(name).is_file():
        print(f"running trafilatura on the {name} pages once (cached) ...", file=sys.stderr)
        build(name, workers)
    out = {}
    with gzip.open(path(name), "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out[r.pop("id")] = r
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="*", default=list(corpus.SETS), choices=corpus.SETS)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    for name in args.sets:
        load(name, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
