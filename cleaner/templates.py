"""Site templates: how many pages of each site hold each line.

A site repeats its menu, footer, "Most Read" box and newsletter prompt on every
page; its articles it does not. :class:`SiteTemplates` counts, per site, on how
many pages each *normalised* line occurs (lower-cased, digits mapped to ``0``,
list, heading, quote and table marks and markdown link targets and emphasis
stripped, anything but letters, digits and single spaces dropped), keyed by a
stable 64-bit hash (FNV-1a over the code points, compiled:
:mod:`cleaner.kernels.templates`; the same in every process and on every machine).
The boilerplate stage removes a line that a site repeats on at least a share of
its pages as ``template.site`` (see ``boilerplate.template_share``).

**Bounded memory per site** (lossy counting, Manku and Motwani 2002, over pages):
pages are taken in buckets of ``bucket`` pages (default 20); a line entering the
table in bucket ``b`` gets ``delta = b - 1`` (plus the ``floor`` below), and at
the end of bucket ``b`` every entry with ``count + delta <= b`` goes. A line's
stored ``count`` is a lower bound of the pages that hold it and ``count +
delta`` an upper bound; a line not stored is on at most ``pages / bucket`` pages
(a share of at most ``1 / bucket``: 5% by default), or at most ``floor``. A line
that is on a share above ``1 / bucket`` of the pages from its first page on is
never dropped and is counted exactly from then on, so a template line (on most
pages from the start) is counted exactly. A hard ``cap`` (default 4,096 entries
kept after a prune, never more than ``2 * cap`` held) bounds the table however
many distinct lines a page has: when it is reached, the entries of the lowest
upper bounds go and ``floor`` rises to the highest of them. Pages per site are
counted exactly (a copy of one of the site's last ``RECENT_PAGES`` pages is not
counted again: :meth:`SiteTemplates.add_page`). Memory is thus at most ``2 * cap`` entries per site (about
200 bytes each) however many pages a site has; it grows with the number of
sites, by their lines (a one-page site holds its own distinct lines).

**Engines** (Ray, Spark, a group-by anywhere): :func:`document_site_hashes`
gives one document's ``(site, hashes)``; drop copies (the same hashes on one
site), explode to ``(site, hash)`` rows,
count distinct pages per ``(site, hash)`` and pages per site with the engine's
group-by, and build the table with :meth:`SiteTemplates.from_counts` (exact
counts, the top ``cap`` per site kept). :meth:`SiteTemplates.merge` adds two
tables (counted on two shards); :meth:`save` / :meth:`load` write and read a
small ``.npz`` file (no pickle).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from cleaner.errors import CleanerError

FORMAT_VERSION = 1
DEFAULT_CAP = 4096
DEFAULT_BUCKET = 20
MAX_LINE_CHARS = 2000  # longer lines are never a template: not counted (and cheap to skip)


class TemplatesError(CleanerError):
    """A site-templates file that cannot be read (names the file)."""


# ------------------------------------------------------------------ lines and sites
def normalise_line(text: str) -> str:
    """The form of a line that templates compare (the readable reference of the
    compiled :func:`cleaner.kernels.templates.template_hashes`): leading white
    space and list, quote, heading and numbered-list marks skipped, markdown link
    targets skipped, letters lower-cased, decimal digits ``0``, any run of other
    characters one space. ``"* [Home](/)"``, ``"Home"`` and ``"  HOME |"`` are one
    line, ``"Page 3 of 12"`` and ``"Page 4 of 15"`` too. An empty result: a line
    without letters or digits, or longer than ``MAX_LINE_CHARS`` (never a template)."""
    from cleaner.kernels.chars import AN, DEC, SP, code_points, tables
    from cleaner.kernels.templates import MARKS

    if len(text) > MAX_LINE_CHARS:
        return ""
    code_points(text)  # (fills the tables for characters outside the basic plane)
    flags, lower, _ = tables()
    cs = list(text)
    a, b = 0, len(cs)
    while a < b and flags[ord(cs[a])] & SP:
        a += 1
    while a < b:  # marks, each followed by white space
        j = a
        if cs[a] == "#":
            while j < b and cs[j] == "#" and j - a < 6:
                j += 1
        elif cs[a] in MARKS:
            j += 1
        elif flags[ord(cs[a])] & DEC:
            while j < b and flags[ord(cs[j])] & DEC and j - a < 3:
                j += 1
            if not (j < b and cs[j] in ".)"):
                break
            j += 1
        else:
            break
        if j >= b or not flags[ord(cs[j])] & SP:
            break
        while j < b and flags[ord(cs[j])] & SP:
            j += 1
        a = j
    out: list[str] = []
    sep = False
    k = a
    while k < b:
        if cs[k] == "]" and k + 1 < b and cs[k + 1] == "(":  # a link's target, to its closing ")"
            depth, m = 0, k + 1
            while m < b:
                if cs[m] == "(":
                    depth += 1
                elif cs[m] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                m += 1
            if m < b:
                k, sep = m + 1, True
                continue
        f = int(flags[ord(cs[k])])
        if f & AN:
            if sep and out:
                out.append(" ")
            out.append("0" if f & DEC else chr(int(lower[ord(cs[k])])))
            sep = False
        else:
            sep = True
        k += 1
    return "".join(out)


def line_hash(norm: str) -> int:
    """The stable 64-bit hash (FNV-1a over the code points) of a normalised line."""
    h = 14695981039346656037
    for ch in norm:
        h = ((h ^ ord(ch)) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def line_hashes(lines: list[str]) -> np.ndarray:
    """Each line's hash, compiled (0: a line that normalises to nothing)."""
    from cleaner.kernels.templates import line_hash_array

    return line_hash_array(list(lines), MAX_LINE_CHARS)


def text_hashes(text: str) -> np.ndarray:
    """The hash of each line of ``text`` (split at newlines), compiled."""
    from cleaner.kernels.chars import code_points
    from cleaner.kernels.templates import hashes_of

    cps = code_points(text)
    nl = np.flatnonzero(cps == 10)
    starts = np.concatenate(([0], nl + 1)).astype(np.int64)
    ends = np.concatenate((nl, [len(cps)])).astype(np.int64)
    return hashes_of(cps, starts, ends, MAX_LINE_CHARS)


def page_hashes(text: str) -> set[int]:
    """The distinct line hashes of one page's text (what the page counts for)."""
    h = np.unique(text_hashes(text))
    return set(h[h != 0].tolist())


def site_of(url: str | None) -> str | None:
    """A page's site: the host of its URL, lowercased, without ``www.`` and port
    (``https://WWW.Example.com:8080/a`` -> ``example.com``). A value without a
    scheme is read as a host (``news.example.com/x`` -> ``news.example.com``)."""
    if not isinstance(url, str) or not url.strip():
        return None
    u = url.strip()
    if "//" not in u:
        u = "//" + u
    try:
        host = urlsplit(u).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().strip(".")
    if host.startswith("www."):
        host = host[4:]
    return host or None


def record_site(fields: Mapping[str, Any], site_field: str | None = None) -> str | None:
    """The site of a record (its fields): ``site_field``'s value when given (read
    as a URL or host), else its ``url`` (JSONL, Parquet, WARC target URI)."""
    if site_field:
        v = fields.get(site_field)
        return site_of(v) if isinstance(v, str) else None
    return site_of(fields.get("url"))


def document_site_hashes(
    text: str, fields: Mapping[str, Any], site_field: str | None = None
) -> tuple[str | None, list[int]]:
    """One document's ``(site, distinct line hashes)``: the row an engine's group-by counts."""
    site = record_site(fields, site_field)
    return site, (sorted(page_hashes(text)) if site is not None else [])


# ------------------------------------------------------------------ the table
@dataclass
class _Site:
    pages: int = 0
    floor: int = 0  # a line not stored is on at most max(floor, pages // bucket) pages
    count: dict[int, int] = field(default_factory=dict)
    delta: dict[int, int] = field(default_factory=dict)  # only entries with delta > 0
    recent: dict[int, None] = field(
        default_factory=dict
    )  # fingerprints of the last RECENT_PAGES pages counted


RECENT_PAGES = (
    256  # a page equal to one of its site's last this many pages counted is a copy: not counted again
)


class SiteTemplates:
    """Per site: pages counted, and on how many pages each normalised line occurs
    (bounded: see the module doc). ``site_field``: the record field the sites were
    read from (None: the record's ``url``); a table is applied the same way."""

    def __init__(
        self, cap: int = DEFAULT_CAP, bucket: int = DEFAULT_BUCKET, site_field: str | None = None
    ) -> None:
        if cap < 1 or bucket < 1:
            raise ValueError("cap and bucket must be at least 1")
        self.cap, self.bucket, self.site_field = cap, bucket, site_field
        self.sites: dict[str, _Site] = {}

    # ---------------------------------------------------------- counting
    def add_page(self, site: str, hashes: Iterable[int]) -> None:
        """Count one page of ``site`` holding these line hashes (each distinct line once).
        A page with the same lines as one of the site's last ``RECENT_PAGES`` pages is a
        copy (the same URL crawled twice, a mirror): not counted again, or its article
        would look like the site's template."""
        s = self.sites.get(site)
        if s is None:
            s = self.sites[site] = _Site()
        hashes = set(hashes)
        if len(hashes) > 2:
            key = hash(frozenset(hashes))  # (within this process only: the fingerprints are not saved)
            if key in s.recent:
                return
            s.recent[key] = None
            if len(s.recent) > RECENT_PAGES:
                del s.recent[next(iter(s.recent))]
        s.pages += 1
        bucket = (s.pages - 1) // self.bucket  # completed buckets before this page
        start = max(bucket, s.floor)
        count, delta = s.count, s.delta
        for h in hashes:
            c = count.get(h)
            if c is None:
                count[h] = 1
                if start:
                    delta[h] = start
            else:
                count[h] = c + 1
        if s.pages % self.bucket == 0:
            self._prune(s, s.pages // self.bucket)
        if len(s.count) > 2 * self.cap:
            self._cut(s, self.cap)

    def add_text(self, site: str, text: str) -> None:
        self.add_page(site, page_hashes(text))

    def add_record(self, text: str, fields: Mapping[str, Any]) -> str | None:
        """Count one document given as its text and record fields; its site (None: no site, not counted)."""
        site = record_site(fields, self.site_field)
        if site is not None:
            self.add_text(site, text)
        return site

    @staticmethod
    def _prune(s: _Site, b: int) -> None:
        # (new dicts: a dict keeps the size it grew to when keys are deleted)
        delta = s.delta
        s.count = {h: c for h, c in s.count.items() if c + delta.get(h, 0) > b}
        s.delta = {h: d for h, d in delta.items() if h in s.count}

    @staticmethod
    def _cut(s: _Site, keep: int) -> None:
        """Keep the ``keep`` entries of the highest upper bounds; the floor rises to the best one dropped."""
        count, delta = s.count, s.delta
        if len(count) <= keep:
            return
        hs = np.fromiter(count.keys(), dtype=np.uint64, count=len(count))
        ub = np.fromiter((c + delta.get(h, 0) for h, c in count.items()), dtype=np.int64, count=len(count))
        order = np.argsort(-ub, kind="stable")
        s.floor = max(s.floor, int(ub[order[keep]]))
        for h in hs[order[keep:]].tolist():
            del count[h]
            delta.pop(h, None)

    # ---------------------------------------------------------- reading
    def pages(self, site: str | None) -> int:
        s = self.sites.get(site) if site is not None else None
        return s.pages if s is not None else 0

    def shares(self, site: str | None, hashes: np.ndarray) -> np.ndarray:
        """For each line hash (:func:`line_hashes`; 0: none), the share of the site's
        pages known to hold it (a lower bound; 0 for an unknown line or site)."""
        out = np.zeros(len(hashes), dtype=np.float64)
        s = self.sites.get(site) if site is not None else None
        if s is None or not s.pages:
            return out
        get = s.count.get
        for i, h in enumerate(np.asarray(hashes, dtype=np.uint64).tolist()):
            if h:
                out[i] = get(h, 0) / s.pages
        return out

    def site_of_document(self, fields: Mapping[str, Any]) -> str | None:
        return record_site(fields, self.site_field)

    def __len__(self) -> int:
        return sum(len(s.count) for s in self.sites.values())

    def multi_page_sites(self, min_pages: int) -> int:
        """How many sites have at least ``min_pages`` pages."""
        return sum(1 for s in self.sites.values() if s.pages >= min_pages)

    # ---------------------------------------------------------- building and merging
    @classmethod
    def from_counts(
        cls,
        rows: Iterable[tuple[str, int, int]],
        site_pages: Mapping[str, int],
        cap: int = DEFAULT_CAP,
        bucket: int = DEFAULT_BUCKET,
        site_field: str | None = None,
    ) -> SiteTemplates:
        """A table from exact counts, as an engine's group-by gives them: ``rows`` of
        ``(site, line hash, pages holding it)`` and the pages of each site. Per
        site, the ``cap`` lines on the most pages are kept."""
        t = cls(cap, bucket, site_field)
        for site, n in site_pages.items():
            t.sites[str(site)] = _Site(pages=int(n))
        for site, h, n in rows:
            s = t.sites.get(site)
            if s is None:
                raise ValueError(f"site {site!r} has line counts but no page count")
            h, n = int(h) & 0xFFFFFFFFFFFFFFFF, int(n)
            if n > s.pages:
                raise ValueError(f"site {site!r}: a line on {n} pages of {s.pages}")
            s.count[h] = s.count.get(h, 0) + n
        for s in t.sites.values():
            t._cut(s, cap)
        return t

    def merge(self, other: SiteTemplates) -> SiteTemplates:
        """Add ``other``'s counts into this table (counted on another shard) and
        return it: pages add, counts add, the bounds' slack (``delta``, ``floor``) adds."""
        for site, o in other.sites.items():
            s = self.sites.get(site)
            if s is None:
                s = self.sites[site] = _Site()
            # a line stored on one side only may have been on up to the other side's slack of pages
            o_slack = max(o.floor, o.pages // other.bucket)
            s_slack = max(s.floor, s.pages // self.bucket)
            for h, c in o.count.items():
                if h in s.count:
                    s.count[h] += c
                    d = s.delta.get(h, 0) + o.delta.get(h, 0)
                else:
                    s.count[h] = c
                    d = o.delta.get(h, 0) + s_slack
                if d:
                    s.delta[h] = d
            for h in s.count:
                if h not in o.count and o_slack:
                    s.delta[h] = s.delta.get(h, 0) + o_slack
            s.pages += o.pages
            s.floor += o.floor
            if len(s.count) > self.cap:
                self._cut(s, self.cap)
        return self

    def compact(self, min_count: int = 2) -> SiteTemplates:
        """Drop the lines seen on fewer than ``min_count`` pages (a line on one page
        is never a template): what :meth:`save` keeps."""
        for s in self.sites.values():
            for h in [h for h, c in s.count.items() if c < min_count]:
                del s.count[h]
                s.delta.pop(h, None)
            s.floor = max(s.floor, min_count - 1)
        return self

    # ---------------------------------------------------------- files
    def save(self, path: str | Path) -> None:
        """Write the table (lines seen on one page only left out) to ``path``
        (``.npz``; written to a temporary name and renamed)."""
        path = Path(path)
        sites = sorted(self.sites)
        n = [sum(1 for c in self.sites[x].count.values() if c >= 2) for x in sites]
        total = sum(n)
        owner = np.zeros(total, dtype=np.int32)
        hashes = np.zeros(total, dtype=np.uint64)
        counts = np.zeros(total, dtype=np.int64)
        deltas = np.zeros(total, dtype=np.int64)
        k = 0
        for i, x in enumerate(sites):
            s = self.sites[x]
            for h, c in s.count.items():
                if c >= 2:
                    owner[k], hashes[k], counts[k], deltas[k] = i, h, c, s.delta.get(h, 0)
                    k += 1
        meta = {
            "format": "cleaner-site-templates",
            "version": FORMAT_VERSION,
            "cap": self.cap,
            "bucket": self.bucket,
            "site_field": self.site_field,
        }
        arrays: dict[str, Any] = {
            "meta": np.array(json.dumps(meta)),
            "sites": np.array(sites, dtype=str) if sites else np.zeros(0, dtype="<U1"),
            "pages": np.array([self.sites[x].pages for x in sites], dtype=np.int64),
            "floor": np.array([max(self.sites[x].floor, 1) for x in sites], dtype=np.int64),
            "owner": owner,
            "hash": hashes,
            "count": counts,
            "delta": deltas,
        }
        from cleaner.io.files import replace_atomically

        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        replace_atomically(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> SiteTemplates:
        """Read a table written by :meth:`save`; a :class:`TemplatesError` naming the file otherwise."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except FileNotFoundError:
            raise TemplatesError(f"{path}: no such site-templates file") from None
        except IsADirectoryError:
            raise TemplatesError(f"{path}: is a folder, not a site-templates file") from None
        except Exception as exc:
            raise TemplatesError(f"{path}: not a site-templates file ({type(exc).__name__}: {exc})") from None
        need = ("meta", "sites", "pages", "floor", "owner", "hash", "count", "delta")
        missing = [k for k in need if k not in data]
        if missing:
            raise TemplatesError(f"{path}: not a site-templates file (no {', '.join(missing)})")
        try:
            meta = json.loads(str(data["meta"]))
        except ValueError:
            meta = None
        if not isinstance(meta, dict) or meta.get("format") != "cleaner-site-templates":
            raise TemplatesError(f"{path}: not a site-templates file")
        if meta.get("version") != FORMAT_VERSION:
            raise TemplatesError(
                f"{path}: site-templates format version {meta.get('version')!r}; this cleaner reads "
                f"version {FORMAT_VERSION}: count the site again (cleaner clean --templates-out)"
            )
        sites, pages, floor = data["sites"], data["pages"], data["floor"]
        owner, hashes, counts, deltas = data["owner"], data["hash"], data["count"], data["delta"]
        ok = (
            len(sites) == len(pages) == len(floor)
            and len(owner) == len(hashes) == len(counts) == len(deltas)
            and (not len(owner) or (owner.min() >= 0 and owner.max() < len(sites)))
            and (not len(counts) or (counts.min() >= 1 and deltas.min() >= 0))
            and (not len(pages) or pages.min() >= 0)
        )
        if not ok:
            raise TemplatesError(f"{path}: a damaged site-templates file (its arrays do not agree)")
        try:
            t = cls(int(meta["cap"]), int(meta["bucket"]), meta.get("site_field"))
        except (KeyError, TypeError, ValueError):
            raise TemplatesError(f"{path}: a damaged site-templates file (bad settings)") from None
        for x, p, f in zip(sites.tolist(), pages.tolist(), floor.tolist(), strict=True):
            t.sites[str(x)] = _Site(pages=int(p), floor=int(f))
        names = sites.tolist()
        for i, h, c, d in zip(owner.tolist(), hashes.tolist(), counts.tolist(), deltas.tolist(), strict=True):
            s = t.sites[names[i]]
            s.count[h] = c
            if d:
                s.delta[h] = d
        return t

    def summary(self, top: int = 5) -> dict[str, Any]:
        """Sites, pages and lines stored (for reports)."""
        by_pages = sorted(self.sites.items(), key=lambda kv: -kv[1].pages)[:top]
        return {
            "sites": len(self.sites),
            "pages": sum(s.pages for s in self.sites.values()),
            "lines": len(self),
            "largest": {k: v.pages for k, v in by_pages},
        }


# ------------------------------------------------------------------ a batch run's first pass
@dataclass
class TemplateOptions:
    """``cleaner clean``'s site-template options."""

    mode: str = "auto"  # --site-templates: auto (on when a site has min_pages pages), on, off
    table: str | None = None  # --templates FILE: a saved table to clean with (no first pass)
    out: str | None = (
        None  # --templates-out FILE: write the table (with --templates: it updated by this input)
    )
    site_field: str | None = None  # --site-field NAME: the record field that names the site (default: url)


def count_inputs(inputs: list[str], read: Any, site_field: str | None = None) -> SiteTemplates:
    """The first pass: read the inputs (:func:`cleaner.io.readers.iter_inputs`,
    ``read``: its ReadOptions) and count each text document's lines under its
    site. HTML documents, documents without a site and unreadable items are not
    counted (site templates apply to text)."""
    from cleaner.io.readers import iter_inputs
    from cleaner.stages.decode import sniff_html

    table = SiteTemplates(site_field=site_field)
    for item in iter_inputs(inputs, read):
        raw = item.raw
        if raw is None or item.error is not None or item.drop is not None or item.format == "html":
            continue
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        if item.format != "text" and sniff_html(text):
            continue
        fields = dict(item.extra)
        if not isinstance(fields.get("url"), str) and isinstance(item.metadata.get("url"), str):
            fields["url"] = item.metadata["url"]
        table.add_record(text, fields)
    return table


def prepare(
    opts: TemplateOptions,
    inputs: list[str],
    read: Any,
    min_pages: int,
    saved: Path | None = None,
    note: Any = None,
) -> SiteTemplates | None:
    """The table a batch run cleans with (None: none): ``saved`` (the run folder's
    copy, which a resumed run reuses), else ``opts.table`` and/or a first pass
    over ``inputs``; written to ``opts.out`` and to ``saved``. ``note``: called
    with a line for the user."""
    say = note or (lambda _msg: None)
    if saved is not None and saved.is_file():
        return SiteTemplates.load(saved)
    table = SiteTemplates.load(opts.table) if opts.table else None
    if opts.mode == "off" and table is None:
        return None
    if table is None or opts.out:
        counted = count_inputs(inputs, read, opts.site_field if table is None else table.site_field)
        say(f"site templates: counted {counted.summary()['pages']:,} pages of {len(counted.sites):,} sites")
        table = counted if table is None else table.merge(counted)
    if opts.out:
        table.save(opts.out)
        say(f"site templates: wrote {opts.out}")
    if opts.mode == "auto" and not opts.table and not table.multi_page_sites(min_pages):
        say(f"site templates: off (no site has {min_pages} pages or more; boilerplate.template_min_pages)")
        table = None
    if saved is not None and table is not None:
        table.save(saved)
    return table
