"""The HTML report, rendered by a real headless Chromium: what a user sees.

The report of a real run (the fixtures, some with translation artifacts) is
opened in Chromium with a checking script appended to a copy of it; the script
measures the laid-out page and writes its findings into the page, which
``--dump-dom`` returns. Skipped when no Chromium is installed (``.ci/run``
installs Debian's)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html import unescape
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    env = os.environ.get("CLEANER_BROWSER")
    if env:
        return env if shutil.which(env) or Path(env).is_file() else None
    return next((b for b in map(shutil.which, BROWSERS) if b), None)


BROWSER = _browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no headless Chromium to render the report (apt-get install chromium; .ci/run installs it; "
    "or set CLEANER_BROWSER)",
)

_CHECK = r"""
<script>
(function () {
  var out = {};
  function shown(el) { return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden"; }
  var rm = Array.from(document.querySelectorAll(".ln.rm"));
  out.removed = rm.length;
  out.removed_hidden = rm.filter(function (el) { return !shown(el); }).map(function (el) { return el.textContent; });
  // no box with its own scrollbar that could hide lines
  out.scroll_boxes = Array.from(document.querySelectorAll("body *")).filter(function (el) {
    var s = getComputedStyle(el);
    return /(auto|scroll|hidden)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1;
  }).map(function (el) { return el.tagName + "." + el.className; });
  out.before = Array.from(document.querySelectorAll(".doc .before")).map(function (el) {
    return {text: el.textContent, shown: shown(el), height: el.getBoundingClientRect().height};
  });
  var folds = Array.from(document.querySelectorAll("details.fold"));
  out.folds = folds.length;
  out.folds_open = folds.filter(function (d) { return d.open; }).length;
  out.fold_summaries = folds.map(function (d) { return d.querySelector("summary").textContent; });
  if (folds.length) {
    var d = folds[0], inside = d.querySelector(".ln");
    out.folded_line_hidden = !shown(inside);
    d.open = true;
    out.unfolded_line_shown = shown(inside);
    d.open = false;
  }
  out.findings = Array.from(document.querySelectorAll(".doc .finding")).map(function (el) {
    return {kind: el.dataset.kind, shown: shown(el), text: el.textContent};
  });
  out.rules = {};
  Array.from(document.querySelectorAll("section.rulesec")).forEach(function (sec) {
    var links = Array.from(sec.querySelectorAll("a[href^='#doc-']"));
    out.rules[sec.querySelector("h3").textContent] = {
      id: sec.id, text: sec.querySelector("p").textContent, items: sec.querySelectorAll("li").length,
      shown: shown(sec), broken_links: links.filter(function (a) {
        return !document.getElementById(a.getAttribute("href").slice(1)); }).length
    };
  });
  out.rule_links = Array.from(document.querySelectorAll("a.rule")).filter(function (a) {
    return !document.getElementById(a.getAttribute("href").slice(1)); }).length;
  out.scroll_width = document.documentElement.scrollWidth;
  out.inner_width = window.innerWidth;
  out.images = document.querySelectorAll("img").length;
  out.pwned = window.__pwned === 1;
  var pre = document.createElement("pre");
  pre.id = "test-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _render(page: Path, width: int = 800) -> dict:
    with tempfile.TemporaryDirectory(prefix="cleaner-chromium-") as profile:
        proc = subprocess.run(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--window-size={width},1000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    m = re.search(r'<pre id="test-result">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"chromium gave no result (rc {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(unescape(m.group(1)))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, list[dict]]:
    tmp = tmp_path_factory.mktemp("report")
    src = tmp / "in.jsonl"
    lines = (REPO / "fixtures" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    lines += (
        (REPO / "fixtures" / "artifacts" / "injected.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    )
    hostile = {
        "id": "<img src=x onerror=window.__pwned=1>",
        "text": "A title about the council budget\n<script>window.__pwned=1</script>\nMost Read\n"
        "The council approved the budget on Tuesday after a long debate about the library.",
    }
    src.write_text("\n".join(lines + [json.dumps(hostile)]) + "\n", encoding="utf-8")
    out = tmp / "out.jsonl"
    env = {**os.environ, "NO_COLOR": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(src), "-o", str(out), "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    html_out = tmp / "report.html"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "cleaner",
            "report",
            str(out),
            "--html",
            str(html_out),
            "--sample",
            "60",
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    checked = tmp / "checked.html"
    checked.write_text(
        html_out.read_text(encoding="utf-8").replace("</body>", _CHECK + "</body>"), encoding="utf-8"
    )
    return checked, records


def test_removed_lines_are_all_in_view_and_kept_text_is_folded(report):
    page, _ = report
    got = _render(page)
    assert got["removed"] > 20
    assert got["removed_hidden"] == []  # every removed line shows, in place: none folded away
    assert got["scroll_boxes"] == []  # and no box with its own scrollbar hides any
    assert got["folds"] > 5 and got["folds_open"] == 0
    assert all(re.fullmatch(r"[\d,]+ kept lines?", s) for s in got["fold_summaries"]), got["fold_summaries"]
    assert got["folded_line_hidden"] and got["unfolded_line_shown"]  # click to open


def test_repairs_show_their_before_text(report):
    page, records = report
    got = _render(page)
    befores = {str(r["before"]) for rec in records for r in rec.get("repairs") or ()}
    assert got["before"], "no repair shown"
    assert all(b["shown"] and b["height"] > 0 for b in got["before"])  # on the page, not in a tooltip
    assert {b["text"] for b in got["before"]} <= befores


def test_unrepaired_findings_are_marked(report):
    page, records = report
    got = _render(page)
    kinds = {f["kind"] for rec in records for f in (rec.get("artifacts") or {}).get("findings") or ()}
    assert got["findings"] and all(f["shown"] for f in got["findings"])
    assert {f["kind"] for f in got["findings"]} <= kinds


def test_every_rule_has_its_section_with_sample_lines_and_documents(report):
    page, records = report
    got = _render(page)
    counts: dict[str, int] = {}
    docs: dict[str, set] = {}
    for rec in records:
        for r in rec.get("removed") or ():
            counts[r["rule"]] = counts.get(r["rule"], 0) + 1
            docs.setdefault(r["rule"], set()).add(rec["id"])
    assert set(got["rules"]) == set(counts)  # rules and classifier reasons alike
    assert any(r.startswith("classifier.") for r in counts)
    for rule, n in counts.items():
        sec = got["rules"][rule]
        assert sec["shown"] and sec["items"] == min(n, 20)
        d = len(docs[rule])
        assert sec["text"].startswith(f"{n:,} line{'s' if n != 1 else ''} removed from {d:,} document")
        assert sec["broken_links"] == 0
    assert got["rule_links"] == 0  # each removed line's rule links to its section


def test_narrow_window_has_no_sideways_scroll_and_text_stays_text(report):
    page, _ = report
    got = _render(page, width=480)
    assert got["scroll_width"] <= got["inner_width"] + 1, got
    assert got["images"] == 0 and got["pwned"] is False
