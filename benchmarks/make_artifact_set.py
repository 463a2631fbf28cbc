"""Build the translation-artifact evaluation set: clean texts with artifacts injected.

Reads the clean paragraphs in ``fixtures/artifacts/clean/*.txt`` (written for
this project; the file name starts with the language code) and writes
``fixtures/artifacts/injected.jsonl``: for every clean text, every kind and
every rate, a copy with that kind of artifact injected programmatically, with
a seeded RNG so that the file is the same on every run.

One record per line::

    {"id": "en-01-council-budget/glued-word/10", "source": "en-01-council-budget.txt",
     "lang": "en", "kind": "glued-word", "rate": 10,
     "text": "...", "truth": [[start, end], ...], "variants": ["lowercase", ...]}

``truth`` holds the spans of the injected artifacts in ``text``; ``variants``
names, span by span, the way it was injected (glued words: lowercase, camel,
possessive; reversed quotes: swapped-pair, flipped-glyphs; ...). ``rate`` is injections per
1,000 words (at least one per text).

    python benchmarks/make_artifact_set.py [--seed 13] [--out fixtures/artifacts/injected.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

CLEAN = REPO / "fixtures" / "artifacts" / "clean"
OUT = REPO / "fixtures" / "artifacts" / "injected.jsonl"
RATES = (5, 10, 20)
PER_RATE = (9, 3)  # texts drawn for each kind and rate: English, other languages

# an edit: (start, end, replacement, truth spans relative to the replacement's start, variant)
Edit = tuple[int, int, str, list[tuple[int, int]], str]


# The injection vocabulary is kept here, apart from the detector's data in
# rules/artifacts.yaml, so that tuning the detector never changes the set it is
# measured on.
FUNCTION_WORDS = {
    "en": [
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "during",
        "into",
        "about",
        "after",
        "before",
        "between",
        "under",
        "over",
        "through",
        "against",
        "and",
        "or",
        "but",
        "as",
        "because",
        "while",
        "he",
        "she",
        "they",
        "we",
        "their",
        "which",
        "has",
        "have",
        "had",
        "were",
        "would",
    ],
    "fr": ["dans", "sur", "pour", "par", "avec", "sans", "entre", "pendant", "et", "ou", "mais", "qui", "il"],
    "de": ["und", "oder", "aber", "mit", "von", "zu", "bei", "nach", "aus", "für", "gegen", "ohne", "um"],
    "es": ["de", "en", "con", "por", "para", "sin", "sobre", "entre", "durante", "y", "pero", "que"],
}
# doubled words that are correct, never injected as errors
REPEATED_OK = {"that", "had", "very", "so", "no", "die", "der", "das", "nous", "vous", "que"}


def freq(lang: str) -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict(lang)


def zipf(fd: dict[str, float], w: str) -> float:
    import math

    f = fd.get(w)
    return math.log10(f) + 9 if f else 0.0


def sentence_start(text: str, i: int) -> bool:
    """Whether position ``i`` starts a sentence (after . ! ? or a line start, quotes skipped)."""
    j = i - 1
    while j >= 0 and text[j] in ' “"‘«„(':
        j -= 1
    return j < 0 or text[j] in ".!?\n:"


# ------------------------------------------------------------------ site finders
def sites_glued(text: str, lang: str, fd: dict) -> list[tuple[str, Callable[[], Edit]]]:
    out = []
    # lowercase: two adjacent lowercase words whose join is not a word
    for m in re.finditer(r"(?=(?<![\w'’-])([a-zà-ÿ]{2,}) ([a-zà-ÿ]{2,})(?![\w'’-]))", text):
        a, b = m.group(1), m.group(2)
        if zipf(fd, a + b) > 0:
            continue
        s = m.start(1)
        e = s + len(a) + 1 + len(b)
        out.append(("lowercase", lambda s=s, e=e, a=a, b=b: (s, e, a + b, [(0, len(a) + len(b))])))
    # camel: a capitalised word (not opening a sentence) and the next word, capitalised and glued
    for m in re.finditer(r"(?=(?<![\w'’-])([A-Z][a-z]{2,}) ([a-z]{2,})(?![\w'’-]))", text):
        a, b = m.group(1), m.group(2)
        s = m.start(1)
        if sentence_start(text, s):
            continue
        e = s + len(a) + 1 + len(b)
        out.append(("camel", lambda s=s, e=e, a=a, b=b: (s, e, a + b.capitalize(), [(0, len(a) + len(b))])))
    # possessive: Russia's foreign -> Russia'sforeign
    for m in re.finditer(r"(?<![\w'’-])([A-Za-z]{2,}['’]s) ([a-z]{3,})(?![\w'’-])", text):
        a, b = m.group(1), m.group(2)
        s, e = m.start(), m.end()
        out.append(("possessive", lambda s=s, e=e, a=a, b=b: (s, e, a + b, [(0, len(a) + len(b))])))
    return out


def sites_space_before(text: str, lang: str, fd: dict) -> list:
    out = []
    for m in re.finditer(r"(?<![\w'’-])([^\W\d_]{2,})([.,])(?=\s|$)", text):
        s, e = m.start(), m.end()
        w, p = m.group(1), m.group(2)
        out.append(("space", lambda s=s, e=e, w=w, p=p: (s, e, f"{w} {p}", [(0, len(w) + 2)])))
    return out


def sites_missing_after(text: str, lang: str, fd: dict) -> list:
    out = []
    for m in re.finditer(r"(?<=[a-zà-ÿ]{2})\. (?=[A-ZÀ-Þ][a-zà-ÿ])", text):
        s, e = m.start(), m.end()
        out.append(("missing", lambda s=s, e=e: (s, e, ".", [(0, 1)])))
    return out


def sites_reversed(text: str, lang: str, fd: dict) -> list:
    out = []
    # a quoted phrase inside a sentence:  word “inner” word  ->  word” inner “word
    for m in re.finditer(r"(?<=\w) “([^“”\n.!?]{2,80}?)” (?=\w)", text):
        s, e = m.start(), m.end()
        inner = m.group(1)
        rep = f"” {inner} “"
        out.append(
            ("swapped-pair", lambda s=s, e=e, rep=rep: (s, e, rep, [(0, 1), (len(rep) - 1, len(rep))]))
        )
    # any quotation: “inner” -> ”inner“
    for m in re.finditer(r"“([^“”\n]{2,300}?)”", text):
        s, e = m.start(), m.end()
        inner = m.group(1)
        rep = f"”{inner}“"
        out.append(
            ("flipped-glyphs", lambda s=s, e=e, rep=rep: (s, e, rep, [(0, 1), (len(rep) - 1, len(rep))]))
        )
    return out


def sites_unbalanced(text: str, lang: str, fd: dict) -> list:
    out = []
    # drop the closing mark of a quotation (the truth is the rest of that line)
    for m in re.finditer(r"“[^“”\n]{2,300}?(”)", text):
        s = m.start(1)
        line_end = text.find("\n", s)
        line_end = len(text) if line_end < 0 else line_end
        line_start = text.rfind("\n", 0, s) + 1
        out.append(
            ("dropped-close", lambda s=s, ls=line_start, le=line_end: (s, s + 1, "", [(ls - s, le - s - 1)]))
        )
    return out


def sites_quote_spacing(text: str, lang: str, fd: dict) -> list:
    out = []
    for m in re.finditer(r"(?<=[\s(])“(?=\w)", text):
        s = m.start()
        out.append(("open-space", lambda s=s: (s, s + 1, "“ ", [(0, 2)])))
    for m in re.finditer(r"(?<=[\w.,!?])”(?=[\s.,]|$)", text):
        s = m.start()
        out.append(("close-space", lambda s=s: (s, s + 1, " ”", [(0, 2)])))
    return out


def sites_cap_function(text: str, lang: str, fd: dict) -> list:
    words = set(FUNCTION_WORDS.get(lang, []))
    if not words:
        return []
    out = []
    for m in re.finditer(r"(?<=[a-zà-ÿ] )([a-zà-ÿ]+)(?= [a-zà-ÿ])", text):
        w = m.group(1)
        if w not in words:
            continue
        s, e = m.start(), m.end()
        out.append(("capitalised", lambda s=s, e=e, w=w: (s, e, w[:1].upper() + w[1:], [(0, len(w))])))
    return out


def sites_lowercase_start(text: str, lang: str, fd: dict) -> list:
    out = []
    for m in re.finditer(r"(?<=[a-zà-ÿ]{2}\. )([A-ZÀ-Þ][a-zà-ÿ]+)(?![\w'’-])", text):
        w = m.group(1)
        low = w.lower()
        # only words that are common in lowercase (not names): "The", "Officials"
        if zipf(fd, low) < 4.5:
            continue
        s, e = m.start(), m.end()
        out.append(("lowercased", lambda s=s, e=e, low=low: (s, e, low, [(0, len(low))])))
    return out


def sites_repeated(text: str, lang: str, fd: dict) -> list:
    ok = REPEATED_OK
    out = []
    for m in re.finditer(r"(?<![\w'’-])([a-zà-ÿ]{2,})(?= )", text):
        w = m.group(1)
        if w in ok:
            continue
        s, e = m.start(), m.end()
        out.append(("doubled", lambda s=s, e=e, w=w: (s, e, f"{w} {w}", [(0, 2 * len(w) + 1)])))
    return out


INJECTORS = {
    "glued-word": sites_glued,
    "space-before-punct": sites_space_before,
    "missing-space-after-punct": sites_missing_after,
    "reversed-quotes": sites_reversed,
    "unbalanced-quotes": sites_unbalanced,
    "quote-spacing": sites_quote_spacing,
    "capitalized-function-word": sites_cap_function,
    "lowercase-sentence-start": sites_lowercase_start,
    "repeated-word": sites_repeated,
}


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[list[int]], list[str]]:
    """Apply non-overlapping edits; return the new text, the truth spans in it and their variants."""
    edits = sorted(edits, key=lambda x: x[0])
    parts, truth = [], []
    pos = shift = 0
    for s, e, rep, spans, variant in edits:
        parts.append(text[pos:s])
        parts.append(rep)
        for a, b in spans:
            truth.append(([s + shift + a, s + shift + b], variant))
        shift += len(rep) - (e - s)
        pos = e
    parts.append(text[pos:])
    truth.sort()
    return "".join(parts), [t for t, _ in truth], [v for _, v in truth]


def inject(text: str, lang: str, kind: str, rate: int, rng: random.Random, fd: dict):
    sites = INJECTORS[kind](text, lang, fd)
    if not sites:
        return None
    words = len(text.split())
    n = max(1, round(rate * words / 1000))
    # draw the variants of a kind evenly (there are far more lowercase pairs than camel ones)
    by_variant: dict[str, list] = {}
    for variant, make in sites:
        by_variant.setdefault(variant, []).append((variant, make))
    for group in by_variant.values():
        rng.shuffle(group)
    order = sorted(by_variant)
    rng.shuffle(order)
    sites = [
        g[i]
        for i in range(max(map(len, by_variant.values())))
        for v in order
        for g in [by_variant[v]]
        if i < len(g)
    ]
    chosen: list[Edit] = []
    taken: list[tuple[int, int]] = []
    for variant, make in sites:
        s, e, rep, spans = make()
        lo, hi = s - 3, e + 3  # keep injections apart
        if any(lo < b and a < hi for a, b in taken):
            continue
        if kind in ("unbalanced-quotes", "reversed-quotes"):
            # one quotation damage per line, so that the truth stays readable
            ls = text.rfind("\n", 0, s) + 1
            le = text.find("\n", e)
            le = len(text) if le < 0 else le
            if any(ls <= a < le for a, _ in taken):
                continue
        chosen.append((s, e, rep, spans, variant))
        taken.append((s, e))
        if len(chosen) >= n:
            break
    return apply_edits(text, chosen)


def foreign_records(clean: dict[str, tuple[str, str]], rng: random.Random) -> list[dict]:
    """English texts with a paragraph of another language's text inserted."""
    others = {name: t for name, (lg, t) in clean.items() if lg != "en"}
    out = []
    for name, (lang, text) in sorted(clean.items()):
        if lang != "en":
            continue
        donor = rng.choice(sorted(others))
        paras = [p for p in others[donor].split("\n\n") if len(p.split()) >= 20]
        para = rng.choice(paras)
        blocks = text.split("\n\n")
        k = rng.randrange(1, len(blocks))
        before = "\n\n".join(blocks[:k]) + "\n\n"
        new = before + para + "\n\n" + "\n\n".join(blocks[k:])
        out.append(
            {
                "id": f"{name[:-4]}/foreign-fragment/{donor[:2]}",
                "source": name,
                "lang": lang,
                "kind": "foreign-fragment",
                "rate": 0,
                "text": new,
                "truth": [[len(before), len(before) + len(para)]],
                "variants": [donor[:2]],
            }
        )
    return out


def build(seed: int) -> list[dict]:
    clean = {p.name: (p.name[:2], p.read_text(encoding="utf-8").strip()) for p in sorted(CLEAN.glob("*.txt"))}
    records = []
    fds: dict[str, dict] = {}
    english = [n for n, (lg, _) in clean.items() if lg == "en"]
    other = [n for n, (lg, _) in clean.items() if lg != "en"]
    for kind in INJECTORS:
        for rate in RATES:
            pick = random.Random(f"{seed}/{kind}/{rate}")
            names = sorted(pick.sample(english, PER_RATE[0]) + pick.sample(other, PER_RATE[1]))
            for name in names:
                lang, text = clean[name]
                rng = random.Random(f"{seed}/{kind}/{rate}/{name}")
                fd = fds.setdefault(lang, freq(lang))
                res = inject(text, lang, kind, rate, rng, fd)
                if res is None:
                    continue
                new, truth, variants = res
                records.append(
                    {
                        "id": f"{name[:-4]}/{kind}/{rate}",
                        "source": name,
                        "lang": lang,
                        "kind": kind,
                        "rate": rate,
                        "text": new,
                        "truth": truth,
                        "variants": variants,
                    }
                )
    records += foreign_records(clean, random.Random(f"{seed}/foreign"))
    return records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    records = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for r in records:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + len(r["truth"])
    print(
        f"wrote {len(records)} records to {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}"
    )
    for k, n in kinds.items():
        print(f"  {k:28s} {n:5d} injected")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
