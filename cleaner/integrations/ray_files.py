"""``cleaner clean --engine ray``: JSONL and Parquet files in, a folder of part files out, through Ray Data.

::

    from cleaner.integrations import BatchSpec
    from cleaner.integrations.ray_files import FileOptions, run

    summary = run(BatchSpec(), FileOptions(inputs=("scrapes/",), output="clean/", workers=8))

or with keyword arguments, as the command line's options::

    from cleaner.integrations.ray_files import clean_files

    summary = clean_files(["scrapes/"], "clean/", workers=8, site_templates="on")

What is cleaned, and how (columns, config, format, site templates), is a
:class:`~cleaner.integrations.spec.BatchSpec`; where the files are and how the
run goes (inputs, output, workers, batch size, the Ray cluster, logging,
``--templates-out``) is a :class:`FileOptions`. The command line builds both
from its arguments (``cleaner.cli``); this module knows nothing of argparse.

Inputs: JSONL (``.jsonl``/``.ndjson``, optionally ``.gz``/``.zst``) and Parquet,
local paths or URIs Ray can read (``s3://``, ``gs://``, ...); the output is a
folder of part files, ``part-000000.jsonl`` ... or ``part-000000.parquet`` ...
(JSONL unless OUTPUT ends in ``.parquet``; ``.jsonl.gz`` gives gzip parts), in
input order, holding the same records (JSONL) or rows (Parquet) as the local
engine writes (see :mod:`cleaner.integrations.ray_io`). Site templates as the
local run's: a first pass counts with Ray Data's group-by
(:func:`cleaner.integrations.ray.count_templates`), the table goes to the workers
with ``ray.put``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cleaner.errors import CleanerError
from cleaner.integrations import ray_io
from cleaner.integrations.batch import clean_batch, get_pipeline
from cleaner.integrations.ray import DEFAULT_BATCH_SIZE, count_templates, require_ray, ship_table, task_pool
from cleaner.integrations.sites import Shipped, load_table, resolve
from cleaner.integrations.spec import BatchSpec, build_spec
from cleaner.report import Summary
from cleaner.templates import SiteTemplates

__all__ = ["FileOptions", "clean_files", "run"]

#: The spec of a files run when none is given: the content column as the local engine picks it.
FILES_SPEC = BatchSpec(text_column=None)


@dataclass(frozen=True)
class FileOptions:
    """Where a ``--engine ray`` run reads and writes, and how it runs.

    ``inputs``: files, folders or URIs (JSONL, Parquet); ``output``: the folder
    of part files (its name picks their kind). ``workers``: the CPUs of a Ray
    started here, and a cap on the concurrent cleaning tasks on a cluster.
    ``batch_size``: documents per batch (default 64). ``address``: the Ray
    cluster to join (default: ``$RAY_ADDRESS``, else a local Ray; a Ray already
    initialised in this process is used as is). ``quiet``: Ray's errors only, no
    progress or notes; ``verbose``: Ray's INFO lines too. ``templates_out``: where
    to save the site-templates table the first pass counts."""

    inputs: tuple[str, ...]
    output: str
    workers: int | None = None
    batch_size: int | None = None
    address: str | None = None
    quiet: bool = True
    verbose: bool = False
    templates_out: str | Path | None = None


def clean_files(
    inputs: list[str],
    output: str,
    *,
    config: str | None = None,
    workers: int | None = None,
    format: str = "auto",
    text_column: str | None = None,
    html_column: str | None = None,
    id_column: str = "id",
    batch_size: int | None = None,
    address: str | None = None,
    quiet: bool = True,
    verbose: bool = False,
    site_templates: bool | str = "auto",
    templates: str | Path | SiteTemplates | None = None,
    templates_out: str | Path | None = None,
    site_field: str | None = None,
    spec: BatchSpec | None = None,
) -> Summary:
    """:func:`run` with keyword arguments (the spec's, or ``spec=``, and the :class:`FileOptions`).

    ``text_column`` / ``html_column`` None: the Parquet content column as the
    local engine picks it (``text``, else ``html``). Raises
    :class:`CleanerError` for usage errors (before Ray starts)."""
    try:
        spec = build_spec(
            spec,
            FILES_SPEC,
            text_column=text_column,
            html_column=html_column,
            id_column=id_column,
            config=config,
            format=format,
            site_templates=site_templates,
            templates=templates,
            site_field=site_field,
        )
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    files = FileOptions(tuple(inputs), output, workers, batch_size, address, quiet, verbose, templates_out)
    return run(spec, files)


def run(spec: BatchSpec, files: FileOptions) -> Summary:
    """Read ``files.inputs`` through Ray Data, clean them as ``spec`` says with
    :func:`~cleaner.integrations.batch.clean_batch`, write the folder of part
    files and return the run's summary. Usage errors (a bad config or
    templates file, inputs Ray does not read, a missing Parquet column, an
    output that exists) raise :class:`CleanerError` before Ray starts."""
    from cleaner.templates import TemplatesError

    get_pipeline(spec.for_workers().config).warm(html=False)  # a bad config, rule pack or model fails here
    if spec.templates is not None:
        try:
            spec = replace(spec, templates=load_table(spec.templates))  # a bad file: one line, before Ray
        except TemplatesError as exc:
            raise CleanerError(f"--templates {exc}") from None
    jsonl, parquet, shown = ray_io.list_inputs(files.inputs)
    if parquet and not any(ray_io.is_uri(p) for p in parquet):
        ray_io.check_parquet_columns(parquet, shown, spec)
    ray_io.check_output(files.output)
    ray = require_ray()
    with _session(ray, files) as concurrency:
        summary = _clean_all(ray, spec, files, jsonl, parquet, shown, concurrency)
    summary.workers = files.workers
    return summary


# ------------------------------------------------------------------ Ray
@contextlib.contextmanager
def _session(ray: Any, files: FileOptions) -> Iterator[int | None]:
    """Ray for the run (joined, started here, or the one this process has), its
    logging and Ray Data's ordering; yields the cap on concurrent cleaning tasks."""
    from ray.data import DataContext

    quiet = files.quiet
    level = logging.ERROR if quiet else logging.INFO if files.verbose else logging.WARNING
    address = files.address or os.environ.get("RAY_ADDRESS")
    with contextlib.ExitStack() as stack:
        if quiet:  # -q: Ray's own warnings too
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
        for name in ("ray", "ray.data"):
            stack.enter_context(_log_level(name, level))
        started = False
        if not ray.is_initialized():
            common: dict[str, Any] = {"log_to_driver": not quiet, "logging_level": level}
            if address:
                ray.init(address=address, **common)
            else:
                from cleaner.runner import default_workers

                ray.init(num_cpus=files.workers or default_workers(), include_dashboard=False, **common)
            started = True
        if started:
            stack.callback(ray.shutdown)
        ctx = DataContext.get_current()
        saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars)
        stack.callback(_restore_context, ctx, saved)
        ctx.execution_options.preserve_order = True  # parts in input order
        ctx.enable_progress_bars = not quiet
        # a Ray started here has `workers` CPUs, which bounds the tasks; on a cluster, --workers caps them
        yield None if started and not address else files.workers


def _restore_context(ctx: Any, saved: tuple[bool, bool]) -> None:
    ctx.execution_options.preserve_order, ctx.enable_progress_bars = saved


@contextlib.contextmanager
def _log_level(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def _note(msg: str) -> None:
    print(msg, file=sys.stderr)


# ------------------------------------------------------------------ the run
def _clean_to_output(batch: Any, kind: str, **clean_kwargs: Any) -> Any:
    return ray_io.to_output(clean_batch(batch, **clean_kwargs), kind)


def _clean_step(ds: Any, kind: str, concurrency: int | None, batch_size: int, **clean_kwargs: Any) -> Any:
    """clean_batch and the conversion to output rows in one task (one operator: no hand-over between them)."""
    return ds.map_batches(
        _clean_to_output,
        batch_format="pyarrow",
        batch_size=batch_size,
        fn_kwargs={"kind": kind, **clean_kwargs},
        **task_pool(concurrency),
    )


# (a dataset, the spec it is cleaned with, the column of its sites)
Part = tuple[Any, BatchSpec, str]


def _read(
    ray: Any, spec: BatchSpec, jsonl: list[str], parquet: list[str], shown: dict[str, str], rows: int
) -> list[Part]:
    """The inputs as datasets of documents, each with its columns."""
    field = spec.site_field
    if isinstance(spec.templates, SiteTemplates) and field is None:
        field = spec.templates.site_field  # a table cleans by the field it was counted with
    parts: list[Part] = []
    if jsonl:
        files = ray.data.from_items([{"path": f} for f in jsonl], override_num_blocks=len(jsonl))
        lines = files.map_batches(
            ray_io.read_jsonl_files,
            batch_size=1,
            batch_format="pyarrow",
            fn_kwargs={"format": spec.format, "shown": shown, "rows": rows, "site_field": field},
        )
        lines = lines.repartition(target_num_rows_per_block=rows)  # one big file: still many tasks
        columns = replace(spec, text_column="text", html_column="html", id_column="id")
        parts.append((lines, columns, ray_io.SITE if field else "url"))
    if parquet:
        table = ray.data.read_parquet(parquet)
        html_c, text_c = ray_io.content_columns(table.schema().names, spec, "Parquet input")
        content = [c for c in (html_c, text_c) if c]
        table = table.map_batches(ray_io.add_nbytes, batch_format="pyarrow", fn_kwargs={"columns": content})
        table = table.repartition(target_num_rows_per_block=rows)
        parts.append((table, replace(spec, text_column=text_c, html_column=html_c), field or "url"))
    return parts


def _clean_all(
    ray: Any,
    spec: BatchSpec,
    files: FileOptions,
    jsonl: list[str],
    parquet: list[str],
    shown: dict[str, str],
    concurrency: int | None,
) -> Summary:
    output = files.output
    kind, compression = ray_io.output_format(output)
    rows = files.batch_size or DEFAULT_BATCH_SIZE
    local_out = not ray_io.is_uri(output)
    target = Path(output)
    staging = target.parent / f".{target.name}.cleaner-ray" if local_out else None
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    t0 = time.monotonic()
    try:
        parts = _read(ray, spec, jsonl, parquet, shown, rows)
        shipped = _first_pass(parts, spec, files, rows)
        out = []
        for ds, columns, site_column in parts:
            more: dict[str, Any] = {"site_column": site_column} if shipped else {}
            work = columns.for_workers(shipped)
            out.append(_clean_step(ds, kind, concurrency, rows, spec=work, **more))
        ds = out[0] if len(out) == 1 else out[0].union(*out[1:])
        sink = ray_io.make_sink(str(staging.resolve()) if staging is not None else output, kind, compression)
        ds.write_datasink(sink)
        summary = sink.summary
        if staging is not None:
            staging.mkdir(parents=True, exist_ok=True)  # an empty input still gives a folder
            if target.is_dir():
                target.rmdir()  # empty (checked above)
            os.replace(staging, target)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    summary.seconds = time.monotonic() - t0
    return summary


def _first_pass(parts: list[Part], spec: BatchSpec, files: FileOptions, rows: int) -> Shipped | None:
    """The first pass of the run: the site-templates table to clean with (shipped), or None."""

    def count(field: str | None) -> SiteTemplates:
        tables = [
            count_templates(ds, spec=replace(columns, site_field=field), site_column=column, batch_size=rows)
            for ds, columns, column in parts
        ]
        table = tables[0]
        for other in tables[1:]:
            table.merge(other)
        return table

    try:
        table = resolve(
            spec.site_templates,
            spec.templates,
            count,
            spec.for_workers().config,
            spec.site_field,
            files.templates_out,
            None if files.quiet else _note,
        )
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    return ship_table(table) if table is not None else None
