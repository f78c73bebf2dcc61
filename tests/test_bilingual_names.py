"""One organisation named in French and in English is one name (db/bilingual_names.py)."""

from __future__ import annotations

import pytest

from db.bilingual_names import bilingual_keys, is_translated, neutral_key
from db.projects import name_key


@pytest.mark.parametrize(("french", "english"), [
    ("Banque mondiale", "World Bank"),
    ("Banque africaine de développement", "African Development Bank"),
    ("Banque européenne d'investissement", "European Investment Bank"),
    ("Société financière internationale", "International Finance Corporation"),
    ("Fonds souverain de Djibouti", "Djibouti Sovereign Fund"),
    ("Banque ouest-africaine de développement", "West African Development Bank"),
    ("Export-Import Bank des États-Unis", "Export-Import Bank of the United States"),
    ("Agence française de développement", "French Development Agency"),
])
def test_a_french_name_and_its_english_one_share_a_key(french, english):
    assert neutral_key(french) == (neutral_key(english)[0], True)
    assert neutral_key(english)[1] is False


def test_other_institutions_keep_keys_of_their_own():
    assert neutral_key("Banque nationale") != neutral_key("World Bank")
    assert neutral_key("Banque de développement") != neutral_key("African Development Bank")
    assert neutral_key("Banque mondiale") != neutral_key("Banque africaine de développement")


def test_a_name_of_one_word_has_no_key():
    assert neutral_key("Texaf") is None
    assert neutral_key("La Banque") is None  # the article says nothing


def test_names_in_both_languages_take_the_english_key():
    names = ["African Development Bank", "Banque africaine de développement",
             "Banque Africaine de Développement", "Banque mondiale", "Teraco"]
    assert bilingual_keys(names, name_key) == {
        name_key("Banque africaine de développement"): name_key("African Development Bank")}


def test_english_names_are_not_joined_by_word_order_alone():
    assert bilingual_keys(["Bank of Africa", "Africa Bank"], name_key) == {}


def test_names_that_differ_by_legal_form_join_with_the_others():
    names = ["International Finance Corporation", "Société financière internationale",
             "Société Financière Internationale SA"]
    english = name_key("International Finance Corporation")
    assert bilingual_keys(names, name_key) == {
        name_key("Société financière internationale"): english,
        name_key("Société Financière Internationale SA"): english}


def test_names_with_other_words_are_not_joined():
    assert bilingual_keys(["Fonds souverain", "Fonds souverain d'investissement",
                           "Sovereign Investment Fund of Gabon"], name_key) == {}


def test_is_translated():
    assert is_translated("Banque mondiale") and is_translated("Fonds souverain de Djibouti")
    assert not is_translated("World Bank") and not is_translated("Teraco")
