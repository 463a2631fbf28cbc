"""Benchmark: undeclared legacy-charset bytes decoded back to the exact text.

Real article text (the gold of the shared evaluation sets: Readability's
``expected.html`` without its lorem-ipsum fixtures, the trafilatura set's "with"
snippets, wcxb-dev's ``main_content``, Dragnet's gold standard) is encoded in the
legacy charsets its language was written in before UTF-8 (below, ``LEGACY``: the
Windows code page of its script, and the other common one where there was one,
such as KOI8-R for Russian, EUC-JP for Japanese, ISO 8859-2 for Central Europe),
with no declaration anywhere, whole and cut into pieces of 300 characters, and
decoded by the decode stage as ``cleaner clean`` would. A sample counts as decoded
exactly when the text equals the original (characters the charset cannot hold
become "?" in both). Samples whose bytes are all ASCII are left out: every
charset reads them alike. The baseline, measured on the same samples in the same
run, is charset-normalizer's best guess alone (what the decode stage did before).

The language of each text (which charsets it is encoded in) is what langdetect
finds in the original text; the decoder sees only the bytes.

The four sets are mostly English and German: Cyrillic, Greek, Hebrew, Arabic,
Turkish, Baltic, Central European and East Asian text is rare in them. A second
table (``--pseudo``, on by default) runs the same test on pseudo-text for those
languages: sentences of words drawn by frequency from wordfreq's lists (installed
with the package; seeded), which have the letter frequencies of real text but not
its grammar. It is a check across charsets, not the benchmark's figure.

    python benchmarks/bench_decode.py                 # all four sets -> benchmarks/results/decode.json
    python benchmarks/bench_decode.py --limit 100 --sets readability wcxb
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import evalsets  # noqa: E402

DEFAULT_JSON = HERE / "results" / "decode.json"
SETS = ("readability", "trafilatura", "wcxb", "dragnet")
CUT = 300
CUTS_PER_TEXT = 3
TARGET = 0.98

# The legacy charsets of each language's pages (the benchmark's own table: what
# undeclared pages in that language were written in), the usual one first.
_WESTERN = ("cp1252",)
_CENTRAL = ("cp1250", "iso8859_2")
LEGACY: dict[str, tuple[str, ...]] = {
    **{
        lang: _WESTERN
        for lang in (
            "en",
            "de",
            "fr",
            "es",
            "it",
            "pt",
            "nl",
            "da",
            "sv",
            "no",
            "fi",
            "ca",
            "af",
            "id",
            "tl",
            "sw",
            "so",
            "sq",
            "cy",
        )
    },
    **{lang: _CENTRAL for lang in ("pl", "cs", "sk", "hu", "sl", "hr", "ro")},
    "ru": ("cp1251", "koi8_r"),
    "uk": ("cp1251", "koi8_u"),
    "bg": ("cp1251",),
    "mk": ("cp1251",),
    "el": ("cp1253", "iso8859_7"),
    "tr": ("cp1254",),
    "he": ("cp1255",),
    "ar": ("cp1256",),
    "fa": ("cp1256",),
    "lt": ("cp1257",),
    "lv": ("cp1257",),
    "et": ("cp1257",),
    "vi": ("cp1258",),
    "th": ("cp874",),
    "ja": ("shift_jis", "euc_jp"),
    "ko": ("euc_kr",),
    "zh-cn": ("gb18030",),
    "zh-tw": ("big5",),
}


# ------------------------------------------------------------------ the gold
def _unpack(tarball: Path, dest: Path) -> Path:
    """Unpack ``tarball`` into ``dest`` once (a stamp records which tarball)."""
    stamp = dest.parent / f".{dest.name}.stamp"
    st = tarball.stat()
    sig = f"{tarball.resolve()} {st.st_size} {int(st.st_mtime)}"
    if dest.is_dir() and stamp.is_file() and stamp.read_text() == sig:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        with tarfile.open(tarball, "r:*") as tf:
            try:
                tf.extractall(tmp, filter="data")
            except TypeError:  # Python without extraction filters
                tf.extractall(tmp)  # noqa: S202 - our own shared data
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
        tmp = dest
        stamp.write_text(sig)
    finally:
        if tmp != dest:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


_LOREM = re.compile(r"lorem ipsum|dolor sit amet", re.I)


def gold_readability() -> list[tuple[str, str]]:
    return [(p.name, p.gold or "") for p in evalsets.readability_pages() if not _LOREM.search(p.gold or "")]


def gold_trafilatura() -> list[tuple[str, str]]:
    return [(p.name, "\n".join(p.with_)) for p in evalsets.trafilatura_pages()]


def gold_wcxb() -> list[tuple[str, str]]:
    root = _unpack(evalsets.shared_eval_dir() / "wcxb-dev.tar.xz", evalsets.CACHE / "wcxb-dev")
    out = []
    for f in sorted((root / "dev" / "ground-truth").glob("*.json")):
        gt = json.loads(f.read_text(encoding="utf-8")).get("ground_truth") or {}
        out.append((f.stem, gt.get("main_content") or ""))
    return out


def _gold_file(data: bytes) -> str:
    """Dragnet's gold files: UTF-16 with a BOM, UTF-8, or Windows-1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def gold_dragnet() -> list[tuple[str, str]]:
    root = _unpack(evalsets.shared_eval_dir() / "dragnet.tar.xz", evalsets.CACHE / "dragnet")
    return [
        (f.stem, _gold_file(f.read_bytes()))
        for f in sorted((root / "dragnet_data" / "GoldStandard").glob("*.txt"))
    ]


# wordfreq's language -> langdetect's, for the pseudo-text
PSEUDO = {
    "ru": "ru",
    "uk": "uk",
    "bg": "bg",
    "mk": "mk",
    "el": "el",
    "tr": "tr",
    "he": "he",
    "ar": "ar",
    "fa": "fa",
    "pl": "pl",
    "cs": "cs",
    "sk": "sk",
    "hu": "hu",
    "sl": "sl",
    "ro": "ro",
    "lt": "lt",
    "lv": "lv",
    "vi": "vi",
    "ja": "ja",
    "ko": "ko",
    "zh": "zh-cn",
    "fr": "fr",
    "de": "de",
    "es": "es",
}
_NO_SPACES = ("ja", "zh")


def pseudo_texts(per_language: int = 12, seed: int = 7) -> list[tuple[str, str, str]]:
    """(name, language, text): sentences of frequent words of each language of :data:`PSEUDO`."""
    import random

    import wordfreq

    out = []
    for wf_lang, lang in PSEUDO.items():
        freqs = wordfreq.get_frequency_dict(wf_lang)
        words = sorted(freqs, key=freqs.__getitem__, reverse=True)[:3000]
        weights = [freqs[w] for w in words]
        rng = random.Random(f"{seed}-{wf_lang}")
        sep, end = ("", "。") if wf_lang in _NO_SPACES else (" ", ".")
        for k in range(per_language):
            sentences = []
            for _ in range(rng.randint(4, 9)):
                ws = rng.choices(words, weights, k=rng.randint(6, 16))
                first = ws[0][:1].upper() + ws[0][1:]
                sentences.append(sep.join([first, *ws[1:]]) + end)
            out.append((f"{wf_lang}-{k}", lang, (" " if sep else "").join(sentences)))
    return out


LOADERS = {
    "readability": gold_readability,
    "trafilatura": gold_trafilatura,
    "wcxb": gold_wcxb,
    "dragnet": gold_dragnet,
}


# ---------------------------------------------------------------- samples
def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def cuts(text: str) -> list[str]:
    """Up to CUTS_PER_TEXT pieces of CUT characters that hold a non-ASCII character."""
    out = []
    for i in range(0, len(text), CUT):
        piece = text[i : i + CUT]
        if len(piece) >= CUT // 2 and not piece.isascii():
            out.append(piece)
            if len(out) == CUTS_PER_TEXT:
                break
    return out


def detect_language(text: str) -> str | None:
    from cleaner import langkernel

    sample = text[:3000]
    if langkernel.count_alpha(sample) < 50:
        return None
    try:
        best = langkernel.probabilities(sample, 0, 3, 3000)[0]
    except Exception:
        return None
    return best.lang if best.prob >= 0.9 else None


def decode(data: bytes) -> tuple[str, str | None, float | None, bool]:
    """(text, charset, confidence, flagged) as the decode stage finds them for bytes with no declaration."""
    from cleaner.document import Document
    from cleaner.stages.decode import DecodeStage

    stage = _STAGE.get("decode")
    if stage is None:
        stage = _STAGE["decode"] = DecodeStage({})
    doc = Document(id="x", raw=data, format="text")
    stage.process(doc)
    cs = doc.charset or {}
    return "\n".join(ln.text for ln in doc.lines), doc.encoding, cs.get("confidence"), bool(cs.get("flagged"))


_STAGE: dict[str, Any] = {}


def baseline(data: bytes) -> str:
    """The text as charset-normalizer's best guess alone reads it (what the decode stage did before)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    text = str(best) if best is not None else data.decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    ap.add_argument("--limit", type=int, default=None, help="texts per set (default: all)")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON)
    ap.add_argument("--show", type=int, default=0, help="print this many wrongly decoded samples")
    ap.add_argument(
        "--no-pseudo",
        dest="pseudo",
        action="store_false",
        help="leave out the pseudo-text check of the languages the sets hardly hold",
    )
    args = ap.parse_args(argv)
    if not evalsets.require_eval():
        return 2

    by: dict[str, Counter[str]] = defaultdict(Counter)
    wrong_examples: list[dict[str, Any]] = []
    langs: Counter[str] = Counter()
    ascii_only = utf8_like = 0
    t0 = time.perf_counter()
    seconds = 0.0
    jobs = [(set_name, LOADERS[set_name]) for set_name in args.sets]
    if args.pseudo:
        jobs.append(("pseudo", None))
    for set_name, loader in jobs:
        if loader is None:
            texts3 = pseudo_texts()
        else:
            texts3 = [(name, None, raw) for name, raw in loader()]
        if args.limit:
            texts3 = texts3[: args.limit]
        for name, known, raw in texts3:
            text = _clean(raw)
            lang = known or detect_language(text)
            if lang is None or lang not in LEGACY or len(text) < 50:
                continue
            if set_name != "pseudo":
                langs[lang] += 1
            for cs in LEGACY[lang]:
                for kind, piece in [("whole", text)] + [("cut", c) for c in cuts(text)]:
                    data = piece.encode(cs, errors="replace")
                    if data.isascii():
                        ascii_only += 1
                        continue
                    if _is_utf8(data):  # the gold holds UTF-8 mojibake ("Â®") that reads back as UTF-8
                        utf8_like += 1
                        continue
                    expected = data.decode(cs).replace("\r\n", "\n")
                    s0 = time.perf_counter()
                    got, enc, conf, low = decode(data)
                    seconds += time.perf_counter() - s0
                    ok = got == expected
                    base_ok = baseline(data) == expected
                    keys = (
                        ("all", f"set:{set_name}", f"charset:{cs}", f"kind:{kind}", f"lang:{lang}")
                        if set_name != "pseudo"
                        else ("pseudo", f"pseudo-charset:{cs}", f"pseudo-lang:{lang}")
                    )
                    for key in keys:
                        by[key]["n"] += 1
                        by[key]["exact"] += ok
                        by[key]["baseline"] += base_ok
                        by[key]["flagged"] += low
                        by[key]["flagged_wrong"] += low and not ok
                    if not ok and len(wrong_examples) < 400:
                        wrong_examples.append(
                            {
                                "set": set_name,
                                "name": name,
                                "lang": lang,
                                "charset": cs,
                                "kind": kind,
                                "got": enc,
                                "confidence": conf,
                                "text": piece[:80],
                            }
                        )

    def share(c: Counter[str]) -> float:
        return round(c["exact"] / c["n"], 4) if c["n"] else 0.0

    rows = {
        k: {
            "samples": c["n"],
            "exact": c["exact"],
            "share": share(c),
            "flagged_low": c["flagged"],
            "flagged_among_wrong": c["flagged_wrong"],
            "baseline_share": round(c["baseline"] / c["n"], 4) if c["n"] else 0.0,
        }
        for k, c in sorted(by.items())
    }
    total = by["all"]
    print(
        f"\nundeclared legacy-charset text decoded exactly (target {TARGET:.0%}); left out: {ascii_only} "
        f"all-ASCII samples, {utf8_like} whose bytes are valid UTF-8 (mojibake in the gold)"
    )
    print(f"{'':24}{'samples':>9}{'exact':>9}{'share':>9}{'flagged':>9}{'(wrong)':>9}{'baseline':>10}")
    for k, r in rows.items():
        if k == "all" or k.startswith(("set:", "charset:", "kind:")):
            print(
                f"{k:24}{r['samples']:9}{r['exact']:9}{r['share']:9.2%}{r['flagged_low']:9}"
                f"{r['flagged_among_wrong']:9}{r['baseline_share']:10.2%}"
            )
    if args.pseudo:
        print("\npseudo-text (wordfreq words, not real text) in the languages the sets hardly hold:")
        for k, r in rows.items():
            if k == "pseudo" or k.startswith("pseudo-charset:"):
                print(
                    f"{k:24}{r['samples']:9}{r['exact']:9}{r['share']:9.2%}{r['flagged_low']:9}"
                    f"{r['flagged_among_wrong']:9}{r['baseline_share']:10.2%}"
                )
    print(f"languages: {', '.join(f'{k} {v}' for k, v in langs.most_common())}")
    print(
        f"decode time: {seconds:.1f} s for {total['n']} samples ({1000 * seconds / max(total['n'], 1):.1f} ms each); "
        f"whole run {time.perf_counter() - t0:.0f} s"
    )
    for ex in wrong_examples[: args.show]:
        print("WRONG", json.dumps(ex, ensure_ascii=False))
    result = {
        "target_share": TARGET,
        "share_exact": share(total),
        "baseline_share_exact": round(total["baseline"] / total["n"], 4) if total["n"] else 0.0,
        "pseudo_share_exact": share(by["pseudo"]) if args.pseudo else None,
        "samples": total["n"],
        "ascii_only_left_out": ascii_only,
        "valid_utf8_left_out": utf8_like,
        "rows": rows,
        "languages": dict(langs.most_common()),
        "decode_ms_per_sample": round(1000 * seconds / max(total["n"], 1), 2),
        "wrong_examples": wrong_examples[:50],
        "sets": args.sets,
        "limit": args.limit,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
