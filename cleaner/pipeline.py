"""A pipeline: the ordered stages of a config, run over one document or a stream."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from cleaner.config import Config, load_config
from cleaner.document import Document, Handover
from cleaner.errors import CleanerError
from cleaner.limits import StageClock, TimeLimitExceeded
from cleaner.rules import RuleSet
from cleaner.stages import STAGES, Stage
from cleaner.templates import SiteTemplates

FORMATS = ("auto", "text", "html")


class Pipeline:
    """Stages built once from a config; ``clean`` runs them on one document.
    ``templates``: a site-templates table (:class:`cleaner.templates.SiteTemplates`)
    whose repeated lines the boilerplate stage removes as ``template.site``."""

    def __init__(self, config: Config, templates: SiteTemplates | None = None) -> None:
        self.config = config
        self.rules = RuleSet.load(config.rule_packs)
        self.stages: list[Stage] = []
        for spec in config.stages:
            try:
                self.stages.append(STAGES[spec.name](spec.options, self.rules))
            except CleanerError:
                raise
            except Exception as exc:  # a setting the stage could not use
                from cleaner.errors import ConfigError

                raise ConfigError(
                    f"cannot build stage: {exc}",
                    file=spec.file,
                    line=spec.line,
                    key=f"stages.{spec.name}",
                ) from exc
        self.timings: dict[str, float] = defaultdict(float)  # seconds per stage
        self.limits = config.limits
        # each stage's time limit: its own timeout_seconds setting, else the run's
        own = [("timeout_seconds" in st.settings) for st in self.stages]
        self.stage_seconds = [
            float(st.options.timeout_seconds or 0) if mine else float(self.limits.stage_timeout_seconds)
            for st, mine in zip(self.stages, own, strict=True)
        ]
        #: how each stage's time limit is named in an error (the setting that sets it)
        self.stage_limit_text = [
            f"{st.name}.timeout_seconds={st.options.timeout_seconds:g}"
            if mine
            else f"{self.limits.describe('stage_timeout_seconds')}, stage {st.name}"
            for st, mine in zip(self.stages, own, strict=True)
        ]
        #: called with a stage's index as it starts (the batch runner's watchdog)
        self.monitor: Callable[[int], None] | None = None
        self._kernels_ready = False
        # per stage, the earlier stages that judge a document again when it repaired the text
        self._rejudge = [
            [earlier for earlier in self.stages[:i] if earlier.name in st.rejudge_after]
            for i, st in enumerate(self.stages)
        ]
        self.templates: SiteTemplates | None = None
        self.set_templates(templates)

    def set_templates(self, templates: SiteTemplates | None) -> None:
        """Clean with this site-templates table from now on (None: without)."""
        self.templates = templates
        for st in self.stages:
            if hasattr(st, "templates"):
                st.templates = templates
        if templates is not None and self._kernels_ready:  # (else warm() compiles it with the others)
            from cleaner import jit
            from cleaner.kernels.templates import GROUP

            jit.warm([GROUP])

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its config: built again where it is unpickled (its compiled
        tables and loaded libraries do not travel)."""
        return (type(self), (self.config, self.templates))

    @classmethod
    def from_yaml(cls, path: str | Path | None = None, templates: SiteTemplates | None = None) -> Pipeline:
        """Build a pipeline from a YAML config (the shipped default when None)."""
        return cls(load_config(path), templates)

    def kernel_groups(self) -> list[Any]:
        """The compiled kernels this pipeline's stages run (:class:`cleaner.jit.Group`)."""
        return [g for st in self.stages for g in st.kernel_groups()]

    def warm(self, html: bool = True) -> None:
        """Make the stages ready for documents: load their data files and models
        and compile (or load from the cache folder) their kernels, and only
        theirs, all at once (see :mod:`cleaner.jit`); with ``html``, also what
        only HTML pages need (trafilatura). Done before the first document if not
        before (outside its time limit); a batch run or an integration calls it
        before it forks its workers or ships the pipeline, so that they share it
        (building a pipeline loads and compiles nothing)."""
        if not self._kernels_ready:
            from cleaner import jit

            jit.warm(self.kernel_groups())
            self._kernels_ready = True
        for st in self.stages:
            st.warm(html)

    def stage(self, name: str) -> Stage | None:
        for s in self.stages:
            if s.name == name:
                return s
        return None

    def clean(
        self,
        raw: str | bytes,
        format: str = "auto",
        id: str | None = None,
        source: str | None = None,
        metadata: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        charset: str | None = None,
    ) -> Document:
        """Clean one raw scrape. Never raises for bad content: a document that
        fails becomes ``status == "error"`` with the message. ``charset``
        decodes bytes in that charset, whatever they declare (else: BOM,
        declaration, UTF-8, then the charset they read best in)."""
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
        doc = Document(
            id=str(id) if id is not None else "doc",
            raw=raw,
            format=format,
            source=source,
            metadata=dict(metadata or {}),
            extra=dict(extra or {}),
        )
        if charset is not None:
            from cleaner.charsets import codec_name

            name = codec_name(charset)
            if name is None:
                raise ValueError(f"unknown charset {charset!r} (a name such as utf-8, cp1252, shift_jis)")
            doc.handover.charset = name
        return self.run(doc)

    def run(self, doc: Document) -> Document:
        if not self._kernels_ready:  # (compiling on a first run: before the document's clock starts)
            self.warm(html=False)
        given_url = doc.metadata.pop(
            "url", None
        )  # the input's URL: a hand-over (extraction), said once below
        if given_url is not None:
            doc.handover.url = given_url
        try:
            with StageClock() as clock:
                self._run(doc, clock)
        except TimeLimitExceeded as exc:  # the timer went off between two stages
            if doc.active:
                doc.fail(f"TimeLimitExceeded: {exc}")
        # the record says the URL once: at the top when the input carried it there,
        # else in metadata (the page's own, or the one given)
        if doc.extra.get("url") is not None:
            if doc.metadata.get("url") == doc.extra["url"]:
                del doc.metadata["url"]
        elif given_url is not None and doc.metadata.get("url") is None:
            doc.metadata["url"] = given_url
        doc.handover = Handover()  # (what no stage took: not kept with the finished document)
        for key in [k for k in doc.metadata if k.startswith("_")]:
            del doc.metadata[key]  # a caller's private keys stay out of the record
        return doc

    def _run(self, doc: Document, clock: StageClock) -> None:
        monitor = self.monitor
        for i, stage in enumerate(self.stages):
            if not doc.active:
                break
            t0 = time.perf_counter()
            repairs = len(doc.repairs)
            try:
                clock.stage(self.stage_seconds[i], self.stage_limit_text[i])
                if monitor is not None:
                    monitor(i)
                stage.process(doc)
                if len(doc.repairs) > repairs:
                    # a repair ("debt ." -> "debt.") changes what an earlier stage read
                    # (Stage.rejudge_after): it judges the document again, as a second
                    # run over this output would, so that the result is a fixed point
                    for earlier in self._rejudge[i]:
                        earlier.process(doc)
            except (TimeLimitExceeded, RecursionError, MemoryError, Exception) as exc:
                doc.fail(f"{stage.name}: {type(exc).__name__}: {exc}")
            self.timings[stage.name] += time.perf_counter() - t0

    def clean_many(self, items: Iterable[Any], format: str = "auto") -> Iterator[Document]:
        """Clean a stream. Items are str/bytes, or dicts with ``id`` and ``text``
        or ``html`` (other fields are carried into the record)."""
        for n, item in enumerate(items):
            if isinstance(item, (str, bytes)):
                yield self.clean(item, format=format, id=str(n))
            elif isinstance(item, dict):
                yield self.clean_record(item, n, format)
            elif isinstance(item, Document):
                yield self.run(item)
            else:
                doc = Document(id=str(n))
                doc.fail(f"unsupported item type {type(item).__name__}")
                yield doc

    def clean_record(self, record: dict[str, Any], n: int = 0, format: str = "auto") -> Document:
        """Clean one JSON-style record: ``{"id", "text" | "html", ...}``."""
        rid = record.get("id", n)
        extra = {k: v for k, v in record.items() if k not in ("id", "text", "html")}
        if isinstance(record.get("html"), (str, bytes)):
            raw, fmt = record["html"], "html" if format == "auto" else format
        elif isinstance(record.get("text"), (str, bytes)):
            raw, fmt = record["text"], "text" if format == "auto" else format
        else:
            doc = Document(id=str(rid), extra=extra)
            present = [k for k in ("text", "html") if k in record]
            doc.fail(
                "record has no `text` or `html` string field"
                if not present
                else f"field `{present[0]}` must be a string, not {type(record[present[0]]).__name__}"
            )
            return doc
        meta = {}
        if isinstance(record.get("url"), str):
            meta["url"] = record["url"]
        return self.clean(raw, format=fmt, id=str(rid), metadata=meta, extra=extra)

    def counts(self) -> dict[str, dict[str, int]]:
        """What each stage did so far (for the run's report)."""
        return {s.name: dict(s.counts) for s in self.stages if s.counts}


_DEFAULT: dict[str | None, Pipeline] = {}


def clean(
    raw: str | bytes, format: str = "auto", config: str | Path | None = None, charset: str | None = None
) -> Document:
    """Clean one raw scrape with the default (or a given) config; ``charset``
    for bytes known to be in one (see :meth:`Pipeline.clean`)."""
    key = str(config) if config is not None else None
    pipe = _DEFAULT.get(key)
    if pipe is None:
        pipe = Pipeline.from_yaml(config)
        pipe.warm(html=False)
        _DEFAULT[key] = pipe
    return pipe.clean(raw, format=format, charset=charset)
