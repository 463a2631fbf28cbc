"""The identity harness: a hash of every record the pipeline writes for the evaluation pages.

A refactoring that must leave behaviour unchanged saves the hashes before and
checks them after::

    python benchmarks/identity.py --save /tmp/before.json     # on the untouched branch
    python benchmarks/identity.py --check /tmp/before.json    # after the change: lists the documents that differ

The documents: the pages of the four sets of ``shared/eval`` (readability,
trafilatura, wcxb, dragnet; all splits) in two modes with the shipped default
config: text mode on each page's inscriptis dump (:mod:`corpus`), HTML mode on
the page's raw HTML (with its URL, where the set has one). The sets are
interleaved page by page, so that ``--limit N`` (per mode; 0: every page) takes
from all four. Each record (:meth:`cleaner.document.Document.to_record`, JSON
with sorted keys) is hashed with BLAKE2b; the file holds the per-document hashes
and one digest over them all. ``--workers`` cleans in that many processes
(each its own pipeline; the records do not depend on it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

MODES = ("text", "html")
DEFAULT_LIMIT = 1200  # documents per mode: about 10 minutes on one core for both modes


def _interleave(groups: list[list[Any]]) -> Iterator[Any]:
    for row in zip_longest(*groups):
        yield from (x for x in row if x is not None)


def documents(mode: str, limit: int) -> list[dict[str, Any]]:
    """The documents of one mode, the sets interleaved: ``{"key", "raw", "url"}``."""
    groups: list[list[dict[str, Any]]] = []
    for name in corpus.SETS:
        if mode == "text":
            recs = [
                {"key": f"text:{d.key}", "raw": d.text, "url": None}
                for d in corpus.dumps([name], ["inscriptis"])
            ]
        else:
            recs = [
                {"key": f"html:{p.set}/{p.name}", "raw": p.html, "url": p.url}
                for p in corpus.load_pages(name)
            ]
        groups.append(sorted(recs, key=lambda r: r["key"]))
    docs = list(_interleave(groups))
    return docs[:limit] if limit else docs


_PIPE: Any = None


def _init() -> None:
    global _PIPE
    from cleaner.pipeline import Pipeline

    _PIPE = Pipeline.from_yaml(None)
    warm = getattr(_PIPE, "warm", None)
    if warm is not None:
        warm()


def record_hash(rec: dict[str, Any]) -> str:
    data = json.dumps(rec, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _clean(job: tuple[str, str, str | None]) -> tuple[str, str, str]:
    key, raw, url = job
    mode = key.split(":", 1)[0]
    doc = _PIPE.clean(raw, format=mode, id=key, metadata={"url": url} if url else None)
    return key, record_hash(doc.to_record()), doc.status


def run(limit: int, workers: int, modes: tuple[str, ...] = MODES) -> dict[str, Any]:
    jobs = [(d["key"], d["raw"], d["url"]) for m in modes for d in documents(m, limit)]
    t0 = time.time()
    hashes: dict[str, str] = {}
    statuses: dict[str, int] = {}
    if workers > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers, initializer=_init) as pool:
            results = list(pool.imap(_clean, jobs, chunksize=8))
    else:
        _init()
        results = [_clean(j) for j in jobs]
    for key, h, status in results:
        hashes[key] = h
        statuses[status] = statuses.get(status, 0) + 1
    digest = hashlib.blake2b("".join(f"{k}\t{h}\n" for k, h in hashes.items()).encode(), digest_size=16)
    return {
        "limit": limit,
        "modes": list(modes),
        "documents": len(hashes),
        "statuses": statuses,
        "seconds": round(time.time() - t0, 1),
        "digest": digest.hexdigest(),
        "hashes": hashes,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--save", metavar="FILE", help="write the hashes to FILE")
    what.add_argument(
        "--check", metavar="FILE", help="compare with the hashes in FILE (exit 1 on a difference)"
    )
    ap.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"documents per mode, the sets interleaved (default {DEFAULT_LIMIT}; 0: every page; "
        "--check: the saved file's)",
    )
    ap.add_argument("--workers", type=int, default=1, help="processes cleaning (default 1)")
    ap.add_argument(
        "--mode", choices=MODES, action="append", help="only this mode (repeatable; default both)"
    )
    args = ap.parse_args(argv)
    if not corpus.evalsets.require_eval():
        return 2
    if args.check:
        try:
            saved = json.loads(Path(args.check).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"error: cannot read {args.check}: {exc}", file=sys.stderr)
            return 2
        limit = saved["limit"] if args.limit is None else args.limit
        modes = tuple(args.mode or saved["modes"])
    else:
        limit = DEFAULT_LIMIT if args.limit is None else args.limit
        modes = tuple(args.mode or MODES)
    if limit < 0 or args.workers < 1:
        ap.error("--limit must be 0 or more and --workers 1 or more")
    out = run(limit, args.workers, modes)
    print(
        f"{out['documents']} documents ({', '.join(modes)}), statuses {out['statuses']}, "
        f"{out['seconds']} s, digest {out['digest']}"
    )
    if args.save:
        Path(args.save).write_text(json.dumps(out, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"saved to {args.save}")
        return 0
    old: dict[str, str] = saved["hashes"]
    new: dict[str, str] = out["hashes"]
    differ = sorted(k for k in new if k in old and old[k] != new[k])
    missing = sorted(k for k in old if k not in new and k.split(":", 1)[0] in modes)
    added = sorted(k for k in new if k not in old)
    for k in differ:
        print(f"differs: {k}")
    for k in missing:
        print(f"missing: {k}")
    for k in added:
        print(f"new: {k}")
    same = len(new) - len(differ) - len(added)
    print(
        f"{same} of {len(new)} documents identical, {len(differ)} differ, {len(missing)} missing, "
        f"{len(added)} new"
    )
    return 1 if differ or missing or added else 0


if __name__ == "__main__":
    sys.exit(main())
