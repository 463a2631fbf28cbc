"""Engine integrations: the batch function, Ray Data, Spark and Hugging Face datasets.

Every engine cleans the same corpus and must give, record for record, what the
local ``cleaner clean`` gives (run here as a subprocess). The engine tests start
a real local Ray (2 CPUs) and a real local Spark (``local[2]``); they skip when
the engine is not installed (``pip install -e '.[ray,spark,hf]'``) and are
marked ``slow`` (``-m 'not slow'`` leaves them out).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cleaner.errors import CleanerError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
# the fields of a record that every engine must reproduce exactly
FIELDS = (
    "id",
    "text",
    "status",
    "reason",
    "error",
    "language",
    "language_score",
    "removed",
    "repairs",
    "artifacts",
    "metadata",
)

slow = pytest.mark.slow
# PySpark warns that it "does not yet fully support pandas >= 3"; the tests below are the check that it works
pytestmark = pytest.mark.filterwarnings("ignore:.*PySpark does not yet fully support pandas.*:FutureWarning")


def shared_dir() -> Path | None:
    env = os.environ.get("CLEANER_SHARED")
    p = Path(env).expanduser() if env else REPO.parent / "shared"
    return p if p.is_dir() else None


# ----------------------------------------------------------------- the corpus
ARTICLE = (
    "The city council voted on Tuesday to extend the bus lane along the river road.\n"
    "Residents had complained for months about the noise from the building site next door.\n"
    "\u201cWe will not accept another delay,\u201d the mayor told reporters after the meeting.\n"
    "Officials said the repairs would cost about 4 million euros and take two years.\n"
    "The report, which was published last week, found that the bridge needed urgent work.\n"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<meta name='author' content='Jane Doe'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1>"
        + "".join(f"<p>{line}</p>" for line in body.splitlines())
        + "</article><aside><h3>Most Read</h3><ul><li>Ten things</li><li>Another story</li></ul></aside>"
        "<footer>&copy; 2024 Example News. All rights reserved.</footer></body></html>"
    )


INLINE: list[dict[str, Any]] = [
    {
        "id": "int-text",
        "text": "Most Read\n" + ARTICLE + "Share this article\nRead more: the budget in ten charts\n",
        "source": "inline",
    },
    {
        "id": "int-html",
        "html": _page("Council extends bus lane", ARTICLE),
        "url": "https://news.example.org/a/1",
    },
    {"id": "int-html-2", "html": _page("Bridge repairs", ARTICLE.replace("bus lane", "tram line"))},
    {
        "id": "int-mojibake",
        "text": "The caf\u00c3\u00a9 on the corner re-opened on Monday, its owner said.\n" + ARTICLE,
    },
    {
        "id": "int-de",
        "text": "Der Stadtrat hat am Dienstagabend einen ge\u00e4nderten Haushalt beschlossen. "
        "Die Sanierung von zwei Br\u00fccken beginnt im Fr\u00fchjahr, sagte die B\u00fcrgermeisterin.\n",
    },
    {"id": "int-short", "text": "Hello."},
    {"id": "int-empty", "text": ""},
    {"id": "int-blank", "text": "   \n\n  "},
    {"id": "int-html-junk", "html": "<html><body><div>only <b>markup<"},
    {
        "id": "int-seeded",
        "text": "Posted by Jane Doe\n" + ARTICLE + "Comments (3)\nLeave a comment\n",
        "url": "https://blog.example.com/p/2",
    },
]


def _tabular(rec: Any, seen: set[str]) -> dict[str, Any] | None:
    """A fixture record reduced to what every engine reads the same way."""
    if not isinstance(rec, dict):
        return None
    rid = rec.get("id")
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or str(rid) in seen:
        return None
    out: dict[str, Any] = {"id": str(rid)}
    if isinstance(rec.get("html"), str):
        out["html"] = rec["html"]
    elif isinstance(rec.get("text"), str):
        out["text"] = rec["text"]
    else:
        return None
    if isinstance(rec.get("url"), str):
        out["url"] = rec["url"]
    seen.add(out["id"])
    return out


def build_corpus(folder: Path) -> Path:
    """``corpus.jsonl``: fixtures/corpus.jsonl (when it exists), the clean artifact fixtures,
    ../shared/seeds (when present) and inline text and HTML. Fields: id, text|html, url, source."""
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    fixture = FIXTURES / "corpus.jsonl"
    if fixture.is_file():
        for line in fixture.read_text(encoding="utf-8").splitlines():
            try:
                rec = _tabular(json.loads(line), seen)
            except ValueError:
                continue
            if rec is not None:
                records.append(rec)
    for path in sorted((FIXTURES / "artifacts" / "clean").glob("*.txt")):
        rec = _tabular({"id": f"clean/{path.stem}", "text": path.read_text(encoding="utf-8")}, seen)
        if rec:
            records.append(rec)
    shared = shared_dir()
    if shared and (shared / "seeds").is_dir():
        for path in sorted((shared / "seeds").glob("*.txt")):
            rec = _tabular(
                {"id": f"seed/{path.stem}", "text": path.read_text(encoding="utf-8", errors="replace")}, seen
            )
            if rec:
                records.append(rec)
    for rec in INLINE:
        if rec["id"] not in seen:
            records.append(dict(rec))
            seen.add(rec["id"])
    for rec in records:  # the same columns in every record: tables need no schema merging
        rec.setdefault("text", None)
        rec.setdefault("html", None)
        rec.setdefault("url", None)
        rec.setdefault("source", "corpus")
    path = folder / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


MESSY_LINES = [
    '{"id": 7, "text": "A record with a numeric id and nested fields, cleaned like any other.", '
    '"tags": ["a", {"b": 1}], "meta": {"k": null}}',
    "this line is not JSON",
    "[1, 2, 3]",
    "",
    '{"text": "A record without an id takes its file and line as id, in every engine."}',
    '{"id": "bad-html", "html": 5}',
    '{"id": {"x": 1}, "text": "an id that is an object"}',
    '{"id": "unicode", "text": "Caf\\u00e9 \\u2014 \\ud83d\\ude00 \\u00fcber", "url": "https://x.example/\\u00e9"}',
]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *args], capture_output=True, timeout=600, text=True
    )


def run_local(inputs: list[Path], out: Path, *extra: str) -> Path:
    res = cli("clean", *map(str, inputs), "-o", str(out), "-q", "--workers", "2", *extra)
    assert res.returncode == 0, res.stderr
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {r["id"]: r for r in records}
    assert len(out) == len(records), "ids must be unique in the test corpus"
    return out


def assert_same_records(got: list[dict[str, Any]], want: list[dict[str, Any]], fields=FIELDS) -> None:
    g, w = by_id(got), by_id(want)
    assert sorted(g) == sorted(w)
    diffs = [(i, f, g[i].get(f), w[i].get(f)) for i in w for f in fields if g[i].get(f) != w[i].get(f)]
    assert not diffs, f"{len(diffs)} differences, first: {diffs[:3]}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The corpus, the local CLI's records for it, and a messy variant (bad lines) with its records."""
    folder = tmp_path_factory.mktemp("corpus")
    path = build_corpus(folder)
    local = read_jsonl(run_local([path], folder / "local.jsonl"))
    messy = folder / "messy.jsonl"
    messy.write_text(path.read_text(encoding="utf-8") + "\n".join(MESSY_LINES) + "\n", encoding="utf-8")
    gz = folder / "more.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(
            json.dumps({"id": "gz-1", "text": ARTICLE})
            + "\n"
            + json.dumps({"id": "gz-2", "html": INLINE[1]["html"]})
        )
    messy_out = run_local([messy, gz], folder / "messy-local.jsonl")
    return {"folder": folder, "path": path, "local": local, "messy": messy, "gz": gz, "messy_out": messy_out}


def test_corpus_covers_the_record(corpus: dict[str, Any]) -> None:
    """The corpus exercises every part of the record the engines are compared on."""
    local = corpus["local"]
    assert len(local) >= 20
    statuses = {r["status"] for r in local}
    assert "ok" in statuses
    assert any(r["removed"] for r in local)
    assert any(r.get("metadata") for r in local)
    assert {r["language"] for r in local} >= {"en", "de"}


# ------------------------------------------------------------------ the batch
def _corpus_columns(path: Path) -> dict[str, list[Any]]:
    rows = read_jsonl(path)
    return {k: [r.get(k) for r in rows] for k in ("id", "text", "html", "url", "source")}


def test_clean_batch_every_batch_type_gives_the_cli_records(corpus: dict[str, Any]) -> None:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    from cleaner.integrations.batch import OUTPUT_COLUMNS, clean_batch, row_to_record

    cols = _corpus_columns(corpus["path"])
    want = corpus["local"]
    kwargs = {"text_column": "text", "html_column": "html"}

    out_dict = clean_batch(dict(cols), **kwargs)
    assert list(out_dict)[: len(OUTPUT_COLUMNS)] == list(OUTPUT_COLUMNS)
    rows = [dict(zip(out_dict, vals, strict=True)) for vals in zip(*out_dict.values(), strict=True)]
    recs = [row_to_record(r) for r in rows]
    assert_same_records(recs, want)
    # passthrough columns come back as the input fields of the record
    assert all(
        r["source"] == w.get("source") and r["url"] == w.get("url") for r, w in zip(recs, want, strict=True)
    )

    table = pa.table(cols)
    out_table = clean_batch(table, **kwargs)
    assert isinstance(out_table, pa.Table)
    assert out_table.schema.names == [*OUTPUT_COLUMNS, "url", "source"]
    assert str(out_table.schema.field("language_score").type) == "double"
    assert_same_records([row_to_record(r) for r in out_table.to_pylist()], want)

    batch = table.to_batches(max_chunksize=len(table))[0]
    out_batch = clean_batch(batch, **kwargs)
    assert isinstance(out_batch, pa.RecordBatch)
    assert out_batch.to_pylist() == out_table.to_pylist()

    frame = pd.DataFrame(cols)
    out_frame = clean_batch(frame, **kwargs)
    assert isinstance(out_frame, pd.DataFrame)
    assert list(out_frame.columns) == [*OUTPUT_COLUMNS, "url", "source"]
    assert_same_records([row_to_record(r) for r in out_frame.to_dict("records")], want)


def test_clean_batch_rows_ids_and_columns() -> None:
    pa = pytest.importorskip("pyarrow")
    from cleaner.integrations.batch import clean_batch, pipeline_builds, row_to_record

    text = "Most Read\n" + ARTICLE
    out = clean_batch(
        {"id": [1, None, 2.0, "x"], "text": [text, text, None, text], "status": ["a", "b", "c", "d"]}
    )
    assert out["id"] == ["1", None, "2", "x"]
    assert out["status"] == ["ok", "ok", "error", "ok"]  # an input column named like an output is replaced
    assert out["error"][2] == "column `text` is null" and out["text"][2] == ""
    assert json.loads(out["removed"][0])[0] == {"line": 1, "text": "Most Read", "rule": "en.story-lists"}
    # ids from row numbers (datasets' with_indices) where the row has none
    assert clean_batch({"text": [text, text]}, indices=[5, 6])["id"] == ["5", "6"]
    # no id column at all
    assert clean_batch(pa.table({"text": [text]})).column("id").to_pylist() == [None]
    # forced format: text read as HTML
    forced = clean_batch({"text": ["<p>" + ARTICLE.replace("\n", "</p><p>") + "</p>"]}, format="html")
    assert "<p>" not in forced["text"][0] and "bus lane" in forced["text"][0]
    # html first, text when the html value is null
    mixed = clean_batch(
        {"text": ["plain text " + ARTICLE, "ignored"], "html": [None, _page("T", ARTICLE)]},
        html_column="html",
    )
    assert mixed["status"] == ["ok", "ok"] and "plain text" in mixed["text"][0]
    assert json.loads(mixed["metadata"][1])["title"]
    # lone surrogates (undecodable input) never reach Arrow strings
    weird = clean_batch({"text": ["caf\udce9 " + ARTICLE]})
    assert weird["status"] == ["ok"]
    assert pa.table({k: v for k, v in weird.items()}).num_rows == 1
    rec = row_to_record({k: v[0] for k, v in weird.items()})
    assert rec["status"] == "ok" and "reason" not in rec and "error" not in rec
    # usage mistakes raise; content never does
    with pytest.raises(KeyError, match="no content column 'body'"):
        clean_batch({"text": ["x"]}, text_column="body")
    with pytest.raises(KeyError, match="pass html_column"):
        clean_batch({"html": ["x"]})
    # a batch may lack one of the two columns (files with different schemas)
    assert clean_batch({"text": [ARTICLE]}, html_column="html")["status"] == ["ok"]
    assert clean_batch({"html": [_page("T", ARTICLE)]}, html_column="html")["status"] == ["ok"]
    with pytest.raises(ValueError, match="format"):
        clean_batch({"text": ["x"]}, format="pdf")
    with pytest.raises(TypeError):
        clean_batch([["x"]])
    assert set(pipeline_builds().values()) == {1}  # one pipeline per config per process


def test_clean_batch_config_is_used(tmp_path: Path) -> None:
    from cleaner.integrations.batch import clean_batch

    cfg = tmp_path / "en-only.yaml"
    cfg.write_text(
        "extends: default\nsettings:\n  filters: {languages: [en], min_chars: 40}\n", encoding="utf-8"
    )
    de = INLINE[4]["text"]
    out = clean_batch({"id": ["en", "de", "short"], "text": [ARTICLE, de, "Tiny."]}, config=str(cfg))
    assert out["status"] == ["ok", "dropped", "dropped"]
    assert out["reason"][1].startswith("language")


def test_batch_spec_is_the_keywords_as_one(tmp_path: Path) -> None:
    from cleaner.integrations import BatchSpec
    from cleaner.integrations.batch import clean_batch
    from cleaner.integrations.spec import build_spec, check_columns

    cfg = tmp_path / "en-only.yaml"
    cfg.write_text("extends: default\nsettings:\n  filters: {languages: [en]}\n", encoding="utf-8")
    batch = {
        "id": ["en", "de", "page"],
        "body": [ARTICLE, INLINE[4]["text"], None],
        "page": [None, None, _page("T", ARTICLE)],
    }
    spec = BatchSpec(text_column="body", html_column="page", config=str(cfg))
    by_spec = clean_batch(dict(batch), spec=spec)
    assert by_spec == clean_batch(dict(batch), text_column="body", html_column="page", config=str(cfg))
    assert by_spec["status"] == ["ok", "dropped", "ok"] and by_spec["reason"][1].startswith("language")
    # the spec for workers: the config as the absolute path each worker reads, no counting there
    work = spec.for_workers()
    assert work.config == str(cfg.resolve()) and work.site_templates is False and work.text_column == "body"
    # one thing said twice is a mistake; so are bad values
    with pytest.raises(TypeError, match="text_column"):
        clean_batch(dict(batch), text_column="other", spec=spec)
    assert build_spec(spec, text_column="text") is spec  # a keyword left at its default is no clash
    with pytest.raises(ValueError, match="format"):
        BatchSpec(format="pdf")
    with pytest.raises(ValueError, match="site_templates"):
        BatchSpec(site_templates="sometimes")
    with pytest.raises(TypeError, match="BatchSpec"):
        clean_batch(dict(batch), spec={"text_column": "body"})  # type: ignore[arg-type]
    # the one column check: a dataset needs the column its content comes from; a batch either one
    with pytest.raises(KeyError, match=r"html_column 'page': no such column \(columns: id, body\)"):
        check_columns(spec, ["id", "body"])
    check_columns(spec, ["id", "body"], either=True)
    with pytest.raises(KeyError, match=r"text_column 'text': no such column \(columns: id, html\)"):
        check_columns(BatchSpec(), ["id", "html"])
    with pytest.raises(KeyError, match="no content column 'text' in the dataset .pass html_column"):
        check_columns(BatchSpec(), ["id", "html"], either=True)


def test_hf_clean_dataset_takes_a_spec(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    from cleaner.integrations import BatchSpec
    from cleaner.integrations.hf import clean_dataset

    rows = [
        {"id": "a", "body": ARTICLE, "page": None},
        {"id": "b", "body": None, "page": _page("T", ARTICLE)},
    ]
    ds = datasets.Dataset.from_list(rows)
    spec = BatchSpec(text_column="body", html_column="page", site_templates=False)
    out = clean_dataset(ds, spec=spec)
    assert out["status"] == ["ok", "ok"] and "bus lane" in out["text"][1]
    assert list(out) == list(clean_dataset(ds, text_column="body", html_column="page", site_templates=False))
    with pytest.raises(KeyError, match=r"text_column 'text': no such column \(columns: id, body, page\)"):
        clean_dataset(ds, site_templates=False)
    with pytest.raises(TypeError, match="site_field"):
        clean_dataset(ds, spec=spec, site_field="domain")


def test_spark_schema_string_matches_the_columns() -> None:
    from cleaner.integrations.batch import OUTPUT_COLUMNS, SPARK_SCHEMA, arrow_schema

    assert [part.split()[0] for part in SPARK_SCHEMA.split(", ")] == list(OUTPUT_COLUMNS)
    pytest.importorskip("pyarrow")
    types = {"string": "string", "double": "double", "boolean": "bool"}
    assert [f"{f.name} {f.type}" for f in arrow_schema()] == [
        f"{name} {types[t]}" for name, t in (p.split() for p in SPARK_SCHEMA.split(", "))
    ]


# ------------------------------------------------------------------------ Ray
@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 1024 * 1024)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    ray.shutdown()


@slow
def test_ray_clean_dataset_matches_cli(ray_session, corpus: dict[str, Any], tmp_path: Path) -> None:
    from cleaner.integrations.batch import row_to_record
    from cleaner.integrations.ray import clean_dataset

    ray = ray_session
    ds = ray.data.read_json(str(corpus["path"]), lines=True)
    out = clean_dataset(ds, text_column="text", html_column="html", concurrency=2, batch_size=8)
    rows = out.take_all()
    assert_same_records([row_to_record(r) for r in rows], corpus["local"])
    assert {r["source"] for r in rows} <= {"inline", "corpus", None}

    # the pipeline is built once per worker process, not per batch
    def _probe(batch: Any, **kwargs: Any) -> Any:  # nested: Ray pickles it by value
        import os

        import pyarrow as pa

        from cleaner.integrations.batch import clean_batch, pipeline_builds

        out = clean_batch(batch, **kwargs)
        builds = max(pipeline_builds().values())
        return pa.table(
            {"id": out.column("id"), "pid": [os.getpid()] * out.num_rows, "builds": [builds] * out.num_rows}
        )

    many = ray.data.from_items([{"id": str(i), "text": ARTICLE} for i in range(64)], override_num_blocks=16)
    probe = many.map_batches(
        _probe,
        fn_kwargs={"text_column": "text"},
        batch_size=4,
        batch_format="pyarrow",
        compute=ray.data.TaskPoolStrategy(size=2),
    ).take_all()
    assert len(probe) == 64 and {r["builds"] for r in probe} == {1}
    assert len({r["pid"] for r in probe}) >= 1


@slow
def test_ray_clean_dataset_uses_config(ray_session, tmp_path: Path) -> None:
    from cleaner.integrations.ray import clean_dataset

    cfg = tmp_path / "en-only.yaml"
    cfg.write_text("extends: default\nsettings:\n  filters: {languages: [en]}\n", encoding="utf-8")
    ds = ray_session.data.from_items([{"id": "en", "text": ARTICLE}, {"id": "de", "text": INLINE[4]["text"]}])
    rows = {r["id"]: r for r in clean_dataset(ds, config=cfg, concurrency=1).take_all()}
    assert rows["en"]["status"] == "ok" and rows["de"]["status"] == "dropped"
    from cleaner.errors import ConfigError

    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: default\nsettings:\n  filters: {languages: english}\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        clean_dataset(ds, config=bad)


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("part-"))


@slow
def test_ray_cli_writes_what_the_local_cli_writes(
    ray_session, corpus: dict[str, Any], tmp_path: Path
) -> None:
    """JSONL in (with bad lines, ids from file:line, nested fields, gzip), JSONL out: byte for byte."""
    from cleaner.integrations.ray_files import clean_files
    from cleaner.report import Summary

    out = tmp_path / "ray.jsonl"
    summary = clean_files([str(corpus["messy"]), str(corpus["gz"])], str(out), workers=2, batch_size=8)
    parts = _parts(out)
    assert parts and all(p.suffix == ".jsonl" for p in parts)
    got = b"".join(p.read_bytes() for p in parts)
    want = corpus["messy_out"].read_bytes()
    assert got == want
    local = Summary.from_records(read_jsonl(corpus["messy_out"])).as_dict()
    mine = summary.as_dict()
    for key in ("documents", "kept", "dropped", "errors", "lines_removed_by_rule", "languages", "bytes_out"):
        assert mine[key] == local[key], key
    assert mine["bytes_in"] and mine["seconds"] > 0


@slow
def test_ray_cli_parquet_in_and_out(ray_session, corpus: dict[str, Any], tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from cleaner.integrations.ray_files import clean_files
    from cleaner.io.parquet_sink import iter_parquet_records

    rows = read_jsonl(corpus["path"])
    src = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist([{**r, "n": i} for i, r in enumerate(rows)]), src, row_group_size=16)
    local_jsonl = run_local([src], tmp_path / "local.jsonl", "--html-column", "html", "--text-column", "text")
    local_pq = run_local([corpus["path"]], tmp_path / "local.parquet")

    out = tmp_path / "ray.jsonl"
    clean_files([str(src)], str(out), workers=2, batch_size=8, html_column="html", text_column="text")
    assert b"".join(p.read_bytes() for p in _parts(out)) == local_jsonl.read_bytes()

    out_pq = tmp_path / "ray.parquet"
    summary = clean_files([str(corpus["path"])], str(out_pq), workers=2, batch_size=8)
    got = [r for p in _parts(out_pq) for r in iter_parquet_records(p)]
    assert got == list(iter_parquet_records(local_pq))
    assert summary.documents == len(rows)


def test_ray_reads_jsonl_files_as_the_local_engine(tmp_path: Path) -> None:
    """The Ray run's JSONL reader (streamed, local path or URI) gives the local reader's items,
    on damaged files too: a truncated or corrupt gzip, a truncated zstd, blank lines, no final newline."""
    pytest.importorskip("pyarrow")
    zstandard = pytest.importorskip("zstandard")
    from cleaner.integrations.ray_io import jsonl_items
    from cleaner.io.jsonl import read_jsonl

    lines = [json.dumps({"id": f"r{i}", "text": ARTICLE * (i % 3 + 1), "n": i}) for i in range(400)]
    body = ("\n".join(lines[:200]) + "\n\n  \n" + "\n".join(MESSY_LINES + lines[200:])).encode()
    whole = gzip.compress(body)
    two_members = gzip.compress(body[:5000]) + gzip.compress(body[5000:])
    corrupt = bytearray(two_members)
    corrupt[len(corrupt) // 2 : len(corrupt) // 2 + 40] = b"\x00" * 40
    zst = zstandard.ZstdCompressor().compress(body)
    files = {
        "plain.jsonl": body,
        "no-final-newline.jsonl": body.rstrip(b"\n"),
        "whole.jsonl.gz": whole,
        "two-members.jsonl.gz": two_members,
        "truncated.jsonl.gz": two_members[: len(two_members) * 2 // 3],
        "corrupt.jsonl.gz": bytes(corrupt),
        "frames.jsonl.zst": zst,
        "truncated.jsonl.zst": zst[: len(zst) // 2],
    }
    damaged = 0
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        want = [vars(item) for item in read_jsonl(path)]
        assert len(want) > 5
        damaged += "truncated or corrupt" in (want[-1]["error"] or "")
        assert [vars(item) for item in jsonl_items(str(path), str(path))] == want, name
        assert [vars(item) for item in jsonl_items(path.as_uri(), str(path))] == want, name
    assert damaged == 3  # (the truncated and corrupt files end in the error item)
    missing = list(jsonl_items(str(tmp_path / "gone.jsonl"), "gone.jsonl"))
    assert [(m.id, m.error) for m in missing] == [("gone", missing[0].error)]
    assert missing[0].error.startswith("gone.jsonl: cannot read:")


def test_ray_cli_usage_errors(tmp_path: Path) -> None:
    """Mistakes are reported before Ray starts."""
    from cleaner.integrations.ray_files import clean_files

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    (tmp_path / "page.txt").write_text("x", encoding="utf-8")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    cases = [
        (["-"], tmp_path / "o1", "standard input"),
        ([str(tmp_path / "nope.jsonl")], tmp_path / "o2", "no such file"),
        ([str(tmp_path / "page.txt")], tmp_path / "o3", "JSONL and Parquet"),
        ([str(src)], full, "not empty"),
        ([str(src)], src, "is a file"),
    ]
    for inputs, out, msg in cases:
        with pytest.raises(CleanerError, match=msg):
            clean_files(inputs, str(out))
    with pytest.raises(CleanerError):
        clean_files([str(src)], str(tmp_path / "o4"), config=str(tmp_path / "missing.yaml"))


@slow
def test_ray_cli_hook(ray_session, corpus: dict[str, Any], tmp_path: Path) -> None:
    """``cli_clean(args)`` takes the ``cleaner clean`` arguments; through ``cleaner.cli`` once it has --engine."""
    import argparse

    from cleaner.cli.clean import cmd_clean_ray as cli_clean

    out = tmp_path / "hook.jsonl.gz"
    report = tmp_path / "report.json"
    args = argparse.Namespace(
        inputs=[str(corpus["path"])],
        output=str(out),
        config=None,
        workers=2,
        format="auto",
        text_column=None,
        html_column=None,
        id_column="id",
        resume=False,
        report=str(report),
        quiet=True,
    )
    assert cli_clean(args) == 0
    lines = b"".join(gzip.decompress(p.read_bytes()) for p in _parts(out))
    assert [json.loads(x) for x in lines.splitlines()] == corpus["local"]
    assert json.loads(report.read_text())["documents"] == len(corpus["local"])
    with pytest.raises(CleanerError, match="--resume"):
        cli_clean(argparse.Namespace(**{**vars(args), "resume": True}))

    from cleaner.cli import build_parser

    parser = build_parser()
    try:
        parsed = parser.parse_args(
            ["clean", str(corpus["path"]), "-o", str(tmp_path / "x.jsonl"), "--engine", "ray"]
        )
    except SystemExit:
        pytest.skip("cleaner.cli has no --engine option yet")
    assert parsed.engine == "ray"
    shutil.rmtree(tmp_path / "x.jsonl", ignore_errors=True)
    from cleaner.cli import main

    assert (
        main(
            [
                "clean",
                str(corpus["path"]),
                "-o",
                str(tmp_path / "x.jsonl"),
                "--engine",
                "ray",
                "-q",
                "--workers",
                "2",
            ]
        )
        == 0
    )
    got = [json.loads(x) for p in _parts(tmp_path / "x.jsonl") for x in p.read_text().splitlines()]
    assert got == corpus["local"]


# ---------------------------------------------------------------------- Spark
@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    pytest.importorskip("pandas")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java (17 or later): no `java` on PATH and no JAVA_HOME")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("cleaner-tests")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "16")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@slow
def test_spark_clean_dataframe_matches_cli(spark, corpus: dict[str, Any]) -> None:
    from cleaner.integrations.batch import SPARK_SCHEMA, row_to_record
    from cleaner.integrations.spark import REMOVED_DDL, clean_dataframe, map_in_pandas, output_schema

    df = spark.read.json(str(corpus["path"])).repartition(2)
    out = clean_dataframe(df, text_column="text", html_column="html")
    assert out.schema == output_schema(df.schema, "text", "html")
    rows = [r.asDict(recursive=True) for r in out.collect()]
    assert_same_records([row_to_record(r) for r in rows], corpus["local"])

    # the documented DDL string, with mapInPandas directly (no url column: metadata may lack the url)
    plain = df.select("id", "text", "html")
    direct = plain.mapInPandas(map_in_pandas(html_column="html"), SPARK_SCHEMA)
    assert_same_records(
        [row_to_record(r.asDict()) for r in direct.collect()],
        corpus["local"],
        fields=[f for f in FIELDS if f != "metadata"],
    )

    # the JSON columns parse in Spark
    from pyspark.sql import functions as F

    removed = out.select("id", F.from_json("removed", REMOVED_DDL).alias("r")).where("size(r) > 0").first()
    assert removed is not None and removed.r[0].rule


@slow
def test_spark_pandas_udf(spark, corpus: dict[str, Any]) -> None:
    from cleaner.integrations.batch import row_to_record
    from cleaner.integrations.spark import cleaner_udf

    df = spark.read.json(str(corpus["path"]))
    texts = df.where("text is not null").withColumn("c", cleaner_udf()("text")).select("id", "c.*")
    pages = df.where("html is not null").withColumn("c", cleaner_udf(html=True)("html")).select("id", "c.*")
    rows = [row_to_record(r.asDict(), passthrough=False) for r in texts.union(pages).collect()]
    # a UDF sees one column: no url for the metadata
    assert_same_records(rows, corpus["local"], fields=[f for f in FIELDS if f != "metadata"])


# ------------------------------------------------------------ Hugging Face
@slow
def test_hf_map_matches_cli(corpus: dict[str, Any], tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    from cleaner.integrations.batch import row_to_record
    from cleaner.integrations.hf import clean_dataset, features, map_function

    ds = datasets.Dataset.from_json(str(corpus["path"]), cache_dir=str(tmp_path / "hf-cache"))
    out = clean_dataset(ds, text_column="text", html_column="html", num_proc=2, batch_size=8)
    assert out.column_names[:13] == [
        "id",
        "text",
        "status",
        "reason",
        "error",
        "language",
        "language_score",
        "removed",
        "repairs",
        "artifacts",
        "artifacts_score",
        "artifacts_flagged",
        "metadata",
    ]
    assert_same_records([row_to_record(r) for r in out], corpus["local"])

    # map() directly, rows without ids get their row number
    no_ids = ds.remove_columns(["id"])
    out2 = no_ids.map(
        map_function(html_column="html"),
        batched=True,
        batch_size=8,
        with_indices=True,
        features=features(no_ids.features),
    )
    assert out2["id"] == [str(i) for i in range(len(ds))]
    assert out2["text"] == [r["text"] for r in corpus["local"]]
