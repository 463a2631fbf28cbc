"""Readers: turn files, folders, JSONL(.gz) and standard input into input items.

Readers stream: one item at a time, never the whole corpus in memory. A line of
a JSONL file that cannot be used becomes an item that carries the error, so the
run writes an ``error`` record for it and goes on.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import InputError

TEXT_EXT = (".txt",)
HTML_EXT = (".html", ".htm")
JSONL_EXT = (".jsonl", ".jsonl.gz", ".ndjson")


@dataclass
class InputItem:
    id: str
    raw: str | bytes | None
    format: str = "auto"
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # set when the item could not be read

    @property
    def size(self) -> int:
        return len(self.raw) if self.raw is not None else 0


def kind_of(path: str | Path) -> str | None:
    name = str(path).lower()
    if name.endswith(JSONL_EXT):
        return "jsonl"
    if name.endswith(TEXT_EXT):
        return "text"
    if name.endswith(HTML_EXT):
        return "html"
    return None


def iter_inputs(inputs: list[str], format: str = "auto") -> Iterator[InputItem]:
    """All input items of the given paths, in order (folders walked sorted)."""
    for spec in inputs:
        if spec == "-":
            yield from _read_stdin(format)
            continue
        path = Path(spec)
        if path.is_dir():
            for f in _walk(path):
                yield from _read_file(f, format, root=path)
        elif path.is_file():
            yield from _read_file(path, format, root=None)
        else:
            raise InputError(f"{spec}: no such file or folder")


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            f = Path(dirpath) / name
            if kind_of(f) is not None:
                yield f


def _doc_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root is not None else Path(path.name)
    name = rel.as_posix()
    for ext in (*JSONL_EXT, *TEXT_EXT, *HTML_EXT):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def _read_file(path: Path, format: str, root: Path | None) -> Iterator[InputItem]:
    kind = kind_of(path)
    if kind == "jsonl":
        yield from read_jsonl(path, format)
        return
    if kind is None and format == "auto":
        kind = "auto"
    fmt = format if format != "auto" else (kind or "auto")
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield InputItem(_doc_id(path, root), None, fmt, str(path), error=f"{path}: cannot read: {exc}")
        return
    yield InputItem(_doc_id(path, root), data, fmt, str(path))


def _open_text_lines(path: Path) -> io.TextIOBase:
    if str(path).lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="surrogateescape", newline="\n")
    return open(path, encoding="utf-8", errors="surrogateescape", newline="\n")


def read_jsonl(path: Path, format: str = "auto") -> Iterator[InputItem]:
    """Records of a JSONL(.gz) file; bad lines become error items naming file:line."""
    stem = _doc_id(path, None)
    lineno = 0
    try:
        with _open_text_lines(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                yield _jsonl_item(line, path, lineno, stem, format)
    except (EOFError, OSError, zlib.error) as exc:
        yield InputItem(
            f"{stem}:{lineno + 1}", None, format, str(path),
            error=f"{path}:{lineno + 1}: file is truncated or corrupt ({exc}); "
            f"the {lineno} line(s) before were read",
        )


def _jsonl_item(line: str, path: Path, lineno: int, stem: str, format: str) -> InputItem:
    where = f"{path}:{lineno}"
    fallback_id = f"{stem}:{lineno}"
    try:
        line.encode("utf-8")
    except UnicodeEncodeError as exc:
        return InputItem(fallback_id, None, format, where,
                         error=f"{where}: line is not valid UTF-8 (byte at column {exc.start + 1})")
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputItem(fallback_id, None, format, where,
                         error=f"{where}: invalid JSON: {exc.msg} (column {exc.colno})")
    if not isinstance(rec, dict):
        return InputItem(fallback_id, None, format, where,
                         error=f"{where}: expected a JSON object, got {type(rec).__name__}")
    rid = rec.get("id", fallback_id)
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        return InputItem(fallback_id, None, format, where,
                         error=f"{where}: `id` must be a string or number, not {type(rid).__name__}")
    extra = {k: v for k, v in rec.items() if k not in ("id", "text", "html")}
    meta = {"url": rec["url"]} if isinstance(rec.get("url"), str) else {}
    html, text = rec.get("html"), rec.get("text")
    if isinstance(html, str):
        return InputItem(str(rid), html, "html" if format == "auto" else format, where, extra, meta)
    if isinstance(text, str):
        return InputItem(str(rid), text, "text" if format == "auto" else format, where, extra, meta)
    if html is None and text is None:
        msg = "record has no `text` or `html` field"
    else:
        name, value = ("html", html) if html is not None else ("text", text)
        msg = f"field `{name}` must be a string, not {type(value).__name__}"
    return InputItem(str(rid), None, format, where, extra, meta, error=f"{where}: {msg}")


def _read_stdin(format: str) -> Iterator[InputItem]:
    data = sys.stdin.buffer.read()
    head = data.lstrip()[:1]
    if format == "auto" and head == b"{":
        lines = data.splitlines()
        try:
            json.loads(lines[0])
            is_jsonl = True
        except (ValueError, IndexError):
            is_jsonl = False
        if is_jsonl:
            for lineno, raw_line in enumerate(lines, 1):
                if raw_line.strip():
                    yield _jsonl_item(
                        raw_line.decode("utf-8", "surrogateescape"), Path("<stdin>"), lineno, "stdin", format
                    )
            return
    yield InputItem("stdin", data, format, "<stdin>")
