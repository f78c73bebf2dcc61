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

import re
from collections.abc import Iterable
from functools import cache

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


# One alternation per class: a single C-level scan instead of a substring test per part.
_CUE_PATTERNS = {name: re.compile("|".join(re.escape(p) for p in parts))
                 for name, parts in CUES.items()}


def cues_in(normalized: str) -> set[str]:
    """Names of the cue classes present in an already :func:`normalized_words` text."""
    return {name for name, rx in _CUE_PATTERNS.items() if rx.search(normalized)}


def _parts_by_start() -> dict[str, list[tuple[str, str, str]]]:
    # Every part is a space then the start of a word: index parts by that word's first
    # (up to) three letters.
    by_start: dict[str, list[tuple[str, str, str]]] = {}
    for name, parts in CUES.items():
        for part in parts:
            head = part[1:].split(" ")[0]
            by_start.setdefault(head[:3], []).append((head, part, name))
    return by_start


_PARTS_BY_START = _parts_by_start()


def _parts_for(word: str) -> tuple[tuple[str, str], ...]:
    """The (part, cue) pairs that may start at ``word``: those whose first word it extends."""
    keys = {word[:1], word[:2], word[:3]}
    return tuple((part, name) for key in keys for head, part, name in _PARTS_BY_START.get(key, ())
                 if word.startswith(head))


class _PartsCache(dict):
    """``_parts_for`` per word, kept: a plain dict lookup per word of every article,
    done in C by ``map`` (most words start no cue). Emptied at a size that a long
    retag's vocabulary may reach, to bound it."""

    LIMIT = 200_000

    def __missing__(self, word: str) -> tuple[tuple[str, str], ...]:
        if len(self) >= self.LIMIT:
            self.clear()
        parts = self[word] = _parts_for(word)
        return parts


_PARTS = _PartsCache()


def cue_occurrences(normalized: str, starts: Iterable[int], words: Iterable[str]
                    ) -> list[tuple[int, int, str]]:
    """Every (start, end, cue name) occurrence of a cue part in a normalized text, sorted.

    ``starts`` and ``words`` are the text's words and their offsets: a part
    begins with a space, so it can only start right before a word that extends
    its first word. A document's words are normalized once; any run of them is
    then asked which cues it holds by a range lookup instead of a fresh
    substring scan.
    """
    found = []
    for at, parts in zip(starts, map(_PARTS.__getitem__, words), strict=True):
        for part, name in parts:
            if normalized.startswith(part, at - 1):
                found.append((at - 1, at - 1 + len(part), name))
    found.sort()
    return found


def cue_names(text: str) -> set[str]:
    """Names of the cue classes present in ``text``."""
    return cues_in(normalized_words(text))


@cache
def _possible(name: str) -> re.Pattern[str]:
    # Each part's words in order, with anything but word characters between them.
    return re.compile("|".join(r"\W*".join(map(re.escape, part.split())) for part in CUES[name]))


def cue_possible(text: str, name: str) -> bool:
    """False when no run of ``text``'s words can hold cue ``name``; one regex search.

    A part is found among the normalized words (:func:`cue_occurrences`), and
    those are pieces of the accent-free lower-case text with only non-word
    characters between them (the tokenizer leaves no word character out). So
    wherever a part occurs, its words occur in that text in order, separated
    by non-word characters only, which this looks for without tokenizing:
    True may still have no cue, False has none.
    """
    return _possible(name).search(strip_accents(text).lower()) is not None
