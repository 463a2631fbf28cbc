"""Rule packs: every shipped rule passes its own examples; `cleaner rules test`;
hostile patterns and rules without examples are rejected when the pack loads."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from cleaner.config import load_config
from cleaner.errors import ConfigError
from cleaner.rules import RuleSet, load_pack
from cleaner.ruletest import check_rule, check_rules

REPO = Path(__file__).resolve().parents[1]
SHIPPED_PACKS = [Path(p) for p in load_config().rule_packs]
SHIPPED = RuleSet.load(SHIPPED_PACKS)


def test_default_config_loads_every_pack_in_rules_boilerplate() -> None:
    on_disk = {p.name for p in (REPO / "rules" / "boilerplate").glob("*.yaml")}
    assert on_disk <= {p.name for p in SHIPPED_PACKS}
    assert len(SHIPPED.rules) >= 20


def test_every_shipped_rule_passes_its_examples() -> None:
    assert check_rules(SHIPPED) == []


@pytest.mark.parametrize("rule", SHIPPED.rules, ids=lambda r: r.id)
def test_shipped_rule(rule) -> None:
    assert rule.examples_drop, f"{rule.id} has no drop examples"
    assert rule.why.strip()
    assert check_rule(rule) == []


def test_rule_ids_are_namespaced_by_pack() -> None:
    for rule in SHIPPED.rules:
        prefix = Path(rule.file).stem
        assert rule.id.startswith(prefix + "."), f"{rule.id} lives in {rule.file}"
        if prefix != "common":
            assert rule.lang == prefix, f"{rule.id}: lang {rule.lang!r} in {prefix}.yaml"


# ------------------------------------------------------------- rules test CLI
def test_rules_test_passes_on_shipped_packs(cli) -> None:
    res = cli("rules", "test")
    assert res.rc == 0, res
    assert "FAIL" not in res.stdout
    assert re.search(r"\b0 failed\b", res.stdout), res


@pytest.mark.parametrize("pack", SHIPPED_PACKS, ids=lambda p: p.name)
def test_rules_test_on_each_shipped_pack(pack: Path, cli) -> None:
    res = cli("rules", "test", pack)
    assert res.rc == 0, res


def test_rules_test_fails_on_a_wrong_example(tmp_path: Path, cli) -> None:
    pack = tmp_path / "wrong.yaml"
    pack.write_text(
        "- id: mysite.newsletter\n"
        "  kind: line\n"
        "  why: the newsletter box\n"
        '  match: ["Get our newsletter"]\n'
        "  examples:\n"
        '    drop: ["Get our newsletter", "Subscribe to the weekly digest"]\n'
        '    keep: ["The newsletter was launched in 2019."]\n',
        encoding="utf-8",
    )
    res = cli("rules", "test", pack)
    assert res.rc == 1, res
    assert "FAIL" in res.stdout and "mysite.newsletter" in res.stdout
    assert "Subscribe to the weekly digest" in res.stdout
    assert re.search(r"\b1 failed\b", res.stdout), res
    # the library agrees
    (failure,) = check_rules(RuleSet.load([pack]))
    assert "mysite.newsletter" in failure and str(pack) in failure


def test_rules_test_fails_on_a_keep_example_that_is_dropped(tmp_path: Path, cli) -> None:
    pack = tmp_path / "greedy.yaml"
    pack.write_text(
        "- id: mysite.greedy\n"
        "  kind: pattern\n"
        "  why: too greedy on purpose\n"
        "  pattern: 'newsletter'\n"
        "  examples:\n"
        '    drop: ["Get our newsletter"]\n'
        '    keep: ["The newsletter was launched in 2019."]\n',
        encoding="utf-8",
    )
    res = cli("rules", "test", pack)
    assert res.rc == 1, res
    assert "should keep" in res.stdout and "mysite.greedy" in res.stdout


def test_rules_test_on_a_missing_pack_is_a_usage_error(tmp_path: Path, cli) -> None:
    res = cli("rules", "test", tmp_path / "nope.yaml")
    assert res.rc == 2, res
    assert "nope.yaml" in res.stderr and "Traceback" not in res.stderr


def test_rules_list_shows_every_rule(cli) -> None:
    res = cli("rules", "list")
    assert res.rc == 0, res
    for rule in SHIPPED.rules:
        assert rule.id in res.stdout


# ------------------------------------------------------------ rejected at load
def pattern_pack(tmp_path: Path, pattern: str) -> Path:
    pack = tmp_path / "hostile.yaml"
    quoted = "'" + pattern.replace("'", "''") + "'"
    pack.write_text(
        "# a user's pack\n"
        "- id: mysite.ok\n"
        "  kind: line\n"
        "  why: fine\n"
        '  match: ["Sponsored"]\n'
        "  examples:\n"
        '    drop: ["Sponsored"]\n'
        "- id: mysite.hostile\n"
        "  kind: pattern\n"
        "  why: looks harmless\n"
        f"  pattern: {quoted}\n"
        "  examples:\n"
        '    drop: ["aaaa"]\n',
        encoding="utf-8",
    )
    return pack


HOSTILE = [
    r"(a+)+$",
    r"(a|aa)+$",
    r"(x|xx)+$",
    r"(b|bb)+c",
    r"(\d|\d\d)+$",
    r"(a*)*$",
    r"(a+)*b",
    r"(\w+\s?)+$",
    r"^(\w|\w\w)+!$",
    r"(.*)*x",
    r"(a|a?)+$",
]


@pytest.mark.parametrize("pattern", HOSTILE)
def test_hostile_pattern_rejected_at_load(pattern: str, tmp_path: Path) -> None:
    pack = pattern_pack(tmp_path, pattern)
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_pack(pack)
    assert time.perf_counter() - t0 < 5, "rejecting a pattern must not take long"
    msg = str(info.value)
    assert str(pack) in msg
    assert re.search(r":11\b", msg), f"message should name line 11 (the pattern): {msg}"
    assert "pattern" in msg and "mysite.hostile" in msg, msg


@pytest.mark.parametrize("pattern", [r"(a|aa)+$", r"(a+)+$"])
def test_hostile_pattern_rejected_by_cli(pattern: str, tmp_path: Path, cli) -> None:
    pack = pattern_pack(tmp_path, pattern)
    res = cli("rules", "test", pack)
    assert res.rc == 2, res
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res
    assert str(pack) in res.stderr and ":11" in res.stderr and "pattern" in res.stderr, res


@pytest.mark.parametrize(
    "pattern",
    [
        r"^(?:Photo|Image):\s",
        r"\b(?:contributed to this report)\.?$",
        r"^\d+\s+(?:hours?|days?)\s+ago$",
        r"^(?:[A-Z][a-z]+\s){1,4}Team$",
        r"(?:https?://)?t\.co/\w+",
    ],
)
def test_ordinary_patterns_are_accepted(pattern: str, tmp_path: Path) -> None:
    rules = load_pack(pattern_pack(tmp_path, pattern))
    assert [r.id for r in rules] == ["mysite.ok", "mysite.hostile"]


RULE_HEAD = '- id: mysite.banner\n  kind: line\n  why: a banner\n  match: ["Sponsored content"]\n'


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("", 1),  # no examples at all
        ('  examples:\n    keep: ["Sponsored content is marked, the editor said."]\n', 5),  # no drop list
        ("  examples:\n    drop: []\n", 5),  # an empty drop list
        ('  examples: "Sponsored content"\n', 5),  # not a mapping
    ],
    ids=["missing", "no-drop", "empty-drop", "not-a-mapping"],
)
def test_rule_without_examples_rejected(body: str, line: int, tmp_path: Path) -> None:
    pack = tmp_path / "noex.yaml"
    pack.write_text(RULE_HEAD + body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_pack(pack)
    msg = str(info.value)
    assert str(pack) in msg and re.search(rf":{line}\b", msg) and "examples" in msg, msg
    assert "mysite.banner" in msg


def test_rule_without_examples_rejected_by_cli(tmp_path: Path, cli) -> None:
    pack = tmp_path / "noex.yaml"
    pack.write_text(RULE_HEAD, encoding="utf-8")
    res = cli("rules", "test", pack)
    assert res.rc == 2, res
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res
    assert str(pack) in res.stderr and ":1" in res.stderr and "examples" in res.stderr, res


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("- id: a.b\n  kind: line\n  why: x\n  match: []\n  examples:\n    drop: [x]\n", 4, "match"),
        (
            "- id: a.b\n  kind: section\n  why: x\n  match: [x]\n  until: forever\n  examples:\n    drop: [x]\n",
            5,
            "until",
        ),
        (
            "- id: a.b\n  kind: line\n  why: x\n  match: [x]\n  until: end\n  examples:\n    drop: [x]\n",
            5,
            "until",
        ),
        (
            "- id: a.b\n  kind: line\n  why: x\n  match: [x]\n  prefix: yes please\n  examples:\n    drop: [x]\n",
            5,
            "prefix",
        ),
        ("- id: a.b\n  kind: pattern\n  why: x\n  examples:\n    drop: [x]\n", 1, "pattern"),
        (
            "- id: a.b\n  kind: embed\n  why: x\n  pattern: '^x$'\n  before: 3\n  examples:\n    drop: [x]\n",
            5,
            "before",
        ),
        (
            "- id: a.b\n  kind: line\n  why: x\n  match: [x]\n  max_words: many\n  examples:\n    drop: [x]\n",
            5,
            "max_words",
        ),
        ("- id: a.b\n  kind: line\n  why: ''\n  match: [x]\n  examples:\n    drop: [x]\n", 3, "why"),
        ("- just a string\n", 1, "rule"),
    ],
    ids=[
        "empty-match",
        "bad-until",
        "until-on-line-rule",
        "prefix-not-bool",
        "pattern-rule-without-pattern",
        "before-not-mapping",
        "max-words-not-int",
        "empty-why",
        "rule-not-mapping",
    ],
)
def test_malformed_rules_rejected(text: str, line: int, key: str, tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_pack(pack)
    msg = str(info.value)
    assert str(pack) in msg and re.search(rf":{line}\b", msg) and key in msg, msg


def test_pack_as_mapping_with_rules_list(tmp_path: Path) -> None:
    pack = tmp_path / "m.yaml"
    pack.write_text(
        "rules:\n"
        '  - id: mysite.banner\n    kind: line\n    why: a banner\n    match: ["Sponsored content"]\n'
        '    examples:\n      drop: ["Sponsored content"]\n      keep: ["It was sponsored content, she said."]\n',
        encoding="utf-8",
    )
    rules = RuleSet.load([pack])
    assert [r.id for r in rules.rules] == ["mysite.banner"]
    assert check_rules(rules) == []
