"""classifier.features: the signs that a name is a person's, an event's, a project's, or
background to the news."""

from __future__ import annotations

import pytest

from classifier.candidates import doc_candidates
from classifier.document import Doc
from classifier.features import person_shaped, titled_person
from classifier.orgs import find_entities


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
    doc = Doc(text, "", language)
    [entity] = [e for e in find_entities(doc.body) if e.name == name]
    assert titled_person(entity, doc)
    # and such a name is no organisation candidate at all (classifier.candidates)
    assert name not in {c.value for c in doc_candidates(doc).orgs}


def test_person_shape():
    assert person_shaped("Macky Sall") and person_shaped("Faure Essozimna Gnassingbé")
    assert not person_shaped("Raxio")                  # one word
    assert not person_shaped("Cassava Technologies")   # an organisation's word
    assert not person_shaped("Banque Mondiale")
    assert not person_shaped("MainOne Cable")          # not written as a name is
    assert not person_shaped("Wingu Africa Holdings")
    # name particles do not count towards the length
    assert person_shaped("Mohamed Ould Cheikh El Ghazouani")
    assert person_shaped("Abdel Fattah El Sisi")
    assert not person_shaped("Ould")


def test_a_title_before_a_name_that_is_no_person_is_a_feature():
    features = _org_features("Chief executive Wingu Africa Holdings said the site opens "
                             "in May.", "Wingu Africa Holdings")
    assert features.get("person_title") == 1.0


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


def test_an_event_is_followed_by_its_year():
    features = _org_features("Raxio and Zeta Cloud signed the deal at GITEX Africa 2026 in "
                             "Marrakech.", "GITEX Africa")
    assert features.get("then_year") == 1.0
    assert "then_year" not in _org_features("Zeta Cloud said in 2026 it would build a data "
                                             "centre.", "Zeta Cloud")


def test_a_name_in_quotation_marks_is_quoted():
    text = ("Les deux centres préparent un futur « Big Datacenter » national, exploité par "
            "l'Agence nationale.")
    assert _org_features(text, "Big Datacenter", "fr").get("quoted") == 1.0
    assert "quoted" not in _org_features("Zeta Cloud opened “a data centre” in Lagos.",
                                         "Zeta Cloud")


def test_a_name_only_in_another_companys_about_paragraph_is_background():
    body = ("Zeta Cloud has expanded its Accra data centre with equity from Africa50.\n\n"
            "About Africa50\n\nAfrica50 is an infrastructure investor whose shareholders "
            "include the African Development Bank.")
    assert _org_features(body, "African Development Bank").get("about_other") == 1.0
    # the paragraph's own subject is not background
    assert "about_other" not in _org_features(body, "Africa50")


def test_a_title_after_a_comma_belongs_to_the_name_it_precedes():
    text = ("Safaricom Ethiopia, chief executive Wim Vanhelleputte said, will open the data "
            "centre in Addis Ababa.")
    doc = Doc(text, "", "en")
    names = {c.value for c in doc_candidates(doc).orgs}
    assert "Safaricom Ethiopia" in names
    assert "person_title" not in _org_features(text, "Safaricom Ethiopia")


@pytest.mark.parametrize("name", ["Citibank", "Ecobank", "Afreximbank", "Rand Merchant Bank"])
def test_a_banks_name_is_a_financiers_name(name):
    assert "name_fin" in _org_features(f"The loan comes from {name} and Raxio.", name)
    assert "name_fin" not in _org_features(f"The loan comes from {name} and Raxio.", "Raxio")


@pytest.mark.parametrize("text, name, feature", [
    ("The Senegal Sovereign Fund joined the Zeta Cloud project.", "Senegal Sovereign Fund",
     "name_place_first"),
    ("The loan comes from the Export-Import Bank of Korea and Zeta Cloud.",
     "Export-Import Bank of Korea", "name_place_last"),
    ("Zeta Cloud runs the Dakar Data Centre.", "Dakar Data Centre", "name_place_first"),
])
def test_a_place_in_a_name_is_a_feature(text, name, feature):
    assert feature in _org_features(text, name)
    assert not {"name_place_first", "name_place_last"} & set(_org_features(text, "Zeta Cloud"))


@pytest.mark.parametrize("text, name, feature, language", [
    ("The campus is financed by the Zeta Fund.", "Zeta Fund", "agent_finance", "en"),
    ("Le campus est financé par Zeta Capital.", "Zeta Capital", "agent_finance", "fr"),
    ("Zeta Tower, operated by Kilo Cloud, opened in Accra.", "Zeta Tower", "patient_own", "en"),
    ("Le site Zeta Tower, exploité par Kilo Cloud, a ouvert.", "Zeta Tower", "patient_own", "fr"),
])
def test_a_passive_verb_tells_agent_from_patient(text, name, feature, language):
    features = _org_features(text, name, language)
    assert feature in features
    # the other side of the verb gets the other feature, not this one
    assert not {k for k in features if k.startswith(("agent_", "patient_"))} - {feature}
