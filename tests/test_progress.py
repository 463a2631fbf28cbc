"""The progress line (tqdm): fitted to narrow terminals, one line redrawn in
place, cleared before the summary, silent when not a terminal."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.runner import Progress

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "fixtures" / "corpus.jsonl"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:  # (tqdm asks the size of the terminal behind it; see _terminal)
        return 2


def _frames(out: str) -> list[str]:
    """What the terminal showed: the pieces between carriage returns and newlines."""
    return [f for f in re.split(r"[\r\n]", _ANSI.sub("", out)) if f.strip()]


def _terminal(monkeypatch, columns: int) -> None:
    """A terminal of ``columns`` for tqdm (it asks os.get_terminal_size each time it draws)."""
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=None: os.terminal_size((columns, 20)))


def test_frames_fit_a_narrow_terminal_and_the_line_is_cleared(monkeypatch):
    _terminal(monkeypatch, 41)
    stream = _Tty()
    p = Progress(stream, True, 50_000_000, interval=0)
    for k in range(1, 40):
        p.update(k * 100, k * 1_000_000, force=True, disk_bytes=k * 1_000_000)
    p.close()
    frames = _frames(stream.getvalue())
    assert frames and all(len(f) <= 40 for f in frames), [f for f in frames if len(f) > 40]
    assert "3,900 docs" in stream.getvalue()  # thousands written one way throughout
    assert stream.getvalue().endswith("\r")  # cleared: the summary starts on a clean line
    assert "\n" not in stream.getvalue()


def test_total_known_later_turns_the_counter_into_a_bar(monkeypatch):
    _terminal(monkeypatch, 121)
    stream = _Tty()
    p = Progress(stream, True, None, interval=0)
    p.update(1, 1000, force=True, disk_bytes=1000)
    assert "%" not in _frames(stream.getvalue())[-1]
    p.total_bytes = 10_000  # the input's size, measured in the background
    p.update(2, 5000, force=True, disk_bytes=5000)
    last = _frames(stream.getvalue())[-1]
    assert "50%" in last and "2 docs" in last and "5.00kB/10.0kB" in last
    p.close()


def test_silent_off_a_terminal():
    stream = io.StringIO()
    p = Progress(stream, True, 1000)
    p.update(5, 100, force=True)
    p.close()
    assert stream.getvalue() == "" and not p.enabled


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pseudo-terminal")
def test_cli_progress_on_a_40_column_terminal(tmp_path):
    """A real run with standard error on a 40-column pseudo-terminal: every
    redraw fits, and the summary starts on a clean line (no stale progress)."""
    import fcntl
    import struct
    import termios

    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as fh:
        for i in range(600):
            rec = json.loads(lines[i % len(lines)])
            rec["id"] = f"d{i}"
            fh.write(json.dumps(rec) + "\n")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cleaner",
            "clean",
            str(big),
            "-o",
            str(tmp_path / "out.jsonl"),
            "--workers",
            "2",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    out = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    assert "600 documents: 600 kept" in out
    head, _, summary = out.partition("600 documents:")
    progress = [f for f in _frames(head) if "docs" in f]
    assert progress, out  # it was shown ...
    assert all(len(f) <= 40 for f in progress), progress  # ... and never wider than the terminal
    # the summary starts where the cleared progress line was: nothing but spaces before it on its line
    assert re.fullmatch(r"[ \r]*", re.split(r"\n", head)[-1].split("\r")[-1] or ""), repr(head[-200:])
    assert "%" not in summary.split("\n")[0]
