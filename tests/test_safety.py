"""Nothing outside the output is written or deleted; output and input never
collide; every error of the file system or the arguments is one line, exit 2,
before any work where it can be known then. All through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.io.writers import work_dir

ARTICLE = (
    "The city council voted on Tuesday to close the river road for repairs, officials said after the "
    "meeting.\nEngineers warned that heavy lorries should avoid the old crossing until the spring thaw.\n"
)


def one_line_error(res, *words: str) -> str:  # type: ignore[no-untyped-def]
    assert res.rc == 2, res
    assert "Traceback" not in res.stderr, res
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cleaner: error: "), res
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    return lines[0]


def victim(tmp: Path) -> Path:
    """A folder outside the output with a file that must survive."""
    v = tmp / "victim"
    v.mkdir()
    (v / "keep.txt").write_text("precious\n", encoding="utf-8")
    return v


def untouched(v: Path) -> bool:
    return (
        sorted(p.name for p in v.iterdir()) == ["keep.txt"] and (v / "keep.txt").read_text() == "precious\n"
    )


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    return p


# ------------------------------------------------ 1. links are never followed
@pytest.mark.parametrize("output", ["sl/out.jsonl", "sl/out.parquet", "sl/outdir"])
def test_a_planted_link_as_run_folder_is_refused_and_nothing_behind_it_touched(tmp_path, small, cli, output):
    v = victim(tmp_path)
    (tmp_path / "sl").mkdir()
    out = tmp_path / output
    if output.endswith("outdir"):
        out.mkdir()
    os.symlink(v, work_dir(str(out)))
    res = cli("clean", small, "-o", out, "--workers", "1", "-q")
    one_line_error(res, "symbolic link", str(work_dir(str(out))))
    assert untouched(v)
    assert os.path.islink(work_dir(str(out)))  # left as it was, for the user to look at


def test_a_stale_run_folder_is_cleared_without_following_its_links(tmp_path, small, cli):
    v = victim(tmp_path)
    out = tmp_path / "out.jsonl"
    work = work_dir(str(out))
    work.mkdir()
    # what a run killed before its first state leaves, with links planted in it
    os.symlink(v / "keep.txt", work / "data.jsonl")
    os.symlink(v, work / "tmp")
    os.symlink(v / "keep.txt", work / ".state.abc.tmp")
    res = cli("clean", small, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    assert untouched(v)
    assert json.loads(out.read_text().splitlines()[0])["status"] == "ok" and not work.exists()


def test_a_stale_run_folder_holding_foreign_files_is_left_alone(tmp_path, small, cli):
    out = tmp_path / "out.jsonl"
    work = work_dir(str(out))
    work.mkdir()
    (work / "thesis.tex").write_text("years of work\n", encoding="utf-8")
    res = cli("clean", small, "-o", out, "--workers", "1", "-q")
    one_line_error(res, "thesis.tex", "did not write")
    assert (work / "thesis.tex").read_text() == "years of work\n" and not out.exists()


def test_links_at_the_output_names_are_replaced_never_written_through(tmp_path, small, cli):
    v = victim(tmp_path)
    out, rep = tmp_path / "out.jsonl", tmp_path / "run.json"
    os.symlink(v / "keep.txt", out)
    os.symlink(v / "keep.txt", rep)
    # the fixed temporary names of earlier versions, planted
    os.symlink(v / "keep.txt", tmp_path / ".run.json.tmp")
    res = cli("clean", small, "-o", out, "--report", rep, "--workers", "1", "-q")
    assert res.rc == 0, res
    assert untouched(v)
    assert not out.is_symlink() and json.loads(out.read_text())["status"] == "ok"
    assert not rep.is_symlink() and json.loads(rep.read_text())["documents"] == 1
    # the report command's HTML and JSON files too
    html, js = tmp_path / "rep.html", tmp_path / "rep.json"
    for p in (html, js, tmp_path / ".rep.html.tmp", tmp_path / ".rep.json.tmp"):
        os.symlink(v / "keep.txt", p)
    res = cli("report", out, "--html", html, "--json", js, "-q")
    assert res.rc == 0, res
    assert untouched(v) and "<html" in html.read_text() and json.loads(js.read_text())["documents"] == 1


def test_folder_output_replaces_a_planted_link_at_a_document_name(tmp_path, small, cli):
    v = victim(tmp_path)
    out = tmp_path / "outdir"
    out.mkdir()
    os.symlink(v / "keep.txt", out / "small.txt")
    os.symlink(v / "keep.txt", out / "records.jsonl")
    res = cli("clean", small, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    assert untouched(v)
    assert not (out / "small.txt").is_symlink() and "council" in (out / "small.txt").read_text()


def test_the_run_folder_is_private_and_outputs_are_not(tmp_path, small, cli):
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        for i in range(4000):
            fh.write(json.dumps({"id": f"d{i}", "text": ARTICLE}) + "\n")
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleaner", "clean", str(big), "-o", str(out), "--workers", "1", "-q"],
        stderr=subprocess.PIPE,
    )
    work = work_dir(str(out))
    mode = None
    while proc.poll() is None and mode is None:
        try:
            mode = os.stat(work).st_mode & 0o777
        except FileNotFoundError:
            pass
    proc.wait(timeout=300)
    assert proc.returncode == 0
    assert mode == 0o700
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask


# --------------------------------------------- 5. output and input never collide
@pytest.mark.parametrize("name", ["same.jsonl", "same.jsonl.gz"])
def test_output_equal_to_an_input_is_a_usage_error(tmp_path, cli, name):
    src = tmp_path / name
    data = json.dumps({"id": "a", "text": ARTICLE}).encode() + b"\n"
    if name.endswith(".gz"):
        import gzip

        data = gzip.compress(data)
    src.write_bytes(data)
    one_line_error(cli("clean", src, "-o", src, "-q"), "is the input")
    assert src.read_bytes() == data
    # the same file by another path
    one_line_error(cli("clean", src, "-o", tmp_path / "." / name, "-q"), "is the input")
    link = tmp_path / "link.jsonl"
    os.symlink(src, link)
    one_line_error(cli("clean", link, "-o", src, "-q"), "is the input")
    assert src.read_bytes() == data


def test_folder_output_over_its_input_files_is_a_usage_error(tmp_path, cli):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    one_line_error(cli("clean", folder, "-o", folder, "-q"), "is the input")
    one_line_error(cli("clean", folder / "a.txt", "-o", folder, "-q"), "in that folder")
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"] and (folder / "a.txt").read_text() == ARTICLE


@pytest.mark.parametrize("output", ["in/out.jsonl", "in/sub/out.parquet", "in/outdir"])
def test_an_output_inside_an_input_folder_is_not_read_back(tmp_path, cli, output):
    from cleaner.report import read_records

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i in range(40):
        (folder / ("sub" if i % 2 else ".") / f"d{i:02d}.txt").write_text(
            f"Story {i}.\n{ARTICLE}", encoding="utf-8"
        )
    out = tmp_path / output
    for _ in range(2):  # the second run finds the first one's output in its input folder
        res = cli("clean", folder, "-o", out, "--workers", "2", "-q")
        assert res.rc == 0, res
        ids = [r["id"] for r in read_records(out)]
        assert len(ids) == 40 and len(set(ids)) == 40, ids[:50]


# --------------------------- 7. errors of the file system and the arguments
def test_argument_errors_are_one_line_before_any_work(tmp_path, small, cli):
    folder_named_jsonl = tmp_path / "looks.jsonl"
    folder_named_jsonl.mkdir()
    afile = tmp_path / "afile.txt"
    afile.write_text("x", encoding="utf-8")
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"id": f"d{i}", "text": ARTICLE}) + "\n" for i in range(20000)))
    cases = [
        (["-o", folder_named_jsonl], ("is a folder",)),
        (["-o", ""], ("empty",)),
        (["-o", tmp_path / ("x" * 300 + ".jsonl")], ("too long",)),
        (["-o", afile / "out.jsonl"], ("cannot write", str(afile))),
        (["-o", tmp_path / "ok.jsonl", "--report", tmp_path], ("--report", "is a folder")),
        (["-o", tmp_path / "ok.jsonl", "--report", afile / "r.json"], ("--report",)),
    ]
    for args, words in cases:
        res = cli("clean", many, *args, "--workers", "1", "-q", timeout=60)
        one_line_error(res, *words)
        assert not (tmp_path / "ok.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "afile.txt",
        "looks.jsonl",
        "many.jsonl",
        "small.txt",
    ]
    assert not any(folder_named_jsonl.iterdir())


def test_report_command_errors_are_one_line(tmp_path, small, cli):
    out = tmp_path / "out.jsonl"
    assert cli("clean", small, "-o", out, "--workers", "1", "-q").rc == 0
    one_line_error(cli("report", out, "--html", tmp_path, "-q"), "--html")
    one_line_error(cli("report", out, "--json", "", "-q"), "--json")
    afile = tmp_path / "small.txt"
    one_line_error(cli("report", out, "--html", afile / "r.html", "-q"), "--html")


def _unshare_works() -> bool:
    if not shutil.which("unshare") or not sys.platform.startswith("linux"):
        return False
    r = subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=64k tmpfs /tmp",
        ],
        capture_output=True,
    )
    return r.returncode == 0


needs_mounts = pytest.mark.skipif(not _unshare_works(), reason="needs unshare -rm and tmpfs mounts (Linux)")


def _in_small_filesystem(
    folder: Path, args: list[str], size: str, readonly: bool = False, then: str = ""
) -> subprocess.CompletedProcess:
    """Run the CLI with ``folder`` a fresh tmpfs of ``size`` (read-only when asked),
    in a mount namespace of its own (nothing is mounted for anyone else); then
    the shell commands ``then`` in the same namespace."""
    folder.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if readonly else "")
    cleaner = " ".join([f"'{sys.executable}'", "-m", "cleaner", *[f"'{a}'" for a in args]])
    cmd = f"mount -t tmpfs -o {opts} tmpfs '{folder}' && {cleaner}; rc=$?; {then} exit $rc"
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", cmd],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CLEANER_CHECKPOINT_SECONDS": "0.2"},
    )


@needs_mounts
def test_a_read_only_output_folder_is_one_line_before_any_work(tmp_path, small):
    ro = tmp_path / "ro"
    for out in ("ro/out.jsonl", "ro/outdir", "ro/out.parquet"):
        r = _in_small_filesystem(
            ro, ["clean", str(small), "-o", str(tmp_path / out), "-q"], "1m", readonly=True
        )
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Read-only file system" in r.stderr and str(ro) in r.stderr, r.stderr


@pytest.mark.slow
@needs_mounts
@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst", "out.parquet", "outdir"])
def test_a_full_disk_is_one_line_and_the_run_can_be_resumed(tmp_path, name):
    import random

    rng = random.Random(5)
    src = tmp_path / "in.jsonl"
    words = ARTICLE.split()
    with open(src, "w", encoding="utf-8") as fh:
        for i in range(3000):  # random text: compressed outputs fill the disk too
            text = "\n".join(
                " ".join(rng.choice(words) + str(rng.randint(0, 999)) for _ in range(30)) + "."
                for _ in range(6)
            )
            fh.write(json.dumps({"id": f"d{i}", "text": text}) + "\n")
    full, kept = tmp_path / "full", tmp_path / "kept" / name
    kept.parent.mkdir()
    args = ["clean", str(src), "-o", str(full / name), "--workers", "1", "-q"]
    # in the same mount namespace: space is made and the run resumed, its output copied out
    resume = " ".join(f"'{a}'" for a in [sys.executable, "-m", "cleaner", *args, "--resume"])
    then = f"echo; mount -o remount,size=200m '{full}' && {resume} && cp -r '{full / name}' '{kept}';"
    r = _in_small_filesystem(full, args, "400k", then=then)
    assert r.returncode == 2, r.stderr[-3000:]
    first = r.stderr.split("\n\n")[0] if "\n\n" in r.stderr else r.stderr
    assert "Traceback" not in r.stderr and len(first.strip().splitlines()) == 1, r.stderr[-3000:]
    assert "No space left on device" in first and "--resume" in first, r.stderr
    from cleaner.report import read_records

    assert [x["id"] for x in read_records(kept)] == [f"d{i}" for i in range(3000)], r.stderr[-3000:]


def test_an_input_that_cannot_be_read_is_one_line(tmp_path, cli):
    sock_dir = Path("/tmp") / f"cleaner-sock-{os.getpid()}"
    sock_dir.mkdir(exist_ok=True)
    import socket

    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(sock_dir / "s.jsonl"))
        one_line_error(cli("clean", sock_dir / "s.jsonl", "-o", tmp_path / "o.jsonl", "-q"), "socket")
    finally:
        s.close()
        shutil.rmtree(sock_dir, ignore_errors=True)
    one_line_error(cli("clean", tmp_path / "absent.txt", "-o", tmp_path / "o.jsonl", "-q"), "no such file")
