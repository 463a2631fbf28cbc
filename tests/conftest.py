"""Shared fixtures: repository paths, the shared evaluation folder, a CLI runner,
and one default pipeline per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# Hypothesis profiles (HYPOTHESIS_PROFILE selects one): "ci", the default (the
# README's test command and .ci/run), is seeded (derandomize: the same examples
# on every run and no example database, so that a failure is the change's, and
# reproduces anywhere); "explore" draws new examples on each run, and keeps
# the failures it finds in .hypothesis/ to try first next time
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
FIXTURES = REPO / "fixtures"


def find_shared_dir() -> Path | None:
    """``$CLEANER_SHARED`` when set, else ``<repo>/../shared``; None when absent."""
    env = os.environ.get("CLEANER_SHARED")
    path = Path(env).expanduser() if env else REPO.parent / "shared"
    return path if path.is_dir() else None


@dataclass
class CliResult:
    rc: int
    stdout: str
    stderr: str
    args: tuple[str, ...]

    def __str__(self) -> str:  # shown by pytest when an assertion on the result fails
        return (
            f"cleaner {' '.join(self.args)} -> exit {self.rc}\n"
            f"--- stdout ---\n{self.stdout[-3000:]}\n--- stderr ---\n{self.stderr[-3000:]}"
        )


def run_cli(
    *args: str | os.PathLike[str],
    input: bytes | str | None = None,
    cwd: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> CliResult:
    """Run ``python -m cleaner ARGS`` in a fresh process; return rc, stdout, stderr."""
    full_env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", **(env or {})}
    data = input.encode("utf-8") if isinstance(input, str) else input
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner", *map(str, args)],
        input=data if data is not None else b"",
        capture_output=True,
        cwd=str(cwd) if cwd is not None else None,
        env=full_env,
        timeout=timeout,
    )
    return CliResult(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        tuple(map(str, args)),
    )


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = find_shared_dir()
    if path is None:
        pytest.skip("no shared folder (set CLEANER_SHARED or put it at <repo>/../shared)")
    return path


@pytest.fixture(scope="session")
def shared_dir_or_none() -> Path | None:
    """The shared folder, or None (for tests that use it when present and run anyway)."""
    return find_shared_dir()


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    seeds = shared_dir / "seeds"
    if not seeds.is_dir() or not any(seeds.glob("*.txt")):
        pytest.skip(f"no seeds in {seeds}")
    return seeds


@pytest.fixture(scope="session")
def cli() -> Callable[..., CliResult]:
    """``cli("clean", "in.jsonl", "-o", "out.jsonl")`` -> CliResult(rc, stdout, stderr)."""
    return run_cli


@pytest.fixture(scope="session")
def default_pipeline():
    """The shipped default pipeline, built once (what ``cleaner clean`` uses without --config)."""
    import cleaner

    return cleaner.Pipeline.from_yaml()
