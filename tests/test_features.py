"""classifier.features: what marks an organisation candidate as a person's name."""

from __future__ import annotations

import pytest

from classifier.candidates import doc_candidates
from classifier.document import Doc


def _org_features(text: str, name: str, language: str = "en") -> dict[str, float]:
    found = {c.value: c.features for c in doc_candidates(Doc(text, "", language)).orgs}
    assert name in found, sorted(found)
    return found[name]


@pytest.mark.parametrize("text, name, language", [
    ("Ugandan President Yoweri Museveni opened the data centre in Jinja.",
     "Yoweri Museveni", "en"),
    ("Le président sénégalais Macky Sall a inauguré le datacenter de Diamniadio.",
     "Macky Sall", "fr"),
    ("Slim Feriani, chief executive of the fund, said the site would open in 2026.",
     "Slim Feriani", "en"),
    ("La ministre camerounaise Minette Libom a visité le datacenter de Zamengoé.",
     "Minette Libom", "fr"),
])
def test_a_title_marks_a_person(text, name, language):
    assert _org_features(text, name, language).get("person_title") == 1.0


@pytest.mark.parametrize("text, name, language", [
    # A title of someone at the organisation, not the organisation's own.
    ("The chief executive of Raxio Group said the site would open in 2026.",
     "Raxio Group", "en"),
    ("Pour William Stein, PDG de Digital Realty, le marché croît.", "Digital Realty", "fr"),
    # An organisation before a title without a comma, and "premier" as "first".
    ("Raxio Group chief executive Robert Mullins said the site would open.",
     "Raxio Group", "en"),
    ("Le groupe OCP, premier exportateur mondial, ouvre un datacenter.", "OCP", "fr"),
])
def test_an_organisation_beside_a_title_is_not_a_person(text, name, language):
    assert "person_title" not in _org_features(text, name, language)
