"""``cleaner explain``: one document cleaned, each of its lines shown as kept or removed."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from cleaner.cli.common import config_arg, use_kernels
from cleaner.errors import CleanerError


def cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.pipeline import Pipeline

    pipe = Pipeline.from_yaml(config_arg(args))
    if getattr(args, "templates", None):
        from cleaner.templates import SiteTemplates, TemplatesError

        try:
            pipe.set_templates(SiteTemplates.load(args.templates))
        except TemplatesError as exc:
            raise CleanerError(f"--templates {exc}") from None
    item = _explain_item(args, pipe.limits.max_document_bytes)
    size = len(item.raw or b"") // (
        4 if item.format == "html" or (item.source or "").endswith((".html", ".htm")) else 1
    )
    use_kernels(args, pipe.kernel_groups(), size)
    doc = pipe.clean(
        item.raw,
        format=item.format,
        id=item.id,
        source=item.source,
        metadata=item.metadata,
        extra=item.extra,
        charset=args.charset,
    )
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    red, dim, off = ("\033[31m", "\033[2m", "\033[0m") if color else ("", "", "")
    width = max((len(ln.rule or "") for ln in doc.lines), default=0)
    width = min(max(width, 4), 40)
    for ln in doc.lines:
        if not ln.text.strip() and ln.rule is None:
            if not args.removed_only:
                print()
            continue
        if ln.rule is None:
            if not args.removed_only:
                print(f"{'keep':<{width}}  {ln.text}")
        elif ln.text.strip():
            print(f"{red}{ln.rule:<{width}}{off}  {dim}{ln.text}{off}")
    info: dict[str, Any] = {
        "id": doc.id,
        "status": doc.status,
        "language": doc.language,
        "language_score": doc.language_score,
        "lines": sum(1 for ln in doc.lines if ln.text.strip()),
        "removed": len(doc.removed),
        "repairs": len(doc.repairs),
        "artifacts": doc.artifacts,
    }
    if doc.charset:
        info["charset"] = doc.charset
    if doc.error:
        info["error"] = doc.error
    if doc.reason:
        info["reason"] = doc.reason
    print("\n" + json.dumps(info, ensure_ascii=False), file=sys.stderr)
    return 0


def _read_document(fh: Any, where: str, cap: int) -> bytes:
    """A document to explain, read up to the size limit (never whole when larger)."""
    from cleaner.io.streams import read_capped

    data, size = read_capped(fh, cap)
    if data is None:
        raise CleanerError(f"{where}: larger than limits.max_document_bytes={cap}; not read")
    return data


def _explain_item(args: argparse.Namespace, cap: int) -> Any:
    """The one document ``explain`` shows, as an input item: a text or HTML
    file, the record ``--id`` names in a file of records (or its first), or
    standard input (JSON lines are records, anything else one document); each
    read up to the size limit ``cap`` (never whole when larger)."""
    from cleaner.io.items import InputItem, ReadOptions, kind_of
    from cleaner.io.readers import iter_inputs

    read = ReadOptions(
        format=args.format,
        text_column=args.text_column,
        html_column=args.html_column,
        id_column=args.id_column,
        max_bytes=cap,
    )
    name = args.file
    if name == "-":
        records = True
    else:
        path = Path(name)
        if path.is_dir():
            raise CleanerError(
                f"{name}: is a folder; explain shows one document: name a file in it, or a file of records "
                f"(.jsonl, .warc, .parquet) with --id ID"
            )
        if not path.is_file():
            raise CleanerError(f"{name}: no such file")
        records = kind_of(path) in ("jsonl", "warc", "parquet")
        if not records:
            if args.record_id is not None:
                raise CleanerError(
                    f"--id {args.record_id}: {name} is one document; --id picks a record of a "
                    f".jsonl[.gz|.zst], .warc[.gz] or .parquet file"
                )
            fmt = args.format
            if fmt == "auto":
                fmt = {"html": "html", "text": "text"}.get(kind_of(path) or "", "auto")
            with open(path, "rb") as fh:
                return InputItem(name, _read_document(fh, name, cap), fmt, name)
    seen = 0
    first_ids: list[str] = []
    for item in iter_inputs([name], read):
        seen += 1
        if len(first_ids) < 3:
            first_ids.append(item.id)
        if args.record_id is None or item.id == args.record_id:
            record = name != "-" or seen > 1 or item.source != "<stdin>"  # (else: stdin is one document)
            if item.error is not None:
                raise CleanerError(
                    f"{item.source or name}: record {item.id}: {item.error}" if record else item.error
                )
            if item.raw is None:
                raise CleanerError(
                    f"{item.source or name}: record {item.id} has no content"
                    + (f" ({item.drop})" if item.drop else "")
                )
            if record:
                print(f"record {item.id} ({item.source or name})", file=sys.stderr)
            return item
    where = "standard input" if name == "-" else name
    if args.record_id is None:
        raise CleanerError(f"{where}: no records")
    raise CleanerError(
        f"{where}: no record with id {args.record_id!r} ({seen:,} records read; ids such as "
        f"{', '.join(first_ids)})"
    )
