"""Context cues: word classes that tell roles apart, in English and French.

These are patterns over ordinary words ("backed by", "financé par", "solar
plant", "phase one"), never over names: the classifiers learn how much each
cue weighs for each role.

Each cue is a list of word starts (" invest" matches "investor" and
"investissement") and whole words (" mw "), looked up as substrings of a
sentence's lower-case, accent-free words joined by single spaces: plain
substring search, which keeps tagging fast.
"""

from __future__ import annotations

from classifier.text import strip_accents, words

_CUE_TEXT = {
    "dc": "data centre|data center|datacentre|datacenter|data-centre|data-center|centre de donnees"
          "|centres de donnees|centre d'hebergement|colocation|co-location|hyperscale|campus"
          "|tier iii |tier iv |tier 3 |tier 4 |it load|critical power|critical it|server hall"
          "|data hall|salle informatique|salles informatiques|baies |racks |rack space",
    "finance": "invest|fund|financ|loan|debt |equity|capital |backed|backing|stake|lend|credit"
               "|raise|raised|round |pret |levee|bailleur|subscri|tranche|syndicat|bond ",
    "build": "built by|construit par|contractor|constructeur|realise par|realisee par|supplie"
             "|fournisseur|vendor|equipment|equipement|designed by|installed|epc |integrateur"
             "|execute par|executed by|turnkey|cle en main|prestataire",
    "customer": "customer|client|tenant|locataire|anchor|hebergera|will host",
    "person": "said |says |chief |executive|ceo |director|president|minist|directeur|directrice"
              "|pdg |founder|fondateur|a declare|a indique|a explique|selon |explained|told "
              "|mr |mrs |mme |managing|chairman|head of|spokes|porte-parole",
    "acquire": "acqui|bought|buy|purchase|rachat|rachet|racheter|cession|sold |sell|takeover"
               "|merger|fusion |prise de controle",
    "open": "open|inaugur|launch|commission|mise en service|mis en service|operational"
            "|switch on|switched on|switches on|go live|went live|entre en service|ouvre "
            "|ouverture",
    "new": "build|construct|break ground|breaks ground|broke ground|premiere pierre|develop"
           "|plan |plans |planned|will build|to build|greenfield|construire|batir"
           "|lancement des travaux|chantier",
    "expand": "expan|extension|etendre|agrandi|upgrade|phase |additional",
    "partner": "partner|partenariat|joint venture|jv |memorandum|mou |accord|agreement"
               "|protocole|alliance|collaborat",
    "own": "own|operat|exploit|propriet|gestion|manage|run |runs |pilote|conduit |porte ",
    "energy": "solar|photovolta|pv |wind farm|power plant|power station|centrale|hydro"
              "|geotherm|thermal|grid |reseau electrique|ipp |battery|batteries|mwc |mwp ",
    "region": "across africa|across the continent|across the region|africa's|continent"
              "|sub-saharan|subsaharienne|market|marche |installed|nationwide|en afrique"
              "|du continent|total",
    "phase": "first phase|phase one|phase 1 |phase i |initial|premiere phase|initialement"
             "|dans un premier temps|to start|begin with|starting with",
    "full": "full build|fully built|at full|ultimately|eventually|up to|a terme|jusqu'a"
            "|total|potential|scale up|scaled up|extensible|capacite totale|when complete"
            "|once complete",
}
CUES: dict[str, tuple[str, ...]] = {
    name: tuple(" " + part for part in text.split("|")) for name, text in _CUE_TEXT.items()}


def normalized_words(text: str) -> str:
    """Lower-case, accent-free words joined by single spaces, padded with spaces."""
    return " " + " ".join(w for _, _, w in words(strip_accents(text).lower())) + " "


def cues_in(normalized: str) -> set[str]:
    """Names of the cue classes present in an already :func:`normalized_words` text."""
    return {name for name, parts in CUES.items() if any(p in normalized for p in parts)}


def cue_names(text: str) -> set[str]:
    """Names of the cue classes present in ``text``."""
    return cues_in(normalized_words(text))
