"""Runs that always end, in bounded memory, through the CLI.

A document over the size limit (a huge JSONL line in a small compressed file,
a huge WARC payload, standard input from /dev/zero, a Parquet cell, a big file)
becomes one ``error`` record naming the limit without being read whole; a
worker stuck inside C code or over its memory budget is killed and replaced by
the watchdog, its document becomes an ``error`` record and the documents
behind it are written; FIFOs, devices and sockets in an input folder are
skipped and named. Where memory is the point, the process tree's peak RSS
(sampled, :mod:`treerss`) is checked.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from treerss import run_sampled

GB = 1_000_000_000
ARTICLE = (
    "The city council voted on Tuesday to close the river road for repairs, officials said after the meeting."
)
CLEANER = [sys.executable, "-m", "cleaner"]


def records(path: Path) -> list[dict]:
    from cleaner.report import read_records

    return list(read_records(path))


def config(tmp: Path, text: str) -> Path:
    p = tmp / "limits.yaml"
    p.write_text("extends: default\n" + text, encoding="utf-8")
    return p


def huge_line_file(path: Path, size: int) -> None:
    """A JSONL(.zst/.gz) file: a short record, one record of ``size`` bytes, a short record."""
    chunk = b"a" * (1 << 20)

    def parts():  # type: ignore[no-untyped-def]
        yield json.dumps({"id": "before", "text": ARTICLE}).encode() + b"\n"
        yield b'{"id": "huge", "text": "'
        left = size
        while left > 0:
            yield chunk[: min(left, len(chunk))]
            left -= len(chunk)
        yield b'"}\n' + json.dumps({"id": "after", "text": ARTICLE}).encode() + b"\n"

    with open(path, "wb") as fh:
        if path.suffix == ".zst":
            import zstandard

            with zstandard.ZstdCompressor(level=19).stream_writer(fh, closefd=False) as w:
                for p in parts():
                    w.write(p)
        else:
            import zlib

            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            for p in parts():
                fh.write(z.compress(p))
            fh.write(z.flush())


def assert_only_the_huge_one_failed(recs: list[dict], what: str) -> None:
    assert [r["status"] for r in recs] == ["ok", "error", "ok"], recs
    assert recs[0]["text"] == recs[2]["text"] == ARTICLE
    err = recs[1]["error"]
    assert "limits.max_document_bytes=64000000" in err and what in err, err


# ------------------------------------------------------------ 2. bounded memory
@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".jsonl.zst", ".jsonl.gz"])
def test_a_4gb_line_in_a_small_compressed_file_is_one_error_record_in_under_1gb(tmp_path, suffix):
    src = tmp_path / ("huge" + suffix)
    huge_line_file(src, 4 * GB)
    assert src.stat().st_size < 8_000_000
    out = tmp_path / "out.jsonl"
    run = run_sampled([*CLEANER, "clean", str(src), "-o", str(out), "-q"], timeout=900)
    assert run.rc == 0, run.stderr
    recs = records(out)
    assert_only_the_huge_one_failed(recs, "line of 4,000,000,027 bytes")
    print(f"{suffix}: peak RSS of the process tree {run.peak / 1e6:.0f} MB, {run.seconds:.1f}s")
    assert run.peak < GB


def warc_with(path: Path, payload: io.RawIOBase, length: int, encoding: str | None = None) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    small = f"<html><body><p>{ARTICLE}</p></body></html>".encode()
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=path.suffix == ".gz")

        def rec(uri: str, body: io.RawIOBase | io.BytesIO, n: int, enc: str | None = None) -> None:
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(n))]
            if enc:
                headers.append(("Content-Encoding", enc))
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(uri, "response", payload=body, length=n, http_headers=http))

        rec("http://example.com/before", io.BytesIO(small), len(small))
        rec("http://example.com/huge", payload, length, encoding)
        rec("http://example.com/after", io.BytesIO(small), len(small))


class _Payload(io.RawIOBase):
    """``<html><body><p>`` and then ``a`` up to ``n`` bytes, made as it is read."""

    def __init__(self, n: int) -> None:
        self.left, self.head = n, b"<html><body><p>"

    def readable(self) -> bool:
        return True

    def read(self, k: int = -1) -> bytes:
        if self.head:
            h, self.head = self.head, b""
            self.left -= len(h)
            return h
        k = min(self.left, 1 << 20 if k is None or k < 0 else k)
        self.left -= k
        return b"a" * k


@pytest.mark.slow
def test_a_2gb_warc_payload_is_one_error_record_in_under_1gb(tmp_path):
    src = tmp_path / "huge.warc.gz"
    warc_with(src, _Payload(2 * GB), 2 * GB)
    out = tmp_path / "out.jsonl"
    run = run_sampled([*CLEANER, "clean", str(src), "-o", str(out), "-q"], timeout=900)
    assert run.rc == 0, run.stderr
    recs = records(out)
    # (the record says the input's url once, at the top, where a WARC record carries it)
    assert [r["url"] for r in (recs[0], recs[2])] == ["http://example.com/before", "http://example.com/after"]
    assert recs[0]["text"] == recs[2]["text"] == ARTICLE
    assert recs[1]["status"] == "error" and "payload of 2,000,000,000 bytes" in recs[1]["error"]
    assert "limits.max_document_bytes" in recs[1]["error"]
    print(f"2 GB WARC payload: peak RSS of the process tree {run.peak / 1e6:.0f} MB, {run.seconds:.1f}s")
    assert run.peak < GB


def test_a_warc_payload_that_inflates_past_the_limit_is_stopped_while_it_streams(tmp_path, cli):
    import gzip

    body = gzip.compress(b"<html><body><p>" + b"a" * 3_000_000 + b"</p></body></html>")
    src = tmp_path / "bomb.warc"
    warc_with(src, io.BytesIO(body), len(body), encoding="gzip")
    cfg = config(tmp_path, "limits:\n  max_document_bytes: 1000000\n")
    out = tmp_path / "out.jsonl"
    res = cli("clean", src, "-o", out, "--config", cfg, "--workers", "1", "-q")
    assert res.rc == 0, res
    recs = records(out)
    assert [r["status"] for r in recs] == ["ok", "error", "ok"], recs
    assert "decoded payload of more than 1,000,000 bytes" in recs[1]["error"], recs[1]
    assert len(body) < 1_000_000  # its length alone did not tell


def test_standard_input_from_dev_zero_ends_as_one_error_record(tmp_path):
    out = tmp_path / "out.jsonl"
    with open("/dev/zero", "rb") as zero:
        run = run_sampled([*CLEANER, "clean", "-", "-o", str(out), "-q"], timeout=300, stdin=zero)
    assert run.rc == 0, run.stderr
    (rec,) = records(out)
    assert rec["status"] == "error" and "<stdin>" in rec["error"], rec
    assert "more than 64,000,000 bytes" in rec["error"] and "limits.max_document_bytes" in rec["error"]
    assert run.peak < GB, run.peak


def test_a_device_named_as_input_is_read_up_to_the_limit(tmp_path, cli):
    cfg = config(tmp_path, "limits:\n  max_document_bytes: 100000\n")
    res = cli("clean", "/dev/zero", "-o", tmp_path / "out.jsonl", "--config", cfg, "-q", timeout=120)
    assert res.rc == 0, res
    (rec,) = records(tmp_path / "out.jsonl")
    assert (
        rec["status"] == "error" and "/dev/zero" in rec["error"] and "more than 100,000 bytes" in rec["error"]
    )


def test_documents_over_the_limit_in_each_input_kind_are_error_records(tmp_path, cli):
    import pyarrow as pa
    import pyarrow.parquet as pq

    cfg = config(tmp_path, "limits:\n  max_document_bytes: 5000\n")
    folder = tmp_path / "in"
    folder.mkdir()
    big = "word " * 2000  # 10,000 bytes
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "b-big.txt").write_text(big, encoding="utf-8")
    with open(folder / "c.jsonl", "w", encoding="utf-8") as fh:
        for rid, text in (("c1", ARTICLE), ("c2", big), ("c3", ARTICLE)):
            fh.write(json.dumps({"id": rid, "text": text}) + "\n")
    pq.write_table(
        pa.table({"id": ["p1", "p2", "p3"], "text": [ARTICLE, big, ARTICLE]}), folder / "d.parquet"
    )
    # a sparse file far larger than memory: known by its size, never read
    with open(folder / "e-sparse.txt", "wb") as fh:
        fh.truncate(50 * GB)
    out = tmp_path / "out.jsonl"
    res = cli("clean", folder, "-o", out, "--config", cfg, "--workers", "2", "-q", timeout=300)
    assert res.rc == 0, res
    got = {r["id"]: r for r in records(out)}
    assert [r for r in got] == ["a", "b-big", "c1", "c:2", "c3", "p1", "p2", "p3", "e-sparse"]
    for rid in ("a", "c1", "c3", "p1", "p3"):
        assert got[rid]["status"] == "ok" and got[rid]["text"] == ARTICLE
    for rid, what in (
        ("b-big", "file of 10,000 bytes"),
        ("c:2", "line of"),
        ("p2", "cell of 10,000 bytes"),
        ("e-sparse", "file of 50,000,000,000 bytes"),
    ):
        assert got[rid]["status"] == "error", got[rid]
        assert what in got[rid]["error"] and "limits.max_document_bytes=5000" in got[rid]["error"], got[rid]
    assert "c.jsonl:2" in got["c:2"]["error"]


def test_compressed_input_is_handed_out_in_bounded_pieces(tmp_path):
    import gzip

    import zstandard

    from cleaner.io.streams import PIECE, DecompressingRaw

    data = b"x" * (300 * PIECE)  # compresses about a thousand times
    for codec, packed in (
        ("gz", gzip.compress(data)),
        ("zst", zstandard.ZstdCompressor(level=19).compress(data)),
    ):
        raw = DecompressingRaw(io.BytesIO(packed), codec)
        buf = bytearray(len(data) + 1)
        sizes = []
        while n := raw.readinto(memoryview(buf)):
            sizes.append(n)
        assert sum(sizes) == len(data) and max(sizes) <= PIECE, (codec, max(sizes))


def test_decompressing_reads_any_binary_file_and_keeps_what_precedes_damage():
    """cleaner.io.streams.decompressing, for an engine that reads a file's bytes
    itself (a URI): the whole of two gzip members or zstd frames, or, cut off
    inside the second, the first one's bytes and then TruncatedInput."""
    import gzip

    import zstandard

    from cleaner.io.streams import TruncatedInput, decompressing

    one, two = b'{"id": "a", "text": "x"}\n', b'{"id": "b", "text": "' + b"y" * 50_000 + b'"}\n'
    for name, pack in (
        ("in.jsonl.gz", lambda b: gzip.compress(b, mtime=0)),
        ("in.jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b)),
    ):
        whole = pack(one) + pack(two)
        assert decompressing(io.BytesIO(whole), name).read() == one + two, name
        fh = decompressing(io.BytesIO(whole[: len(pack(one)) + 40]), name)
        assert fh.readline() == one, name
        with pytest.raises(TruncatedInput, match="truncated"):
            fh.read()
    plain = io.BytesIO(one)
    assert decompressing(plain, "in.jsonl") is plain


def test_a_time_limit_holds_for_every_stage(tmp_path, cli):
    # the artifacts stage had none; one long line keeps it busy for seconds
    cfg = config(tmp_path, "limits:\n  stage_timeout_seconds: 1\n")
    src = tmp_path / "in.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "long", "text": "word " * 3_000_000}) + "\n")  # artifacts: ~6 s
        fh.write(json.dumps({"id": "next", "text": ARTICLE}) + "\n")
    t0 = time.monotonic()
    res = cli("clean", src, "-o", tmp_path / "out.jsonl", "--config", cfg, "--workers", "1", "-q")
    assert res.rc == 0, res
    long, nxt = records(tmp_path / "out.jsonl")
    assert long["status"] == "error" and "limits.stage_timeout_seconds=1, stage artifacts" in long["error"], (
        long
    )
    assert nxt["status"] == "ok" and nxt["text"] == ARTICLE
    assert time.monotonic() - t0 < 60


# ------------------------------------------------------------ 3. the watchdog
def attribute_page(n: int) -> str:
    """One tag with ``n`` attributes: lxml parses it inside one C call (about
    two minutes for 200,000), where a Python timer cannot interrupt it."""
    return (
        "<html><body><div "
        + " ".join(f'a{i}="v{i}"' for i in range(n))
        + "><p>"
        + ARTICLE
        + "</p></div></body></html>"
    )


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_worker_stuck_in_c_code_is_killed_and_the_run_goes_on(tmp_path, cli, workers):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-stuck.html").write_text(attribute_page(200_000), encoding="utf-8")
    for i in range(6):
        (folder / f"b{i}.txt").write_text(f"Story {i}. {ARTICLE}\n", encoding="utf-8")
    cfg = config(tmp_path, "settings:\n  extract: {timeout_seconds: 3}\n")
    t0 = time.monotonic()
    res = cli("clean", folder, "-o", tmp_path / "out.jsonl", "--config", cfg, "--workers", workers, "-q")
    took = time.monotonic() - t0
    assert res.rc == 0, res
    recs = records(tmp_path / "out.jsonl")
    assert [r["id"] for r in recs] == ["a-stuck"] + [f"b{i}" for i in range(6)]
    assert recs[0]["status"] == "error", recs[0]
    assert "extract.timeout_seconds=3" in recs[0]["error"] and "stopped and replaced" in recs[0]["error"]
    assert all(r["status"] == "ok" for r in recs[1:])
    assert took < 30, took  # (the parse alone takes minutes)


@pytest.mark.slow
def test_a_million_sibling_paragraphs_end_within_twice_the_time_limit(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-siblings.html").write_text(
        "<html><body>" + "<p>x</p>" * 1_000_000 + "</body></html>", encoding="utf-8"
    )
    for i in range(6):
        (folder / f"b{i}.txt").write_text(f"Story {i}. {ARTICLE}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run = run_sampled([*CLEANER, "clean", str(folder), "-o", str(out), "--workers", "2", "-q"], timeout=600)
    assert run.rc == 0, run.stderr
    recs = records(out)
    assert [r["id"] for r in recs] == ["a-siblings"] + [f"b{i}" for i in range(6)]
    assert recs[0]["status"] == "error" and "extract.timeout_seconds=30" in recs[0]["error"], recs[0]
    assert all(r["status"] == "ok" for r in recs[1:])
    print(
        f"1,000,000 sibling paragraphs: the run took {run.seconds:.1f}s (limit 30 s), "
        f"peak RSS {run.peak / 1e6:.0f} MB"
    )
    assert run.seconds < 60


def test_a_worker_over_its_memory_budget_is_killed_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-big.txt").write_bytes(b"word " * 6_000_000)  # one 30 MB line: the stages need over 1 GB
    for i in range(4):
        (folder / f"b{i}.txt").write_text(f"Story {i}. {ARTICLE}\n", encoding="utf-8")
    cfg = config(tmp_path, "limits:\n  worker_memory_bytes: 600000000\n")
    out = tmp_path / "out.jsonl"
    run = run_sampled(
        [*CLEANER, "clean", str(folder), "-o", str(out), "--config", str(cfg), "--workers", "1", "-q"]
    )
    assert run.rc == 0, run.stderr
    recs = records(out)
    assert [r["id"] for r in recs] == ["a-big"] + [f"b{i}" for i in range(4)]
    assert recs[0]["status"] == "error", recs[0]
    assert "limits.worker_memory_bytes=600000000" in recs[0]["error"] and "stopped" in recs[0]["error"]
    assert all(r["status"] == "ok" for r in recs[1:])
    assert run.peak < 1_500_000_000, run.peak  # the parent and the worker, stopped near 600 MB


@pytest.mark.slow
def test_a_stopped_worker_is_replaced_and_the_run_ends(tmp_path):
    src = tmp_path / "in.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for i in range(30000):
            fh.write(json.dumps({"id": f"d{i}", "text": f"Story {i}.\n{ARTICLE}\nMost Read\nShare"}) + "\n")
    cfg = config(tmp_path, "limits:\n  stage_timeout_seconds: 2\n  document_timeout_seconds: 3\n")
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [*CLEANER, "clean", str(src), "-o", str(out), "--config", str(cfg), "--workers", "2", "-q"],
        stderr=subprocess.PIPE,
    )
    from treerss import _children

    def forked(pid: int) -> bool:  # a worker, not a compile helper of a first run
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes() == Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        except OSError:
            return False

    deadline = time.monotonic() + 300
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = [pid for pid in _children(proc.pid) if forked(pid)]
        time.sleep(0.05)
    assert len(workers) == 2, "the workers did not start"
    time.sleep(1.0)  # both busy
    os.kill(workers[0], signal.SIGSTOP)  # as a worker stuck in a C call
    try:
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read().decode()
    recs = records(out)
    assert [r["id"] for r in recs] == [f"d{i}" for i in range(30000)]
    bad = [r for r in recs if r["status"] == "error"]
    assert len(bad) <= 1 and all("stopped and replaced" in r["error"] for r in bad), bad
    assert sum(r["status"] == "ok" for r in recs) >= 29999


# ------------------------------------------------------- FIFOs, devices, sockets
def test_fifos_devices_and_sockets_in_a_folder_are_skipped_and_named(tmp_path, cli):
    import socket

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(folder / "b-fifo.txt")
    os.symlink("/dev/zero", folder / "c-zero.txt")
    os.symlink("/dev/null", folder / "d-null.jsonl")
    sock_dir = Path("/tmp") / f"cleaner-test-{os.getpid()}"
    sock_dir.mkdir(exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_dir / "e.txt"))
    os.symlink(sock_dir / "e.txt", folder / "e-socket.txt")
    try:
        res = cli(
            "clean",
            folder,
            "-o",
            tmp_path / "out.jsonl",
            "--report",
            tmp_path / "run.json",
            "--workers",
            "1",
            timeout=120,
        )
    finally:
        s.close()
    assert res.rc == 0, res
    assert [(r["id"], r["status"]) for r in records(tmp_path / "out.jsonl")] == [("a", "ok")]
    skipped = json.loads((tmp_path / "run.json").read_text())["skipped_inputs"]
    assert [(Path(x["path"]).name, x["type"]) for x in skipped] == [
        ("b-fifo.txt", "FIFO"),
        ("c-zero.txt", "character device"),
        ("d-null.jsonl", "character device"),
        ("e-socket.txt", "socket"),
    ]
    assert "skipped 4 input(s) that are not regular files" in res.stderr and "b-fifo.txt (FIFO)" in res.stderr


def test_a_fifo_named_as_input_is_read_as_a_stream(tmp_path, cli):
    fifo = tmp_path / "pages.jsonl"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as fh:
            for i in range(3):
                fh.write(json.dumps({"id": f"f{i}", "text": f"Story {i}. {ARTICLE}"}) + "\n")

    t = threading.Thread(target=feed)
    t.start()
    res = cli("clean", fifo, "-o", tmp_path / "out.jsonl", "--workers", "1", "-q", timeout=120)
    t.join()
    assert res.rc == 0, res
    assert [(r["id"], r["status"]) for r in records(tmp_path / "out.jsonl")] == [
        (f"f{i}", "ok") for i in range(3)
    ]


@pytest.mark.slow
def test_the_other_commands_read_within_bounds(tmp_path):
    # explain from a stream that never ends
    with open("/dev/zero", "rb") as zero:
        run = run_sampled([*CLEANER, "explain", "-"], timeout=120, stdin=zero)
    assert run.rc == 2 and "limits.max_document_bytes" in run.stderr and "Traceback" not in run.stderr, (
        run.stderr
    )
    assert run.peak < GB
    # report over a records file with a 1 GB line
    import zstandard

    src = tmp_path / "records.jsonl.zst"
    with open(src, "wb") as fh, zstandard.ZstdCompressor(level=19).stream_writer(fh) as w:
        w.write(
            json.dumps({"id": "a", "text": ARTICLE, "status": "ok"}).encode()
            + b"\n"
            + b'{"id": "b", "text": "'
        )
        for _ in range(GB // (1 << 20)):
            w.write(b"a" * (1 << 20))
        w.write(b'", "status": "ok"}\n')
    run = run_sampled([*CLEANER, "report", str(src)], timeout=300)
    assert run.rc == 2 and "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, (
        run.stderr
    )
    assert ":2: a line of 999,292,968 bytes is not a record" in run.stderr and run.peak < GB, (
        run.stderr,
        run.peak,
    )
    # a config that extends a file far larger than any config
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.write(b"# " + b"x" * (70 << 20) + b"\n")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"extends: {big}\n", encoding="utf-8")
    run = run_sampled([*CLEANER, "rules", "list", "--config", str(cfg)], timeout=120)
    assert run.rc == 2 and "larger than" in run.stderr and str(big) in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and run.peak < GB


def test_each_stage_gets_its_whole_limit_from_one_timer():
    from cleaner.limits import StageClock, TimeLimitExceeded, time_limit

    def spin() -> None:
        while True:
            pass

    def over(clock: StageClock, seconds: float, what: str) -> tuple[float, str]:
        clock.stage(seconds, what)
        t0 = time.monotonic()
        with pytest.raises(TimeLimitExceeded) as info:
            spin()
        return time.monotonic() - t0, str(info.value)

    with StageClock() as clock:  # the timer set for the first stage goes off in the second: it gets its own
        clock.stage(0.6, "first")
        time.sleep(0.5)
        took, msg = over(clock, 0.6, "second")
        assert 0.55 < took < 0.9 and msg == "time limit of 0.6s exceeded (second)"
    with StageClock() as clock:  # a stage without a limit, then one with
        clock.stage(0.2, "a")
        clock.stage(0, "none")
        time.sleep(0.5)  # the timer goes off here: nothing is raised
        took, msg = over(clock, 0.3, "b")
        assert 0.25 < took < 0.6 and "(b)" in msg
    with StageClock() as clock:  # a stage's own inner limit nests
        clock.stage(1.0, "outer")
        t0 = time.monotonic()
        with pytest.raises(TimeLimitExceeded, match="inner"), time_limit(0.3, "inner"):
            spin()
        with pytest.raises(TimeLimitExceeded, match="outer"):
            spin()
        assert 0.9 < time.monotonic() - t0 < 1.4
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
