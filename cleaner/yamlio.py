"""Safe YAML loading that remembers the line of every key and list item."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cleaner.errors import ConfigError


class LineDict(dict):
    """A dict that knows the source line of each key (``.lines[key]``)."""

    lines: dict[Any, int]
    line: int


class LineList(list):
    """A list that knows the source line of each item (``.lines[i]``)."""

    lines: list[int]
    line: int


# libyaml's parser where PyYAML has it (its wheels do): the same safe
# constructor (SafeConstructor: plain data only), parsing about 6x faster;
# every run reads a dozen rule files before its first document
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[misc, valid-type]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    # the pairs a merge key (<<: *base) brings come first; the mapping's own
    # keys override them (a key given twice in the mapping itself is an error)
    own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - own
    out = LineDict()
    out.lines = {}
    out.line = node.start_mark.line + 1
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ConfigError(
                "a mapping key must be a plain value", line=key_node.start_mark.line + 1
            ) from None
        if key in out and i >= merged and out.lines[key] >= 0:
            raise ConfigError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1, key=str(key))
        out[key] = loader.construct_object(value_node, deep=True)
        # a merged key's line is its anchor's; marked negative until the mapping's own key comes
        out.lines[key] = key_node.start_mark.line + 1 if i >= merged else -(key_node.start_mark.line + 1)
    for key, line in out.lines.items():
        out.lines[key] = abs(line)
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.lines = [child.start_mark.line + 1 for child in node.value]
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_yaml(path: str | Path) -> Any:
    """Read YAML safely (no object construction), with line numbers on containers.

    Errors name the file and line.
    """
    from cleaner.io.streams import read_small

    path = Path(path)
    try:
        text = read_small(path, "a YAML file").decode("utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", file=str(path)) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except ConfigError as exc:
        raise ConfigError(exc.message, file=str(path), line=exc.line, key=exc.key) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context_mark", None)
        key = _key_near(text, context.line if context else None, mark.line if mark else None)
        raise ConfigError(f"invalid YAML: {problem}", file=str(path), line=line, key=key) from None


_KEY_RE = re.compile(r"""^[\s-]*["']?([^\s:"'#\[\]{},]+)["']?\s*:(?:\s|$)""")


def _key_near(text: str, context_line: int | None, problem_line: int | None) -> str | None:
    """The mapping key a YAML syntax error belongs to, for the error message.

    The construct that was left open (``context_line``) names it best; else the
    key on the error line, else the nearest key above it (0-based lines).
    """
    lines = text.splitlines()
    order: list[int] = []
    if context_line is not None:
        order.append(context_line)
    if problem_line is not None:
        order.extend(range(min(problem_line, len(lines) - 1), -1, -1))
    for i in order:
        if 0 <= i < len(lines):
            m = _KEY_RE.match(lines[i])
            if m:
                return m.group(1)
    return None


def line_of(container: Any, key: Any) -> int | None:
    lines = getattr(container, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key)
    if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return getattr(container, "line", None)
