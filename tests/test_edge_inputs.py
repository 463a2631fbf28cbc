"""Edge cases found by attacking the tool: each through the CLI.

Case folding that does not depend on the documents cleaned before; carried
fields with NaN or named like the record's own fields, written alike in JSONL
and Parquet; UTF-16 pages without a byte order mark; a meta charset naming a
codec that is no charset; a zstd file with a long window.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cleaner.report import read_records

ARTICLE = (
    "The city council voted on Tuesday to close the river road for repairs, officials said after the "
    "meeting. Engineers warned that heavy lorries should avoid the old crossing until the spring thaw."
)

# Adlam and Deseret: scripts with case, beyond the basic plane
ADLAM_UPPER = "\U0001e900\U0001e901\U0001e902 \U0001e903"
ADLAM_LOWER = "\U0001e922\U0001e923\U0001e924 \U0001e925"
DESERET_UPPER = "\U00010400\U00010401\U00010402"
DESERET_LOWER = "\U00010428\U00010429\U0001042a"


def _pack(tmp: Path) -> Path:
    rules = ""
    for rid, pattern, example in (
        ("my.adlam", ADLAM_UPPER, ADLAM_LOWER),
        ("my.deseret", DESERET_LOWER, DESERET_UPPER),
    ):
        rules += (
            f'- id: {rid}\n  kind: pattern\n  why: a banner in another script\n  pattern: "{pattern}"\n'
            f'  examples:\n    drop: ["{example} banner"]\n    keep: ["{ARTICLE}"]\n'
        )
    (tmp / "pack.yaml").write_text(rules, encoding="utf-8")
    cfg = tmp / "cfg.yaml"
    cfg.write_text("extends: default\nrule_packs: [pack.yaml]\n", encoding="utf-8")
    return cfg


@pytest.mark.parametrize("plain_first", [True, False])
def test_case_insensitive_astral_patterns_apply_whatever_came_first(tmp_path, cli, plain_first):
    cfg = _pack(tmp_path)
    plain = {"id": "plain", "text": ARTICLE}
    banners = {"id": "banners", "text": f"{ARTICLE}\n{ADLAM_LOWER} banner\n{DESERET_UPPER} banner\n{ARTICLE}"}
    src = tmp_path / "in.jsonl"
    docs = [plain, banners] if plain_first else [banners, plain]
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = cli("clean", src, "-o", out, "--config", cfg, "--workers", "1", "-q")
    assert res.rc == 0, res
    rec = {r["id"]: r for r in read_records(out)}["banners"]
    assert {(r["rule"], r["text"]) for r in rec["removed"]} >= {
        ("my.adlam", f"{ADLAM_LOWER} banner"),
        ("my.deseret", f"{DESERET_UPPER} banner"),
    }, rec["removed"]


@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
def test_carried_fields_are_written_alike_in_jsonl_and_parquet(tmp_path, cli, suffix):
    src = tmp_path / "in.jsonl"
    lines = [
        '{"id": "a", "text": "TEXT", "score": NaN, "scores": [1.5, Infinity, -Infinity], "error": "upstream 502", '
        '"reason": "crawl", "nested": {"x": NaN}}'.replace("TEXT", ARTICLE),
        '{"id": "b", "text": null, "error": "upstream 404", "weight": NaN}',
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / f"out.{suffix}"
    res = cli("clean", src, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    a, b = read_records(out)
    # JSON has no NaN: null in both kinds of output
    assert a["score"] is None and a["scores"] == [1.5, None, None] and a["nested"] == {"x": None}
    # an ok record keeps the input's own `error` and `reason` fields, as carried
    assert a["status"] == "ok" and a["error"] == "upstream 502" and a["reason"] == "crawl"
    # an error record's `error` is the record's message (the input's is not a string to keep)
    assert b["status"] == "error" and "`text` must be a string" in b["error"] or "no `text`" in b["error"], b
    assert b["weight"] is None
    if suffix == "jsonl":  # the file itself is JSON anyone can read
        for line in out.read_text().splitlines():
            json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in the output"))


@pytest.mark.slow
def test_jsonl_and_parquet_outputs_hold_the_same_records(tmp_path, cli):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": ARTICLE, "error": "x", "reason": "y", "metadata": {"k": 1}})
        + "\n"
        + '{"id": "b", "text": "TEXT", "w": NaN}\n'.replace("TEXT", ARTICLE),
        encoding="utf-8",
    )
    for name in ("o.jsonl", "o.parquet"):
        assert cli("clean", src, "-o", tmp_path / name, "--workers", "1", "-q").rc == 0
    assert list(read_records(tmp_path / "o.jsonl")) == list(read_records(tmp_path / "o.parquet"))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_pages_without_a_byte_order_mark_are_read(tmp_path, cli, encoding):
    folder = tmp_path / "in"
    folder.mkdir()
    # all ASCII: the bytes are valid UTF-8 too (with a NUL after each letter)
    short = "The council voted on Tuesday to close the river road."
    texts = {
        "a-page.html": f"<html><body><p>{short}</p></body></html>",
        "b-scrape.txt": short + "\n",
        "c-long.html": f"<html><body><p>{ARTICLE} {short} Caf\u00e9.</p></body></html>",
    }
    for name, text in texts.items():
        (folder / name).write_bytes(text.encode(encoding))
    res = cli("clean", folder, "-o", tmp_path / "out.jsonl", "--workers", "1", "-q")
    assert res.rc == 0, res
    recs = list(read_records(tmp_path / "out.jsonl"))
    assert [(r["status"], r["text"]) for r in recs] == [
        ("ok", short),
        ("ok", short),
        ("ok", f"{ARTICLE} {short} Caf\u00e9."),
    ]


@pytest.mark.parametrize("charset", ["rot13", "base64", "hex", "undefined", "utf-7"])
def test_a_meta_charset_naming_a_codec_that_is_no_charset_is_not_used(tmp_path, cli, charset):
    # bytes no charset detection makes sense of: the declared charset was the last resort
    body = f"<body><p>{ARTICLE}</p><p>".encode() + bytes(range(128, 256)) + b"</p></body></html>"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-declared.html").write_bytes(f'<html><head><meta charset="{charset}"></head>'.encode() + body)
    (folder / "b-none.html").write_bytes(b"<html><head></head>" + body)
    res = cli("clean", folder, "-o", tmp_path / "out.jsonl", "--workers", "1", "-q")
    assert res.rc == 0, res
    declared, none = read_records(tmp_path / "out.jsonl")
    assert "LookupError" not in (declared.get("error") or "") and "UnicodeError" not in (
        declared.get("error") or ""
    )
    # as if it named no charset
    assert (declared["status"], declared["text"]) == (none["status"], none["text"])
    if none["status"] == "error":  # (these bytes read as UTF-8 are mostly undecodable)
        assert "binary content" in declared["error"] and "binary content" in none["error"]


def test_a_zstd_file_with_a_long_window_is_read(tmp_path, cli):
    import zstandard

    data = "".join(
        json.dumps({"id": f"d{i}", "text": f"Story {i}. {ARTICLE}"}) + "\n" for i in range(50)
    ).encode()
    params = zstandard.ZstdCompressionParameters.from_level(
        3, window_log=30, enable_ldm=True
    )  # zstd --long=30
    src = tmp_path / "long.jsonl.zst"
    with open(src, "wb") as fh, zstandard.ZstdCompressor(compression_params=params).stream_writer(fh) as w:
        w.write(data)  # streamed: the frame names its window, not its size
    assert zstandard.get_frame_parameters(src.read_bytes()).window_size == 1 << 30
    res = cli("clean", src, "-o", tmp_path / "out.jsonl", "--workers", "1", "-q")
    assert res.rc == 0, res
    recs = list(read_records(tmp_path / "out.jsonl"))
    assert [r["id"] for r in recs] == [f"d{i}" for i in range(50)] and all(r["status"] == "ok" for r in recs)


def test_a_truncated_zstd_file_still_says_so(tmp_path, cli):
    import zstandard

    data = "".join(
        json.dumps({"id": f"d{i}", "text": f"Story {i}. {ARTICLE}"}) + "\n" for i in range(4000)
    ).encode()
    packed = zstandard.ZstdCompressor(level=3).compress(data)  # several blocks
    src = tmp_path / "cut.jsonl.zst"
    src.write_bytes(packed[: len(packed) * 2 // 3])
    res = cli("clean", src, "-o", tmp_path / "out.jsonl", "--workers", "1", "-q")
    assert res.rc == 0, res
    recs = list(read_records(tmp_path / "out.jsonl"))
    assert recs[-1]["status"] == "error" and "truncated" in recs[-1]["error"], recs[-1]
    assert all(r["status"] == "ok" for r in recs[:-1]) and len(recs) > 10


def test_nan_is_never_written_as_a_number() -> None:
    from cleaner.io.parquet_sink import flatten_record
    from cleaner.io.writers import line_bytes

    rec = {
        "id": "x",
        "text": "\ud800 lone surrogate forces the fallback encoder",
        "status": "ok",
        "language_score": math.nan,
        "v": [math.inf],
    }
    assert b"NaN" not in line_bytes(rec) and b"Infinity" not in line_bytes(rec)
    flat = flatten_record(rec)
    assert flat["language_score"] is None and "Infinity" not in flat["extra"]
