"""Paragraphs of a plausible EN and FR data-centre article, shared by the extraction tests."""

EN = [
    "Africa Data Centres has begun building a 10MW facility in Lagos, its first in Nigeria, "
    "the company said on Tuesday in a statement to investors.",
    "The site will be carrier-neutral and is designed to Tier III standards, with power from "
    "the grid backed up by gas generators and a solar array on the roof.",
    "Chief executive Stephane Duproz said demand from cloud providers and banks had grown "
    "sharply over the past two years across West Africa.",
    "The company expects the first phase to open in the second half of next year, with further "
    "phases to follow as customers sign up for space.",
]
FR = [
    "L'opérateur public a inauguré mardi à Douala un datacenter de 2 MW, le premier du pays "
    "certifié Tier III, en présence du ministre des Postes et Télécommunications.",
    "Le projet, financé par un prêt de la Banque africaine de développement, a coûté 18 milliards "
    "de francs CFA selon les chiffres communiqués par le gouvernement.",
    "Le site doit héberger les données de l'administration et des entreprises publiques, "
    "jusque-là stockées en partie à l'étranger.",
    "Une seconde phase est prévue d'ici deux ans pour porter la capacité à 5 MW, selon la "
    "direction générale de l'entreprise.",
]
