"""A first run: kernels compiled in groups, only those a run needs, where the
README says, with a notice; the summary's time is the run's wall time."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner import jit

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "fixtures" / "text" / "en-city-council.txt"


def _fresh_env(tmp_path: Path) -> dict[str, str]:
    """An environment with an empty cache folder where the README says it is
    ($XDG_CACHE_HOME/cleaner/numba; no $NUMBA_CACHE_DIR)."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    env["NO_COLOR"] = "1"
    return env


def _cli(args: list[str], env: dict[str, str], **kw) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner", *args], capture_output=True, text=True, env=env, timeout=600, **kw
    )
    return proc, time.monotonic() - t0


def _summary_seconds(stderr: str) -> float:
    m = re.search(r"documents: .* in ([0-9.]+)s", stderr)
    assert m, stderr
    return float(m.group(1))


@pytest.mark.slow
def test_first_run_compiles_once_with_a_notice_and_reports_its_wall_time(tmp_path):
    env = _fresh_env(tmp_path)
    first, wall = _cli(["clean", str(SMALL), "-o", str(tmp_path / "a.jsonl"), "--kernels", "compiled"], env)
    assert first.returncode == 0, first.stderr
    # the notice: one line before the work, and where the kernels are kept
    assert "compiling kernels, first run only" in first.stderr
    assert str(tmp_path / "xdg" / "cleaner" / "numba") in first.stderr
    assert re.search(r"kernels compiled in [0-9.]+s", first.stderr)
    cache = tmp_path / "xdg" / "cleaner" / "numba"
    assert any(cache.rglob("*.nbi")), "numba's cache files are where the README says"
    # the summary's time is the run's wall time, compiling included, and it says how much compiling took
    assert _summary_seconds(first.stderr) >= 0.7 * wall
    compiled = float(re.search(r"first run: ([0-9.]+)s of it compiling the kernels", first.stderr).group(1))
    assert 0 < compiled <= _summary_seconds(first.stderr)
    # the second run loads what the first compiled: no notice, much faster
    second, wall2 = _cli(["clean", str(SMALL), "-o", str(tmp_path / "b.jsonl"), "--kernels", "compiled"], env)
    assert second.returncode == 0, second.stderr
    assert "compiling" not in second.stderr and "first run" not in second.stderr
    assert wall2 < wall / 3
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


@pytest.mark.slow
def test_quiet_first_run_prints_nothing_and_rules_test_compiles_only_the_rule_kernels(tmp_path):
    env = _fresh_env(tmp_path)
    proc, _ = _cli(
        ["rules", "test", str(REPO / "rules" / "boilerplate" / "en.yaml"), "--kernels", "compiled"], env
    )
    assert proc.returncode == 0, proc.stderr
    cache = tmp_path / "xdg" / "cleaner" / "numba"
    assert sorted(p.stem for p in (cache / "locks").glob("*.lock")) == ["rules"]
    index = list(cache.rglob("*.nbi"))
    compiled = {p.name.split("-")[0] for p in index}
    assert {p.parent.name.split("_")[0] for p in index} == {"kernels"}  # (cleaner/kernels/, nothing else)
    assert "prefilter.pairs" in compiled and "prefilter.phrase_keys" in compiled
    assert not any(name.startswith(("langkernel.", "artifacts.")) for name in compiled)
    # of the text model's kernels, only the line-shape reader the rules see lines through (list
    # markers, markdown), none of the model's own (features, forests, region)
    assert "shape.shape_rows" in compiled
    assert not any(name.startswith(("forest.", "features.", "region.")) for name in compiled)
    quiet, _ = _cli(["clean", str(SMALL), "-o", str(tmp_path / "q.jsonl"), "-q"], env)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_building_a_pipeline_compiles_nothing(tmp_path):
    """Constructors have no side effects: the models load and the kernels compile
    (or load) when a pipeline is warmed or cleans its first document, not when it
    is built."""
    code = (
        "import cleaner\n"
        "from numba.core import event\n"
        "seen = []\n"
        "class L(event.Listener):\n"
        "    def on_start(self, ev): seen.append(ev.data['dispatcher'].py_func.__name__)\n"
        "    def on_end(self, ev): pass\n"
        "event.register('numba:compile', L())\n"
        "p = cleaner.Pipeline.from_yaml()\n"
        "models = lambda: [p.stage('boilerplate').classifier, p.stage('extract')._model, p.stage('artifacts').detector]\n"
        "assert models() == [None, None, None], 'a constructor loaded a model'\n"
        "print(len(seen), sorted(g.name for st in p.stages for g in st.kernel_groups()))\n"
    )
    env = _fresh_env(tmp_path)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    count, groups = proc.stdout.split(" ", 1)
    assert count == "0"
    assert "textmodel" in groups and "language" in groups and "rules" in groups
    assert not list((tmp_path / "xdg").rglob("*.nbi"))


def test_warming_loads_the_models_and_imports_trafilatura_only_for_html() -> None:
    """What a constructor no longer does, Pipeline.warm() does: the stages' models
    load; trafilatura's options are made only when HTML may come."""
    from cleaner.pipeline import Pipeline

    pipe = Pipeline.from_yaml()
    extract, boilerplate, artifacts = (
        pipe.stage("extract"),
        pipe.stage("boilerplate"),
        pipe.stage("artifacts"),
    )
    assert (boilerplate.classifier, extract._model, artifacts.detector, extract._extractor) == (None,) * 4
    pipe.warm(html=False)
    assert None not in (boilerplate.classifier, extract._model, artifacts.detector)
    assert extract._extractor is None
    pipe.warm()
    assert extract._extractor is not None


def test_a_pipeline_warms_only_the_groups_of_its_stages(tmp_path):
    from cleaner.pipeline import Pipeline

    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "extends: default\nstages:\n  - decode: {}\n  - boilerplate: {classifier: false}\n"
        "  - normalize: {}\n",
        encoding="utf-8",
    )
    pipe = Pipeline.from_yaml(cfg)
    assert [g.name for st in pipe.stages for g in st.kernel_groups()] == ["rules"]


def test_after_warming_no_document_compiles_anything(default_pipeline, fixtures_dir):
    """Every kernel a document reaches is compiled (or loaded) by the pipeline's
    groups before the first document: none compiles inside a document's time
    limit, and a run's workers fork with all of them."""
    from numba.core import event

    default_pipeline.warm()
    seen: list[str] = []

    class Listener(event.Listener):
        def on_start(self, ev):  # type: ignore[no-untyped-def]
            seen.append(f"{ev.data['dispatcher'].py_func.__qualname__}{ev.data['args']}")

        def on_end(self, ev):  # type: ignore[no-untyped-def]
            pass

    listener = Listener()
    event.register("numba:compile", listener)
    try:
        docs = [p.read_bytes() for p in sorted(fixtures_dir.glob("*/*.txt"))]
        docs += [p.read_bytes() for p in sorted((fixtures_dir / "html").glob("*.html"))]
        docs += [
            "Курс валют. Центральный банк повысил ключевую ставку до 16 процентов годовых.\n" * 5,
            "日本銀行は金融政策決定会合で、大規模な金融緩和策の修正を決めた。" * 5,
            "",
            "x",
        ]
        for raw in docs:
            default_pipeline.clean(raw)
    finally:
        event.unregister("numba:compile", listener)
    assert seen == [], "\n".join(seen)


def test_summary_time_counts_from_the_command_start(tmp_path):
    from cleaner.io.items import ReadOptions
    from cleaner.runner import JobOptions, run_job

    src = tmp_path / "a.txt"
    src.write_text("Hello world, this is a short text.\n", encoding="utf-8")
    started = time.monotonic() - 5.0
    summary = run_job(
        JobOptions(inputs=[str(src)], output=str(tmp_path / "o.jsonl"), read=ReadOptions(), started=started)
    )
    assert summary.seconds >= 5.0


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_notice_on_a_terminal_is_one_redrawn_line_with_progress(monkeypatch):
    stream = _Tty()
    monkeypatch.setattr(jit, "_notices", stream)
    notice = jit._Notice(left=3, done=1)
    notice.group()
    notice.close(3.2, True)
    out = stream.getvalue()
    assert "compiling kernels once" in out and "1/4 groups" in out and "4/4 groups" in out
    assert out.count("\n") == 1  # redrawn with \r, one line left when done


def test_notice_off_a_terminal_is_plain_lines(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(jit, "_notices", stream)
    notice = jit._Notice(left=3, done=0)
    notice.group()
    notice.close(2.5, True)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("cleaner: compiling kernels, first run only (kept in ")
    assert lines[1] == "cleaner: kernels compiled in 2.5s"
    assert "\r" not in stream.getvalue()


def test_compile_jobs_setting(monkeypatch):
    monkeypatch.setenv(jit.JOBS_ENV, "1")
    assert jit._jobs() == 1
    monkeypatch.setenv(jit.JOBS_ENV, "3")
    assert jit._jobs() == 3
    monkeypatch.setenv(jit.JOBS_ENV, "lots")
    assert jit._jobs() == 1
    monkeypatch.delenv(jit.JOBS_ENV)
    assert 1 <= jit._jobs() <= jit.MAX_JOBS


def test_cache_folder_follows_the_readme(tmp_path, monkeypatch):
    code = "from cleaner import jit; print(jit.cache_folder())"
    env = _fresh_env(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == str(tmp_path / "xdg" / "cleaner" / "numba")
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == str(tmp_path / "mine")


_IMPORT_ALL = """
import os, pkgutil, importlib, json, sys
before = dict(os.environ)
import cleaner
names = sorted(m.name for m in pkgutil.walk_packages(cleaner.__path__, "cleaner.") if m.name != "cleaner.__main__")
for name in names:
    importlib.import_module(name)
import numba
print(json.dumps({"names": names, "changed": sorted(k for k in set(before) | set(os.environ)
                                                    if before.get(k) != os.environ.get(k)),
                  "numba_cache_dir": numba.config.CACHE_DIR}))
"""


def test_importing_cleaner_changes_no_environment_and_creates_no_folder(tmp_path):
    """Importing every module of cleaner (the kernels included) sets no
    environment variable (NUMBA_CACHE_DIR was one), no numba setting, and
    creates no folder: the cache folder is chosen when a kernel compiles."""
    import json

    env = _fresh_env(tmp_path)
    env["HOME"] = str(tmp_path / "home")
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path / "tmp",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {
        "cleaner.kernels.chars",
        "cleaner.kernels.lines",
        "cleaner.kernels.prefilter",
        "cleaner.kernels.shape",
        "cleaner.kernels.features",
        "cleaner.kernels.forest",
        "cleaner.kernels.region",
        "cleaner.langkernel",
        "cleaner.artifacts",
        "cleaner.jit",
    } <= set(out["names"])
    assert out["changed"] == []
    assert out["numba_cache_dir"] == ""  # numba's own setting, as numba read it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]  # no xdg/, no home/
    assert list((tmp_path / "tmp").iterdir()) == []


_OWN_NUMBA = """
import sys
sys.path.insert(0, sys.argv[1])
from cleaner.kernels import chars
import mine
print(int(chars.hash_table(chars.np.arange(1, 4, dtype=chars.np.uint64)).sum()), mine.plus_one(1))
"""


def test_the_cache_folder_is_cleaners_own_not_the_programs(tmp_path):
    """A kernel compiled in a process keeps its code in cleaner's cache folder,
    and a program's own numba function (cache=True) keeps numba's default, next
    to its module: cleaner does not move the program's cache."""
    (tmp_path / "prog").mkdir()
    (tmp_path / "prog" / "mine.py").write_text(
        "import numba\n\n@numba.njit(cache=True)\ndef plus_one(x):\n    return x + 1\n", encoding="utf-8"
    )
    env = _fresh_env(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", _OWN_NUMBA, str(tmp_path / "prog")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["6", "2"]
    ours = [p.name for p in (tmp_path / "xdg" / "cleaner" / "numba").rglob("*.nbi")]
    assert any(name.startswith("chars._hash_table-") for name in ours)
    assert not any(name.startswith("mine.") for name in ours)
    assert [p.name.split("-")[0] for p in (tmp_path / "prog" / "__pycache__").glob("*.nbi")] == [
        "mine.plus_one"
    ]


def test_a_cache_folder_that_cannot_be_written_only_means_compiling_each_time(tmp_path):
    """$NUMBA_CACHE_DIR naming a file: the kernels compile in the process (no
    cache), and give the same answer."""
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    env = _fresh_env(tmp_path)
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "not-a-folder")
    code = (
        "import numpy as np\n"
        "from cleaner.kernels import chars\n"
        "words = np.frombuffer(b'a\\nb\\n', dtype=np.uint8)\n"
        "print(int(chars.hash_table(np.arange(1, 4, dtype=np.uint64)).sum()),"
        " chars.find_word(words, np.array([0, 2, 4]), b'b'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["6", "1"]
    assert (tmp_path / "not-a-folder").read_text(encoding="utf-8") == "x"


def test_a_change_to_any_module_of_a_kernels_package_renews_the_cache_of_all(tmp_path, monkeypatch):
    """A kernel inlines the helpers and constants of the modules it imports, so
    the cache stamp of a kernel in a subpackage of cleaner (cleaner/kernels/,
    cleaner/artifacts/) covers every module of it (numba's own covers the
    kernel's file only); a kernel in a module of cleaner itself is stamped by its
    own file."""
    import shutil

    import cleaner.kernels.cache as K
    from cleaner.kernels import prefilter

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "cleaner"
    shutil.copytree(Path(K.__file__).parent, root / "kernels", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(K, "_CLEANER", root)
    top = root / "langkernel.py"
    top.write_text("x = 1\n", encoding="utf-8")
    (root / "cli.py").write_text("y = 1\n", encoding="utf-8")

    def stamps():
        return (
            K._Locator(prefilter.pairs.py_func, str(root / "kernels" / "prefilter.py")).get_source_stamp(),
            K._Locator(prefilter.pairs.py_func, str(top)).get_source_stamp(),
        )

    first = stamps()
    assert stamps() == first
    with (root / "kernels" / "chars.py").open("a", encoding="utf-8") as fh:
        fh.write("# a changed helper\n")
    second = stamps()
    assert second[0] != first[0] and second[1] == first[1]
    (root / "cli.py").write_text("y = 2\n", encoding="utf-8")  # another module of cleaner: no kernel's
    assert stamps() == second
    top.write_text("x = 2\n", encoding="utf-8")
    assert stamps()[1] != second[1]


def test_helper_reports_each_group(tmp_path):
    """A compile helper (``NAME=module:function`` ...): what its parent reads."""
    env = _fresh_env(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            jit._HELPER,
            "bad=cleaner.no_such_module:warm",
            "ok=cleaner.errors:CleanerError",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    lines = proc.stdout.splitlines()
    # a group that fails is reported (the parent then compiles it itself), and the next one still runs
    assert lines[0].startswith("failed bad ModuleNotFoundError")
    assert lines[1].startswith("done ok ")
    assert proc.returncode == 0
    assert sorted(p.name for p in (tmp_path / "xdg" / "cleaner" / "numba" / "locks").iterdir()) == [
        "bad.lock",
        "ok.lock",
    ]


@pytest.mark.slow
def test_a_batch_run_compiles_before_its_workers_fork_outside_their_time_limits(tmp_path):
    """A library batch run on a first run (nothing compiled yet, the pipeline
    not warmed by its caller): the kernels compile in the calling process
    before the workers fork, not in a worker under the watchdog's document
    time limit (3 s here; compiling takes longer), which would fail the document."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "extends: default\nlimits:\n  stage_timeout_seconds: 2\n  document_timeout_seconds: 3\n",
        encoding="utf-8",
    )
    code = (
        "import sys\n"
        "from cleaner.io.items import InputItem\n"
        "from cleaner.runner import run\n"
        f"items = [InputItem(f'd{{i}}', open({str(SMALL)!r}, 'rb').read(), 'text') for i in range(3)]\n"
        f"recs = [r for _, r in run(items, {str(cfg)!r}, workers=1, isolate=True)]\n"
        "print([(r['id'], r['status'], r.get('error')) for r in recs])\n"
    )
    env = _fresh_env(tmp_path)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str([(f"d{i}", "ok", None) for i in range(3)]), proc.stdout
    assert any((tmp_path / "xdg" / "cleaner" / "numba").rglob("*.nbi"))


@pytest.mark.slow
def test_a_stopped_compile_helper_is_killed_and_its_kernels_compile_here(tmp_path):
    """A compile helper that stops (SIGSTOP, as one stuck in a C call) must not
    hang the run that waits for its groups: after HELPER_STALL_SECONDS of
    silence it is killed (its lock on the group goes with it) and the group
    compiles in the process that waits."""
    from treerss import _children

    env = _fresh_env(tmp_path)
    env[jit.JOBS_ENV] = "2"
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        "from cleaner import jit, kernels\n"
        "jit.HELPER_STALL_SECONDS = 3.0\n"
        "kernels.use('compiled')\n"
        "import cleaner\n"
        "pipe = cleaner.Pipeline.from_yaml(None)\n"
        "pipe.warm(html=False)\n"
        "doc = pipe.clean('The council voted on Tuesday to close the river road for repairs, officials said.')\n"
        "print('cleaned', doc.status)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    helper = None
    deadline = time.monotonic() + 120
    while helper is None and time.monotonic() < deadline and proc.poll() is None:
        for pid in _children(proc.pid):
            with contextlib.suppress(OSError):
                if b"_helper" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    helper = pid
        time.sleep(0.02)
    assert helper is not None, "no compile helper started"
    os.kill(helper, signal.SIGSTOP)
    try:
        out, err = proc.communicate(timeout=400)
    finally:
        if proc.poll() is None:
            proc.kill()
            with contextlib.suppress(OSError):
                os.kill(helper, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert out.strip() == "cleaned ok", (out, err)
    assert f"compile helper {helper} said nothing for" in err
    assert not Path(f"/proc/{helper}").exists() or b"zombie" in Path(f"/proc/{helper}/status").read_bytes()
