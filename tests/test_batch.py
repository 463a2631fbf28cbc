"""Batch path: streaming readers, writers, worker pool, summary, HTML report, CLI."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.errors import InputError
from cleaner.io import readers, writers
from cleaner.io.items import InputItem, ReadOptions
from cleaner.io.readers import iter_inputs
from cleaner.report import Summary, build_report, read_records, render_html
from cleaner.runner import Progress, run

ARTICLE = [
    "The city council voted on Tuesday to extend the bus lane along the river road.",
    "Residents had complained for months about the noise from the building site next door.",
    "“We will not accept another delay,” the mayor told reporters after the meeting.",
    "Officials said the repairs would cost about 4 million euros and take two years.",
    "The report, which was published last week, found that the bridge needed urgent work.",
    "Engineers warned that heavy lorries should avoid the old crossing until spring.",
    "Shop owners on the high street said trade had fallen since the road was closed in March.",
    "A spokesperson for the transport authority said the timetable would be reviewed in the autumn.",
]
ARTIKEL = [
    "Der Stadtrat hat am Dienstag beschlossen, die Busspur entlang der Uferstraße zu verlängern.",
    "Anwohner hatten sich monatelang über den Lärm der Baustelle beschwert.",
    "Die Reparatur soll nach Angaben der Stadt rund vier Millionen Euro kosten.",
    "Ingenieure warnten, schwere Lastwagen sollten die alte Brücke bis zum Frühjahr meiden.",
]
JUNK_TOP = ["Home | News | Sport | Weather", "Skip to content", "Subscribe to our newsletter"]
JUNK_END = [
    "Most Read",
    "Storm closes the harbour",
    "Share",
    "Advertisement",
    "Leave a Reply",
    "Your email address will not be published.",
    "12 Comments",
]


def scrape(i: int, lang: str = "en") -> str:
    rng = random.Random(i)
    body = ARTIKEL if lang == "de" else ARTICLE
    paras = [" ".join(rng.sample(body, k=min(3, len(body)))) for _ in range(rng.randint(3, 6))]
    return "\n".join([*JUNK_TOP, f"Story number {i}", "", *"\n\n".join(paras).split("\n"), "", *JUNK_END])


def page(i: int, title: str = "Bridge repairs") -> str:
    paras = "".join(f"<p>{p}</p>" for p in scrape(i).split("\n") if p.endswith("."))
    return (
        f"<!DOCTYPE html><html><head><title>{title} {i}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title} {i}</h1>{paras}</article>"
        f"<footer>Copyright 2024 City Paper</footer></body></html>"
    )


def write_jsonl(path: Path, records: list[dict], opener=open) -> Path:
    with opener(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def key(it: InputItem) -> tuple:
    return (
        it.id,
        it.raw,
        it.format,
        it.error,
        it.drop,
        tuple(sorted(it.extra.items())),
        tuple(sorted(it.metadata.items())),
    )


def cli(*args: str, input: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *args], input=input, capture_output=True, env=e, timeout=600
    )


# ------------------------------------------------------------------ readers
def test_folder_is_walked_sorted_with_ids_and_formats(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text(scrape(1), encoding="utf-8")
    (tmp_path / "a.html").write_text(page(2), encoding="utf-8")
    (tmp_path / "c.TXT").write_text(scrape(3), encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    items = list(iter_inputs([str(tmp_path)]))
    # files of a folder, sorted, then its subfolders, sorted (a deterministic order: resume relies on it)
    assert [(i.id, i.format) for i in items] == [("a", "html"), ("c", "text"), ("b/z", "text")]
    assert items[0].raw == page(2).encode()


def test_jsonl_plain_gz_and_zst_give_the_same_items(tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    recs = [
        {"id": f"n{i}", "text": scrape(i), "url": f"https://paper.example/{i}", "crawl": "2024-10"}
        for i in range(30)
    ] + [{"id": "h1", "html": page(1)}]
    plain = write_jsonl(tmp_path / "p.jsonl", recs)
    write_jsonl(tmp_path / "p2.jsonl.gz", recs, opener=gzip.open)
    (tmp_path / "p3.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    a, b, c = (
        [key(i) for i in iter_inputs([str(tmp_path / n)])] for n in ("p.jsonl", "p2.jsonl.gz", "p3.jsonl.zst")
    )
    assert a == b == c and len(a) == 31
    first = next(iter_inputs([str(plain)]))
    assert first.extra == {"url": "https://paper.example/0", "crawl": "2024-10"}
    assert first.metadata == {"url": "https://paper.example/0"} and first.format == "text"
    assert a[-1][2] == "html"


def test_jsonl_lines_the_fast_parser_refuses_are_read_as_json_reads_them(tmp_path: Path) -> None:
    # lines are parsed with orjson first; what it refuses but JSON readers take
    # or reads differently (NaN, integers beyond 64 bits, escaped lone
    # surrogates) must come out as the standard library reads them
    lines = [
        '{"id": "nan", "text": "A line of text.", "score": NaN}',
        '{"id": 123456789012345678901234567890, "text": "Big id."}',
        '{"id": "sur", "text": "half \\ud800 pair", "n": 1.5e300}',
        '{"id": "dup", "text": "first", "text": "second", "meta": {"ids": [7, -98765432109876543210]}}',
        '{"id": "bad", "text": }',
    ]
    path = tmp_path / "odd.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8") + b"\n")
    items = list(iter_inputs([str(path)]))
    assert [it.id for it in items[:4]] == ["nan", "123456789012345678901234567890", "sur", "dup"]
    assert items[0].raw == "A line of text." and items[0].extra["score"] != items[0].extra["score"]  # NaN
    assert items[2].raw == "half \ud800 pair" and items[2].extra == {"n": 1.5e300}
    assert items[3].raw == "second" and items[3].extra["meta"]["ids"] == [7, -98765432109876543210]
    assert isinstance(items[3].extra["meta"]["ids"][1], int)
    assert (
        items[4].raw is None and "invalid JSON" in (items[4].error or "") and ":5:" in (items[4].error or "")
    )
    assert len(items) == 5


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_truncated_compressed_jsonl_keeps_what_was_read(tmp_path: Path, suffix: str) -> None:
    recs = [{"id": f"n{i}", "text": scrape(i)} for i in range(200)]
    data = "".join(json.dumps(r) + "\n" for r in recs).encode()
    if suffix.endswith(".gz"):
        packed = gzip.compress(data)
    else:
        zstandard = pytest.importorskip("zstandard")
        packed = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    items = list(iter_inputs([str(path)]))
    good, last = items[:-1], items[-1]
    assert good and all(i.error is None for i in good)
    assert [i.id for i in good] == [f"n{k}" for k in range(len(good))]
    assert last.error and str(path) in last.error and "truncated" in last.error
    assert f"{len(good) + 1}" in last.error  # names the line


def _warc(path: Path, gz: bool, extra_records: bool = True) -> list[str]:
    """A small Common-Crawl-like WARC; returns the response record ids in order."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    ids = []
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "test-crawler"}))

        def response(url: str, body: bytes, ctype: str, status: str = "200 OK", headers=()) -> None:
            hh = StatusAndHeaders(
                status,
                [("Content-Type", ctype), ("Content-Length", str(len(body))), *headers],
                protocol="HTTP/1.1",
            )
            rec = w.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=hh
            )
            ids.append(rec.rec_headers.get_header("WARC-Record-ID").strip("<>"))
            req = w.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True),
            )
            w.write_record(req)
            w.write_record(rec)

        for i in range(4):
            response(
                f"https://paper.example/news/{i}",
                page(i, "Café prices").encode("cp1252"),
                "text/html; charset=windows-1252",
            )
        if extra_records:
            response(
                "https://paper.example/gone",
                b"<html><body>Not found</body></html>",
                "text/html",
                "404 Not Found",
            )
            response("https://paper.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "image/png")
            meta = w.create_warc_record(
                "https://paper.example/news/0",
                "metadata",
                payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
                length=17,
                warc_content_type="application/warc-fields",
            )
            w.write_record(meta)
            body = b"plain text body of a feed entry, long enough to be a document."
            response("https://paper.example/plain", body, "text/plain; charset=utf-8")
    return ids


@pytest.mark.parametrize("gz", [True, False])
def test_warc_reader_takes_response_records_with_url_and_charset(tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    ids = _warc(path, gz)
    items = list(iter_inputs([str(path)]))
    assert [i.id for i in items] == ids  # only response records, in order, ids without <>
    assert all(i.id.startswith("urn:uuid:") for i in items)
    first = items[0]
    assert first.extra["url"] == "https://paper.example/news/0"
    assert first.metadata["url"] == "https://paper.example/news/0"
    assert first.metadata["http_charset"] == "windows-1252"
    assert first.format == "auto" and isinstance(first.raw, bytes) and b"Caf\xe9" in first.raw
    assert items[4].drop == "http-status:404"
    assert items[5].drop == "content-type:image/png"
    assert items[6].drop is None and items[6].metadata["http_charset"] == "utf-8"


def test_warc_cp1252_page_is_decoded_with_the_http_charset(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    _warc(path, gz=True)
    out = tmp_path / "out.jsonl"
    r = cli("clean", str(path), "-o", str(out), "--workers", "1", "-q")
    assert r.returncode == 0, r.stderr.decode()
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 7
    assert recs[0]["url"] == "https://paper.example/news/0"
    assert "Café prices" in recs[0]["text"] or "Café" in json.dumps(recs[0]["metadata"], ensure_ascii=False)
    assert "\ufffd" not in recs[0]["text"]
    assert [r["status"] for r in recs[4:6]] == ["dropped", "dropped"]
    assert recs[4]["reason"] == "http-status:404"


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_warc_yields_an_error_item_naming_file_and_offset(tmp_path: Path, gz: bool) -> None:
    full = tmp_path / ("full.warc.gz" if gz else "full.warc")
    ids = _warc(full, gz, extra_records=False)
    data = full.read_bytes()
    cut = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    cut.write_bytes(data[: int(len(data) * 0.7)])
    items = list(iter_inputs([str(cut)]))
    good = [i for i in items if i.error is None]
    bad = [i for i in items if i.error is not None]
    assert 1 <= len(good) < len(ids)
    assert [i.id for i in good] == ids[: len(good)]
    assert len(bad) == 1 and bad[0] is items[-1]
    assert str(cut) in bad[0].error and "offset" in bad[0].error and "truncated" in bad[0].error


def _parquet(path: Path, rows: list[dict], row_group_size: int = 7) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


def test_parquet_reader_columns_ids_and_nulls(tmp_path: Path) -> None:
    rows = [{"id": f"p{i}", "text": scrape(i), "html": page(i), "lang_hint": "en"} for i in range(20)]
    rows[5]["text"] = None
    path = _parquet(tmp_path / "pages.parquet", rows)
    items = list(iter_inputs([str(path)]))
    assert [i.id for i in items] == [f"p{i}" for i in range(20)]
    assert items[0].format == "text" and items[0].raw == scrape(0) and items[0].extra == {"lang_hint": "en"}
    assert items[5].error and "null" in items[5].error and "pages.parquet:6" in items[5].error
    as_html = list(iter_inputs([str(path)], ReadOptions(html_column="html")))
    assert as_html[5].format == "html" and as_html[5].raw == page(5)
    no_id = _parquet(tmp_path / "noid.parquet", [{"body": "x" * 10} for _ in range(3)])
    got = list(iter_inputs([str(no_id)], ReadOptions(text_column="body")))
    assert [i.id for i in got] == ["noid:1", "noid:2", "noid:3"]
    with pytest.raises(InputError, match="no `text` or `html` column"):
        readers.check_inputs([str(no_id)], ReadOptions())
    with pytest.raises(InputError, match="--text-column nope"):
        readers.check_inputs([str(no_id)], ReadOptions(text_column="nope"))


def test_skipping_n_items_gives_exactly_the_rest(tmp_path: Path) -> None:
    """The resume invariant: item k of a run that skips n is item n+k of a full run,
    for every format, damaged files included."""
    zstandard = pytest.importorskip("zstandard")
    recs = [{"id": f"j{i}", "text": scrape(i)} for i in range(12)]
    data = "".join(json.dumps(r) + "\n" for r in recs).encode()
    (tmp_path / "1.jsonl").write_bytes(data + b"not json\n\n" + data[:40] + b"\n")
    (tmp_path / "2.jsonl.gz").write_bytes(gzip.compress(data)[:-300])
    (tmp_path / "3.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    _warc(tmp_path / "4.warc.gz", gz=True)
    w = tmp_path / "5.warc"
    _warc(w, gz=False, extra_records=False)
    w.write_bytes(w.read_bytes()[:-900])
    _parquet(
        tmp_path / "6.parquet", [{"id": f"q{i}", "text": scrape(i)} for i in range(23)], row_group_size=5
    )
    (tmp_path / "7.txt").write_text(scrape(7), encoding="utf-8")
    full = [key(i) for i in iter_inputs([str(tmp_path)])]
    assert len(full) > 60
    for n in range(len(full) + 2):
        assert [key(i) for i in iter_inputs([str(tmp_path)], skip=n)] == full[n:], n


def test_stdin_jsonl_is_streamed(tmp_path: Path) -> None:
    recs = [{"id": f"s{i}", "text": scrape(i)} for i in range(5)]
    data = "".join(json.dumps(r) + "\n" for r in recs).encode()
    out = tmp_path / "o.jsonl"
    r = cli("clean", "-", "-o", str(out), "--workers", "1", "-q", input=data)
    assert r.returncode == 0, r.stderr.decode()
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [f"s{i}" for i in range(5)]


# ------------------------------------------------------------------ workers
def _items(n: int) -> list[InputItem]:
    out = []
    for i in range(n):
        if i % 17 == 5:
            out.append(InputItem(f"bad{i}", None, "text", error=f"corpus.jsonl:{i}: invalid JSON"))
        else:
            out.append(InputItem(f"d{i}", scrape(i, "de" if i % 4 == 0 else "en"), "text"))
    return out


def test_two_workers_give_the_same_records_in_input_order() -> None:
    items = _items(120)
    one = [rec for _, rec in run(items, None, 1)]
    two = list(run(items, None, 2, chunk=3))
    assert [it.id for it, _ in two] == [i.id for i in items]
    assert [rec for _, rec in two] == one
    errors = [r for r in one if r["status"] == "error"]
    assert errors and all("invalid JSON" in r["error"] for r in errors)
    assert {r["language"] for r in one if r["status"] == "ok"} == {"en", "de"}


def test_encoded_records_are_the_records_lines_and_summary() -> None:
    # with encode, workers send each record as its JSONL line and the facts the
    # summary counts: the same bytes a sink writes for the record, the same summary
    from cleaner.io.writers import line_bytes
    from cleaner.runner import Encoded

    items = _items(60)
    plain = [rec for _, rec in run(items, None, 1)]
    for workers in (1, 2):
        enc = list(run(items, None, workers, chunk=5, encode=True))
        assert [it.id for it, _ in enc] == [i.id for i in items]
        assert all(isinstance(e, Encoded) for _, e in enc)
        assert [e.line for _, e in enc] == [line_bytes(r) for r in plain]
        a, b = Summary(), Summary()
        for (it, e), rec in zip(enc, plain, strict=True):
            a.add_facts(e.facts, it.size)
            b.add(rec, it.size)
        assert a.as_dict() == b.as_dict()
        assert a.status["error"] > 0 and a.removed_by_rule and a.languages["de"] > 0


@pytest.mark.parametrize("encode", [False, True])
def test_a_document_that_kills_its_worker_becomes_an_error_record(
    monkeypatch: pytest.MonkeyPatch, encode: bool
) -> None:
    from cleaner.runner import worker

    real = worker.clean_item

    def deadly(pipe, item):  # type: ignore[no-untyped-def]
        if item.id == "d13":
            os._exit(9)  # as a segfault in a C library would
        return real(pipe, item)

    monkeypatch.setattr(worker, "clean_item", deadly)  # workers are forked: they see the patch
    items = [InputItem(f"d{i}", scrape(i), "text") for i in range(40)]
    out = list(run(items, None, 2, chunk=4, encode=encode))
    if encode:  # the main process makes the crash record: it is encoded like the others
        assert all(e.facts[0] == ("error" if it.id == "d13" else "ok") for it, e in out)
        out = [(it, json.loads(e.line)) for it, e in out]
    assert [it.id for it, _ in out] == [i.id for i in items]
    bad = [rec for _, rec in out if rec["status"] == "error"]
    assert [r["id"] for r in bad] == ["d13"]
    assert "worker process died" in bad[0]["error"]
    assert all(rec["status"] == "ok" for it, rec in out if it.id != "d13")


# ------------------------------------------------------------------ writers
@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst", "out.parquet", "outdir"])
def test_sink_checkpoint_then_resume_writes_each_record_once(tmp_path: Path, name: str) -> None:
    if name.endswith((".zst", ".parquet")):
        pytest.importorskip("zstandard" if name.endswith(".zst") else "pyarrow")
    output = str(tmp_path / name)
    work = writers.work_dir(output)
    work.mkdir(parents=True)
    recs = [
        {
            "id": f"r{i}",
            "text": f"text {i}\nline",
            "status": "ok",
            "language": "en",
            "language_score": 0.9,
            "removed": [{"line": 1, "text": "Share", "rule": "en.share"}],
            "repairs": [],
            "artifacts": {"score": 0.0, "flagged": False, "findings": []},
            "src": "x",
        }
        for i in range(10)
    ]
    sink = writers.open_sink(output, work)
    for r in recs[:4]:
        sink.write(r)
    state = sink.checkpoint()
    for r in [*recs[4:7], {**recs[9], "id": "stale", "text": "x" * 5000}]:  # after the checkpoint: lost
        sink.write(r)
    sink.close()
    sink = writers.open_sink(output, work, state)
    for r in recs[4:]:
        sink.write(r)
    final = sink.seal()
    target = sink.target
    os.replace(final, target)
    got = list(read_records(target))
    if name == "outdir":
        assert sorted(p.name for p in Path(output).glob("*.txt")) == sorted(f"r{i}.txt" for i in range(10))
        assert all(g.pop("file") == f"{g['id']}.txt" for g in got)
    assert got == recs


def test_folder_output_names_are_safe_and_unique(tmp_path: Path) -> None:
    recs = [
        {"id": "a b", "text": scrape(1)},
        {"id": "a_b", "text": scrape(2)},
        {"id": "../../etc/x", "text": scrape(3)},
        {"id": "A_B", "text": scrape(4)},
    ]
    src = write_jsonl(tmp_path / "in.jsonl", recs)
    out = tmp_path / "out"
    r = cli("clean", str(src), "-o", str(out), "--workers", "1", "-q")
    assert r.returncode == 0, r.stderr.decode()
    files = [json.loads(x)["file"] for x in (out / "records.jsonl").read_text().splitlines()]
    assert files == ["a_b.txt", "a_b-2.txt", "etc_x.txt", "A_B-3.txt"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*files, "records.jsonl"])  # no temp files left


# -------------------------------------------------------------- summary, report
def _records() -> list[dict]:
    return [
        {
            "id": "<script>alert('id')</script>",
            "text": "First kept line.\nSecond kept line with café.",
            "status": "ok",
            "language": "en",
            "language_score": 0.99,
            "removed": [
                {"line": 2, "text": "<script>alert(1)</script>", "rule": "en.scripts"},
                {"line": 4, "text": "Most Read", "rule": "en.story-lists"},
            ],
            "repairs": [{"kind": "encoding", "line": 3, "before": "cafÃ©", "after": "café"}],
            "artifacts": {
                "score": 0.7,
                "flagged": True,
                "findings": [{"kind": "space-before-punct", "count": 2}],
            },
        },
        {
            "id": "d2",
            "text": "kurz",
            "status": "dropped",
            "reason": "too-short",
            "language": "de",
            "language_score": 0.9,
            "removed": [{"line": 1, "text": "Share", "rule": "en.share"}],
            "repairs": [],
            "artifacts": {"score": 0.0, "flagged": False, "findings": []},
        },
        {
            "id": "d3",
            "text": "",
            "status": "error",
            "error": "corpus.jsonl:3: invalid JSON <b>",
            "language": None,
            "language_score": None,
            "removed": [],
            "repairs": [],
            "artifacts": {"score": 0.0, "flagged": False, "findings": []},
        },
    ]


def test_summary_counts() -> None:
    s = Summary()
    for rec in _records():
        s.add(rec, 100)
    s.seconds = 2.0
    d = s.as_dict()
    assert (d["documents"], d["kept"], d["dropped"], d["errors"]) == (3, 1, 1, 1)
    assert d["dropped_by_reason"] == {"too-short": 1}
    assert d["lines_removed_by_rule"] == {"en.scripts": 1, "en.story-lists": 1, "en.share": 1}
    assert d["languages"] == {"en": 1, "de": 1, "unknown": 1}
    assert d["artifacts_flagged"] == 1 and d["artifact_findings"] == {"space-before-punct": 1}
    assert d["repairs_by_kind"] == {"encoding": 1}
    assert d["bytes_in"] == 300 and d["bytes_out"] == len(_records()[0]["text"].encode())
    assert d["docs_per_second"] == 1.5
    assert Summary.from_state(s.to_state()).as_dict() == d


def test_summary_merge_of_parts_is_the_summary_of_all() -> None:
    recs = _records() + [
        {**r, "removed": [{"line": 1, "text": "x", "rule": "template.site", "site": "a.org"}]}
        for r in _records()
    ]
    whole, parts = Summary(), [Summary(), Summary(), Summary()]
    for i, rec in enumerate(recs):
        whole.add(rec, 10 * i)
        parts[i % 3].add(rec, 10 * i)
    parts[1].skipped.append(("fifo", "FIFO"))
    parts[2].skipped_files[".md"] += 2
    total = Summary()
    total.seconds, total.workers = 1.5, 4  # the run's own: merging keeps them
    for part in parts:
        total.merge(Summary.from_state(part.to_state()))
    got, want = total.as_dict(), whole.as_dict()
    for key in ("seconds", "docs_per_second", "mb_per_second", "workers", "skipped_inputs", "skipped_files"):
        got.pop(key), want.pop(key)
    assert got == want and total.documents == len(recs) and total.template_sites == {"a.org": 3}
    assert total.skipped == [("fifo", "FIFO")] and total.skipped_files == {".md": 2}
    assert (total.seconds, total.workers) == (1.5, 4)
    unknown = Summary.from_records(recs)  # bytes in unknown: so is the total's
    total.merge(unknown)
    assert total.bytes_in is None and total.documents == 2 * len(recs)


def test_html_report_shows_counts_and_escapes_document_text() -> None:
    summary, sample = build_report(_records(), sample_size=5)
    page_html = render_html(summary, sample)
    assert page_html.startswith("<!DOCTYPE html>")
    assert "<script" not in page_html.lower()  # all document text escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_html
    assert "&lt;script&gt;alert(&#x27;id&#x27;)&lt;/script&gt;" in page_html
    assert "invalid JSON &lt;b&gt;" in page_html
    assert "<del>Most Read</del>" in page_html and "en.story-lists" in page_html
    # a repair's before-text is on the page, beside what it became (not only in a tooltip)
    assert (
        '<mark class="rep" title="encoding">café</mark><span class="before" title="encoding">cafÃ©</span>'
        in page_html
    )
    assert "<svg" in page_html and "too-short" in page_html
    for label, value in (("documents", 3), ("kept", 1), ("dropped", 1), ("errors", 1)):
        assert f"<span>{label}</span><b>{value}</b>" in page_html
    assert (
        "http://" not in page_html.replace("http://www.w3.org", "") and "https://" not in page_html
    )  # no assets
    # removed lines sit where they were: line 2 between the two kept lines, line 4 after them
    order = [page_html.index(s) for s in ("First kept line.", "alert(1)", "Second kept line", "Most Read")]
    assert order == sorted(order)


def test_report_command_on_a_run(tmp_path: Path) -> None:
    recs = [{"id": f"n{i}", "text": scrape(i)} for i in range(12)] + [{"id": "x", "text": 5}]
    src = write_jsonl(tmp_path / "in.jsonl", recs)
    out, rep = tmp_path / "out.jsonl", tmp_path / "run.json"
    r = cli("clean", str(src), "-o", str(out), "--workers", "2", "--report", str(rep))
    assert r.returncode == 0, r.stderr.decode()
    stderr = r.stderr.decode()
    assert (
        "13 documents: 12 kept, 0 dropped, 1 errors" in stderr and "\r" not in stderr
    )  # no progress off a terminal
    run_summary = json.loads(rep.read_text())
    assert run_summary["documents"] == 13 and run_summary["errors"] == 1 and run_summary["bytes_in"] > 0
    assert run_summary["lines_removed_by_rule"] and run_summary["languages"]["en"] == 12
    html_out = tmp_path / "r.html"
    r = cli(
        "report", str(out), "--html", str(html_out), "--run", str(rep), "--json", str(tmp_path / "s.json")
    )
    assert r.returncode == 0, r.stderr.decode()
    assert "13 documents: 12 kept" in r.stdout.decode()
    page_html = html_out.read_text(encoding="utf-8")
    assert "<del>" in page_html and "docs/s" in page_html
    again = json.loads((tmp_path / "s.json").read_text())
    for k in ("documents", "kept", "errors", "lines_removed_by_rule", "languages", "bytes_in"):
        assert again[k] == run_summary[k]
    assert cli("report", str(tmp_path / "missing.jsonl")).returncode == 2


def test_cli_quiet_and_progress() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    off = io.StringIO()
    p = Progress(off, True, 1000)
    p.update(5, 100, force=True)
    assert off.getvalue() == ""
    on = Tty()
    p = Progress(on, True, 10_000_000, interval=0)
    p.update(1, 100, force=True, disk_bytes=100)
    p.update(50, 2_000_000, force=True, disk_bytes=2_000_000)
    line = on.getvalue().split("\r")[-1]
    assert "50 docs" in line and "2.00MB/10.0MB" in line and "B/s" in line and "<" in line and "20%" in line
    assert not Progress(Tty(), False).enabled


def test_cli_parquet_in_and_out_matches_jsonl(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [{"id": f"p{i}", "body": page(i) if i % 3 == 0 else scrape(i), "site": "paper"} for i in range(15)]
    src = _parquet(
        tmp_path / "in.parquet", [{"id": r["id"], "text": r["body"], "site": r["site"]} for r in rows]
    )
    a, b = tmp_path / "a.jsonl", tmp_path / "b.parquet"
    assert cli("clean", str(src), "-o", str(a), "--workers", "2", "-q").returncode == 0
    r = cli("clean", str(src), "-o", str(b), "--workers", "2", "-q")
    assert r.returncode == 0, r.stderr.decode()
    assert list(read_records(a)) == list(read_records(b))
    t = pq.read_table(b)
    assert t.num_rows == 15 and t.schema.field("removed").type.value_type.names == ["line", "text", "rule"]
    bad = cli("clean", str(src), "-o", str(tmp_path / "c.jsonl"), "--html-column", "nope")
    assert bad.returncode == 2 and b"--html-column nope" in bad.stderr
    assert not (tmp_path / "c.jsonl").exists()
