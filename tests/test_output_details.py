"""Details a user meets: output files with the user's umask, the input's url
said once, Ray's own logging at warnings, README cross-references that hold."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import cleaner

REPO = Path(__file__).resolve().parents[1]
TEXT_DIR = REPO / "fixtures" / "text"
CORPUS = REPO / "fixtures" / "corpus.jsonl"


def _clean_with_umask(mask: int, *args: str) -> subprocess.CompletedProcess[str]:
    def set_mask() -> None:
        os.umask(mask)

    return subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", *args, "-q"],
        capture_output=True,
        text=True,
        preexec_fn=set_mask,
        timeout=300,
    )


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_output_files_get_the_users_umask(tmp_path, mask):
    want = 0o666 & ~mask
    folder = tmp_path / "out"
    r = _clean_with_umask(mask, str(TEXT_DIR), "-o", str(folder), "--report", str(tmp_path / "run.json"))
    assert r.returncode == 0, r.stderr
    files = sorted(folder.glob("*.txt"))
    assert len(files) == len(list(TEXT_DIR.glob("*.txt")))
    assert {oct(_mode(f)) for f in files} == {oct(want)}  # the <id>.txt files, as records.jsonl
    assert _mode(folder / "records.jsonl") == want and _mode(tmp_path / "run.json") == want
    r = _clean_with_umask(mask, str(CORPUS), "-o", str(tmp_path / "out.jsonl.gz"))
    assert r.returncode == 0, r.stderr
    assert _mode(tmp_path / "out.jsonl.gz") == want


def test_the_records_url_is_said_once(tmp_path, cli):
    lines = [json.loads(x) for x in CORPUS.read_text(encoding="utf-8").splitlines()]
    with_url = [rec for rec in lines if rec.get("url")]
    assert any("text" in rec for rec in with_url) and any("html" in rec for rec in with_url)
    r = cli("clean", CORPUS, "-o", tmp_path / "out.jsonl", "-q")
    assert r.rc == 0, r
    out = {
        rec["id"]: rec
        for rec in map(json.loads, (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines())
    }
    for rec in with_url:
        got = out[str(rec["id"])]
        assert got["url"] == rec["url"]
        assert "url" not in (got.get("metadata") or {}), got.get("metadata")
    # a library caller who gives the url as metadata gets it back there, once
    doc = cleaner.clean("A short text about the harbour.", format="text")
    assert "metadata" not in doc.to_record()
    pipe = cleaner.Pipeline.from_yaml()
    rec = pipe.clean(
        "A short text about the harbour.", format="text", metadata={"url": "https://a.example/x"}
    ).to_record()
    assert rec["metadata"] == {"url": "https://a.example/x"} and "url" not in {
        k for k in rec if k != "metadata"
    }


@pytest.mark.slow
def test_ray_engine_keeps_its_own_logging_at_warnings(tmp_path, cli):
    pytest.importorskip("ray")
    r = cli("clean", CORPUS, "-o", tmp_path / "parts", "--engine", "ray", "--workers", "2")
    assert r.rc == 0, r
    info = [ln for ln in r.stderr.splitlines() if re.search(r"\sINFO\s", ln)]
    assert info == [], info
    assert "10 documents: 10 kept" in r.stderr
    r = cli("clean", CORPUS, "-o", tmp_path / "parts2", "--engine", "ray", "--workers", "2", "-v")
    assert r.rc == 0, r
    assert any(re.search(r"\sINFO\s", ln) for ln in r.stderr.splitlines())  # asked for


def _headings(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(2).strip()) for m in re.finditer(r"^(#{1,4}) (.+)$", text, re.M)]


def test_readme_cross_references_name_existing_sections_where_they_are():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    heads = _headings(readme)
    names = {h for _, h in heads}
    refs = list(re.finditer(r'see\s+"([^"]+)"(?:\s+(above|below))?', readme))
    assert refs
    for m in refs:
        name, where = " ".join(m.group(1).split()), m.group(2)  # (a name may wrap across lines)
        assert name in names, f'README refers to a section "{name}" it does not have'
        pos = next(p for p, h in heads if h == name)
        if where == "below":
            assert pos > m.start(), f'"{name}" is above its reference'
        if where == "above":
            assert pos < m.start(), f'"{name}" is below its reference'
    for path in (REPO / "rules").rglob("*.yaml"):
        for m in re.finditer(r'README\.md, "([^"]+)"', path.read_text(encoding="utf-8")):
            assert m.group(1) in names, (
                f'{path.name} refers to README section "{m.group(1)}", which does not exist'
            )
