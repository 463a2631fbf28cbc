"""The ``cleaner`` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from cleaner import __version__
from cleaner.errors import CleanerError

EPILOG = """examples:
  cleaner clean scrapes/ -o clean/                 folder of .txt/.html in, <id>.txt + records.jsonl out
  cleaner clean pages.jsonl.gz -o clean.jsonl      JSONL records ({"id", "text"|"html", ...}) in and out
  cat page.html | cleaner clean - -o out.jsonl     standard input
  cleaner explain scrape.txt                       each line, kept or removed and by which rule
  cleaner rules list                               the loaded rules
  cleaner rules test my-pack.yaml                  check a rule pack against its own examples
"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CleanerError as exc:
        print(f"cleaner: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ncleaner: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cleaner",
        description="Turn raw web scrapes (HTML pages or extracted text) into clean article text.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"cleaner {__version__}")
    sub = p.add_subparsers(metavar="COMMAND")

    c = sub.add_parser("clean", help="clean files, folders, JSONL or standard input",
                       description="Clean raw scrapes and write clean text plus a record per document.")
    c.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="a file (.txt, .html, .htm, .jsonl, .jsonl.gz), a folder (walked recursively) or - for stdin")
    c.add_argument("-o", "--output", required=True,
                   help="a .jsonl/.jsonl.gz file for records, or a folder for <id>.txt files plus records.jsonl")
    c.add_argument("--config", help="pipeline YAML (default: the shipped rules/default.yaml)")
    c.add_argument("--workers", type=_positive_int, default=1, help="parallel worker processes (default: 1)")
    c.add_argument("--format", choices=("auto", "text", "html"), default="auto",
                   help="treat inputs as text or HTML (default: by file type / content)")
    c.add_argument("--report", metavar="FILE.json", help="also write the run's summary as JSON")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary")
    c.set_defaults(func=cmd_clean)

    e = sub.add_parser("explain", help="show each line of a document as kept or removed, with the rule")
    e.add_argument("file", help="a .txt or .html file, or - for stdin")
    e.add_argument("--config", help="pipeline YAML")
    e.add_argument("--format", choices=("auto", "text", "html"), default="auto")
    e.add_argument("--removed-only", action="store_true", help="show only the removed lines")
    e.set_defaults(func=cmd_explain)

    r = sub.add_parser("rules", help="list or test rule packs")
    rsub = r.add_subparsers(metavar="ACTION")
    rl = rsub.add_parser("list", help="list the rules the config loads")
    rl.add_argument("--config", help="pipeline YAML")
    rl.set_defaults(func=cmd_rules_list)
    rt = rsub.add_parser("test", help="check rules against their own examples")
    rt.add_argument("packs", nargs="*", metavar="PACK",
                    help="rule-pack YAML files (default: every pack the config loads)")
    rt.add_argument("--config", help="pipeline YAML")
    rt.set_defaults(func=cmd_rules_test)
    r.set_defaults(func=lambda a: (r.print_help(), 2)[1])
    return p


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("expected at least 1")
    return n


def _config_arg(args: argparse.Namespace) -> str | None:
    if not args.config:
        return None
    from cleaner.config import resolve_config_path

    path = resolve_config_path(args.config)
    if not path.is_file():
        raise CleanerError(f"--config: no such file: {args.config}")
    return str(path.resolve())


# ---------------------------------------------------------------- clean
def cmd_clean(args: argparse.Namespace) -> int:
    from cleaner.config import load_config
    from cleaner.io.readers import iter_inputs
    from cleaner.io.writers import is_jsonl_target, open_writer
    from cleaner.pipeline import Pipeline
    from cleaner.runner import Progress, Summary, run

    config = _config_arg(args)
    Pipeline(load_config(config))  # validate config and rule packs before any work
    for spec in args.inputs:
        if spec != "-" and not Path(spec).exists():
            raise CleanerError(f"{spec}: no such file or folder")
    out = args.output
    if not is_jsonl_target(out) and Path(out).exists() and not Path(out).is_dir():
        raise CleanerError(f"-o {out}: exists and is not a folder (name a .jsonl file or a folder)")
    total = _total_bytes(args.inputs)
    progress = Progress(sys.stderr, not args.quiet, total)
    summary = Summary()
    writer = open_writer(out)
    import time

    t0 = time.monotonic()
    try:
        for item, record in run(iter_inputs(args.inputs, args.format), config, args.workers):
            writer.write(record)
            summary.add(record, item.size)
            progress.update(summary.documents, summary.bytes_in)
    except BaseException:
        writer.abort()
        progress.close()
        raise
    writer.close()
    summary.seconds = time.monotonic() - t0
    progress.update(summary.documents, summary.bytes_in, force=True)
    progress.close()
    if args.report:
        Path(args.report).write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        print(summary.render(), file=sys.stderr)
        print(f"wrote {out}", file=sys.stderr)
    return 0


def _total_bytes(inputs: list[str]) -> int | None:
    total = 0
    for spec in inputs:
        if spec == "-":
            return None
        p = Path(spec)
        if p.is_file():
            if p.suffix == ".gz":
                return None
            total += p.stat().st_size
        elif p.is_dir():
            for dirpath, _, files in os.walk(p):
                for f in files:
                    try:
                        total += (Path(dirpath) / f).stat().st_size
                    except OSError:
                        pass
    return total or None


# -------------------------------------------------------------- explain
def cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.pipeline import Pipeline

    pipe = Pipeline.from_yaml(_config_arg(args))
    if args.file == "-":
        raw: bytes = sys.stdin.buffer.read()
        fmt = args.format
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CleanerError(f"{args.file}: no such file")
        raw = path.read_bytes()
        fmt = args.format
        if fmt == "auto" and path.suffix.lower() in (".html", ".htm"):
            fmt = "html"
        elif fmt == "auto" and path.suffix.lower() == ".txt":
            fmt = "text"
    doc = pipe.clean(raw, format=fmt, id=args.file)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    red, dim, off = ("\033[31m", "\033[2m", "\033[0m") if color else ("", "", "")
    width = max((len(ln.rule or "") for ln in doc.lines), default=0)
    width = min(max(width, 4), 40)
    for ln in doc.lines:
        if not ln.text.strip() and ln.rule is None:
            if not args.removed_only:
                print()
            continue
        if ln.rule is None:
            if not args.removed_only:
                print(f"{'keep':<{width}}  {ln.text}")
        elif ln.text.strip():
            print(f"{red}{ln.rule:<{width}}{off}  {dim}{ln.text}{off}")
    info: dict[str, Any] = {
        "status": doc.status, "language": doc.language, "language_score": doc.language_score,
        "lines": sum(1 for ln in doc.lines if ln.text.strip()), "removed": len(doc.removed),
        "repairs": len(doc.repairs), "artifacts": doc.artifacts,
    }
    if doc.error:
        info["error"] = doc.error
    if doc.reason:
        info["reason"] = doc.reason
    print("\n" + json.dumps(info, ensure_ascii=False), file=sys.stderr)
    return 0


# ---------------------------------------------------------------- rules
def cmd_rules_list(args: argparse.Namespace) -> int:
    from cleaner.config import load_config
    from cleaner.rules import RuleSet

    cfg = load_config(_config_arg(args))
    rules = RuleSet.load(cfg.rule_packs).rules
    for r in rules:
        print(f"{r.id:<32} {r.kind:<8} {r.lang or '*':<3} {r.why}")
    print(f"{len(rules)} rules from {len(cfg.rule_packs)} packs", file=sys.stderr)
    return 0


def cmd_rules_test(args: argparse.Namespace) -> int:
    from cleaner.config import load_config
    from cleaner.rules import RuleSet
    from cleaner.ruletest import check_rules

    packs = [Path(p) for p in args.packs] if args.packs else load_config(_config_arg(args)).rule_packs
    for p in packs:
        if not p.is_file():
            raise CleanerError(f"{p}: no such rule pack")
    rules = RuleSet.load(packs)
    failures = check_rules(rules)
    n_examples = sum(len(r.examples_drop) + len(r.examples_keep) for r in rules.rules)
    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(rules.rules)} rules, {n_examples} examples: "
          f"{n_examples - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
