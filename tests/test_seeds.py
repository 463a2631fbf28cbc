"""The five seed scrapes in <shared>/seeds: no junk line left, no article line lost.

Junk lines are found by short markers (a line that *is* "Most Read", starts with
"Read more", holds "contributed to this report", a tweet's "— Name (@handle) Date"
attribution, the list after "Most Read", the bio after "About ... Team", the
teasers after a final "Read more:" ...). Every other non-blank line is an
article line and must be kept. Lines are followed by number (the record's
``removed[].line``), so repairs that change a kept line's text do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

import cleaner

SEEDS = ["000", "001", "002", "003", "004"]

JUNK_EQUALS = {
    "most read",
    "popular topics",
    "related articles",
    "source link",
    "source",
    "have a tip we should know?",
    "leave a reply",
    "your email address will not be published.",
    "-",
}
JUNK_STARTS = ("read more", "follow @", "this story has been updated")
JUNK_HOLDS = ("contributed to this report", "follow our google news", "pic.twitter.com/", "https://t.co/")
TWEET_BY = re.compile(r"^[—–-]\s*[^()]{1,80}\(@\w+\)\s+[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4}$")
BIO_HEAD = re.compile(r"^About (?:[A-Z]\w*\s+){1,3}Team$")
TEASER_SNIPPET = re.compile(r"\.\.\.\s*(?:[A-Z][\w&]*(?:\s+[A-Z][\w&]*){0,3})?\s*-?$")  # "... World News -"


def norm(line: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", line).split())


def junk_flags(lines: list[str]) -> list[bool]:
    """For each line of a seed: True when it is junk (blank lines: False)."""
    text = [norm(ln) for ln in lines]
    flags = [False] * len(text)
    nonblank = [i for i, t in enumerate(text) if t]
    in_list = False  # after "Most Read": the numbered list, its headlines and "N years ago" stamps
    bio_next = False  # the paragraph after "About ... Team"
    after_read_more = False  # teasers (headline + "..." snippet) after a "Read more:" line
    for k, i in enumerate(nonblank):
        t, low = text[i], text[i].casefold()
        if in_list or bio_next:
            flags[i] = True
            bio_next = False
            continue
        if (
            low in JUNK_EQUALS
            or low.startswith(JUNK_STARTS)
            or any(m in low for m in JUNK_HOLDS)
            or TWEET_BY.match(t)
        ):
            flags[i] = True
        if low == "most read":
            in_list = True
        if BIO_HEAD.match(t):
            flags[i] = bio_next = True
        if low.startswith("read more"):
            after_read_more = True
        if after_read_more and TEASER_SNIPPET.search(t):
            flags[i] = True
            if k > 0:
                flags[nonblank[k - 1]] = True  # the teaser's headline
    return flags


def seed_path(seeds_dir: Path, prefix: str) -> Path:
    found = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"no seed {prefix}_*.txt in {seeds_dir}")
    return found[0]


def clean_seed(path: Path) -> tuple[list[str], cleaner.Document]:
    raw = path.read_bytes()
    doc = cleaner.clean(raw, format="text")
    lines = raw.decode("utf-8").replace("\r\n", "\n").split("\n")
    assert doc.status == "ok", doc.error or doc.reason
    assert len(doc.lines) == len(lines) and [ln.number for ln in doc.lines] == list(range(1, len(lines) + 1))
    return lines, doc


def excerpt(line: str) -> str:
    t = norm(line)
    return t if len(t) <= 60 else t[:57] + "..."


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_junk_line_left(prefix: str, seeds_dir: Path) -> None:
    lines, doc = clean_seed(seed_path(seeds_dir, prefix))
    flags = junk_flags(lines)
    left = [
        f"line {i + 1}: {excerpt(lines[i])!r}" for i, junk in enumerate(flags) if junk and doc.lines[i].kept
    ]
    assert not left, f"seed {prefix}: junk kept:\n  " + "\n  ".join(left)


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_article_line_lost(prefix: str, seeds_dir: Path) -> None:
    lines, doc = clean_seed(seed_path(seeds_dir, prefix))
    flags = junk_flags(lines)
    lost = [
        f"line {i + 1} <- {doc.lines[i].rule}: {excerpt(lines[i])!r}"
        for i, junk in enumerate(flags)
        if not junk and lines[i].strip() and not doc.lines[i].kept
    ]
    assert not lost, f"seed {prefix}: article lines removed:\n  " + "\n  ".join(lost)
    # ... and they are in the clean text
    kept_text = doc.text
    for i, junk in enumerate(flags):
        if not junk and lines[i].strip():
            assert doc.lines[i].text in kept_text


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_removal_is_recorded_with_a_rule(prefix: str, seeds_dir: Path) -> None:
    lines, doc = clean_seed(seed_path(seeds_dir, prefix))
    removed = {r["line"]: r for r in doc.removed}
    for ln in doc.lines:
        if ln.rule is not None and ln.text.strip():
            assert removed[ln.number]["rule"] == ln.rule and ln.rule
    assert set(removed) == {ln.number for ln in doc.lines if ln.rule is not None and ln.text.strip()}


def test_markers_find_the_known_junk(seeds_dir: Path) -> None:
    """The markers themselves: each kind of junk is found where the seeds carry it."""
    found: dict[str, list[str]] = {}
    for prefix in SEEDS:
        lines = seed_path(seeds_dir, prefix).read_text(encoding="utf-8").split("\n")
        found[prefix] = [norm(t) for t, f in zip(lines, junk_flags(lines), strict=True) if f]
        assert found[prefix], f"no junk found in seed {prefix}"
    assert (
        "Most Read" in found["001"] and sum(bool(re.fullmatch(r"\d+ \w+ ago", t)) for t in found["001"]) >= 10
    )
    assert any(t.startswith("Hi, I") for t in found["001"])  # the bio paragraph
    assert any(TWEET_BY.match(t) for t in found["003"]) and any("pic.twitter.com/" in t for t in found["003"])
    assert sum(bool(TEASER_SNIPPET.search(t)) for t in found["003"]) == 2 and len(found["003"]) >= 7
    assert "Leave a Reply" in found["002"]
    assert any("contributed to this report" in t for t in found["000"] + found["004"])
    # article lines are the majority everywhere
    for prefix in SEEDS:
        lines = seed_path(seeds_dir, prefix).read_text(encoding="utf-8").split("\n")
        flags = junk_flags(lines)
        article = sum(1 for t, f in zip(lines, flags, strict=True) if t.strip() and not f)
        assert article >= 10, prefix
