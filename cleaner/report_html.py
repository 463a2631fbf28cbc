"""The HTML report of a run: one self-contained page (inline CSS and SVG, no script, no external asset).

* the counts, as cards and bar charts (a rule's bar links to its section);
* a sample of documents, each shown whole: removed lines in place, struck
  through and named by their rule; runs of kept lines folded (click to open);
  each repair marked with its before-text beside it; artifact findings that
  no repair resolved marked where they are;
* every rule and classifier reason with its count, how many documents it
  removed lines from, and a sample of the lines it removed with their
  documents (linked when the document is in the sample above): what a user
  needs to trust a rule or fix it.

All document text is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import Any

from cleaner.report import RuleSamples, Summary, mb

__all__ = ["render_html"]

_E = html.escape
FOLD_AT = 3  # runs of this many plain kept lines (or more) are folded

_CSS = """
:root{--fg:#1d2228;--mut:#5f6b7a;--bg:#fff;--card:#f5f7fa;--bar:#3b6fb6;--ok:#2e7d4f;--drop:#b8741a;--err:#b3261e;
--rm:#b3261e;--rmbg:#fdecea;--rep:#fff3b0;--find:#7b4bb3}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;max-width:1100px;padding:24px;overflow-wrap:anywhere}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
h3{font-size:15px;margin:0 0 8px}.mut{color:var(--mut)}a{color:#2257a3}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:16px 0}
.card{background:var(--card);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:22px}
.card span{color:var(--mut);font-size:13px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(480px,100%),1fr));gap:18px}
.chart{background:var(--card);border-radius:8px;padding:12px;min-width:0}svg{display:block;max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}svg a text{fill:#2257a3}
.doc{border:1px solid #dde3ea;border-radius:8px;margin:14px 0}
.doc header{background:var(--card);padding:8px 12px;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:baseline;
border-radius:8px 8px 0 0}
.doc header code{font-weight:600}.pill{font-size:12px;border-radius:10px;padding:1px 8px;color:#fff}
.pill.ok{background:var(--ok)}.pill.dropped{background:var(--drop)}.pill.error{background:var(--err)}
.lines{margin:0;padding:8px 0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;
word-break:break-word}
.ln{display:block;padding:0 12px 0 64px;text-indent:-52px}.ln .no{display:inline-block;width:44px;margin-right:8px;
text-align:right;color:var(--mut);text-indent:0}
.ln.rm{background:var(--rmbg)}.ln.rm del{color:var(--rm);text-decoration:line-through}
.rule{font:11px system-ui,sans-serif;color:var(--rm);border:1px solid var(--rm);border-radius:3px;padding:0 4px;
margin-left:8px;white-space:nowrap}a.rule{text-decoration:none}
details.fold{margin:0}details.fold>summary{cursor:pointer;color:var(--mut);font:12px system-ui,sans-serif;
padding:1px 12px 1px 64px;list-style-position:inside}details.fold>summary:hover{background:var(--card)}
mark.rep{background:var(--rep);border-bottom:2px solid #d4a600}
.before{font:11px system-ui,sans-serif;color:var(--mut);border:1px dashed #d4a600;border-radius:3px;padding:0 4px;
margin-left:4px;white-space:pre-wrap}.before::before{content:"was: "}
.finding{border-bottom:2px dotted var(--find);background:#f3eefa}
.finding-kind{font:11px system-ui,sans-serif;color:var(--find);border:1px solid var(--find);border-radius:3px;
padding:0 4px;margin-left:4px;white-space:nowrap}
.err{color:var(--err);padding:8px 12px;margin:0;font-family:ui-monospace,monospace;white-space:pre-wrap}
.more{color:var(--mut);padding:0 12px}table{border-collapse:collapse;font-size:13px;max-width:100%}
td,th{padding:3px 12px 3px 0;text-align:left;vertical-align:top}th{color:var(--mut);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.rulesec{border-top:1px solid #dde3ea;padding:10px 0}.rulesec h3 code{font-size:15px}
.rulesec ul{margin:4px 0;padding-left:0;list-style:none;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
.rulesec li{padding:1px 0}.rulesec li del{color:var(--rm);white-space:pre-wrap}.rulesec .src{color:var(--mut)}
.legend{font-size:13px;color:var(--mut)}.legend del{color:var(--rm)}
"""


def anchor(rule: str) -> str:
    """The id of a rule's section."""
    return "rule-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in rule)


def _bar_chart(
    title: str, items: list[tuple[str, int]], color: str = "#3b6fb6", limit: int = 25, links: bool = False
) -> str:
    """A horizontal bar chart as inline SVG (labels escaped; with ``links``, a label links to its rule)."""
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
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_E(title, quote=True)}">'
    ]
    for i, (label, value) in enumerate(shown):
        y = i * row_h + 3
        w = max(1.0, bar_w * value / top) if value else 0
        short = label if len(label) <= 30 else label[:29] + "…"
        text = f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end"><title>{_E(label)}</title>{_E(short)}</text>'
        if links and not (rest and i == len(shown) - 1):
            text = f'<a href="#{_E(anchor(label), quote=True)}">{text}</a>'
        parts.append(
            text
            + f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" rx="2" fill="{color}"/>'
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


def _findings_by_line(record: dict[str, Any]) -> dict[int, list[tuple[str, str]]]:
    """Line number -> [(kind, excerpt)] of the artifact findings' excerpts."""
    art = given if isinstance(given := record.get("artifacts"), dict) else {}
    out: dict[int, list[tuple[str, str]]] = {}
    for f in art.get("findings") or ():
        if not isinstance(f, dict):
            continue
        for ex in f.get("excerpts") or ():
            if isinstance(ex, dict) and isinstance(ex.get("line"), int) and str(ex.get("text") or "").strip():
                out.setdefault(ex["line"], []).append((str(f.get("kind") or "?"), str(ex["text"]).strip()))
    return out


def _marked(
    text: str,
    number: int | None,
    repairs: list[dict[str, Any]],
    used: set[int],
    findings: list[tuple[str, str]],
) -> tuple[str, bool]:
    """Escaped ``text`` with each repair's result marked and its before-text
    beside it, and the findings that are still in it (not repaired) marked;
    and whether anything was marked."""
    spans: list[tuple[int, int, str]] = []  # (start, end, html of the span)

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in spans)

    for k, rep in enumerate(repairs):
        if k in used:
            continue
        after = str(rep.get("after") or "")
        if not after:
            continue
        pos = text.find(after)
        if (
            pos < 0
            and rep.get("line") == number
            and after.strip()
            and " ".join(after.split()) == text.strip()
        ):
            pos, after = text.find(text.strip()), text.strip()
        if pos < 0 or not free(pos, pos + len(after)):
            continue
        kind = str(rep.get("kind") or "repair")
        before = str(rep.get("before") or "")
        spans.append(
            (
                pos,
                pos + len(after),
                f'<mark class="rep" title="{_E(kind, quote=True)}">{_E(after)}</mark>'
                f'<span class="before" title="{_E(kind, quote=True)}">{_E(before)}</span>',
            )
        )
        used.add(k)
    for kind, excerpt in findings:
        pos = text.find(excerpt)
        if pos < 0 or not free(pos, pos + len(excerpt)):
            continue  # repaired since, or elsewhere
        spans.append(
            (
                pos,
                pos + len(excerpt),
                f'<span class="finding" data-kind="{_E(kind, quote=True)}" title="{_E(kind, quote=True)}">'
                f'{_E(excerpt)}</span><span class="finding-kind">{_E(kind)}</span>',
            )
        )
    if not spans:
        return _E(text), False
    spans.sort()
    out, at = [], 0
    for a, b, piece in spans:
        out.append(_E(text[at:a]))
        out.append(piece)
        at = b
    out.append(_E(text[at:]))
    return "".join(out), True


def _doc_html(record: dict[str, Any], k: int, max_lines: int = 5000) -> str:
    st = str(record.get("status") or "?")
    head = [
        f"<code>{_E(str(record.get('id')))}</code>",
        f'<span class="pill {_E(st, quote=True)}">{_E(st)}</span>',
    ]
    if record.get("reason"):
        head.append(f"<span>reason: {_E(str(record['reason']))}</span>")
    lang = record.get("language")
    if lang:
        score = record.get("language_score")
        head.append(
            f"<span>language: {_E(str(lang))}" + (f" ({score})" if score is not None else "") + "</span>"
        )
    removed = record.get("removed") or []
    repairs = [r for r in record.get("repairs") or () if isinstance(r, dict)]
    head.append(f"<span>{len(removed)} line(s) removed, {len(repairs)} repair(s)</span>")
    art = record.get("artifacts") or {}
    if isinstance(art, dict) and (art.get("flagged") or art.get("findings")):
        kinds = ", ".join(
            sorted({str(f.get("kind")) for f in art.get("findings") or () if isinstance(f, dict)})
        )
        flag = "flagged" if art.get("flagged") else "not flagged"
        head.append(
            f"<span>artifacts: {_E(str(art.get('score')))} {flag}"
            + (f" ({_E(kinds)})" if kinds else "")
            + "</span>"
        )
    cs = record.get("charset")
    if isinstance(cs, dict) and cs.get("flagged"):
        head.append(
            f'<span class="mut">charset {_E(str(cs.get("name")))}: a guess '
            f"(confidence {_E(str(cs.get('confidence')))})</span>"
        )
    meta = given_meta if isinstance(given_meta := record.get("metadata"), dict) else {}
    url = record.get("url") or meta.get("url")
    if url:
        head.append(f'<span class="mut">{_E(str(url))}</span>')
    body: list[str] = []
    if st == "error":
        body.append(f'<pre class="err">{_E(str(record.get("error") or "error"))}</pre>')
    lines = _lines_of(record)
    if lines:
        used: set[int] = set()
        findings = _findings_by_line(record)
        rows: list[tuple[bool, str]] = []  # (plain kept line, html)
        for number, text, rule in lines[:max_lines]:
            no = f'<span class="no">{number if number is not None else ""}</span>'
            if rule is None:
                marked, special = _marked(text, number, repairs, used, findings.get(number or -1, []))
                rows.append((not special, f'<span class="ln">{no}{marked or "&#8203;"}</span>'))
            else:
                marked, _ = _marked(text, number, repairs, used, [])
                rows.append(
                    (
                        False,
                        f'<span class="ln rm">{no}<del>{marked}</del>'
                        f'<a class="rule" href="#{_E(anchor(rule), quote=True)}">{_E(rule)}</a></span>',
                    )
                )
        body.append('<div class="lines">')
        body.extend(_folded(rows, lines))
        body.append("</div>")
        if len(lines) > max_lines:
            body.append(f'<p class="more">… {len(lines) - max_lines} more line(s)</p>')
        left = [r for j, r in enumerate(repairs) if j not in used]
        if left:
            body.append(
                '<p class="more">repairs not placed above: '
                + "; ".join(
                    _E(f"{r.get('kind')}: {r.get('before')!s} → {r.get('after')!s}") for r in left[:10]
                )
                + "</p>"
            )
    return f'<section class="doc" id="doc-{k}"><header>{"".join(head)}</header>{"".join(body)}</section>'


def _folded(rows: list[tuple[bool, str]], lines: list[tuple[int | None, str, str | None]]) -> list[str]:
    """The rows, each run of FOLD_AT or more plain kept lines folded into a
    closed ``<details>`` that says how many lines it holds."""
    out: list[str] = []
    i = 0
    while i < len(rows):
        if not rows[i][0]:
            out.append(rows[i][1])
            i += 1
            continue
        j = i
        while j < len(rows) and rows[j][0]:
            j += 1
        if j - i >= FOLD_AT:
            texts = sum(1 for _, t, _ in lines[i:j] if t.strip())
            out.append(
                f'<details class="fold"><summary>{texts:,} kept line{"s" if texts != 1 else ""}</summary>'
                + "".join(h for _, h in rows[i:j])
                + "</details>"
            )
        else:
            out.extend(h for _, h in rows[i:j])
        i = j
    return out


def _rules_html(summary: Summary, rules: RuleSamples, sampled_ids: dict[str, int]) -> str:
    """Every rule and classifier reason: count, documents, a sample of removed lines with their documents."""
    if not summary.removed_by_rule:
        return '<p class="mut">no line was removed</p>'
    ordered = summary.removed_by_rule.most_common()
    groups = [
        ("Rules", [(r, n) for r, n in ordered if not r.startswith("classifier.")]),
        ("Classifier reasons", [(r, n) for r, n in ordered if r.startswith("classifier.")]),
    ]
    parts = []
    for title, items in groups:
        if not items:
            continue
        rows = "".join(
            f'<tr><td><a href="#{_E(anchor(r), quote=True)}"><code>{_E(r)}</code></a></td>'
            f'<td class="n">{n:,}</td><td class="n">{rules.documents.get(r, 0):,}</td></tr>'
            for r, n in items
        )
        parts.append(
            f"<h3>{_E(title)}</h3><table><tr><th>rule</th><th>lines removed</th><th>documents</th></tr>"
            f"{rows}</table>"
        )
    for _, items in groups:
        for r, n in items:
            sample = rules.lines.get(r, [])
            lis = []
            for doc_id, line, text in sample:
                where = f"{_E(doc_id)}:{line}"
                if doc_id in sampled_ids:
                    where = f'<a href="#doc-{sampled_ids[doc_id]}">{where}</a>'
                lis.append(f'<li><span class="src">{where}</span> <del>{_E(text)}</del></li>')
            docs = rules.documents.get(r, 0)
            shown = f"; {len(sample)} of them below" if len(sample) < n else ""
            parts.append(
                f'<section class="rulesec" id="{_E(anchor(r), quote=True)}"><h3><code>{_E(r)}</code></h3>'
                f'<p class="mut">{n:,} line{"s" if n != 1 else ""} removed from {docs:,} '
                f"document{'s' if docs != 1 else ''}{shown}</p><ul>{''.join(lis)}</ul></section>"
            )
    return "".join(parts)


def render_html(
    summary: Summary,
    sample: list[dict[str, Any]],
    title: str = "cleaner report",
    source: str | None = None,
    rules: RuleSamples | None = None,
) -> str:
    """The report page: summary cards, charts, the sample of documents, and
    every rule with a sample of the lines it removed (``rules``, from
    :func:`cleaner.report.build_report`)."""
    rules = rules if rules is not None else RuleSamples.of(sample)
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
        ("bytes in", mb(d["bytes_in"]), ""),
        ("bytes out", mb(d["bytes_out"]), ""),
    ]
    if d["docs_per_second"] is not None:
        cards.append(
            (
                "throughput",
                f"{d['docs_per_second']:,} docs/s",
                f"{d['mb_per_second']} MB/s, {d['seconds']:.0f} s" if d["mb_per_second"] is not None else "",
            )
        )
    card_html = "".join(
        f'<div class="card"><span>{_E(k)}</span><b>{_E(v)}</b><span>{_E(sub)}</span></div>'
        for k, v, sub in cards
    )
    charts = [
        _bar_chart(
            "Documents by status",
            [("kept", d["kept"]), ("dropped", d["dropped"]), ("errors", d["errors"])],
            "#2e7d4f",
        ),
        _bar_chart("Dropped, by reason", list(summary.dropped.most_common()), "#b8741a"),
        _bar_chart(
            "Lines removed, by rule",
            list(summary.removed_by_rule.most_common()),
            "#b3261e",
            limit=30,
            links=True,
        ),
        _bar_chart("Languages", list(summary.languages.most_common()), "#3b6fb6", limit=20),
        _bar_chart(
            "Artifact findings (documents with each kind)", list(summary.findings.most_common()), "#7b4bb3"
        ),
        _bar_chart("Repairs, by kind", list(summary.repairs.most_common()), "#d4a600"),
    ]
    sampled_ids: dict[str, int] = {}
    for k, rec in enumerate(sample):
        sampled_ids.setdefault(str(rec.get("id")), k)
    docs = "".join(_doc_html(r, k) for k, r in enumerate(sample)) or '<p class="mut">no documents</p>'
    src = f'<p class="mut">records: {_E(source)}</p>' if source else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_E(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_E(title)}</h1>{src}"
        f'<div class="cards">{card_html}</div>'
        f'<h2>Counts</h2><div class="charts">{"".join(charts)}</div>'
        f'<h2 id="documents">Sample of documents ({len(sample)})</h2>'
        '<p class="legend">Each document whole, as the pipeline saw it: removed lines in place, '
        "<del>struck through</del>, with the rule that removed them (its section below); runs of kept lines "
        "folded (click to open); <mark>repaired</mark> text with what it was beside it; "
        '<span class="finding">findings</span> no repair resolved, with their kind. '
        "Line numbers count lines after decoding or extraction.</p>"
        f"{docs}"
        f'<h2 id="rules">Rules and classifier reasons</h2>'
        '<p class="legend">Every rule and classifier reason that removed lines in this run, with a sample of the '
        "lines it removed and the documents they came from.</p>"
        f"{_rules_html(summary, rules, sampled_ids)}</body></html>\n"
    )
