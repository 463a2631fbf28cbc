"""The ``cleaner`` command: :func:`main` parses the arguments and runs a command.

* :mod:`cleaner.cli.parser`: the arguments and their help (``build_parser``);
* :mod:`cleaner.cli.clean`: ``cleaner clean`` (local workers, or Ray);
* :mod:`cleaner.cli.explain`: ``cleaner explain``, one document line by line;
* :mod:`cleaner.cli.report`: ``cleaner report``, the summary and HTML report of a run;
* :mod:`cleaner.cli.rules`: ``cleaner rules list`` and ``cleaner rules test``;
* :mod:`cleaner.cli.common`: what the commands share (``--config``, ``--kernels``).
"""

from __future__ import annotations

import os
import sys
import time

from cleaner.cli.parser import build_parser
from cleaner.errors import CleanerError

__all__ = ["build_parser", "entry", "main"]


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
