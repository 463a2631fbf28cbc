"""Check every rule against its own examples (used by `cleaner rules test` and the tests)."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.rules import Rule, RuleSet
from cleaner.stages.boilerplate import BoilerplateStage


def check_rule(rule: Rule) -> list[str]:
    """Failures of one rule: drop examples it misses, keep examples it removes.

    Each example runs through the boilerplate stage with only this rule (no
    classifier), as a document of its own; a multi-line example (an embed) must
    lose every non-blank line.
    """
    stage = BoilerplateStage({"classifier": False}, RuleSet([rule]))
    failures = []
    for example in rule.examples_drop:
        doc = _run(stage, example, rule.lang)
        missed = [ln.text for ln in doc.lines if ln.text.strip() and ln.rule != rule.id]
        if missed:
            failures.append(f"{rule.id} ({rule.file}:{rule.line}): should drop {missed[0]!r}")
    for example in rule.examples_keep:
        doc = _run(stage, example, rule.lang)
        hit = [ln.text for ln in doc.lines if ln.rule == rule.id]
        if hit:
            failures.append(f"{rule.id} ({rule.file}:{rule.line}): should keep {hit[0]!r}")
    return failures


def _run(stage: BoilerplateStage, text: str, lang: str | None) -> Document:
    doc = Document(id="example", raw=text, format="text")
    doc.set_text(text)
    doc.language = lang
    stage.process(doc)
    return doc


def check_rules(rules: RuleSet) -> list[str]:
    out = []
    for r in rules.rules:
        out.extend(check_rule(r))
    return out
