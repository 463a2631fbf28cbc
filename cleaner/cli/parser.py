"""The arguments of the ``cleaner`` command and their help text."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from cleaner import __version__, jit
from cleaner.cli.clean import cmd_clean
from cleaner.cli.explain import cmd_explain
from cleaner.cli.report import cmd_report
from cleaner.cli.rules import cmd_rules_list, cmd_rules_test

EPILOG = """examples:
  cleaner clean scrapes/ -o clean/                 folder of .txt/.html in, <id>.txt + records.jsonl out
  cleaner clean pages.jsonl.gz -o clean.jsonl      JSONL records ({"id", "text"|"html", ...}) in and out
  cleaner clean crawl/*.warc.gz -o clean.parquet   WARC response records in, Parquet out
  cleaner clean big.jsonl.zst -o out.jsonl --resume    finish a run that was interrupted
  cleaner report out.jsonl --html report.html      counts, charts and a sample of cleaned documents
  cat page.html | cleaner clean - -o out.jsonl     standard input
  cleaner explain scrape.txt                       each line, kept or removed and by which rule
  cleaner rules list                               the loaded rules
  cleaner rules test my-pack.yaml                  check a rule pack against its own examples
"""


KERNELS_HELP = (
    "run the compiled kernels (numba), or the same code in Python: the same result, slower "
    "on long texts, nothing to compile. auto (default): Python for a small input (under "
    f"{jit.PYTHON_BELOW_COLD // 1024} KB of text before the kernels are first compiled, under "
    f"{jit.PYTHON_BELOW_WARM // 1024} KB after), else compiled (also $CLEANER_KERNELS)"
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cleaner",
        description="Turn raw web scrapes (HTML pages or extracted text) into clean article text.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"cleaner {__version__}")
    sub = p.add_subparsers(metavar="COMMAND")

    c = sub.add_parser(
        "clean",
        help="clean files, folders, JSONL, WARC, Parquet or standard input",
        description="Clean raw scrapes and write clean text plus a record per document.",
    )
    c.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="a file (.txt, .html, .htm, .jsonl[.gz|.zst], .warc[.gz], .parquet), "
        "a folder (walked recursively) or - for stdin",
    )
    c.add_argument(
        "-o",
        "--output",
        required=True,
        help="a .jsonl[.gz|.zst] or .parquet file for records, - for records as JSON lines on "
        "standard output, or a folder (a name without an extension, or ending in /) for <id>.txt "
        "files plus records.jsonl",
    )
    c.add_argument("--config", help="pipeline YAML (default: the shipped rules/default.yaml)")
    c.add_argument(
        "--workers", type=_positive_int, default=None, help="parallel worker processes (default: all cores)"
    )
    c.add_argument(
        "--format",
        choices=("auto", "text", "html"),
        default="auto",
        help="treat inputs as text or HTML (default: by file type / content)",
    )
    c.add_argument(
        "--charset",
        metavar="NAME",
        type=_charset,
        help="decode every input given as bytes in this charset (cp1251, shift_jis, ...), whatever "
        "it declares (default: BOM, HTTP header, <meta>, UTF-8, then the charset the bytes read best in)",
    )
    c.add_argument(
        "--output-format",
        choices=("text", "markdown"),
        default=None,
        help="HTML input: the clean text as plain text (default) or as markdown (headings, lists, "
        "quotes, tables, code and emphasis marked), for pipelines that feed language models; "
        "overrides the config's extract.output_format",
    )
    c.add_argument("--text-column", metavar="NAME", help="Parquet input: the column holding text")
    c.add_argument("--html-column", metavar="NAME", help="Parquet input: the column holding HTML")
    c.add_argument(
        "--id-column", metavar="NAME", default="id", help="Parquet input: the id column (default: id)"
    )
    c.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted run of the same command (documents already written are skipped)",
    )
    c.add_argument("--report", metavar="FILE.json", help="also write the run's summary as JSON")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary")
    c.add_argument(
        "--site-templates",
        choices=("auto", "on", "off"),
        default="auto",
        help="two passes: the first counts, per site, on how many pages each line occurs; the second "
        "cleans, removing a line that its site repeats on at least boilerplate.template_share of its "
        "pages (0.4, of sites with >= template_min_pages: 5) as template.site. auto (default): on "
        "when a site of the input has that many pages. Text documents with a site (a record's url, "
        "a WARC target URI, or --site-field); not with standard input",
    )
    c.add_argument(
        "--templates",
        metavar="FILE",
        help="clean with a site-templates table saved by --templates-out (no first pass); with "
        "--templates-out too, the table updated by counting this input",
    )
    c.add_argument(
        "--templates-out",
        metavar="FILE",
        help="write the first pass's site-templates table here (.npz), for later runs, single "
        "pages of known sites, or Pipeline(templates=SiteTemplates.load(FILE))",
    )
    c.add_argument(
        "--site-field",
        metavar="NAME",
        help="the record field (JSONL, Parquet) that names a document's site, a URL or a host (default: url)",
    )
    c.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local worker processes (default), or Ray Data: reads and writes JSONL/Parquet "
        "through Ray (pip install 'cleaner[ray]')",
    )
    c.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        default=None,
        help="with --engine ray: the cluster to join (default: $RAY_ADDRESS or a local Ray)",
    )
    c.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="with --engine ray: documents per batch",
    )
    c.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="with --engine ray: show Ray's own INFO logging (default: its warnings only)",
    )
    c.add_argument(
        "--kernels",
        choices=("auto", "compiled", "python"),
        default=None,
        help=KERNELS_HELP,
    )
    c.set_defaults(func=cmd_clean)

    rp = sub.add_parser(
        "report",
        help="summarise a run's records; render an HTML report",
        description="Summarise the records of a run (counts, rules, languages, artifacts) "
        "and optionally render a self-contained HTML page with a sample of documents.",
    )
    rp.add_argument(
        "records",
        metavar="RECORDS",
        help="records of a run: .jsonl[.gz|.zst], .parquet, an output folder, or - for stdin",
    )
    rp.add_argument("--html", metavar="OUT.html", help="write the HTML report here")
    rp.add_argument("--json", metavar="OUT.json", help="write the summary as JSON here")
    rp.add_argument(
        "--run",
        metavar="RUN.json",
        help="the run's --report JSON, for bytes in and throughput (not in the records)",
    )
    rp.add_argument(
        "--sample",
        type=_nonnegative_int,
        default=12,
        metavar="N",
        help="kept documents shown in the HTML report (default: 12; plus a few dropped and errors)",
    )
    rp.add_argument("--title", default=None, help="title of the HTML page")
    rp.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")
    rp.set_defaults(func=cmd_report)

    e = sub.add_parser(
        "explain",
        help="show each line of a document as kept or removed, with the rule",
        description="Clean one document and show each of its lines as kept or removed, with the "
        "rule or classifier reason that removed it. A file of records (.jsonl[.gz|.zst], .warc[.gz], "
        ".parquet) shows the record --id names, or its first one.",
    )
    e.add_argument(
        "file",
        help="a .txt or .html file, a file of records, or - for standard input (text, HTML or JSON lines)",
    )
    e.add_argument(
        "--id",
        dest="record_id",
        metavar="ID",
        help="the record to show, by its id (records files; default: the first record)",
    )
    e.add_argument("--text-column", metavar="NAME", help="Parquet input: the column holding text")
    e.add_argument("--html-column", metavar="NAME", help="Parquet input: the column holding HTML")
    e.add_argument(
        "--id-column", metavar="NAME", default="id", help="Parquet input: the id column (default: id)"
    )
    e.add_argument("--config", help="pipeline YAML")
    e.add_argument("--format", choices=("auto", "text", "html"), default="auto")
    e.add_argument("--charset", metavar="NAME", type=_charset, help="decode the document in this charset")
    e.add_argument("--removed-only", action="store_true", help="show only the removed lines")
    e.add_argument(
        "--kernels",
        choices=("auto", "compiled", "python"),
        default=None,
        help=KERNELS_HELP,
    )
    e.add_argument(
        "--templates",
        metavar="FILE",
        help="with a site-templates table (cleaner clean --templates-out): the lines the "
        "document's site repeats go as template.site",
    )
    e.set_defaults(func=cmd_explain)

    r = sub.add_parser("rules", help="list or test rule packs")
    rsub = r.add_subparsers(metavar="ACTION")
    rl = rsub.add_parser("list", help="list the rules the config loads")
    rl.add_argument("--config", help="pipeline YAML")
    rl.set_defaults(func=cmd_rules_list)
    rt = rsub.add_parser(
        "test",
        help="check rules against their own examples, and find rules another one shadows",
        description="Check each rule against its own examples (exit 1 when one fails). For rules "
        "of your own packs, also run their drop examples through all the rules a run with the "
        "config loads (the config's packs, then yours) and report each example another rule "
        "removes first: the rule never fires on such lines (exit 1 when it fires on none of "
        "its examples).",
    )
    rt.add_argument(
        "packs", nargs="*", metavar="PACK", help="rule-pack YAML files (default: every pack the config loads)"
    )
    rt.add_argument("--config", help="pipeline YAML")
    rt.add_argument(
        "--kernels",
        choices=("auto", "compiled", "python"),
        default=None,
        help=KERNELS_HELP,
    )
    rt.set_defaults(func=cmd_rules_test)
    r.set_defaults(func=lambda a: (r.print_help(), 2)[1])  # type: ignore[func-returns-value]
    return p


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"expected {minimum} or more")
        return n

    return parse


_positive_int = _int_at_least(1)
_nonnegative_int = _int_at_least(0)


def _charset(value: str) -> str:
    """An argparse type: a charset Python can decode, as Python names it."""
    from cleaner.charsets import codec_name

    name = codec_name(value)
    if name is None:
        raise argparse.ArgumentTypeError(
            f"unknown charset {value!r} (a name such as utf-8, cp1252, shift_jis)"
        )
    return name
