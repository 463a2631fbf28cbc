"""Reading inputs and writing records: what ``cleaner clean``, the integrations and the tools share.

Readers make input items from files; writers (sinks) consume cleaned records.

* :mod:`cleaner.io.readers`: files, folders, JSONL, WARC, Parquet and standard
  input as input items: ``iter_inputs`` (with ``ReadOptions``, counting into a
  ``ReadState``); ``walk`` for a folder in the order a run reads it.
* :mod:`cleaner.io.items`: what the readers make and share:
  :class:`~cleaner.io.items.InputItem`, ``ReadOptions``, ``ReadState``;
  ``kind_of`` for a file's kind by name (``jsonl``, ``warc``, ``parquet``,
  ``text``, ``html`` or None); the pieces an engine that reads files itself
  needs to make the same items: ``doc_id`` (a file's document id),
  ``file_size``, ``short_message`` (an exception as a one-line message for an
  error record).
* :mod:`cleaner.io.jsonl`: JSONL input: ``jsonl_item`` (one JSONL line as an
  item, or an error item naming file and line), ``jsonl_stream_items`` (the
  items of an open JSONL stream, a truncated end included).
* :mod:`cleaner.io.stdin`: standard input, FIFOs and devices as input.
* :mod:`cleaner.io.streams`: bounded reading: ``codec_of`` (``gz``, ``zst`` or
  None by name), ``decompressing`` (any binary file's decompressed bytes in
  bounded pieces, through ``DecompressingRaw``; ``TruncatedInput`` after what
  a damaged file held), ``open_binary``, ``read_line``, ``read_capped``,
  ``read_small``.
* :mod:`cleaner.io.writers`: the sinks (JSONL, Parquet, a folder of ``.txt``)
  made by ``open_sink``: ``Sink``, and ``LineSink`` for those that take encoded
  lines; ``line_bytes`` (a record as its JSONL line, as every output writes
  it), ``work_dir`` (a run's folder), ``output_kind``.
* :mod:`cleaner.io.parquet_sink`: the Parquet output: ``flatten_record`` /
  ``unflatten_row`` (a record as a Parquet row and back) and its sink.
* :mod:`cleaner.io.files`: files of a run folder, never written through a link.
* :mod:`cleaner.io.parquet` and :mod:`cleaner.io.warc`: the Parquet and WARC readers.

The names above can also be imported from ``cleaner.io`` itself; each is
loaded with its module on first use (importing ``cleaner.io`` loads nothing).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cleaner.io.items import (
        InputItem,
        ReadOptions,
        ReadState,
        doc_id,
        file_size,
        kind_of,
        short_message,
    )
    from cleaner.io.jsonl import jsonl_item, jsonl_stream_items
    from cleaner.io.parquet_sink import flatten_record, unflatten_row
    from cleaner.io.readers import iter_inputs, walk
    from cleaner.io.streams import (
        DecompressingRaw,
        TruncatedInput,
        codec_of,
        decompressing,
        open_binary,
        read_capped,
        read_line,
        read_small,
    )
    from cleaner.io.writers import (
        LineSink,
        Sink,
        line_bytes,
        open_sink,
        output_kind,
        work_dir,
    )

_WHERE = {
    "readers": (
        "iter_inputs",
        "walk",
    ),
    "items": (
        "InputItem",
        "ReadOptions",
        "ReadState",
        "doc_id",
        "file_size",
        "kind_of",
        "short_message",
    ),
    "jsonl": (
        "jsonl_item",
        "jsonl_stream_items",
    ),
    "streams": (
        "DecompressingRaw",
        "TruncatedInput",
        "codec_of",
        "decompressing",
        "open_binary",
        "read_capped",
        "read_line",
        "read_small",
    ),
    "writers": (
        "LineSink",
        "Sink",
        "line_bytes",
        "open_sink",
        "output_kind",
        "work_dir",
    ),
    "parquet_sink": (
        "flatten_record",
        "unflatten_row",
    ),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [  # (each name also in _WHERE: tests/test_layout.py holds the two together)
    "DecompressingRaw",
    "InputItem",
    "LineSink",
    "ReadOptions",
    "ReadState",
    "Sink",
    "TruncatedInput",
    "codec_of",
    "decompressing",
    "doc_id",
    "file_size",
    "flatten_record",
    "iter_inputs",
    "jsonl_item",
    "jsonl_stream_items",
    "kind_of",
    "line_bytes",
    "open_binary",
    "open_sink",
    "output_kind",
    "read_capped",
    "read_line",
    "read_small",
    "short_message",
    "unflatten_row",
    "walk",
    "work_dir",
]


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'cleaner.io' has no attribute {name!r}")
    return getattr(importlib.import_module(f"cleaner.io.{module}"), name)
