"""``cleaner clean ... -o -``: records as JSON lines on standard output.

The same documents and the same records as a run to a ``.jsonl`` file (the
same readers, workers and encoder, in input order), written to a stream as
they come, so that ``cleaner`` composes with ``jq``, ``zstdcat`` and ``split``.
There is no run folder: a stream cannot be truncated to a checkpoint, so
``--resume`` does not apply; the summary and the progress line go to standard
error.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import Counter
from dataclasses import replace
from typing import BinaryIO

from cleaner.io.items import ReadState
from cleaner.io.readers import iter_inputs
from cleaner.pipeline import Pipeline
from cleaner.report import Summary
from cleaner.runner.job import JobOptions, check_job, write_report
from cleaner.runner.progress import Progress, total_in_background
from cleaner.runner.window import run

__all__ = ["run_to_stream"]


def run_to_stream(opts: JobOptions, stream: BinaryIO) -> Summary:
    """Clean ``opts.inputs`` and write each record as a JSON line to ``stream``.

    As :func:`cleaner.runner.job.run_job` does: every read within the pipeline's
    ``limits.max_document_bytes`` (standard input too), and the documents
    cleaned by worker processes under the watchdog (``--workers 1`` too)."""
    check_job(opts)
    pipeline = opts.pipeline if opts.pipeline is not None else Pipeline.from_yaml(opts.config)
    opts.pipeline = pipeline
    opts.read = replace(opts.read, max_bytes=pipeline.limits.max_document_bytes)
    summary = Summary()
    summary.workers = opts.workers
    progress = Progress(opts.progress or sys.stderr, opts.progress is not None)
    if progress.enabled:
        total_in_background(opts.inputs, progress)
    rs = ReadState()
    t0 = opts.started if opts.started is not None else time.monotonic()
    try:
        with contextlib.closing(
            run(
                iter_inputs(opts.inputs, opts.read, state=rs),
                opts.config,
                opts.workers,
                pipeline=pipeline,
                encode=True,
                isolate=True,
            )
        ) as results:
            for item, record in results:
                stream.write(record.line)
                summary.add_facts(record.facts, item.size)
                if progress.enabled:
                    progress.update(summary.documents, summary.bytes_in or 0, disk_bytes=rs.bytes_read())
        stream.flush()
    finally:
        progress.close()
    summary.seconds = time.monotonic() - t0
    summary.skipped = list(rs.skipped)
    summary.skipped_files = Counter(rs.skipped_kinds)
    if opts.report:
        write_report(opts.report, summary)
    return summary
