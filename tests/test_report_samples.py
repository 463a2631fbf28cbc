"""What the report counts and samples: sizes people read, each rule's documents and lines."""

from __future__ import annotations

from cleaner.report import RuleSamples, Summary, build_report, mb, render_html


def test_sizes_are_never_zero_megabytes():
    assert [mb(n) for n in (0, 812, 12_000, 49_999, 999_999, 3_200_000, None)] == [
        "0 B",
        "812 B",
        "12.0 kB",
        "50.0 kB",
        "1,000.0 kB",
        "3.2 MB",
        "n/a",
    ]
    s = Summary()
    s.add({"status": "ok", "text": "x" * 30_000, "removed": []}, 45_000)
    assert "bytes: 45.0 kB in, 30.0 kB out" in s.render()


def _rec(i: int, rule: str, n: int) -> dict:
    return {
        "id": f"d{i}",
        "status": "ok",
        "text": "kept",
        "removed": [{"line": k + 2, "text": f"junk {i}.{k}", "rule": rule} for k in range(n)],
    }


def test_rule_samples_count_documents_and_keep_a_bounded_sample():
    records = [_rec(i, "en.story-lists", 3) for i in range(50)] + [_rec(99, "classifier.short", 1)]
    rules = RuleSamples(size=20)
    summary, sample = build_report(records, sample_size=4, rules=rules)
    assert rules.documents == {"en.story-lists": 50, "classifier.short": 1}
    assert len(rules.lines["en.story-lists"]) == 20 and len(rules.lines["classifier.short"]) == 1
    assert all(t.startswith("junk ") and doc.startswith("d") for doc, _, t in rules.lines["en.story-lists"])
    # the same seed, the same sample
    again = RuleSamples.of(records)
    assert again.lines == rules.lines
    page = render_html(summary, sample, rules=rules)
    assert '<section class="rulesec" id="rule-en.story-lists">' in page
    assert "150 lines removed from 50 documents; 20 of them below" in page
    assert '<section class="rulesec" id="rule-classifier.short">' in page
    assert "1 line removed from 1 document</p>" in page
