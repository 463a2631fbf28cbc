"""The package's layout rules, checked on its source (no import of it).

No module of ``cleaner`` reaches into another module's private names: what
one module needs of another is public (no leading underscore) and named in
that module's documentation, so that a private name can change with its own
module alone. An import (``from cleaner.io.writers import _x``, multi-line or
relative ones included) and an attribute of an imported module (``K._x``,
``cleaner.runner.pool._x``, ``getattr(K, "_x")``) both count. Strings that merely look
like names (``doc.metadata["_html"]``) do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cleaner"
EXEMPT: tuple[str, ...] = ()  # (folders left out of the rule: none)


def _module_name(rel: str) -> str:
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p.relative_to(ROOT).as_posix()): p
        for p in sorted(PACKAGE.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    """The module an ``from ... import`` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = here.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def private_uses(rel: str, source: str, modules: dict[str, Path]) -> list[str]:
    """``file:line: what`` for each private name of another cleaner module used
    in the module at ``rel`` (a path from the repository's root) with ``source``."""
    here = _module_name(rel)
    tree = ast.parse(source, filename=rel)
    bound: dict[str, str] = {}  # local name -> the cleaner module it is bound to
    found: list[str] = []

    def report(node: ast.AST, module: str, name: str) -> None:
        if module != here and module in modules and _private(name):
            found.append(f"{rel}:{node.lineno}: {module}.{name}")  # type: ignore[attr-defined]

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] != "cleaner":
                    continue
                if a.asname:
                    bound[a.asname] = a.name
                else:
                    bound["cleaner"] = "cleaner"
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, here, rel.endswith("/__init__.py"))
            if source.split(".")[0] != "cleaner":
                continue
            for a in node.names:
                sub = f"{source}.{a.name}"
                if sub in modules:  # a module, bound to a local name
                    bound[a.asname or a.name] = sub
                else:
                    report(node, source, a.name)

    def module_of(expr: ast.AST) -> str | None:
        if isinstance(expr, ast.Name):
            return bound.get(expr.id)
        if isinstance(expr, ast.Attribute):
            parent = module_of(expr.value)
            if parent is not None and f"{parent}.{expr.attr}" in modules:
                return f"{parent}.{expr.attr}"
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            module = module_of(node.value)
            if module is not None:
                report(node, module, node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            module = module_of(node.args[0])
            if module is not None:
                report(node, module, node.args[1].value)
    return sorted(found, key=lambda hit: int(hit.split(":")[1]))


def test_no_module_uses_another_modules_private_names() -> None:
    modules = _modules()
    found = [
        hit
        for path in modules.values()
        if not path.relative_to(ROOT).as_posix().startswith(EXEMPT)
        for hit in private_uses(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"), modules)
    ]
    assert not found, "private names used across modules (make them public):\n" + "\n".join(found)


def test_the_check_sees_each_form() -> None:
    """The check itself: each way of reaching a private name is caught, and public names and strings are not."""
    modules = _modules()
    code = (
        "from cleaner.io.writers import (\n"
        "    open_sink,\n"
        "    _line_bytes,\n"
        ")\n"
        "from .kernels import chars as K\n"
        "import cleaner.kernels.features\n"
        "import cleaner.pipeline as P\n"
        "x = K._FNV_PRIME + K.public\n"
        "y = cleaner.kernels.features._window_mean\n"
        "z = getattr(P, '_hidden')\n"
        "w = {'_html': 1}['_html']\n"
    )
    hits = private_uses("cleaner/zz_layout_probe.py", code, modules)
    assert hits == [
        "cleaner/zz_layout_probe.py:1: cleaner.io.writers._line_bytes",
        "cleaner/zz_layout_probe.py:8: cleaner.kernels.chars._FNV_PRIME",
        "cleaner/zz_layout_probe.py:9: cleaner.kernels.features._window_mean",
        "cleaner/zz_layout_probe.py:10: cleaner.pipeline._hidden",
    ], hits


def test_cleaner_io_names_its_public_helpers() -> None:
    """``cleaner.io`` hands out the helpers its documentation lists, each the very
    object of its module (loaded on first use), and nothing it does not list."""
    import importlib

    import cleaner.io as cio

    assert sorted(cio.__all__) == sorted(cio._MODULE), "__all__ and _WHERE of cleaner/io/__init__.py differ"
    for name in cio.__all__:
        module = importlib.import_module(f"cleaner.io.{cio._MODULE[name]}")
        assert getattr(cio, name) is getattr(module, name), name
        assert f"``{name}``" in (cio.__doc__ or "") or f"{name}`" in (cio.__doc__ or ""), name
    assert cio.codec_of("a.JSONL.GZ") == "gz" and cio.codec_of("a.jsonl.zstd") == "zst"
    assert cio.codec_of("a.jsonl") is None
    try:
        cio.no_such_helper  # noqa: B018
    except AttributeError as exc:
        assert "no_such_helper" in str(exc)
    else:
        raise AssertionError("an unknown name was handed out")
