"""extract: the main text of an HTML page, plus page metadata.

``method: blocks`` (the default): the page is parsed once with lxml and cut
into blocks that keep their place in the tree (:mod:`cleaner.htmlblocks`);
trafilatura runs in precision and in recall mode, and the block model
(:mod:`cleaner.htmlmodel`) decides per block, with trafilatura's texts, the
container they come from and the page's JSON-LD ``articleBody`` among its
evidence. ``method: trafilatura``: trafilatura's text alone.
``output_format: markdown`` writes headings, list items, quotes, table rows,
code and emphasis as markdown. Text documents pass through untouched.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass

from cleaner.document import Document
from cleaner.limits import time_limit
from cleaner.stages.base import Setting, Stage, StageOptions, option

_META_FIELDS = ("title", "author", "date", "url", "sitename", "hostname", "description")
OUTPUT_FORMAT_ENV = "CLEANER_OUTPUT_FORMAT"  # what ``cleaner clean --output-format`` sets for its workers


@dataclass(frozen=True)
class ExtractOptions(StageOptions):
    """The extract stage's settings (``extract: {...}`` in a config's ``stages``)."""

    method: str = option(
        Setting(
            str,
            "blocks",
            "blocks: decide per DOM block with the block model (rules/htmlmodel.yaml), trafilatura's "
            "precision and recall texts among its evidence; trafilatura: trafilatura's text alone",
            choices=("blocks", "trafilatura"),
        )
    )
    model: str = option(
        Setting(str, "htmlmodel.yaml", "the block model's settings (in rules/; its arrays beside them)")
    )
    output_format: str = option(
        Setting(
            str,
            "text",
            "text, or markdown (headings, list items, quotes, table rows, code and emphasis marked; "
            "method: blocks); cleaner clean --output-format overrides it",
            choices=("text", "markdown"),
        )
    )
    rules_sure: float = option(
        Setting(
            float,
            0.9,
            "method blocks: lines of blocks the model keeps with at least this probability are evidence "
            "against the rule packs (an embed or link line inside the article stays; a section stops there); "
            "on val, 0.75 to 0.9 score alike (mean F1 0.903), rules everywhere (above 1) 0.895, no rules 0.902",
        )
    )
    favor: str = option(
        Setting(str, "recall", "trafilatura's trade-off", choices=("precision", "balanced", "recall"))
    )
    include_tables: bool = option(Setting(bool, True, "keep the text of <table> elements"))
    include_comments: bool = option(Setting(bool, False, "keep reader comments below the article"))
    fallbacks: bool = option(
        Setting(
            bool,
            False,
            "let trafilatura try its fallback extractors; off is faster and, on both shared "
            "evaluation sets, as good or better (the rescue from visible lines covers what they caught)",
        )
    )
    metadata: str = option(
        Setting(
            str,
            "head",
            "page metadata in the record: head (title, author, date, URL, site name from the <head> "
            "tags; cheap), full (trafilatura's metadata extraction with date search; about 1.5x the "
            "extraction time) or none",
            choices=("none", "head", "full"),
        )
    )
    rescue_ratio: float = option(
        Setting(
            float,
            0.0,
            "method trafilatura: when trafilatura returns less than this share of the text the text "
            "model finds in the page's visible lines, use the model's pick instead (0: never, the "
            "default: on unseen pages it swapped good extractions for article plus comments)",
        )
    )
    rescue_below_chars: int = option(
        Setting(int, 2000, "only extractions shorter than this are checked against the visible lines")
    )
    max_bytes: int = option(Setting(int, 20_000_000, "larger pages become error records (0: no limit)"))
    timeout_seconds: float = option(Setting((int, float), 30, "extraction time limit per page (0: no limit)"))


class ExtractStage(Stage[ExtractOptions]):
    name = "extract"
    Options = ExtractOptions

    def __init__(self, options, rules=None):  # type: ignore[no-untyped-def]
        super().__init__(options, rules)
        self._extractor = None  # trafilatura's options, made by warm() (importing trafilatura takes 0.5 s)
        self._model = None  # the block model (method blocks), loaded by ready()

    def load(self) -> None:
        if self.options.method == "blocks":
            from cleaner.htmlmodel import HtmlModel

            self._model = HtmlModel.load(self.options.model)  # a bad model file: a ConfigError

    def warm(self, html: bool = True) -> None:
        """:meth:`ready`; with ``html``, import trafilatura and make its options: on
        the first HTML page, or before a run that may hold HTML forks its workers
        (so they share it)."""
        self.ready()
        if not html or self._extractor is not None:
            return
        from trafilatura.settings import Extractor

        o = self.options

        def options(precision: bool, recall: bool, fast: bool, metadata: bool) -> Extractor:
            return Extractor(
                output_format="txt",
                fast=fast,
                precision=precision,
                recall=recall,
                comments=o.include_comments,
                tables=o.include_tables,
                with_metadata=metadata,
                date_params={"extensive_search": False},  # type: ignore[dict-item]  # (typed dict[str, str])
            )

        extractor = options(
            o.favor == "precision", o.favor == "recall", not o.fallbacks, o.metadata == "full"
        )
        self._text_options = copy.copy(extractor)
        self._text_options.with_metadata = False
        # the block model's two votes: what it was fitted with (fast, comments off)
        self._votes = (options(True, False, True, False), options(False, True, True, False))
        self._extractor = extractor

    def kernel_groups(self):  # type: ignore[no-untyped-def]
        """method blocks: the compiled forest walker of the text model's group."""
        if self.options.method != "blocks":
            return []
        from cleaner.textmodel.model import GROUP

        return [GROUP]

    def _output_format(self) -> str:
        env = os.environ.get(OUTPUT_FORMAT_ENV)
        return env if env in ("text", "markdown") else self.options.output_format

    def process(self, doc: Document) -> None:
        if doc.format != "html":
            return
        html, doc.handover.html = doc.handover.html, None
        if html is None:
            html = doc.raw if isinstance(doc.raw, str) else ""
        limit = self.options.max_bytes
        if limit and len(html) > limit:
            self.counts["too_large"] += 1
            doc.fail(f"page of {len(html):,} characters exceeds extract.max_bytes={limit:,}")
            return
        self.warm()  # the model, the forest walker and trafilatura: loaded before the time limit starts
        url = doc.handover.url or doc.metadata.get("url") or None  # (the input's URL, see Pipeline.run)
        with time_limit(
            self.options.timeout_seconds,
            f"extract.timeout_seconds={self.options.timeout_seconds}",
        ):
            if self._model is not None:
                text, result = self._blocks(doc, html, url)
            else:
                text, result = self._trafilatura(html, url)
        if self.options.metadata == "full" and result is not None:
            for name in _META_FIELDS:
                value = getattr(result, name, None)
                if value:
                    doc.metadata.setdefault(name, value)
        elif self.options.metadata == "head":
            from cleaner.htmltext import head_metadata

            for name, value in head_metadata(html).items():
                doc.metadata.setdefault(name, value)
        if not text:
            self.counts["empty"] += 1
            # said in the record: a page too deep for lxml or without a text block ends here
            doc.metadata["extraction"] = f"no main text found in {len(html):,} characters of HTML"
        doc.set_text(text or "")
        if self._output_format() == "markdown":
            doc.metadata["output_format"] = "markdown"
        if (
            self._model is None
            and self.options.rescue_ratio > 0
            and len(text or "") < self.options.rescue_below_chars
        ):
            from cleaner.htmltext import visible_lines

            # the boilerplate stage decides whether to use these instead
            doc.handover.visible = visible_lines(html)
            doc.handover.rescue_ratio = self.options.rescue_ratio

    def _trafilatura(self, html, url: str | None, options=None):  # type: ignore[no-untyped-def]
        """trafilatura's text and its result (None: nothing found)."""
        from trafilatura import bare_extraction
        from trafilatura.core import determine_returnstring

        try:
            result = bare_extraction(html, url=url, options=options or self._extractor)
        except (ValueError, TypeError, AttributeError):  # trafilatura on markup it cannot read: no text
            result = None
        # (a Document: bare_extraction's as_dict is off)
        if options is not None:
            return (determine_returnstring(result, options) if result else None), result  # type: ignore[arg-type]
        return (determine_returnstring(result, self._text_options) if result else ""), result  # type: ignore[arg-type]

    def _blocks(self, doc: Document, html: str, url: str | None):  # type: ignore[no-untyped-def]
        """The block model's text: trafilatura's two votes, the blocks, their probabilities, the decision."""
        from trafilatura.utils import load_html

        from cleaner.htmlblocks import Page, blocks_of
        from cleaner.htmlfeatures import features
        from cleaner.htmlmodel import select

        assert self._model is not None
        try:  # one parse, trafilatura's (it works on copies of the tree it is given)
            root = load_html(html)
        except (ValueError, TypeError):
            root = None
        if root is None:
            return "", None
        recall, result = self._trafilatura(root, url, self._votes[1])
        precision = None
        if self._model.precision_vote:
            precision, _ = self._trafilatura(root, url, self._votes[0])
        page = blocks_of(root) if root is not None else Page([], "", "", 0)
        X = features(page, precision, recall)
        p = self._model.probabilities(page, X)
        lines, probs, how = select(self._model, page, X, p, recall, self._output_format() == "markdown")
        self.counts[how] += 1
        if how != "blocks":
            doc.metadata["extraction"] = how
        sure = self.options.rules_sure
        # the lines (numbered from 1, as Document.set_text numbers them) whose block the model is sure of
        doc.handover.block_sure = [n for n, q in enumerate(probs, 1) if q >= sure]
        return "\n".join(lines), result
