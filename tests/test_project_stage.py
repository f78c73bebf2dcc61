"""Stage of a project from the article text: EN and FR cues, the future rule, focus, merging."""

from __future__ import annotations

import re

import pytest

from db.project_stage import (
    ANNOUNCED,
    CANCELLED,
    OPERATIONAL,
    PLANNED,
    UNDER_CONSTRUCTION,
    StageReading,
    _body,
    _mentions,
    _naming,
    article_stage,
    fold,
    project_stage,
    sentence_stage,
)


@pytest.mark.parametrize(("sentence", "stage"), [
    ("Rack Centre switches on 12MW LGS2 data centre in Lagos", OPERATIONAL),
    ("Vantage opens JNB1, first building on its Johannesburg campus", OPERATIONAL),
    ("The facility went live in March.", OPERATIONAL),
    ("Sénégal : le datacenter national de Diamniadio entre en service", OPERATIONAL),
    ("Faure Gnassingbé inaugure Lomé Data Centre", OPERATIONAL),
    ("deux mini-datacenters publics mis en service à Ouagadougou", OPERATIONAL),
    ("Teraco breaks ground on 38MW JB4", UNDER_CONSTRUCTION),
    ("Teraco begins construction of 30MW JB5 at Isando campus", UNDER_CONSTRUCTION),
    ("Kasi Cloud a posé la première pierre de son campus à Lekki", UNDER_CONSTRUCTION),
    ("Le chantier, situé à Niamey, est réalisé à 13 %", UNDER_CONSTRUCTION),
    ("Khazna to build $250m, 25MW data centre in Cairo", PLANNED),
    ("N+One va implanter trois datacenters à Dakar", PLANNED),
    ("Le groupe prévoit un second site à Abidjan", PLANNED),
    ("Africa Data Centres Secures Land to Expand Its Sameer Facility", PLANNED),
    ("The two firms signed a memorandum of understanding.", ANNOUNCED),
    ("Les deux groupes ont signé un protocole d'accord.", ANNOUNCED),
    ("The project was scrapped after the investor pulled out.", CANCELLED),
    ("Le projet de datacenter a été abandonné.", CANCELLED),
    ("Revenue grew 12 per cent last year.", None),
])
def test_sentence_cues_in_english_and_french(sentence, stage):
    assert sentence_stage(sentence) == stage


@pytest.mark.parametrize("sentence", [
    "The campus will open in 2026.",
    "The data centre is expected to be operational by the end of 2025.",
    "Le datacenter devrait entrer en service en 2027.",
    "The site will be inaugurated next year.",
])
def test_a_future_opening_is_a_plan(sentence):
    assert sentence_stage(sentence) == PLANNED


def test_the_future_rule_looks_only_just_before_the_cue():
    # The construction has started; the "will" belongs to a later clause.
    sentence = ("Teraco has started construction of JB4, a facility in Ekurhuleni, which the "
                "company says will be the largest on the continent")
    assert sentence_stage(sentence) == UNDER_CONSTRUCTION


def test_focus_sentences_name_the_project_city():
    text = ("The company opened its first data centre in Casablanca in 2019. "
            "It plans a second facility in Dakar.")
    assert article_stage("Operator expands", text, ["Dakar"]).stage == PLANNED
    assert article_stage("Operator expands", text, ["Casablanca"]).stage == OPERATIONAL


def test_a_headline_about_another_place_is_not_this_projects():
    title = "N+One plans Nouaceur data centre"
    text = "The company has already opened three data centres in Dakar."
    dakar = article_stage(title, text, ["Dakar"], other_terms=["Nouaceur"])
    assert dakar.stage == OPERATIONAL
    assert "Dakar" in dakar.evidence
    assert article_stage(title, text, ["Nouaceur"], ["Dakar"]).stage == PLANNED


def test_the_first_cue_decides_not_an_older_facility_further_down():
    text = ("Teraco has started building JB5 in Isando. "
            "Its JB1 facility in Isando opened in 2014.")
    reading = article_stage("Teraco starts JB5", text, ["Isando"])
    assert reading.stage == UNDER_CONSTRUCTION


def test_a_cancellation_anywhere_in_the_focus_wins():
    text = "The 20MW campus in Kigali was planned for 2025. The Kigali project has been cancelled."
    assert article_stage("Kigali campus", text, ["Kigali"]).stage == CANCELLED


def test_no_cue_is_announced_by_default():
    reading = article_stage("Company news", "Nothing here says anything.", ["Lagos"])
    assert reading == StageReading(ANNOUNCED, "", False)
    assert article_stage("", "", []).stage == ANNOUNCED


def test_project_stage_takes_the_newest_cue_but_announcements_do_not_demote():
    built = StageReading(UNDER_CONSTRUCTION, "breaks ground", True)
    opened = StageReading(OPERATIONAL, "opens", True)
    funding = StageReading(ANNOUNCED, "signed a loan", True)
    nothing = StageReading(ANNOUNCED, "", False)
    assert project_stage([("2021", built), ("2023", opened)]).stage == OPERATIONAL
    assert project_stage([("2023", opened), ("2021", built)]).stage == OPERATIONAL
    assert project_stage([("2021", opened), ("2024", funding)]).stage == OPERATIONAL
    assert project_stage([("2021", funding), ("2024", nothing)]).stage == ANNOUNCED
    assert project_stage([("2024", nothing)]) == StageReading(ANNOUNCED, "", False)
    assert project_stage([]).stage == ANNOUNCED
    cancelled = StageReading(CANCELLED, "scrapped", True)
    assert project_stage([("2021", opened), ("2025", cancelled)]).stage == CANCELLED


@pytest.mark.parametrize(("sentence", "terms", "found"), [
    ("the abc. campus", ("abcd", "abc"), True),  # the longer term fails, the shorter matches
    ("the abcx campus", ("abcd", "abc"), False),  # whole words only
    ("in sidi-bel abbes (wilaya)", ("sidi-bel abbes",), True),  # regex characters escaped
    ("in sidi-belxabbes", ("sidi-bel abbes",), False),
    ("a. b. c", ("", "x"), False),
    ("anything", (), False),
])
def test_mentions_matches_any_term_as_a_whole_word(sentence, terms, found):
    assert _mentions(sentence, terms) is found
    # the substring searches agree with the whole-word regex, term by term
    assert found is any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", sentence) for t in terms if t)


BODY = ("Lagos gets a new campus. Rack Centre said Lagos2 opens soon.\n"
        "Abuja, not Lagos, is next: the Abuja site. In Lagos the firm's LGS1 is full.\n"
        "Élan Data's Kano plan! Nothing in Lagosian terms. lagos.")


@pytest.mark.parametrize("terms", [("lagos",), ("abuja", "kano"), ("elan data",), ("lagos2",),
                                   ("nowhere",), ()])
def test_one_search_of_the_body_finds_the_sentences_each_search_would(terms):
    """The body's folded sentences are searched at once; the sentences found are those
    a search of each sentence finds, in order (and none spans two sentences)."""
    body = _body(BODY)
    each = [s for s, folded in zip(body.sentences, body.folded.split("\n"), strict=True)
            if _mentions(folded, terms)]
    assert _naming(body, terms) == each
    assert len(body.sentences) == len(body.starts) == 6


@pytest.mark.parametrize("text", [
    "Lomé Data Centre", "Côte d’Ivoire", "ＡＢＣ ﬁbre", "Ŝ̈ṡ", "مركز بيانات",
    "डेटा सेंटर", "e\u0301te\u0301", "𝐁𝐨𝐥𝐝 data", "a\U0001d167b",  # astral combining mark
    "São Tomé ‘quoted’", ""])
def test_fold_drops_exactly_the_combining_marks(text):
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    expected = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    assert fold(text) == expected
