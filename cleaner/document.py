"""The document model that flows through every stage.

A :class:`Document` enters the pipeline holding the raw input; each stage reads
and amends it; it leaves with its clean text and its own history: which lines
were removed and by which rule, which repairs were made, the language, the
artifact findings and a status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUS_OK = "ok"
STATUS_DROPPED = "dropped"
STATUS_ERROR = "error"


@dataclass(slots=True)
class Line:
    """One line of the current text.

    ``number`` is the 1-based position of the line in the text as it was when
    the document was split into lines (after decode/extract), so that removals
    can be traced back to the input. ``rule`` is ``None`` while the line is kept
    and names the rule (or classifier reason) once it is removed.
    """

    number: int
    text: str
    rule: str | None = None
    detail: dict[str, Any] | None = (
        None  # more about the removal, for its record (template.site: site, share)
    )

    @property
    def kept(self) -> bool:
        return self.rule is None


@dataclass
class Handover:
    """What a stage hands to a later one for one document (never part of its record).

    Each field is read once by the stage it is for, which clears it.
    """

    #: the charset the caller said the bytes are in (``Pipeline.clean(charset=...)``): for decode
    charset: str | None = None
    #: the input's URL (a record's ``url``, a WARC target): for extract, which gives it to trafilatura
    url: str | None = None
    #: the page's decoded HTML: decode -> extract
    html: str | None = None
    #: the page's visible lines, when the extraction may be swapped for the text model's pick of them
    #: (``extract.rescue_ratio``), and that ratio: extract -> boilerplate
    visible: list[str] | None = None
    rescue_ratio: float | None = None
    #: the numbers of the lines whose block the block model is sure of (``extract.rules_sure``):
    #: extract -> boilerplate, where the rules are evidence, not deletions, on them
    block_sure: list[int] | None = None


@dataclass
class Document:
    """A document and everything done to it."""

    id: str
    raw: str | bytes = ""
    format: str = "auto"  # auto | text | html, resolved by the decode stage
    source: str | None = None
    lines: list[Line] = field(default_factory=list)
    repairs: list[dict[str, Any]] = field(default_factory=list)
    language: str | None = None
    language_score: float | None = None
    artifacts: dict[str, Any] = field(
        default_factory=lambda: {"score": 0.0, "flagged": False, "findings": []}
    )
    status: str = STATUS_OK
    reason: str | None = None  # why a document was dropped
    error: str | None = None  # message when status is "error"
    metadata: dict[str, Any] = field(default_factory=dict)  # page metadata
    extra: dict[str, Any] = field(default_factory=dict)  # input fields carried through
    encoding: str | None = None  # charset used to decode bytes
    # for bytes: {"name": charset, "from": given|bom|http|meta|utf-8|detected, "confidence", "flagged"}
    charset: dict[str, Any] | None = None
    stats: dict[str, float] = field(default_factory=dict)  # per-stage timings
    handover: Handover = field(default_factory=Handover)  # stage to stage, not in the record

    # ----------------------------------------------------------------- lines
    def set_text(self, text: str) -> None:
        """Split ``text`` into fresh, numbered lines (used by decode/extract)."""
        self.lines = [Line(i, t) for i, t in enumerate(text.split("\n"), 1)]

    def kept_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.rule is None]

    def remove(self, line: Line, rule: str) -> None:
        """Mark ``line`` removed by ``rule`` (first rule wins)."""
        if line.rule is None:
            line.rule = rule

    @property
    def text(self) -> str:
        """The clean text: the kept lines joined by newlines."""
        return "\n".join(ln.text for ln in self.lines if ln.rule is None).strip("\n")

    @property
    def removed(self) -> list[dict[str, Any]]:
        """Removed non-blank lines with the rule that removed them."""
        return [
            {"line": ln.number, "text": ln.text, "rule": ln.rule} | (ln.detail or {})
            for ln in self.lines
            if ln.rule is not None and ln.text.strip()
        ]

    # --------------------------------------------------------------- status
    def drop(self, reason: str) -> None:
        if self.status == STATUS_OK:
            self.status = STATUS_DROPPED
            self.reason = reason

    def fail(self, message: str) -> None:
        self.status = STATUS_ERROR
        self.error = message

    @property
    def active(self) -> bool:
        """Whether later stages should still process this document."""
        return self.status == STATUS_OK

    # --------------------------------------------------------------- record
    def to_record(self) -> dict[str, Any]:
        """The JSON-serialisable per-document record written by the CLI."""
        rec: dict[str, Any] = dict(self.extra)
        rec.update(
            {
                "id": self.id,
                "text": self.text if self.status != STATUS_ERROR else "",
                "status": self.status,
                "language": self.language,
                "language_score": self.language_score,
                "removed": self.removed,
                "repairs": self.repairs,
                "artifacts": self.artifacts,
            }
        )
        if self.status == STATUS_DROPPED:
            rec["reason"] = self.reason
        if self.status == STATUS_ERROR:
            rec["error"] = self.error
        if self.charset is not None:
            rec["charset"] = self.charset
        meta = self.metadata
        if meta.get("output_format") == "markdown":  # HTML input cleaned to markdown (extract.output_format)
            meta = {k: v for k, v in meta.items() if k != "output_format"}
            rec["text_format"] = "markdown"
        if meta:
            rec["metadata"] = meta
        return rec
