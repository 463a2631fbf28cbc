"""A run's summary, computed from its records, and a self-contained HTML report.

:class:`Summary` counts what a batch run did: documents in, kept, dropped (by
reason), errors; lines removed per rule; languages; artifact flags and findings;
repairs; bytes in and out; throughput. ``cleaner clean`` prints it and writes it
with ``--report FILE.json``; ``cleaner report RECORDS`` recomputes it from the
records and renders :func:`render_html`: a page with inline CSS and SVG (no
external assets) that shows the counts as charts and a sample of documents
with their removed lines struck through (with the rule) and their repairs
marked. All document text is HTML-escaped.
"""

from __future__ import annotations

import gzip
import html
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

__all__ = ["Summary", "read_records", "Sampler", "render_html", "build_report"]


# what Summary counts of one record: (status, drop reason, the rule of each
# removed line, language, flagged, finding kinds, repair kinds, UTF-8 bytes of a kept text)
Facts = tuple[str, str, list[str], str, bool, list[str], list[str], int]


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
    return (
        status, record.get("reason") or "?", rules, record.get("language") or "unknown", flagged, kinds,
        repairs, len(text.encode("utf-8", "surrogatepass")) if text else 0,
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

    def add(self, record: dict[str, Any], size: int | None = None) -> None:
        self.add_facts(record_facts(record), size)

    def add_facts(self, facts: Facts, size: int | None = None) -> None:
        """Count a record from its :func:`record_facts` (what a worker process
        sends along with the record's encoded line, instead of the record)."""
        status, reason, rules, language, flagged, kinds, repairs, bytes_out = facts
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
        }

    def render(self) -> str:
        d = self.as_dict()
        head = f"{d['documents']} documents: {d['kept']} kept, {d['dropped']} dropped, {d['errors']} errors"
        if d["seconds"] is not None and d["docs_per_second"] is not None:
            head += f" in {d['seconds']:.1f}s ({d['docs_per_second']} docs/s"
            head += f", {d['mb_per_second']} MB/s)" if d["mb_per_second"] is not None else ")"
        lines = [head]
        if self.bytes_in is not None and self.bytes_in:
            lines.append(f"bytes: {_mb(self.bytes_in)} in, {_mb(self.bytes_out)} out")
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} {v}" for k, v in self.dropped.most_common()))
        if self.removed_by_rule:
            top = self.removed_by_rule.most_common(8)
            lines.append("lines removed: " + ", ".join(f"{k} {v}" for k, v in top)
                         + (" ..." if len(self.removed_by_rule) > 8 else ""))
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
            lines.append(f"skipped: {n:,} file{'s' if n != 1 else ''} of kinds not read ("
                         + ", ".join(f"{k} {v:,}" for k, v in _by_count(self.skipped_files)[:8])
                         + (" ..." if len(self.skipped_files) > 8 else "") + ")")
        return "\n".join(lines)

    # ------------------------------------------------- resume (run state)
    def to_state(self) -> dict[str, Any]:
        return {
            "documents": self.documents, "status": dict(self.status), "dropped": dict(self.dropped),
            "removed_by_rule": dict(self.removed_by_rule), "languages": dict(self.languages),
            "findings": dict(self.findings), "repairs": dict(self.repairs), "flagged": self.flagged,
            "bytes_in": self.bytes_in, "bytes_out": self.bytes_out, "seconds": self.seconds,
            "skipped": [list(x) for x in self.skipped],
            "skipped_files": dict(self.skipped_files),
        }

    @classmethod
    def from_state(cls, d: dict[str, Any]) -> Summary:
        s = cls()
        s.documents = int(d.get("documents", 0))
        for name in ("status", "dropped", "removed_by_rule", "languages", "findings", "repairs"):
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


def _mb(n: int | None) -> str:
    if n is None:
        return "n/a"
    if n < 10_000:
        return f"{n:,} B"
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
        from cleaner.io.writers import iter_parquet_records

        yield from iter_parquet_records(p)
        return
    if name.endswith(".gz"):
        with gzip.open(p, "rb") as fh:
            yield from _jsonl_records(fh, str(p))  # a damaged file raises: the report must not undercount
    elif name.endswith((".zst", ".zstd")):
        from cleaner.io.readers import _DecompressingRaw

        with open(p, "rb") as raw:
            yield from _jsonl_records(io.BufferedReader(_DecompressingRaw(raw, "zst")), str(p))
    else:
        with open(p, "rb") as fh:
            yield from _jsonl_records(fh, str(p))


MAX_RECORD_BYTES = 256 << 20  # a record of a document at the size limit (its text and removed lines) is smaller


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
        self.limits = {"ok": size, "dropped": max(2, size // 4) if size else 0, "error": max(2, size // 4) if size else 0}
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
        out = []
        for st in ("ok", "dropped", "error"):
            out.extend(rec for _, rec in sorted(self.kept[st], key=lambda t: t[0]))
        return out


def build_report(
    records: Iterable[dict[str, Any]], sample_size: int = 12, run: dict[str, Any] | None = None
) -> tuple[Summary, list[dict[str, Any]]]:
    """One pass over the records: the summary and a sample of documents.
    ``run`` (a ``--report`` JSON of the run) supplies bytes in and throughput."""
    summary = Summary(bytes_in=None, seconds=None)
    sampler = Sampler(sample_size)
    for rec in records:
        summary.add(rec)
        sampler.add(rec)
    if run:
        if isinstance(run.get("bytes_in"), int):
            summary.bytes_in = run["bytes_in"]
        if isinstance(run.get("seconds"), (int, float)):
            summary.seconds = float(run["seconds"])
        if isinstance(run.get("workers"), int):
            summary.workers = run["workers"]
    return summary, sampler.sample()


# ---------------------------------------------------------------------- HTML
_E = html.escape

_CSS = """
:root{--fg:#1d2228;--mut:#5f6b7a;--bg:#fff;--card:#f5f7fa;--bar:#3b6fb6;--ok:#2e7d4f;--drop:#b8741a;--err:#b3261e;
--rm:#b3261e;--rmbg:#fdecea;--rep:#fff3b0}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
h3{font-size:15px;margin:0 0 8px}.mut{color:var(--mut)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:16px 0}
.card{background:var(--card);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:22px}
.card span{color:var(--mut);font-size:13px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:18px}
.chart{background:var(--card);border-radius:8px;padding:12px}svg{display:block;max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
.doc{border:1px solid #dde3ea;border-radius:8px;margin:14px 0;overflow:hidden}
.doc header{background:var(--card);padding:8px 12px;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:baseline}
.doc header code{font-weight:600}.pill{font-size:12px;border-radius:10px;padding:1px 8px;color:#fff}
.pill.ok{background:var(--ok)}.pill.dropped{background:var(--drop)}.pill.error{background:var(--err)}
.lines{margin:0;padding:8px 0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;
word-break:break-word;max-height:520px;overflow:auto}
.ln{display:block;padding:0 12px 0 64px;text-indent:-52px}.ln .no{display:inline-block;width:44px;margin-right:8px;
text-align:right;color:var(--mut);text-indent:0}
.ln.rm{background:var(--rmbg)}.ln.rm del{color:var(--rm);text-decoration:line-through}
.rule{font:11px system-ui,sans-serif;color:var(--rm);border:1px solid var(--rm);border-radius:3px;padding:0 4px;
margin-left:8px;white-space:nowrap}
mark{background:var(--rep);border-bottom:2px solid #d4a600}.rep-note{font-size:12px;color:var(--mut)}
.err{color:var(--err);padding:8px 12px;margin:0;font-family:ui-monospace,monospace;white-space:pre-wrap}
.more{color:var(--mut);padding:0 12px}table.kv{border-collapse:collapse;font-size:13px}
table.kv td{padding:2px 10px 2px 0;vertical-align:top}
.legend{font-size:13px;color:var(--mut)}.legend del{color:var(--rm)}
"""


def _bar_chart(title: str, items: list[tuple[str, int]], color: str = "#3b6fb6", limit: int = 25) -> str:
    """A horizontal bar chart as inline SVG (labels escaped)."""
    shown = items[:limit]
    rest = items[limit:]
    if rest:
        shown = [*shown, (f"{len(rest)} more", sum(v for _, v in rest))]
    if not shown:
        return f'<div class="chart"><h3>{_E(title)}</h3><p class="mut">none</p></div>'
    label_w, bar_w, row_h = 200, 300, 20
    width = label_w + bar_w + 70
    height = row_h * len(shown) + 6
    top = max(v for _, v in shown) or 1
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{_E(title, quote=True)}">']
    for i, (label, value) in enumerate(shown):
        y = i * row_h + 3
        w = max(1.0, bar_w * value / top) if value else 0
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end"><title>{_E(label)}</title>{_E(short)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" rx="2" fill="{color}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 13}">{value:,}</text>'
        )
    parts.append("</svg>")
    return f'<div class="chart"><h3>{_E(title)}</h3>{"".join(parts)}</div>'


def _lines_of(record: dict[str, Any]) -> list[tuple[int | None, str, str | None]]:
    """The document's lines in order as (number, text, rule or None).

    Removed lines carry their own numbers; kept lines are numbered by filling the
    numbers no removed line took, in order (exact unless blank lines were
    collapsed, when a removed block can show a line or two off)."""
    removed = sorted(
        (r for r in record.get("removed") or () if isinstance(r, dict) and isinstance(r.get("line"), int)),
        key=lambda r: r["line"],
    )
    taken = {r["line"] for r in removed}
    text = record.get("text") or ""
    kept = text.split("\n") if text else []
    numbered: list[tuple[int | None, str, str | None]] = []
    n = 1
    for t in kept:
        while n in taken:
            n += 1
        numbered.append((n, t, None))
        n += 1
    out: list[tuple[int | None, str, str | None]] = []
    i = 0
    for r in removed:
        while i < len(numbered) and numbered[i][0] < r["line"]:  # type: ignore[operator]
            out.append(numbered[i])
            i += 1
        out.append((r["line"], str(r.get("text") or ""), str(r.get("rule") or "?")))
    out.extend(numbered[i:])
    return out


def _mark_repairs(text: str, number: int | None, repairs: list[dict[str, Any]], used: set[int]) -> str:
    """Escaped ``text`` with each repair's result marked (title: kind, before -> after)."""
    spans: list[tuple[int, int, dict[str, Any]]] = []
    for k, rep in enumerate(repairs):
        if k in used:
            continue
        after = str(rep.get("after") or "")
        if not after:
            continue
        pos = text.find(after)
        if pos < 0 and rep.get("line") == number and after.strip() and " ".join(after.split()) == text.strip():
            pos, after = text.find(text.strip()), text.strip()
        if pos < 0:
            continue
        if any(not (pos + len(after) <= a or pos >= b) for a, b, _ in spans):
            continue
        spans.append((pos, pos + len(after), rep))
        used.add(k)
    if not spans:
        return _E(text)
    spans.sort(key=lambda s: s[0])
    out, at = [], 0
    for a, b, rep in spans:
        tip = f"{rep.get('kind', 'repair')}: {rep.get('before', '')!s} → {rep.get('after', '')!s}"
        out.append(_E(text[at:a]))
        out.append(f'<mark title="{_E(tip, quote=True)}">{_E(text[a:b])}</mark>')
        at = b
    out.append(_E(text[at:]))
    return "".join(out)


def _doc_html(record: dict[str, Any], max_lines: int = 250) -> str:
    st = str(record.get("status") or "?")
    head = [f'<code>{_E(str(record.get("id")))}</code>', f'<span class="pill {_E(st, quote=True)}">{_E(st)}</span>']
    if record.get("reason"):
        head.append(f'<span>reason: {_E(str(record["reason"]))}</span>')
    lang = record.get("language")
    if lang:
        score = record.get("language_score")
        head.append(f"<span>language: {_E(str(lang))}" + (f" ({score})" if score is not None else "") + "</span>")
    removed = record.get("removed") or []
    repairs = [r for r in record.get("repairs") or () if isinstance(r, dict)]
    head.append(f"<span>{len(removed)} line(s) removed, {len(repairs)} repair(s)</span>")
    art = record.get("artifacts") or {}
    if isinstance(art, dict) and (art.get("flagged") or art.get("findings")):
        kinds = ", ".join(sorted({str(f.get("kind")) for f in art.get("findings") or () if isinstance(f, dict)}))
        flag = "flagged" if art.get("flagged") else "not flagged"
        head.append(f"<span>artifacts: {_E(str(art.get('score')))} {flag}" + (f" ({_E(kinds)})" if kinds else "") + "</span>")
    meta = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    url = record.get("url") or meta.get("url")
    if url:
        head.append(f'<span class="mut">{_E(str(url))}</span>')
    body: list[str] = []
    if st == "error":
        body.append(f'<pre class="err">{_E(str(record.get("error") or "error"))}</pre>')
    lines = _lines_of(record)
    if lines:
        used: set[int] = set()
        body.append('<div class="lines">')
        for number, text, rule in lines[:max_lines]:
            no = f'<span class="no">{number if number is not None else ""}</span>'
            if rule is None:
                body.append(f'<span class="ln">{no}{_mark_repairs(text, number, repairs, used) or "&#8203;"}</span>')
            else:
                body.append(f'<span class="ln rm">{no}<del>{_mark_repairs(text, number, repairs, used)}</del>'
                            f'<span class="rule">{_E(rule)}</span></span>')
        body.append("</div>")
        if len(lines) > max_lines:
            body.append(f'<p class="more">… {len(lines) - max_lines} more line(s)</p>')
        left = [r for k, r in enumerate(repairs) if k not in used]
        if left:
            body.append('<p class="more rep-note">repairs not placed above: ' + "; ".join(
                _E(f"{r.get('kind')}: {r.get('before')!s} → {r.get('after')!s}") for r in left[:10]) + "</p>")
    return f'<section class="doc"><header>{"".join(head)}</header>{"".join(body)}</section>'


def render_html(summary: Summary, sample: list[dict[str, Any]], title: str = "cleaner report",
                source: str | None = None) -> str:
    """The report page: summary cards, charts and the sample, all inline."""
    d = summary.as_dict()
    n = max(d["documents"], 1)

    def pct(v: int) -> str:
        return f"{100 * v / n:.1f}%"

    cards = [
        ("documents", f"{d['documents']:,}", ""),
        ("kept", f"{d['kept']:,}", pct(d["kept"])),
        ("dropped", f"{d['dropped']:,}", pct(d["dropped"])),
        ("errors", f"{d['errors']:,}", pct(d["errors"])),
        ("lines removed", f"{d['lines_removed']:,}", f"{d['lines_removed'] / n:.1f} per document"),
        ("flagged (artifacts)", f"{d['artifacts_flagged']:,}", pct(d["artifacts_flagged"])),
        ("bytes in", _mb(d["bytes_in"]), ""),
        ("bytes out", _mb(d["bytes_out"]), ""),
    ]
    if d["docs_per_second"] is not None:
        cards.append(("throughput", f"{d['docs_per_second']:,} docs/s",
                      f"{d['mb_per_second']} MB/s, {d['seconds']:.0f} s" if d["mb_per_second"] is not None else ""))
    card_html = "".join(
        f'<div class="card"><span>{_E(k)}</span><b>{_E(v)}</b><span>{_E(sub)}</span></div>' for k, v, sub in cards
    )
    charts = [
        _bar_chart("Documents by status", [("kept", d["kept"]), ("dropped", d["dropped"]), ("errors", d["errors"])],
                   "#2e7d4f"),
        _bar_chart("Dropped, by reason", list(summary.dropped.most_common()), "#b8741a"),
        _bar_chart("Lines removed, by rule", list(summary.removed_by_rule.most_common()), "#b3261e", limit=30),
        _bar_chart("Languages", list(summary.languages.most_common()), "#3b6fb6", limit=20),
        _bar_chart("Artifact findings (documents with each kind)", list(summary.findings.most_common()), "#7b4bb3"),
        _bar_chart("Repairs, by kind", list(summary.repairs.most_common()), "#d4a600"),
    ]
    docs = "".join(_doc_html(r) for r in sample) or '<p class="mut">no documents</p>'
    src = f'<p class="mut">records: {_E(source)}</p>' if source else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_E(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_E(title)}</h1>{src}"
        f'<div class="cards">{card_html}</div>'
        f'<h2>Counts</h2><div class="charts">{"".join(charts)}</div>'
        f"<h2>Sample of documents ({len(sample)})</h2>"
        '<p class="legend">Each line as the pipeline saw it: removed lines are <del>struck through</del> with the rule '
        "that removed them; <mark>marked</mark> text was repaired (hover for the kind and the text before). "
        "Line numbers count lines after decoding or extraction.</p>"
        f"{docs}</body></html>\n"
    )
