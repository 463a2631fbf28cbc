"""Locate the YAML shipped with the package (``rules/``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def rules_dir() -> Path:
    """The folder holding ``default.yaml`` and the rule packs.

    In a source checkout this is ``<repo>/rules``; in an installed wheel the
    same folder is shipped as ``cleaner/_rules``.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "default.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        "cleaner: cannot find the shipped rules folder (default.yaml); "
        f"looked in {here / '_rules'} and {here.parent / 'rules'}"
    )
