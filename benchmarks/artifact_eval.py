"""The artifact benchmark's data and measures: the gold bodies of the four evaluation sets,
clean and damaged (:mod:`artifact_inject`), split by site (:mod:`corpus`), and what a
detector makes of them.

A body is a page's gold text (trafilatura: its "with" snippets, one a line), in the
language langdetect finds for it (cached in ``benchmarks/.cache/artifacts/``).
Fixtures and lorem-ipsum pages stay out (the corpus leaves them out). A damaged
body is the same text with marks injected at 10 per 1,000 words (at least 3), in the
languages :data:`artifact_inject.DAMAGED_LANGS`, with a seed fixed per page.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import artifact_inject  # noqa: E402
import corpus  # noqa: E402

CACHE = HERE / ".cache" / "artifacts"
PREVIOUS = "2b70cd5"  # the last commit with the single-module detector (cleaner/artifacts.py)
RATE = 10.0
MIN_MARKS = 3
QUOTES = {"reversed-quotes", "unbalanced-quotes", "quote-spacing"}


@dataclass
class Body:
    set: str
    id: str
    split: str
    lang: str | None
    text: str
    marks: list[artifact_inject.Mark] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.set}/{self.id}"


def _detect_langs(texts: dict[str, str]) -> dict[str, str | None]:
    path = CACHE / "langs.json"
    known: dict[str, str | None] = json.loads(path.read_text()) if path.is_file() else {}
    todo = [k for k in texts if k not in known]
    if todo:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        for k in todo:
            try:
                known[k] = detect(texts[k][:5000])
            except Exception:
                known[k] = None
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(known, sort_keys=True))
    return {k: known[k] for k in texts}


def bodies(splits: Iterable[str] = corpus.SPLITS, sets: Sequence[str] = corpus.SETS) -> list[Body]:
    """The clean gold bodies of ``sets`` in ``splits`` (of at least 30 words)."""
    golds = corpus.golds(sets)
    texts: dict[str, str] = {}
    meta: dict[str, corpus.Gold] = {}
    for key, g in sorted(golds.items()):
        text = g.text if g.text is not None else "\n".join(g.with_)
        text = "\n".join(ln.strip() for ln in text.split("\n") if ln.strip())
        if len(text.split()) < 30:
            continue
        texts[key], meta[key] = text, g
    langs = _detect_langs(texts)
    want = set(splits)
    return [
        Body(meta[k].set, meta[k].id, meta[k].split, langs[k], texts[k])
        for k in texts
        if meta[k].split in want
    ]


def damage(clean: list[Body], pool: list[Body] | None = None) -> list[Body]:
    """Damaged copies of the bodies in the languages the injector damages (a seed per page).
    Untranslated fragments are lines of ``pool`` bodies in another language."""
    pool = pool if pool is not None else clean
    lines_by_lang: dict[str, list[str]] = {}
    for b in pool:
        for ln in b.text.split("\n"):
            if 12 <= len(ln.split()) <= 40 and b.lang:
                lines_by_lang.setdefault(b.lang, []).append(ln)
    out = []
    for b in clean:
        if b.lang not in artifact_inject.DAMAGED_LANGS:
            continue
        seed = int.from_bytes(hashlib.blake2b(b.key.encode(), digest_size=8).digest(), "big")
        rng = random.Random(seed)
        other = "de" if b.lang == "en" else "en"
        text, marks = artifact_inject.inject(
            b.text, b.lang, rng, RATE, MIN_MARKS, lines_by_lang.get(other, [])[:500]
        )
        out.append(Body(b.set, b.id, b.split, b.lang, text, marks))
    return out


# ------------------------------------------------------------------ measures
def found(mark: artifact_inject.Mark, hits: Iterable[Any]) -> bool:
    fam = QUOTES if mark.kind in QUOTES else {mark.kind}
    return any(h.kind in fam and h.start <= mark.end and mark.start <= h.end for h in hits)


def split_back(mark: artifact_inject.Mark, repairs: Iterable[dict[str, Any]]) -> bool:
    return any(
        r["kind"] == "glued-word" and r["before"] == mark.glued and r["after"] == mark.original
        for r in repairs
    )


def evaluate(det: Any, clean: list[Body], damaged: list[Body], repair: bool = True) -> dict[str, Any]:
    """Flag rates, per-kind recall, glued words split back, repairs on clean bodies."""
    out: dict[str, Any] = {"clean": len(clean), "damaged": len(damaged)}
    cf = [det.detect(b.text, b.lang).flagged for b in clean]
    out["clean_flagged"] = sum(cf)
    word_changed = any_repair = 0
    if repair:
        for b in clean:
            _, reps = det.repair(b.text, b.lang)
            any_repair += bool(reps)
            word_changed += any(r["kind"] == "glued-word" for r in reps)
    out["clean_any_repair"] = any_repair
    out["clean_word_repair"] = word_changed
    df = []
    kind_n: Counter[str] = Counter()
    kind_found: Counter[str] = Counter()
    var_n: Counter[str] = Counter()
    var_found: Counter[str] = Counter()
    glue_n = glue_back = 0
    for b in damaged:
        res = det.detect(b.text, b.lang)
        df.append(res.flagged)
        for m in b.marks:
            ok = found(m, res.hits)
            kind_n[m.kind] += 1
            kind_found[m.kind] += ok
            var_n[f"{m.kind}/{m.variant}"] += 1
            var_found[f"{m.kind}/{m.variant}"] += ok
        if repair and any(m.kind == "glued-word" for m in b.marks):
            _, reps = det.repair(b.text, b.lang)
            for m in b.marks:
                if m.kind == "glued-word":
                    glue_n += 1
                    glue_back += split_back(m, reps)
    out["damaged_flagged"] = sum(df)
    out["flags"] = {"clean": cf, "damaged": df}
    out["recall"] = {k: [kind_found[k], kind_n[k]] for k in sorted(kind_n)}
    out["recall_by_variant"] = {k: [var_found[k], var_n[k]] for k in sorted(var_n)}
    out["glued_split_back"] = [glue_back, glue_n]
    return out


# ------------------------------------------------------------ the previous detector
def previous_module() -> Any:
    """The detector as it was before this package (``cleaner/artifacts.py`` of :data:`PREVIOUS`),
    with its own data file, loaded from git into the cache folder."""
    dest = CACHE / "previous" / PREVIOUS
    src = dest / "previous_artifacts.py"
    data = dest / "artifacts.yaml"
    if not (src.is_file() and data.is_file()):
        dest.mkdir(parents=True, exist_ok=True)
        for rev_path, out in (("cleaner/artifacts.py", src), ("rules/artifacts.yaml", data)):
            text = subprocess.run(
                ["git", "-C", str(REPO), "show", f"{PREVIOUS}:{rev_path}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            out.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("previous_artifacts", src)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["previous_artifacts"] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    mod.PREVIOUS_DATA = mod.load_data(data)
    return mod
