"""Streams as input: standard input, or a FIFO or device named on the command line.

A stream is JSONL records when its first line is a JSON object (and the
format is not given), else one document; it is read up to the size limit and
no further (``/dev/zero`` ends as one error item). WARC and Parquet are read by
position, so they must be regular files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from cleaner.io.items import InputItem, ReadOptions, ReadState, doc_id, file_type, kind_of, limit_message
from cleaner.io.jsonl import LinesFailed, jsonl_item, jsonl_lines
from cleaner.io.streams import open_binary, read_capped


def read_stream(
    stream: IO[bytes], where: str, stem: str, opts: ReadOptions, st: ReadState, fmt: str | None = None
) -> Iterator[InputItem]:
    """Standard input, or a FIFO or device named as input: JSONL records when
    its first line is a JSON object (and the format is not given), else one
    document. Read up to the size limit and no further: a stream that never
    ends (``/dev/zero``) ends as one error item."""
    cap = opts.max_bytes
    fmt = fmt or opts.format
    first = stream.readline(cap + 1) if cap else stream.readline()
    over = bool(cap) and len(first) > cap
    if not over and fmt == "auto" and first.lstrip()[:1] == b"{":
        try:
            json.loads(first)
            is_jsonl = True
        except ValueError:
            is_jsonl = False
        if is_jsonl:
            path = Path(where)
            if not st.take_skip():
                yield jsonl_item(first, path, 1, stem, opts.format)
            try:
                yield from jsonl_lines(stream, path, stem, opts.format, st, cap, first=2)
            except LinesFailed as exc:
                if not st.take_skip():
                    yield InputItem(
                        f"{stem}:{exc.lineno}",
                        None,
                        opts.format,
                        f"{where}:{exc.lineno}",
                        error=f"{where}:{exc.lineno}: cannot read ({exc.cause})",
                    )
            return
    rest, size = (None, 0) if over else read_capped(stream, cap - len(first) if cap else 0)
    if st.take_skip():
        return
    if rest is None:
        total = len(first) + size
        yield InputItem(
            stem,
            None,
            fmt,
            where,
            nbytes=total,
            error=limit_message(where, total, cap, "input", at_least=True),
        )
        return
    yield InputItem(stem, first + rest, fmt, where)


def read_named_stream(path: Path, opts: ReadOptions, st: ReadState) -> Iterator[InputItem]:
    """A FIFO or device named on the command line (``<(zcat x.jsonl.gz)``, ``/dev/stdin``)."""
    kind = kind_of(path)
    stem = doc_id(path, None)
    if kind in ("warc", "parquet"):
        if not st.take_skip():
            yield InputItem(
                stem,
                None,
                opts.format,
                str(path),
                error=f"{path}: a {kind} file must be a regular file (it is read by position), "
                f"not a {file_type(os.stat(path).st_mode)}",
            )
        return
    try:
        fh, raw = open_binary(path)
    except OSError as exc:
        if not st.take_skip():
            yield InputItem(stem, None, opts.format, str(path), error=f"{path}: cannot read: {exc}")
        return
    with fh, raw:
        if kind == "jsonl":
            try:
                yield from jsonl_lines(fh, path, stem, opts.format, st, opts.max_bytes)
            except LinesFailed as exc:
                if not st.take_skip():
                    yield InputItem(
                        f"{stem}:{exc.lineno}",
                        None,
                        opts.format,
                        f"{path}:{exc.lineno}",
                        error=f"{path}:{exc.lineno}: cannot read ({exc.cause})",
                    )
            return
        fmt = opts.format if opts.format != "auto" or kind is None else kind
        yield from read_stream(fh, str(path), stem, opts, st, fmt)
