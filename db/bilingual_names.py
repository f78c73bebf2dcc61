"""One organisation named in French and in English ("Banque mondiale", "World Bank").

The sources write in both languages, and the development banks and funds that
back data centres are called by a translated name in each: the Banque
africaine de développement is the African Development Bank, the Fonds
souverain de Djibouti the Djibouti Sovereign Fund. Spelling rules cannot join
them, so a lead list showed such an investor twice. Their words can: put the
French words of institution names in English, leave out the small words and
the legal forms, and both names leave the same words behind (word order
differs between the languages, so the words are compared as a set).

Only the vocabulary of financial and public institutions is translated, where
one translation is the usual one. Names whose words match only by order, with
no French word in them ("Bank of Africa", "Africa Bank"), are not joined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from db.project_stage import fold

#: French words of institution names, accent-free, and the English word for each.
FRENCH_TO_ENGLISH = {
    "banque": "bank", "mondiale": "world", "africaine": "african", "africain": "african",
    "afrique": "africa", "developpement": "development", "fonds": "fund",
    "souverain": "sovereign", "investissement": "investment",
    "investissements": "investments", "financiere": "finance", "internationale": "international",
    "europeenne": "european", "europeen": "european", "ouest": "west", "centrale": "central",
    "nationale": "national", "agence": "agency", "islamique": "islamic", "arabe": "arab",
    "economique": "economic", "etats": "states", "unis": "united", "societe": "corporation",
    "francaise": "french", "allemande": "german", "chinoise": "chinese",
}
#: Words a name can drop in either language without naming another organisation.
_SMALL_WORDS = {
    "de", "du", "des", "la", "le", "les", "l", "d", "et", "pour", "en", "a", "au", "aux",
    "of", "the", "for", "and", "in", "to",
    "corporation", "company", "group", "groupe", "ltd", "limited", "plc", "inc", "sa", "corp",
}


def neutral_key(name: str) -> tuple[str, bool] | None:
    """The words of ``name`` in English, small words left out, sorted; and whether a French
    word was translated. None for a name of fewer than two such words: one word says
    too little to join two names by."""
    translated = False
    kept = set()
    for word in _words(name):
        english = FRENCH_TO_ENGLISH.get(word)
        if english is not None:
            translated = True
            word = english
        if word not in _SMALL_WORDS:
            kept.add(word)
    if len(kept) < 2:
        return None
    return " ".join(sorted(kept)), translated


def bilingual_keys(names: Iterable[str], key: Callable[[str], str]) -> dict[str, str]:
    """``key(name) -> key`` for the names of one organisation written in two languages:
    each to the key of one of them, an English name's (no French word) first, then A-Z.

    ``key`` is the caller's own name key; which spelling to show is the caller's
    choice too (:func:`is_translated` tells the English ones).
    """
    groups: dict[str, dict[str, bool]] = {}
    for name in names:
        neutral = neutral_key(name)
        if neutral is None:
            continue
        words, translated = neutral
        members = groups.setdefault(words, {})
        k = key(name)
        members[k] = members.get(k, True) and translated  # English if any of its names is
    out: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2 or not any(members.values()):
            continue
        chosen = min(members, key=lambda k: (members[k], k))
        out.update({k: chosen for k in members if k != chosen})
    return out


def is_translated(name: str) -> bool:
    """True when ``name`` holds a French word of :data:`FRENCH_TO_ENGLISH`."""
    return any(word in FRENCH_TO_ENGLISH for word in _words(name))


def _words(name: str) -> list[str]:
    """The folded (lower-case, accent-free) words of ``name``, as both functions read it."""
    return re.findall(r"[a-z0-9+]+", fold(name))
