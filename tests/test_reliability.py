"""Bad input in a batch: every file gets its record, the bad ones say why, the good ones are untouched."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import cleaner
from cleaner.stages.decode import binary_share

ARTICLE = (
    "Council votes to close the river road\n\n"
    "The city council voted on Tuesday to close the river road for repairs, officials said after the meeting.\n"
    "Engineers warned that heavy lorries should avoid the old crossing until the spring thaw.\n"
    "Most Read\n"
)


def _write_bad_folder(root: Path) -> dict[str, bytes]:
    rng = random.Random(7)
    files = {
        "a-article.txt": ARTICLE.encode("utf-8"),
        "b-invalid-utf8.txt": b"A sentence with stray bytes \xff\xfe\xfa in the middle of it, and more words.\n",
        "c-mixed-encodings.txt": "Caf\u00e9 prices rose in UTF-8.\n".encode()
        + "Caf\u00e9 prices fell in cp1252.\n".encode("cp1252"),
        "d-binary.txt": b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(6000)),
        "e-empty.txt": b"",
        # a 50 MB file that is one single line
        "f-one-line.txt": b"word " * 10_000_000,
        # about 20 MB of HTML with 100,000 nested tags
        "g-nested.html": (
            b"<html><body>"
            + b"<div>" * 100_000
            + b"<p>Deep text here.</p>" * 200
            + b"</div>" * 100_000
            + b"<p>"
            + b"filler " * 2_700_000
            + b"</p></body></html>"
        ),
    }
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    return files


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, list[dict], Path]:
    tmp = tmp_path_factory.mktemp("bad")
    folder = tmp / "in"
    _write_bad_folder(folder)
    out = tmp / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(folder), "-o", str(out), "--workers", "2", "-q"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    records = (
        [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    )
    return proc, records, folder


@pytest.mark.slow
def test_the_run_finishes_with_one_record_per_file_in_order(bad_run) -> None:
    proc, records, folder = bad_run
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in records] == sorted(p.stem for p in folder.iterdir())


@pytest.mark.slow
def test_good_documents_are_untouched_by_their_bad_neighbours(bad_run) -> None:
    _, records, folder = bad_run
    by_id = {r["id"]: r for r in records}
    alone = cleaner.clean((folder / "a-article.txt").read_bytes(), format="text")
    assert by_id["a-article"]["status"] == "ok"
    assert by_id["a-article"]["text"] == alone.text
    assert "Most Read" not in by_id["a-article"]["text"]
    assert "Engineers warned" in by_id["a-article"]["text"]


@pytest.mark.slow
def test_bad_bytes_and_mixed_encodings_are_decoded_not_fatal(bad_run) -> None:
    _, records, _ = bad_run
    by_id = {r["id"]: r for r in records}
    assert by_id["b-invalid-utf8"]["status"] == "ok"
    assert "in the middle of it" in by_id["b-invalid-utf8"]["text"]
    mixed = by_id["c-mixed-encodings"]
    assert mixed["status"] == "ok"
    assert mixed["text"].count("Café") == 2  # both halves readable


@pytest.mark.slow
def test_binary_file_is_an_error_naming_the_file(bad_run) -> None:
    _, records, _ = bad_run
    rec = {r["id"]: r for r in records}["d-binary"]
    assert rec["status"] == "error"
    assert "d-binary.txt" in rec["error"] and "binary content" in rec["error"]
    assert rec["text"] == ""


@pytest.mark.slow
def test_empty_file_is_dropped_with_its_reason(bad_run) -> None:
    _, records, _ = bad_run
    rec = {r["id"]: r for r in records}["e-empty"]
    assert rec["status"] == "dropped" and rec["reason"] == "empty"


@pytest.mark.slow
def test_fifty_megabyte_single_line_is_cleaned_whole(bad_run) -> None:
    _, records, _ = bad_run
    rec = {r["id"]: r for r in records}["f-one-line"]
    assert rec["status"] == "ok"
    assert len(rec["text"]) == len("word " * 10_000_000) - 1  # all of it, only the trailing space gone


@pytest.mark.slow
def test_deeply_nested_html_ends_with_a_record_that_says_why(bad_run) -> None:
    _, records, _ = bad_run
    rec = {r["id"]: r for r in records}["g-nested"]
    if rec["status"] == "ok":  # an extractor that copes with the depth: then the text is there
        assert "Deep text here." in rec["text"]
    elif rec["status"] == "dropped":
        assert rec["reason"] == "empty"
        assert "no main text found" in rec["metadata"]["extraction"]
    else:
        assert rec["status"] == "error"
        assert "limit" in rec["error"] or "timeout" in rec["error"] or "max_bytes" in rec["error"]


@pytest.mark.parametrize(
    "text",
    [
        "donâ\x80\x99t stop",  # latin-1 mojibake: C1 controls, not binary
        "Colour codes \x1b[31mred\x1b[0m in a log line",
        "tab\tseparated\tvalues\fwith a form feed",
        "Ein kaputtes Zeichen \ufffd hier und da \ufffd.",
    ],
)
def test_text_is_never_taken_for_binary(text: str) -> None:
    assert binary_share(text) == 0.0
    assert cleaner.clean(text, format="text").status != "error"


def test_binary_share_of_real_binary() -> None:
    rng = random.Random(3)
    blob = bytes(rng.getrandbits(8) for _ in range(4000))
    assert binary_share(blob.decode("utf-8", "replace")) > 0.3
    doc = cleaner.clean(blob)
    assert doc.status == "error" and "binary content" in doc.error
