"""Kernels compiled or in Python: the same records either way, and a small
first run that compiles nothing (``--kernels auto``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import jit

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "fixtures" / "text" / "en-city-council.txt"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "CLEANER_KERNELS")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    env.update(extra)
    return env


def _clean(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def _nbi(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "xdg").rglob("*.nbi"))


@pytest.mark.slow
def test_python_kernels_give_the_records_the_compiled_ones_give(tmp_path, fixtures_dir):
    """Every fixture (text in several languages, HTML pages, seeds-like scrapes)
    cleaned with the kernels in Python and compiled: byte-identical records."""
    env = {
        k: v for k, v in os.environ.items() if k != "CLEANER_KERNELS"
    }  # (the user's cache: compiled already)
    _clean([str(fixtures_dir), "-o", str(tmp_path / "py.jsonl"), "--kernels", "python", "-q"], env)
    _clean([str(fixtures_dir), "-o", str(tmp_path / "nb.jsonl"), "--kernels", "compiled", "-q"], env)
    py = (tmp_path / "py.jsonl").read_text(encoding="utf-8").splitlines()
    nb = (tmp_path / "nb.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(py) == len(nb) >= 10
    removed = sum(len(json.loads(line)["removed"]) for line in nb)
    assert removed > 20  # (the fixtures' junk: the kernels' judgements are what is compared)
    for a, b in zip(py, nb, strict=True):
        assert a == b


@pytest.mark.slow
def test_a_small_first_run_compiles_nothing_and_a_large_one_compiles(tmp_path):
    env = _env(tmp_path)
    small = _clean([str(SMALL), "-o", str(tmp_path / "a.jsonl")], env)
    assert "compiling" not in small.stderr and "first run" not in small.stderr
    assert _nbi(tmp_path) == []
    # the same records as the compiled kernels give, which a run compiles when asked
    compiled = _clean([str(SMALL), "-o", str(tmp_path / "b.jsonl"), "--kernels", "compiled"], env)
    assert "compiling kernels, first run only" in compiled.stderr
    assert _nbi(tmp_path)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    # $CLEANER_KERNELS as --kernels; a wrong value is a usage error that names the variable
    bad = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(SMALL), "-o", str(tmp_path / "c.jsonl")],
        capture_output=True,
        text=True,
        env={**env, "CLEANER_KERNELS": "fast"},
        timeout=300,
    )
    assert bad.returncode == 2 and "CLEANER_KERNELS" in bad.stderr and not (tmp_path / "c.jsonl").exists()


def test_choose_by_size_and_by_what_the_cache_holds(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    groups = [jit.Group("alpha", "x:y"), jit.Group("beta", "x:z")]
    cold, warm = jit.PYTHON_BELOW_COLD, jit.PYTHON_BELOW_WARM
    assert warm < cold
    assert jit.choose(groups, 4_000) == "python"
    assert jit.choose(groups, cold - 1) == "python"
    assert jit.choose(groups, cold) == "compiled"
    assert jit.choose(groups, None) == "compiled"  # (standard input: size unknown)
    jit._mark_ready(groups[0])
    assert not jit.ready(groups) and jit.choose(groups, cold - 1) == "python"
    jit._mark_ready(groups[1])
    assert jit.ready(groups)
    # compiled already: Python only where it takes less time than loading the compiled kernels
    assert jit.choose(groups, warm - 1) == "python"
    assert jit.choose(groups, warm) == "compiled"
    assert jit.choose(groups, cold - 1) == "compiled"


def test_input_size_estimate_by_kind(tmp_path):
    from cleaner.cli.clean import estimated_text_bytes

    (tmp_path / "a.txt").write_bytes(b"x" * 1000)
    (tmp_path / "p.html").write_bytes(b"x" * 4000)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "r.jsonl.gz").write_bytes(b"x" * 100)
    (tmp_path / "d" / "page.html.gz").write_bytes(b"x" * 400)
    assert estimated_text_bytes([str(tmp_path / "a.txt")]) == 1000
    assert estimated_text_bytes([str(tmp_path / "p.html")]) == 1000  # (markup: a quarter)
    assert estimated_text_bytes([str(tmp_path / "d")]) == 500 + 500
    assert estimated_text_bytes([str(tmp_path / "a.txt"), "-"]) is None


def test_a_process_runs_its_kernels_one_way(tmp_path):
    """The first choice holds for the process (a compiled kernel keeps the
    kernels it calls); kernels are plain functions in Python mode, and numba
    is not even imported then."""
    code = (
        "import sys, cleaner\n"
        "from cleaner import kernels\n"
        "from cleaner.kernels import lines\n"
        "assert kernels.mode() is None and 'numba' not in sys.modules\n"
        "doc = cleaner.clean(open(sys.argv[1], encoding='utf-8').read())\n"
        "assert doc.status == 'ok' and doc.removed\n"
        "print(kernels.mode(), type(lines.line_rows).__name__, 'numba' in sys.modules)\n"
        "try:\n"
        "    kernels.use('compiled')\n"
        "except RuntimeError as exc:\n"
        "    print('refused:', exc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(SMALL)],
        capture_output=True,
        text=True,
        env=_env(tmp_path, CLEANER_KERNELS="python"),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first == "python function False"
    assert second.startswith("refused: this process already runs its kernels python")
    assert _nbi(tmp_path) == []


def test_the_ready_key_is_per_install(tmp_path, monkeypatch):
    """numba keeps a kernel's compiled code per source file, so a second install
    of the same version (another venv) sharing the cache folder has nothing
    compiled yet: its ready markers must not be the first install's."""
    import shutil

    src = Path(jit.__file__).resolve().parent
    keys = []
    for name in ("a", "b", "a"):
        root = tmp_path / name / "cleaner"
        if not root.exists():
            shutil.copytree(src, root, ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
        monkeypatch.setattr(jit, "__file__", str(root / "jit.py"))
        monkeypatch.setattr(jit, "_key", None)
        keys.append(jit._build_key())
    assert keys[0] != keys[1] and keys[0] == keys[2]
