"""boilerplate: strip a site's junk from the text, line by line.

Rule packs name the junk every site has (exact phrases, patterns, sections,
embeds); the text model (:mod:`cleaner.textmodel`) finds the article region of
the document and judges its lines, so that sites nobody wrote a rule for are
cleaned too. The model judges first, so that its evidence bounds the rules: a
section that runs to the end of the page stops at the next line the model is
sure is article text. Every removed line records the rule or the model's reason.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from cleaner.classify import GATE_STRINGS, TERMINAL
from cleaner.document import Document, Line
from cleaner.jit import Group
from cleaner.limits import time_limit
from cleaner.rules import (
    PHRASE_LEAD,
    PHRASE_TRAIL,
    Rule,
    RuleSet,
    first_chars,
    is_anchored,
    norm_phrase,
    required_strings,
)
from cleaner.stages.base import Setting, Stage, StageOptions, option
from cleaner.templates import MAX_LINE_CHARS, SiteTemplates
from cleaner.textmodel.model import Judgement, TextModel
from cleaner.textmodel.shape import S_HEADING, S_MARKER

# a block of more lines than this (a page dumped without blank lines, a box and the paragraph after it)
# is a paragraph where a section stops, but only at the lines the model is sure of
SPREAD_LINES = 8
PARAGRAPH_WORDS = (
    12  # a line of this many words ending a sentence is an article paragraph (sections stop there)
)


@dataclass(frozen=True)
class BoilerplateOptions(StageOptions):
    """The boilerplate stage's settings (``boilerplate: {...}`` in a config's ``stages``)."""

    rules: bool = option(Setting(bool, True, "apply the rule packs"))
    classifier: bool = option(Setting(bool, True, "apply the text model (article region, then its lines)"))
    model: str = option(
        Setting(str, "textmodel.yaml", "the text model's settings (in rules/; its arrays beside them)")
    )
    threshold: float | None = option(
        Setting(
            (float, type(None)),
            None,
            "a line inside the article region stays at this line-model probability (default: the model's)",
        )
    )
    html_threshold: float | None = option(
        Setting(
            (float, type(None)),
            None,
            "the same for text extracted from HTML, which trafilatura already "
            "cleaned (null: no text model on HTML)",
        )
    )
    evidence_kinds: list[Any] = option(
        Setting(
            list,
            ["embed", "section", "common.bare-url"],
            "HTML mode (extract.method blocks): the rule kinds (or rule ids) that a line of a block the block "
            "model is sure of (extract.rules_sure) overrules: an embed, a section or a bare link line inside "
            'the article stays, other rules (a byline, "Read more: ...") still remove their line; on val, '
            "[embed, section] 0.9031 mean F1, all four kinds 0.9030, [embed, section, pattern] 0.9030",
        )
    )
    section_guard: float = option(
        Setting(
            float,
            1.0,
            "without the text model: an until-end section runs to the end only if the article text after "
            "its header is at most this many times the article text before it",
        )
    )
    max_pattern_chars: int = option(Setting(int, 1000, "lines longer than this skip pattern rules"))
    trust_language_chars: int = option(
        Setting(
            int,
            200,
            "below this many characters of text, or a language score under 0.8, the detected "
            "language is not trusted and the pattern rules of every language apply",
        )
    )
    max_rounds: int = option(
        Setting(
            int,
            8,
            "the text model judges the lines it kept again, as a second run would read them, until "
            "nothing more goes or this many rounds (a fixed point: cleaning the output again changes nothing)",
        )
    )
    timeout_seconds: float = option(
        Setting((int, float), 10, "time limit per document (stops a runaway user pattern; 0: none)")
    )
    # site templates (cleaner.templates): used only when the pipeline has a table (Pipeline(templates=...))
    template_share: float = option(
        Setting(
            float,
            0.4,
            "with site templates: a line that its site repeats on at least this share of its "
            "pages goes as template.site (on val multi-page sites 0.3: 0.820 F1, 0.4: 0.827, 0.5: 0.826)",
        )
    )
    template_min_pages: int = option(Setting(int, 5, "... on a site of at least this many pages counted"))
    template_spare_sure: bool = option(
        Setting(
            bool,
            False,
            "... unless the text model is sure it is article text (a site's standard "
            "paragraph inside its articles stays; on val 0.814 F1 against 0.827 not sparing them)",
        )
    )
    template_share_inside: float | None = option(
        Setting(
            (float, type(None)),
            None,
            "... inside the article region, at least this share (null: template_share)",
        )
    )
    template_spare_inside: bool = option(
        Setting(
            bool,
            True,
            "... unless it stands alone among article lines inside the article region (a product "
            'page\'s "Weight:" label, a byline\'s "by": the lines before and after it are kept, inside)',
        )
    )
    template_max_loss: float = option(
        Setting(
            float,
            0.9,
            "... unless the template lines hold more than this share of the page's paragraphs "
            "(a copy of a page counted, a site whose pages are all alike): then none goes (on val multi-page "
            "sites never at 0.9; at 0.5 on a fifth of the pages)",
        )
    )
    template_veto: bool = option(
        Setting(
            bool,
            True,
            "the template lines count as junk (probability 0) when the text model chooses the "
            "article region (on val multi-page sites 0.831 F1 against 0.809 without)",
        )
    )
    template_first: bool = option(
        Setting(
            bool,
            False,
            "the template lines go before the text model judges the others (it finds the "
            "article region without the site's menus and boxes; on val multi-page sites 0.793 F1 against "
            "0.816 judging the page as it came)",
        )
    )


class BoilerplateStage(Stage[BoilerplateOptions]):
    name = "boilerplate"
    Options = BoilerplateOptions

    def __init__(self, options: dict[str, Any], rules: RuleSet | None = None) -> None:
        super().__init__(options, rules)
        self.ruleset = rules or RuleSet([])
        self._by_lang: dict[str | None, _Compiled] = {}
        self.classifier: TextModel | None = None  # the text model, loaded by ready()
        # lines a rule removed although the model was sure they were article text, by rule
        self.overruled: Counter[str] = Counter()
        self.templates: SiteTemplates | None = None  # set by Pipeline(templates=...)

    def kernel_groups(self) -> list[Group]:
        from cleaner.textmodel import model

        groups = [RULES_GROUP] if self.options.rules else []
        if self.templates is not None:
            from cleaner.kernels.templates import GROUP

            groups.append(GROUP)
        return groups + (model.GROUPS if self.options.classifier else [])

    def load(self) -> None:
        if self.options.classifier:
            self.classifier = TextModel.load(self.options.model)

    def compiled(self, lang: str | None) -> _Compiled:
        c = self._by_lang.get(lang)
        if c is None:
            c = self._by_lang[lang] = _Compiled(self.ruleset.for_language(lang), self)
        return c

    def process(self, doc: Document) -> None:
        self.ready()  # the model and the kernels: loaded (or compiled) before the time limit starts
        limit = self.options.timeout_seconds
        with time_limit(limit, f"boilerplate.timeout_seconds={limit}"):
            self._process(doc)

    def _process(self, doc: Document) -> None:
        handover = doc.handover  # (from the extract stage; taken once: not on a second judging)
        visible, ratio, block_sure = handover.visible, handover.rescue_ratio, handover.block_sure
        handover.visible = handover.rescue_ratio = handover.block_sure = None
        if visible is not None and ratio is not None and self.classifier is not None:
            self._rescue(doc, visible, ratio)
        # block_sure: HTML mode, method blocks: the lines of blocks the block model is sure of (by number)
        lines = doc.kept_lines()
        if not lines:
            return
        from cleaner.kernels.chars import tables
        from cleaner.kernels.lines import TextView
        from cleaner.kernels.shape import shape_rows

        texts = [ln.text for ln in lines]
        raw = TextView(texts)  # the lines as they came: the model reads their indentation
        shape = shape_rows(raw.cps, raw.starts, raw.ends, tables()[0])
        view = _Stripped(raw, shape, texts)  # ... and the rules the lines without their outer white space
        named = None
        compiled = None
        evidence = None
        if self.options.rules:
            compiled = self.compiled(self._rules_language(doc, lines))
            named = compiled.named(view)
            if block_sure is not None:
                # rules are evidence, not deletions, where the block model is sure: a line it keeps
                # surely (an embed, a link line inside the article) stays, and a section stops there
                at = set(block_sure)
                evidence = np.array([ln.number in at for ln in lines], dtype=bool)
                kinds = self.options.evidence_kinds
                spared = [i for i, r in named.items() if evidence[i] and (r.kind in kinds or r.id in kinds)]
                for i in spared:
                    self.counts["html.rule-overruled"] += 1
                    del named[i]
        judged = None
        model = self.classifier
        site, shares = self._template_shares(doc, raw)
        if shares is not None and self._template_loss(shares, texts):
            self.counts["template.not-applied"] += 1
            shares = None
        if model is not None and (doc.format != "html" or self.options.html_threshold is not None):
            veto = None
            if shares is not None and self.options.template_veto:
                veto = (shares >= self.options.template_share) & (view.lens > 0)
            judged = model.judge(
                texts,
                doc.language,
                view=raw,
                inside=self._inside(doc),
                shape=shape,
                gate=getattr(view, "gate", None),
                veto=veto,
            )
            if shares is not None and self.options.template_first:
                judged = self._judge_without(doc, texts, judged, shares)
        live = view.lens > 0
        if compiled is not None:
            sure = judged.sure if judged is not None else evidence
            wrapped = judged.wrapped if judged is not None else None
            live = compiled.apply(lines, self.counts, view, sure, named, wrapped)
            if sure is not None:
                for i in np.flatnonzero(sure & ~live & (view.lens > 0)).tolist():
                    self.overruled[lines[i].rule or ""] += 1
        if shares is not None:  # after the rules: a line a rule names keeps its rule's name
            spare = judged.sure.copy() if judged is not None and self.options.template_spare_sure else None
            if judged is not None and self.options.template_spare_inside:
                inner = _isolated(
                    shares >= self.options.template_share, view.lens > 0, live & judged.keep & judged.inside
                )
                spare = inner if spare is None else spare | inner
            if judged is not None and judged.wrapped is not None:
                mixed = _mixed(shares >= self.options.template_share, view.lens > 0, judged.wrapped)
                spare = mixed if spare is None else spare | mixed
            inside_share = self.options.template_share_inside
            if judged is not None and inside_share is not None:
                weak = judged.inside & (shares < inside_share)
                spare = weak if spare is None else spare | weak
            live = live & ~self._remove_templates(lines, site, shares, view.lens > 0, spare)
        if judged is not None:
            self._mark(lines, judged.code, judged.names)
            self._again(doc, lines, live & judged.keep)

    def _template_shares(self, doc: Document, raw: Any) -> tuple[str, np.ndarray | None]:
        """Each line's share of its site's pages (site templates), or None: no table, HTML, an
        unknown site or one with fewer than ``template_min_pages`` pages counted."""
        table = self.templates
        if table is None or doc.format == "html":
            return "", None
        fields = dict(doc.extra)
        if not isinstance(fields.get("url"), str) and isinstance(doc.handover.url, str):
            fields["url"] = doc.handover.url
        site = table.site_of_document(fields)
        if site is None or table.pages(site) < self.options.template_min_pages:
            return "", None
        from cleaner.kernels.templates import hashes_of

        return site, table.shares(site, hashes_of(raw.cps, raw.starts, raw.ends, MAX_LINE_CHARS))

    def _template_loss(self, shares: np.ndarray, texts: list[str]) -> bool:
        """Whether the site's template lines hold more than ``template_max_loss`` of the
        page's paragraphs (lines of PARAGRAPH_WORDS words or more): a site's own paragraphs
        are few beside an article's, so the page is then a copy of pages counted (or the
        site's pages are all alike), and its site's templates are not applied to it."""
        hit = shares >= self.options.template_share
        total = lost = 0
        for i, t in enumerate(texts):
            if t.count(" ") + 1 >= PARAGRAPH_WORDS and len(t.split()) >= PARAGRAPH_WORDS:
                total += len(t)
                if hit[i]:
                    lost += len(t)
        return total > 0 and lost > self.options.template_max_loss * total

    def _remove_templates(
        self, lines: list[Line], site: str, shares: np.ndarray, nonblank: np.ndarray, spare: np.ndarray | None
    ) -> np.ndarray:
        """Remove the lines their site repeats (``template.site``, with the share), but those in
        ``spare``; return which lines are template lines."""
        hit = (shares >= self.options.template_share) & nonblank
        if spare is not None:
            hit &= ~spare
        for i in np.flatnonzero(hit).tolist():
            ln = lines[i]
            if ln.rule is None:
                ln.rule = "template.site"
                ln.detail = {"site": site, "share": round(float(shares[i]), 3)}
                self.counts["template.site"] += 1
        return hit

    def _judge_without(
        self, doc: Document, texts: list[str], judged: Judgement, shares: np.ndarray
    ) -> Judgement:
        """The model's judgement of the lines without the site's template lines (those
        it is not sure of), as full-length arrays: the template lines not kept, no reason."""
        assert self.classifier is not None
        tmpl = (shares >= self.options.template_share) & np.fromiter(
            (bool(t.strip()) for t in texts), dtype=bool, count=len(texts)
        )
        if self.options.template_spare_sure:
            tmpl &= ~judged.sure
        if not tmpl.any():
            return judged
        at = np.flatnonzero(~tmpl)
        sub = self.classifier.judge([texts[i] for i in at.tolist()], doc.language, inside=self._inside(doc))
        n = len(texts)
        keep, code = np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64)
        sure, inside = judged.sure.copy(), np.zeros(n, dtype=bool)
        keep[at], code[at], sure[at], inside[at] = sub.keep, sub.code, sub.sure, sub.inside
        return Judgement(keep, code, sub.names, sure, inside, judged.wrapped)

    def _mark(
        self, lines: list[Line], code: np.ndarray, names: list[str], at: list[int] | None = None
    ) -> None:
        """Mark the lines the model removes (``code`` >= 0) with its reason; ``at``: the
        lines' places in ``lines`` (all of them by default)."""
        for k in np.flatnonzero(code >= 0).tolist():
            ln = lines[at[k] if at is not None else k]
            if ln.rule is None:
                ln.rule = names[code[k]]
                self.counts[ln.rule] += 1

    def _again(self, doc: Document, lines: list[Line], keep: np.ndarray) -> None:
        """Judge the kept lines again, as a second run over this stage's output
        would read them (runs of blank lines made one, each line's spaces
        collapsed, as the normalize stage leaves them), until nothing more goes
        (``max_rounds``): cleaning the output again changes nothing (but where the
        language, the rules' language or a repair reads the shorter text differently:
        benchmarks/bench_idempotence.py)."""
        assert self.classifier is not None
        # which lines are blank, once (a dump's blank lines are most of its lines: BeautifulSoup's
        # get_text writes one for each white-space node; the model keeps them all)
        blank = np.fromiter((not ln.text.strip() for ln in lines), dtype=bool, count=len(lines))
        for _ in range(self.options.max_rounds - 1):
            idx = np.flatnonzero(keep)
            empty = blank[idx]
            words = np.flatnonzero(~empty)
            if not len(words):
                return
            # a blank line after a blank line (or first) goes, and the blank lines at the end
            sel = ~(empty & np.concatenate(([True], empty[:-1])))
            sel[words[-1] + 1 :] = False
            at = idx[sel]
            texts = [" ".join(lines[i].text.split()) for i in at.tolist()]
            judged = self.classifier.judge(texts, doc.language, inside=self._inside(doc))
            if judged.keep.all():
                return
            self._mark(lines, judged.code, judged.names, at.tolist())
            keep[at[~judged.keep]] = False

    def _inside(self, doc: Document) -> float | None:
        return self.options.html_threshold if doc.format == "html" else self.options.threshold

    def _rules_language(self, doc: Document, lines: list[Line]) -> str | None:
        """The language whose rules apply, or None for all: on short texts
        language detection is a guess, and a guess that flips between two runs
        would make the output depend on it."""
        if doc.language is None or (doc.language_score or 0.0) < 0.8:
            return None
        need = self.options.trust_language_chars
        total = 0
        for ln in lines:
            total += len(ln.text)
            if total >= need:
                return doc.language
        return None

    def _rescue(self, doc: Document, visible: list[str], ratio: float) -> None:
        """Use the text model's pick from the page's visible lines when the HTML
        extractor found less than ``ratio`` of it (extract.rescue_ratio)."""
        assert self.classifier is not None
        extracted = sum(len(ln.text) for ln in doc.kept_lines())
        probe = Document(id=doc.id, format="text")
        probe.set_text("\n".join(visible))
        probe.language = doc.language
        judged = self.classifier.judge(visible, doc.language)
        if self.options.rules:
            from cleaner.kernels.lines import TextView

            kept = probe.kept_lines()
            self.compiled(doc.language).apply(kept, Counter(), TextView.of_lines(kept), judged.sure)
        for ln, keep, i in zip(probe.lines, judged.keep.tolist(), range(len(visible)), strict=False):
            if not keep and ln.rule is None:
                ln.rule = judged.reason(i)
        picked = sum(len(ln.text) for ln in probe.kept_lines())
        if extracted < ratio * picked:
            for ln in probe.lines:
                if ln.rule is not None:
                    self.counts[ln.rule] += 1
            doc.lines = probe.lines
            doc.metadata["extraction"] = "visible-lines"
            self.counts["rescued"] += 1


class _Stripped:
    """A document's lines without their outer white space, as the rules read them: the
    lines' view (:class:`cleaner.kernels.lines.TextView`, as they came) with each line's
    bounds moved in to its text (from its shape row), and its text stripped when
    a rule asks for it (the rules' regexes look at few lines)."""

    def __init__(self, raw: Any, shape: np.ndarray, texts: list[str]) -> None:
        from cleaner.textmodel.shape import S_END, S_LEAD

        self.cps = raw.cps
        self.starts = raw.starts + shape[:, S_LEAD]
        self.ends = raw.starts + shape[:, S_END]
        self.lens = self.ends - self.starts
        self.shape = shape  # (list items and headings start a block of their own: _paragraphs)
        self.texts = _StrippedTexts(texts)


class _StrippedTexts:
    __slots__ = ("_texts",)

    def __init__(self, texts: list[str]) -> None:
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, i: int) -> str:
        return self._texts[i].strip()


class _Compiled:
    """The rules for one language, arranged for one pass over the lines.

    Exact phrases are one dict lookup per line, prefixes one ``str.startswith``,
    run only on the lines :func:`cleaner.kernels.prefilter.phrase_keys` lets through: those
    whose normalised hash is a phrase's, or whose first characters hash as a
    prefix's (and any line that Unicode normalisation or case folding could
    change). A pattern runs only on the lines that hold one of the strings every
    match of it must hold (:func:`cleaner.rules.required_strings`, found for all
    lines at once by :class:`cleaner.kernels.prefilter.Literals`), start with a character
    it can start with (:func:`cleaner.rules.first_chars`) and have no more words
    than its ``max_words``. The first rule (in pack order) whose pattern matches
    a line names it, and a phrase rule wins over a pattern: the same lines as
    trying every rule on every line.
    """

    def __init__(self, rules: list[Rule], stage: BoilerplateStage) -> None:
        from cleaner.kernels.chars import AN, DEC, SP, UNDERSCORE, fold_table, hash_table, hash_text
        from cleaner.kernels.prefilter import Literals

        self.stage = stage
        self.phrase: dict[str, Rule] = {}
        self.prefix: list[tuple[str, Rule]] = []
        self.max_phrase_chars = 0
        for r in rules:
            for p in r.phrases:
                if r.kind != "embed":
                    self.phrase.setdefault(p, r)
                    self.max_phrase_chars = max(self.max_phrase_chars, len(p) + 8)
                if r.prefix:
                    self.prefix.append((p, r))
        self.prefix_tuple = tuple(p for p, _ in self.prefix)
        self.prefix_chars = max(map(len, self.prefix_tuple), default=0)
        self.max_pattern_chars = stage.options.max_pattern_chars
        # the hashes of the phrases and of the first 1..4 characters of the
        # prefixes (for cleaner.kernels.prefilter.phrase_keys)
        self.phrase_table = hash_table(np.array([hash_text(p) for p in self.phrase], dtype=np.uint64))
        self.prefix_table = hash_table(
            np.array([hash_text(p[:4]) for p in self.prefix_tuple], dtype=np.uint64)
        )
        # patterns: the strings each needs
        self.patterned = [r for r in rules if r.compiled is not None]
        literals: dict[tuple[str, str], int] = {}
        needs: list[list[int]] = []
        for r in self.patterned:
            strings = required_strings(r.compiled) or []
            mode = "fold" if r.compiled.flags & re.IGNORECASE else "exact"
            needs.append([literals.setdefault((x, mode), len(literals)) for x in strings])
        # one scan finds them and the strings the line classifier's marker
        # features look for (GATE_STRINGS, in a 64-bit word of their own)
        items = list(literals)
        self.gate_word = (len(items) + 63) // 64
        items += [("\x00", "exact")] * (self.gate_word * 64 - len(items)) + list(GATE_STRINGS)
        self.literals = Literals(items)
        words = self.literals.words
        self.rule_bits = np.zeros((len(self.patterned), words), dtype=np.uint64)
        for k, ids in enumerate(needs):
            for i in ids:
                self.rule_bits[k, i >> 6] |= np.uint64(1) << np.uint64(i & 63)
        self.rule_words = np.array(
            [r.max_words if r.max_words is not None else 1 << 40 for r in self.patterned], dtype=np.int64
        )
        self.rule_test = [
            r.compiled.match if is_anchored(r.pattern or "") else r.compiled.search for r in self.patterned
        ]
        # the characters an anchored pattern's line can start with
        fold = fold_table()
        classes = {"digit": DEC, "word": AN | UNDERSCORE, "space": SP}
        ptr, codes, cls, folded = [0], [], [], []
        for r in self.patterned:
            first = first_chars(r.compiled)
            ci = bool(r.compiled.flags & re.IGNORECASE)
            if first is None:
                cls.append(-1)
            else:
                chars, kinds = first
                codes.extend(sorted({int(fold[ord(c)]) if ci else ord(c) for c in chars}))
                cls.append(sum(classes[k] for k in kinds))
            ptr.append(len(codes))
            folded.append(ci)
        self.first = (
            np.array(ptr, dtype=np.int64),
            np.array(codes, dtype=np.uint32),
            np.array(cls, dtype=np.int64),
            np.array(folded, dtype=bool),
        )
        # what ends an article paragraph (where a section stops)
        self.para_end = np.array(sorted(map(ord, TERMINAL)), dtype=np.uint32)
        self.para_words, self.para_cjk = PARAGRAPH_WORDS, True
        self.lead, self.trail = _lead_trail()

    # ----------------------------------------------------------- matching
    def _phrase_hit(self, text: str) -> Rule | None:
        if len(text) <= self.max_phrase_chars:
            r = self.phrase.get(norm_phrase(text))
            if r is not None and (r.max_words is None or len(text.split()) <= r.max_words):
                return r
        if self.prefix_tuple:
            # casefold never shortens a character, so the first prefix_chars
            # characters casefolded start like the whole line casefolded
            low = text[: self.prefix_chars].casefold()
            if low.startswith(self.prefix_tuple):
                for p, r in self.prefix:
                    if low.startswith(p) and r.matches(text):
                        return r
        return None

    def hits(self, view: Any) -> list[Rule | None]:
        """The rule that names each line of ``view`` (a TextView of the kept
        lines), or None. Sets ``view.keys`` (cleaner.kernels.prefilter.phrase_keys) and
        ``view.gate`` (the classifier's marker scan) on the way."""
        named = self.named(view)
        return [named.get(i) for i in range(len(view.texts))]

    def named(self, view: Any) -> dict[int, Rule]:
        """:meth:`hits` as {line: rule} for the lines a rule names."""
        from cleaner.kernels.chars import fold_table, tables
        from cleaner.kernels.prefilter import pairs, phrase_keys

        texts, lens, starts, ends, cps = view.texts, view.lens, view.starts, view.ends, view.cps
        out: dict[int, Rule] = {}
        if not len(texts):
            view.keys = np.zeros((0, 4), dtype=np.int64)
            view.gate = np.zeros(0, dtype=np.uint64)
            return out
        flags, lower, _ = tables()
        keys = view.keys = phrase_keys(
            cps,
            starts,
            ends,
            flags,
            lower,
            self.lead,
            self.trail,
            self.phrase_table,
            self.prefix_table,
            self.para_end,
            self.para_words,
            self.para_cjk,
            self.max_phrase_chars,
        )
        mask = self.literals.scan(cps, starts, ends)
        view.gate = mask[:, self.gate_word]
        if self.patterned:
            at, which = pairs(  # (a contiguous column: one compiled signature, whatever the line count)
                mask,
                self.rule_bits,
                lens,
                self.max_pattern_chars,
                np.ascontiguousarray(keys[:, 2]),
                self.rule_words,
                cps,
                starts,
                flags,
                fold_table(),
                *self.first,
            )
            test, rules = self.rule_test, self.patterned
            for i, k in zip(at.tolist(), which.tolist(), strict=True):
                if i not in out and test[k](texts[i]) is not None:
                    out[i] = rules[k]
        if self.phrase or self.prefix:
            # (phrase_keys marks only non-empty lines, and a phrase only on
            # lines of at most max_phrase_chars)
            cand = keys[:, 0] | keys[:, 1] if self.prefix else keys[:, 0]
            for i in np.flatnonzero(cand).tolist():
                r = self._phrase_hit(texts[i])
                if r is not None:
                    out[i] = r
        return out

    # ------------------------------------------------------------- apply
    def apply(
        self,
        lines: list[Line],
        counts: Any,
        view: Any,
        sure: np.ndarray | None = None,
        named: dict[int, Rule] | None = None,
        wrapped: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Remove the lines the rules name, each marked with its rule (``view``:
        a TextView of ``lines``, all kept; ``counts``: lines removed per rule;
        ``sure``: per line, whether the text model is sure it is article text,
        which stops a section; ``named``: :meth:`named` of ``view``, when the
        caller has it; ``wrapped``: the first and last lines of the document's
        hard-wrapped paragraphs, as the text model reads them); return which
        lines are still kept."""
        hits = sorted((self.named(view) if named is None else named).items())
        live = np.ones(len(lines), dtype=bool)  # the lines not removed yet
        if not hits:
            return live

        def drop(js: list[int], rule: str) -> None:
            for j in js:
                ln = lines[j]
                if ln.rule is None:  # Document.remove: the first rule wins
                    ln.rule = rule
            live[js] = False
            counts[rule] += len(js)

        # embeds: an anchor line and the embed lines just above it
        for i, r in hits:
            if r.kind != "embed" or not live[i]:
                continue
            js = [i]
            j = i - 1
            while j >= 0 and len(js) <= r.before_max:
                prev = lines[j].text.strip()
                if prev:
                    if r.compiled_before is None or not r.compiled_before.search(prev):
                        break
                    js.append(j)
                j -= 1
            drop(js, r.id)
        # the others in order; a section's body is not looked at again
        para: np.ndarray | None = None  # article paragraphs, where a section stops (when one fires)
        stop_sure = sure
        after = 0
        for i, r in hits:
            if i < after or not live[i] or r.kind == "embed":
                continue
            if r.kind != "section":
                ln = lines[i]
                if ln.rule is None:
                    ln.rule = r.id
                live[i] = False
                counts[r.id] += 1
                after = i + 1
                continue
            if para is None:
                para, stop_sure = self._paragraphs(lines, view, wrapped, sure)
            body, after = self._section(i, r, live, para, view.lens, stop_sure)
            drop([i, *body], r.id)
        return live

    def _paragraphs(
        self,
        lines: list[Line],
        view: Any,
        wrapped: tuple[np.ndarray, np.ndarray] | None,
        sure: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(per line, whether it is part of an article paragraph; ``sure`` with a paragraph
        broken over lines made sure on all its lines when the model is sure of any of them).

        A paragraph is a line of ``para_words`` words that ends a sentence, or one broken over
        lines that has those words and whose last line ends a sentence: a block of lines
        without a blank between them (BeautifulSoup's ``get_text("\\n")`` breaks a paragraph
        at each of its links; a list item or a heading starts a block of its own, so a list of
        headlines is not one), or a unit the text model read as hard-wrapped (``wrapped``:
        html2text's markdown at 78 columns, a mail). A section that reaches such a paragraph
        stops at its first line, not at the first piece the model is sure of; in a block of
        more than ``SPREAD_LINES`` lines only at the lines the model is sure of."""
        words = view.keys[:, 2]
        one = view.keys[:, 3] == 1
        n = len(lines)
        pid = np.zeros(n, dtype=np.int64)  # the broken paragraph each line is part of (0: none)
        wide = np.zeros(n, dtype=bool)  # ... one of more than SPREAD_LINES lines
        nonblank = view.lens > 0
        if n >= 2 and nonblank.any():
            starts = nonblank & ~np.concatenate(([False], nonblank[:-1]))
            shape = getattr(view, "shape", None)
            if shape is not None:
                starts |= nonblank & ((shape[:, S_MARKER] != 0) | (shape[:, S_HEADING] != 0))
            block = np.cumsum(starts)
            first = np.flatnonzero(starts)
            # the last non-blank line of each block (blank lines after it belong to no block)
            nb_last = np.maximum.reduceat(np.where(nonblank, np.arange(n), -1), first)
            total = np.bincount(block[nonblank], weights=words[nonblank], minlength=len(first) + 1)[1:]
            size = nb_last - first + 1
            for k in np.flatnonzero((size >= 2) & (total >= self.para_words)).tolist():
                if _ends_sentence(lines[int(nb_last[k])].text):
                    pid[first[k] : nb_last[k] + 1] = k + 1
                    if size[k] > SPREAD_LINES:
                        wide[first[k] : nb_last[k] + 1] = True
        if wrapped is not None:
            nxt = int(pid.max()) + 1
            for a, b in zip(wrapped[0].tolist(), wrapped[1].tolist(), strict=True):
                if (
                    pid[a] == 0
                    and int(words[a : b + 1].sum()) >= self.para_words
                    and _ends_sentence(lines[b].text)
                ):
                    pid[a : b + 1] = nxt
                    nxt += 1
        broken = pid > 0
        para = one | broken
        if sure is None or not broken.any():
            return para, sure
        any_sure = np.bincount(pid[sure & broken], minlength=int(pid.max()) + 1) > 0
        return para, np.where(broken & ~wide, any_sure[pid], sure)

    def _section(
        self,
        start: int,
        r: Rule,
        live: np.ndarray,
        para: np.ndarray,
        size: np.ndarray,
        sure: np.ndarray | None = None,
    ) -> tuple[list[int], int]:
        """(the body of a section whose header is line ``start``, the index of
        the line after it). ``live``: the lines not removed yet; ``para``: the
        article paragraphs; ``size``: each line's length (without its outer
        white space); ``sure``: the lines the text model is sure are article
        text (a section stops before the first of them that is a paragraph)."""
        until = r.until
        if sure is not None and until != "lines":
            # the model's evidence bounds the section: a "Related" box in the
            # middle of an article takes the box, not the paragraphs after it
            # (a section of a set number of lines takes those: its rule says so)
            cand = np.flatnonzero(live[start + 1 :] & (size[start + 1 :] > 0)) + (start + 1)
            stop_at = (sure[cand] & para[cand]) | (para[cand] if until == "next-content" else False)
            hit = np.flatnonzero(stop_at)
            stop = int(hit[0]) if len(hit) else len(cand)
            nxt = int(cand[stop]) if stop < len(cand) else len(live)
            return cand[:stop].tolist(), nxt
        if until == "end":
            # a page-end block follows the article: if more article-like text
            # follows the header than precedes it, it is a menu entry near the
            # top ("Tags", "Comments"), and only the junk right after it goes
            kept = live & para
            before = int(size[:start][kept[:start]].sum())
            after = int(size[start + 1 :][kept[start + 1 :]].sum())
            if after > self.stage.options.section_guard * before:
                until = "next-content"
        # the non-blank lines after the header that are still there, in order
        cand = np.flatnonzero(live[start + 1 :] & (size[start + 1 :] > 0)) + (start + 1)
        if until == "lines":
            stop = r.lines
        elif until == "next-content":
            hit = np.flatnonzero(para[cand])
            stop = int(hit[0]) if len(hit) else len(cand)
        else:
            stop = len(cand)
        nxt = int(cand[stop]) if stop < len(cand) else len(live)
        return cand[:stop].tolist(), nxt


def _ends_sentence(text: str) -> bool:
    """Whether a line ends as an article paragraph does (its last character in TERMINAL)."""
    end = text.rstrip()[-1:]
    return bool(end) and end in TERMINAL


def _mixed(tmpl: np.ndarray, nonblank: np.ndarray, wrapped: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The template lines (``tmpl``) that are part of a unit of several lines (``wrapped``: the
    first and last lines of each; a paragraph ``get_text`` broke at its inline elements, or one
    hard-wrapped) that also holds a line that is not a template line: a site repeats "None",
    "and" or "Author:" as pieces of its pages' own paragraphs, not the paragraphs."""
    first, last = wrapped
    tmpl = tmpl & nonblank
    t = np.concatenate(([0], np.cumsum(tmpl)))
    o = np.concatenate(([0], np.cumsum(nonblank & ~tmpl)))
    hit = ((t[last + 1] - t[first]) > 0) & ((o[last + 1] - o[first]) > 0)
    edge = np.zeros(len(tmpl) + 1, dtype=np.int64)  # +1 where a mixed unit starts, -1 after it ends
    np.add.at(edge, first[hit], 1)
    np.add.at(edge, last[hit] + 1, -1)
    return tmpl & (np.cumsum(edge[:-1]) > 0)


def _isolated(tmpl: np.ndarray, nonblank: np.ndarray, kept_inside: np.ndarray) -> np.ndarray:
    """The template lines (``tmpl``) whose nearest non-blank lines before and after are
    not template lines and are kept inside the article region (``kept_inside``)."""
    out = np.zeros(len(tmpl), dtype=bool)
    at = np.flatnonzero(nonblank)
    if len(at) < 3:
        return out
    t, k = tmpl[at], kept_inside[at]
    ok = np.zeros(len(at), dtype=bool)
    ok[1:-1] = t[1:-1] & ~t[:-2] & ~t[2:] & k[:-2] & k[2:]
    out[at[ok]] = True
    return out


@functools.lru_cache(maxsize=1)
def _lead_trail() -> tuple[np.ndarray, np.ndarray]:
    """Which characters ``norm_phrase`` strips from a line's start and end (by code)."""
    lead = np.zeros(0x110000, dtype=bool)
    lead[[ord(c) for c in PHRASE_LEAD]] = True
    trail = np.zeros(0x110000, dtype=bool)
    trail[[ord(c) for c in PHRASE_TRAIL]] = True
    return lead, trail


# lines that reach each of the rule kernels: phrases, a prefix, patterns (with
# and without required strings), a section
_WARM_TEXT = """Share this article
Read more: the council budget
Councillors approved the budget on Tuesday after a long debate about the library.
pic.twitter.com/AbCdEf123
\u2014 City Hall (@cityhall) April 15, 2021
Photo: Jane Doe / Getty Images
Most Read
1. A story"""


def warm_rules() -> None:
    """Compile (or load from numba's cache) the rule kernels (:data:`RULES_GROUP`):
    the shipped rule packs over a few lines that reach each kernel."""
    from cleaner.config import load_config

    stage = BoilerplateStage({"classifier": False}, RuleSet.load(load_config(None).rule_packs))
    # (a document of one line too: a column of one row is contiguous, and numba
    # compiles a kernel that takes a column for each layout)
    for text, lang in ((_WARM_TEXT, "en"), (_WARM_TEXT, None), ("Read more: the council budget", "en")):
        doc = Document(id="warm", format="text")
        doc.set_text(text)
        doc.language, doc.language_score = lang, 1.0
        stage._process(doc)  # (what ready() runs: not process())


# the kernels the rule packs run, compiled together (see cleaner.jit)
RULES_GROUP = Group("rules", "cleaner.stages.boilerplate:warm_rules", cost=3.5)
