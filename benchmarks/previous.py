"""The previous release of cleaner, run beside the current one for comparison.

A detached git worktree of :data:`PREVIOUS` (the last commit before the
text-mode region model: line classifier of round 1) is made once in
``benchmarks/.cache/previous/`` and its CLI is run on the same inputs, with
that worktree first on ``PYTHONPATH``, so that both versions clean the same
documents in the same benchmark run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PREVIOUS = "561a57f3b32405f11218937f15d80f286435f16d"  # round 1's last commit: the logistic line classifier
PREVIOUS_NAME = "previous release (561a57f)"


class PreviousUnavailable(RuntimeError):
    """The previous release cannot be checked out (no git history here)."""


def checkout(commit: str = PREVIOUS) -> Path:
    """A worktree of ``commit`` (made once); raises :class:`PreviousUnavailable` when git cannot."""
    dest = HERE / ".cache" / "previous" / commit
    if (dest / "cleaner" / "__init__.py").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], capture_output=True, timeout=60)
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "--force", str(dest), commit],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise PreviousUnavailable(f"cannot check out {commit}: {detail.strip()}") from exc
    return dest


def clean_texts(texts: Sequence[str], workers: int = 2, commit: str = PREVIOUS) -> list[str | None]:
    """Clean ``texts`` (text mode) with the previous release's CLI; None for a
    document it dropped or failed."""
    root = checkout(commit)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["NUMBA_CACHE_DIR"] = str(HERE / ".cache" / "previous" / f"numba-{commit}")
    with tempfile.TemporaryDirectory(prefix="cleaner-prev-") as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "cleaner",
                "clean",
                str(src),
                "-o",
                str(out),
                "--format",
                "text",
                "--workers",
                str(workers),
                "-q",
            ],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise PreviousUnavailable(
                f"previous release failed (exit {proc.returncode}): {proc.stderr[-2000:]}"
            )
        preds: list[str | None] = []
        with out.open(encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                preds.append(rec["text"] if rec.get("status") == "ok" else None)
    if len(preds) != len(texts):
        raise PreviousUnavailable(f"previous release wrote {len(preds)} records for {len(texts)} inputs")
    return preds
