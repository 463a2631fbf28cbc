"""``cleaner clean``: the run's options checked, then the job run by local workers or by Ray."""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from cleaner.cli.common import config_arg, use_kernels
from cleaner.errors import CleanerError


def cmd_clean(args: argparse.Namespace) -> int:
    from cleaner.config import load_config
    from cleaner.io.items import ReadOptions
    from cleaner.io.readers import check_inputs
    from cleaner.pipeline import Pipeline
    from cleaner.runner import JobOptions, RunInterrupted, check_job, default_workers, run_job

    config = config_arg(args)
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
    use_kernels(args, pipe.kernel_groups(), estimated_text_bytes(args.inputs))
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
        config=config_arg(args),
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


_COMPRESSED = (".gz", ".zst", ".zstd", ".bz2", ".xz")
_MARKUP = (".html", ".htm", ".xhtml", ".warc", ".arc")


def estimated_text_bytes(inputs: list[str], enough: int = 1 << 30) -> int | None:
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
    from cleaner.io.items import kind_of

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
