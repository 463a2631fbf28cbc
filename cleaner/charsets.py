"""The charset of bytes that declare none and are not UTF-8.

charset-normalizer reads such bytes in the charsets that decode them and says how
messy each reading is, but on its own it often picks a charset nobody wrote the page
in: cp1250 or cp775 for English in Windows-1252 ("Toyotaĺs"), Shift_JIS for Russian
in KOI8-R. The language a reading is in settles it. A sample of the bytes (the start
of the text, then the lines that hold non-ASCII bytes; tags and scripts left out) is
read in every candidate charset (each language's legacy charsets of
``rules/charsets.yaml`` and charset-normalizer's proposals that read ASCII as ASCII);
the readings that differ are each scored, as a log-likelihood, by

* :func:`char_loglik`: how well its non-ASCII characters fit its language, a
  character model from langdetect's letter frequencies (and orders of magnitude for
  punctuation, symbols, letters of another script, controls);
* the charset's place among that language's (1.0 for the usual one, then 0.3, 0.1;
  1e-4 for one the language never used: such a reading must fit that much better);
* langdetect's probability for the language, and charset-normalizer's mess.

Each reading is judged in the language langdetect finds in it; text in a Latin
script (no more non-ASCII bytes than ASCII letters) is also judged in the language
of its ASCII words, which no charset changes, and the better score counts. The best
reading wins; of the charsets that read the bytes alike, the one the language used
most is reported. The confidence is the logistic of the winner's lead over the next
reading (a different text): low when two readings fit about as well; below
``low_confidence`` the record flags the guess.
"""

from __future__ import annotations

import codecs
import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.errors import ConfigError
from cleaner.resources import rules_dir
from cleaner.yamlio import load_yaml

__all__ = ["Guess", "CharsetGuesser", "codec_name"]

# what a reading's language is: (language code or None, probability)
Detect = Callable[[str], tuple[str | None, float]]

_SAMPLE_BYTES = 8000
_TAG = re.compile(rb"<(?:script|style)\b.*?</(?:script|style)\s*>|<!--.*?-->|<[^<>]{0,2000}>", re.I | re.S)
_NEEDS_TAGS = ("iso2022_jp", "iso2022_kr")  # 7-bit charsets whose bytes include "<" and ">"
_ASCII_LETTERS = re.compile(rb"[A-Za-z]")
_ASCII_LETTER_STR = re.compile(r"[A-Za-z]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_WORD = re.compile(rb"[^\s]*[\x80-\xff][^\s]*")
# soft hyphens: neither letters nor mess
_IGNORED = re.compile("\u00ad")
# scripts whose own punctuation and signs are foreign in text of another script
_SCRIPTS = frozenset(
    {
        "LATIN",
        "CYRILLIC",
        "GREEK",
        "HEBREW",
        "ARABIC",
        "THAI",
        "CJK",
        "HIRAGANA",
        "KATAKANA",
        "HANGUL",
        "ARMENIAN",
        "GEORGIAN",
        "DEVANAGARI",
        "BENGALI",
        "TAMIL",
        "ETHIOPIC",
        "LAO",
        "TIBETAN",
        "KHMER",
        "MYANMAR",
        "SYRIAC",
        "THAANA",
        "MONGOLIAN",
        "IDEOGRAPHIC",
    }
)


# Python codecs that are no charset of the web: bytes-to-bytes or str-to-str
# transforms (rot13, base64, hex: not text encodings) and these
_NOT_CHARSETS = {"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7"}


def codec_name(name: str | None) -> str | None:
    """Python's name of a charset label (``windows-1252`` -> ``cp1252``), or None
    if unknown or a Python-only codec that is no charset (``rot13``, ``base64``)."""
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    return info.name if info._is_text_encoding and info.name not in _NOT_CHARSETS else None


@dataclass(frozen=True)
class Guess:
    """A charset for undeclared bytes: its name, how sure (0..1), the language it read as."""

    encoding: str
    confidence: float
    language: str | None


class CharsetGuesser:
    """Charsets of undeclared bytes (see the module doc); ``detect`` gives a reading's language."""

    def __init__(self, detect: Detect, data: dict[str, Any] | None = None, file: str | None = None) -> None:
        if data is None:
            path = Path(file) if file else rules_dir() / "charsets.yaml"
            data = load_yaml(path)
            file = str(path)
        if not isinstance(data, dict) or not isinstance(data.get("languages"), dict):
            raise ConfigError("expected a mapping with `languages`", file=file, key="languages")
        self.detect = detect
        self.by_language: dict[str, list[str]] = {}
        for lang, names in data["languages"].items():
            self.by_language[str(lang)] = self._codecs(names, file, f"languages.{lang}")
        self.default = self._codecs(data.get("default") or ["cp1252"], file, "default")
        self.low_confidence = float(data.get("low_confidence", 0.6))
        # every charset a language lists, each once
        self.candidates = list(dict.fromkeys(c for names in self.by_language.values() for c in names))

    @staticmethod
    def _codecs(names: Any, file: str | None, key: str) -> list[str]:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError("expected a list of charset names", file=file, key=key)
        out = []
        for n in names:
            c = codec_name(n)
            if c is None:
                raise ConfigError(
                    f"unknown charset {n!r} (expected a Python codec name such as cp1252)", file=file, key=key
                )
            out.append(c)
        return out

    # ------------------------------------------------------------ guessing
    def guess(self, data: bytes) -> Guess | None:
        """The charset ``data`` was most likely written in (never UTF-8 here: the
        caller tried it), or None when no charset reads its sample cleanly."""
        sample = _sample(data)
        readings: dict[str, list[str]] = {}  # text -> the charsets that read the sample so
        for enc in self._candidates(sample):
            text = _decode(sample if enc not in _NEEDS_TAGS else data[:_SAMPLE_BYTES], enc, final=False)
            if text is not None:
                readings.setdefault(text, []).append(enc)
        if not readings:  # nothing decodes the sample cleanly
            return None
        # each reading is judged in the language it reads as; Latin-script text
        # (a few non-ASCII bytes among ASCII letters) also in the language of its
        # ASCII words, which no reading changes, and the better of the two counts
        letters = len(_ASCII_LETTERS.findall(sample))
        done: dict[tuple[str, str | None], tuple[float, int]] = {}
        scored = self._score(readings, None, letters, done)
        fixed = self._ascii_language(sample, letters)
        if fixed:
            scored = [
                max(a, b) for a, b in zip(scored, self._score(readings, fixed, letters, done), strict=True)
            ]
        scored.sort(key=lambda s: -s[0])
        best, enc, lang, prob, _ = scored[0]
        # how much better than the next reading (a different text), as a probability
        gap = best - scored[1][0] if len(scored) > 1 else 30.0
        confidence = 1.0 / (1.0 + math.exp(-min(gap, 30.0)))
        # the whole document must decode too (a sample may miss a byte only a superset holds)
        for _, e, lng, _, _ in scored:
            if _decode(data, e) is not None:
                if e != enc:
                    confidence *= 0.5
                return Guess(e, round(min(confidence, 1.0), 3), lng)
        return Guess(enc, round(min(confidence, 1.0) * 0.5, 3), lang)

    def _score(
        self,
        readings: dict[str, list[str]],
        fixed: tuple[str, float] | None,
        ascii_letters: int,
        done: dict[tuple[str, str | None], tuple[float, int]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """(log score, charset, language, its probability, mean log-likelihood of a character) of
        each reading; ``done`` keeps each (reading, language)'s log-likelihood for the next call."""
        done = {} if done is None else done
        scored = []
        for text, encs in readings.items():
            lang, prob = fixed if fixed else self.detect(text)
            enc, prior = self._best_charset(encs, lang)
            key = (text, lang)
            if key not in done:
                done[key] = char_loglik(text, lang, ascii_letters)
            total, n = done[key]
            score = total + math.log(prior) + math.log(max(prob, 1e-3) if lang else 0.3)
            score += 2.0 * math.log(max(1.0 - _mess(text), 1e-3))
            scored.append((score, enc, lang, prob, total / n if n else 0.0))
        return scored

    def _ascii_language(self, sample: bytes, letters: int) -> tuple[str, float] | None:
        """The language of the sample's ASCII words, when the sample is mostly
        ASCII letters (non-ASCII bytes at most as many as ASCII letters) and that
        language is clear (probability 0.8 or more); else None."""
        high = len(sample) - len(sample.decode("latin-1").encode("ascii", "ignore"))
        if letters < 40 or high > letters:
            return None
        words = _NON_ASCII_WORD.sub(b" ", sample).decode("ascii", "replace")
        lang, prob = self.detect(words)
        return (lang, prob) if lang and prob >= 0.8 else None

    def _candidates(self, sample: bytes) -> list[str]:
        """The charsets to try: every language's, and charset-normalizer's proposals."""
        out = list(self.candidates)
        try:
            from charset_normalizer import from_bytes

            for m in from_bytes(sample, explain=False):
                for name in [m.encoding, *m.could_be_from_charset]:
                    c = codec_name(name)
                    if c and c not in out and _ascii_compatible(c):
                        out.append(c)
        except Exception:  # detection is best effort: the table's charsets remain
            pass
        return out

    def _best_charset(self, encs: list[str], lang: str | None) -> tuple[str, float]:
        """Of the charsets that read the bytes alike, the one ``lang`` used most, and its weight."""
        order = self.by_language.get(lang or "", []) if lang else self.default
        for rank, c in enumerate(order):
            if c in encs:
                return c, _RANK_PRIOR[min(rank, len(_RANK_PRIOR) - 1)]
        listed = [c for c in self.default if c in encs] if lang else []
        return (listed[0] if listed else encs[0]), _UNLISTED_PRIOR


# the weight of a charset by its place among a language's (the usual one first),
# and of one the language never used: a reading in it must be that much likelier
_RANK_PRIOR = (1.0, 0.3, 0.1, 0.05)
_UNLISTED_PRIOR = 1e-4
_IN_WORD = frozenset("\u00b7\u00b4\u2032")  # a middle dot (l·l), an acute accent or prime as an apostrophe


def char_loglik(text: str, lang: str | None, ascii_letters: int | None = None) -> tuple[float, int]:
    """(sum of the log-likelihoods, count) of the non-ASCII characters of a
    reading, in ``lang``: a character model with langdetect's profile for the
    letters and orders of magnitude for the rest.

    * a letter (or a mark, or a digit of a script): its frequency in the
      language's profile (a capital letter at least a tenth of its small
      letter's); one the language never uses: 1e-5 in the script most of the
      reading's letters are in (a name, a loanword), 1e-8 in another script;
    * punctuation and currency signs 1e-3, other symbols 1e-4; but a symbol,
      a number form or other punctuation than quotes, dashes and brackets
      inside a word, between two letters, 1e-6 (what a wrong charset makes of
      a letter: "wytoczy³", "ą" read as "±");
    * a sign of another script than most of the letters' 1e-8; a control (C1
      controls are what ISO 8859 makes of Windows quotes), private-use or
      unassigned character 1e-9.

    Spaces (no-break spaces) and soft hyphens are left out. ``ascii_letters``:
    how many ASCII letters the text holds (counted when not given)."""
    picked = [(m.start(), m.group()) for m in _NON_ASCII.finditer(text)]
    picked = [(i, c) for i, c in picked if c != "\u00ad" and unicodedata.category(c) != "Zs"]
    if not picked:
        return 0.0, 0
    chars = "".join(c for _, c in picked)
    if lang:
        probs = _char_probs(chars, lang)
        small = "".join(c.lower() if len(c.lower()) == 1 else c for c in chars)
        lower = _char_probs(small, lang) if small != chars else probs
    else:
        probs = lower = np.zeros(len(chars))
    scripts = Counter(_script(c) for c in chars if c.isalpha())
    scripts["LATIN"] += len(_ASCII_LETTER_STR.findall(text)) if ascii_letters is None else ascii_letters
    home = scripts.most_common(1)[0][0]
    n = len(text)
    total = 0.0
    for k, (i, c) in enumerate(picked):
        cat = unicodedata.category(c)
        if cat[0] in "LM" or cat == "Nd":  # letters, their marks, digits of a script
            p = float(probs[k])
            if c.isupper():
                p = max(p, 0.1 * float(lower[k]))
            p = max(p, 1e-5 if _script(c) == home else 1e-8)
        elif cat[0] not in "PSN" and cat != "Cf":
            p = 1e-9
        elif _script(c) in _SCRIPTS and _script(c) != home:  # another script's sign (Hebrew geresh)
            p = 1e-8
        elif (
            (cat[0] in "SN" or cat == "Po")
            and c not in _IN_WORD
            and 0 < i < n - 1
            and text[i - 1].isalpha()
            and text[i + 1].isalpha()
        ):
            p = 1e-6
        else:
            p = 1e-3 if cat[0] == "P" or cat == "Sc" else 1e-4  # (format characters: 1e-4)
        total += math.log(p)
    return total, len(picked)


@functools.lru_cache(maxsize=4096)
def _script(c: str) -> str:
    """The script of a letter, as the first word of its Unicode name (LATIN, CYRILLIC, CJK ...)."""
    return unicodedata.name(c, "?").split(" ", 1)[0]


def _char_probs(chars: str, lang: str) -> np.ndarray:
    """:func:`cleaner.langkernel.char_probabilities`, each character looked up once."""
    out = np.empty(len(chars))
    missing = [c for c in set(chars) if (c, lang) not in _PROBS]
    if missing:
        from cleaner import langkernel

        for c, p in zip(missing, langkernel.char_probabilities("".join(missing), lang).tolist(), strict=True):
            _PROBS[(c, lang)] = p
    for k, c in enumerate(chars):
        out[k] = _PROBS[(c, lang)]
    return out


_PROBS: dict[tuple[str, str], float] = {}


def _sample(data: bytes) -> bytes:
    """Up to 8,000 bytes of text, tags and scripts left out: the start of the
    document (a language needs words around its non-ASCII letters), then the
    lines that hold non-ASCII bytes. (Cut at newlines: no multi-byte charset
    here has a newline inside a character.)"""
    head = data[: 40 * _SAMPLE_BYTES]
    if b"<" in head[:4096]:
        head = _TAG.sub(b" ", head)
    lines = [b" ".join(ln.split()) for ln in head.split(b"\n")]
    lines = [ln for ln in lines if ln]
    out: list[bytes] = []
    size = 0
    for ln in lines:  # the start
        if size + len(ln) > _SAMPLE_BYTES // 2:
            break
        out.append(ln)
        size += len(ln) + 1
    for ln in lines[len(out) :]:  # then the lines with non-ASCII bytes
        if not ln.isascii():
            out.append(ln)
            size += len(ln) + 1
            if size >= _SAMPLE_BYTES:
                break
    return b"\n".join(out) if out else data[:_SAMPLE_BYTES]


_ASCII_PROBE = b"Aa Zz 09 <p>=/\n"


@functools.lru_cache(maxsize=256)
def _ascii_compatible(enc: str) -> bool:
    """Whether ``enc`` reads ASCII as ASCII (not EBCDIC, not UTF-16): pages and
    scrapes that are not UTF-8 are in such a charset."""
    return not enc.startswith("utf") and _decode(_ASCII_PROBE, enc) == _ASCII_PROBE.decode("ascii")


def _decode(data: bytes, enc: str, final: bool = True) -> str | None:
    """``data`` decoded strictly (with ``final`` False, a character cut off at the
    end is left out), or None."""
    try:
        if final:
            return data.decode(enc)
        return codecs.getincrementaldecoder(enc)().decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


@functools.lru_cache(maxsize=64)
def _mess(text: str) -> float:
    """charset-normalizer's measure of how garbled a reading looks (0: clean)."""
    try:
        from charset_normalizer.md import mess_ratio

        return min(float(mess_ratio(_IGNORED.sub("", text), maximum_threshold=1.0)), 1.0)
    except Exception:  # pragma: no cover - a detector failure: no evidence either way
        return 0.0
