"""classifier.candidates: document features without a data-centre cue, and which names
and places are candidates, with which features."""

from __future__ import annotations

from classifier.candidates import DC_CUE, doc_candidates, features_without_cue
from classifier.document import Doc
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles


def test_features_without_a_cue_are_those_declared():
    fixed, free = features_without_cue()
    checked = 0
    for d in load_corpus_labels(BUNDLED_CORPUS) + load_training_articles():
        dc = doc_candidates(Doc(d.body, d.title, d.language))
        if any(DC_CUE in cues for cues in dc.doc.sentence_cues):
            continue
        features = dc.doc_features
        checked += 1
        assert {k: features.get(k) for k in fixed} == fixed, d.title
        for name, value in features.items():
            if name in fixed:
                continue
            assert name in free, (name, d.title)
            low, high = free[name]
            assert low <= value <= high, (name, value, d.title)
    assert checked


def test_people_a_title_introduces_are_no_organisation_candidates():
    doc = Doc("Le président Faure Essozimna Gnassingbé a inauguré le centre, exploité par "
              "Africa Data Centres. Cina Lawson, ministre de l'Économie numérique, a salué "
              "le projet.", "Togo : Faure Gnassingbé inaugure Lomé Data Centre", "fr")
    names = {c.value for c in doc_candidates(doc).orgs}
    assert "Africa Data Centres" in names
    # titled in the text, and the headline's shorter form of the same name
    assert not {"Faure Essozimna Gnassingbé", "Faure Gnassingbé", "Cina Lawson"} & names
    doc = Doc("President Muhammadu Buhari commissioned the Galaxy Backbone data centre. "
              "Buhari said it would host federal data.", "Buhari commissions Galaxy Backbone's "
              "data centre", "en")
    names = {c.value for c in doc_candidates(doc).orgs}
    assert "Galaxy Backbone" in names and "Buhari" not in names
    doc = Doc("Le président mauritanien Mohamed Ould Cheikh El Ghazouani a inauguré le "
              "datacenter de Nouakchott.", "Mauritanie : le président Ghazouani inaugure "
              "le datacenter national", "fr")
    names = {c.value for c in doc_candidates(doc).orgs}
    assert not {"Mohamed Ould Cheikh El Ghazouani", "Ghazouani"} & names


def test_a_country_where_the_company_already_is_is_marked():
    doc = Doc("Onix Data Centres ouvre un datacenter à Dakar, au Sénégal. Basée à Londres, "
              "Onix exploite déjà à Accra, au Ghana, un datacenter Tier IV.", "", "fr")
    features = {c.value: c.features for c in doc_candidates(doc).countries}
    assert features["GH"]["sent_existing"] == 1.0
    assert "sent_existing" not in features["SN"]
