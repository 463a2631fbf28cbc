"""Unit tests per stage: decode, encoding, normalize, language, filters."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaner.document import Document
from cleaner.stages import STAGES
from cleaner.stages.encoding import fix_text, needs_ftfy

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def stage(name: str, **options):
    return STAGES[name](options, None)


def decoded(raw: str | bytes, format: str = "auto") -> Document:
    doc = Document(id="t", raw=raw, format=format)
    stage("decode").process(doc)
    return doc


def text_doc(text: str, language: str | None = None) -> Document:
    doc = Document(id="t", raw=text, format="text")
    doc.set_text(text)
    doc.language = language
    return doc


def lines_of(doc: Document) -> list[str]:
    return [ln.text for ln in doc.lines if ln.rule is None]


def ftfy_reference(text: str) -> str:
    return ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False)


# ===================================================================== decode
class TestDecode:
    SAMPLE = "Café “Zur Brücke” — naïve façade, 5 €.\nSecond line: Ελληνικά, русский, 日本語."

    def test_utf8_bom_is_removed(self):
        doc = decoded(codecs.BOM_UTF8 + self.SAMPLE.encode("utf-8"))
        assert doc.encoding == "utf-8"
        assert lines_of(doc) == self.SAMPLE.split("\n")
        assert not lines_of(doc)[0].startswith("\ufeff")

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
    def test_utf16_with_bom(self, codec):
        bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
        data = bom + self.SAMPLE.encode(codec)  # plain "utf-16" writes its own BOM
        doc = decoded(data)
        assert lines_of(doc) == self.SAMPLE.split("\n")
        assert doc.encoding.startswith("utf-16")
        assert doc.format == "text"

    def test_utf16_html_page_with_bom(self):
        page = "<!DOCTYPE html><html><head><title>T</title></head><body><p>Grüße aus Köln.</p></body></html>"
        doc = decoded(codecs.BOM_UTF16_LE + page.encode("utf-16-le"))
        assert doc.format == "html"
        assert "Grüße aus Köln." in doc.handover.html

    def test_crlf_becomes_lf(self):
        doc = decoded(b"First line.\r\nSecond line.\r\n")
        assert lines_of(doc) == ["First line.", "Second line.", ""]

    def test_cp1252_page_via_meta_charset(self):
        data = (FIXTURES / "html" / "fr-boulangerie.html").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # the fixture really is in cp1252
        doc = decoded(data)
        assert doc.encoding == "cp1252"
        assert doc.format == "html"
        html = doc.handover.html
        for word in ("1 500 €", "Cœurdevey", "d’ici là…", "département", "« met en lumière"):
            assert word in html
        assert "\ufffd" not in html

    @pytest.mark.parametrize(
        "meta",
        [
            '<meta charset="windows-1252">',
            "<meta charset=windows-1252>",
            "<META CHARSET='cp1252'>",
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
        ],
    )
    def test_meta_charset_forms(self, meta):
        data = f"<html><head>{meta}<title>x</title></head><body><p>".encode("ascii") + (
            "“Café” à la crème – 5 €…".encode("cp1252") + b"</p></body></html>"
        )
        doc = decoded(data)
        assert "“Café” à la crème – 5 €…" in doc.handover.html

    def test_wrongly_declared_utf8_falls_back_to_detection(self):
        data = (FIXTURES / "html" / "fr-boulangerie.html").read_bytes()
        data = data.replace(b'charset="windows-1252"', b'charset="utf-8"')
        html = decoded(data).handover.html
        assert "Meilleure baguette du département" in html and "Cœurdevey" in html

    def test_undeclared_cp1252_is_detected(self):
        data = (FIXTURES / "html" / "fr-boulangerie.html").read_bytes()
        data = data.replace(b'<meta charset="windows-1252">', b"")
        html = decoded(data).handover.html
        assert "Meilleure baguette du département" in html and "1 500 €" in html

    def test_http_charset_wins_over_detection(self):
        data = "Ça coûte 5 € à Zürich.".encode("iso-8859-15")
        doc = Document(id="t", raw=data, format="text", metadata={"http_charset": "iso-8859-15"})
        stage("decode").process(doc)
        assert lines_of(doc) == ["Ça coûte 5 € à Zürich."]

    def test_stray_invalid_byte_in_utf8_text(self):
        data = (FIXTURES / "text" / "fr-tramway.txt").read_bytes()
        bad = data[:300] + b"\xff" + data[300:]
        doc = decoded(bad)
        text = "\n".join(lines_of(doc))
        assert doc.encoding == "utf-8"
        assert text.count("\ufffd") == 1
        assert text.replace("\ufffd", "") == data.decode("utf-8")

    @pytest.mark.parametrize(
        "data",
        [
            b"Caf\xc3 \xff\xfe\x80 ok",
            b"\xff\xff\xff",
            b"\xc3",
            b"\x00\x01\x02abc\x00",
            b"\xef\xbb\xbf\xff\xfe",
            b"\xfe\xff\xd8\x00",
            b'<html><meta charset="klingon"><p>\xe9\xe8</p></html>',
            b'<meta charset="utf-8">\xe9\xe8\xe0',
            b"",
            b"\x80" * 100,
        ],
    )
    def test_invalid_bytes_never_crash(self, data, default_pipeline):
        decoded(data)  # no exception
        doc = default_pipeline.clean(data)
        assert doc.status in ("ok", "dropped"), doc.error

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=400), st.sampled_from(["auto", "text", "html"]))
    def test_arbitrary_bytes_never_crash_decode(self, data, fmt):
        doc = decoded(data, fmt)
        assert isinstance(doc.encoding, str)
        if doc.status == "error":  # random bytes are mostly binary: refused, and said why
            assert "binary content" in doc.error
        else:
            assert doc.format in ("text", "html")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(min_size=1, max_size=300))
    def test_arbitrary_bytes_never_crash_the_pipeline(self, data):
        import cleaner

        doc = cleaner.clean(data)
        assert doc.status in ("ok", "dropped") or "binary content" in doc.error, doc.error

    # ------------------------------------------------------------ sniffing
    @pytest.mark.parametrize("name", ["en-wind-farm.html", "en-ferry-service.html", "fr-boulangerie.html"])
    def test_html_pages_are_html(self, name):
        assert decoded((FIXTURES / "html" / name).read_bytes()).format == "html"

    @pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "text").glob("*.txt")))
    def test_text_scrapes_are_text(self, name):
        assert decoded((FIXTURES / "text" / name).read_bytes()).format == "text"

    @pytest.mark.parametrize(
        "page",
        [
            '<div class="story"><p>A paragraph.</p><p>Another one.</p></div>',
            "<!-- saved by a crawler -->\n<html><body><p>Hi</p></body></html>",
            '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>',
            "\n\n   <!doctype html>\n<title>x</title><p>y</p>",
            "<p>First paragraph.</p>\n<p>Second paragraph.</p>",
        ],
    )
    def test_html_fragments_are_html(self, page):
        assert decoded(page).format == "html"

    def test_text_quoting_a_b_tag_is_text(self):
        raw = (FIXTURES / "text" / "en-heat-pumps.txt").read_text(encoding="utf-8")
        quoting = raw.replace(
            "Applications open on April 1",
            "The town’s web page marks the deadline in <b>bold</b>, using a <b> tag, and says: "
            "Applications open on April 1",
        )
        doc = decoded(quoting)
        assert doc.format == "text"
        assert any("<b>bold</b>" in ln for ln in lines_of(doc))

    @pytest.mark.parametrize(
        "text",
        [
            "Use the <b> tag for bold text and </b> to close it.",
            "<b>Breaking:</b> the bridge is closed until further notice.",
            "Her post said <3 and nothing else.\nThe reply was a <br> in plain text.",
            "If x < 3 and y > 5, the rule applies (see <section 4>).",
            "In HTML a paragraph is written <p>like this</p>; a <div> groups blocks.\n" * 2,
        ],
    )
    def test_text_with_a_few_tags_is_text(self, text):
        assert decoded(text).format == "text"

    def test_explicit_format_is_respected(self):
        assert decoded("<p>Looks like HTML</p>", "text").format == "text"
        assert decoded("Plain words.", "html").format == "html"

    def test_pipeline_auto_keeps_quoted_tag_in_text(self, default_pipeline):
        raw = "Editors were told to use the <b> tag sparingly in headlines, the memo said.\n" * 3
        doc = default_pipeline.clean(raw)
        assert doc.format == "text"
        assert "<b>" in doc.text


# =================================================================== encoding
MOJIBAKE = [
    ("cafÃ©", "café"),
    ("The cafÃ© opened in SÃ£o Paulo.", "The café opened in São Paulo."),
    ("Itâ€™s â€œfineâ€\x9d, she said.", "It’s “fine”, she said."),
    ("Ã¼ber die BrÃ¼cke", "über die Brücke"),
    ("pÃ¢tÃ© and crÃ¨me brÃ»lÃ©e", "pâté and crème brûlée"),
]


class TestEncoding:
    @pytest.mark.parametrize(("bad", "good"), MOJIBAKE)
    def test_mojibake_is_fixed_and_recorded(self, bad, good):
        doc = text_doc(f"Headline\n{bad}\nClean line.")
        st_ = stage("encoding")
        st_.process(doc)
        assert lines_of(doc) == ["Headline", good, "Clean line."]
        assert doc.repairs == [{"kind": "encoding", "line": 2, "before": bad, "after": good}]
        assert st_.counts["fixed"] == 1

    def test_curly_quotes_are_not_straightened(self):
        text = "“Nobody expected this,” she said. ‘Really?’ he asked — it’s the council’s «final» word."
        doc = text_doc(text)
        stage("encoding").process(doc)
        assert lines_of(doc) == [text]
        assert doc.repairs == []
        # ... not even when the line has mojibake to fix
        doc = text_doc("“The cafÃ© is closed,” she said.")
        stage("encoding").process(doc)
        assert lines_of(doc) == ["“The café is closed,” she said."]

    def test_curly_quotes_survive_the_default_pipeline(self, default_pipeline):
        raw = (FIXTURES / "text" / "en-port-strike.txt").read_bytes()
        doc = default_pipeline.clean(raw, format="text")
        assert "“We are not against new machines." in doc.text
        assert "café that serves the night shift" in doc.text
        assert any(r["kind"] == "encoding" and r["after"].count("café") for r in doc.repairs)

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.one_of(
                st.text(max_size=30),
                st.text(max_size=20).map(lambda s: s.encode("utf-8").decode("sloppy-windows-1252")),
                st.sampled_from(
                    ["&amp; co", "Fish &lt;3 chips", "a <b> tag", "&eacute;t&eacute;", "ﬁne ｗｉｄｅ"]
                ),
            ),
            max_size=8,
        ).map("\n".join)
    )
    def test_line_wise_fix_text_equals_ftfy(self, text):
        # ftfy stops unescaping entities after the first line holding "<": the
        # line-wise walk must carry that state exactly as ftfy does
        assert fix_text(text) == ftfy_reference(text)

    def test_full_width_cjk_punctuation_is_kept(self):
        line = "这款产品具有重要的意义，因为它（据报道）不需要训练。"
        doc = text_doc(f"标题\n{line}\ncafÃ© in Tokyo")
        stage("encoding").process(doc)
        assert lines_of(doc) == ["标题", line, "café in Tokyo"]

    def test_lone_character_analysis_covers_ftfy(self):
        # might_be_bad() looks only around the non-ASCII characters that can be
        # part of a badness match: those that can be the only non-ASCII
        # character of one, and those with another non-ASCII character close by
        from cleaner.stages.encoding import _lone_bad

        finder = _lone_bad()
        assert finder is not None  # ftfy's expression has the shape the analysis reads
        lone = {m.group() for m in finder.finditer("".join(map(chr, range(128, 0x2500))) + " ")}
        assert {"\u00c2", "\u00c3", "\u0152", "\u0153"} <= lone  # "a Â ", "Ã ", "œ1"
        assert not {"\u2019", "\u201c", "\u2014", "\u00e9"} & {
            m.group()
            for m in finder.finditer(
                "it\u2019s fine, he said \u201cloudly and clearly\u201d to them \u2014 a fine caf\u00e9"
            )
        }
        assert [m.start() for m in finder.finditer("caf\u00e9 na\u00efve")] == [3]  # é has ï 5 later

    @settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.text(
            alphabet=st.one_of(
                st.sampled_from("abcXY .,!?'-\n\t"),
                # characters of ftfy's badness classes, alone in ASCII text or close together
                st.sampled_from(
                    "\u00c2\u00c3\u0152\u0153\u00ce\u00d0\u00d8\u00d9\u00a0\u00a9\u00ae\u00b0\u00e0"
                    "\u00e2\u20ac\u2122\u201c\u201d\u2019\u2018\u2014\u2013\u00b7\u00bb\u00ab"
                    "\u00a1\u00bf\u00b2\u00b3\u00d7\u221a\u2248\u201a\u00c4\u03b2\u0432\u0413"
                    "\u0402\u00f1\u00e9\u00fc\u00df\u2500\u00a5"
                ),
            ),
            max_size=30,
        )
    )
    def test_lone_character_windows_never_miss(self, text):
        import re as _re

        from ftfy.badness import is_bad

        from cleaner.stages.encoding import might_be_bad

        if any(is_bad(seg) for seg in _re.findall(r"[^\n]*\n|[^\n]+$", text)):
            assert might_be_bad(text)

    def test_entity_expression_starts_with_ampersand(self):
        # needs_ftfy() runs ftfy's entity expression only on text holding "&"
        from ftfy import chardata

        assert chardata.HTML_ENTITY_RE.pattern.startswith("&")

    def test_badness_categories_are_all_non_ascii(self):
        # might_be_bad() looks only near non-ASCII characters: that is sound as long
        # as every character class of ftfy's badness expression is non-ASCII
        import re as _re

        from ftfy import badness

        for name, chars in badness.MOJIBAKE_CATEGORIES.items():
            expanded = _re.sub(r"(.)-(.)", "", chars)  # ranges like \x80-\x9f
            assert all(ord(c) > 127 for c in expanded), name

    @settings(max_examples=400, deadline=None)
    @given(
        st.lists(
            st.one_of(
                st.text(alphabet="abcdefghij ABC.,?!\n-", max_size=12),
                st.text(max_size=4).map(lambda s: s.encode("utf-8").decode("sloppy-windows-1252")),
                st.text(max_size=4).map(lambda s: s.encode("utf-8").decode("sloppy-windows-1251")),
                st.sampled_from(["Ã ", "Â ", "×²", "ГўВЂВ.a", "œ1", "É°", "é", "\u00a0"]),
            ),
            max_size=12,
        ).map("".join)
    )
    @example("\nÂ¥")  # bad as a whole (the match starts at the newline), but no ftfy segment is
    @example("\nÂ ")  # "Â " at a segment's start is bad
    def test_windowed_badness_check_never_misses(self, text):
        import re as _re

        from ftfy.badness import is_bad

        from cleaner.stages.encoding import might_be_bad

        # ftfy judges each segment (a line with its newline) on its own
        if any(is_bad(seg) for seg in _re.findall(r"[^\n]*\n|[^\n]+$", text)):
            assert might_be_bad(text)

    def test_precheck_skips_clean_text(self, monkeypatch):
        calls = []
        real = ftfy.fix_text
        monkeypatch.setattr(ftfy, "fix_text", lambda *a, **k: calls.append(a) or real(*a, **k))
        st_ = stage("encoding")
        for path in sorted((FIXTURES / "expected").glob("*.txt")):
            doc = text_doc(path.read_text(encoding="utf-8"))
            before = lines_of(doc)
            st_.process(doc)
            assert lines_of(doc) == before and doc.repairs == []
        assert calls == [], "ftfy ran on clean text"
        assert st_.counts["skipped"] == len(list((FIXTURES / "expected").glob("*.txt")))
        assert st_.counts["fixed"] == 0

    @pytest.mark.parametrize(
        "text",
        [
            "plain ascii",
            "naïve café — “quoted” ‘text’ … 5 €",
            "Ελληνικά and русский and 日本語",
            "emoji 🙂 and math ∑ and arrows →",
        ],
    )
    def test_needs_ftfy_is_false_for_clean_text(self, text):
        assert needs_ftfy(text) is False

    def test_full_width_text_is_left_alone(self):
        assert ftfy_reference("Ｆｕｌｌｗｉｄｔｈ，ｏｋ") == "Ｆｕｌｌｗｉｄｔｈ，ｏｋ"
        assert needs_ftfy("Ｆｕｌｌｗｉｄｔｈ，ｏｋ") is False

    @pytest.mark.parametrize(
        "text",
        [
            "cafÃ©",
            "fi\ufb01ne",
            "tab\x1b[31mred",
            "a&amp;b",
            "e\u0301",
            "line\rbreak",
            "\x92quote",
        ],
    )
    def test_needs_ftfy_is_true_when_ftfy_changes_something(self, text):
        assert ftfy_reference(text) != text
        assert needs_ftfy(text) is True

    def test_repairs_listed_up_to_the_limit(self):
        doc = text_doc("\n".join(f"Line {i} at the cafÃ©." for i in range(30)))
        stage("encoding", max_repairs_listed=5).process(doc)
        assert len(doc.repairs) == 5
        assert all(ln.endswith("café.") for ln in lines_of(doc))  # all fixed, five listed
        doc = text_doc("The cafÃ© opened.")
        stage("encoding", record_repairs=False).process(doc)
        assert lines_of(doc) == ["The café opened."] and doc.repairs == []

    def test_removed_lines_are_not_touched(self):
        doc = text_doc("Keep the cafÃ©.\nRemoved cafÃ©.")
        doc.remove(doc.lines[1], "test.rule")
        stage("encoding").process(doc)
        assert [ln.text for ln in doc.lines] == ["Keep the café.", "Removed cafÃ©."]

    # ------------------------------------------------- identical to ftfy
    @settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.one_of(
            st.text(max_size=200),
            st.text(max_size=80).map(lambda s: s.encode("utf-8").decode("sloppy-windows-1252")),
            st.lists(
                st.sampled_from(
                    [
                        "Ã©",
                        "â€™",
                        "â€œ",
                        "â€\x9d",
                        "Ã",
                        "Â",
                        "\xa0",
                        "ï¬",
                        "&amp;",
                        "&eacute;",
                        "&#233;",
                        "&lt;b&gt;",
                        "<",
                        "\u2028",
                        "\r",
                        "\r\n",
                        "\n",
                        "\x85",
                        "\x1b[1m",
                        "\ufb01",
                        "Ａ",
                        "e\u0301",
                        "\x92",
                        "\x00",
                        "\ufeff",
                        "“",
                        "”",
                        "’",
                        "café",
                        " ",
                        "word",
                        "\ud83d",
                        "\udca9",
                        "ÃƒÂ©",
                        "\u200b",
                        "¿",
                        "Ð¿Ñ€Ð¸",
                    ]
                ),
                max_size=25,
            ).map("".join),
        )
    )
    @example("cafÃ©")
    @example("&lt;p&gt; <b>")
    @example("<b>\n&amp;")
    @example("\n\u00c2 ")  # ftfy judges each line: "Â " at a line's start is mojibake for a no-break space
    @example("\n\u00c2\u00a5")  # bad only with the newline before it, which is another segment
    def test_fix_text_equals_ftfy(self, text):
        assert fix_text(text) == ftfy_reference(text)
        if not needs_ftfy(text):
            assert ftfy_reference(text) == text

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.one_of(
                st.text(alphabet=st.characters(blacklist_characters="\n\r\x85\u2028\u2029"), max_size=60),
                st.text(max_size=40).map(lambda s: s.encode("utf-8").decode("sloppy-windows-1252")),
            ).map(
                lambda s: (
                    s.replace("\r", "")
                    .replace("\n", "")
                    .replace("\x85", "")
                    .replace("\u2028", "")
                    .replace("\u2029", "")
                )
            ),
            min_size=1,
            max_size=6,
        ).map("\n".join)
    )
    def test_stage_output_equals_ftfy(self, text):
        doc = text_doc(text)
        stage("encoding").process(doc)
        assert "\n".join(ln.text for ln in doc.lines) == ftfy_reference(text)

    def test_fixture_and_seed_lines_equal_ftfy(self, shared_dir_or_none):
        texts = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "text").glob("*.txt"))]
        texts += [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "expected").glob("*.txt"))]
        texts += [
            json.loads(line).get("html", "") for line in (FIXTURES / "corpus.jsonl").open(encoding="utf-8")
        ]
        shared = shared_dir_or_none
        if shared is not None and (shared / "seeds").is_dir():
            texts += [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]
        checked = 0
        for text in texts:
            variants = [
                text,
                text.encode("utf-8").decode("sloppy-windows-1252"),
                text.encode("utf-8").decode("latin-1"),
            ]
            for variant in variants:
                assert fix_text(variant) == ftfy_reference(variant)
                for line in variant.split("\n"):
                    assert fix_text(line) == ftfy_reference(line), line
                    checked += 1
                doc = text_doc(variant.replace("\r", "").replace("\x85", " "))
                stage("encoding").process(doc)
                assert "\n".join(ln.text for ln in doc.lines) == ftfy_reference(
                    doc.raw.replace("\r", "").replace("\x85", " ")
                )
        assert checked > 500


# ================================================================== normalize
class TestNormalize:
    def run(self, text: str, **options) -> Document:
        doc = text_doc(text)
        stage("normalize", **options).process(doc)
        return doc

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.text(
                alphabet=st.one_of(
                    st.sampled_from("ae \t\u00a0\u3000\u200b\u2028\x85\x1c\n\u201c\u2019\ufb01\u2460\uff21"),
                    st.sampled_from("\u0301\u0323\u0308\u1100\u1161\u11a8\u0915\u093c"),  # marks, jamo
                    st.characters(),
                ),
                max_size=12,
            ),
            max_size=8,
        ),
        st.sampled_from(["NFC", "NFKC", "none"]),
        st.booleans(),
        st.booleans(),
    )
    def test_all_lines_at_once_equals_line_by_line(self, texts, form, collapse, straighten):
        # the stage normalises the joined lines in one go; each comes out as if done alone
        s = stage("normalize", form=form, collapse_spaces=collapse, straighten_quotes=straighten)
        assert s._normalized(texts) == [s._one(t) for t in texts]

    def test_nfc(self):
        doc = self.run("Cafe\u0301 and re\u0301sume\u0301")
        assert doc.text == "Café and résumé"
        assert unicodedata.is_normalized("NFC", doc.text)

    def test_nfkc_and_none(self):
        assert self.run("\ufb01ne", form="NFKC").text == "fine"
        assert self.run("Cafe\u0301", form="none").text == "Cafe\u0301"

    def test_spaces_collapsed_and_stripped(self):
        doc = self.run("  Two\u00a0\u00a0words,\tthen\u202fmore \u2009spaces\u3000here.  ")
        assert doc.text == "Two words, then more spaces here."

    def test_collapse_can_be_switched_off(self):
        assert self.run("a  b", collapse_spaces=False).text == "a  b"

    def test_blank_line_runs(self):
        text = "\n\n\nFirst.\n\n\n\nSecond.\n \t \nThird.\n\n"
        assert self.run(text).text == "First.\n\nSecond.\n\nThird."
        assert self.run(text, max_blank_lines=0).text == "First.\nSecond.\nThird."
        assert self.run(text, max_blank_lines=2).text == "First.\n\n\nSecond.\n\nThird."

    def test_quotes_kept_by_default_and_straightened_on_request(self):
        text = "“Yes,” she said, ‘it’s „fine“.’"
        assert self.run(text).text == text
        assert self.run(text, straighten_quotes=True).text == '"Yes," she said, \'it\'s "fine".\''

    def test_removed_lines_untouched_and_blank_removals_not_listed(self):
        doc = text_doc("Keep  this.\nDrop  this.\n\n\n\nEnd.")
        doc.remove(doc.lines[1], "test.rule")
        stage("normalize").process(doc)
        assert doc.lines[1].text == "Drop  this."
        assert doc.text == "Keep this.\n\nEnd."
        assert doc.removed == [{"line": 2, "text": "Drop  this.", "rule": "test.rule"}]


# =================================================================== language
ENGLISH = (FIXTURES / "expected" / "en-port-strike.txt").read_text(encoding="utf-8")
AMBIGUOUS = (
    "Hotel Restaurant Taxi Pizza Radio Film Internet Computer Musik Bar Café Auto Park Bank Sport Club"
)


class TestLanguage:
    @pytest.mark.parametrize(
        ("name", "lang"),
        [
            ("en-port-strike", "en"),
            ("en-river-flood", "en"),
            ("de-stadtwerke", "de"),
            ("es-mercado", "es"),
            ("fr-tramway", "fr"),
            ("fr-boulangerie", "fr"),
            ("en-wind-farm", "en"),
        ],
    )
    def test_fixture_languages(self, name, lang):
        doc = text_doc((FIXTURES / "expected" / f"{name}.txt").read_text(encoding="utf-8"))
        stage("language").process(doc)
        assert doc.language == lang
        assert doc.language_score is not None and doc.language_score >= 0.9

    def test_deterministic_in_process(self):
        st_ = stage("language")
        results = {st_.detect(t) for t in [AMBIGUOUS] * 20}
        assert len(results) == 1
        results = {stage("language").detect(AMBIGUOUS) for _ in range(5)}  # fresh stages too
        assert len(results) == 1

    def test_deterministic_across_processes(self):
        texts = [
            AMBIGUOUS,
            ENGLISH,
            "Le maire a dit non. Der Bürgermeister sagte nein. The mayor said no today.",
        ]
        code = (
            "import json,sys\nfrom cleaner.stages import STAGES\n"
            "st=STAGES['language']({},None)\n"
            "print(json.dumps([st.detect(t) for t in json.loads(sys.stdin.read())]))\n"
        )
        outs = []
        for _ in range(2):
            proc = subprocess.run(
                [sys.executable, "-c", code],
                input=json.dumps(texts),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert proc.returncode == 0, proc.stderr
            outs.append(json.loads(proc.stdout))
        here = [list(stage("language").detect(t)) for t in texts]
        assert outs[0] == outs[1] == here

    def test_pipeline_is_deterministic(self, default_pipeline):
        raw = (FIXTURES / "text" / "es-mercado.txt").read_bytes()
        first = default_pipeline.clean(raw).to_record()
        for _ in range(3):
            assert default_pipeline.clean(raw).to_record() == first

    @pytest.mark.parametrize("text", ["", "Hello world", "Most Read\n3 years ago", "12345 67890 !!!", "OK"])
    def test_short_text_is_unknown(self, text):
        doc = text_doc(text)
        stage("language").process(doc)
        assert doc.language is None and doc.language_score is None

    def test_short_document_record_has_null_language(self, default_pipeline):
        rec = default_pipeline.clean("Short note.", format="text").to_record()
        assert rec["language"] is None and rec["language_score"] is None

    def test_sample_is_bounded(self):
        doc = text_doc("\n".join([ENGLISH] * 50))
        st_ = stage("language", sample_chars=500)
        sample = st_.sample(doc)
        assert len(sample.replace("\n", "")) <= 500
        st_.process(doc)
        assert doc.language == "en"

    def test_removed_lines_are_not_sampled(self):
        doc = text_doc(
            "Der Stadtrat hat am Dienstag beschlossen, die Busspur entlang der Uferstraße zu verlängern.\n"
            + ENGLISH
        )
        for ln in doc.lines[1:]:
            doc.remove(ln, "test.rule")
        stage("language").process(doc)
        assert doc.language == "de"

    @settings(max_examples=300, deadline=None)
    @given(
        texts=st.lists(
            st.one_of(
                st.text(alphabet="ab \t", max_size=40),
                st.builds(
                    lambda w, u: f"[{w}](https://x.org/{u})",
                    st.text("ab", max_size=8),
                    st.text("ab/", max_size=30),
                ),
                st.builds(lambda n, w: " " * n + w, st.integers(0, 50), st.text("ab ", max_size=12)),
            ),
            max_size=40,
        ),
        budget=st.integers(0, 200),
    )
    def test_longest_words_reads_only_the_lines_it_needs_and_gives_what_a_full_sort_does(self, texts, budget):
        from cleaner.document import Line
        from cleaner.stages.language import longest_words, words_of

        def prefix(words):
            out, used = [], 0
            for w in words:
                if used >= budget:
                    break
                out.append(w)
                used += len(w)
            return out

        lines = [Line(i, t) for i, t in enumerate(texts)]
        every = sorted((words_of(t) for t in texts), key=len, reverse=True)
        assert prefix(longest_words(lines, budget)) == prefix(every)

    def test_link_targets_and_padding_do_not_fill_the_sample(self):
        # a markdown dump's menu: lines long for their link targets; a text dump's padded
        # (centred) lines: long for their spaces. The sample is the article's words.
        article = (
            "Der Stadtrat hat am Dienstag beschlossen, die Busspur entlang der Uferstraße zu verlängern, "
            "nachdem die Anwohner monatelang über den Verkehr geklagt hatten."
        )
        menu = [
            f"* [Home](https://www.example-news-site.com/en/section/{k}/index-of-the-latest-stories-and-"
            f'features-for-readers-everywhere-{"and-more-" * 10}.html "Home")'
            for k in range(12)
        ]
        padded = [" " * 140 + "Home" + " " * 60] * 12
        st_ = stage("language", sample_chars=300)
        for junk in (menu, padded):
            assert min(map(len, junk)) > len(article)
            doc = text_doc("\n".join([*junk, article]))
            assert "Stadtrat" in st_.sample(doc)
            st_.process(doc)
            assert doc.language == "de"


# ==================================================================== filters
class TestFilters:
    def run(self, text: str, language: str | None = "en", **options) -> Document:
        doc = text_doc(text, language)
        stage("filters", **options).process(doc)
        return doc

    def test_defaults_keep_everything_with_text(self):
        assert self.run("A short line.", None).status == "ok"

    def test_language_allow_list(self):
        kept = self.run(ENGLISH, "en", languages=["en", "de"])
        assert kept.status == "ok" and kept.reason is None
        dropped = self.run(ENGLISH, "en", languages=["de"])
        assert dropped.status == "dropped" and dropped.reason == "language:en"
        rec = dropped.to_record()
        assert rec["status"] == "dropped" and rec["reason"] == "language:en"
        unknown = self.run("Hi.", None, languages=["en"])
        assert unknown.reason == "language:unknown"

    def test_min_chars_and_min_words(self):
        assert self.run("Twelve chars", min_chars=13).reason == "too-short"
        assert self.run("Twelve chars", min_chars=12).status == "ok"
        assert self.run("three words here", min_words=4).reason == "too-short"
        assert self.run("three words here", min_words=3).status == "ok"

    def test_min_chars_counts_clean_text_only(self):
        doc = text_doc("Short.\n" + "Junk line that is long enough to pass the limit on its own. " * 5)
        doc.remove(doc.lines[1], "test.rule")
        st_ = stage("filters", min_chars=50)
        st_.process(doc)
        assert doc.reason == "too-short"
        assert st_.counts["too-short"] == 1

    def test_empty_document(self):
        assert self.run("\n\n  \n").reason == "empty"

    def test_first_reason_wins(self):
        doc = self.run("Hi.", "en", languages=["de"], min_chars=100)
        assert doc.reason == "language:en"

    def test_dropped_documents_skip_later_stages(self, tmp_path):
        import cleaner

        cfg = tmp_path / "c.yaml"
        cfg.write_text("extends: default\nsettings:\n  filters: {min_chars: 100000}\n", encoding="utf-8")
        doc = cleaner.Pipeline.from_yaml(cfg).clean(ENGLISH, format="text")
        assert doc.status == "dropped" and doc.reason == "too-short"
        assert doc.to_record()["reason"] == "too-short"


def test_visible_lines_leave_out_hidden_elements() -> None:
    # the page's visible lines (what the rescue from visible lines reads) leave
    # out what the page's own markup hides, with everything inside it, but keep
    # the text that follows a hidden element and styles that only look alike
    from cleaner.htmltext import visible_lines

    page = """<html><head><title>T</title></head><body>
    <h1>Council approves the new budget</h1>
    <div hidden><p>Subscribe to our newsletter for daily updates.</p></div>after the box
    <p style="color: red; DISPLAY : none;">Sign in to comment.</p>
    <p style="visibility:hidden !important">Share this story.</p>
    <p style="display:block">The vote was seven to two after a long debate.</p>
    <span style="display:nonesense">Odd styles stay.</span>
    <section style="font-weight:bold"><p>Residents spoke for an hour.</p></section>
    </body></html>"""
    assert visible_lines(page) == [  # (the <head> is not shown either)
        "Council approves the new budget",
        "after the box",
        "The vote was seven to two after a long debate.",
        "Odd styles stay.",
        "Residents spoke for an hour.",
    ]


def _judgings(pipe, text: str) -> int:
    """How many times the pipeline's boilerplate stage judged ``text``."""
    bp = pipe.stage("boilerplate")
    calls = []
    real = bp.process
    bp.process = lambda doc: (calls.append(doc.id), real(doc))[1]
    try:
        pipe.clean(text, format="text", id="t")
    finally:
        del bp.process
    return len(calls)


def test_a_stage_that_repairs_has_the_stages_it_names_judge_again(tmp_path: Path) -> None:
    """The artifacts stage declares ``rejudge_after = ("boilerplate",)``: after it
    repaired the text ("debt ." -> "debt."), an earlier boilerplate stage judges
    the document again; without a repair, or with boilerplate after it, not."""
    from cleaner.pipeline import Pipeline

    repaired = (
        "The bank will stop buying sovereign debt .\n"
        "It said so in a statement on Tuesday, and the markets rose after the news."
    )
    clean = "The bank will stop buying sovereign debt.\nIt said so in a statement on Tuesday."
    pipe = Pipeline.from_yaml(None)
    assert STAGES["artifacts"].rejudge_after == ("boilerplate",)
    assert pipe.clean(repaired, format="text").repairs  # (the text is repaired)
    assert _judgings(pipe, repaired) == 2
    assert _judgings(pipe, clean) == 1
    cfg = tmp_path / "after.yaml"
    cfg.write_text("stages: [decode, encoding, artifacts, boilerplate]\n", encoding="utf-8")
    assert _judgings(Pipeline.from_yaml(cfg), repaired) == 1


class _Peeler:
    """A stand-in for the text model that, each time it judges, removes the first kept
    line that starts with "~": a document that loses one more line on every judging,
    as a page whose menu the model peels off one line at a time."""

    def judge(self, texts, lang, **kw):
        import numpy as np

        from cleaner.textmodel.model import Judgement

        n = len(texts)
        keep, code = np.ones(n, dtype=bool), np.full(n, -1, dtype=np.int64)
        for i, t in enumerate(texts):
            if t.lstrip().startswith("~"):
                keep[i], code[i] = False, 0
                break
        return Judgement(keep, code, ["classifier.peeled"], np.zeros(n, dtype=bool), np.ones(n, dtype=bool))


@pytest.mark.parametrize("rounds", [3, 8])
def test_boilerplate_judges_its_output_again_until_nothing_more_goes(rounds: int) -> None:
    stage = STAGES["boilerplate"]({"max_rounds": rounds, "rules": False})
    stage.ready()
    stage.classifier = _Peeler()  # type: ignore[assignment]
    menu = [f"~ Section {k}" for k in range(5)]
    text = "\n".join(["The council met on Monday to agree the budget.", *menu, "It meets again in May."])
    first = Document(id="a", format="text")
    first.set_text(text)
    stage.process(first)
    gone = [ln.text for ln in first.lines if ln.rule == "classifier.peeled"]
    assert gone == menu[: min(rounds, len(menu))]  # one judging and up to rounds - 1 more
    second = Document(id="b", format="text")
    second.set_text(first.text)
    stage.process(second)
    # enough rounds reach a fixed point: cleaning the output again removes nothing more
    assert any(ln.rule for ln in second.lines) is (rounds <= len(menu))
