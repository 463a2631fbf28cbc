"""Translation-artifact detection and repair (no dependency on Document).

Machine-translated or "spun" copies of articles carry mechanical marks: words
glued together ("communicationbetween", "BidenFirst", "Russia'sforeign"), a
space before punctuation ("sovereign debt ."), a missing space after it
("interests.The"), quotes turned the wrong way round (``launch” a dialogue
“to``), function words capitalised mid-sentence ("attacks To Suspected
poisoning"), sentences that start in lowercase after a full stop ("said.
sheet"), doubled words, paragraphs in another language, and self-derived
verb/noun pairs ("performed the performance").

The package: one module per kind of check (:mod:`.glued`, :mod:`.spacing`,
:mod:`.quotes`, :mod:`.capitals`, :mod:`.repeats`, :mod:`.foreign`,
:mod:`.derived`), each behind the small protocol of :class:`.base.Check`; one
shared scan of the text that they all read (:mod:`.scan`, with the compiled
passes of :mod:`.textpass` and :mod:`.spacepass`); the evidence weighed per
kind (:mod:`.evidence`); one place where repairs are made (:mod:`.repair`);
and the :class:`Detector` that runs them (:mod:`.detector`).

:class:`Detector` holds the compiled data of ``rules/artifacts.yaml``; build it
once and call :meth:`Detector.detect` (findings, score, flag) and
:meth:`Detector.repair` on any number of texts. :func:`detect` and
:func:`repair` do the same with the shipped data. A text is read line by line:
no pattern runs across a newline, and quote pairing starts afresh on every line
(a paragraph). Spans that are not prose are masked before any check runs: URLs,
e-mail addresses, @handles, #hashtags, domain and file names, code identifiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cleaner.artifacts.base import DEFAULT_REPAIRS, FILL, KINDS, REPAIRABLE, Check, Hit, Result
from cleaner.artifacts.detector import Detector, default_detector
from cleaner.artifacts.words import default_data_path, freq_dict, load_data, norm_lang, top_words
from cleaner.jit import Group

__all__ = [
    "DEFAULT_REPAIRS",
    "FILL",
    "GROUP",
    "KINDS",
    "REPAIRABLE",
    "Check",
    "Detector",
    "Hit",
    "Result",
    "default_data_path",
    "default_detector",
    "detect",
    "load_data",
    "norm_lang",
    "repair",
    "warm",
    "freq_dict",
    "top_words",
]


def detect(text: str, lang: str | None = None, cfg: Detector | None = None) -> Result:
    """Findings, score and flag for ``text`` (the shipped data unless ``cfg`` is given)."""
    return (cfg or default_detector()).detect(text, lang)


def repair(
    text: str, lang: str | None = None, cfg: Detector | None = None, kinds: Iterable[str] = DEFAULT_REPAIRS
) -> tuple[str, list[dict[str, Any]]]:
    """The repairs of ``kinds`` applied to ``text``: (new text, repairs)."""
    return (cfg or default_detector()).repair(text, lang, kinds)


def warm() -> None:
    """Compile (or load from numba's cache) the detector's passes (:data:`GROUP`),
    with and without a language, on a text that reaches each of them."""
    det = Detector()
    text = (
        "Warm the passes: one line, caf\u00e9, \u201cquoted\u201d, \u03b1\u03b2\U0001f600.\n"
        "The council approved the budget for the communicationbetween agencies .The vote was close."
    )
    for lang in ("en", "xx", None):  # a language with word lists, one without, and a guess
        det.detect(text, lang)


# the detector's compiled passes, compiled together (see cleaner.jit)
GROUP = Group("artifacts", "cleaner.artifacts:warm", cost=5.5)
