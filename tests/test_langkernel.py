"""The compiled language detection (cleaner/langkernel.py) against langdetect itself.

``langkernel.probabilities`` must give exactly what langdetect's
``Detector.get_probabilities()`` gives -- the same languages in the same order
and bit for bit the same probability floats (compared as ``float.hex``) -- and
raise the same ``LangDetectException`` where langdetect finds no features.
Checked on every fixture text (whole and line by line), on texts in many
scripts, on edge cases, over seeds, trial counts and length limits, on random
text, and (when the shared evaluation data is present) on the language
stage's sample of every evaluation document. The pieces are checked too:
CPython's Mersenne Twister, ``random``, ``choice`` and ``gauss``, and builtin
``sum`` (both the pre-3.12 and the 3.12+ algorithm, the other one against
another Python interpreter when one is installed).
"""

from __future__ import annotations

import glob
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langdetect import detector_factory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.language import Language

from cleaner import langkernel
from cleaner.document import Document
from cleaner.stages.language import LanguageStage

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
sys.path.insert(0, str(REPO / "benchmarks"))

import evalsets  # noqa: E402

detector_factory.init_factory()
FACTORY = detector_factory._factory


# ------------------------------------------------------------------ helpers
@pytest.fixture(autouse=True)
def _keep_langdetect_seed():
    """Building a LanguageStage sets langdetect's global DetectorFactory.seed: put it back."""
    from langdetect import DetectorFactory

    seed = DetectorFactory.seed
    yield
    DetectorFactory.seed = seed


def outcome_of(fn: Any) -> Any:
    """[(lang, prob.hex())] of a get_probabilities-like call, or the exception's (type, code, message)."""
    try:
        return [(x.lang, float(x.prob).hex()) for x in fn()]
    except LangDetectException as exc:
        return ("LangDetectException", exc.code, str(exc))


def reference(text: str, seed: int = 0, trials: int = 3, max_len: int = 10000) -> Any:
    """langdetect's own Detector."""

    def run() -> list[Language]:
        detector = FACTORY.create()
        detector.seed = seed  # what DetectorFactory.seed gives a new detector
        detector.n_trial = trials
        detector.set_max_text_length(max_len)
        detector.append(text)
        return detector.get_probabilities()

    return outcome_of(run)


def kernel(text: str, seed: int = 0, trials: int = 3, max_len: int = 10000) -> Any:
    return outcome_of(lambda: langkernel.probabilities(text, seed, trials, max_len))


def assert_same(text: str, seed: int = 0, trials: int = 3, max_len: int = 10000) -> Any:
    ref = reference(text, seed, trials, max_len)
    got = kernel(text, seed, trials, max_len)
    assert got == ref, (text[:200], seed, trials, max_len)
    return ref


NO_FEATURES = ("LangDetectException", ErrorCode.CantDetectError, "No features in text.")


def fixture_texts() -> list[tuple[str, str]]:
    """(name, text) of every fixture input: the .txt and .html files and the jsonl records' texts."""
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        rel = str(path.relative_to(FIXTURES))
        if path.suffix in (".txt", ".html", ".htm"):
            data = path.read_bytes()
            try:
                out.append((rel, data.decode("utf-8")))
            except UnicodeDecodeError:  # a page in its declared windows-1252
                out.append((rel, data.decode("cp1252", "replace")))
        elif path.suffix == ".jsonl":
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
                rec = json.loads(line)
                for key in ("text", "html", "truth"):
                    if isinstance(rec.get(key), str):
                        out.append((f"{rel}:{n}:{key}", rec[key]))
    assert len(out) > 60
    return out


VI = "Tiếng Việt là ngôn ngữ chính thức của Việt Nam, được sử dụng rộng rãi trong đời sống hằng ngày."
SCRIPTS = {
    "en": "The city council approved the new budget on Tuesday after a long debate about schools and roads.",
    "de": "Der Stadtrat hat am Dienstag den Haushalt beschlossen. Straßenbahn, Größe, Übermorgen, ÄÖÜ äöü ß.",
    "fr": "Le conseil municipal a adopté le budget mardi soir : « une étape importante », a déclaré le maire. Œuvre, cœur.",
    "es": "¿Dónde está la biblioteca? ¡El mercado abrió sus puertas! La señora Núñez compró piñas y jamón.",
    "pl": "Zażółć gęślą jaźń. Rada miasta przyjęła budżet po długiej dyskusji o szkołach i drogach.",
    "cs": "Příliš žluťoučký kůň úpěl ďábelské ódy. Městská rada schválila rozpočet.",
    "tr": "İstanbul'da belediye meclisi bütçeyi onayladı. Işık, ğ, ş, ç, ö, ü harfleri ve İIıi.",
    "ro": "Consiliul local a aprobat bugetul. Știri, țară, şcoală, ţară: ș ț Ș Ț ş ţ.",
    "vi": VI,
    "vi-nfd": unicodedata.normalize("NFD", VI),
    "vi-marks": "A\u0300 a\u0301 E\u0303 o\u0309 u\u0323 Y\u0300 Ơ\u0301 ư\u0323 \u0301 x\u0301 Ă\u0303",
    "latin-ext-additional": "Ḁḁ Ṡṡ ẞ ỹ Ỳ ạ ả ấ Ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ ẹ ẻ ẽ ế ề ể ễ ệ Ḃḃ Ḋḋ",
    "latin1-excluded": "¡¿«»×÷°±²³µ¶·¹º¼½¾ caf\u00e9 na\u00efve \u00a0 \u00ad soft",
    "ru": "Городской совет утвердил бюджет во вторник после долгих споров о школах и дорогах. ЁЛКА ёлка.",
    "uk": "Міська рада ухвалила бюджет у вівторок. Їжак, євро, ґанок, і Ї Є Ґ.",
    "bg": "Общинският съвет прие бюджета във вторник след дълъг дебат за училищата.",
    "el": "Το δημοτικό συμβούλιο ενέκρινε τον προϋπολογισμό την Τρίτη. ΑΘΗΝΑ Αθήνα ς σ Σ.",
    "ar": "وافق مجلس المدينة على الميزانية الجديدة يوم الثلاثاء بعد نقاش طويل حول المدارس والطرق.",
    "fa": "شورای شهر بودجه جدید را روز سه‌شنبه تصویب کرد. ایران یک کشور بزرگ است. ی ي ك ک",
    "he": "מועצת העיר אישרה את התקציב החדש ביום שלישי לאחר ויכוח ארוך.",
    "hi": "नगर परिषद ने मंगलवार को लंबी बहस के बाद नए बजट को मंजूरी दी।",
    "th": "สภาเมืองอนุมัติงบประมาณใหม่เมื่อวันอังคารหลังจากการอภิปรายอันยาวนาน",
    "zh-cn": "市议会周二在经过关于学校和道路的长时间辩论后批准了新预算。北京是中华人民共和国的首都。",
    "zh-tw": "市議會週二在經過關於學校和道路的長時間辯論後批准了新預算。臺灣的國語與廣東話。",
    "ja": "市議会は火曜日、学校と道路についての長い議論の後、新しい予算を承認した。カタカナとひらがな。ｶﾀｶﾅ",
    "ko": "시의회는 화요일 학교와 도로에 관한 긴 토론 끝에 새 예산을 승인했다. 한국어 텍스트입니다.",
    "bopomofo": "ㄅㄆㄇㄈ ㄉㄊㄋㄌ ㆠㆡㆢ 注音符號",
    "mixed": "The Министерство announced 東京 plans; Παρίσι and باريس agreed — 서울 too. Ölpreis ÉTÉ été.",
    "mostly-cyrillic": "Москва Moscow Россия Russia Санкт-Петербург Петербург столица страны город",
    "urls-emails": (
        "Visit https://example.com/path?q=1&x=y#frag or http://t.co/abc and www.example.org; mail "
        "john.doe@example.com, x@y, a-b_c.d@sub-domain.example.co.uk or @handle. Read more at "
        "https://news.example.com/2024/01/02/some-long-article-title-here.html today."
    ),
    "all-caps": "NASA AND THE EUROPEAN SPACE AGENCY SAID ON MONDAY. McDONALD'S iPhone ABC def GHi XYZ xyZ A B C",
    "emoji": "Great news 😀🎉 for everyone! 𝐀𝐁𝐂 𝐚𝐛𝐜 𝒜𝒷 𠀀𠀁𠀂 ☕ text 👍🏽 end 🇩🇪 \U0010fffd",
    "punctuation-in-latin-range": "a_b^c`d[e]f\\g ABC[DEF]ghi `quoted` snake_case_name ^caret^",
    "general-punctuation": "“quoted” — dash… ‘x’ • bullet ‰ ′ ″ \u200b zero\u200dwidth \u2028 line",
    "whitespace": "word\t\tword\n\nword   word \u00a0 \u3000 word\r\nend     of      text  ",
    "surrogates": "lone \ud800 surrogate \udfff in text with words",
    "controls": "null\x00byte\x01\x7f and \x85 next line \ufeff bom \ufffd replacement",
}


# ------------------------------------------------------------------ whole results
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_equal_langdetect(name: str) -> None:
    text = SCRIPTS[name]
    ref = assert_same(text)
    assert ref != NO_FEATURES
    for max_len in (10000, 40, 7, 1):
        assert_same(text, max_len=max_len)
    assert_same(text * 40, max_len=1500)  # truncation in the middle of the text


def test_scripts_detect_their_language() -> None:
    # a sanity check of the comparison itself: real results, not all "no features"
    for name in ("en", "de", "fr", "es", "ru", "ar", "el", "ko", "ja", "th", "he", "hi", "vi"):
        got = langkernel.probabilities(SCRIPTS[name] * 3, 0, 3, 10000)
        assert got and got[0].lang == name, (name, got)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "     ",
        "\n\t\r ",
        "12345 67890",
        "!!! ??? ... ,,, ;;",
        "3.14 -- 2,718 / 42 %",
        "— – … “ ” ‘ ’ •",
        "😀🎉👍🏽",
        "١٢٣ ٤٥٦",
        "http://example.com/only-a-url",
        "someone@example.com",
    ],
)
def test_no_features_is_the_same_exception(text: str) -> None:
    assert assert_same(text) == NO_FEATURES
    assert langkernel.probabilities_array(text, 0, 3, 10000) is None


def test_length_limits_zero_and_negative() -> None:
    for max_len in (0, -5):
        assert assert_same("Plenty of English text here.", max_len=max_len) == NO_FEATURES


def test_no_trials_gives_an_empty_list() -> None:
    assert assert_same(SCRIPTS["en"], trials=0) == []


@pytest.mark.parametrize("seed", [0, 1, 2, 42, 12345, 2**32 - 1, 2**32, 2**40 + 3, 2**100 + 7, -1, -999])
def test_seeds_equal_langdetect(seed: int) -> None:
    for name in ("en", "mixed", "ja", "all-caps", "vi-nfd"):
        assert_same(SCRIPTS[name], seed=seed)


@pytest.mark.parametrize("trials", [1, 2, 3, 4, 7, 10])
def test_trial_counts_equal_langdetect(trials: int) -> None:
    for name in ("en", "fr", "mixed", "zh-cn", "emoji", "urls-emails"):
        assert_same(SCRIPTS[name], trials=trials)


def test_ambiguous_short_texts_equal_langdetect() -> None:
    # short, ambiguous texts run many iterations (up to the limit) and keep several languages
    for text in [
        "Hotel Restaurant Taxi Pizza Radio Film Internet Computer Musik Bar Café Auto Park Bank",
        "a",
        "ab",
        "OK",
        "Ok ok",
        "x y z",
        "é",
        "ß",
        "Ω",
        "ж",
        "ا",
        "あ",
        "ア",
        "한",
        "中",
    ]:
        for seed in (0, 7):
            for trials in (1, 3, 7):
                assert_same(text, seed=seed, trials=trials)


def test_fixture_texts_equal_langdetect() -> None:
    texts = fixture_texts()
    for _name, text in texts:
        for max_len in (10000, 1500, 800):
            assert_same(text, max_len=max_len)


def test_fixture_lines_equal_langdetect() -> None:
    n = 0
    for _name, text in fixture_texts():
        for line in text.split("\n"):
            if line.strip():
                assert_same(line, max_len=1500)
                n += 1
    assert n > 1000


# ------------------------------------------------------------------ random text
SCRIPT_CHARS = "".join(SCRIPTS.values())
ALPHABET = st.one_of(
    st.sampled_from(sorted(set(SCRIPT_CHARS))),
    st.sampled_from(list("AaBbZz[\\]^_`  \t\n.,:;!?@/-0123456789")),
    st.characters(min_codepoint=0x80, max_codepoint=0x2FFF),
    st.characters(min_codepoint=0x3000, max_codepoint=0xFFFF, exclude_categories=()),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
WORDS = [
    "the",
    "and",
    "Der",
    "und",
    "le",
    "de",
    "NASA",
    "USA",
    "iPhone",
    "http://x.co/a",
    "a@b.cd",
    "https://example.com/x?y=z",
    "Việt",
    "e\u0301",
    "a\u0323",
    "東京",
    "ひらがな",
    "カタカナ",
    "한국",
    "Москва",
    "Αθήνα",
    "القاهرة",
    "ș",
    "ț",
    "   ",
    "\n",
    "😀",
    "𝐀𝐁",
    "ABC",
    "AbC",
]
text_st = st.lists(
    st.one_of(st.text(alphabet=ALPHABET, min_size=1, max_size=15), st.sampled_from(WORDS)),
    min_size=0,
    max_size=60,
).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=text_st,
    seed=st.one_of(st.just(0), st.integers(-(2**70), 2**70)),
    trials=st.integers(0, 8),
    max_len=st.sampled_from([10000, 1500, 60, 5]),
)
def test_random_text_equals_langdetect(text: str, seed: int, trials: int, max_len: int) -> None:
    assert_same(text, seed, trials, max_len)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=ALPHABET, max_size=200))
def test_count_alpha_equals_str_isalpha(text: str) -> None:
    assert langkernel.count_alpha(text) == sum(ch.isalpha() for ch in text)


# ------------------------------------------------------------------ the pieces
def test_tables_equal_langdetects_functions() -> None:
    from langdetect.utils.ngram import NGram

    chars, _ = langkernel.tables()
    cps = list(range(0, 0x10000, 7)) + [0x219, 0x21B, 0x6CC, 0x1EA0, 0x3042, 0x30A2, 0x3105, 0xAC00, 0x4E00]
    for cp in cps:
        ch = chr(cp)
        e = int(chars[cp])
        assert e & langkernel._CODE_MASK == ord(NGram.normalize(ch))
        assert bool(e & langkernel.F_UPPER) == NGram.normalize(ch).isupper()
        assert bool(e & langkernel.F_ALPHA) == ch.isalpha()
        latin = "A" <= ch <= "z"
        assert bool(e & langkernel.F_NONLATIN) == (not latin and langkernel._nonlatin(ch))
    astral = "𝐀𝐚😀𠀀"
    langkernel.code_points(astral)
    for ch in astral:
        e = int(chars[ord(ch)])
        assert e & langkernel._CODE_MASK == ord(NGram.normalize(ch))
        assert bool(e & langkernel.F_UPPER) == NGram.normalize(ch).isupper()


def test_ngrams_equal_extract_ngrams() -> None:
    m = langkernel.model()
    words = list(FACTORY.word_lang_prob_map)
    for text in [SCRIPTS[k] for k in ("en", "mixed", "all-caps", "vi-nfd", "mostly-cyrillic", "emoji")]:
        detector = FACTORY.create()
        detector.append(text)
        detector.cleaning_text()
        ref = detector._extract_ngrams()
        got = [words[r] for r in langkernel.ngram_rows(text, 10000)]
        assert got == ref
    # the sparse rows hold the profile's probabilities
    for r in (0, 1, len(words) // 2, len(words) - 1):
        row = np.zeros(m.nlang)
        a, b = m.indptr[r], m.indptr[r + 1]
        row[m.cols[a:b]] = m.vals[a:b]
        assert row.tolist() == FACTORY.word_lang_prob_map[words[r]]


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 3, -5])
def test_mersenne_twister_equals_random(seed: int) -> None:
    rng = random.Random(seed)
    mt = langkernel._mt_state(seed).copy()
    assert [int(langkernel._genrand(mt)) for _ in range(2000)] == [rng.getrandbits(32) for _ in range(2000)]
    assert [float(langkernel._random(mt)).hex() for _ in range(1500)] == [
        rng.random().hex() for _ in range(1500)
    ]
    for n in (1, 2, 3, 5, 7, 8, 9, 255, 256, 257, 1000, 4999, 2**20 - 1, 2**31 + 5):
        k = n.bit_length()
        assert [int(langkernel._randbelow(mt, n, k)) for _ in range(50)] == [
            rng._randbelow(n) for _ in range(50)
        ]
    assert list(mt[:624]) == list(rng.getstate()[1][:624]) and mt[624] == rng.getstate()[1][624]


def test_gauss_equals_random_gauss() -> None:
    for seed in range(300):
        rng = random.Random(seed)
        mt = langkernel._mt_state(seed).copy()
        for _ in range(5):
            z1, z2 = langkernel._gauss_pair(mt)
            assert (rng.gauss(0.0, 1.0).hex(), rng.gauss(0.0, 1.0).hex()) == (
                (0.0 + z1).hex(),
                (0.0 + z2).hex(),
            )
            rng._randbelow(100)  # a choice between the calls, as in the trials
            langkernel._randbelow(mt, 100, 7)


def test_libm_functions_equal_pythons() -> None:
    # the kernel's log, sqrt, cos and sin (numba calls the C library, cos and sin
    # possibly as one sincos) against Python's math module, on random() draws and
    # on the edges of the ranges
    rng = random.Random(5)
    draws = [(rng.random(), rng.random()) for _ in range(100_000)]
    draws += [(0.0, 0.0), (0.25, 0.5), (0.5, 0.999), (1 - 2**-53, 1 - 2**-53), (2**-53, 2**-53)]
    draws += [
        (x / random.TWOPI, 0.5) for x in (0.855469, 0.8554, 0.8555, 2.426265, 2.4262, 2.4263, 2**-27, 2**-26)
    ]
    for u1, u2 in draws:
        x2pi = u1 * random.TWOPI
        g2rad = math.sqrt(-2.0 * math.log(1.0 - u2))
        want = (math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad)
        got = langkernel._box_muller(u1, u2)
        assert (got[0].hex(), got[1].hex()) == (want[0].hex(), want[1].hex()), (u1, u2)


def sum_cases() -> list[list[float]]:
    rng = random.Random(3)
    cases = [[rng.random() for _ in range(55)] for _ in range(200)]
    cases += [[rng.random() ** 30 for _ in range(55)] for _ in range(100)]
    cases += [
        [1e16, 1.0, -1e16, 3.0],
        [0.1] * 10,
        [1.0, 1e-17, 1e-17, 1e-17],
        [1e308, 1e308, -1e308],
        [1e-300] * 3 + [1.0],
        [2.0**-1074] * 5,
        [float("inf"), 1.0],
        [-0.0, -0.0],
    ]
    return cases


def test_builtin_sum_of_the_running_python() -> None:
    assert langkernel.NEUMAIER_SUM == (sys.version_info >= (3, 12))
    for xs in sum_cases():
        got = langkernel._py_sum(np.array(xs), langkernel.NEUMAIER_SUM)
        assert float(got).hex() == sum(xs).hex() or (math.isnan(got) and math.isnan(sum(xs))), xs


def other_pythons() -> list[str]:
    """Other CPython interpreters on this machine with the other sum() algorithm (3.12+ vs older)."""
    here = sys.version_info >= (3, 12)
    names = [shutil.which(f"python3.{v}") for v in range(10, 16)]
    names += glob.glob(str(Path(sys.base_prefix).parent / "3.*" / "bin" / "python3"))
    out = []
    for exe in dict.fromkeys(n for n in names if n):
        try:
            proc = subprocess.run(
                [exe, "-c", "import sys; print(sys.version_info >= (3, 10), sys.version_info >= (3, 12))"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.returncode == 0 and proc.stdout.split() == ["True", str(not here)]:
            out.append(exe)
    return out


def test_builtin_sum_of_another_python() -> None:
    others = other_pythons()
    if not others:
        pytest.skip("no Python interpreter with the other sum() algorithm installed")
    cases = sum_cases()
    proc = subprocess.run(
        [
            others[0],
            "-c",
            "import json,sys; print(json.dumps([sum(map(float.fromhex, xs)).hex() for xs in json.load(sys.stdin)]))",
        ],
        input=json.dumps([[x.hex() for x in xs] for xs in cases]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    for xs, want in zip(cases, json.loads(proc.stdout), strict=True):
        got = float(langkernel._py_sum(np.array(xs), not langkernel.NEUMAIER_SUM))
        assert got.hex() == want or (math.isnan(got) and want == "nan"), (xs, got.hex(), want)


def test_langdetect_under_another_python_equals_the_kernel_in_its_mode() -> None:
    # langdetect (pure Python, with six) run by another interpreter whose sum() differs
    others = other_pythons()
    if not others:
        pytest.skip("no Python interpreter with the other sum() algorithm installed")
    import langdetect
    import six

    cases = [
        (t, seed, trials, 10000) for t in list(SCRIPTS.values())[:20] for seed, trials in ((0, 3), (9, 7))
    ]
    cases += [(text, 0, 3, 800) for _name, text in fixture_texts()[:30]]
    script = (
        "import json,sys\nfrom langdetect import detector_factory\n"
        "from langdetect.lang_detect_exception import LangDetectException\n"
        "detector_factory.init_factory(); f = detector_factory._factory; out = []\n"
        "for text, seed, trials, max_len in json.load(sys.stdin):\n"
        "    d = f.create(); d.seed = seed; d.n_trial = trials; d.set_max_text_length(max_len); d.append(text)\n"
        "    try:\n        out.append([[x.lang, x.prob.hex()] for x in d.get_probabilities()])\n"
        "    except LangDetectException as e:\n        out.append(str(e))\n"
        "print(json.dumps(out))\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(Path(langdetect.__file__).parent, Path(tmp) / "langdetect")
        os.symlink(six.__file__, Path(tmp) / "six.py")
        env = {**os.environ, "PYTHONPATH": tmp, "PYTHONIOENCODING": "utf-8"}
        proc = subprocess.run(
            [others[0], "-c", script],
            input=json.dumps(cases),
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            cwd=tmp,
        )
    if proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr:
        pytest.skip(f"langdetect does not import under {others[0]}: {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stderr
    theirs = json.loads(proc.stdout)
    other_mode = not langkernel.NEUMAIER_SUM
    differs = 0
    for (text, seed, trials, max_len), want in zip(cases, theirs, strict=True):
        lp = langkernel.probabilities_array(text, seed, trials, max_len, neumaier=other_mode)
        if lp is None:
            assert want == "No features in text."
            continue
        res = [Language(lang, p) for lang, p in zip(FACTORY.langlist, lp.tolist(), strict=True) if p > 0.1]
        res.sort(reverse=True)
        assert [[x.lang, x.prob.hex()] for x in res] == want, text[:100]
        differs += [tuple(x) for x in want] != reference(text, seed, trials, max_len)
    print(f"{differs} of {len(cases)} results differ between this Python and {others[0]}")


# ------------------------------------------------------------------ the stage
@pytest.mark.parametrize(
    "options", [{}, {"sample_chars": 800}, {"sample_chars": 300, "trials": 7, "seed": 5, "min_chars": 10}]
)
def test_stage_detect_equals_the_langdetect_path(options: dict[str, Any]) -> None:
    stage = LanguageStage(options)
    texts = [t for _n, t in fixture_texts()[:: 1 if not options else 4]] + list(SCRIPTS.values())
    texts += [line for t in texts[::5] for line in t.split("\n")[:20]]
    for text in texts:
        assert stage.detect(text) == stage.detect_reference(text), text[:100]


def eval_samples(stage_options: list[dict[str, Any]]) -> list[tuple[LanguageStage, list[str]]]:
    """The language stage's sample of the text dump of every evaluation page, as the
    default pipeline gives it to the stage (decode, extract, encoding before it)."""
    import cleaner

    pipe = cleaner.Pipeline.from_yaml()
    names = [s.name for s in pipe.stages]
    before = pipe.stages[: names.index("language")]
    stages = [LanguageStage(o) for o in stage_options]
    out: list[list[str]] = [[] for _ in stages]
    for page in evalsets.readability_pages() + evalsets.trafilatura_pages():
        doc = Document(id=page.name, raw=evalsets.text_dump(page.html), format="text")
        for st_ in before:
            st_.process(doc)
            if not doc.active:
                break
        if doc.active:
            for samples, stage in zip(out, stages, strict=True):
                samples.append(stage.sample(doc))
    return list(zip(stages, out, strict=True))


@pytest.mark.slow
@pytest.mark.skipif(not evalsets.eval_available(), reason="shared evaluation data absent")
def test_eval_documents_equal_the_langdetect_path() -> None:
    pipeline_options = {"sample_chars": 800}  # rules/default.yaml
    (stage, samples), (stage_1500, samples_1500) = eval_samples([pipeline_options, {}])
    assert len(samples) > 1000
    same = sum(stage.detect(s) == stage.detect_reference(s) for s in samples)
    assert same == len(samples)
    # with the stage's own default sample (1500 characters), half of them
    for s in samples_1500[::2]:
        assert stage_1500.detect(s) == stage_1500.detect_reference(s)
    # and the full probability lists of a few hundred
    for s in samples[::4]:
        assert_same(s, 0, 3, 800)


def test_cached_arrays_equal_freshly_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the model and tables of langdetect's shared factory are kept on disk
    # between runs; read back, they are the arrays built from langdetect itself
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(langkernel, "_models", {})
    built = langkernel._Model(FACTORY).arrays()
    first = langkernel.model()  # builds and writes the cache
    assert list(tmp_path.glob("data/langkernel-model-*.npz"))
    monkeypatch.setattr(langkernel, "_models", {})
    second = langkernel.model()  # reads it
    assert second._factory is None  # langdetect's profiles were not loaded for it
    for arrays in (first.arrays(), second.arrays()):
        assert set(arrays) == set(built)
        for k, v in built.items():
            assert np.array_equal(arrays[k], v), k
    text = "Der Hund läuft schnell über die Straße."
    assert [(x.lang, x.prob) for x in langkernel.probabilities(text, 0, 3)] == [
        (x.lang, x.prob) for x in langkernel.reference_probabilities(text, 0, 3, factory=FACTORY)
    ]
    # a damaged cache file is built again, not trusted
    for f in tmp_path.glob("data/langkernel-model-*.npz"):
        f.write_bytes(b"not an npz")
    monkeypatch.setattr(langkernel, "_models", {})
    assert np.array_equal(langkernel.model().vals, built["vals"])


def test_cached_tables_equal_freshly_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    fresh = langkernel._char_tables("".join(map(chr, range(0x10000))))
    for _ in range(2):  # build and write, then read
        monkeypatch.setattr(langkernel, "_tables", None)
        assert np.array_equal(langkernel.tables()[0][:0x10000], fresh)
    assert list(tmp_path.glob("data/langkernel-tables-*.npz"))
