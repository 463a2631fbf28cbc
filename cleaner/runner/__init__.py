"""Batch runs: ``cleaner clean`` and the pieces it is made of.

Where things are (read in this order):

* :mod:`~cleaner.runner.job`: ``cleaner clean`` as a function (:func:`run_job`,
  :class:`JobOptions`): the output checks, the run folder, ``--resume``,
  Ctrl-C and SIGTERM, checkpoints, the summary and the report;
* :mod:`~cleaner.runner.window`: :func:`run`, which cleans a stream of input
  items and yields the records in input order: in this process, or through the
  worker pool in a sliding window that keeps memory flat, retrying the
  documents of a worker that died;
* :mod:`~cleaner.runner.pool`: the worker processes and the watchdog that
  stops one over a time or memory limit;
* :mod:`~cleaner.runner.worker`: what runs inside a worker process;
* :mod:`~cleaner.runner.state`: the run folder, its lock, ``state.json``,
  and what a resumed run must find unchanged;
* :mod:`~cleaner.runner.progress`: the progress line;
* :mod:`~cleaner.runner.stream`: ``-o -``, records as JSON lines on standard output.

The names below are the package's interface (the CLI, the integrations and
library users import them from ``cleaner.runner``).
"""

from __future__ import annotations

from cleaner.report import Summary
from cleaner.runner.job import JobOptions, RunInterrupted, check_job, run_job, use_templates, write_report
from cleaner.runner.pool import default_workers
from cleaner.runner.progress import Progress
from cleaner.runner.state import STATE_VERSION
from cleaner.runner.stream import run_to_stream
from cleaner.runner.window import run
from cleaner.runner.worker import Encoded

__all__ = [
    "STATE_VERSION",
    "Encoded",
    "JobOptions",
    "Progress",
    "RunInterrupted",
    "Summary",
    "check_job",
    "default_workers",
    "run",
    "run_job",
    "run_to_stream",
    "use_templates",
    "write_report",
]
