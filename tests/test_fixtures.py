"""Each fixture scrape, cleaned by the default pipeline, against its hand-written
expected article (fixtures/expected/<name>.txt) and its list of junk lines
(fixtures/junk/<name>.txt).

Line level: a kept line is compared with the expected lines after NFC and
whitespace normalisation. Recall = expected lines kept / expected lines;
precision = kept lines that are expected / kept lines. The per-fixture tests are
strict: every junk line gone, every article line kept, nothing else left.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import ftfy
import pytest

import cleaner

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
RAW = {p.stem: p for p in sorted([*(FIXTURES / "text").glob("*.txt"), *(FIXTURES / "html").glob("*.html")])}
NAMES = sorted(RAW)


def norm(line: str) -> str:
    return " ".join(unicodedata.normalize("NFC", line).split())


def nonblank(text: str) -> list[str]:
    return [n for n in map(norm, text.split("\n")) if n]


def expected_lines(name: str) -> list[str]:
    return nonblank((FIXTURES / "expected" / f"{name}.txt").read_text(encoding="utf-8"))


def junk_lines(name: str) -> list[str]:
    return nonblank((FIXTURES / "junk" / f"{name}.txt").read_text(encoding="utf-8"))


def fmt_of(name: str) -> str:
    return "html" if RAW[name].suffix == ".html" else "text"


_CLEANED: dict[str, cleaner.Document] = {}


def cleaned(name: str) -> cleaner.Document:
    if name not in _CLEANED:
        _CLEANED[name] = cleaner.clean(RAW[name].read_bytes(), format=fmt_of(name))
    return _CLEANED[name]


def kept_lines(name: str) -> list[str]:
    return nonblank(cleaned(name).text)


def precision_recall(name: str) -> tuple[float, float, int, int, int]:
    kept, want = kept_lines(name), expected_lines(name)
    want_set, kept_set = set(want), set(kept)
    tp_kept = sum(1 for k in kept if k in want_set)
    tp_want = sum(1 for w in want if w in kept_set)
    precision = tp_kept / len(kept) if kept else 0.0
    recall = tp_want / len(want) if want else 1.0
    return precision, recall, len(kept), len(want), tp_kept


def short(line: str, n: int = 90) -> str:
    return line if len(line) <= n else line[: n - 3] + "..."


def is_junk_left(junk: str, kept: list[str]) -> bool:
    """A junk line is left when a kept line equals it, or (for junk of four words or
    more) holds it: HTML extraction may glue short blocks together."""
    if junk in kept:
        return True
    return len(junk.split()) >= 4 and any(junk in k for k in kept)


# ------------------------------------------------------------------ the fixtures themselves
def test_there_are_enough_fixtures() -> None:
    texts = [n for n in NAMES if fmt_of(n) == "text"]
    htmls = [n for n in NAMES if fmt_of(n) == "html"]
    assert len(texts) >= 6 and len(htmls) >= 3
    assert {n.split("-")[0] for n in texts} >= {"en", "de", "es", "fr"}
    raw = (FIXTURES / "html" / "fr-boulangerie.html").read_bytes()
    assert b'<meta charset="windows-1252">' in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_consistent(name: str) -> None:
    """expected/ and junk/ exist, the article is 300-800 words, and (for text
    scrapes) every non-blank raw line is either an article line or a junk line."""
    want, junk = expected_lines(name), junk_lines(name)
    words = sum(len(w.split()) for w in want)
    assert 300 <= words <= 800, f"{name}: {words} words"
    assert not set(want) & set(junk), set(want) & set(junk)
    body = "\n".join(want)
    for j in junk:
        if len(j.split()) >= 4:
            assert j not in body, f"junk line {j!r} is part of the article"
    if fmt_of(name) == "text":
        raw = RAW[name].read_text(encoding="utf-8")
        raw_lines = nonblank(ftfy.fix_text(raw, uncurl_quotes=False, fix_character_width=False))
        assert set(raw_lines) == set(want) | set(junk), (
            f"not classified: {set(raw_lines) - set(want) - set(junk)}; "
            f"not in the raw scrape: {(set(want) | set(junk)) - set(raw_lines)}"
        )
        # the article lines come in the same order as in the scrape
        assert [ln for ln in raw_lines if ln in set(want)] == want


def test_corpus_is_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(FIXTURES / "make_corpus.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ cleaning quality
@pytest.mark.parametrize("name", NAMES)
def test_junk_removed(name: str) -> None:
    doc = cleaned(name)
    assert doc.status == "ok", doc.error or doc.reason
    kept = kept_lines(name)
    left = [j for j in junk_lines(name) if is_junk_left(j, kept)]
    assert not left, f"{name}: junk kept ({len(left)}):\n" + "\n".join(f"  {short(j)!r}" for j in left)


@pytest.mark.parametrize("name", NAMES)
def test_article_kept(name: str) -> None:
    doc = cleaned(name)
    assert doc.status == "ok", doc.error or doc.reason
    kept = set(kept_lines(name))
    rule_of = {norm(r["text"]): r["rule"] for r in doc.removed}
    lost = [w for w in expected_lines(name) if w not in kept]
    assert not lost, f"{name}: article lines lost ({len(lost)}):\n" + "\n".join(
        f"  {short(w)!r} <- {rule_of.get(w, 'changed or not extracted')}" for w in lost
    )
    kept_seq = [k for k in kept_lines(name) if k in set(expected_lines(name))]
    assert kept_seq == expected_lines(name), "article lines out of order or repeated"


@pytest.mark.parametrize("name", NAMES)
def test_nothing_else_kept(name: str) -> None:
    """Precision: every kept line is an article line (catches junk nobody listed)."""
    want = set(expected_lines(name))
    extra = [k for k in kept_lines(name) if k not in want]
    p, r, *_ = precision_recall(name)
    assert not extra, (
        f"{name}: precision {p:.3f}, lines kept that are not article ({len(extra)}):\n"
        + "\n".join(f"  {short(k)!r}" for k in extra)
    )


@pytest.mark.parametrize("name", NAMES)
def test_language_detected(name: str) -> None:
    assert cleaned(name).language == name.split("-")[0]


@pytest.mark.parametrize("name", [n for n in NAMES if fmt_of(n) == "text"])
def test_removals_name_a_rule_and_the_raw_line(name: str) -> None:
    doc = cleaned(name)
    raw_lines = RAW[name].read_text(encoding="utf-8").split("\n")
    for r in doc.removed:
        assert re.fullmatch(r"[a-z]+(?:\.[a-z0-9-]+)+", r["rule"]), r
        assert norm(raw_lines[r["line"] - 1]) == norm(
            ftfy.fix_text(r["text"], uncurl_quotes=False, fix_character_width=False)
        ) or norm(raw_lines[r["line"] - 1]) == norm(r["text"]), r


def test_overall_precision_and_recall() -> None:
    rows, tp, kept_total, want_total, tp_want = [], 0, 0, 0, 0
    for name in NAMES:
        p, r, k, w, t = precision_recall(name)
        rows.append(f"{name:<20} precision {p:6.3f}  recall {r:6.3f}  kept {k:3d}  expected {w:3d}")
        tp += t
        kept_total += k
        want_total += w
        tp_want += round(r * w)
    precision, recall = tp / kept_total, tp_want / want_total
    table = "\n".join(rows) + f"\n{'all':<20} precision {precision:6.3f}  recall {recall:6.3f}"
    print("\n" + table)
    assert recall >= 0.99 and precision >= 0.97, table
