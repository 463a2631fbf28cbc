"""artifacts: machine-translation and spinning marks, a document score, safe repairs.

Detection runs on the kept lines joined as one text (each line a paragraph), so
that the findings describe the document as it reaches this stage, before any
repair and before ``normalize`` straightens quotes. Each excerpt carries the
number of the line it is on. The repairs that are switched on are then made
(the sure ones everywhere, the unsure ones only in a flagged document that
other marks vouch for; see :mod:`cleaner.artifacts.repairs`) on ``line.text`` of the kept lines, each
recorded in ``doc.repairs`` with its kind, before, after and line number.

The detector data (weights, threshold, allow-list, word lists) is read once, in
``__init__``, from ``rules/artifacts.yaml`` or the file named by ``data``.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.artifacts import KINDS, Detector, load_data, repairs
from cleaner.document import Document
from cleaner.errors import ConfigError
from cleaner.resources import rules_dir
from cleaner.stages.base import Setting, Stage, StageOptions, option

# the setting that switches each repair, by the kind recorded in doc.repairs
REPAIR_SWITCHES = {
    "repair_glued": "glued-word",
    "repair_space_before_punct": "space-before-punct",
    "repair_quotes": "reversed-quotes",
    "repair_missing_space_after_punct": "missing-space-after-punct",
}


@dataclass(frozen=True)
class ArtifactsOptions(StageOptions):
    """The artifacts stage's settings (``artifacts: {...}`` in a config's ``stages``)."""

    data: str = option(
        Setting(str, "artifacts.yaml", "detector data: weights, threshold, word lists (in rules/, or a path)")
    )
    threshold: float | None = option(
        Setting(
            (float, type(None)), None, "score at which a document is flagged (null: the data file's, 0.5)"
        )
    )
    allow: list[Any] = option(
        Setting(list, [], "more names and brands never taken for glued words (SolarWinds, iPhone)")
    )
    allow_file: str | None = option(
        Setting((str, type(None)), None, "a text file of more such names, one a line ('#' starts a comment)")
    )
    french_spacing: list[Any] | None = option(
        Setting(
            (list, type(None)),
            None,
            "languages where a space before ; : ! ? is correct (null: the data file's, [fr])",
        )
    )
    kinds: list[Any] | None = option(
        Setting((list, type(None)), None, "the finding kinds to detect (null: all)")
    )
    repair_glued: bool = option(
        Setting(bool, True, "split glued words the frequency list resolves unambiguously")
    )
    repair_space_before_punct: bool = option(Setting(bool, True, "remove the space before . and ,"))
    repair_quotes: bool = option(
        Setting(bool, True, "re-orient a quote pair whose opening and closing marks are swapped")
    )
    min_language_score: float = option(
        Setting(
            float,
            0.9,
            "below this language score the detected language is not trusted; "
            "the detector guesses from frequent words (or leaves language checks out)",
        )
    )
    repair_missing_space_after_punct: bool = option(
        Setting(bool, False, "add the missing space after . ! ? and , between two words (interests.The)")
    )


class ArtifactsStage(Stage[ArtifactsOptions]):
    name = "artifacts"
    # a repair ("debt ." -> "debt.") changes what the line model reads around that line
    rejudge_after = ("boilerplate",)
    Options = ArtifactsOptions

    def __init__(self, options: dict[str, Any], rules: Any = None) -> None:
        super().__init__(options, rules)
        # the settings checked here; the data read and the detector built by ready()
        o = self.options
        for key, name in (("data", o.data), ("allow_file", o.allow_file)):
            if name and not _resolve(name).is_file():
                raise ConfigError(f"no such file: {_resolve(name)}", key=f"artifacts.{key}")
        if not all(isinstance(a, str) for a in o.allow):
            raise ConfigError("expected a list of names (strings)", key="artifacts.allow")
        unknown = set(o.kinds or ()) - set(KINDS)
        if unknown:
            raise ConfigError(f"unknown artifact kinds: {', '.join(sorted(unknown))}", key="artifacts.kinds")
        self.repairs = frozenset(kind for key, kind in REPAIR_SWITCHES.items() if getattr(o, key))
        self.detector: Detector | None = None

    def load(self) -> None:
        o = self.options
        path = _resolve(o.data)
        try:
            data = load_data(path)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read artifact data {path}: {exc}", key="artifacts.data") from exc
        allow = list(o.allow)
        if o.allow_file:
            allow += _read_names(_resolve(o.allow_file))
        try:
            self.detector = Detector(
                data,
                allow=allow,
                threshold=o.threshold,
                french_spacing=o.french_spacing,
                kinds=o.kinds,
            )
        except ValueError as exc:
            raise ConfigError(str(exc), key="artifacts.kinds") from exc

    def kernel_groups(self) -> list[Any]:
        from cleaner import artifacts

        return [artifacts.GROUP]  # the detector's compiled passes

    def process(self, doc: Document) -> None:
        self.ready()
        lines = doc.kept_lines()
        if not lines:
            doc.artifacts = {"score": 0.0, "flagged": False, "findings": []}
            return
        det = self.detector
        assert det is not None  # (ready() built it)
        text, starts = _join(lines)
        trusted = (doc.language_score or 0.0) >= self.options.min_language_score
        result = det.detect(text, doc.language if trusted else None)
        for f in result.findings:
            for ex in f["excerpts"]:
                ex["line"] = lines[bisect.bisect_right(starts, ex["offset"]) - 1].number
        doc.artifacts = result.as_dict()
        if result.flagged:
            self.counts["flagged"] += 1
        if not self.repairs:
            return
        # Repairs are decided on the whole document (a token seen twice is a term,
        # not a glue; the unsure tier only in a flagged document that other marks
        # vouch for) and made by
        # cleaner.artifacts.repair on the joined lines, which no repair crosses.
        lang = doc.language if trusted else None
        new, made = repairs.rounds(
            text,
            result.hits,
            lambda t: det.scan(t, lang, kinds=self.repairs),
            self.repairs,
            det.unsure_repairs(result),
            self.MAX_ROUNDS,
        )
        new_lines = new.split("\n")
        if not made or len(new_lines) != len(lines):
            return
        for ln, new_text in zip(lines, new_lines, strict=True):
            if ln.text != new_text:
                ln.text = new_text
        for r in made:
            doc.repairs.append(
                {"kind": r.kind, "before": r.before, "after": r.after, "line": lines[r.line].number}
            )
            self.counts[f"repair:{r.kind}"] += 1

    MAX_ROUNDS = 4


def _join(lines: list[Any]) -> tuple[str, list[int]]:
    """The kept lines as one text, and the offset where each line starts in it."""
    texts = [ln.text for ln in lines]
    starts = list(itertools.accumulate([len(t) + 1 for t in texts[:-1]], initial=0))
    return "\n".join(texts), starts


def _resolve(name: str) -> Path:
    p = Path(name).expanduser()
    if p.is_absolute() or p.exists():
        return p
    return rules_dir() / name


def _read_names(path: Path) -> list[str]:
    try:
        from cleaner.io.streams import read_small

        raw = read_small(path, "an allow-list").decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read allow-list {path}: {exc}", key="artifacts.allow_file") from exc
    names = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names
