"""``cleaner rules list`` and ``cleaner rules test``: the loaded rules, and rules checked against their examples."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cleaner.cli.common import config_arg, use_kernels
from cleaner.errors import CleanerError


def cmd_rules_list(args: argparse.Namespace) -> int:
    from cleaner.config import load_config
    from cleaner.rules import RuleSet

    cfg = load_config(config_arg(args))
    rules = RuleSet.load(cfg.rule_packs).rules
    for r in rules:
        print(f"{r.id:<32} {r.kind:<8} {r.lang or '*':<3} {r.why}")
    print(f"{len(rules)} rules from {len(cfg.rule_packs)} packs", file=sys.stderr)
    return 0


def cmd_rules_test(args: argparse.Namespace) -> int:
    from cleaner.config import load_config
    from cleaner.resources import rules_dir
    from cleaner.rules import RuleSet
    from cleaner.ruletest import check_rules, find_shadowed

    config_packs = list(load_config(config_arg(args)).rule_packs)
    packs = [Path(p) for p in args.packs] if args.packs else config_packs
    for p in packs:
        if not p.is_file():
            raise CleanerError(f"{p}: no such rule pack")
    rules = RuleSet.load(packs)
    from cleaner.stages.boilerplate import RULES_GROUP

    use_kernels(
        args, [RULES_GROUP], sum(len(x) for r in rules.rules for x in r.examples_drop + r.examples_keep)
    )
    failures = check_rules(rules)
    n_examples = sum(len(r.examples_drop) + len(r.examples_keep) for r in rules.rules)
    for f in failures:
        print(f"FAIL {f}")
    # a rule of the user's that another rule (a shipped one, or an earlier one)
    # removes the examples of first never fires on those lines: say so
    shipped = rules_dir().resolve()
    user = {r.id for r in rules.rules if shipped not in Path(r.file).resolve().parents}
    shadows = []
    if user:
        known = {p.resolve() for p in config_packs}
        everything = RuleSet.load(config_packs + [p for p in packs if p.resolve() not in known])
        shadows = find_shadowed(everything, [r for r in everything.rules if r.id in user])
    for sh in shadows:
        print(f"SHADOWED {sh}")
    silenced = sorted(
        {
            sh.rule.id
            for sh in shadows
            if sum(1 for x in shadows if x.rule is sh.rule) == len(sh.rule.examples_drop)
        }
    )
    line = (
        f"{len(rules.rules)} rules, {n_examples} examples: "
        f"{n_examples - len(failures)} passed, {len(failures)} failed"
    )
    if shadows:
        line += (
            f"; {len(shadows)} drop example(s) of {len({sh.rule.id for sh in shadows})} rule(s) removed first "
            f"by another rule"
            + (
                f" ({', '.join(silenced)}: never fire{'s' if len(silenced) == 1 else ''} on "
                f"{'its' if len(silenced) == 1 else 'their'} own examples)"
                if silenced
                else ""
            )
        )
    print(line)
    return 1 if failures or silenced else 0
