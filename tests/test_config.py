"""Configuration: every error path names the file, the line and the key (from Python
and through the CLI, exit 2, one line, no traceback); `extends`, `rule_packs` and
`settings` really change what the pipeline does."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import cleaner
from cleaner.config import load_config
from cleaner.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

# a rule that passes its own examples, for packs that need one good rule
GOOD_RULE = """\
- id: mysite.ok
  kind: line
  why: the site's sponsor line
  match: ["Brought to you by Acme Hardware"]
  examples:
    drop: ["Brought to you by Acme Hardware"]
    keep: ["Acme Hardware said its profits rose."]
"""


@dataclass
class Case:
    """A broken config: files to write, the config to load, where the error is."""

    files: dict[str, str]
    line: int | tuple[int, ...]  # the line(s) the message may name
    keys: tuple[str, ...]  # every one of these must appear in the message
    file: str = ""  # the file the message must name (default: the config)
    config: str = "config.yaml"
    extra: tuple[str, ...] = field(default_factory=tuple)  # more words the message must hold

    @property
    def bad_file(self) -> str:
        return self.file or self.config


CASES: dict[str, Case] = {
    # --- the config file itself
    "unknown-stage": Case(
        {"config.yaml": "stages:\n  - decode: {}\n  - sparkle: {}\n  - normalize: {}\n"},
        3,
        ("stages",),
        extra=("sparkle",),
    ),
    "unknown-stage-in-extending-config": Case(
        {"config.yaml": "extends: default\nstages:\n  - decode\n  - shine\n"},
        4,
        ("stages",),
        extra=("shine",),
    ),
    "unknown-top-level-key": Case(
        {"config.yaml": "extends: default\nsetings:\n  filters: {min_chars: 3}\n"},
        2,
        ("setings",),
    ),
    "unknown-setting": Case(
        {"config.yaml": "extends: default\nsettings:\n  filters:\n    min_char: 10\n"},
        4,
        ("min_char",),
    ),
    "unknown-setting-in-stage-list": Case(
        {"config.yaml": "stages:\n  - decode:\n      fallback: latin-1\n  - normalize\n"},
        3,
        ("fallback",),
    ),
    "wrong-type-string-for-int": Case(
        {"config.yaml": "extends: default\nsettings:\n  filters:\n    min_chars: lots\n"},
        4,
        ("min_chars",),
    ),
    "wrong-type-bool-for-int": Case(
        {"config.yaml": "extends: default\nsettings:\n  filters:\n    min_chars: true\n"},
        4,
        ("min_chars",),
    ),
    "wrong-type-string-for-list": Case(
        {"config.yaml": "extends: default\nsettings:\n  filters:\n    languages: en\n"},
        4,
        ("languages",),
    ),
    "wrong-type-int-for-string": Case(
        {"config.yaml": "stages:\n  - decode:\n      fallback_encoding: 1252\n"},
        3,
        ("fallback_encoding",),
    ),
    "value-not-a-choice": Case(
        {"config.yaml": "extends: default\nsettings:\n  extract:\n    favor: fast\n"},
        4,
        ("favor",),
    ),
    "stage-settings-not-a-mapping": Case(
        {"config.yaml": "stages:\n  - decode: [1, 2]\n"},
        2,
        ("decode",),
    ),
    "stage-entry-malformed": Case(
        {"config.yaml": "stages:\n  - decode: {}\n    normalize: {}\n"},
        2,
        ("stages",),
    ),
    "stage-listed-twice": Case(
        {"config.yaml": "stages:\n  - decode\n  - normalize\n  - decode\n"},
        4,
        ("stages",),
        extra=("decode",),
    ),
    "stages-not-a-list": Case({"config.yaml": "stages: decode\n"}, 1, ("stages",)),
    "no-stages-without-extends": Case({"config.yaml": "name: mine\n"}, 1, ("stages",)),
    "settings-not-a-mapping": Case(
        {"config.yaml": "extends: default\nsettings:\n  - filters\n"},
        (2, 3),
        ("settings",),
    ),
    "settings-for-a-stage-not-in-the-pipeline": Case(
        {"config.yaml": "extends: default\nsettings:\n  sparkle: {level: 3}\n"},
        3,
        ("sparkle",),
    ),
    "duplicate-key": Case(
        {"config.yaml": "extends: default\nsettings:\n  filters: {}\nsettings:\n  normalize: {}\n"},
        4,
        ("settings",),
    ),
    "bad-yaml-unclosed-list": Case(
        {
            "config.yaml": "extends: default\nsettings:\n  filters:\n    languages: [en, de\n    min_chars: 10\n"
        },
        (4, 5),
        ("languages",),
    ),
    "bad-yaml-tab-indent": Case(
        {"config.yaml": "extends: default\nsettings:\n\tfilters: {min_chars: 10}\n"},
        3,
        ("filters",),
    ),
    "extends-missing-file": Case({"config.yaml": "extends: ./nothere.yaml\n"}, 1, ("extends",)),
    "extends-not-a-string": Case({"config.yaml": "extends: [default]\n"}, 1, ("extends",)),
    "extends-cycle": Case(
        {"config.yaml": "extends: other.yaml\n", "other.yaml": "extends: config.yaml\n"},
        1,
        ("extends",),
        file="",
    ),
    "rule-packs-not-a-list": Case(
        {"config.yaml": "extends: default\nrule_packs: mine.yaml\n"}, 2, ("rule_packs",)
    ),
    "missing-rule-pack": Case(
        {
            "config.yaml": "extends: default\nrule_packs:\n  - ./mine.yaml\n  - ./nope.yaml\n",
            "mine.yaml": GOOD_RULE,
        },
        4,
        ("rule_packs",),
        extra=("nope.yaml",),
    ),
    # --- a rule pack the config loads: the message names the pack
    "rule-without-examples": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": GOOD_RULE
            + '- id: mysite.bad\n  kind: line\n  why: a banner\n  match: ["Sponsored"]\n',
        },
        (8, 9, 10, 11),
        ("examples",),
        file="pack.yaml",
        extra=("mysite.bad",),
    ),
    "rule-with-empty-drop-examples": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": '- id: mysite.bad\n  kind: line\n  why: x\n  match: ["Sponsored"]\n'
            '  examples:\n    drop: []\n    keep: ["Sponsored by nobody, she said."]\n',
        },
        (5, 6),
        ("examples",),
        file="pack.yaml",
    ),
    "catastrophic-regex-nested": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": "- id: mysite.evil\n  kind: pattern\n  why: x\n  pattern: '(a+)+$'\n"
            '  examples:\n    drop: ["aaa"]\n',
        },
        4,
        ("pattern",),
        file="pack.yaml",
    ),
    "catastrophic-regex-alternation": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": "- id: mysite.evil\n  kind: pattern\n  why: x\n  pattern: '(a|aa)+$'\n"
            '  examples:\n    drop: ["aaa"]\n',
        },
        4,
        ("pattern",),
        file="pack.yaml",
    ),
    "invalid-regex": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": "- id: mysite.bad\n  kind: pattern\n  why: x\n  pattern: '(unclosed'\n"
            '  examples:\n    drop: ["x"]\n',
        },
        4,
        ("pattern",),
        file="pack.yaml",
    ),
    "rule-unknown-key": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": "- id: mysite.bad\n  kind: line\n  why: x\n  match: [a]\n  colour: red\n"
            "  examples:\n    drop: [a]\n",
        },
        5,
        ("colour",),
        file="pack.yaml",
    ),
    "rule-unknown-kind": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": "- id: mysite.bad\n  kind: paragraph\n  why: x\n  match: [a]\n  examples:\n    drop: [a]\n",
        },
        2,
        ("kind",),
        file="pack.yaml",
    ),
    "rule-duplicate-of-shipped-id": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": GOOD_RULE.replace("mysite.ok", "en.read-more"),
        },
        1,
        ("id",),
        file="pack.yaml",
        extra=("en.read-more",),
    ),
    # --- the run's limits
    "limits-unknown-key": Case(
        {"config.yaml": "extends: default\nlimits:\n  max_doc_bytes: 5\n"},
        3,
        ("limits.max_doc_bytes",),
        extra=("max_document_bytes",),
    ),
    "limits-wrong-type": Case(
        {"config.yaml": "extends: default\nlimits:\n  max_document_bytes: lots\n"},
        3,
        ("limits.max_document_bytes",),
    ),
    "limits-float-for-a-byte-count": Case(
        {"config.yaml": "extends: default\nlimits:\n  max_document_bytes: 1.5e6\n"},
        3,
        ("limits.max_document_bytes",),
    ),
    "limits-negative": Case(
        {"config.yaml": "extends: default\nlimits:\n  worker_memory_bytes: -1\n"},
        3,
        ("limits.worker_memory_bytes",),
        extra=("0 or more",),
    ),
    "limits-not-a-number": Case(
        {"config.yaml": "extends: default\nlimits:\n  stage_timeout_seconds: .nan\n"},
        3,
        ("limits.stage_timeout_seconds",),
    ),
    "limits-not-a-mapping": Case({"config.yaml": "extends: default\nlimits: 5\n"}, 2, ("limits",)),
    "rule-pack-bad-yaml": Case(
        {
            "config.yaml": "extends: default\nrule_packs: [pack.yaml]\n",
            "pack.yaml": '- id: mysite.bad\n  kind: line\n  why: x\n  match: ["a", "b"\n  examples:\n    drop: [a]\n',
        },
        (4, 5),
        ("match",),
        file="pack.yaml",
    ),
}


def write_case(case: Case, where: Path) -> Path:
    for name, text in case.files.items():
        (where / name).write_text(text, encoding="utf-8")
    return where / case.config


def assert_names_everything(msg: str, case: Case, where: Path) -> None:
    lines = case.line if isinstance(case.line, tuple) else (case.line,)
    if case.bad_file:
        bad = where / case.bad_file
        assert str(bad) in msg or str(bad.resolve()) in msg, f"message does not name the file {bad}: {msg!r}"
    else:  # a cycle: either file of the cycle will do
        assert any(str(where / n) in msg or str((where / n).resolve()) in msg for n in case.files), msg
    assert any(re.search(rf"(?::|\bline\s+){n}\b", msg) for n in lines), (
        f"message does not name line {' or '.join(map(str, lines))}: {msg!r}"
    )
    for key in case.keys + case.extra:
        assert key in msg, f"message does not name {key!r}: {msg!r}"


@pytest.mark.parametrize("name", list(CASES))
def test_config_error_from_python(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    path = write_case(case, tmp_path)
    with pytest.raises(ConfigError) as info:
        cleaner.Pipeline.from_yaml(path)
    err = info.value
    assert_names_everything(str(err), case, tmp_path)
    # the structured fields agree with the message
    assert err.file, f"ConfigError.file is empty for {name}"
    assert err.line is not None, f"ConfigError.line is empty for {name}: {err}"
    assert err.key, f"ConfigError.key is empty for {name}: {err}"


@pytest.mark.parametrize("name", list(CASES))
def test_config_error_through_cli(name: str, tmp_path: Path, cli) -> None:
    case = CASES[name]
    path = write_case(case, tmp_path)
    doc = tmp_path / "doc.txt"
    doc.write_text("A line of text that would be cleaned if the config were valid.\n", encoding="utf-8")
    res = cli("clean", doc, "-o", tmp_path / "out.jsonl", "--config", path, "--workers", "1")
    assert res.rc == 2, res
    assert "Traceback" not in res.stderr, res
    msg_lines = res.stderr.strip().splitlines()
    assert len(msg_lines) == 1, f"expected a one-line message:\n{res}"
    assert_names_everything(msg_lines[0], case, tmp_path)
    assert not (tmp_path / "out.jsonl").exists(), "nothing is written when the config is bad"


@pytest.mark.parametrize("command", [("rules", "list"), ("rules", "test"), ("explain", "DOC")])
def test_other_commands_report_config_errors_the_same_way(command, tmp_path: Path, cli) -> None:
    case = CASES["wrong-type-string-for-int"]
    path = write_case(case, tmp_path)
    doc = tmp_path / "doc.txt"
    doc.write_text("Some text.\n", encoding="utf-8")
    args = [str(doc) if a == "DOC" else a for a in command]
    res = cli(*args, "--config", path)
    assert res.rc == 2, res
    assert "Traceback" not in res.stderr, res
    assert len(res.stderr.strip().splitlines()) == 1, res
    assert_names_everything(res.stderr, case, tmp_path)


def test_missing_config_file_is_a_usage_error(tmp_path: Path, cli) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("Some text.\n", encoding="utf-8")
    res = cli("clean", doc, "-o", tmp_path / "out.jsonl", "--config", tmp_path / "absent.yaml")
    assert res.rc == 2, res
    assert "absent.yaml" in res.stderr and "Traceback" not in res.stderr, res
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "absent.yaml")
    assert "absent.yaml" in str(info.value)


# ---------------------------------------------------------------- behaviour
TAGLINE = (
    "The Harlow Post is published by the Harlow Post Media Group, an independent company founded in 1921."
)


def doc_with_tagline() -> str:
    text = (FIXTURES / "text" / "en-port-strike.txt").read_text(encoding="utf-8")
    anchor = "The strike comes at a difficult moment"
    assert anchor in text
    return text.replace(anchor, TAGLINE + "\n\n" + anchor, 1)


def write_user_pack(where: Path) -> Path:
    pack = where / "my-site.yaml"
    pack.write_text(
        "- id: mysite.publisher-tagline\n"
        "  kind: line\n"
        "  lang: en\n"
        "  why: the publisher's tagline that the site prints in every article\n"
        f'  match: ["{TAGLINE}"]\n'
        "  examples:\n"
        f'    drop: ["{TAGLINE}"]\n'
        '    keep: ["The Harlow Post reported the strike first."]\n',
        encoding="utf-8",
    )
    return pack


def test_default_config_loads_and_lists_its_stages() -> None:
    cfg = load_config()
    names = [s.name for s in cfg.stages]
    for stage in ("decode", "extract", "encoding", "language", "boilerplate", "normalize", "filters"):
        assert stage in names
    assert (
        names.index("decode") < names.index("extract") < names.index("encoding") < names.index("boilerplate")
    )
    assert names.index("boilerplate") < names.index("normalize") < names.index("filters")
    assert cfg.rule_packs and all(Path(p).is_file() for p in cfg.rule_packs)


def test_extends_default_alone_is_the_default(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("extends: default\n", encoding="utf-8")
    mine, default = load_config(tmp_path / "c.yaml"), load_config()
    assert [(s.name, s.options) for s in mine.stages] == [(s.name, s.options) for s in default.stages]
    assert [Path(p).resolve() for p in mine.rule_packs] == [Path(p).resolve() for p in default.rule_packs]


def test_user_rule_pack_removes_a_line_the_default_keeps(tmp_path: Path, default_pipeline) -> None:
    raw = doc_with_tagline()
    before = default_pipeline.clean(raw, format="text")
    assert TAGLINE in before.text.split("\n"), "the default config should keep the tagline (nothing to prove)"

    write_user_pack(tmp_path)
    cfg = tmp_path / "mine.yaml"
    cfg.write_text(
        "extends: default\nrule_packs: [my-site.yaml]\n", encoding="utf-8"
    )  # relative to the config
    after = cleaner.Pipeline.from_yaml(cfg).clean(raw, format="text")
    assert TAGLINE not in after.text
    assert {"text": TAGLINE, "rule": "mysite.publisher-tagline"}.items() <= next(
        r for r in after.removed if r["text"] == TAGLINE
    ).items()
    # the rest is cleaned as before: the default packs are still loaded
    nonblank = lambda text: [ln for ln in text.split("\n") if ln.strip()]  # noqa: E731
    assert nonblank(after.text) == [ln for ln in nonblank(before.text) if ln != TAGLINE]
    assert any(r["rule"] == "en.credit-lines" for r in after.removed)


def test_user_rule_pack_through_cli(tmp_path: Path, cli) -> None:
    write_user_pack(tmp_path)
    cfg = tmp_path / "mine.yaml"
    cfg.write_text("extends: default\nrule_packs: [my-site.yaml]\n", encoding="utf-8")
    src = tmp_path / "strike.txt"
    src.write_text(doc_with_tagline(), encoding="utf-8")
    res = cli("clean", src, "-o", tmp_path / "out.jsonl", "--config", cfg, "--workers", "1", "-q")
    assert res.rc == 0, res
    (rec,) = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert TAGLINE not in rec["text"]
    assert any(r["rule"] == "mysite.publisher-tagline" and r["text"] == TAGLINE for r in rec["removed"])
    listed = cli("rules", "list", "--config", cfg)
    assert listed.rc == 0 and "mysite.publisher-tagline" in listed.stdout, listed


def test_settings_language_allow_list_drops_english_with_reason(tmp_path: Path) -> None:
    cfg = tmp_path / "de-only.yaml"
    cfg.write_text("extends: default\nsettings:\n  filters: {languages: [de]}\n", encoding="utf-8")
    pipe = cleaner.Pipeline.from_yaml(cfg)
    en = pipe.clean((FIXTURES / "text" / "en-heat-pumps.txt").read_bytes(), format="text")
    de = pipe.clean((FIXTURES / "text" / "de-stadtwerke.txt").read_bytes(), format="text")
    assert en.status == "dropped" and en.reason == "language:en"
    assert en.to_record()["reason"] == "language:en"
    assert de.status == "ok" and de.language == "de"


def test_settings_through_cli_drop_with_reason(tmp_path: Path, cli) -> None:
    cfg = tmp_path / "de-only.yaml"
    cfg.write_text("extends: default\nsettings:\n  filters:\n    languages: [de]\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = cli("clean", FIXTURES / "text", "-o", out, "--config", cfg, "--workers", "1", "-q")
    assert res.rc == 0, res
    recs = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert recs["de-stadtwerke"]["status"] == "ok"
    for rid, rec in recs.items():
        if rid.startswith(("en-", "es-", "fr-")):
            assert rec["status"] == "dropped", rec
            assert rec["reason"] == f"language:{rid[:2]}"


def test_settings_merge_into_the_inherited_options(tmp_path: Path) -> None:
    default = load_config()
    cfg = tmp_path / "c.yaml"
    cfg.write_text("extends: default\nsettings:\n  filters: {min_chars: 5000}\n", encoding="utf-8")
    mine = load_config(cfg)
    assert mine.stage_options("filters") == {**default.stage_options("filters"), "min_chars": 5000}
    assert mine.stage_options("extract") == default.stage_options("extract")
    doc = cleaner.Pipeline(mine).clean((FIXTURES / "text" / "en-heat-pumps.txt").read_bytes(), format="text")
    assert doc.status == "dropped" and doc.reason == "too-short"


def test_extends_chain_applies_every_level(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "extends: default\nsettings:\n  filters: {languages: [en, fr]}\n", encoding="utf-8"
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    write_user_pack(sub)
    (sub / "child.yaml").write_text(
        "extends: ../base.yaml\nrule_packs: [my-site.yaml]\nsettings:\n  filters: {min_chars: 100}\n",
        encoding="utf-8",
    )
    cfg = load_config(sub / "child.yaml")
    assert cfg.stage_options("filters")["languages"] == ["en", "fr"]
    assert cfg.stage_options("filters")["min_chars"] == 100
    assert any(Path(p).name == "my-site.yaml" for p in cfg.rule_packs)
    pipe = cleaner.Pipeline(cfg)
    assert pipe.clean(doc_with_tagline(), format="text").status == "ok"
    es = pipe.clean((FIXTURES / "text" / "es-mercado.txt").read_bytes(), format="text")
    assert es.status == "dropped" and es.reason == "language:es"


def test_settings_turn_the_classifier_off(tmp_path: Path, default_pipeline) -> None:
    raw = (FIXTURES / "text" / "en-river-flood.txt").read_bytes()
    by_default = {r["rule"] for r in default_pipeline.clean(raw, format="text").removed}
    cfg = tmp_path / "rules-only.yaml"
    cfg.write_text("extends: default\nsettings:\n  boilerplate: {classifier: false}\n", encoding="utf-8")
    rules_only = cleaner.Pipeline.from_yaml(cfg).clean(raw, format="text")
    rules = {r["rule"] for r in rules_only.removed}
    assert not any(r.startswith("classifier.") for r in rules)
    assert "common.tweet-embed" in rules and "en.read-more" in rules
    assert rules <= by_default | {"normalize.blank"}


def test_own_stage_list_replaces_the_default(tmp_path: Path) -> None:
    cfg = tmp_path / "bare.yaml"
    cfg.write_text("stages:\n  - decode\n  - normalize: {max_blank_lines: 0}\n", encoding="utf-8")
    pipe = cleaner.Pipeline.from_yaml(cfg)
    assert [s.name for s in pipe.stages] == ["decode", "normalize"]
    doc = pipe.clean("Most Read\n\n\nA sentence.\n", format="text")
    assert doc.text == "Most Read\nA sentence."
    assert doc.language is None


def test_pipeline_from_yaml_clean_and_clean_many(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("extends: default\nsettings:\n  filters: {min_chars: 200}\n", encoding="utf-8")
    pipe = cleaner.Pipeline.from_yaml(cfg)
    raw = (FIXTURES / "text" / "en-heat-pumps.txt").read_text(encoding="utf-8")
    docs = list(
        pipe.clean_many(
            [raw, {"id": "r1", "text": raw, "url": "https://x.example/"}, {"id": "r2", "text": "Too short."}]
        )
    )
    assert [d.status for d in docs] == ["ok", "ok", "dropped"]
    assert docs[0].text == docs[1].text == pipe.clean(raw).text
    assert docs[1].id == "r1" and docs[1].to_record()["url"] == "https://x.example/"
    assert docs[2].reason == "too-short"


def test_limits_come_from_the_config_and_merge_over_extends(tmp_path: Path) -> None:
    from cleaner.limits import Limits

    default = load_config().limits
    assert default == Limits()  # the shipped file states the defaults
    (tmp_path / "a.yaml").write_text(
        "extends: default\nlimits:\n  max_document_bytes: 1000\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        "extends: a.yaml\nlimits:\n  stage_timeout_seconds: 5\n", encoding="utf-8"
    )
    got = load_config(tmp_path / "b.yaml").limits
    assert (got.max_document_bytes, got.stage_timeout_seconds) == (1000, 5.0)
    assert got.worker_memory_bytes == default.worker_memory_bytes
    pipe = cleaner.Pipeline.from_yaml(tmp_path / "b.yaml")
    # every stage has a time limit: its own timeout_seconds, else the run's
    seconds = dict(zip([st.name for st in pipe.stages], pipe.stage_seconds, strict=True))
    assert seconds["extract"] == 30 and seconds["boilerplate"] == 10
    assert seconds["artifacts"] == seconds["language"] == seconds["normalize"] == 5.0


def test_a_thousand_configs_extending_each_other_are_one_line_exit_2(tmp_path: Path, cli) -> None:
    for i in range(1000):
        parent = f"c{i + 1}.yaml" if i < 999 else "default"
        (tmp_path / f"c{i}.yaml").write_text(f"extends: {parent}\n", encoding="utf-8")
    doc = tmp_path / "doc.txt"
    doc.write_text("Some text.\n", encoding="utf-8")
    res = cli("clean", doc, "-o", tmp_path / "out.jsonl", "--config", tmp_path / "c0.yaml", "--workers", "1")
    assert res.rc == 2 and "Traceback" not in res.stderr, res
    assert len(res.stderr.strip().splitlines()) == 1, res
    assert "extends" in res.stderr and "longer than 32" in res.stderr, res
    assert not (tmp_path / "out.jsonl").exists()


def test_a_merge_key_may_be_overridden_but_a_key_not_repeated(tmp_path: Path) -> None:
    from cleaner.yamlio import load_yaml

    merged = tmp_path / "m.yaml"
    merged.write_text(
        "base: &b {min_chars: 10, languages: [en]}\nmine:\n  <<: *b\n  min_chars: 20\n", encoding="utf-8"
    )
    data = load_yaml(merged)
    assert data["mine"] == {"min_chars": 20, "languages": ["en"]}
    assert data["mine"].lines == {"min_chars": 4, "languages": 1}
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "extends: default\nsettings:\n  filters:\n    <<: {min_chars: 10, languages: [de]}\n"
        "    min_chars: 300\n",
        encoding="utf-8",
    )
    opts = load_config(cfg).stage_options("filters")
    assert opts is not None and opts["min_chars"] == 300 and opts["languages"] == ["de"]
    twice = tmp_path / "twice.yaml"
    twice.write_text(
        "extends: default\nsettings:\n  filters:\n    <<: {min_chars: 10}\n"
        "    min_chars: 300\n    min_chars: 400\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(twice)
    assert info.value.line == 6 and "duplicate key" in str(info.value)


def test_a_pipeline_pickles_and_cleans_the_same(tmp_path: Path) -> None:
    import pickle

    (tmp_path / "c.yaml").write_text(
        "extends: default\nlimits:\n  max_document_bytes: 1234\n", encoding="utf-8"
    )
    pipe = cleaner.Pipeline.from_yaml(tmp_path / "c.yaml")
    again = pickle.loads(pickle.dumps(pipe))
    raw = doc_with_tagline()
    assert again.clean(raw, format="text").to_record() == pipe.clean(raw, format="text").to_record()
    assert again.limits.max_document_bytes == 1234


def test_stage_options_are_typed_frozen_and_built_from_the_yaml(tmp_path: Path) -> None:
    """Each stage's options are a frozen dataclass (options.threshold): the YAML's
    values over the declared defaults; the schema the YAML is checked against is
    the dataclass's; a setting a stage does not have is an error naming it."""
    import dataclasses

    from cleaner.pipeline import Pipeline
    from cleaner.stages import STAGES

    cfg = tmp_path / "mine.yaml"
    cfg.write_text(
        "extends: default\nsettings:\n  boilerplate: {threshold: 0.6, max_rounds: 2}\n"
        "  filters: {languages: [en, de]}\n",
        encoding="utf-8",
    )
    pipe = Pipeline.from_yaml(cfg)
    bp = pipe.stage("boilerplate")
    assert bp is not None and isinstance(bp.options, STAGES["boilerplate"].Options)
    assert (bp.options.threshold, bp.options.max_rounds, bp.options.rules) == (0.6, 2, True)
    assert pipe.stage("filters").options.languages == ["en", "de"]
    assert pipe.stage("extract").options.method == "blocks"  # (the default config's)
    with pytest.raises(dataclasses.FrozenInstanceError):
        bp.options.threshold = 0.1  # type: ignore[misc]
    for name, cls in STAGES.items():
        fields = dataclasses.fields(cls.Options)
        assert [f.name for f in fields] == list(cls.settings), name
        built = cls.Options.build(name, {})
        assert all(getattr(built, f.name) == cls.settings[f.name].default for f in fields), name
    # a list default is the stage's own: changing one stage's does not change another's
    a, b = STAGES["filters"]({}, None), STAGES["filters"]({}, None)
    a.options.languages.append("fr")
    assert b.options.languages == [] and STAGES["filters"].settings["languages"].default == []
    with pytest.raises(ConfigError) as err:
        STAGES["boilerplate"]({"treshold": 0.5}, None)
    assert err.value.key == "boilerplate.treshold" and "threshold" in str(err.value)
    cfg.write_text("extends: default\nsettings:\n  boilerplate:\n    threshold: high\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Pipeline.from_yaml(cfg)
    assert (err.value.line, err.value.key) == (4, "settings.boilerplate.threshold")


def test_a_stage_declaring_a_settings_dict_alone_gets_its_options_dataclass() -> None:
    """A stage written the earlier way (a ``settings`` dict, no Options class) still
    gets frozen, typed options with the declared defaults."""
    import dataclasses

    from cleaner.stages.base import Setting, Stage

    class Mine(Stage):
        name = "mine"
        settings = {"level": Setting(int, 3, "how much"), "names": Setting(list, [], "which")}

    mine = Mine({"level": 5}, None)
    assert (mine.options.level, mine.options.names) == (5, [])
    assert list(Mine.settings) == ["level", "names"] and dataclasses.is_dataclass(Mine.Options)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.options.level = 1  # type: ignore[misc]
    with pytest.raises(ConfigError):
        Mine({"levle": 1}, None)
