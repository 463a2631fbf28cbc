"""Check every rule against its own examples (used by `cleaner rules test` and the tests),
and find the rules another rule shadows: one that removes their examples first."""

from __future__ import annotations

from dataclasses import dataclass

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
    doc.language, doc.language_score = lang, 1.0 if lang else None
    stage.process(doc)
    return doc


def check_rules(rules: RuleSet) -> list[str]:
    out = []
    for r in rules.rules:
        out.extend(check_rule(r))
    return out


@dataclass(frozen=True)
class Shadow:
    """A drop example of ``rule`` that ``by``, another rule, removes first."""

    rule: Rule
    example: str
    by: Rule

    def __str__(self) -> str:
        return (
            f"{self.rule.id} ({self.rule.file}:{self.rule.line}): {self.example!r} is removed first by "
            f"{self.by.id} ({self.by.file}:{self.by.line})"
        )


def find_shadowed(rules: RuleSet, checked: list[Rule]) -> list[Shadow]:
    """The drop examples of ``checked`` (rules of ``rules``) that another rule of
    ``rules`` removes first, as a document in the rule's language would see them
    (the first rule in pack order wins, a phrase over a pattern): such a rule
    never fires on those lines."""
    stage = BoilerplateStage({"classifier": False, "trust_language_chars": 0}, rules)
    by_id = {r.id: r for r in rules.rules}
    out = []
    for rule in checked:
        for example in rule.examples_drop:
            doc = _run(stage, example, rule.lang)
            for ln in doc.lines:
                if ln.text.strip() and ln.rule is not None and ln.rule != rule.id and ln.rule in by_id:
                    out.append(Shadow(rule, ln.text, by_id[ln.rule]))
                    break
    return out
