"""decode: bytes to text (BOM, declared charset, detection) and HTML/text sniffing."""

from __future__ import annotations

import codecs
import re

from cleaner.document import Document
from cleaner.stages.base import Setting, Stage

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
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


# Python codecs that are no charset of the web: bytes-to-bytes or str-to-str
# transforms (rot13, base64, hex: not text encodings) and these
_NOT_CHARSETS = {"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7"}


def normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    return info.name if info._is_text_encoding and info.name not in _NOT_CHARSETS else None


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


def decode_bytes(data: bytes, declared: str | None = None, fallback: str = "utf-8") -> tuple[str, str]:
    """Decode bytes: BOM, then declared (HTTP) charset, then <meta charset>, then
    UTF-8, then detection. Never raises: undecodable bytes become U+FFFD."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    enc = _utf16_unmarked(data)
    if enc:
        return data.decode(enc, errors="replace"), enc
    candidates: list[str] = []
    for name in (declared, _meta_charset(data)):
        enc = normalise_charset(name)
        if enc and enc not in candidates:
            candidates.append(enc)
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
    except Exception:  # detection is best effort
        best = None
    if best is not None and best.encoding:
        enc = normalise_charset(best.encoding) or fallback
        return data.decode(enc, errors="replace"), enc
    enc = candidates[0] if candidates else fallback
    return data.decode(enc, errors="replace"), enc


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
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


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


class DecodeStage(Stage):
    name = "decode"
    settings = {
        "fallback_encoding": Setting(str, "utf-8", "charset used when detection finds nothing"),
        "max_binary_share": Setting(
            float, 0.1, "an error record when more of the first 8,192 characters than this share are "
            "control characters or undecodable bytes (an image, a PDF, a zip: not text or HTML)"
        ),
    }

    def process(self, doc: Document) -> None:
        raw = doc.raw
        if isinstance(raw, (bytes, bytearray)):
            text, enc = decode_bytes(
                bytes(raw), doc.metadata.get("http_charset"), self.options["fallback_encoding"]
            )
            doc.encoding = enc
            self.counts[f"charset:{enc}"] += 1
        elif isinstance(raw, str):
            text = raw
        else:
            raise TypeError(f"raw input must be str or bytes, not {type(raw).__name__}")
        share = binary_share(text)
        if share > self.options["max_binary_share"]:
            where = f"{doc.source}: " if doc.source else ""
            doc.fail(
                f"{where}binary content, not text or HTML: {share:.0%} of the first "
                f"{min(len(text), _SAMPLE):,} characters are control characters or undecodable bytes "
                f"(decode.max_binary_share={self.options['max_binary_share']})"
            )
            self.counts["binary"] += 1
            return
        if doc.format == "auto":
            doc.format = "html" if sniff_html(text) else "text"
        self.counts[f"format:{doc.format}"] += 1
        if doc.format == "html":
            doc.metadata["_html"] = text  # consumed by the extract stage
            doc.lines = []
        else:
            doc.set_text(text.replace("\r\n", "\n"))
