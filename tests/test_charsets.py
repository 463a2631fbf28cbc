"""Decoding bytes: a declared charset wins; then UTF-8; then the legacy charset
the bytes read best in, judged by the language they read as (cleaner.charsets).
The record says which charset, where it came from, how sure, and flags a guess."""

from __future__ import annotations

import codecs
import json

import pytest

import cleaner
from cleaner.document import Document
from cleaner.errors import ConfigError
from cleaner.stages.decode import DecodeStage, decode

# News paragraphs written for these tests, in the languages whose pages were
# written in legacy charsets, with those charsets (the usual one first)
TEXTS = {
    "en": (
        "Toyota’s new rules – announced on Monday – will change how the company’s dealers price the "
        "“hybrid” models, the owner of the Café Rouge said. Prices rise by 5 € … and nobody was surprised.",
        ["cp1252"],
    ),
    "de": (
        "Der Stadtrat hat am Dienstag über die Zukunft des Hallenbads beraten. Die Sanierung würde nach "
        "Schätzungen der Verwaltung rund 4,5 Millionen Euro kosten; für einen Neubau müssten die Bürgerinnen "
        "und Bürger noch länger warten. „Wir müssen jetzt entscheiden“, sagte die Bürgermeisterin.",
        ["cp1252"],
    ),
    "fr": (
        "Le conseil municipal a voté mardi soir le budget de l’année prochaine. « Nous avons fait des choix "
        "difficiles », a déclaré le maire, qui prévoit une hausse de 3 % des dépenses d’éducation et la "
        "rénovation de la bibliothèque du quartier. Les élus de l’opposition ont dénoncé un manque de concertation.",
        ["cp1252"],
    ),
    "pl": (
        "Rada miasta zdecydowała we wtorek o budowie nowej linii tramwajowej. Według urzędników inwestycja "
        "pochłonie około 300 milionów złotych, a pierwsze składy pojadą po nowych torach za trzy lata. "
        "Mieszkańcy, którzy od lat czekają na lepsze połączenie z centrum, przyjęli tę decyzję z ulgą.",
        ["cp1250", "iso8859_2"],
    ),
    "cs": (
        "Vláda ve středu schválila návrh zákona o podpoře obnovitelných zdrojů energie. Podle ministra "
        "průmyslu by se díky novým pravidlům mohly rychleji stavět větrné elektrárny, které dnes čekají na "
        "povolení i několik let. Opozice kritizuje, že zákon přichází příliš pozdě.",
        ["cp1250", "iso8859_2"],
    ),
    "ru": (
        "Центральный банк в пятницу повысил ключевую ставку до шестнадцати процентов годовых. По словам "
        "председателя банка, решение принято из-за ускорения инфляции и высокого спроса на кредиты. Аналитики "
        "ожидают, что ставки по ипотеке и потребительским кредитам вырастут уже в ближайшие недели.",
        ["cp1251", "koi8_r"],
    ),
    "uk": (
        "Міська рада ухвалила рішення про ремонт центральної бібліотеки. Роботи мають розпочатися навесні "
        "й тривати близько року, а читачі тим часом зможуть користуватися тимчасовим приміщенням у школі. "
        "Депутати також погодили додаткові кошти на придбання нових книжок.",
        ["cp1251", "koi8_u"],
    ),
    "el": (
        "Το δημοτικό συμβούλιο ενέκρινε την Τρίτη τον προϋπολογισμό της επόμενης χρονιάς. Σύμφωνα με τον "
        "δήμαρχο, οι δαπάνες για την παιδεία θα αυξηθούν κατά τρία τοις εκατό, ενώ θα ανακαινιστεί και η "
        "δημοτική βιβλιοθήκη. Η αντιπολίτευση κατήγγειλε έλλειψη διαβούλευσης.",
        ["cp1253", "iso8859_7"],
    ),
    "tr": (
        "Belediye meclisi salı günü yeni tramvay hattının yapımına karar verdi. Yetkililere göre yatırım "
        "yaklaşık üç yüz milyon liraya mal olacak ve ilk seferler üç yıl içinde başlayacak. Yıllardır şehir "
        "merkezine daha iyi bir bağlantı bekleyen mahalle sakinleri kararı memnuniyetle karşıladı.",
        ["cp1254"],
    ),
    "he": (
        "מועצת העיר החליטה ביום שלישי להקים קו רכבת קלה חדש. לדברי פקידי העירייה, עלות הפרויקט תגיע "
        "לכשלוש מאות מיליון שקלים, והרכבות הראשונות יתחילו לנסוע בעוד שלוש שנים. התושבים, שחיכו שנים "
        "לחיבור טוב יותר למרכז העיר, בירכו על ההחלטה.",
        ["cp1255"],
    ),
    "ar": (
        "قرر المجلس البلدي يوم الثلاثاء إنشاء خط جديد للترام. وبحسب مسؤولي البلدية، ستبلغ تكلفة المشروع نحو "
        "ثلاثمائة مليون، ومن المتوقع أن تبدأ القطارات الأولى العمل بعد ثلاث سنوات. ورحب السكان الذين انتظروا "
        "طويلا وسيلة نقل أفضل إلى وسط المدينة بهذا القرار.",
        ["cp1256"],
    ),
    "ja": (
        "市議会は火曜日、新しい路面電車の路線を建設することを決めた。市の担当者によると、事業費はおよそ三百億円で、"
        "最初の列車は三年後に走る予定だという。長年、中心部へのより良い交通手段を待っていた住民は、この決定を歓迎している。",
        ["shift_jis", "euc_jp"],
    ),
    "ko": (
        "시의회는 화요일 새로운 노면전차 노선을 건설하기로 결정했다. 시 관계자에 따르면 사업비는 약 삼천억 원이며, "
        "첫 열차는 삼 년 뒤에 운행될 예정이다. 오랫동안 도심으로 가는 더 나은 교통편을 기다려 온 주민들은 이번 결정을 환영했다.",
        ["euc_kr"],
    ),
    "zh-cn": (
        "市议会周二决定修建一条新的有轨电车线路。据市政官员介绍，该项目投资约为三十亿元，首批列车预计将在三年后开通运营。"
        "多年来一直等待更便捷的市中心交通的居民对这一决定表示欢迎。",
        ["gb18030"],
    ),
    "zh-tw": (
        "市議會週二決定興建一條新的輕軌電車路線。據市府官員表示，該項目投資約為三十億元，首批列車預計將在三年後通車營運。"
        "多年來一直期待更便捷市中心交通的居民對這項決定表示歡迎。",
        ["big5"],
    ),
}
CASES = [(lang, cs) for lang, (_, charsets) in TEXTS.items() for cs in charsets]


def _decoded(data: bytes, **meta) -> Document:
    doc = Document(id="t", raw=data, format="text", metadata=dict(meta))
    DecodeStage({}).process(doc)
    return doc


@pytest.mark.parametrize("lang,charset", CASES, ids=[f"{lang}-{cs}" for lang, cs in CASES])
def test_undeclared_legacy_text_is_decoded_exactly(lang, charset):
    text = TEXTS[lang][0]
    for piece in (text, text[: len(text) // 2]):  # a paragraph, and half of one
        doc = _decoded(piece.encode(charset))
        assert "\n".join(ln.text for ln in doc.lines) == piece, (lang, charset, doc.charset)
        assert doc.charset["from"] == "detected"
        # the charset reported reads the bytes as this one does (cp1252 for English, not cp1250)
        assert piece.encode(charset).decode(doc.charset["name"]) == piece


def test_the_issues_examples_read_as_cp1252_and_are_not_flagged():
    doc = cleaner.clean(TEXTS["en"][0].encode("cp1252"), format="text")
    assert "Toyota’s" in doc.text and "Café" in doc.text and "“hybrid”" in doc.text
    rec = doc.to_record()
    assert rec["charset"]["name"] == "cp1252" and rec["charset"]["from"] == "detected"
    assert rec["charset"]["confidence"] >= 0.9 and rec["charset"]["flagged"] is False


def test_a_guess_from_too_little_text_is_flagged():
    doc = cleaner.clean(b"\xb9\xe6", format="text")
    assert doc.charset["from"] == "detected"
    assert doc.charset["flagged"] is True and doc.charset["confidence"] < 0.6


@pytest.mark.parametrize("how", ["bom", "http", "meta", "given"])
def test_a_declared_charset_wins_over_detection(how):
    # KOI8-R bytes that read as Russian also read as other, wrong, text in cp1251:
    # what the declaration says is what the bytes are decoded as
    text = TEXTS["ru"][0]
    data = text.encode("koi8_r")
    if how == "bom":
        data = codecs.BOM_UTF8 + "Привет".encode()
        doc = _decoded(data)
        assert doc.charset == {"name": "utf-8", "from": "bom", "confidence": 1.0, "flagged": False}
        assert doc.lines[0].text == "Привет"
        return
    if how == "http":
        doc = _decoded(data, http_charset="windows-1251")
        assert doc.charset["name"] == "cp1251" and doc.charset["from"] == "http"
        assert doc.lines[0].text == data.decode("cp1251")
        assert "http_charset" not in doc.metadata  # said once, in the record's charset
    elif how == "meta":
        page = b'<html><head><meta charset="windows-1251"></head><body><p>' + data + b"</p></body></html>"
        doc = cleaner.clean(page)
        assert doc.charset["name"] == "cp1251" and doc.charset["from"] == "meta"
    else:
        doc = cleaner.clean(data, format="text", charset="cp1251")
        assert doc.charset == {"name": "cp1251", "from": "given", "confidence": 1.0, "flagged": False}
        assert doc.text == data.decode("cp1251").strip()
        doc = cleaner.clean(data, format="text", charset="KOI8-R")
        assert doc.text == text and doc.charset["from"] == "given"


def test_utf8_comes_before_guessing_and_a_wrong_declaration_falls_through():
    text = TEXTS["de"][0]
    assert decode(text.encode("utf-8")).source == "utf-8"
    # a page that says UTF-8 but is in cp1252: the declaration does not decode it, detection does
    page = b'<meta charset="utf-8"><p>' + text.encode("cp1252") + b"</p>"
    d = decode(page, guess=DecodeStage({}).guesser().guess)
    assert d.source == "detected" and d.encoding == "cp1252" and text in d.text


def test_unknown_charset_names_are_refused():
    with pytest.raises(ValueError, match="unknown charset 'klingon'"):
        cleaner.clean(b"abc", charset="klingon")
    with pytest.raises(ConfigError, match="decode.charset"):
        DecodeStage({"charset": "klingon"})


def test_text_input_has_no_charset_in_its_record():
    rec = cleaner.clean("Plain text, already decoded.", format="text").to_record()
    assert "charset" not in rec


def test_cli_charset_option_and_record(tmp_path, cli):
    src = tmp_path / "ru.txt"
    src.write_bytes(TEXTS["ru"][0].encode("koi8_r"))
    out = tmp_path / "out.jsonl"
    r = cli("clean", src, "-o", out, "-q")
    assert r.rc == 0, r
    rec = json.loads(out.read_text(encoding="utf-8"))
    assert rec["charset"]["name"] == "koi8-r" and rec["charset"]["from"] == "detected"
    assert rec["text"].startswith("Центральный банк")
    # the user who knows: --charset overrides (here, wrongly, to show it does)
    r = cli("clean", src, "-o", tmp_path / "given.jsonl", "-q", "--charset", "windows-1251")
    assert r.rc == 0, r
    rec = json.loads((tmp_path / "given.jsonl").read_text(encoding="utf-8"))
    assert rec["charset"] == {"name": "cp1251", "from": "given", "confidence": 1.0, "flagged": False}
    r = cli("clean", src, "-o", tmp_path / "x.jsonl", "--charset", "klingon")
    assert r.rc == 2 and "unknown charset 'klingon'" in r.stderr
    r = cli("explain", src, "--charset", "koi8-r")
    assert r.rc == 0 and "Центральный банк" in r.stdout and '"from": "given"' in r.stderr
