"""classifier.cues: the cheap test that a text cannot hold a cue."""

from __future__ import annotations

import pytest

from classifier.cues import CUES, cue_possible
from classifier.document import Doc
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    return [Doc(d.body, d.title, d.language)
            for d in load_corpus_labels(BUNDLED_CORPUS) + load_training_articles()]


def test_a_cue_found_among_the_words_is_always_possible(docs):
    ruled_out = 0
    for doc in docs:
        found = set().union(*doc.sentence_cues) if doc.sentences else set()
        for name in CUES:
            possible = cue_possible(doc.text, name)
            assert possible or name not in found, (name, doc.title)
            ruled_out += not possible
    assert ruled_out  # the test says no often enough to be worth its search


@pytest.mark.parametrize("text", [
    "N+One opens its new Data-Centre in Nouaceur.",
    "The data  centre, in Lagos, is its third.",
    "« Data » centre.",
    "Un nouveau centre de données à Dakar.",
    "Le Centre d’hébergement de Kigali ouvre.",
    "Its (Tier III) facility is certified.",
    "The DATACENTER opened.",
])
def test_spellings_of_a_data_centre_are_possible(text):
    doc = Doc(text)
    assert any("dc" in cues for cues in doc.sentence_cues) <= cue_possible(text, "dc")
    assert cue_possible(text, "dc")


@pytest.mark.parametrize("text", [
    "Safaricom reports higher mobile money revenue in Kenya.",
    "The central bank kept its rate at 27.5 %.",
    "",
])
def test_texts_without_any_part_are_ruled_out(text):
    assert not cue_possible(text, "dc")
