"""decode: bytes to text (BOM, declared charset, detection) and HTML/text sniffing."""

from __future__ import annotations

import codecs
import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cleaner.charsets import codec_name
from cleaner.document import Document
from cleaner.stages.base import Setting, Stage, StageOptions, option

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
# A document that opens like a web page is HTML ...
_HTML_START = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|meta|title|div|article|section|main|table|p|header|nav)\b",
    re.IGNORECASE | re.DOTALL,
)
# ... and so is text made mostly of structural tags; a text scrape that quotes
# a tag or two (say, "use <b> for bold") is not.
_STRUCT_TAG = re.compile(
    r"</?(?:html|head|body|div|p|span|a|ul|ol|li|table|tr|td|th|script|style|meta|link|"
    r"section|article|nav|header|footer|main|h[1-6]|img|br|form|input|button|iframe)\b[^>\n]{0,2000}>",
    re.IGNORECASE,
)


def normalise_charset(name: str | None) -> str | None:
    return codec_name(name)


def sniff_html(text: str) -> bool:
    """Tell an HTML page from a text scrape."""
    head = text[:4096]
    if _HTML_START.match(head):
        return True
    sample = text[:200_000]
    tags = len(_STRUCT_TAG.findall(sample))
    if tags < 8:
        return False
    # at least one tag per 40 characters of text or most lines carry tags
    lines = [ln for ln in sample.split("\n") if ln.strip()]
    tagged = sum(1 for ln in lines if _STRUCT_TAG.search(ln))
    return tags * 40 >= len(sample) or tagged >= 0.5 * len(lines)


@dataclass(frozen=True)
class Decoded:
    """Bytes as text: the charset, where it came from (``given``: the caller's;
    ``bom``; ``http``: the HTTP header; ``meta``: the page's ``<meta>`` or XML
    declaration; ``utf-8``: valid UTF-8; ``detected``), and how sure that is."""

    text: str
    encoding: str
    source: str
    confidence: float


# labels browsers read as windows-1252 (WHATWG encoding standard)
_AS_CP1252 = {"iso8859-1", "ascii"}


def decode(
    data: bytes,
    declared: str | None = None,
    charset: str | None = None,
    guess: Callable[[bytes], Any] | None = None,
    fallback: str = "utf-8",
) -> Decoded:
    """Decode bytes: the caller's ``charset``; a BOM; the declared (HTTP)
    charset, then ``<meta charset>``, each if it decodes the bytes; UTF-8; then
    ``guess`` (a :class:`cleaner.charsets.CharsetGuesser`'s ``guess``: the
    charset the bytes read best in, judged by language), else ``fallback``.
    Never raises: undecodable bytes become U+FFFD."""
    if charset:
        return Decoded(data.decode(charset, errors="replace"), charset, "given", 1.0)
    for bom, bom_enc in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(bom_enc, errors="replace"), bom_enc, "bom", 1.0)
    enc = _utf16_unmarked(data)  # (before UTF-8: ASCII in UTF-16 is valid UTF-8 too, with NULs)
    if enc:
        return Decoded(data.decode(enc, errors="replace"), enc, "detected", 1.0)
    for name, source in ((declared, "http"), (_meta_charset(data), "meta")):
        enc = normalise_charset(name)
        if enc in _AS_CP1252:
            enc = "cp1252"
        if not enc or enc.startswith("utf-16") or enc.startswith("utf-32"):  # (no BOM: not what it says)
            continue
        try:
            return Decoded(data.decode(enc), enc, source, 1.0)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8", 1.0)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f") - bad
    if good >= 10 and bad * 20 <= good:  # UTF-8 with a stray byte or two
        return Decoded(text, "utf-8", "utf-8", round(good / (good + bad), 3))
    g = guess(data) if guess is not None else None
    if g is None:  # no charset reads the bytes cleanly (binary data, or a mix)
        enc = codec_name(fallback) or "utf-8"
        return Decoded(data.decode(enc, errors="replace"), enc, "detected", 0.0)
    return Decoded(data.decode(g.encoding, errors="replace"), g.encoding, "detected", g.confidence)


def decode_bytes(data: bytes, declared: str | None = None, fallback: str = "utf-8") -> tuple[str, str]:
    """(text, charset) of :func:`decode` with charset-normalizer's guess
    judged by language (see :mod:`cleaner.charsets`)."""
    d = decode(data, declared, guess=_default_guesser().guess, fallback=fallback)
    return d.text, d.encoding


def _utf16_unmarked(data: bytes) -> str | None:
    """UTF-16 without a byte order mark: text of mostly Latin letters (and HTML
    markup) has a zero byte in every other position, the high byte of each
    character; binary data has no such pattern (nor does UTF-32, whose zeros
    fall on both sides)."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 16:
        return None
    even, odd = sample[0 : 2 * half : 2].count(0), sample[1 : 2 * half : 2].count(0)
    if odd >= 0.4 * half and even <= 0.02 * half:
        return "utf-16-le"
    if even >= 0.4 * half and odd <= 0.02 * half:
        return "utf-16-be"
    return None


def _meta_charset(data: bytes) -> str | None:
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def detect_language(text: str) -> tuple[str | None, float]:
    """(language, probability) of a text by langdetect (the language stage's
    compiled kernel; compiled, or loaded, on first use), or (None, 0.0)."""
    from cleaner import jit, langkernel

    jit.warm([langkernel.GROUP])
    if langkernel.count_alpha(text) < 20:
        return None, 0.0
    try:
        best = langkernel.probabilities(text, 0, 3, 2000)[0]
    except Exception:  # no features (langdetect's own "no language")
        return None, 0.0
    return best.lang, float(best.prob)


@functools.lru_cache(maxsize=4)
def _default_guesser(path: str | None = None) -> Any:
    from cleaner.charsets import CharsetGuesser

    return CharsetGuesser(detect_language, file=path)


_SAMPLE = 8192
# C0 controls but tab, newlines and form feed, and U+FFFD (bytes that did not
# decode); not C1 controls, which latin-1 mojibake is full of ("donâ\x80\x99t")
_BINARY = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\ufffd]")


def binary_share(text: str) -> float:
    """The share of control characters and replacement characters (undecodable
    bytes) in the first 8,192 characters: near 0 for any text, high for binary
    data; 0 when fewer than 8 such characters are found."""
    sample = text[:_SAMPLE]
    bad = len(_BINARY.findall(sample))
    return bad / len(sample) if bad >= 8 else 0.0


CHARSET_ENV = "CLEANER_CHARSET"  # what ``cleaner clean --charset`` sets for its worker processes


@dataclass(frozen=True)
class DecodeOptions(StageOptions):
    """The decode stage's settings (``decode: {...}`` in a config's ``stages``)."""

    charset: str | None = option(
        Setting(
            (str, type(None)),
            None,
            "decode all bytes input in this charset, whatever they declare "
            "(for inputs known to be in one charset; cleaner clean --charset)",
        )
    )
    charsets: str = option(
        Setting(
            str,
            "charsets.yaml",
            "the legacy charsets of each language, for bytes that declare none and are "
            "not UTF-8 (in rules/, or a path)",
        )
    )
    fallback_encoding: str = option(Setting(str, "utf-8", "charset used when no charset decodes the bytes"))
    max_binary_share: float = option(
        Setting(
            float,
            0.1,
            "an error record when more of the first 8,192 characters than this share are "
            "control characters or undecodable bytes (an image, a PDF, a zip: not text or HTML)",
        )
    )


class DecodeStage(Stage[DecodeOptions]):
    name = "decode"
    Options = DecodeOptions

    def __init__(self, options: dict[str, Any], rules: Any = None) -> None:
        super().__init__(options, rules)
        from cleaner.errors import ConfigError

        for key in ("charset", "fallback_encoding"):
            name = getattr(self.options, key)
            if name is not None and codec_name(name) is None:
                raise ConfigError(
                    f"unknown charset {name!r} (a name such as utf-8, cp1252, shift_jis)", key=f"decode.{key}"
                )
        self._guesser: Any = None

    def guesser(self) -> Any:
        """The :class:`cleaner.charsets.CharsetGuesser` of the ``charsets`` data (made on first use)."""
        if self._guesser is None:
            from pathlib import Path

            from cleaner.resources import rules_dir

            name = self.options.charsets
            path = Path(name) if Path(name).is_absolute() or Path(name).exists() else rules_dir() / name
            self._guesser = _default_guesser(str(path))
        return self._guesser

    def _guess(self, data: bytes) -> Any:
        return self.guesser().guess(data)

    def process(self, doc: Document) -> None:
        raw = doc.raw
        given, doc.handover.charset = doc.handover.charset, None
        given = given or self.options.charset or os.environ.get(CHARSET_ENV) or None
        http = doc.metadata.pop("http_charset", None)  # (a WARC response's header: the record says it below)
        if isinstance(raw, (bytes, bytearray)):
            d = decode(bytes(raw), http, codec_name(given), self._guess, self.options.fallback_encoding)
            doc.encoding = d.encoding
            doc.charset = {
                "name": d.encoding,
                "from": d.source,
                "confidence": d.confidence,
                "flagged": d.confidence < self.guesser().low_confidence,
            }
            self.counts[f"charset:{d.encoding}"] += 1
            if doc.charset["flagged"]:
                self.counts["charset:low-confidence"] += 1
            text = d.text
        elif isinstance(raw, str):
            text = raw
        else:
            raise TypeError(f"raw input must be str or bytes, not {type(raw).__name__}")
        share = binary_share(text)
        if share > self.options.max_binary_share:
            where = f"{doc.source}: " if doc.source else ""
            doc.fail(
                f"{where}binary content, not text or HTML: {share:.0%} of the first "
                f"{min(len(text), _SAMPLE):,} characters are control characters or undecodable bytes "
                f"(decode.max_binary_share={self.options.max_binary_share})"
            )
            self.counts["binary"] += 1
            return
        if doc.format == "auto":
            doc.format = "html" if sniff_html(text) else "text"
        self.counts[f"format:{doc.format}"] += 1
        if doc.format == "html":
            doc.handover.html = text  # for the extract stage
            doc.lines = []
        else:
            doc.set_text(text.replace("\r\n", "\n"))
