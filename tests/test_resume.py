"""Resume: a run killed part-way (SIGKILL) or interrupted (Ctrl-C) is finished by
``--resume``, with every input document written exactly once and the records
equal to an uninterrupted run's."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner.io.writers import work_dir
from cleaner.report import read_records

SENTENCES = [
    "The city council voted on Tuesday to extend the bus lane along the river road.",
    "Residents had complained for months about the noise from the building site next door.",
    "Officials said the repairs would cost about 4 million euros and take two years.",
    "The report, which was published last week, found that the bridge needed urgent work.",
    "Engineers warned that heavy lorries should avoid the old crossing until spring.",
    "Shop owners on the high street said trade had fallen since the road was closed in March.",
    "Der Stadtrat hat am Dienstag beschlossen, die Busspur entlang der Uferstraße zu verlängern.",
    "Anwohner hatten sich monatelang über den Lärm der Baustelle beschwert.",
]
JUNK = [
    "Home | News | Sport",
    "Skip to content",
    "Most Read",
    "Share",
    "Advertisement",
    "Leave a Reply",
    "Your email address will not be published.",
    "3 Comments",
    "Subscribe to our newsletter",
]
N_DOCS = 3000


def _doc(i: int) -> str:
    rng = random.Random(i)
    lines = rng.sample(JUNK, 3) + [f"Local news, story {i}", ""]
    for _ in range(rng.randint(2, 4)):
        lines += [" ".join(rng.sample(SENTENCES[:6] if i % 5 else SENTENCES[6:], 2)), ""]
    return "\n".join(lines + rng.sample(JUNK, 4))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resume")
    path = root / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(N_DOCS):
            rec = {"id": f"doc-{i:05d}", "text": _doc(i), "source": "city-paper"}
            if i == 1234:
                rec = {"id": f"doc-{i:05d}", "text": None}  # an error record, also exactly once
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["CLEANER_CHECKPOINT_SECONDS"] = "0.1"
    return env


def _cmd(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "cleaner",
        "clean",
        str(corpus),
        "-o",
        str(out),
        "--workers",
        "2",
        "-q",
        *extra,
    ]


@pytest.fixture(scope="module")
def reference(corpus: Path) -> Path:
    """The records of an uninterrupted run."""
    out = corpus.parent / "ref.jsonl"
    r = subprocess.run(_cmd(corpus, out), capture_output=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr.decode()
    return out


def _done(out: Path) -> int:
    try:
        return json.loads((work_dir(str(out)) / "state.json").read_text())["done"]
    except (OSError, ValueError, KeyError):
        return 0


def _start_and_stop(corpus: Path, out: Path, sig: int, at: int = 400) -> subprocess.Popen:
    proc = subprocess.Popen(
        _cmd(corpus, out), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while _done(out) < at:
        assert proc.poll() is None, (
            f"the run ended before it could be interrupted: {proc.stderr.read().decode()}"
        )
        assert time.monotonic() < deadline
        time.sleep(0.02)
    if sig == signal.SIGKILL:
        proc.kill()  # the main process only: its workers must go with it
    else:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole process group
    proc.wait(timeout=60)
    return proc


def _ids(path: Path) -> list[str]:
    return [r["id"] for r in read_records(path)]


@pytest.mark.slow
def test_killed_run_is_finished_by_resume_exactly_once(corpus: Path, reference: Path) -> None:
    out = corpus.parent / "killed.jsonl"
    proc = _start_and_stop(corpus, out, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    done = _done(out)
    assert 400 <= done < N_DOCS
    assert not out.exists()  # nothing under the final name until the run is complete
    assert not [p for p in corpus.parent.iterdir() if p.name.startswith("killed") and p != out]

    again = subprocess.run(_cmd(corpus, out), capture_output=True, env=_env(), timeout=600)
    assert again.returncode == 2
    msg = again.stderr.decode()
    assert "unfinished run" in msg and "--resume" in msg and str(work_dir(str(out))) in msg

    r = subprocess.run(_cmd(corpus, out, "--resume"), capture_output=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr.decode()
    ids = _ids(out)
    assert len(ids) == N_DOCS and len(set(ids)) == N_DOCS
    assert ids == [f"doc-{i:05d}" for i in range(N_DOCS)]
    assert list(read_records(out)) == list(read_records(reference))
    assert not work_dir(str(out)).exists()


def test_ctrl_c_leaves_a_resumable_folder_output(corpus: Path, reference: Path) -> None:
    out = corpus.parent / "interrupted-dir"
    proc = _start_and_stop(corpus, out, signal.SIGINT, at=300)
    assert proc.returncode == 130
    err = proc.stderr.read().decode()
    assert "interrupted after" in err and "--resume" in err and "Traceback" not in err
    assert not (out / "records.jsonl").exists()
    state = json.loads((work_dir(str(out)) / "state.json").read_text())
    assert state["done"] >= 300

    r = subprocess.run(_cmd(corpus, out, "--resume"), capture_output=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr.decode()
    # the folder an uninterrupted run writes: <id>.txt per kept document, records.jsonl with "file"
    expected = list(read_records(reference))
    got = list(read_records(out))
    assert [g.pop("file", None) for g in got] == [
        f"{e['id']}.txt" if e["status"] == "ok" else None for e in expected
    ]
    assert got == expected
    kept = {f"{e['id']}.txt": e["text"] for e in expected if e["status"] == "ok"}
    assert sorted(p.name for p in out.iterdir()) == sorted([*kept, "records.jsonl"])  # no temp or extra files
    for name, text in kept.items():
        assert (out / name).read_text(encoding="utf-8") == (text + "\n" if text else "")


def test_resume_refuses_a_different_command(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    _start_and_stop(corpus, out, signal.SIGKILL, at=100)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "x", "text": _doc(1)}) + "\n")
    r = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(other), "-o", str(out), "--resume", "-q"],
        capture_output=True,
        env=_env(),
        timeout=120,
    )
    assert r.returncode == 2 and b"different inputs" in r.stderr
    assert _done(out) >= 100  # the unfinished run is left as it was


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    from cleaner.runner.state import lock

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": _doc(1)}) + "\n")
    out = tmp_path / "out.jsonl"
    with lock(work_dir(str(out))):  # as a run in progress holds it
        r = subprocess.run(
            [sys.executable, "-m", "cleaner", "clean", str(src), "-o", str(out), "-q"],
            capture_output=True,
            timeout=120,
        )
    assert r.returncode == 2 and b"another cleaner run" in r.stderr
    assert not out.exists()
    r = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(src), "-o", str(out), "-q"],
        capture_output=True,
        timeout=120,
    )
    assert r.returncode == 0 and out.exists() and not work_dir(str(out)).exists()


def _killed_run(corpus_file: Path, out: Path, *extra: str, at: int = 100) -> None:
    proc = subprocess.Popen(
        [*_cmd(corpus_file, out), *extra],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while _done(out) < at:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.kill()
    proc.wait(timeout=60)


def _refused(corpus_file: Path, out: Path, *words: str, extra: tuple[str, ...] = ()) -> None:
    before = (work_dir(str(out)) / "state.json").read_bytes()
    r = subprocess.run(
        [*_cmd(corpus_file, out, "--resume"), *extra], capture_output=True, env=_env(), timeout=120
    )
    msg = r.stderr.decode()
    assert r.returncode == 2 and "Traceback" not in msg and len(msg.strip().splitlines()) == 1, msg
    for w in words:
        assert w in msg, msg
    assert (work_dir(str(out)) / "state.json").read_bytes() == before  # the unfinished run is left as it was
    assert not out.exists()


def test_resume_refuses_an_input_rewritten_since(corpus: Path, tmp_path: Path) -> None:
    src = tmp_path / "corpus.jsonl"
    src.write_bytes(corpus.read_bytes())
    out = tmp_path / "o.jsonl"
    _killed_run(src, out)
    # the first 1,000 documents deleted, 1,000 new ones at the end: same size
    lines = src.read_bytes().splitlines(keepends=True)
    src.write_bytes(b"".join(lines[1000:] + lines[:1000]))
    _refused(src, out, f"input file {src} changed since the interrupted run", "content", "remove")
    os.utime(src, ns=(0, 0))
    _refused(src, out, str(src), "changed since")


def test_resume_refuses_a_touched_input_and_a_new_file_in_an_input_folder(
    corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(600):
        (folder / f"d{i:04d}.txt").write_text(_doc(i), encoding="utf-8")
    out = tmp_path / "o.jsonl"
    _killed_run(folder, out, at=50)
    os.utime(folder / "d0003.txt", ns=(1, 1))
    _refused(folder, out, "d0003.txt", "modification time")
    os.utime(
        folder / "d0003.txt",
        ns=(json.loads((work_dir(str(out)) / "inputs.json").read_text())["input_files"][3][2],) * 2,
    )
    (folder / "d0000a.txt").write_text(_doc(1), encoding="utf-8")  # sorts before those done
    _refused(folder, out, "d0000a.txt")
    (folder / "d0000a.txt").unlink()
    r = subprocess.run(_cmd(folder, out, "--resume"), capture_output=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr.decode()
    assert _ids(out) == [f"d{i:04d}" for i in range(600)]


def test_resume_refuses_a_changed_rule_pack(corpus: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    rule = (
        '- id: mine.promo\n  kind: line\n  why: a promo line\n  match: ["{m}"]\n'
        '  examples:\n    drop: ["{m}"]\n    keep: ["The promo was cancelled, officials said."]\n'
    )
    pack.write_text(rule.format(m="Subscribe to our newsletter"), encoding="utf-8")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("extends: default\nrule_packs: [pack.yaml]\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    _killed_run(corpus, out, "--config", str(cfg))
    pack.write_text(rule.format(m="Leave a Reply"), encoding="utf-8")  # the config file itself unchanged
    _refused(corpus, out, f"config file {pack} changed", extra=("--config", str(cfg)))
