"""The wheel holds every package of the source tree and the model arrays.

`pyproject.toml` lists the packages by hand (the rule packs are mapped into
`cleaner._rules`); a new subpackage left out of that list works in an editable
install and breaks `pip install .`, so the list is held to the tree here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="Python 3.11's TOML reader")

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_of_the_tree_is_in_the_wheel_list() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(conf["packages"])
    tree = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "cleaner").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert tree <= listed, f"packages missing from pyproject.toml: {sorted(tree - listed)}"
    data = conf["package-data"]["cleaner._rules"]
    shipped = {p.suffix for p in (ROOT / "rules").iterdir() if p.is_file()}
    assert {f"*{s}" for s in shipped} <= set(data), (shipped, data)
