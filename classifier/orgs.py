"""Organisation candidates: every span that may name a company or an institution.

Candidates are generated generously from the shape of the text (capitalised
runs, acronyms, French institution names whose later words are lower-case,
"the minister of X" standing for the ministry) and grouped into entities
(long form, acronym and short form of one organisation). Which entity is an
operator, an investor or neither is for the role classifier to decide from
context; nothing here knows any company by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from classifier import places
from classifier.text import Sentence, fold, sentences, strip_accents, words

# Words that join the parts of one name ("Bank of China", "Agence de l'État").
_JOINERS = {"of", "the", "de", "du", "des", "d'", "l'", "la", "le", "del", "da", "&",
            "und", "van", "von", "al", "el", "y"}
# Joiners allowed only inside institution names ("Ministère des Postes et Télécommunications").
_INSTITUTION_JOINERS = {"and", "et", "for", "pour"}
# Units, currencies and other capitalised abbreviations that never name an organisation.
_NOT_ORGS = {"mw", "kw", "gw", "mwh", "it", "ai", "ia", "gdp", "pib", "usd", "us", "eur", "fcfa",
             "cfa", "xof", "xaf", "zar", "ngn", "kes", "mad", "egp", "ghs", "tier", "iii", "iv",
             "ii", "i", "ceo", "pdg", "cfo", "cto", "coo", "ict", "tic", "tics", "ipo", "mou",
             "jv", "pv", "km", "m2", "sq", "ft", "gb", "tb", "pb", "q1", "q2", "q3", "q4", "h1",
             "h2", "am", "pm", "gmt", "utc", "cet", "wat", "eat", "cat", "sast", "nyse", "jse",
             "lse", "nasdaq", "bvrc", "brvm", "covid", "covid-19", "dg", "ong", "ngo"}
# Heads of institution names; French ones may continue in lower case.
_INSTITUTION_HEADS = {
    "ministere", "ministry", "ministre", "minister", "agence", "agency", "autorite",
    "authority", "societe", "office", "direction", "banque", "bank", "caisse", "fonds", "fund",
    "conseil", "council", "commission", "secretariat", "institut", "institute", "department",
    "departement", "administration", "centre", "center", "programme", "program", "ecole",
    "universite", "university", "haut", "haute", "groupe", "group", "federation", "union",
    "organisation", "organization", "association", "corporation", "compagnie", "entreprise",
    "etablissement",
}
# Lower-case words that end a French institution name.
_STOP_LOWER = {
    "a", "est", "sont", "ont", "sera", "seront", "etait", "qui", "que", "dont", "ou", "pour",
    "par", "avec", "dans", "sur", "sous", "entre", "vers", "chez", "lors", "selon", "apres",
    "avant", "depuis", "pendant", "contre", "sans", "en", "au", "aux", "le", "les", "un",
    "une", "ce", "cette", "ces", "son", "sa", "ses", "leur", "leurs", "il", "elle", "ils",
    "elles", "on", "se", "s'", "ne", "pas", "plus", "tres", "aussi", "deja", "the", "is", "was",
    "has", "have", "will", "would", "said", "says", "which", "who", "that", "to", "in", "at",
    "by", "with", "from", "as", "and", "or", "but", "it", "its", "their", "this",
    "mardi", "lundi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "afin", "ainsi",
    "mais", "donc", "car", "si", "comme", "tout", "tous", "toute", "toutes", "y", "l", "d",
}
# Capitalised words that start sentences or headlines without naming anything.
_COMMON_CAPS = {
    "the", "a", "an", "this", "that", "these", "those", "its", "his", "her", "our", "their",
    "in", "on", "at", "for", "with", "by", "from", "as", "after", "before", "under", "over",
    "since", "while", "when", "where", "according", "but", "and", "if", "once", "both", "all",
    "some", "many", "most", "other", "another", "each", "every", "new", "le", "la", "les", "l'",
    "un", "une", "des", "du", "de", "ce", "cette", "ces", "son", "sa", "ses", "leur", "leurs",
    "selon", "pour", "par", "dans", "en", "au", "aux", "apres", "avant", "lors", "depuis",
    "il", "elle", "ils", "elles", "it", "they", "we", "he", "she", "i", "you", "mr",
    "mrs", "ms", "dr", "m", "mme", "president", "chief", "ceo", "minister", "ministre",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet",
    "aout", "septembre", "octobre", "novembre", "decembre", "lundi", "mardi", "mercredi",
    "jeudi", "vendredi", "samedi", "dimanche", "read", "lire", "also", "aussi", "however",
    "meanwhile", "today", "yesterday", "last", "next", "first", "second", "third", "phase",
    "tier", "about", "more", "than", "there", "here", "what", "why", "how", "who", "which",
    "not", "no", "yes", "now", "then", "so", "such", "only", "just", "still", "even",
    "ensuite", "enfin", "ainsi", "outre", "mais", "alors", "cependant", "toutefois", "desormais",
    "pourtant", "encore", "deja", "plus", "moins", "tres", "ici", "la-bas", "lorsque", "quand",
    "comme", "si", "car", "donc", "or", "ni", "soit", "c'est", "y", "est",
}
_MINISTER = {"ministre": "Ministère", "minister": "Ministry"}
# A person's title as an acronym: it starts no name ("PDG de Cybastion" is a person).
_TITLE_ACRONYMS = {"ceo", "pdg", "cfo", "cto", "coo", "dg", "dga"}


@dataclass
class Mention:
    """One occurrence of an organisation name in the text."""

    start: int
    end: int
    surface: str
    sentence: int


@dataclass
class Entity:
    """One organisation: its names in this text and where they occur."""

    name: str                                   # the fullest form, used as output
    forms: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    acronym: str | None = None
    institution: bool = False

    @property
    def key(self) -> str:
        # Names change only while merging; cache the fold per name.
        if getattr(self, "_key_for", None) != self.name:
            self._key_for, self._key = self.name, fold(self.name)
        return self._key


@lru_cache(maxsize=65536)
def _plain(token: str) -> str:
    return strip_accents(token).lower()


@lru_cache(maxsize=65536)
def _is_cap(token: str) -> bool:
    """A token that can be part of a proper name (Title, UPPER, iXAfrica, 2Africa, N+One)."""
    if not token or not any(c.isalpha() for c in token):
        return False
    if token[0].isupper():
        return True
    if token[0].isdigit() and any(c.isupper() for c in token):
        return True
    # "iXAfrica", "eSwatini"; not a prefixed adjective ("pan-African", "sub-Saharan").
    return token[0].islower() and any(c.isupper() for c in token[1:]) and len(token) > 2 \
        and not token.split("-", 1)[0].islower()


@lru_cache(maxsize=65536)
def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return 2 <= len(letters) <= 8 and all(c.isupper() for c in letters) and token[0].isalpha()


def _spans_in_sentence(sent: Sentence, toks: list[tuple[int, int, str]]
                       ) -> list[tuple[int, int, bool]]:
    """(start, end, institution) spans of candidate names within one sentence."""
    out: list[tuple[int, int, bool]] = []
    i = 0
    n = len(toks)
    while i < n:
        s, e, tok = toks[i]
        plain = _plain(tok)
        institution = plain in _INSTITUTION_HEADS
        # A lower-case head starts a name only as "ministre de ...", "agence des ...":
        # in "la banque Sahelor Invest" the name is what follows.
        starts = _is_cap(tok) or (
            institution and plain in ("ministre", "minister", "ministere", "ministry", "agence",
                                      "banque") and i + 1 < n
            and _plain(toks[i + 1][2]) in ("de", "des", "du", "d'", "of", "for", "pour"))
        if not starts:
            i += 1
            continue
        # Drop a capitalised function word at the start ("The", "Le", "Selon"), and a
        # sentence-initial verb form ("Financé par ...", "Backed by ...").
        if ((plain in _COMMON_CAPS or (i == 0 and _verb_like(tok))) and not institution
                and not _is_acronym(tok)) or plain in _TITLE_ACRONYMS:
            i += 1
            continue
        j = i + 1
        last = i
        lower_run = 0
        while j < n:
            _, _, t = toks[j]
            p = _plain(t)
            gap = sent.text[toks[j - 1][1]:toks[j][0]]
            # A hyphen joins a name ("Export-Import"); a spaced dash separates a dateline
            # ("NAIROBI - Oracle") or a facility's town from its name.
            joined = gap.strip() == "" or gap == "-"
            if not joined and not (gap.strip() == "," and institution and j + 1 < n
                                   and p in ("des", "du", "de")):
                break
            if _is_cap(t) and p not in _COMMON_CAPS - {"la", "le", "de", "du", "des"}:
                last, lower_run = j, 0
            elif p in _JOINERS or (institution and p in _INSTITUTION_JOINERS):
                pass
            elif institution and t.islower() and p not in _STOP_LOWER and lower_run < 3 \
                    and len(p) > 2:
                last, lower_run = j, lower_run + 1
            else:
                break
            j += 1
        if institution:
            last = _before_place_of_service(toks, i, last)
        if last > i or _is_acronym(tok) or (_is_cap(tok) and plain not in _COMMON_CAPS):
            out.append((sent.start + s, sent.start + toks[last][1], institution))
        i = last + 1
    return out


_CONTINENT_ADJECTIVES = {"african", "africain", "africaine", "africains", "africaines",
                         "pan-african", "panafricain", "panafricaine", "european", "europeen",
                         "europeenne", "asian", "asiatique", "american", "americain",
                         "americaine", "arab", "arabe", "gulf", "middle"}


@lru_cache(maxsize=65536)
def _adjective_of_place(surface: str) -> bool:
    """"African", "Kenyan", "Moroccan": one word that says where, never who.

    Alone they would be short forms of "African Development Bank" or "Kenyan
    Ministry of ICT" and lend those names their every use as adjectives.
    """
    if " " in surface:
        return False
    return _plain(surface) in _CONTINENT_ADJECTIVES or places.demonym_country(surface) is not None


_SERVICE_JOINERS = {"pour", "for"}
_ARTICLES = {"le", "la", "les", "l'", "the"}


def _before_place_of_service(toks: list[tuple[int, int, str]], first: int, last: int) -> int:
    """End an institution's name before "pour le Bénin", "for Kenya": a country it
    serves, not part of its name ("directrice des opérations de la Banque mondiale pour
    le Bénin, la Côte d'Ivoire ...")."""
    for k in range(last - 1, first, -1):
        if _plain(toks[k][2]) not in _SERVICE_JOINERS:
            continue
        rest = k + 1 + (_plain(toks[k + 1][2]) in _ARTICLES if k + 1 <= last else 0)
        if rest <= last and places.country_code(" ".join(t for _, _, t in toks[rest:last + 1])):
            return k - 1
        return last
    return last


_VERB_ENDINGS = re.compile(r"(?:é|ée|és|ées|ant|ed|ing|ly)$")


def _verb_like(token: str) -> bool:
    """A participle or adverb: "Financé", "Backed", "According", "Recently"."""
    return len(token) > 4 and token.isalpha() and token[1:].islower() and \
        bool(_VERB_ENDINGS.search(token))


_SPACES = re.compile(r"\s+")
_ELISION = re.compile(r"^(?:[LlDd]['’])")


def _clean_surface(surface: str) -> str:
    return _ELISION.sub("", _SPACES.sub(" ", surface).strip(" ,.-'’"))


@lru_cache(maxsize=65536)
def _initials(name: str) -> str:
    parts = [w for _, _, w in words(name) if _plain(w) not in _JOINERS | _INSTITUTION_JOINERS]
    return "".join(p[0] for p in parts if p[0].isalpha()).upper()


def _acronym_definitions(text: str) -> dict[str, str]:
    """``Long Name (ACR)`` and ``ACR (Long Name)`` pairs stated in the text."""
    found: dict[str, str] = {}
    for m in re.finditer(r"\(([A-Z][A-Za-z0-9&+.-]{1,9})\)", text):
        acr = m.group(1)
        before = text[max(0, m.start() - 160):m.start()].rstrip()
        tokens = words(before)
        letters = [c for c in acr if c.isalpha()]
        # Walk back over words until their initials can spell the acronym.
        for k in range(1, min(len(tokens), 14) + 1):
            cand = before[tokens[-k][0]:]
            if _initials(cand).startswith(letters[0].upper()) and \
                    _fuzzy_initials(cand, acr):
                start = _name_start(before, tokens, len(tokens) - k)
                found[acr] = _clean_surface(before[start:])
                break
    for m in re.finditer(r"\b([A-Z][A-Z0-9&+]{1,8})\s*\(([^()]{6,120})\)", text):
        if _fuzzy_initials(m.group(2), m.group(1)):
            found.setdefault(m.group(1), _clean_surface(m.group(2)))
    return found


def _name_start(text: str, tokens: list[tuple[int, int, str]], first: int) -> int:
    """Where the name ending ``text`` starts when ``tokens[first:]`` spell its acronym:
    there, or earlier when capitalised words the acronym leaves out come just before.

    "with the US International Development Finance Corporation (DFC)" defines
    DFC as the whole name, which the text then calls by either; "DFC" for
    "Development Finance Corporation" alone made two organisations of one.
    The words before count only as a run of capitalised words (no possessive,
    no "-based"; single spaces, or an abbreviation's full stop, between them)
    that follows a lower-case or function word, as names do in running text.
    A run that starts a text or sentence, or follows another capitalised word
    (as every word of a Title Case headline is), says nothing about where the
    name starts: the name is then the words the acronym spells.
    """
    at = first
    while at > 0:
        _, end, word = tokens[at - 1]
        gap = text[end:tokens[at][0]]
        if not (gap == " " or (gap == ". " and "." in word)) or word in _TITLE_FUNCTION_WORDS \
                or not all(part[:1].isupper() for part in word.split("-")) \
                or word.endswith(("'", "’", "'s", "’s")):
            break
        at -= 1
    if at == first or at == 0:
        return tokens[first][0]
    _, end, before = tokens[at - 1]
    if text[end:tokens[at][0]] == " " and (before.islower() or before in _TITLE_FUNCTION_WORDS):
        return tokens[at][0]
    return tokens[first][0]


def _fuzzy_initials(name: str, acronym: str) -> bool:
    """True when the acronym's letters are the initials of the name's words, in order.

    Joiners may or may not contribute a letter ("Agence de l'informatique de
    l'État" → ADIE), and a word may contribute two ("Data Centres" → DC).
    """
    target = [c.upper() for c in acronym if c.isalnum()]
    toks = [w for _, _, w in words(name) if w not in ("'s",)]
    toks = [t[2:] if re.match(r"^[LlDd]['’]", t) and len(t) > 2 else t for t in toks]
    toks = [t for t in toks if t not in ("l'", "d'", "l’", "d’")]

    def walk(ti: int, ai: int) -> bool:
        if ai == len(target):
            return ti == len(toks) or all(_plain(t) in _JOINERS for t in toks[ti:])
        if ti == len(toks):
            return False
        tok = toks[ti]
        first = strip_accents(tok[0]).upper()
        joiner = _plain(tok) in _JOINERS | _INSTITUTION_JOINERS
        if first == target[ai] and walk(ti + 1, ai + 1):
            return True
        return joiner and walk(ti + 1, ai)

    return len(toks) <= 14 and walk(0, 0)


def find_entities(text: str, title: str = "", sents: list[Sentence] | None = None,
                  tokens: list[list[tuple[int, int, str]]] | None = None) -> list[Entity]:
    """Organisation entities of a document (title first, then body).

    ``sents`` may pass the sentences of ``title + "\n\n" + text``, and ``tokens``
    their :func:`~classifier.text.words`, when the caller has them already.
    """
    full = f"{title}\n\n{text}" if title else text
    sents = sents if sents is not None else sentences(full)
    tokens = tokens if tokens is not None else [words(s.text) for s in sents]
    acronyms = _acronym_definitions(full)
    entities: dict[str, Entity] = {}
    alias_of: dict[str, str] = {}

    def entity_for(surface: str, institution: bool) -> Entity:
        key = fold(surface)
        if key in alias_of:
            return entities[alias_of[key]]
        ent = Entity(name=surface, institution=institution)
        entities[key] = ent
        alias_of[key] = key
        return ent

    for long in acronyms.values():
        entity_for(_minister_to_ministry(long), _plain(long.split()[0]) in _INSTITUTION_HEADS)
    for acr, long in acronyms.items():
        ent = entity_for(_minister_to_ministry(long), False)
        ent.acronym = acr
        ent.forms.add(acr)
        alias_of[fold(acr)] = ent.key

    # Tokens never cross a sentence boundary, so the sentences' words are the text's.
    lower_words = {w for toks in tokens for _, _, w in toks if w.islower()}
    headline_like = [s for s, toks in zip(sents, tokens, strict=True)
                     if _title_case(toks, lower_words)]
    headline_index = {s.index for s in headline_like}
    for sent, toks in zip(sents, tokens, strict=True):
        if sent.index in headline_index:
            continue
        for start, end, institution in _spans_in_sentence(sent, toks):
            surface = _clean_surface(full[start:end])
            if not surface or len(surface) < 2 or _plain(surface) in _NOT_ORGS \
                    or _adjective_of_place(surface):
                continue
            surface = _minister_to_ministry(surface)
            ent = entity_for(surface, institution)
            ent.forms.add(surface)
            ent.mentions.append(Mention(start, end, surface, sent.index))
    # In Title Case Headlines every word is capitalised, so capitalised runs say nothing
    # about where a name ends: there, only names already seen in the body are marked.
    for sent in headline_like:
        _mark_known_forms(sent, entities, alias_of)
    return _merge_short_forms(_split_compounds(list(_unique(entities.values())), full))


def _split_compounds(ents: list[Entity], full: str) -> list[Entity]:
    """Give "EcoCloud-G42" back to EcoCloud and G42 when both are named on their own.

    A joint venture or a facility is often called by its partners' names joined
    with a hyphen; as one name it would be a third organisation. A hyphenated name
    whose parts are not all names of the text ("Export-Import Bank") stays whole.
    """
    if not any("-" in ent.name for ent in ents):   # most articles: no name index to build
        return ents
    by_key: dict[str, Entity] = {}
    for ent in ents:
        for form in ent.forms | {ent.name}:
            by_key.setdefault(fold(form), ent)
    kept = []
    for ent in ents:
        parts = [p.strip() for p in ent.name.split("-")]
        owners = [by_key.get(fold(p)) for p in parts] if len(parts) > 1 else []
        if not owners or any(o is None or o is ent for o in owners):
            kept.append(ent)
            continue
        for m in ent.mentions:
            at = m.start
            for part, owner in zip(parts, owners, strict=True):
                found = full.find(part, at, m.end)
                if found < 0:
                    break
                owner.mentions.append(Mention(found, found + len(part), part, m.sentence))
                at = found + len(part)
    return kept


_TITLE_FUNCTION_WORDS = {"To", "For", "Its", "With", "As", "At", "In", "On", "And", "Of",
                         "From", "By", "Into", "Over", "After", "The", "A", "An", "Up"}
_FUNCTION_WORDS_ANY_CASE = _TITLE_FUNCTION_WORDS | {w.lower() for w in _TITLE_FUNCTION_WORDS}


def _title_case(tokens: list[tuple[int, int, str]], lower_words: set[str]) -> bool:
    """A headline written In Title Case: most words capitalised, ordinary ones included.

    A sentence full of names ("AIIM backs N+ONE Datacenters") is capitalised too;
    what gives Title Case away is ordinary words written with a capital ("Secures",
    "Its") that the same article writes in lower case elsewhere.
    """
    toks = [w for _, _, w in tokens]
    # Style guides keep prepositions in lower case even in Title Case ("Financing from
    # RMB"), so they do not count; a brand in camel case ("iXAfrica") counts as capitalised.
    long_words = [w for w in toks if len(w) >= 4 and w[0].isalpha()
                  and w not in _FUNCTION_WORDS_ANY_CASE]
    if len(long_words) < 6 or sum(not w.islower() for w in long_words) < 0.8 * len(long_words):
        return False
    ordinary = [w for w in toks if w in _TITLE_FUNCTION_WORDS or
                (w[:1].isupper() and w[1:].islower() and w.lower() in lower_words)]
    return len(ordinary) >= 2


def _mark_known_forms(sent: Sentence, entities: dict[str, Entity],
                      alias_of: dict[str, str]) -> None:
    pairs = {(form, key) for key, ent in entities.items() for form in ent.forms | {ent.name}}
    forms = sorted(pairs, key=lambda fk: -len(fk[0]))
    taken: list[tuple[int, int]] = []
    for form, key in forms:
        # Only a form the headline holds can match. Most of the article's names are not in
        # it, and a pattern compiled for each cost about 1.3 ms a Title Case headline
        # (the re module's cache is soon full of other articles' names; issue 6).
        if len(form) < 2 or form not in sent.text:
            continue
        for m in re.finditer(r"(?<![\w+])" + re.escape(form) + r"(?![\w+])", sent.text):
            start, end = sent.start + m.start(), sent.start + m.end()
            if any(a < end and start < b for a, b in taken):
                continue
            taken.append((start, end))
            entities[alias_of.get(key, key)].mentions.append(
                Mention(start, end, form, sent.index))


def _minister_to_ministry(surface: str) -> str:
    """"ministre de la Transition numérique" names its ministry: "Ministère de la ..."."""
    head, _, rest = surface.partition(" ")
    mapped = _MINISTER.get(_plain(head))
    if mapped and rest and _plain(rest.split()[0]) in ("de", "des", "du", "of", "for", "d'",
                                                         "de la", "l'"):
        return f"{mapped} {rest}"
    return surface


def _unique(ents):
    seen = set()
    for ent in ents:
        if id(ent) not in seen:
            seen.add(id(ent))
            yield ent


@lru_cache(maxsize=65536)
def is_place_name(name: str) -> bool:
    """A bare country, city or demonym ("Uganda", "Lagos", "Kenyan"): no organisation."""
    return bool(places.country_code(name) or places.city(name) or places.demonym_country(name))


def _merge_short_forms(ents: list[Entity]) -> list[Entity]:
    """Fold "Onix" into "Onix Data Centres" and undefined acronyms into their long form.

    Each entity joins the first longer one (in order of length) that has its
    key, whose key extends its key by whole words, or whose initials or acronym
    it is. Those are looked up in indexes, not by comparing every pair: a
    runaway page can hold thousands of capitalised runs.
    """
    ents.sort(key=lambda e: -len(e.name))
    merged: list[Entity] = []
    first_with: dict[tuple[str, str], int] = {}   # (kind, value) -> first merged index

    def note(kind: str, value: str | None, at: int) -> None:
        if value and first_with.get((kind, value), at) >= at:
            first_with[(kind, value)] = at

    for ent in ents:
        key = ent.key
        found = [first_with.get(("key", key))]
        # "Kenya" is not short for "Kenya Internet Exchange Point": a place keeps its mentions.
        if len(key) >= 3 and not is_place_name(ent.name):
            found.append(first_with.get(("prefix", key)))
        if _is_acronym(ent.name):
            found += [first_with.get(("initials", ent.name)), first_with.get(("acronym", ent.name))]
        found = [at for at in found if at is not None]
        if not found:
            at = len(merged)
            merged.append(ent)
            note("key", key, at)
            for i, ch in enumerate(key):
                if ch == " ":
                    note("prefix", key[:i], at)
            note("initials", _initials(ent.name), at)
            note("acronym", ent.acronym, at)
            continue
        at = min(found)
        target = merged[at]
        target.forms |= ent.forms | {ent.name}
        target.mentions.extend(ent.mentions)
        target.acronym = target.acronym or (ent.name if _is_acronym(ent.name) else None)
        note("acronym", target.acronym, at)
    return [e for e in merged if e.mentions]
