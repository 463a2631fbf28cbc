"""Translation-artifact detection and safe repairs (cleaner/artifacts.py, the artifacts stage)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.artifacts import DEFAULT_REPAIRS, Detector, detect, load_data, repair
from cleaner.document import Document, Line
from cleaner.errors import ConfigError
from cleaner.stages.artifacts import ArtifactsStage

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "artifacts"

DET = Detector()


def kinds(text: str, lang: str | None = "en") -> list[str]:
    return [h.kind for h in DET.scan(text, lang)]


def hits_of(text: str, kind: str, lang: str | None = "en"):
    return [h for h in DET.scan(text, lang) if h.kind == kind]


def spans(text: str, kind: str, lang: str | None = "en") -> list[str]:
    return [text[h.start : h.end] for h in hits_of(text, kind, lang)]


def shared_dir() -> Path | None:
    env = os.environ.get("CLEANER_SHARED")
    p = Path(env).expanduser() if env else REPO.parent / "shared"
    return p if p.is_dir() else None


# ---------------------------------------------------------------- glued words
class TestGlued:
    def test_lowercase_join(self):
        text = "The lack of communicationbetween the two ministries slowed the response."
        assert spans(text, "glued-word") == ["communicationbetween"]

    def test_lowercase_join_with_function_word_first(self):
        text = "Officials met ofthe highest rank in the capital on Monday."
        assert spans(text, "glued-word") == ["ofthe"]

    def test_camel_join(self):
        text = "The decision came during Chancellor WeberFirst week in office, aides said."
        assert spans(text, "glued-word") == ["WeberFirst"]

    def test_possessive_join(self):
        for apostrophe in ("'", "’"):
            text = f"Germany{apostrophe}sforeign minister flew to Warsaw on Tuesday."
            assert spans(text, "glued-word") == [f"Germany{apostrophe}sforeign"]

    @pytest.mark.parametrize(
        "name",
        [
            "SolarWinds",
            "iPhone",
            "McDonald",
            "JavaScript",
            "GlaxoSmithKline",
            "YouTube",
            "PayPal",
            "DiCaprio",
            "LeBron",
            "MacArthur",
            "CrowdStrike",
            "LinkedIn",
        ],
    )
    def test_names_and_brands_are_not_glued(self, name):
        text = f"Analysts said {name} had been mentioned in the filing for the first time this year."
        assert "glued-word" not in kinds(text)

    def test_a_name_the_document_writes_capitalised_is_not_split(self):
        # the document's own name, lowercased once: not "solar wind" (no allow-list needed)
        text = "SolarWinds said on Monday that entities involved in solarwind cyber intrusions were named."
        assert "glued-word" not in kinds(text)
        # alone, two content words glued: found, but only an unsure repair
        hs = hits_of("entities involved in solarwind cyber intrusions were named", "glued-word")
        assert [h.sub for h in hs] == ["content"] and not hs[0].sure

    def test_glues_next_to_apostrophes_hyphens_and_brackets(self):
        text = "He said andthey’re ready for thiswell-timed move (pricesstart at ten) to the region."
        assert spans(text, "glued-word") == ["andthey", "thiswell", "pricesstart"]
        # two function words: sure; a split on "this" (a frequent word, not one of the
        # data's function words) or two content words: unsure
        assert [h.sure for h in hits_of(text, "glued-word")] == [True, False, False]
        fixed, reps = Detector(load_data(), threshold=1.01).repair(text, "en")  # never flagged
        assert "and they’re" in fixed and "thiswell-timed" in fixed
        assert "pricesstart" in fixed  # two content words: only in a flagged document
        # three marks in 15 words: flagged, but the unsure splits wait for two marks of other kinds
        assert detect(text, "en").flagged and "(pricesstart" in repair(text, "en")[0]
        more = text + " The the talks went on ."
        assert "(prices start" in repair(more, "en")[0]
        fixed, reps = Detector(
            {**load_data(), "repair_threshold": 0.0, "repair_other_events": 0}, threshold=0.0
        ).repair(text, "en")
        assert "this well-timed" in fixed and "(prices start" in fixed

    def test_sure_tier_needs_a_function_word_and_a_frequent_word(self):
        # wrong splits the fit part's clean bodies showed when any frequent word made a
        # split sure: a frequent word that is no function word (is, my) or a short part
        text = "Then we call isinstance on it and write myfolder to the disk every time."
        hs = hits_of(text, "glued-word")
        assert hs and not any(h.sure for h in hs)
        assert Detector(load_data(), threshold=1.01).repair(text, "en")[0] == text
        # a function word and a frequent word of four letters or more: sure
        hs = hits_of("They agreed to work togetheron the plan and the budget.", "glued-word")
        assert [(h.fix, h.sure) for h in hs] == [("together on", True)]

    def test_camel_case_is_an_unsure_repair_and_headline_names_stay(self):
        text = (
            "GoBank opens in Ohio\nThe bank said GoBank would open ten branches, and theWhite House agreed."
        )
        assert spans(text, "glued-word") == ["theWhite"]
        assert [h.sure for h in hits_of(text, "glued-word")] == [False]
        assert Detector(load_data(), threshold=1.01).repair(text, "en")[0] == text  # unflagged: left alone

    def test_a_word_after_a_slash_is_a_path_or_command_not_a_glue(self):
        text = "Changes in this version:\n+ Added /blockdata command\n+ Added /worldborder command for all"
        assert "glued-word" not in kinds(text)
        # after an opening bracket it is still looked at
        assert spans("The shop said (pricesstart at ten) for all of them.", "glued-word") == ["pricesstart"]

    def test_a_join_on_a_compound_head_is_weighed_apart_and_never_split(self):
        # super|, post|, hand| begin many listed words (supermarket, postwar, handmade):
        # a join on them reads as a new compound as often as a glue
        for token in ("supercrisp", "postconsumer", "handwarmer"):
            text = f"The jacket uses {token} fabric in the lining and the hood."
            hs = hits_of(text, "glued-word")
            assert [(h.sub, h.fix) for h in hs] == [("compound", None)], token
        # a first part that heads few compounds: a content join, split in a flagged document
        hs = hits_of("The company named a new chiefexecutive on Friday.", "glued-word")
        assert [(h.sub, h.fix) for h in hs] == [("content", "chief executive")]
        flagged = Detector({**load_data(), "repair_threshold": 0.0, "repair_other_events": 0}, threshold=0.0)
        text = "The jacket uses supercrisp fabric and the chiefexecutive liked it."
        assert flagged.repair(text, "en")[0] == text.replace("chiefexecutive", "chief executive")
        # a run of joins on one head is a naming pattern, compound or not: none counted
        line = "a supercrisp, superwarm, superthin, superquiet, superdry, superlong model"
        assert "glued-word" not in kinds(f"The new range has {line} for the winter.")

    def test_compound_heads_are_kept_in_the_cache_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
        heads = Detector().glued.words.compound_heads("en")
        assert {"super", "micro", "post", "hand"} <= heads and "serious" not in heads
        files = list(tmp_path.glob("data/artifacts-heads-*"))
        assert len(files) == 1 and files[0].suffix == ".json"
        assert sorted(json.loads(files[0].read_text())) == sorted(heads)
        # read back by a new detector; a damaged file is built again, not trusted
        assert Detector().glued.words.compound_heads("en") == heads
        for bad in (b"[1, 2", b'{"a": 1}', b"[1, 2]"):
            files[0].write_bytes(bad)
            assert Detector().glued.words.compound_heads("en") == heads

    def test_unsure_splits_need_other_marks_to_vouch_for_them(self):
        # a page flagged for its unsure glues alone (product names, compounds) keeps them
        det = Detector({**load_data(), "repair_threshold": 0.0}, threshold=0.0)
        assert det.repair_other_events == 2  # (the shipped setting)
        text = "The company named a new chiefexecutive on Friday after a long search."
        res = det.detect(text, "en")
        assert res.flagged and res.other_events == 0
        assert det.repair(text, "en")[0] == text
        # one mark of another kind is not enough, two are
        one = text + " They said the the search was long."
        assert det.detect(one, "en").other_events == 1 and "chiefexecutive" in det.repair(one, "en")[0]
        two = one + " It ended on Monday ."
        assert det.detect(two, "en").other_events == 2
        assert "chief executive" in det.repair(two, "en")[0]
        # marks that say little of damage (stray quote marks) do not vouch
        stray = text + "\nThe ” board met.\nThe ” staff left."
        assert det.detect(stray, "en").other_events == 0
        assert "chiefexecutive" in det.repair(stray, "en")[0]

    def test_urls_handles_hashtags_are_not_inspected(self):
        text = (
            "See https://example.org/communicationbetween/BidenFirst or write to press@ofthe-news.org, "
            "follow @communicationbetween and the tag #BidenFirst for updates."
        )
        assert "glued-word" not in kinds(text)

    def test_a_term_used_twice_is_not_a_glue(self):
        text = "The ClaimTask request comes first. Each ClaimTask request then waits for the queue."
        assert "glued-word" not in kinds(text)
        once = "Then he stood by the fence, and NextWork was where they met again."
        assert "glued-word" in kinds(once)

    def test_allow_list_from_caller(self):
        text = "Then he stood by the fence, and NextWork was where they met again."
        assert "glued-word" not in [
            h.kind for h in Detector(load_data(), allow=["NextWork"]).scan(text, "en")
        ]

    def test_real_words_are_not_glued(self):
        text = (
            "The smartphone maker said its cyberattack response and reelection of the board were unrelated."
        )
        assert "glued-word" not in kinds(text)

    def test_content_join_detected_but_not_repaired(self):
        text = "The company named a new chiefexecutive on Friday after a long search."
        hs = hits_of(text, "glued-word")
        assert [text[h.start : h.end] for h in hs] == ["chiefexecutive"]
        assert hs[0].fix == "chief executive" and not hs[0].sure  # repaired only in a flagged document
        assert Detector(load_data(), threshold=1.01).repair(text, "en")[0] == text
        flagged = Detector({**load_data(), "repair_threshold": 0.0, "repair_other_events": 0}, threshold=0.0)
        assert flagged.repair(text, "en")[0] == text.replace("chiefexecutive", "chief executive")
        # flagged, but with a score below repair_threshold: the unsure repair waits
        barely = Detector({**load_data(), "repair_threshold": 1.0, "repair_other_events": 0}, threshold=0.0)
        assert barely.detect(text, "en").flagged
        assert barely.repair(text, "en")[0] == text

    def test_names_glued(self):
        # two capitalised words glued, one of them written alone elsewhere in the document
        text = "Crash on the highway\nOfficials said KatieJohnson was in critical condition.\nJohnson was taken to a hospital."
        hs = hits_of(text, "glued-word")
        assert [(text[h.start : h.end], h.sub, h.sure) for h in hs] == [("KatieJohnson", "name", False)]
        # a naming pattern (one first part glued to many words) is no glue
        credits = "Storm photos\n" + "\n".join(
            f"Photo Credit{n} Lee for the paper" for n in ("Kevin", "Ellen", "Maria", "Pete")
        )
        assert "glued-word" not in kinds(credits)
        # (three are still counted)
        assert kinds(credits.rsplit("\n", 1)[0]).count("glued-word") == 3

    def test_lowercase_joins_off_for_compounding_languages(self):
        # German writes compounds as one word: no lowercase-join check there
        text = "Die Bundesregierung hat die Haushaltsplanung für das kommende Jahr vorgestellt."
        assert "glued-word" not in kinds(text, "de")


# ------------------------------------------------------ punctuation spacing
class TestPunctuationSpacing:
    def test_space_before_full_stop_and_comma(self):
        text = "The bank will stop buying sovereign debt .\nIt said so in a statement , adding little."
        assert spans(text, "space-before-punct") == ["debt .", "statement ,"]

    def test_space_after_closing_quote_before_comma(self):
        text = "“We will defend our schools.” , our hospitals and our roads, the mayor said."
        assert spans(text, "space-before-punct") == ["schools.” ,"]

    def test_ellipsis_decimals_and_lost_words_are_not_counted(self):
        for text in (
            "He paused ... and then went on with the speech.",
            "Rates rose by .5 percent in the spring.",
            "The transpose of the matrix is the product of , then the proof follows.",
        ):
            assert "space-before-punct" not in kinds(text), text

    def test_french_spacing_is_correct_in_french(self):
        text = "Faut-il s’en inquiéter ? Les opposants demandent : un audit indépendant ; rien de plus !"
        assert "space-before-punct" not in kinds(text, "fr")
        assert "space-before-punct" in kinds(text.replace("Faut-il s’en inquiéter ? ", ""), "en")

    def test_french_guillemets_are_not_quote_errors(self):
        text = "« Nous avons entendu les habitants », a déclaré l’adjointe. « Ce n’est pas un luxe ! »"
        assert not [k for k in kinds(text, "fr") if "quote" in k or k == "space-before-punct"]

    def test_missing_space_after_punctuation(self):
        text = "He spoke of shared interests.The talks ended late,and nobody left early."
        assert spans(text, "missing-space-after-punct") == [".", ","]

    def test_abbreviations_and_file_names_are_not_missing_spaces(self):
        text = "U.S.Army engineers and a Ph.D student used node.js and e.g. Python at example.com today."
        assert "missing-space-after-punct" not in kinds(text)


# ---------------------------------------------------------------------- quotes
class TestQuotes:
    def test_swapped_pair(self):
        text = "The two leaders could open” a new channel of talks “to ease tensions in the region."
        hs = hits_of(text, "reversed-quotes")
        assert len(hs) == 1 and hs[0].fix is not None
        assert "unbalanced-quotes" not in kinds(text)

    def test_flipped_glyphs(self):
        text = "She called the plan ”reckless“ and left the room."
        assert len(hits_of(text, "reversed-quotes")) == 1

    def test_opening_mark_used_as_closing(self):
        text = "We will defend our national interests “."
        assert spans(text, "reversed-quotes") == ["“"]

    def test_correct_quotes_have_no_findings(self):
        text = (
            "“We will not accept another delay,” the mayor said, “and neither will you.”\n"
            'He called it “great” and “fun” before he left. The sign said "closed" all day.\n'
            "„Wir haben die Bürger gehört“, sagte sie.\n"
            "“The first paragraph of a long quote runs on\n"
            "“and the second closes it.”"
        )
        assert not [k for k in kinds(text) if "quote" in k]

    def test_a_closing_low9_language_mark_is_not_reversed(self):
        # German closes „…“ with “: where the opening „ is missing from the text (a lost
        # line), the closing “ is a lone mark, not one put the wrong way round
        text = "Ein tolles Ergebnis für die Vereine im Vereinssport“, so die Sprecherin am Montag."
        assert "reversed-quotes" not in kinds(text, "de")
        assert "reversed-quotes" in kinds(text, "en")  # English: an opening mark used as closing
        # a flipped pair is still found in German
        assert "reversed-quotes" in kinds("Er nannte den Plan ”leichtsinnig“ und ging dann.", "de")
        # and German written with English-style marks has no finding
        assert not [k for k in kinds("Sie nannte es “eine Chance” und ging am Abend.", "de") if "quote" in k]
        # but an English-style opening mark closed by another “ is still a pair the wrong way round
        assert "reversed-quotes" in kinds("Sie nannte es “eine Chance“ und ging am Abend.", "de")
        # and a spaced English-style pair is still spaced
        assert "quote-spacing" in kinds("Sie nannte es “ eine Chance ” und ging am Abend.", "de")

    def test_unbalanced(self):
        text = "“When I spoke with him, I said we agree, “Smith said in a speech.\nThe next day was quiet."
        assert "unbalanced-quotes" in kinds(text)

    def test_quote_left_open_at_paragraph_end(self):
        text = "The minister spoke of “a new start for the region.\nThe opposition was not convinced."
        assert spans(text, "unbalanced-quotes") == ["“"]

    def test_space_inside_quotes(self):
        text = "The group was accused of carrying out “ unauthorised tests on the site, ” the report said."
        assert len(hits_of(text, "quote-spacing")) == 1  # one pair, one event

    def test_inch_marks_and_code_are_not_unbalanced(self):
        text = 'The 27" screen costs more.\nheaders: { "Content-Type" : "text/plain" }'
        assert "unbalanced-quotes" not in kinds(text)


# -------------------------------------------------------- capitalised function words
class TestCapitalisedFunctionWords:
    def test_link_text_marks(self):
        text = (
            "He raised recent cyber attacks To Suspected poisoning During his first call with the president."
        )
        assert spans(text, "capitalized-function-word") == ["To", "During"]

    def test_pronoun_mid_sentence(self):
        text = "The summit was agreed that week when He proposed a meeting in Geneva."
        assert spans(text, "capitalized-function-word") == ["He"]

    def test_titles_names_and_sentence_starts(self):
        for text in (
            "The mayor told The Independent that the plan was final.",
            "She reads The New York Times every morning.",
            "Their new album In Rainbows was released online.",
            "It rained. During the night the river rose.",
            "Officials at The Hague said the court would sit in April.",
        ):
            assert "capitalized-function-word" not in kinds(text), text

    def test_frequent_words_and_after_a_name_count_loosely(self):
        # a frequent word that is no function word, between two lowercase words; a function
        # word after a capitalised name: found, as the weaker "loose" evidence
        text = "The annual figure Is expected soon, and we believed that Nitesh Would speak the truth."
        hs = hits_of(text, "capitalized-function-word")
        assert [(text[h.start : h.end], h.sub) for h in hs] == [("Is", "loose"), ("Would", "loose")]
        assert [h.sub for h in hits_of(text.replace("Is", "To"), "capitalized-function-word")][0] == ""
        for text in (
            "The story ran in the magazine owned by Time Inc last year.",  # before a capitalised word
            "She met Anna Best at the fair in the spring.",  # a name: a frequent word after a name
        ):
            assert "capitalized-function-word" not in kinds(text), text


# ------------------------------------------ lowercase starts, repeats, fragments
class TestOtherDetectors:
    def test_lowercase_after_full_stop(self):
        text = "The ministry published the figures, the government said. sheet. A further eight were named."
        assert spans(text, "lowercase-sentence-start") == ["sheet"]

    def test_lowercase_after_other_stops_numbers_and_brackets(self):
        text = (
            "We tried it last year! there's more to come. Sales rose in 2021. similar trends held "
            "(see the site). in March the plan was stress-free. with a team ready."
        )
        assert spans(text, "lowercase-sentence-start") == ["there", "similar", "in", "with"]
        # initials and an abbreviation still pass
        assert "lowercase-sentence-start" not in kinds("Letters from Jerry M. chow and Dr. smith came.")

    def test_abbreviations_before_lowercase(self):
        text = "Some firms, e.g. the larger ones, met at 9 a.m. on Monday with approx. five officials and Mr. Lee."
        assert "lowercase-sentence-start" not in kinds(text)

    def test_repeated_word(self):
        assert spans("They voted for the the new budget on Tuesday.", "repeated-word") == ["the the"]

    def test_doubled_function_words_twice_are_two_slips(self):
        text = "They voted for the the new budget. Then the the mayor spoke, and you you know the rest."
        assert spans(text, "repeated-word") == ["the the", "the the", "you you"]
        # a content word doubled twice is a refrain
        refrain = "They built a tiny tiny house with a tiny tiny garden behind it."
        assert "repeated-word" not in kinds(refrain)
        assert spans(refrain.replace("a tiny tiny garden", "a garden"), "repeated-word") == ["tiny tiny"]

    def test_repeats_that_are_correct(self):
        for text in (
            "He said that that was the end of it.",
            "She had had enough of the delays.",
            "Sirhan Sirhan was named in the report.",
            "It was a new New Zealand record.",
        ):
            assert "repeated-word" not in kinds(text), text

    def test_foreign_fragment(self):
        en = (
            "The council approved the plan on Tuesday after a long debate about the budget and the roads.\n"
            "Le conseil municipal a adopté mardi soir un budget révisé après plus de quatre heures de débat "
            "dans la salle des fêtes.\n"
            "The vote was seven to two, and work on the first bridge will begin in April."
        )
        hs = hits_of(en, "foreign-fragment")
        assert [en[h.start : h.end][:10] for h in hs] == ["Le conseil"]
        fr_doc = en.split("\n")[1]
        assert "foreign-fragment" not in kinds(fr_doc, "fr")

    def test_derived_pair(self):
        assert spans("Biden performed the performance that week.", "derived-pair") == [
            "performed the performance"
        ]
        assert "derived-pair" not in kinds("They painted the painting and built the building.")


# ------------------------------------------------------------------ score and flag
class TestScore:
    ARTICLE = (FIXTURES / "clean" / "en-08-central-bank.txt").read_text(encoding="utf-8")

    def test_single_hit_does_not_flag(self):
        text = self.ARTICLE.replace("unchanged on Wednesday", "unchanged on Wednesday .", 1)
        res = detect(text, "en")
        assert [f["kind"] for f in res.findings] == ["space-before-punct"]
        assert not res.flagged
        short = "Prices rose by 2 percent in the year to March, the bureau said ."
        assert not detect(short, "en").flagged

    def test_many_hits_flag_and_findings_are_reported(self):
        damaged = (
            self.ARTICLE.replace("unchanged on", "unchanged on Wednesday .", 1)
            .replace("In a statement", "In a statement ,", 1)
            .replace("said price growth", "said pricegrowth", 1)
            .replace("the labour market", "the the labour market", 1)
            .replace("the first cut", "the first cut .", 1)
            .replace(". Economists", ". economists", 1)
        )
        res = detect(damaged, "en")
        assert res.flagged and 0.0 < res.score <= 1.0
        found = {f["kind"]: f for f in res.findings}
        assert found["space-before-punct"]["count"] == 3
        assert len(found["space-before-punct"]["excerpts"]) == 3
        for f in res.findings:
            assert f["per_1000_words"] > 0
            for ex in f["excerpts"]:
                assert damaged[ex["offset"] :].startswith(ex["text"][:1]) or ex["text"] in damaged
                assert ex["text"] in damaged

    def test_threshold_override(self):
        text = (
            "Prices rose by 2 percent in the year to March, the bureau said . They fell in April , it added ."
        )
        lax = Detector(load_data(), threshold=0.01).detect(text, "en")
        strict = Detector(load_data(), threshold=0.99).detect(text, "en")
        assert lax.score == strict.score
        assert lax.flagged and not strict.flagged

    def test_clean_fixtures_are_not_flagged(self):
        files = sorted((FIXTURES / "clean").glob("*.txt"))
        assert len(files) >= 30
        for p in files:
            text = p.read_text(encoding="utf-8")
            res = detect(text, p.name[:2])
            assert not res.flagged, (p.name, res.findings)
            assert repair(text, p.name[:2])[1] == [], p.name

    def test_bad_data_is_rejected(self):
        data = load_data()
        data["function_words"] = {"en": ["to", False]}  # a bare `no` in YAML
        with pytest.raises(ValueError, match="quote it"):
            Detector(data)
        data = load_data()
        data["weights"] = {"glued-wrod": 1.0}
        with pytest.raises(ValueError, match="unknown artifact kinds"):
            Detector(data)


# ---------------------------------------------------------------------- repairs
class TestRepairs:
    @pytest.mark.parametrize(
        "before, after",
        [
            (
                "The lack of communicationbetween the two ministries.",
                "The lack of communication between the two ministries.",
            ),
            ("It will stop buying sovereign debt .", "It will stop buying sovereign debt."),
            ("Sales rose , the company said .", "Sales rose, the company said."),
            ("Germany’sforeign minister flew to Warsaw.", "Germany’s foreign minister flew to Warsaw."),
            (
                "The two leaders could open” a new channel of talks “to ease tensions.",
                "The two leaders could open “a new channel of talks” to ease tensions.",
            ),
            ("She called the plan ”reckless“ and left.", "She called the plan “reckless” and left."),
            (
                "He made it” clear “to the envoy that he would wait.",
                "He made it “clear” to the envoy that he would wait.",
            ),
        ],
    )
    def test_repair(self, before, after):
        new, reps = repair(before, "en")
        assert new == after
        assert reps and all(r["before"] in before and r["after"] in after for r in reps)

    def test_french_space_before_colon_is_kept(self):
        text = "Les opposants le disent : il faut un audit ; sinon rien !"
        assert repair(text, "fr") == (text, [])

    def test_switches(self):
        text = "It will stop buying sovereign debt . The communicationbetween them failed."
        only_glued, reps = repair(text, "en", kinds={"glued-word"})
        assert only_glued == "It will stop buying sovereign debt . The communication between them failed."
        assert {r["kind"] for r in reps} == {"glued-word"}
        assert repair(text, "en", kinds=set()) == (text, [])
        assert repair("Shared interests.The talks", "en")[0] == "Shared interests.The talks"  # off by default
        assert repair("Shared interests.The talks", "en", kinds={"missing-space-after-punct"})[0] == (
            "Shared interests. The talks"
        )

    def test_seed_like_paragraph_is_repaired_once(self):
        text = (
            "In that sense, he said both nations could launch” a strategic dialogue of stability “to cooperate "
            "in areas such as arms control, and he made it” clear “to the envoy that he would wait .\n"
            "The direct communicationbetween the two is essential, he said ."
        )
        once, reps = repair(text, "en")
        assert "“a strategic dialogue of stability” to cooperate" in once
        assert "“clear” to the envoy" in once
        assert "communication between" in once and "wait.\n" in once and "said." in once
        assert repair(once, "en") == (once, [])

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "The lack of communicationbetween the two offices",
                    "sovereign debt .",
                    "could open” a new channel “to talk",
                    "the plan ”reckless“ and",
                    "“We agree,” she said,",
                    "Germany’sforeign minister",
                    "interests.The talks",
                    "institutions.” , our people",
                    "the the",
                    " , ",
                    "“",
                    "”",
                    " ",
                    "\n",
                    "and then",
                    "SolarWinds and iPhone",
                ]
            ),
            max_size=12,
        ),
        st.sampled_from(["en", "fr", None]),
    )
    def test_repairs_are_idempotent(self, parts, lang):
        text = "".join(parts)
        kinds_all = set(DEFAULT_REPAIRS) | {"missing-space-after-punct"}
        once, _ = repair(text, lang, kinds=kinds_all)
        assert repair(once, lang, kinds=kinds_all) == (once, [])


# -------------------------------------------------------------------- the stage
def make_doc(text: str, lang: str | None = "en") -> Document:
    doc = Document(id="t")
    doc.set_text(text)
    doc.language = lang
    return doc


class TestStage:
    TEXT = (
        "Most Read\n"
        "The bank will stop buying sovereign debt .\n"
        "\n"
        "The lack of communicationbetween the two ministries slowed the response, officials said .\n"
        "They voted for the the plan . It passed in the end , and he made it” clear “to the envoy.\n"
    )

    def test_findings_repairs_and_line_numbers(self):
        doc = make_doc(self.TEXT)
        doc.remove(doc.lines[0], "en.story-lists")
        ArtifactsStage({}).process(doc)
        art = doc.artifacts
        assert set(art) == {"score", "flagged", "findings"}
        assert art["flagged"] is True
        by_kind = {f["kind"]: f for f in art["findings"]}
        assert by_kind["glued-word"]["excerpts"][0]["line"] == 4
        assert by_kind["repeated-word"]["excerpts"][0]["line"] == 5
        reps = [(r["kind"], r["line"], r["before"], r["after"]) for r in doc.repairs]
        assert ("space-before-punct", 2, "debt .", "debt.") in reps
        assert ("glued-word", 4, "communicationbetween", "communication between") in reps
        assert ("reversed-quotes", 5, "it” clear “to", "it “clear” to") in reps
        assert doc.lines[1].text == "The bank will stop buying sovereign debt."
        assert "communication between" in doc.lines[3].text
        assert doc.lines[0].text == "Most Read"  # removed lines are left alone

    def test_second_run_changes_nothing(self):
        doc = make_doc(self.TEXT)
        stage = ArtifactsStage({})
        stage.process(doc)
        again = make_doc(doc.text)
        stage.process(again)
        assert again.repairs == [] and again.text == doc.text

    def test_repairs_switched_off(self):
        doc = make_doc(self.TEXT)
        ArtifactsStage(
            {"repair_glued": False, "repair_space_before_punct": False, "repair_quotes": False}
        ).process(doc)
        assert doc.repairs == []
        assert doc.text == self.TEXT.strip("\n")
        assert doc.artifacts["flagged"] is True

    def test_removed_lines_do_not_count(self):
        doc = make_doc("Fine text here.\nThe the communicationbetween debt . ofthe\nMore fine text.")
        doc.remove(doc.lines[1], "some.rule")
        ArtifactsStage({}).process(doc)
        assert doc.artifacts["findings"] == [] and doc.repairs == []

    def test_settings(self):
        doc = make_doc(self.TEXT)
        ArtifactsStage({}).process(doc)
        score = doc.artifacts["score"]
        assert doc.artifacts["flagged"] is True and 0.5 < score <= 1.0
        doc = make_doc(self.TEXT)
        ArtifactsStage({"threshold": score + 0.0001}).process(doc)
        assert doc.artifacts["flagged"] is False and doc.artifacts["score"] == score
        doc = make_doc("Then he stood by the fence, and NextWork was where they met again.")
        ArtifactsStage({"allow": ["NextWork"]}).process(doc)
        assert doc.artifacts["findings"] == []
        doc = make_doc(self.TEXT)
        ArtifactsStage({"kinds": ["repeated-word"]}).process(doc)
        assert [f["kind"] for f in doc.artifacts["findings"]] == ["repeated-word"]

    def test_allow_file_and_bad_paths(self, tmp_path):
        names = tmp_path / "names.txt"
        names.write_text("# new names\nNextWork  # a product\n", encoding="utf-8")
        doc = make_doc("Then he stood by the fence, and NextWork was where they met again.")
        ArtifactsStage({"allow_file": str(names)}).process(doc)
        assert doc.artifacts["findings"] == []
        with pytest.raises(ConfigError):
            ArtifactsStage({"allow_file": str(tmp_path / "missing.txt")})
        with pytest.raises(ConfigError):
            ArtifactsStage({"data": str(tmp_path / "missing.yaml")})
        with pytest.raises(ConfigError):
            ArtifactsStage({"kinds": ["no-such-kind"]})
        with pytest.raises(ConfigError):
            ArtifactsStage({"allow": ["SolarWinds", 3]})

    def test_other_data_file(self, tmp_path):
        data = yaml.safe_load((REPO / "rules" / "artifacts.yaml").read_text(encoding="utf-8"))
        data["evidence"]["classes"] = {
            k: {"clean_rate": 1.0, "damaged_rate": 1.0} for k in data["evidence"]["classes"]
        }
        data["evidence"]["bias"] = -50.0
        p = tmp_path / "zero.yaml"
        p.write_text(yaml.safe_dump(data), encoding="utf-8")
        doc = make_doc(self.TEXT)
        ArtifactsStage({"data": str(p)}).process(doc)
        assert doc.artifacts["score"] == 0.0 and not doc.artifacts["flagged"]
        assert doc.artifacts["findings"]  # still reported

    def test_empty_document(self):
        doc = Document(id="e")
        ArtifactsStage({}).process(doc)
        assert doc.artifacts == {"score": 0.0, "flagged": False, "findings": []}
        doc = make_doc("only line")
        doc.remove(doc.lines[0], "x")
        ArtifactsStage({}).process(doc)
        assert doc.artifacts["score"] == 0.0

    def test_line_objects_are_kept(self):
        doc = make_doc("a sovereign debt .")
        line = doc.lines[0]
        ArtifactsStage({}).process(doc)
        assert doc.lines[0] is line and isinstance(line, Line) and line.text == "a sovereign debt."


# ---------------------------------------------------------------------- seeds
SEEDS = shared_dir() / "seeds" if shared_dir() else None
needs_seeds = pytest.mark.skipif(SEEDS is None or not SEEDS.is_dir(), reason="no ../shared/seeds")

JUNK = re.compile(
    r"^(Most Read|Popular Topics|Related Articles|Source( link)?|Leave a Reply|Your email address.*|Read more:.*|"
    r"For all the latest headlines.*|Follow @.*|Have a tip.*|—.*\(@\w+\).*|.*https?://t\.co/.*|-|"
    r".*\.\.\. (World News|Middle East) -?|\s*\d+\. \w+|\s*\d+ (years|months) ago)$"
)


def seed(prefix: str) -> str:
    (p,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))  # type: ignore[union-attr]
    return p.read_text(encoding="utf-8")


def without_junk(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not JUNK.match(line))


@needs_seeds
class TestSeeds:
    @pytest.mark.parametrize("prefix, flagged", [("000", True), ("002", True), ("003", False), ("004", True)])
    def test_verdicts(self, prefix, flagged):
        text = seed(prefix)
        assert detect(text, "en").flagged is flagged
        # with the junk lines a boilerplate stage removes, the verdict is the same
        assert without_junk(text) != text
        assert detect(without_junk(text), "en").flagged is flagged

    def test_003_does_not_depend_on_the_tweet(self):
        text = seed("003")
        assert "t.co/" in text and "(@" in text
        res = detect(text, "en")
        assert res.score < DET.threshold / 2
        assert detect(text, None).flagged is False

    def test_repairs_on_002(self):
        doc = make_doc(seed("002"))
        ArtifactsStage({}).process(doc)
        pairs = {(r["before"], r["after"]) for r in doc.repairs}
        assert ("communicationbetween", "communication between") in pairs
        assert ("debt .", "debt.") in pairs
        assert "sovereign debt." in doc.text and "sovereign debt ." not in doc.text
        assert "communication between" in doc.text

    def test_seed_verdicts_through_the_stage(self):
        for prefix, flagged in (("000", True), ("002", True), ("003", False), ("004", True)):
            doc = make_doc(seed(prefix))
            ArtifactsStage({}).process(doc)
            assert doc.artifacts["flagged"] is flagged, prefix


# -------------------------------------------------------------- evaluation set
class TestEvaluationSet:
    def test_injected_set_is_reproducible(self, tmp_path):
        out = tmp_path / "injected.jsonl"
        subprocess.run(
            [sys.executable, str(REPO / "benchmarks" / "make_artifact_set.py"), "--out", str(out)],
            check=True,
            capture_output=True,
        )
        assert out.read_text(encoding="utf-8") == (FIXTURES / "injected.jsonl").read_text(encoding="utf-8")

    def test_detectors_find_most_injected_artifacts(self):
        records = [
            json.loads(x) for x in (FIXTURES / "injected.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        found: dict[str, list[int]] = {}
        quotes = {"reversed-quotes", "unbalanced-quotes", "quote-spacing"}
        for r in records:
            fam = quotes if r["kind"] in quotes else {r["kind"]}
            hits = DET.scan(r["text"], r["lang"])
            for s, e in r["truth"]:
                assert 0 <= s < e <= len(r["text"])
                ok = any(h.kind in fam and h.start <= e and s <= h.end for h in hits)
                found.setdefault(r["kind"], []).append(ok)
        assert len(found) == 10
        for kind, oks in found.items():
            assert sum(oks) / len(oks) >= 0.6, (kind, sum(oks), len(oks))


def test_throughput_of_3kb_documents():
    base = (FIXTURES / "clean" / "en-02-solarwinds-breach.txt").read_text(encoding="utf-8")
    text = (
        base + "\n\n" + base.replace("routine software", "routine software .").replace(" and ", " and and ")
    )
    text = (text * 3)[:3000]
    stage = ArtifactsStage({})
    docs = [make_doc(text) for _ in range(200)]
    t0 = time.perf_counter()
    for d in docs:
        stage.process(d)
    rate = len(docs) / (time.perf_counter() - t0)
    assert rate > 250, f"{rate:.0f} documents/s"  # the benchmark measures ~1,300/s; this guards regressions


def test_top_words_cached_between_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # wordfreq's top words are kept in the cache folder; read back they are
    # wordfreq's own list, and a damaged file is built again, not trusted
    import wordfreq

    from cleaner import artifacts

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    want = tuple(wordfreq.top_n_list("de", 120))
    for _ in range(2):  # build and write, then read
        artifacts.top_words.cache_clear()
        assert artifacts.top_words("de", 120) == want
    files = list(tmp_path.glob("data/wordfreq-top-*.json"))
    assert len(files) == 1
    for bad in (b"{not json", b'{"a": 1}', b"[1, 2]"):
        files[0].write_bytes(bad)
        artifacts.top_words.cache_clear()
        assert artifacts.top_words("de", 120) == want
    # another length or language is its own file
    artifacts.top_words.cache_clear()
    assert artifacts.top_words("fr", 30) == tuple(wordfreq.top_n_list("fr", 30))
    assert len(list(tmp_path.glob("data/wordfreq-top-*.json"))) == 2
    artifacts.top_words.cache_clear()


@pytest.mark.slow
def test_frequency_lists_equal_wordfreq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the detector's frequency lists (sorted words and an array, kept in the cache
    # folder) give what wordfreq's dict gives, for every word and for non-words
    import wordfreq

    from cleaner import artifacts

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    for lang in ("en", "de"):
        want = wordfreq.get_frequency_dict(lang)
        for _ in range(2):  # built from wordfreq and written, then read back
            artifacts.freq_dict.cache_clear()
            got = artifacts.freq_dict(lang)
            assert len(got) == len(want)
            assert all(got.get(w) == f for w, f in want.items())
            for w in ("", "zzqxj", "The", "the ", "thé", "\ud800", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"):
                assert got.get(w) == want.get(w)
            floor = 10 ** (3.5 - 9.0)
            assert sorted(got.above(floor)) == sorted(w for w, f in want.items() if f > floor)
    assert len(list(tmp_path.glob("data/wordfreq-freqs-*.npz"))) == 2
    # a damaged file is built again, not trusted
    for f in tmp_path.glob("data/wordfreq-freqs-*.npz"):
        f.write_bytes(b"PK\x03\x04 not really a zip")
    artifacts.freq_dict.cache_clear()
    assert artifacts.freq_dict("en").get("the") == wordfreq.get_frequency_dict("en")["the"]
    # a language wordfreq lacks has an empty list
    artifacts.freq_dict.cache_clear()
    assert len(artifacts.freq_dict("xx")) == 0 and artifacts.freq_dict("xx").get("the") is None
    artifacts.freq_dict.cache_clear()


@pytest.mark.parametrize(
    "words",
    [
        {},
        {"": 1e-3},
        {"": 1e-3, "a": 2e-3},
        {"the": 0.05},
        {"a": 1e-6, "ab": 2e-6, "b": 3e-6, "é": 4e-6, "z": 5e-6, "\ud800x": 6e-6, "😀": 7e-6, "中文": 8e-6},
    ],
)
def test_frequency_list_edges(words: dict[str, float]) -> None:
    # the compiled lookup over the words' buffer: empty lists, an empty word,
    # prefixes of each other, non-ASCII and astral words, a lone surrogate; and
    # the same read back from its arrays
    from cleaner.artifacts import words as artifacts

    built = artifacts._Freqs.from_dict(words)
    back = artifacts._Freqs.from_arrays(built.arrays())
    assert back is not None
    for f in (built, back):
        assert len(f) == len(words)
        assert {w: f.get(w) for w in words} == words
        for other in ("q", "aa", "a ", " a", "th", "thee", "É", "😀😀", "\ud801"):
            assert f.get(other) == words.get(other)
        assert sorted(f.above(0.0)) == sorted(words)
        assert sorted(f.above(2.5e-6)) == sorted(w for w, v in words.items() if v > 2.5e-6)
    # arrays that do not fit together (a frequency more than there are words) are not taken
    if words:
        import numpy as np

        extra = np.append(built.freqs, 1e-3)
        assert artifacts._Freqs.from_arrays({"words": built.blob, "freqs": extra}) is None


def test_common_word_table_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the space pass's table of common words, read back from the cache folder,
    # is the one built from the word list, and a detector using it finds the same
    import numpy as np

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    text = (
        "The committee met on Tuesday and discussed the newbudget for the coming year, "
        "which the mayor said was communicationbetween departments.\n"
    )
    tables, results = [], []
    for _ in range(2):
        det = Detector.from_yaml()
        tables.append(det.glued.words.common_table("en"))
        results.append(det.detect(text, "en").as_dict())
    assert list(tmp_path.glob("data/artifacts-common-*.npz"))
    for a, b in zip(*tables, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert results[0] == results[1]
    glued = [f for f in results[0]["findings"] if f["kind"] == "glued-word"]
    assert glued and glued[0]["count"] == 2  # newbudget, communicationbetween


def test_a_frequent_word_the_text_always_capitalises_is_a_name_not_a_slip():
    """ "May" (the month) is among English's most frequent words as "may": written
    capitalised mid-sentence three times and never in lowercase, it is a name here;
    the same word capitalised once in a text that uses it in lowercase is a slip."""
    text = (
        "The council voted to close the square to cars on weekends, starting with a trial in May that "
        "supporters hope will bring shoppers back. The square will be car-free from May after the vote, "
        "and the council will review the trial at the end of May when the figures are in.\n"
    )
    assert [h for h in DET.detect(text, "en").hits if h.kind == "capitalized-function-word"] == []
    slip = (
        "The council said the plan may change. Officials said the trial May start in spring, "
        "and the shops may stay open late on weekends while the square is closed to cars.\n"
    )
    hits = [
        slip[h.start : h.end] for h in DET.detect(slip, "en").hits if h.kind == "capitalized-function-word"
    ]
    assert hits == ["May"]
