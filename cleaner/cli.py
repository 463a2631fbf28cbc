"""The ``cleaner`` command."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from cleaner import __version__, jit
from cleaner.errors import CleanerError

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


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.started = started
    from cleaner import jit

    # the one-line notice while the kernels compile (a first run), unless --quiet
    jit.show_notices(None if getattr(args, "quiet", False) else sys.stderr)
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
    except OSError as exc:  # the file system: one line, as for the errors above
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"cleaner: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


def entry() -> None:
    """The ``cleaner`` command (and ``python -m cleaner``): :func:`main`, then
    leave at once. By then every output is written, closed and synced, and the
    workers are gone; tearing down the interpreter would only free the
    pipeline's tables object by object, which takes about half a second."""
    rc = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or broken pipe: nothing more can be written
            pass
    os._exit(rc)


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
        help="run the compiled kernels (numba), or the same code in Python: the same result, slower "
        "on long texts, nothing to compile. auto (default): Python for a small input (under "
        f"{jit.PYTHON_BELOW_COLD // 1024} KB of text before the kernels are first compiled, under "
        f"{jit.PYTHON_BELOW_WARM // 1024} KB after), else compiled (also $CLEANER_KERNELS)",
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
        help="run the compiled kernels (numba), or the same code in Python: the same result, slower "
        "on long texts, nothing to compile. auto (default): Python for a small input (under "
        f"{jit.PYTHON_BELOW_COLD // 1024} KB of text before the kernels are first compiled, under "
        f"{jit.PYTHON_BELOW_WARM // 1024} KB after), else compiled (also $CLEANER_KERNELS)",
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
        help="run the compiled kernels (numba), or the same code in Python: the same result, slower "
        "on long texts, nothing to compile. auto (default): Python for a small input (under "
        f"{jit.PYTHON_BELOW_COLD // 1024} KB of text before the kernels are first compiled, under "
        f"{jit.PYTHON_BELOW_WARM // 1024} KB after), else compiled (also $CLEANER_KERNELS)",
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
    from cleaner.io.readers import ReadOptions, check_inputs
    from cleaner.pipeline import Pipeline
    from cleaner.runner import JobOptions, RunInterrupted, check_job, default_workers, run_job

    config = _config_arg(args)
    pipe = Pipeline(load_config(config))  # validate config and rule packs before any work
    if getattr(args, "engine", "local") == "ray":
        if args.charset:
            raise CleanerError(
                "--charset is not available with --engine ray; set it in the config instead "
                "(settings: {decode: {charset: NAME}})"
            )
        if args.output_format:
            raise CleanerError(
                "--output-format is not available with --engine ray; set it in the config "
                "instead (settings: {extract: {output_format: markdown}})"
            )
        if args.output == "-":
            raise CleanerError("-o -: --engine ray writes part files to a folder, not to standard output")
        return cmd_clean_ray(args)
    if args.charset:  # the decode stage reads it, here and in the worker processes
        from cleaner.stages.decode import CHARSET_ENV

        os.environ[CHARSET_ENV] = args.charset
    if args.output_format:  # the extract stage reads it, here and in the worker processes
        from cleaner.stages.extract import OUTPUT_FORMAT_ENV

        os.environ[OUTPUT_FORMAT_ENV] = args.output_format
    read = ReadOptions(
        format=args.format,
        text_column=args.text_column,
        html_column=args.html_column,
        id_column=args.id_column,
    )
    check_inputs(args.inputs, read)
    _check_output(args.output, args)
    check_job(JobOptions(inputs=args.inputs, output=args.output, report=args.report))
    # the kernels (compiled on a first run, or run in Python: a small input),
    # and trafilatura when HTML may come: once, before workers fork
    _use_kernels(args, pipe.kernel_groups(), _input_bytes(args.inputs))
    pipe.warm(html=_may_hold_html(args.inputs, read.format))
    out = args.output
    workers = args.workers or default_workers()
    opts = JobOptions(
        inputs=args.inputs,
        output=out,
        config=config,
        workers=workers,
        read=read,
        resume=args.resume,
        report=args.report,
        progress=None if args.quiet else sys.stderr,
        checkpoint_seconds=_env_float("CLEANER_CHECKPOINT_SECONDS"),
        pipeline=pipe,
        started=args.started,
        charset=args.charset,
    )
    opts.templates = _template_options(args, read)
    if out == "-":
        from cleaner.runner import run_to_stream

        if opts.templates is not None:
            from cleaner.runner import use_templates

            opts.read = replace(read, max_bytes=pipe.limits.max_document_bytes)
            pipe.set_templates(use_templates(opts, pipe, None))

        summary = run_to_stream(opts, sys.stdout.buffer)
        if not args.quiet:
            print(summary.render() + _compile_note(), file=sys.stderr)
        return 0
    try:
        summary = run_job(opts)
    except RunInterrupted as exc:
        print(f"\ncleaner: {exc}", file=sys.stderr)
        return 130
    if not args.quiet:
        print(summary.render() + _compile_note(), file=sys.stderr)
        print(f"wrote {out}", file=sys.stderr)
    return 0


def cmd_clean_ray(args: argparse.Namespace) -> int:
    """``cleaner clean --engine ray``: the arguments as a BatchSpec and FileOptions for
    :func:`cleaner.integrations.ray_files.run`; ``--resume`` is refused (Ray retries
    failed tasks itself; a failed run leaves no output). Options a parser built
    before --engine lacks take their defaults."""
    from cleaner.integrations.ray_files import FileOptions, run
    from cleaner.integrations.spec import BatchSpec

    def arg(name: str, default: Any = None) -> Any:
        return getattr(args, name, default)

    if arg("resume", False):
        raise CleanerError(
            "--resume is not supported with --engine ray (a failed run leaves no output; run again)"
        )
    _check_template_args(
        arg("site_templates") or "auto", arg("templates"), arg("templates_out"), arg("site_field")
    )
    spec = BatchSpec(
        text_column=arg("text_column"),
        html_column=arg("html_column"),
        id_column=arg("id_column") or "id",
        config=_config_arg(args),
        format=arg("format", "auto"),
        site_templates=arg("site_templates") or "auto",
        templates=arg("templates"),
        site_field=arg("site_field"),
    )
    quiet = bool(arg("quiet", False))
    files = FileOptions(
        inputs=tuple(args.inputs),
        output=args.output,
        workers=arg("workers"),
        batch_size=arg("batch_size"),
        address=arg("ray_address"),
        quiet=quiet,
        verbose=bool(arg("verbose", False)),
        templates_out=arg("templates_out"),
    )
    summary = run(spec, files)
    if arg("report"):
        from cleaner.runner import write_report

        write_report(args.report, summary)
    if not quiet:
        print(summary.render(), file=sys.stderr)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _use_kernels(args: argparse.Namespace, groups: list[Any], input_bytes: int | None) -> str:
    """Choose how this process (and the workers it forks or starts) runs the
    kernels: ``--kernels``, else ``$CLEANER_KERNELS``, else by
    :func:`cleaner.jit.choose` (auto)."""
    from cleaner import jit, kernels

    chosen = getattr(args, "kernels", None) or os.environ.get(kernels.MODE_ENV, "").strip().lower() or "auto"
    if chosen == "auto":
        chosen = jit.choose(groups, input_bytes)
    elif chosen not in kernels.MODES:
        raise CleanerError(f"${kernels.MODE_ENV}={chosen!r}: expected auto, {' or '.join(kernels.MODES)}")
    os.environ[kernels.MODE_ENV] = (
        chosen  # (workers that start afresh read it; forked ones inherit the choice)
    )
    return kernels.use(chosen)


_COMPRESSED = (".gz", ".zst", ".zstd", ".bz2", ".xz")
_MARKUP = (".html", ".htm", ".xhtml", ".warc", ".arc")


def _input_bytes(inputs: list[str], enough: int = 1 << 30) -> int | None:
    """About how many bytes of text a run cleans, or None when unknown
    (standard input): a compressed file counts five times its size, an HTML or
    WARC file a quarter (most of a page is markup the kernels never see);
    counting stops past ``enough``."""
    total = 0
    for name in inputs:
        if name == "-":
            return None
        path = Path(name)
        files = [path] if not path.is_dir() else (p for p in path.rglob("*") if p.is_file())
        for f in files:
            try:
                size = f.stat().st_size
            except OSError:
                continue
            suffixes = [x.lower() for x in f.suffixes[-2:]]
            if suffixes and suffixes[-1] in _COMPRESSED:
                size *= 5
                suffixes.pop()
            if suffixes and suffixes[-1] in _MARKUP:
                size //= 4
            total += size
            if total >= enough:
                return total
    return total


def _check_template_args(mode: str, table: str | None, out: str | None, site_field: str | None) -> None:
    """--site-templates, --templates, --templates-out and --site-field that contradict each other."""
    if mode == "off" and (table or out):
        raise CleanerError("--site-templates off: --templates and --templates-out need site templates")
    if table and site_field:
        raise CleanerError("--site-field: a --templates table cleans by the field it was counted with")


def _template_options(args: argparse.Namespace, read: Any) -> Any:
    """--site-templates, --templates, --templates-out, --site-field: checked, or None (no site templates)."""
    from cleaner.templates import TemplateOptions, TemplatesError

    mode, table, out = args.site_templates, args.templates, args.templates_out
    _check_template_args(mode, table, out, args.site_field)
    if table:
        from cleaner.templates import SiteTemplates

        try:
            SiteTemplates.load(table)  # a bad file: one line, before any work
        except TemplatesError as exc:
            raise CleanerError(f"--templates {exc}") from None
    counting = (mode != "off" and not table) or out
    streams = [x for x in args.inputs if x == "-" or not (Path(x).is_file() or Path(x).is_dir())]
    if counting and streams:  # standard input, a FIFO or a device: read once only
        if mode == "on" or out:
            raise CleanerError(
                f"site templates read the input twice: {streams[0]} cannot be (standard input, "
                "a FIFO or a device); give files, or a table with --templates"
            )
        return None if not table else TemplateOptions(mode, table, None, None)
    if mode == "off":
        return None
    return TemplateOptions(mode, table, out, args.site_field)


def _compile_note() -> str:
    """A line for the summary of a first run: how much of its time compiling took."""
    from cleaner import jit

    secs = jit.compile_seconds()
    return f"\nfirst run: {secs:.1f}s of it compiling the kernels (kept for later runs)" if secs > 0 else ""


# an OUTPUT that names a file by its extension (out.txt, out.json, notes.md)
_FILE_NAME = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,5}$")


def _check_output(out: str, args: argparse.Namespace) -> None:
    """Usage errors of ``-o``: a file of a kind cleaner does not write is not
    taken for a folder; a folder name must not be an existing file."""
    from cleaner.io.writers import output_kind

    if out == "-":
        if args.resume:
            raise CleanerError("--resume cannot finish a run written to standard output (-o -)")
        return
    if output_kind(out) != "folder":
        return
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise CleanerError(
            f"-o {out}: exists and is not a folder (name a .jsonl or .parquet file, or a folder)"
        )
    if not p.is_dir() and not out.endswith(("/", os.sep)) and _FILE_NAME.search(p.name):
        raise CleanerError(
            f"-o {out}: cleaner does not write {p.suffix} files; name a .jsonl, .jsonl.gz, .jsonl.zst or "
            f".parquet file, - for standard output, or a folder (end it with / if its name has a dot)"
        )


def _may_hold_html(inputs: list[str], fmt: str) -> bool:
    """Whether HTML may come: not when every input is a .txt file (or --format text)."""
    from cleaner.io.readers import kind_of

    if fmt == "text":
        return False
    return fmt == "html" or not all(s != "-" and Path(s).is_file() and kind_of(s) == "text" for s in inputs)


def _env_float(name: str) -> float | None:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        raise CleanerError(f"{name}={value!r}: expected a number of seconds") from None


# --------------------------------------------------------------- report
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
        from cleaner.io.writers import replace_atomically

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


# -------------------------------------------------------------- explain
def cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.pipeline import Pipeline

    pipe = Pipeline.from_yaml(_config_arg(args))
    if getattr(args, "templates", None):
        from cleaner.templates import SiteTemplates, TemplatesError

        try:
            pipe.set_templates(SiteTemplates.load(args.templates))
        except TemplatesError as exc:
            raise CleanerError(f"--templates {exc}") from None
    item = _explain_item(args, pipe.limits.max_document_bytes)
    size = len(item.raw or b"") // (
        4 if item.format == "html" or (item.source or "").endswith((".html", ".htm")) else 1
    )
    _use_kernels(args, pipe.kernel_groups(), size)
    doc = pipe.clean(
        item.raw,
        format=item.format,
        id=item.id,
        source=item.source,
        metadata=item.metadata,
        extra=item.extra,
        charset=args.charset,
    )
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
        "id": doc.id,
        "status": doc.status,
        "language": doc.language,
        "language_score": doc.language_score,
        "lines": sum(1 for ln in doc.lines if ln.text.strip()),
        "removed": len(doc.removed),
        "repairs": len(doc.repairs),
        "artifacts": doc.artifacts,
    }
    if doc.charset:
        info["charset"] = doc.charset
    if doc.error:
        info["error"] = doc.error
    if doc.reason:
        info["reason"] = doc.reason
    print("\n" + json.dumps(info, ensure_ascii=False), file=sys.stderr)
    return 0


def _read_document(fh: Any, where: str, cap: int) -> bytes:
    """A document to explain, read up to the size limit (never whole when larger)."""
    from cleaner.io.streams import read_capped

    data, size = read_capped(fh, cap)
    if data is None:
        raise CleanerError(f"{where}: larger than limits.max_document_bytes={cap}; not read")
    return data


def _explain_item(args: argparse.Namespace, cap: int) -> Any:
    """The one document ``explain`` shows, as an input item: a text or HTML
    file, the record ``--id`` names in a file of records (or its first), or
    standard input (JSON lines are records, anything else one document); each
    read up to the size limit ``cap`` (never whole when larger)."""
    from cleaner.io.readers import InputItem, ReadOptions, iter_inputs, kind_of

    read = ReadOptions(
        format=args.format,
        text_column=args.text_column,
        html_column=args.html_column,
        id_column=args.id_column,
        max_bytes=cap,
    )
    name = args.file
    if name == "-":
        records = True
    else:
        path = Path(name)
        if path.is_dir():
            raise CleanerError(
                f"{name}: is a folder; explain shows one document: name a file in it, or a file of records "
                f"(.jsonl, .warc, .parquet) with --id ID"
            )
        if not path.is_file():
            raise CleanerError(f"{name}: no such file")
        records = kind_of(path) in ("jsonl", "warc", "parquet")
        if not records:
            if args.record_id is not None:
                raise CleanerError(
                    f"--id {args.record_id}: {name} is one document; --id picks a record of a "
                    f".jsonl[.gz|.zst], .warc[.gz] or .parquet file"
                )
            fmt = args.format
            if fmt == "auto":
                fmt = {"html": "html", "text": "text"}.get(kind_of(path) or "", "auto")
            with open(path, "rb") as fh:
                return InputItem(name, _read_document(fh, name, cap), fmt, name)
    seen = 0
    first_ids: list[str] = []
    for item in iter_inputs([name], read):
        seen += 1
        if len(first_ids) < 3:
            first_ids.append(item.id)
        if args.record_id is None or item.id == args.record_id:
            record = name != "-" or seen > 1 or item.source != "<stdin>"  # (else: stdin is one document)
            if item.error is not None:
                raise CleanerError(
                    f"{item.source or name}: record {item.id}: {item.error}" if record else item.error
                )
            if item.raw is None:
                raise CleanerError(
                    f"{item.source or name}: record {item.id} has no content"
                    + (f" ({item.drop})" if item.drop else "")
                )
            if record:
                print(f"record {item.id} ({item.source or name})", file=sys.stderr)
            return item
    where = "standard input" if name == "-" else name
    if args.record_id is None:
        raise CleanerError(f"{where}: no records")
    raise CleanerError(
        f"{where}: no record with id {args.record_id!r} ({seen:,} records read; ids such as "
        f"{', '.join(first_ids)})"
    )


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
    from cleaner.resources import rules_dir
    from cleaner.rules import RuleSet
    from cleaner.ruletest import check_rules, find_shadowed

    config_packs = list(load_config(_config_arg(args)).rule_packs)
    packs = [Path(p) for p in args.packs] if args.packs else config_packs
    for p in packs:
        if not p.is_file():
            raise CleanerError(f"{p}: no such rule pack")
    rules = RuleSet.load(packs)
    from cleaner.stages.boilerplate import RULES_GROUP

    _use_kernels(
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
