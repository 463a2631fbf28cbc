"""``cleaner report``: a run's records summarised, as text, JSON or an HTML page."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cleaner.errors import CleanerError


def cmd_report(args: argparse.Namespace) -> int:
    from cleaner.io.streams import read_small
    from cleaner.report import RuleSamples, build_report, read_records, render_html

    for flag, value in (("--html", args.html), ("--json", args.json)):
        if value is not None and (not value.strip() or Path(value).is_dir()):
            raise CleanerError(f"{flag} {value!r}: name a file to write")
    run = None
    if args.run:
        try:
            run = json.loads(read_small(args.run, "a run summary").decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise CleanerError(f"--run {args.run}: cannot read the run summary ({exc})") from None
        if not isinstance(run, dict):
            raise CleanerError(f"--run {args.run}: not a run summary")
    rules = RuleSamples()
    summary, sample = build_report(read_records(args.records), args.sample, run, rules)
    if args.json:
        from cleaner.runner import write_report

        write_report(args.json, summary)
    if args.html:
        from cleaner.io.files import replace_atomically

        page = render_html(
            summary,
            sample,
            title=args.title or f"cleaner report: {Path(args.records).name}",
            source=args.records,
            rules=rules,
        )
        try:  # a unique temporary name, renamed: a link at OUT.html is replaced, never written through
            replace_atomically(Path(args.html), page.encode("utf-8"))
        except OSError as exc:
            raise CleanerError(f"--html {args.html}: cannot write: {exc.strerror or exc}") from None
    if not args.quiet:
        print(summary.render())
        if args.html:
            print(f"wrote {args.html}", file=sys.stderr)
    return 0
