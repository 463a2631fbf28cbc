"""The command line as a data engineer pipes it: records on standard output,
records or text from standard input, outputs named by kind, skipped files
counted, ``explain`` on one record of a file of records."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "fixtures" / "corpus.jsonl"
TEXT = REPO / "fixtures" / "text" / "en-city-council.txt"


def _records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_records_to_stdout_equal_a_jsonl_file(tmp_path, cli):
    piped = cli("clean", CORPUS, "-o", "-", "--workers", "2")
    assert piped.rc == 0, piped
    to_file = cli("clean", CORPUS, "-o", tmp_path / "out.jsonl", "-q", "--workers", "2")
    assert to_file.rc == 0, to_file
    assert piped.stdout == (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    ids = [json.loads(line)["id"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [r["id"] for r in _records(piped.stdout)] == ids
    # the summary goes to standard error, not into the records
    assert "documents:" in piped.stderr and "documents:" not in piped.stdout
    assert not any(tmp_path.glob(".*cleaner-run*"))


def test_text_from_stdin_to_stdout(cli):
    r = cli("clean", "-", "-o", "-", input=TEXT.read_bytes())
    assert r.rc == 0, r
    (rec,) = _records(r.stdout)
    assert rec["id"] == "stdin" and rec["status"] == "ok"
    assert "Most Read" not in rec["text"] and "Riverton" in rec["text"]


def test_jsonl_from_stdin_to_stdout_composes_with_a_filter(cli):
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:3]
    r = cli("clean", "-", "-o", "-", "-q", input="\n".join(lines) + "\n")
    assert r.rc == 0, r
    recs = _records(r.stdout)
    assert [x["id"] for x in recs] == [json.loads(x)["id"] for x in lines]
    assert r.stderr == ""  # -q: nothing but records


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """``cleaner clean big.jsonl -o - | head -1``: the pipe closes, the run stops quietly."""
    big = tmp_path / "big.jsonl"
    line = CORPUS.read_text(encoding="utf-8").splitlines()[0]
    rec = json.loads(line)
    big.write_text("".join(json.dumps({**rec, "id": f"d{i}"}) + "\n" for i in range(400)), encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleaner", "clean", str(big), "-o", "-", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    rc = proc.wait(timeout=120)
    assert json.loads(first)["id"] == "d0"
    assert rc == 0 and "Traceback" not in err, err


@pytest.mark.parametrize("name", ["out.txt", "out.json", "notes.md", "records.csv", "out.gz"])
def test_an_output_file_of_an_unknown_kind_is_a_usage_error(tmp_path, cli, name):
    r = cli("clean", TEXT, "-o", tmp_path / name)
    assert r.rc == 2
    assert f"cleaner does not write {Path(name).suffix} files" in r.stderr
    assert not (tmp_path / name).exists()


def test_folder_outputs_with_dots_in_their_names(tmp_path, cli):
    r = cli("clean", TEXT, "-o", f"{tmp_path / 'run.v2'}/", "-q")
    assert r.rc == 0, r
    assert (tmp_path / "run.v2" / "records.jsonl").is_file()
    existing = tmp_path / "clean.2024"
    existing.mkdir()
    r = cli("clean", TEXT, "-o", existing, "-q")
    assert r.rc == 0, r
    assert (existing / "en-city-council.txt").is_file()


def test_resume_does_not_apply_to_stdout(cli):
    r = cli("clean", TEXT, "-o", "-", "--resume")
    assert r.rc == 2 and "--resume" in r.stderr


def test_skipped_files_are_counted_by_kind(tmp_path, cli):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(TEXT.read_bytes())
    (src / "README.md").write_text("# notes\n", encoding="utf-8")
    (src / "sub" / "b.md").write_text("more\n", encoding="utf-8")
    (src / "sub" / "data.csv").write_text("a,b\n", encoding="utf-8")
    (src / "sub" / "meta.json").write_text("{}\n", encoding="utf-8")
    (src / "sub" / "Makefile").write_text("all:\n", encoding="utf-8")
    (src / ".DS_Store").write_bytes(b"\0\0")
    r = cli("clean", src, "-o", tmp_path / "out.jsonl", "--report", tmp_path / "run.json")
    assert r.rc == 0, r
    assert "skipped: 5 files of kinds not read (.md 2, (none) 1, .csv 1, .json 1)" in r.stderr
    report = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert report["skipped_files"] == {".md": 2, ".csv": 1, ".json": 1, "(none)": 1}
    assert report["documents"] == 1
    streamed = cli("clean", src, "-o", "-")
    assert "skipped: 5 files" in streamed.stderr


# ---------------------------------------------------------------- explain
def test_explain_a_record_of_a_jsonl_file_by_id(cli):
    r = cli("explain", CORPUS, "--id", "en-ferry-service")
    assert r.rc == 0, r
    assert "record en-ferry-service" in r.stderr and f"{CORPUS}:3" in r.stderr
    assert "en.read-more" in r.stdout and "Gull Island" in r.stdout
    info = json.loads(r.stderr.strip().splitlines()[-1])
    assert info["id"] == "en-ferry-service" and info["status"] == "ok"


@pytest.mark.parametrize("codec", ["gz", "zst"])
def test_explain_first_record_of_compressed_jsonl(tmp_path, cli, codec):
    data = CORPUS.read_bytes()
    path = tmp_path / f"c.jsonl.{codec}"
    if codec == "gz":
        path.write_bytes(gzip.compress(data))
    else:
        import zstandard

        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    r = cli("explain", path, "--removed-only")
    assert r.rc == 0, r
    first = json.loads(data.splitlines()[0])["id"]
    assert f"record {first}" in r.stderr
    assert json.loads(r.stderr.strip().splitlines()[-1])["id"] == first


def test_explain_jsonl_from_stdin(cli):
    line = CORPUS.read_text(encoding="utf-8").splitlines()[2]
    r = cli("explain", "-", input=line + "\n")
    assert r.rc == 0, r
    assert json.loads(r.stderr.strip().splitlines()[-1])["id"] == json.loads(line)["id"]


def test_explain_says_what_it_cannot_do(tmp_path, cli):
    r = cli("explain", REPO / "fixtures" / "text")
    assert r.rc == 2 and "is a folder; explain shows one document" in r.stderr
    r = cli("explain", CORPUS, "--id", "no-such-id")
    assert (
        r.rc == 2 and "no record with id 'no-such-id' (10 records read; ids such as de-stadtwerke" in r.stderr
    )
    r = cli("explain", TEXT, "--id", "x")
    assert r.rc == 2 and "is one document; --id picks a record" in r.stderr
    r = cli("explain", tmp_path / "missing.jsonl")
    assert r.rc == 2 and "no such file" in r.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": 5}\n', encoding="utf-8")
    r = cli("explain", bad)
    assert r.rc == 2 and "record a" in r.stderr and "must be a string" in r.stderr


# ------------------------------------------- -o - with the limits of a batch run
def _limits_config(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "limits.yaml"
    cfg.write_text("extends: default\nlimits:\n" + text, encoding="utf-8")
    return cfg


def test_records_to_stdout_make_nothing_where_the_command_runs(tmp_path, cli):
    cwd = tmp_path / "here"
    cwd.mkdir()
    r = cli("clean", TEXT, "-o", "-", "-q", cwd=cwd)
    assert r.rc == 0, r
    assert [x["id"] for x in _records(r.stdout)] == ["en-city-council"]
    assert list(cwd.iterdir()) == []  # no folder named "-", no run folder, no probe file


def test_standard_input_to_stdout_is_read_within_the_size_limit(tmp_path, cli):
    cfg = _limits_config(tmp_path, "  max_document_bytes: 5000\n")
    big = ("word " * 2000).encode()  # 10,000 bytes of text
    r = cli("clean", "-", "-o", "-", "--config", cfg, "-q", input=big)
    assert r.rc == 0, r
    (rec,) = _records(r.stdout)
    assert rec["status"] == "error" and "<stdin>" in rec["error"], rec
    assert "limits.max_document_bytes=5000" in rec["error"]
    # records on standard input: the one over the limit is an error record, the others are cleaned
    small = json.loads(CORPUS.read_text(encoding="utf-8").splitlines()[0])
    lines = [
        json.dumps({**small, "id": "a"}),
        json.dumps({"id": "b", "text": "word " * 2000}),
        json.dumps({**small, "id": "c"}),
    ]
    r = cli("clean", "-", "-o", "-", "--config", cfg, "-q", input="\n".join(lines) + "\n")
    assert r.rc == 0, r
    recs = _records(r.stdout)
    # (the line is not parsed, so its record is named by where it is)
    assert [(x["id"], x["status"]) for x in recs] == [("a", "ok"), ("stdin:2", "error"), ("c", "ok")], recs
    assert "limits.max_document_bytes=5000" in recs[1]["error"]


def test_explain_reads_standard_input_within_the_size_limit(tmp_path, cli):
    cfg = _limits_config(tmp_path, "  max_document_bytes: 5000\n")
    r = cli("explain", "-", "--config", cfg, input=("word " * 2000).encode())
    assert r.rc == 2 and "Traceback" not in r.stderr, r
    assert len(r.stderr.strip().splitlines()) == 1 and "limits.max_document_bytes=5000" in r.stderr, r
    big = tmp_path / "big.txt"
    big.write_text("word " * 2000, encoding="utf-8")
    r = cli("explain", big, "--config", cfg)
    assert r.rc == 2 and "limits.max_document_bytes=5000" in r.stderr and str(big) in r.stderr, r


@pytest.mark.slow
def test_records_to_stdout_are_cleaned_by_watched_workers(tmp_path):
    """``-o -`` runs its documents in worker processes under the watchdog, as a
    run to a file does (``--workers 1`` too): a worker stuck where no timer
    reaches (SIGSTOP stands in for a C call) is replaced, and the run ends."""
    import signal
    import time

    sys.path.insert(0, str(Path(__file__).parent))
    from treerss import _children

    src = tmp_path / "in.jsonl"
    line = json.loads(CORPUS.read_text(encoding="utf-8").splitlines()[0])
    with open(src, "w", encoding="utf-8") as fh:
        for i in range(20000):
            fh.write(json.dumps({**line, "id": f"d{i}"}) + "\n")
    cfg = _limits_config(tmp_path, "  stage_timeout_seconds: 2\n  document_timeout_seconds: 3\n")
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as sink:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cleaner",
                "clean",
                str(src),
                "-o",
                "-",
                "--config",
                str(cfg),
                "--workers",
                "1",
                "-q",
            ],
            stdout=sink,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while not workers and time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert workers, "no worker process cleans the documents of -o -"
        time.sleep(1.0)
        os.kill(workers[0], signal.SIGSTOP)
        try:
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, proc.stderr.read().decode()
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs] == [f"d{i}" for i in range(20000)]
    bad = [r for r in recs if r["status"] == "error"]
    assert len(bad) <= 1 and all("stopped and replaced" in r["error"] for r in bad), bad
