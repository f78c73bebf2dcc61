from classifier.orgs import find_entities


def _names(text, title=""):
    return {e.name: e for e in find_entities(text, title)}


def test_acronym_definitions_join_long_and_short_forms():
    ents = _names("African Infrastructure Investment Managers (AIIM) backs N+ONE Datacenters. "
                  "AIIM said N+ONE will grow.")
    aiim = ents["African Infrastructure Investment Managers"]
    assert aiim.acronym == "AIIM" and len(aiim.mentions) == 3   # long form, (AIIM), AIIM
    assert len(ents["N+ONE Datacenters"].mentions) == 2   # the short form "N+ONE" folds in


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


def test_units_and_currencies_are_not_organisations():
    ents = _names("The 9,8 milliards FCFA project adds 5 MW of IT load. Tier III was certified.")
    assert not {"FCFA", "MW", "IT", "Tier III"} & set(ents)
