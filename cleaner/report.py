"""A run's summary, computed from its records, and what its HTML report shows.

:class:`Summary` counts what a batch run did: documents in, kept, dropped (by
reason), errors; lines removed per rule; languages; artifact flags and findings;
repairs; bytes in and out; throughput. ``cleaner clean`` prints it and writes it
with ``--report FILE.json``; ``cleaner report RECORDS`` recomputes it from the
records, with a sample of documents and of each rule's removed lines
(:class:`RuleSamples`), and renders :func:`render_html`: a self-contained page
(:mod:`cleaner.report_html`).
"""

from __future__ import annotations

import gzip
import io
import json
import random
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import InputError

__all__ = ["Summary", "read_records", "Sampler", "RuleSamples", "render_html", "build_report", "mb"]


# what Summary counts of one record: (status, drop reason, the rule of each
# removed line, language, flagged, finding kinds, repair kinds, UTF-8 bytes of a kept text,
# the site of each line removed as template.site)
TOP_SITES = 1000  # sites whose template lines a summary counts, at most (twice this before it prunes)
Facts = tuple[str, str, list[str], str, bool, list[str], list[str], int, list[str]]


def record_facts(record: dict[str, Any]) -> Facts:
    """What :class:`Summary` counts of ``record``."""
    status = record.get("status") or "?"
    removed = record.get("removed")
    rules = [r.get("rule") or "?" for r in removed] if removed else []
    art = record.get("artifacts") or {}
    flagged = False
    kinds: list[str] = []
    if isinstance(art, dict):
        flagged = bool(art.get("flagged"))
        kinds = [k or "?" for k in {f.get("kind") for f in art.get("findings") or () if isinstance(f, dict)}]
    repairs = [rep.get("kind") or "?" for rep in record.get("repairs") or () if isinstance(rep, dict)]
    text = (record.get("text") or "") if status == "ok" else ""
    sites = [str(r.get("site")) for r in removed if r.get("rule") == "template.site"] if removed else []
    return (
        status,
        record.get("reason") or "?",
        rules,
        record.get("language") or "unknown",
        flagged,
        kinds,
        repairs,
        len(text.encode("utf-8", "surrogatepass")) if text else 0,
        sites,
    )


@dataclass
class Summary:
    """Counts over a run's records. ``bytes_in`` and ``seconds`` are known only
    to the run itself (a summary rebuilt from records leaves them None)."""

    documents: int = 0
    status: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)  # documents with a finding of each kind
    repairs: Counter[str] = field(default_factory=Counter)  # repairs by kind
    flagged: int = 0
    bytes_in: int | None = 0
    bytes_out: int = 0
    seconds: float | None = 0.0
    workers: int | None = None
    # inputs passed over because they are not regular files: (path, what it is)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    skipped_files: Counter[str] = field(default_factory=Counter)  # files in input folders not read, by kind
    template_sites: Counter[str] = field(default_factory=Counter)  # lines removed as template.site, by site

    def add(self, record: dict[str, Any], size: int | None = None) -> None:
        self.add_facts(record_facts(record), size)

    def add_facts(self, facts: Facts, size: int | None = None) -> None:
        """Count a record from its :func:`record_facts` (what a worker process
        sends along with the record's encoded line, instead of the record)."""
        status, reason, rules, language, flagged, kinds, repairs, bytes_out, sites = facts
        self.documents += 1
        if size is not None and self.bytes_in is not None:
            self.bytes_in += size
        self.status[status] += 1
        if status == "dropped":
            self.dropped[reason] += 1
        if rules:  # Counter.update counts in C
            self.removed_by_rule.update(rules)
        self.languages[language] += 1
        if flagged:
            self.flagged += 1
        if kinds:
            self.findings.update(kinds)
        if repairs:
            self.repairs.update(repairs)
        self.bytes_out += bytes_out
        if sites:
            self.template_sites.update(sites)
            self._bound_sites()

    def _bound_sites(self) -> None:
        if len(self.template_sites) > 2 * TOP_SITES:  # bounded: the sites with the most lines (approximately)
            self.template_sites = Counter(dict(self.template_sites.most_common(TOP_SITES)))

    def merge(self, other: Summary) -> None:
        """Add the counts of ``other``, a part of the same run counted apart (a
        Ray write task's records). ``bytes_in`` becomes unknown (None) when
        either is; ``seconds`` and ``workers`` are the run's own and stay."""
        self.documents += other.documents
        for name in ("status", "dropped", "removed_by_rule", "languages", "findings", "repairs"):
            getattr(self, name).update(getattr(other, name))
        self.flagged += other.flagged
        self.bytes_in = (
            None if self.bytes_in is None or other.bytes_in is None else self.bytes_in + other.bytes_in
        )
        self.bytes_out += other.bytes_out
        self.skipped.extend(other.skipped)
        self.skipped_files.update(other.skipped_files)
        if other.template_sites:
            self.template_sites.update(other.template_sites)
            self._bound_sites()

    # ------------------------------------------------------------ output
    def as_dict(self) -> dict[str, Any]:
        secs = self.seconds
        timed = secs is not None and secs > 0
        return {
            "documents": self.documents,
            "kept": self.status.get("ok", 0),
            "dropped": self.status.get("dropped", 0),
            "errors": self.status.get("error", 0),
            "dropped_by_reason": dict(self.dropped.most_common()),
            "lines_removed_by_rule": dict(self.removed_by_rule.most_common()),
            "lines_removed": sum(self.removed_by_rule.values()),
            "languages": dict(self.languages.most_common()),
            "artifacts_flagged": self.flagged,
            "artifact_findings": dict(self.findings.most_common()),
            "repairs_by_kind": dict(self.repairs.most_common()),
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "seconds": round(secs, 3) if secs is not None else None,
            "docs_per_second": round(self.documents / secs, 1) if timed else None,  # type: ignore[operator]
            "mb_per_second": (
                round(self.bytes_in / 1e6 / secs, 3) if timed and self.bytes_in is not None else None  # type: ignore[operator]
            ),
            "workers": self.workers,
            "skipped_inputs": [{"path": p, "type": t} for p, t in self.skipped],
            "skipped_files": dict(_by_count(self.skipped_files)),
            "template_lines_by_site": dict(_by_count(self.template_sites)[:20]),
        }

    def render(self) -> str:
        d = self.as_dict()
        head = f"{d['documents']} documents: {d['kept']} kept, {d['dropped']} dropped, {d['errors']} errors"
        if d["seconds"] is not None and d["docs_per_second"] is not None:
            head += f" in {d['seconds']:.1f}s ({d['docs_per_second']} docs/s"
            head += f", {d['mb_per_second']} MB/s)" if d["mb_per_second"] is not None else ")"
        lines = [head]
        if self.bytes_in is not None and self.bytes_in:
            lines.append(f"bytes: {mb(self.bytes_in)} in, {mb(self.bytes_out)} out")
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} {v}" for k, v in self.dropped.most_common()))
        if self.removed_by_rule:
            top = self.removed_by_rule.most_common(8)
            lines.append(
                "lines removed: "
                + ", ".join(f"{k} {v}" for k, v in top)
                + (" ..." if len(self.removed_by_rule) > 8 else "")
            )
        if self.template_sites:
            n = sum(self.template_sites.values())
            lines.append(
                f"site templates: {n:,} lines removed on {len(self.template_sites):,} sites, most on "
                + ", ".join(f"{k} {v:,}" for k, v in _by_count(self.template_sites)[:5])
            )
        if self.languages:
            lines.append("languages: " + ", ".join(f"{k} {v}" for k, v in self.languages.most_common(8)))
        if self.flagged:
            lines.append(f"flagged as machine-translated: {self.flagged}")
        if self.skipped:
            shown = ", ".join(f"{p} ({t})" for p, t in self.skipped[:5])
            more = f" and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
            lines.append(f"skipped {len(self.skipped)} input(s) that are not regular files: {shown}{more}")
        if self.skipped_files:
            n = sum(self.skipped_files.values())
            lines.append(
                f"skipped: {n:,} file{'s' if n != 1 else ''} of kinds not read ("
                + ", ".join(f"{k} {v:,}" for k, v in _by_count(self.skipped_files)[:8])
                + (" ..." if len(self.skipped_files) > 8 else "")
                + ")"
            )
        return "\n".join(lines)

    # ------------------------------------------------- resume (run state)
    def to_state(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "status": dict(self.status),
            "dropped": dict(self.dropped),
            "removed_by_rule": dict(self.removed_by_rule),
            "languages": dict(self.languages),
            "findings": dict(self.findings),
            "repairs": dict(self.repairs),
            "flagged": self.flagged,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "seconds": self.seconds,
            "skipped": [list(x) for x in self.skipped],
            "skipped_files": dict(self.skipped_files),
            "template_sites": dict(self.template_sites),
        }

    @classmethod
    def from_state(cls, d: dict[str, Any]) -> Summary:
        s = cls()
        s.documents = int(d.get("documents", 0))
        for name in (
            "status",
            "dropped",
            "removed_by_rule",
            "languages",
            "findings",
            "repairs",
            "template_sites",
        ):
            setattr(s, name, Counter(d.get(name) or {}))
        s.flagged = int(d.get("flagged", 0))
        s.bytes_in = d.get("bytes_in", 0)
        s.bytes_out = int(d.get("bytes_out", 0))
        s.seconds = d.get("seconds", 0.0)
        s.skipped = [(str(p), str(t)) for p, t in d.get("skipped") or ()]
        s.skipped_files = Counter(d.get("skipped_files") or {})
        return s

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> Summary:
        s = cls(bytes_in=None, seconds=None)
        for rec in records:
            s.add(rec)
        return s


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most first; equal counts by name."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def mb(n: int | None) -> str:
    """A size as people read it: 812 B, 45.1 kB, 3.2 MB (never "0.0 MB")."""
    if n is None:
        return "n/a"
    if n < 1000:
        return f"{n:,} B"
    if n < 1_000_000:
        return f"{n / 1e3:,.1f} kB"
    return f"{n / 1e6:,.1f} MB"


# ------------------------------------------------------------------ reading
def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records from a run's output: a .jsonl(.gz/.zst) file, a .parquet file, an
    output folder (its records.jsonl) or ``-`` (standard input)."""
    if str(path) == "-":
        yield from _jsonl_records(sys.stdin.buffer, "<stdin>")
        return
    p = Path(path)
    if p.is_dir():
        p = p / "records.jsonl"
    if not p.is_file():
        raise InputError(f"{path}: no such records file")
    name = p.name.lower()
    if name.endswith(".parquet"):
        from cleaner.io.parquet_sink import iter_parquet_records

        yield from iter_parquet_records(p)
        return
    if name.endswith(".gz"):
        with gzip.open(p, "rb") as fh:
            yield from _jsonl_records(fh, str(p))  # a damaged file raises: the report must not undercount
    elif name.endswith((".zst", ".zstd")):
        from cleaner.io.streams import DecompressingRaw

        with open(p, "rb") as raw:
            yield from _jsonl_records(io.BufferedReader(DecompressingRaw(raw, "zst")), str(p))
    else:
        with open(p, "rb") as fh:
            yield from _jsonl_records(fh, str(p))


MAX_RECORD_BYTES = (
    256 << 20
)  # a record of a document at the size limit (its text and removed lines) is smaller


def _jsonl_records(fh: Any, where: str) -> Iterator[dict[str, Any]]:
    from cleaner.io.streams import read_line

    lineno = 0
    while True:
        line, size = read_line(fh, MAX_RECORD_BYTES)
        if not size:
            return
        lineno += 1
        if not line and size:
            raise InputError(f"{where}:{lineno}: a line of {size:,} bytes is not a record cleaner writes")
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{where}:{lineno}: not a JSON record ({exc})") from None
        if not isinstance(rec, dict) or "status" not in rec:
            raise InputError(f"{where}:{lineno}: not a cleaner record (no `status`)")
        yield rec


class Sampler:
    """A fixed-size, seeded random sample of records by status (reservoir sampling,
    so memory stays bounded however many records stream past)."""

    def __init__(self, size: int = 12, seed: int = 0) -> None:
        self.limits = {
            "ok": size,
            "dropped": max(2, size // 4) if size else 0,
            "error": max(2, size // 4) if size else 0,
        }
        self.seen: Counter[str] = Counter()
        self.kept: dict[str, list[tuple[int, dict[str, Any]]]] = {k: [] for k in self.limits}
        self.rng = random.Random(seed)
        self.n = 0

    def add(self, record: dict[str, Any]) -> None:
        self.n += 1
        st = record.get("status")
        if st not in self.limits:
            return
        limit = self.limits[st]
        self.seen[st] += 1
        bucket = self.kept[st]
        if len(bucket) < limit:
            bucket.append((self.n, record))
        else:
            j = self.rng.randrange(self.seen[st])
            if j < limit:
                bucket[j] = (self.n, record)

    def sample(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for st in ("ok", "dropped", "error"):
            out.extend(rec for _, rec in sorted(self.kept[st], key=lambda t: t[0]))
        return out


class RuleSamples:
    """Per rule (and classifier reason): how many documents it removed lines
    from, and a seeded random sample of the lines it removed, as (document id,
    line number, text), at most ``size`` each (reservoir sampling: memory stays
    bounded however many records stream past)."""

    def __init__(self, size: int = 20, seed: int = 0) -> None:
        self.size = size
        self.documents: Counter[str] = Counter()
        self.lines: dict[str, list[tuple[str, int, str]]] = {}
        self._seen: Counter[str] = Counter()
        self._rng = random.Random(seed)

    def add(self, record: dict[str, Any]) -> None:
        removed = record.get("removed") or ()
        if not removed:
            return
        doc_id = str(record.get("id"))
        rules = set()
        for r in removed:
            if not isinstance(r, dict):
                continue
            rule = str(r.get("rule") or "?")
            rules.add(rule)
            self._seen[rule] += 1
            bucket = self.lines.setdefault(rule, [])
            item = (
                doc_id,
                number if isinstance(number := r.get("line"), int) else 0,
                str(r.get("text") or ""),
            )
            if len(bucket) < self.size:
                bucket.append(item)
            else:
                j = self._rng.randrange(self._seen[rule])
                if j < self.size:
                    bucket[j] = item
        self.documents.update(rules)

    @classmethod
    def of(cls, records: Iterable[dict[str, Any]], size: int = 20) -> RuleSamples:
        out = cls(size)
        for rec in records:
            out.add(rec)
        return out


def build_report(
    records: Iterable[dict[str, Any]],
    sample_size: int = 12,
    run: dict[str, Any] | None = None,
    rules: RuleSamples | None = None,
) -> tuple[Summary, list[dict[str, Any]]]:
    """One pass over the records: the summary and a sample of documents (and,
    into ``rules`` when given, each rule's documents and a sample of the lines
    it removed). ``run`` (a ``--report`` JSON of the run) supplies bytes in and
    throughput."""
    summary = Summary(bytes_in=None, seconds=None)
    sampler = Sampler(sample_size)
    for rec in records:
        summary.add(rec)
        sampler.add(rec)
        if rules is not None:
            rules.add(rec)
    if run:
        if isinstance(run.get("bytes_in"), int):
            summary.bytes_in = run["bytes_in"]
        if isinstance(run.get("seconds"), (int, float)):
            summary.seconds = float(run["seconds"])
        if isinstance(run.get("workers"), int):
            summary.workers = run["workers"]
    return summary, sampler.sample()


def render_html(
    summary: Summary,
    sample: list[dict[str, Any]],
    title: str = "cleaner report",
    source: str | None = None,
    rules: RuleSamples | None = None,
) -> str:
    """The HTML report page (see :mod:`cleaner.report_html`)."""
    from cleaner.report_html import render_html as render

    return render(summary, sample, title=title, source=source, rules=rules)
