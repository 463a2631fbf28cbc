"""Site templates on the engines (issue 21, "on a cluster"): Ray Data, Spark and
Hugging Face ``datasets`` count per site with their own machinery, ship the
table to their workers and clean with it, giving the records of the local
``cleaner clean --site-templates on`` (run here as a subprocess) on the same
input. The input: fixtures/templates/sites.jsonl (six pages of a news site, five
of a blog, one page of a third site) plus an HTML page and a page without a URL
(neither is counted). The engine tests start a real local Ray (2 CPUs) and a real
local Spark (``local[2]``), skip when the engine is not installed, and are
marked ``slow``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cleaner.errors import CleanerError
from cleaner.integrations.sites import (
    from_pair_counts,
    pair_columns,
    resolve,
    ship,
    site_hash_rows,
    template_mode,
)
from cleaner.io.items import ReadOptions
from cleaner.templates import SiteTemplates, count_inputs

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "fixtures" / "templates" / "sites.jsonl"
slow = pytest.mark.slow
pytestmark = pytest.mark.filterwarnings("ignore:.*PySpark does not yet fully support pandas.*:FutureWarning")

HTML_PAGE = (
    "<html><head><title>Riverdale Gazette</title></head><body><nav>Home News Sport</nav><article>"
    "<h1>Market hall roof repaired</h1><p>The roof of the Victorian market hall has been repaired after a winter "
    "storm tore away a third of its slates, the council said on Monday.</p><p>Traders returned to their stalls "
    "this week and said the hall was warmer than it had been for years.</p></article></body></html>"
)


def _records() -> list[dict[str, Any]]:
    return [json.loads(x) for x in SITES.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def _input_records() -> list[dict[str, Any]]:
    """Every record has the same fields (engines read a table): id, url, text, html."""
    recs = [{"id": r["id"], "url": r["url"], "text": r["text"], "html": None} for r in _records()]
    gazette = recs[1]
    recs.insert(
        3,
        {
            "id": "gazette-html",
            "url": "https://www.riverdale-gazette.co.uk/news/0099-market",
            "text": None,
            "html": HTML_PAGE,
        },
    )
    recs.append({"id": "no-url", "url": None, "text": gazette["text"], "html": None})
    # a copy of a page (the same URL crawled twice): counted once, or its article would look like a template
    recs.append({"id": "gazette-2-again", "url": gazette["url"], "text": gazette["text"], "html": None})
    return recs


def _domain_records() -> list[dict[str, Any]]:
    """The site in a ``domain`` field (a host), no url."""
    out = []
    for r in _records():
        out.append({"id": r["id"], "domain": r["url"].split("/")[2], "text": r["text"]})
    return out


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def assert_same(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    g = {r["id"]: r for r in got}
    assert len(g) == len(got) == len(want)
    diffs = [
        (w["id"], k, g[w["id"]].get(k), w.get(k))
        for w in want
        for k in set(w) | set(g[w["id"]])
        if g[w["id"]].get(k) != w.get(k)
    ]
    assert not diffs, f"{len(diffs)} differences, first: {diffs[:2]}"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The inputs, and what the local ``cleaner clean --site-templates on`` writes for them."""
    folder = tmp_path_factory.mktemp("local")
    src = _write(folder / "sites.jsonl", _input_records())
    r = cli(
        "clean",
        str(src),
        "-o",
        "on.jsonl",
        "--site-templates",
        "on",
        "--templates-out",
        "t.npz",
        "--workers",
        "2",
        "-q",
        cwd=folder,
    )
    assert r.returncode == 0, r.stderr
    off = cli(
        "clean", str(src), "-o", "off.jsonl", "--site-templates", "off", "--workers", "2", "-q", cwd=folder
    )
    assert off.returncode == 0, off.stderr
    dom = _write(folder / "domain.jsonl", _domain_records())
    r2 = cli(
        "clean",
        str(dom),
        "-o",
        "domain-on.jsonl",
        "--site-templates",
        "on",
        "--site-field",
        "domain",
        "--workers",
        "2",
        "-q",
        cwd=folder,
    )
    assert r2.returncode == 0, r2.stderr
    on = read_jsonl(folder / "on.jsonl")
    # the check is worth something: site templates change these records
    removed = [x for rec in on for x in rec["removed"] if x["rule"] == "template.site"]
    assert len(removed) > 40 and {x["site"] for x in removed} == {
        "riverdale-gazette.co.uk",
        "hikingnotes.blog",
    }
    assert on != read_jsonl(folder / "off.jsonl")
    return {
        "folder": folder,
        "src": src,
        "on": on,
        "on_path": folder / "on.jsonl",
        "table": folder / "t.npz",
        "domain": dom,
        "domain_on": read_jsonl(folder / "domain-on.jsonl"),
    }


def _columns(records: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {k: [r.get(k) for r in records] for k in names}


def _group_by(rows: list[tuple[str, Any]], site_field: str | None = None) -> SiteTemplates:
    """What an engine's group-by does with :func:`pair_columns`, in plain Python: distinct pages per (site, hash)."""
    sites, pages, hashes = pair_columns(rows)
    counts = Counter((s, h) for s, h, _ in set(zip(sites, hashes.tolist(), pages.tolist(), strict=True)))
    return from_pair_counts([(s, h, n) for (s, h), n in counts.items()], site_field=site_field)


# ------------------------------------------------------------- shared parts
def test_counted_rows_follow_the_local_first_pass(tmp_path: Path) -> None:
    """Which documents count, under which site, with which lines: as ``cleaner clean``'s first pass."""
    recs = _input_records() + [
        {"id": "no-site", "url": "not a url at all//", "text": "Home\nNews", "html": None},
        {"id": "both", "url": "https://hikingnotes.blog/x", "text": "Hiking Notes", "html": HTML_PAGE},
    ]
    src = _write(tmp_path / "in.jsonl", [{k: v for k, v in r.items() if v is not None} for r in recs])
    want = count_inputs([str(src)], ReadOptions())
    cols = _columns(recs, ("text", "html", "url"))
    rows = site_hash_rows(cols["text"], cols["html"], cols["url"])
    # the HTML pages, the page without a URL and the one without a host are not counted; the copy is (and then
    # counts once)
    assert len(rows) == 13
    got = _group_by(rows)
    assert {s: v.pages for s, v in got.sites.items()} == {s: v.pages for s, v in want.sites.items()}
    for site, s in want.sites.items():
        assert got.sites[site].count == {h: n for h, n in s.count.items() if n >= 2}, site
    assert site_hash_rows(cols["text"], cols["html"], cols["url"], format="html") == []
    # --site-field: the field's value, a host or a URL
    dom = _write(tmp_path / "dom.jsonl", _domain_records())
    want = count_inputs([str(dom)], ReadOptions(), site_field="domain")
    cols = _columns(_domain_records(), ("text", "domain"))
    got = _group_by(site_hash_rows(cols["text"], None, cols["domain"]), "domain")
    assert {s: v.pages for s, v in got.sites.items()} == {
        "riverdale-gazette.co.uk": 6,
        "hikingnotes.blog": 5,
        "stmarys-parish.org.uk": 1,
    }
    assert {s: v.pages for s, v in want.sites.items()} == {s: v.pages for s, v in got.sites.items()}


def test_group_by_counts_keep_a_sites_most_repeated_lines_in_bounded_memory() -> None:
    """Streamed (site, hash, pages) rows in any order: the cap lines on most pages, the exact page counts."""
    import random

    import numpy as np

    rng = random.Random(1)
    rows = [
        ("a.com", np.array(sorted({rng.randrange(1, 3000) for _ in range(400)}), dtype=np.uint64))
        for _ in range(40)
    ]
    rows += [("b.com", np.array([7, 8], dtype=np.uint64))] * 3
    sites, _, hashes = pair_columns(rows)
    truth = Counter(zip(sites, hashes.tolist(), strict=True))
    items = [(s, h, n) for (s, h), n in truth.items()]
    rng.shuffle(items)
    seen = []

    def stream() -> Any:
        for x in items:
            seen.append(x)
            yield x

    t = from_pair_counts(stream(), cap=50)
    assert len(seen) == len(items) and t.pages("a.com") == 40 and t.pages("b.com") == 3
    kept = t.sites["a.com"].count
    assert len(kept) == 50 and all(truth["a.com", h] == n for h, n in kept.items())
    assert min(kept.values()) >= max(n for (s, h), n in truth.items() if s == "a.com" and h and h not in kept)
    assert t.sites["b.com"].count == {7: 3, 8: 3}


def test_resolve_decides_as_the_local_run(tmp_path: Path) -> None:
    cols = _columns(_records(), ("text", "url"))
    full = _group_by(site_hash_rows(cols["text"], None, cols["url"]))
    one_each = _group_by(
        [(s, h) for s, h in site_hash_rows(cols["text"], None, cols["url"]) if s == "stmarys-parish.org.uk"]
    )
    calls: list[str | None] = []

    def count(table: SiteTemplates) -> Any:
        def fn(field: str | None) -> SiteTemplates:
            calls.append(field)
            return table

        return fn

    assert resolve("auto", None, count(full), None) is full
    assert resolve("auto", None, count(one_each), None) is None  # no site has template_min_pages (5) pages
    assert resolve(True, None, count(one_each), None) is one_each
    assert calls == [None, None, None]
    assert resolve(False, None, count(full), None) is None and len(calls) == 3  # off: no counting
    path = tmp_path / "t.npz"
    full.save(path)
    got = resolve("auto", path, count(full), None)  # a saved table: no counting
    assert len(calls) == 3 and got is not None and got.pages("riverdale-gazette.co.uk") == 6
    out = tmp_path / "out.npz"
    got = resolve("on", path, count(one_each), None, templates_out=out)  # updated by this input
    assert (
        got is not None
        and got.pages("stmarys-parish.org.uk") == 2
        and SiteTemplates.load(out).pages("stmarys-parish.org.uk") == 2
    )
    with pytest.raises(ValueError, match="templates"):
        resolve("off", path, count(full), None)
    with pytest.raises(ValueError, match="site_field"):
        resolve("auto", path, count(full), None, site_field="domain")
    with pytest.raises(ValueError, match="site_templates"):
        template_mode("yes")
    from cleaner.templates import TemplatesError

    (tmp_path / "bad.npz").write_text("no")
    with pytest.raises(TemplatesError, match="bad.npz"):
        resolve("auto", tmp_path / "bad.npz", count(full), None)


@slow  # (the local runs of the fixture: ~9 s)
def test_shipped_table_is_small_and_cleans_like_the_local_run(local: dict[str, Any]) -> None:
    """The table the workers get (bytes, pickled) and ``clean_batch`` with it: the local records."""
    from cleaner.integrations.batch import clean_batch, row_to_record

    recs = _input_records()
    cols = _columns(recs, ("id", "url", "text", "html"))
    table = _group_by(site_hash_rows(cols["text"], cols["html"], cols["url"]))
    shipped = ship(table)
    assert len(pickle.dumps(shipped)) < 4096
    back = pickle.loads(pickle.dumps(shipped)).table()
    assert {s: v.count for s, v in back.sites.items()} == {s: v.count for s, v in table.sites.items()}
    from cleaner.integrations.sites import templates_pipeline_builds

    out = clean_batch(cols, html_column="html", templates=shipped)
    clean_batch(
        cols, html_column="html", templates=pickle.loads(pickle.dumps(shipped))
    )  # the same table again
    assert [n for (cfg, digest), n in templates_pipeline_builds().items() if digest == shipped.digest] == [1]
    got = [row_to_record({k: out[k][i] for k in out}, passthrough=False) for i in range(len(recs))]
    for g, r in zip(got, recs, strict=True):
        if r["url"] is not None:
            g["url"] = r["url"]
    assert_same(got, local["on"])


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


def _ray_records(ds: Any) -> list[dict[str, Any]]:
    from cleaner.integrations.batch import row_to_record

    out = []
    for row in ds.take_all():
        rec = row_to_record(row, passthrough=False)
        if row.get("url") is not None:
            rec["url"] = row["url"]
        out.append(rec)
    return out


@slow
def test_ray_clean_dataset_gives_the_local_records(ray_session, local: dict[str, Any], monkeypatch) -> None:
    import cleaner.integrations.ray as ray_mod

    ray = ray_session
    ds = ray.data.from_items(_input_records(), override_num_blocks=3)
    table = ray_mod.count_templates(ds, html_column="html")
    assert {s: v.pages for s, v in table.sites.items()} == {
        "riverdale-gazette.co.uk": 6,
        "hikingnotes.blog": 5,
        "stmarys-parish.org.uk": 1,
    }
    out = ray_mod.clean_dataset(ds, html_column="html", site_templates=True, concurrency=2, batch_size=4)
    assert_same(_ray_records(out), local["on"])
    # a saved table: no first pass
    monkeypatch.setattr(ray_mod, "count_templates", lambda *a, **k: pytest.fail("counted with a saved table"))
    out = ray_mod.clean_dataset(ds, html_column="html", templates=str(local["table"]), batch_size=4)
    assert_same(_ray_records(out), local["on"])
    # --site-field
    monkeypatch.undo()
    dom = ray.data.from_items(_domain_records(), override_num_blocks=2)
    out = ray_mod.clean_dataset(dom, site_field="domain", site_templates=True, batch_size=4)
    got = _ray_records(out)
    for r in got:
        r["domain"] = next(x["domain"] for x in _domain_records() if x["id"] == r["id"])
    assert_same(got, local["domain_on"])


def _parts(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.name.startswith("part-"))


@slow
def test_ray_cli_site_templates_write_what_the_local_cli_writes(
    ray_session, local: dict[str, Any], tmp_path: Path
) -> None:
    from cleaner.cli.clean import cmd_clean_ray as cli_clean

    base = {
        "config": None,
        "workers": 2,
        "format": "auto",
        "text_column": None,
        "html_column": None,
        "id_column": "id",
        "resume": False,
        "quiet": True,
        "site_templates": "on",
        "templates": None,
        "templates_out": None,
        "site_field": None,
        "report": None,
    }
    out = tmp_path / "ray.jsonl"
    args = argparse.Namespace(
        **{
            **base,
            "inputs": [str(local["src"])],
            "output": str(out),
            "templates_out": str(tmp_path / "t.npz"),
            "report": str(tmp_path / "r.json"),
        }
    )
    assert cli_clean(args) == 0
    assert _parts(out) == local["on_path"].read_bytes()
    report = json.loads((tmp_path / "r.json").read_text())
    assert set(report["template_lines_by_site"]) == {"riverdale-gazette.co.uk", "hikingnotes.blog"}
    assert report["lines_removed_by_rule"]["template.site"] == sum(
        x["rule"] == "template.site" for r in local["on"] for x in r["removed"]
    )
    mine, theirs = SiteTemplates.load(tmp_path / "t.npz"), SiteTemplates.load(local["table"])
    assert {s: (v.pages, v.count) for s, v in mine.sites.items()} == {
        s: (v.pages, v.count) for s, v in theirs.sites.items()
    }
    # the saved table, no first pass; and --site-field
    out2 = tmp_path / "ray2.jsonl"
    assert (
        cli_clean(
            argparse.Namespace(
                **{
                    **base,
                    "inputs": [str(local["src"])],
                    "output": str(out2),
                    "site_templates": "auto",
                    "templates": str(local["table"]),
                }
            )
        )
        == 0
    )
    assert _parts(out2) == local["on_path"].read_bytes()
    out3 = tmp_path / "ray3.jsonl"
    assert (
        cli_clean(
            argparse.Namespace(
                **{**base, "inputs": [str(local["domain"])], "output": str(out3), "site_field": "domain"}
            )
        )
        == 0
    )
    assert [json.loads(x) for x in _parts(out3).splitlines()] == local["domain_on"]
    # JSONL and Parquet in one run (counted as one input): what the local run writes for both
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.Table.from_pylist([{**r, "id": f"pq-{r['id']}"} for r in _records()]),
        tmp_path / "more.parquet",
        row_group_size=4,
    )
    both = [str(local["src"]), str(tmp_path / "more.parquet")]
    r = cli(
        "clean",
        *both,
        "-o",
        "local-both.jsonl",
        "--site-templates",
        "on",
        "--workers",
        "2",
        "-q",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    out4 = tmp_path / "ray4.jsonl"
    assert (
        cli_clean(
            argparse.Namespace(
                **{**base, "inputs": both, "output": str(out4), "templates_out": str(tmp_path / "both.npz")}
            )
        )
        == 0
    )
    assert _parts(out4) == (tmp_path / "local-both.jsonl").read_bytes()
    both_table = SiteTemplates.load(tmp_path / "both.npz")
    assert both_table.pages("hikingnotes.blog") == 10 and both_table.pages("riverdale-gazette.co.uk") == 12


def test_ray_cli_site_template_usage_errors(tmp_path: Path) -> None:
    """Mistakes are reported before Ray starts, as the local CLI reports them."""
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "x", "url": "https://a.org/"}\n', encoding="utf-8")
    (tmp_path / "bad.npz").write_text("not a table")
    cases = [
        (["--site-templates", "off", "--templates-out", "t.npz"], "need site templates"),
        (["--templates", "bad.npz"], "bad.npz"),
        (["--templates", "t.npz", "--site-field", "domain"], "--site-field"),
    ]
    SiteTemplates().save(tmp_path / "t.npz")
    for extra, msg in cases:
        r = cli("clean", str(src), "-o", "out", "--engine", "ray", *extra, cwd=tmp_path)
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr, (extra, r.stderr)
        assert not (tmp_path / "out").exists()
    from cleaner.integrations.ray_files import clean_files

    with pytest.raises(CleanerError, match="bad.npz"):
        clean_files([str(src)], str(tmp_path / "o"), templates=str(tmp_path / "bad.npz"))


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
        .appName("cleaner-templates-tests")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _spark_records(df: Any, keep: tuple[str, ...] = ("url",)) -> list[dict[str, Any]]:
    from cleaner.integrations.batch import row_to_record

    out = []
    for row in df.collect():
        d = row.asDict(recursive=True)
        rec = row_to_record(d, passthrough=False)
        for k in keep:
            if d.get(k) is not None:
                rec[k] = d[k]
        out.append(rec)
    return out


@slow
def test_spark_clean_dataframe_gives_the_local_records(spark, local: dict[str, Any], monkeypatch) -> None:
    import cleaner.integrations.spark as spark_mod

    df = spark.read.json(str(local["src"])).repartition(3)
    table = spark_mod.count_templates(df, html_column="html")
    assert {s: v.pages for s, v in table.sites.items()} == {
        "riverdale-gazette.co.uk": 6,
        "hikingnotes.blog": 5,
        "stmarys-parish.org.uk": 1,
    }
    assert_same(
        _spark_records(spark_mod.clean_dataframe(df, html_column="html", site_templates=True)), local["on"]
    )
    monkeypatch.setattr(
        spark_mod, "count_templates", lambda *a, **k: pytest.fail("counted with a saved table")
    )
    out = spark_mod.clean_dataframe(df, html_column="html", templates=local["table"])
    assert_same(_spark_records(out), local["on"])
    monkeypatch.undo()
    dom = spark.read.json(str(local["domain"]))
    out = spark_mod.clean_dataframe(dom, site_field="domain")  # auto: on (sites of 5 and 6 pages)
    assert_same(_spark_records(out, keep=("domain",)), local["domain_on"])


# ------------------------------------------------------------ Hugging Face
@slow
def test_hf_two_step_map_gives_the_local_records(local: dict[str, Any], tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    from cleaner.integrations.batch import row_to_record
    from cleaner.integrations.hf import clean_dataset, count_templates, map_function, site_function

    def records(ds: Any, keep: tuple[str, ...] = ("url",)) -> list[dict[str, Any]]:
        out = []
        for row in ds:
            rec = row_to_record(row, passthrough=False)
            rec.update({k: row[k] for k in keep if row.get(k) is not None})
            out.append(rec)
        return out

    ds = datasets.Dataset.from_json(str(local["src"]), cache_dir=str(tmp_path / "hf-cache"))
    out = clean_dataset(ds, html_column="html", site_templates=True, num_proc=2, batch_size=4)
    assert_same(records(out), local["on"])
    out = clean_dataset(ds, html_column="html", templates=local["table"], batch_size=4)
    assert_same(records(out), local["on"])
    # the two steps by hand, as the README shows them
    step1 = ds.map(site_function(html_column="html"), batched=True, remove_columns=ds.column_names)
    assert len(step1) == 13 and set(step1["site"]) == {
        "riverdale-gazette.co.uk",
        "hikingnotes.blog",
        "stmarys-parish.org.uk",
    }
    table = count_templates(ds, html_column="html")
    out = ds.map(map_function(html_column="html", templates=table), batched=True, with_indices=True)
    assert_same(records(out), local["on"])
    dom = datasets.Dataset.from_json(str(local["domain"]), cache_dir=str(tmp_path / "hf-cache"))
    out = clean_dataset(dom, site_field="domain")
    assert_same(records(out, keep=("domain",)), local["domain_on"])
