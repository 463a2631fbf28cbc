"""End to end through the CLI (`python -m cleaner`) on the fixtures."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cleaner

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
CORPUS = FIXTURES / "corpus.jsonl"
REQUIRED = ("id", "text", "status", "language", "language_score", "removed", "repairs", "artifacts")


def read_records(path: Path) -> list[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpus_records() -> list[dict]:
    return read_records(CORPUS)


def check_record_shape(rec: dict) -> None:
    for key in REQUIRED:
        assert key in rec, f"record {rec.get('id')!r} lacks {key!r}"
    assert isinstance(rec["id"], str)
    assert isinstance(rec["text"], str)
    assert rec["status"] in ("ok", "dropped", "error")
    assert rec["language"] is None or isinstance(rec["language"], str)
    assert rec["language_score"] is None or isinstance(rec["language_score"], float)
    assert isinstance(rec["removed"], list)
    for r in rec["removed"]:
        assert set(r) >= {"line", "text", "rule"}, r
        assert isinstance(r["line"], int) and r["line"] >= 1
        assert isinstance(r["text"], str) and r["text"].strip()
        assert isinstance(r["rule"], str) and r["rule"]
    assert isinstance(rec["repairs"], list)
    for r in rec["repairs"]:
        assert {"kind", "before", "after"} <= set(r), r
    art = rec["artifacts"]
    assert set(art) >= {"score", "flagged", "findings"}
    assert isinstance(art["score"], (int, float)) and isinstance(art["flagged"], bool)
    assert isinstance(art["findings"], list)
    if rec["status"] == "error":
        assert isinstance(rec.get("error"), str) and rec["error"]
    else:
        assert "error" not in rec
    if rec["status"] == "dropped":
        assert isinstance(rec.get("reason"), str) and rec["reason"]


def write_lines(path: Path, lines: list[str]) -> Path:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    return path


def mixed_input_lines() -> list[str]:
    """The corpus, with a malformed line and a record whose text is a number in the middle."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return (
        lines[:3]
        + ['{"id": "broken", "text": "this line is not finished']
        + lines[3:6]
        + [json.dumps({"id": "numeric-text", "text": 5, "url": "https://x.example/n", "lang_hint": "en"})]
        + lines[6:]
    )


@pytest.fixture(scope="module")
def jsonl_run(tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("jsonl")
    src = write_lines(tmp / "in.jsonl", mixed_input_lines())
    out = tmp / "out.jsonl"
    res = cli("clean", src, "-o", out, "--workers", "1")
    return res, src, out


# ------------------------------------------------------------- JSONL
def test_jsonl_run_exits_0_and_reports(jsonl_run):
    res, _, out = jsonl_run
    assert res.rc == 0, res
    assert "Traceback" not in res.stderr
    assert out.is_file()
    assert not list(out.parent.glob(".*cleaner-run")), "the run folder is removed at the end"


def test_jsonl_every_record_present_in_order(jsonl_run):
    _, src, out = jsonl_run
    lines = src.read_text(encoding="utf-8").splitlines()
    recs = read_records(out)
    assert len(recs) == len(lines)
    expected_ids = []
    for line in lines:
        try:
            expected_ids.append(str(json.loads(line)["id"]))
        except ValueError:
            expected_ids.append(None)  # malformed: any id, checked below
    for rec, want in zip(recs, expected_ids, strict=True):
        if want is not None:
            assert rec["id"] == want


def test_jsonl_records_have_required_fields(jsonl_run):
    for rec in read_records(jsonl_run[2]):
        check_record_shape(rec)


def test_jsonl_extra_fields_carried_unchanged(jsonl_run):
    recs = {r["id"]: r for r in read_records(jsonl_run[2])}
    for src in corpus_records():
        rec = recs[src["id"]]
        for key in ("url", "lang_hint", "fixture"):
            assert rec[key] == src[key]
        assert rec["status"] == "ok", rec
        assert rec["language"] == src["lang_hint"]
    assert recs["numeric-text"]["url"] == "https://x.example/n"
    assert recs["numeric-text"]["lang_hint"] == "en"


def test_jsonl_malformed_line_is_an_error_record(jsonl_run):
    recs = read_records(jsonl_run[2])
    bad = recs[3]
    assert bad["status"] == "error"
    assert bad["text"] == ""
    assert "4" in bad["error"] and "JSON" in bad["error"], bad["error"]  # names the line
    assert "broken" not in {r["id"] for r in recs if r["status"] != "error"}


def test_jsonl_non_string_text_is_an_error_record(jsonl_run):
    rec = next(r for r in read_records(jsonl_run[2]) if r["id"] == "numeric-text")
    assert rec["status"] == "error" and rec["text"] == ""
    assert "text" in rec["error"] and "int" in rec["error"], rec["error"]


def test_jsonl_gz_in_and_out(tmp_path, cli, jsonl_run):
    src = write_lines(tmp_path / "in.jsonl.gz", mixed_input_lines())
    out = tmp_path / "out.jsonl.gz"
    res = cli("clean", src, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    with gzip.open(out, "rb") as fh:  # really gzip
        fh.read()
    gz = read_records(out)
    plain = read_records(jsonl_run[2])
    assert len(gz) == len(plain)
    for a, b in zip(gz, plain, strict=True):
        if a["status"] == "error":  # error messages name the input file
            assert b["status"] == "error"
            continue
        assert a == b


def test_jsonl_html_and_text_records_are_both_cleaned(jsonl_run):
    recs = {r["id"]: r for r in read_records(jsonl_run[2])}
    wind = recs["en-wind-farm"]
    assert "Share on Facebook" not in wind["text"] and "Most Read" not in wind["text"]
    assert "62-turbine wind farm" in wind["text"]
    council = recs["en-city-council"]
    assert "Most Read" not in council["text"]
    assert any(r["text"] == "Most Read" and r["rule"] for r in council["removed"])


# ------------------------------------------------------------- folders
def build_input_tree(root: Path) -> Path:
    src = root / "in"
    shutil.copytree(FIXTURES / "text", src / "scrapes")
    (src / "pages" / "2024" / "june").mkdir(parents=True)
    for p in sorted((FIXTURES / "html").glob("*.html")):
        shutil.copy(p, src / "pages" / "2024" / "june" / p.name)
    shutil.copy(FIXTURES / "text" / "en-city-council.txt", src / "top-level.txt")
    (src / "empty.txt").write_text("\n\n", encoding="utf-8")
    (src / "notes.md").write_text("not an input", encoding="utf-8")
    return src


def test_folder_in_folder_out(tmp_path, cli):
    src = build_input_tree(tmp_path)
    out = tmp_path / "out"
    res = cli("clean", src, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    recs = read_records(out / "records.jsonl")
    inputs = [p for p in src.rglob("*") if p.suffix in (".txt", ".html")]
    assert len(recs) == len(inputs)
    ids = [r["id"] for r in recs]
    assert len(set(ids)) == len(ids)
    assert "top-level" in ids and "empty" in ids
    assert "scrapes/en-city-council" in ids or any(
        i.endswith("en-city-council") and i != "top-level" for i in ids
    )
    for rec in recs:
        check_record_shape(rec)

    by_id = {r["id"]: r for r in recs}
    assert by_id["empty"]["status"] == "dropped" and by_id["empty"]["reason"] == "empty"
    ok = [r for r in recs if r["status"] == "ok"]
    assert len(ok) == len(inputs) - 1

    files = sorted(p for p in out.rglob("*") if p.is_file())
    txts = [p for p in files if p.suffix == ".txt"]
    assert {p.name for p in files} - {p.name for p in txts} == {"records.jsonl"}
    assert all(p.parent == out for p in txts), "one flat folder of <id>.txt files"
    assert len(txts) == len(ok), "one .txt per kept document, none for dropped ones"
    # top-level ids map to <id>.txt exactly
    assert (out / "top-level.txt").read_text(encoding="utf-8").rstrip("\n") == by_id["top-level"]["text"]
    assert not (out / "empty.txt").exists()
    # every kept document's text is in a file of its own
    contents = sorted(p.read_text(encoding="utf-8").rstrip("\n") for p in txts)
    assert contents == sorted(r["text"] for r in ok)
    assert not (out / ".cleaner-run").exists()


def test_folder_output_from_jsonl_input(tmp_path, cli):
    out = tmp_path / "out"
    res = cli("clean", CORPUS, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    recs = read_records(out / "records.jsonl")
    assert [r["id"] for r in recs] == [r["id"] for r in corpus_records()]
    for rec in recs:
        assert (out / f"{rec['id']}.txt").read_text(encoding="utf-8").rstrip("\n") == rec["text"]


def test_several_inputs_in_order(tmp_path, cli):
    out = tmp_path / "out.jsonl"
    a = FIXTURES / "text" / "fr-tramway.txt"
    b = FIXTURES / "html" / "en-wind-farm.html"
    res = cli("clean", a, CORPUS, b, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    ids = [r["id"] for r in read_records(out)]
    assert ids == ["fr-tramway"] + [r["id"] for r in corpus_records()] + ["en-wind-farm"]


# ------------------------------------------------------------- stdin
def test_stdin_text(tmp_path, cli):
    raw = (FIXTURES / "text" / "en-river-flood.txt").read_bytes()
    out = tmp_path / "out.jsonl"
    res = cli("clean", "-", "-o", out, "--workers", "1", "-q", input=raw)
    assert res.rc == 0, res
    (rec,) = read_records(out)
    check_record_shape(rec)
    assert rec["status"] == "ok" and rec["language"] == "en"
    assert rec["text"] == cleaner.clean(raw).text
    assert "(@MarlowPolice)" not in rec["text"]


def test_stdin_html(tmp_path, cli):
    raw = (FIXTURES / "html" / "fr-boulangerie.html").read_bytes()
    out = tmp_path / "out.jsonl"
    res = cli("clean", "-", "-o", out, "--workers", "1", "-q", input=raw)
    assert res.rc == 0, res
    (rec,) = read_records(out)
    assert rec["status"] == "ok" and rec["language"] == "fr"
    assert "Cœurdevey" in rec["text"] and "Tous droits réservés" not in rec["text"]


def test_stdin_jsonl(tmp_path, cli, jsonl_run):
    out = tmp_path / "out.jsonl"
    res = cli("clean", "-", "-o", out, "--workers", "1", "-q", input=CORPUS.read_bytes())
    assert res.rc == 0, res
    recs = read_records(out)
    assert [r["id"] for r in recs] == [r["id"] for r in corpus_records()]
    from_file = {r["id"]: r for r in read_records(jsonl_run[2])}
    for rec in recs:
        assert rec == from_file[rec["id"]]


# ------------------------------------------------------------- workers
def test_workers_2_equals_workers_1(tmp_path, cli):
    src = build_input_tree(tmp_path)
    jsonl = write_lines(tmp_path / "mixed.jsonl", mixed_input_lines() * 3)
    runs = {}
    for n in ("1", "2"):
        out = tmp_path / f"out-{n}.jsonl"
        res = cli("clean", jsonl, src, "-o", out, "--workers", n, "-q")
        assert res.rc == 0, res
        runs[n] = read_records(out)
    assert len(runs["1"]) == len(mixed_input_lines()) * 3 + len(list(src.rglob("*.txt"))) + len(
        list(src.rglob("*.html"))
    )
    assert runs["1"] == runs["2"]


# ------------------------------------------------------------- library == CLI
def fixture_files() -> list[Path]:
    return sorted([*(FIXTURES / "text").glob("*.txt"), *(FIXTURES / "html").glob("*.html")])


@pytest.fixture(scope="module")
def cli_folder_run(tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("lib")
    src = tmp / "in"
    src.mkdir()
    for p in fixture_files():
        shutil.copy(p, src / p.name)
    out = tmp / "out.jsonl"
    res = cli("clean", src, "-o", out, "--workers", "2", "-q")
    assert res.rc == 0, res
    return {r["id"]: r for r in read_records(out)}


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_library_clean_gives_the_cli_text(path: Path, cli_folder_run):
    rec = cli_folder_run[path.stem]
    fmt = "html" if path.suffix == ".html" else "text"
    doc = cleaner.clean(path.read_bytes(), format=fmt)
    assert doc.text == rec["text"]
    assert doc.status == rec["status"] and doc.language == rec["language"]
    assert doc.removed == rec["removed"]
    assert cleaner.clean(path.read_bytes()).text == rec["text"]  # format auto agrees
    assert (
        cleaner.clean(
            path.read_bytes().decode("cp1252" if "boulangerie" in path.name else "utf-8"), format=fmt
        ).text
        == rec["text"]
    )  # str in, same text


def test_pipeline_clean_record_gives_the_cli_record(jsonl_run):
    pipe = cleaner.Pipeline.from_yaml()
    by_id = {r["id"]: r for r in read_records(jsonl_run[2])}
    for n, src in enumerate(corpus_records()):
        assert pipe.clean_record(src, n).to_record() == by_id[src["id"]]
    docs = list(pipe.clean_many(corpus_records()))
    assert [d.to_record() for d in docs] == [by_id[r["id"]] for r in corpus_records()]


# ------------------------------------------------------------- explain
def test_explain_shows_removed_lines_with_rule_ids(cli):
    path = FIXTURES / "text" / "en-city-council.txt"
    res = cli("explain", path)
    assert res.rc == 0, res
    out = res.stdout.splitlines()
    doc = cleaner.clean(path.read_bytes(), format="text")
    for removed in doc.removed:
        hits = [
            ln
            for ln in out
            if ln.split()[:1] == [removed["rule"]] and ln.rstrip().endswith(removed["text"].strip())
        ]
        assert hits, f"explain does not show {removed}"
    assert any(ln.startswith("en.story-lists") and ln.endswith("Most Read") for ln in out)
    assert any(ln.startswith("common.tweet-embed") and "(@RivertonLedger)" in ln for ln in out)
    kept = [ln for ln in out if ln.startswith("keep")]
    assert len(kept) == len([t for t in doc.text.split("\n") if t.strip()])
    summary = json.loads(res.stderr.strip().splitlines()[-1])
    assert summary["status"] == "ok" and summary["language"] == "en"
    assert summary["removed"] == len(doc.removed)


def test_explain_removed_only_html_and_stdin(cli):
    res = cli("explain", FIXTURES / "text" / "en-heat-pumps.txt", "--removed-only")
    assert res.rc == 0, res
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert lines and not any(ln.startswith("keep") for ln in lines)
    assert any(ln.startswith("en.read-more") for ln in lines)
    res = cli("explain", FIXTURES / "html" / "en-ferry-service.html")
    # HTML mode drops the leading line that repeats the page title (issue 17): the article's first sentence leads
    assert (
        res.rc == 0 and "keep               The ferry between Harbor Point and Gull Island" in res.stdout
    ), res
    assert "Island ferry to run year-round" not in res.stdout, res
    res = cli("explain", "-", input=(FIXTURES / "text" / "es-mercado.txt").read_bytes())
    assert res.rc == 0, res
    assert any(ln.startswith("es.story-lists") and "Lo más leído" in ln for ln in res.stdout.splitlines())


def test_explain_missing_file(tmp_path, cli):
    res = cli("explain", tmp_path / "nope.txt")
    assert res.rc == 2 and "nope.txt" in res.stderr and "Traceback" not in res.stderr, res


# ------------------------------------------------------------- hostile ids
def paragraph(i: int) -> str:
    return (
        f"Story {i}: The harbour board met on Tuesday evening to discuss the budget for the coming year.\n\n"
        f"Members agreed after a long debate to spend {i + 10} thousand pounds on repairs to the old pier, "
        f"which was damaged in the storms of last winter, the chair said.\n"
    )


def test_hostile_ids_stay_inside_the_output_folder(tmp_path, cli):
    work = tmp_path / "work"
    work.mkdir()
    outside_abs = tmp_path / "abs" / "path"
    ids = [
        "../evil",
        "../../evil2",
        "/abs/path",
        str(outside_abs),
        "a\x00b",
        "x" * 300,
        "dup",
        "dup",
        "a/b",
        "a_b",
        "Case",
        "case",
        ".",
        "..",
        "",
        " ",
        "records",
        "sub/../../escape",
        "~/home",
        "ünïcödé",
        "emoji 🙂",
        "con",
        "nul.txt",
        "tab\there",
        "new\nline",
        "..hidden",
        "-rf",
        "é" * 200,
    ]
    lines = [json.dumps({"id": rid, "text": paragraph(i)}, ensure_ascii=False) for i, rid in enumerate(ids)]
    src = write_lines(work / "ids.jsonl", lines)
    out = work / "out"
    before = {p for p in tmp_path.rglob("*")}
    res = cli("clean", src, "-o", out, "--workers", "1", "-q", cwd=work)
    assert res.rc == 0, res

    recs = read_records(out / "records.jsonl")
    assert [r["id"] for r in recs] == ids
    assert all(r["status"] == "ok" and r["text"] for r in recs), [r for r in recs if r["status"] != "ok"]

    created = {p for p in tmp_path.rglob("*")} - before
    for p in created:
        assert p == out or out in p.parents, f"written outside the output folder: {p}"
    assert not outside_abs.exists() and not Path("/abs/path").exists()
    assert not (tmp_path / "evil.txt").exists() and not (work / "evil.txt").exists()

    txts = [p for p in out.iterdir() if p.is_file() and p.name != "records.jsonl"]
    assert all(p.suffix == ".txt" for p in txts)
    assert len(txts) == len(ids), "two ids that map to one name must not overwrite each other"
    for p in txts:
        assert len(p.name.encode("utf-8")) <= 255
        assert not p.name.startswith("."), p.name
        assert "\x00" not in p.name and "/" not in p.name and "\n" not in p.name
    contents = sorted(p.read_text(encoding="utf-8").rstrip("\n") for p in txts)
    assert contents == sorted(r["text"] for r in recs)
    assert (out / "records.jsonl").is_file()


def test_hostile_folder_names(tmp_path, cli):
    src = tmp_path / "in"
    (src / "..weird" / "deep").mkdir(parents=True)
    (src / "..weird" / "deep" / "story.txt").write_text(paragraph(1), encoding="utf-8")
    (src / "story.txt").write_text(paragraph(2), encoding="utf-8")
    out = tmp_path / "out"
    res = cli("clean", src, "-o", out, "--workers", "1", "-q")
    assert res.rc == 0, res
    txts = sorted(p for p in out.rglob("*.txt"))
    assert len(txts) == 2 and all(p.parent == out for p in txts)


# ------------------------------------------------------------- help and usage
@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["clean", "--help"],
        ["explain", "--help"],
        ["rules", "--help"],
        ["rules", "list", "--help"],
        ["rules", "test", "--help"],
        ["report", "--help"],
    ],
    ids=lambda a: " ".join(a),
)
def test_help(args, cli):
    res = cli(*args)
    assert res.rc == 0, res
    assert res.stdout.lstrip().startswith("usage:"), res
    assert res.stderr == ""


def test_version_and_console_script(cli):
    res = cli("--version")
    assert res.rc == 0 and cleaner.__version__ in res.stdout + res.stderr
    exe = shutil.which("cleaner") or (Path(sys.executable).parent / "cleaner")
    if not Path(exe).exists():
        pytest.skip("the cleaner console script is not installed")
    proc = subprocess.run([str(exe), "rules", "list"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "en.story-lists" in proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["clean", "FIX"],
        ["clean", "/no/such/input.txt", "-o", "OUT"],
        ["clean", "FIX", "-o", "OUT", "--workers", "0"],
        ["clean", "FIX", "-o", "OUT", "--format", "xml"],
        ["clean", "FIX", "-o", "OUT", "--workers", "two"],
        ["frobnicate"],
    ],
    ids=[
        "no-output",
        "missing-input",
        "zero-workers",
        "bad-format",
        "workers-not-a-number",
        "unknown-command",
    ],
)
def test_usage_errors_exit_2(args, tmp_path, cli):
    fix = str(FIXTURES / "text" / "en-heat-pumps.txt")
    args = [fix if a == "FIX" else str(tmp_path / "o.jsonl") if a == "OUT" else a for a in args]
    res = cli(*args)
    assert res.rc == 2, res
    assert "Traceback" not in res.stderr and res.stderr.strip(), res
    assert not (tmp_path / "o.jsonl").exists()


def test_output_is_an_existing_file_that_is_not_a_folder(tmp_path, cli):
    target = tmp_path / "out"
    target.write_text("precious", encoding="utf-8")
    res = cli("clean", FIXTURES / "text" / "en-heat-pumps.txt", "-o", target, "-q")
    assert res.rc == 2, res
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert target.read_text(encoding="utf-8") == "precious"


def test_no_color_codes_when_piped(cli):
    res = cli("explain", FIXTURES / "text" / "en-city-council.txt")
    assert "\x1b[" not in res.stdout


@pytest.mark.skipif(os.name != "posix", reason="permissions")
def test_unreadable_file_in_a_folder_is_an_error_record(tmp_path, cli):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(paragraph(1), encoding="utf-8")
    locked = src / "b.txt"
    locked.write_text(paragraph(2), encoding="utf-8")
    locked.chmod(0)
    out = tmp_path / "out.jsonl"
    res = cli("clean", src, "-o", out, "--workers", "1", "-q")
    locked.chmod(0o644)
    assert res.rc == 0, res
    recs = read_records(out)
    assert [r["status"] for r in recs] == ["ok", "error"]


def test_the_command_writes_all_its_output_before_it_leaves(cli, capsys, tmp_path) -> None:
    # the command leaves without tearing down the interpreter (cli.entry): what
    # it printed must all be there, and its exit code must be the one main returns
    from cleaner.cli import main

    assert main(["rules", "list"]) == 0
    want = capsys.readouterr().out
    res = cli("rules", "list", env={"PYTHONUNBUFFERED": ""})  # a buffered pipe, as usual
    assert res.rc == 0 and res.stdout == want and len(want) > 2000
    res = cli("clean", str(tmp_path / "no-such-file.txt"), "-o", str(tmp_path / "out"))
    assert res.rc == 2 and "no-such-file.txt" in res.stderr
