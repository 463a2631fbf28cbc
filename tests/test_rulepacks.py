"""Mistakes in a user's rule pack are told, not silent: a language the tool does
not know, a rule that a shipped (or earlier) rule shadows."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.errors import ConfigError
from cleaner.rules import known_languages, load_pack

REPO = Path(__file__).resolve().parents[1]

RULE = """- id: my.rule
  kind: line
  match: ["Sign up for the Gazette newsletter"]
  lang: {lang}
  why: the site's newsletter prompt
  examples:
    drop: ["Sign up for the Gazette newsletter"]
"""


def _pack(tmp_path: Path, text: str, name: str = "my-pack.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("lang,hint", [("english", ""), ("EN", "did you mean 'en'?"), ("en-US", "")])
def test_unknown_language_is_refused_with_file_line_and_codes(tmp_path, lang, hint):
    pack = _pack(tmp_path, RULE.format(lang=lang))
    with pytest.raises(ConfigError) as err:
        load_pack(pack)
    msg = str(err.value)
    assert f"{pack}:4" in msg and "my.rule.lang" in msg and f"unknown language {lang!r}" in msg
    assert "en, es" in msg and "zh-cn" in msg and hint in msg


def test_the_languages_the_language_stage_detects_are_accepted(tmp_path):
    assert {"en", "de", "zh-cn", "zh-tw", "pt"} <= known_languages()
    for lang in ("de", "zh-cn"):
        assert load_pack(_pack(tmp_path, RULE.format(lang=lang)))[0].lang == lang


def test_cli_rejects_an_unknown_language(tmp_path, cli):
    r = cli("rules", "test", _pack(tmp_path, RULE.format(lang="english")))
    assert r.rc == 2 and "unknown language 'english'" in r.stderr


SHADOWED = """- id: my.most-read
  kind: line
  match: ["Most Read", "Top stories in Riverton"]
  lang: en
  why: the sidebar list of this site
  examples:
    drop: ["Most Read", "Top stories in Riverton"]
    keep: ["It was the most read story of the year."]
- id: my.trending
  kind: section
  match: ["Trending Now"]
  until: end
  why: the site's trending list
  examples:
    drop: ["Trending Now"]
- id: my.promo
  kind: line
  match: ["Subscribe to the Riverton Gazette"]
  why: the newsletter promo
  examples:
    drop: ["Subscribe to the Riverton Gazette"]
"""


def test_rules_test_tells_which_user_rules_a_shipped_rule_shadows(tmp_path, cli):
    pack = _pack(tmp_path, SHADOWED)
    r = cli("rules", "test", pack)
    assert r.rc == 1, r  # my.trending never fires on its own example
    shadowed = [ln for ln in r.stdout.splitlines() if ln.startswith("SHADOWED")]
    assert len(shadowed) == 2
    assert shadowed[0].startswith(
        f"SHADOWED my.most-read ({pack}:1): 'Most Read' is removed first by en.story-lists"
    )
    assert "rules/boilerplate/en.yaml" in shadowed[0]
    assert shadowed[1].startswith(f"SHADOWED my.trending ({pack}:9): 'Trending Now' is removed first by ")
    assert "3 rules, 5 examples: 5 passed, 0 failed; 2 drop example(s) of 2 rule(s)" in r.stdout
    assert "(my.trending: never fires on its own examples)" in r.stdout
    assert "my.promo" not in "\n".join(shadowed)


def test_a_partly_shadowed_rule_is_told_but_passes(tmp_path, cli):
    only = SHADOWED.split("- id: my.trending")[0]
    r = cli("rules", "test", _pack(tmp_path, only))
    assert r.rc == 0, r
    assert r.stdout.count("SHADOWED") == 1 and "never fire" not in r.stdout


def test_user_packs_of_a_config_are_checked_in_the_order_a_run_loads_them(tmp_path, cli):
    first = _pack(
        tmp_path,
        """- id: my.gazette-lists
  kind: line
  match: ["Popular this week", "Editors' picks"]
  why: the site's lists
  examples:
    drop: ["Editors' picks"]
""",
        "first.yaml",
    )
    second = _pack(
        tmp_path,
        """- id: my.popular
  kind: line
  match: ["Popular this week"]
  why: another list
  examples:
    drop: ["Popular this week"]
""",
        "second.yaml",
    )
    cfg = _pack(tmp_path, f"extends: default\nrule_packs: [{first}, {second}]\n", "config.yaml")
    r = cli("rules", "test", "--config", cfg)
    assert r.rc == 1, r  # first.yaml's rule removes second.yaml's only example first
    assert (
        f"SHADOWED my.popular ({second}:1): 'Popular this week' is removed first by my.gazette-lists ({first}:1)"
        in r.stdout
    )
    assert "SHADOWED my.gazette-lists" not in r.stdout


def test_shipped_packs_pass_and_readme_says_why_is_required(cli):
    r = cli("rules", "test")
    assert r.rc == 0 and "SHADOWED" not in r.stdout, r
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Rule packs", 1)[1].split("\n## ", 1)[0]
    assert "`why`" in section and "required" in section
