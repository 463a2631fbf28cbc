"""extract: the main text of an HTML page with trafilatura, plus page metadata.

Text documents pass through untouched.
"""

from __future__ import annotations

import copy

from cleaner.document import Document
from cleaner.limits import time_limit
from cleaner.stages.base import Setting, Stage

_META_FIELDS = ("title", "author", "date", "url", "sitename", "hostname", "description")


class ExtractStage(Stage):
    name = "extract"
    settings = {
        "favor": Setting(
            str, "recall", "trafilatura's trade-off", choices=("precision", "balanced", "recall")
        ),
        "include_tables": Setting(bool, True, "keep the text of <table> elements"),
        "include_comments": Setting(bool, False, "keep reader comments below the article"),
        "fallbacks": Setting(
            bool, False,
            "let trafilatura try its fallback extractors; off is faster and, on both shared "
            "evaluation sets, as good or better (the rescue from visible lines covers what they caught)",
        ),
        "metadata": Setting(
            str, "head",
            "page metadata in the record: head (title, author, date, URL, site name from the <head> "
            "tags; cheap), full (trafilatura's metadata extraction with date search; about 1.5x the "
            "extraction time) or none",
            choices=("none", "head", "full"),
        ),
        "rescue_ratio": Setting(
            float, 0.35,
            "when trafilatura returns less than this share of the text the line classifier finds "
            "in the page's visible lines, use the classifier's pick instead (0: never); 0.3 to 0.4 "
            "score alike on the readability pages (0.2 and 0.5 lower), and 0.35 neither gains nor "
            "loses on the trafilatura set",
        ),
        "rescue_below_chars": Setting(
            int, 2000, "only extractions shorter than this are checked against the visible lines"
        ),
        "max_bytes": Setting(int, 20_000_000, "larger pages become error records (0: no limit)"),
        "timeout_seconds": Setting(
            (int, float), 30, "extraction time limit per page (0: no limit)"
        ),
    }

    def __init__(self, options, rules=None):  # type: ignore[no-untyped-def]
        super().__init__(options, rules)
        self._extractor = None  # trafilatura's options, made by warm() (importing trafilatura takes 0.5 s)

    def warm(self) -> None:
        """Import trafilatura and make its options: on the first HTML page, or
        before a run that may hold HTML forks its workers (so they share it)."""
        if self._extractor is not None:
            return
        from trafilatura.settings import Extractor

        o = self.options
        extractor = Extractor(
            output_format="txt",
            fast=not o["fallbacks"],
            precision=o["favor"] == "precision",
            recall=o["favor"] == "recall",
            comments=o["include_comments"],
            tables=o["include_tables"],
            with_metadata=o["metadata"] == "full",
            date_params={"extensive_search": False},
        )
        self._text_options = copy.copy(extractor)
        self._text_options.with_metadata = False
        self._extractor = extractor

    def process(self, doc: Document) -> None:
        if doc.format != "html":
            return
        html = doc.metadata.pop("_html", None)
        if html is None:
            html = doc.raw if isinstance(doc.raw, str) else ""
        limit = self.options["max_bytes"]
        if limit and len(html) > limit:
            self.counts["too_large"] += 1
            doc.fail(f"page of {len(html):,} characters exceeds extract.max_bytes={limit:,}")
            return
        self.warm()
        from trafilatura import bare_extraction
        from trafilatura.core import determine_returnstring

        url = doc.metadata.get("_url") or doc.metadata.get("url") or None  # (the input's URL, see Pipeline.run)
        with time_limit(
            self.options["timeout_seconds"],
            f"extract.timeout_seconds={self.options['timeout_seconds']}",
        ):
            result = bare_extraction(html, url=url, options=self._extractor)
            text = determine_returnstring(result, self._text_options) if result else ""
        if self.options["metadata"] == "full" and result is not None:
            for name in _META_FIELDS:
                value = getattr(result, name, None)
                if value:
                    doc.metadata.setdefault(name, value)
        elif self.options["metadata"] == "head":
            from cleaner.htmltext import head_metadata

            for name, value in head_metadata(html).items():
                doc.metadata.setdefault(name, value)
        if not text:
            self.counts["empty"] += 1
            # said in the record: a page too deep for lxml or without a text block ends here
            doc.metadata["extraction"] = f"no main text found in {len(html):,} characters of HTML"
        doc.set_text(text or "")
        if self.options["rescue_ratio"] > 0 and len(text or "") < self.options["rescue_below_chars"]:
            from cleaner.htmltext import visible_lines

            # the boilerplate stage decides whether to use these instead
            doc.metadata["_visible"] = visible_lines(html)
            doc.metadata["_rescue_ratio"] = self.options["rescue_ratio"]
