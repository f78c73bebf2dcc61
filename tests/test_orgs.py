from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.orgs import (
    Entity,
    Mention,
    _initials,
    _is_acronym,
    _merge_short_forms,
    find_entities,
)


def _names(text, title=""):
    return {e.name: e for e in find_entities(text, title)}


def test_acronym_definitions_join_long_and_short_forms():
    ents = _names("African Infrastructure Investment Managers (AIIM) backs N+ONE Datacenters. "
                  "AIIM said N+ONE will grow.")
    aiim = ents["African Infrastructure Investment Managers"]
    assert aiim.acronym == "AIIM" and len(aiim.mentions) == 3   # long form, (AIIM), AIIM
    assert len(ents["N+ONE Datacenters"].mentions) == 2   # the short form "N+ONE" folds in


def test_an_acronym_that_leaves_out_a_qualifier_names_the_whole_name():
    ents = _names("Africa Data Centres got a loan from the US International Development "
                  "Finance Corporation (DFC). The DFC said the loan will fund Lagos.")
    dfc = ents["US International Development Finance Corporation"]
    assert dfc.acronym == "DFC" and len(dfc.mentions) == 3   # long form, (DFC), DFC
    assert "Development Finance Corporation" not in ents


def test_only_a_run_after_running_text_extends_an_acronyms_name():
    # a possessive ends the name; so does the start of a text (or a Title Case headline)
    ents = _names("Cassava Technologies' Africa Data Centres (ADC) opened a site. ADC said so.")
    assert ents["Africa Data Centres"].acronym == "ADC"
    ents = _names("Equinix Opens Lagos International Business Centre (IBC) With Partners")
    assert ents["International Business Centre"].acronym == "IBC"


def test_french_institution_names_keep_their_lower_case_words():
    ents = _names("Le projet est conduit par l'Agence des services et systèmes d'information "
                  "(ASSI). Financé par un prêt de la Banque mondiale, le site ouvre.")
    assert "Agence des services et systèmes d'information" in ents
    assert "Banque mondiale" in ents
    assert "Financé" not in ents


def test_a_minister_names_the_ministry():
    ents = _names("Selon la ministre des Télécommunications et de l'Économie numérique, Rose "
                  "Pola, le centre est prêt.")
    assert "Ministère des Télécommunications et de l'Économie numérique" in ents


def test_title_case_headlines_do_not_glue_verbs_to_names():
    ents = _names("Teraco said construction had started.",
                  "Teraco Commences Construction of JB7 at Its Isando Campus Near Johannesburg")
    assert "Teraco Commences Construction" not in ents
    assert len(ents["Teraco"].mentions) == 2


def test_title_case_allows_lower_case_prepositions_and_camel_case_brands():
    # Style guides keep "from" and "to" in lower case even in Title Case, and a brand
    # may start with a small letter: the headline is still Title Case.
    ents = _names("iXAfrica said closing the financing secures its growth on the campus, "
                  "where it will expand.",
                  "iXAfrica Secures Multi-Tranche Financing from RMB to Expand Nairobi "
                  "NBOX1 Campus")
    assert not [name for name in ents if "Secures" in name or "Expand" in name]
    assert len(ents["iXAfrica"].mentions) == 2


def test_a_place_is_not_the_short_form_of_a_longer_name():
    ents = _names("The Kenya Internet Exchange Point opened a node. Kenya hosts the campus, "
                  "and Onix Data Centres runs it. Onix said so.")
    assert len(ents["Kenya Internet Exchange Point"].mentions) == 1
    assert len(ents["Onix Data Centres"].mentions) == 2


def test_units_and_currencies_are_not_organisations():
    ents = _names("The 9,8 milliards FCFA project adds 5 MW of IT load. Tier III was certified.")
    assert not {"FCFA", "MW", "IT", "Tier III"} & set(ents)


def test_a_title_acronym_starts_no_name():
    ents = _names("Pour William Stein, PDG de Digital Realty, le marché croît. Le CEO de "
                  "Cybastion a signé.")
    assert {"Digital Realty", "Cybastion"} <= set(ents)
    assert not [name for name in ents if name.startswith(("PDG", "CEO"))]


def _merge_pairwise(ents):
    """The plain definition _merge_short_forms indexes: compare with every longer entity."""
    ents.sort(key=lambda e: -len(e.name))
    merged = []
    for ent in ents:
        target = next((big for big in merged if ent.key == big.key
                       or (len(ent.key) >= 3 and big.key.startswith(ent.key + " "))
                       or (_is_acronym(ent.name)
                           and ent.name in (_initials(big.name), big.acronym))), None)
        if target is None:
            merged.append(ent)
            continue
        target.forms |= ent.forms | {ent.name}
        target.mentions.extend(ent.mentions)
        target.acronym = target.acronym or (ent.name if _is_acronym(ent.name) else None)
    return [e for e in merged if e.mentions]


def _entities(names):
    return [Entity(n, forms={n}, mentions=[Mention(i, i + len(n), n, 0)],
                   acronym=("AB" if n.startswith("Alpha B") else None))
            for i, n in enumerate(names)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["Onix", "Onix Data", "Onix Data Centres", "ODC", "OD", "Alpha Beta", "Alpha Beta Gamma",
     "AB", "ABG", "Ab", "Data Centres", "DC", "Beta", "Gamma Fund", "GF", "Onix Data Centers"]),
    max_size=12))
def test_merging_short_forms_matches_the_pairwise_definition(names):
    fast = _merge_short_forms(_entities(names))
    slow = _merge_pairwise(_entities(names))
    assert [(e.name, sorted(e.forms), e.acronym, len(e.mentions)) for e in fast] == \
        [(e.name, sorted(e.forms), e.acronym, len(e.mentions)) for e in slow]


def test_a_spaced_dash_ends_a_name_and_a_hyphen_of_two_names_splits():
    ents = _names("NAIROBI - Oracle opened a cloud region. G42 and EcoCloud signed an MoU. "
                  "The EcoCloud-G42 data centre will rise at Olkaria; the Export-Import Bank "
                  "of China is not two banks.")
    assert "NAIROBI - Oracle" not in ents and "Oracle" in ents
    assert "EcoCloud-G42" not in ents
    assert len(ents["EcoCloud"].mentions) == 2 and len(ents["G42"].mentions) == 2
    assert "Export-Import Bank of China" in ents


def test_a_country_an_institution_serves_is_not_part_of_its_name():
    ents = _names("Coralie Gevers, directrice des opérations de la Banque mondiale pour le "
                  "Bénin, la Côte d'Ivoire et le Togo, était présente. Le Fonds d'Abou Dhabi "
                  "pour le développement a financé la centrale.")
    assert "Banque mondiale" in ents
    assert "Fonds d'Abou Dhabi pour le développement" in ents


def test_a_prefixed_adjective_is_no_name_but_a_lower_case_brand_is():
    ents = _names("The pan-African investor backs iXAfrica in sub-Saharan markets.")
    assert "iXAfrica" in ents
    assert not [name for name in ents if "African" in name or "Saharan" in name]


def test_an_adjective_of_place_is_no_short_form_of_a_name():
    ents = _names("African governments and the African Development Bank own the fund. "
                  "Kenyan banks lent to the Kenyan Ministry of ICT.")
    assert ents["African Development Bank"].forms == {"African Development Bank"}
    assert "Kenyan Ministry of ICT" in ents
    assert not {"African", "Kenyan"} & set(ents)
