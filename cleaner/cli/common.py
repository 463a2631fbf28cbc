"""What the commands share: the ``--config`` file and the choice of ``--kernels``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from cleaner.errors import CleanerError


def config_arg(args: argparse.Namespace) -> str | None:
    if not args.config:
        return None
    from cleaner.config import resolve_config_path

    path = resolve_config_path(args.config)
    if not path.is_file():
        raise CleanerError(f"--config: no such file: {args.config}")
    return str(path.resolve())


def use_kernels(args: argparse.Namespace, groups: list[Any], input_bytes: int | None) -> str:
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
