"""Offline places gazetteer: countries, demonyms and cities in English and French news text.

Why it exists: the tagger needs place *candidates* (every country, city and
demonym an article names, with offsets) and a *normal form* for each (ISO
3166-1 alpha-2 code, one canonical city row), and the Datasette map needs
coordinates. All of it comes from two curated CSV files shipped beside this
module (``data/countries.csv``, ``data/cities.csv``), so nothing is fetched or
installed at run time.

Matching rules, and why:

* Accents never matter ("Lomé" = "Lome", "Sénégal" = "Senegal"), nor do the
  apostrophe and hyphen variants ("Côte d’Ivoire" = "Cote d'Ivoire" =
  "Côte-d'Ivoire"): news sites are inconsistent about both.
* Case does matter: a name matches as written, Title Cased, or in capitals
  (names of four letters or more only), so "Tema" the port matches and "tema"
  the Portuguese word does not; short capitals such as "GAO" or "ABA" are
  acronyms far more often than towns. Acronyms of the data ("US", "DRC", "RDC",
  "UAE", "CAR") match only in capitals, for the same reason.
* French demonyms are lower case in running text ("le gouvernement
  sénégalais") and capitalised as nouns ("les Sénégalais"): both match. English
  demonyms match capitalised only; plurals in -s match too.
* French elision and English possessives need no special case: the apostrophe
  is a word boundary, so "d'Abidjan", "l'Égypte" and "Nigeria's" all match.
* Names that are also common words, first names, languages or better-known
  places elsewhere are still returned, flagged ``ambiguous``; the tagger weighs
  them with context. Fixed phrases that contain a place name but do not point
  at that country ("Gulf of Guinea", "Indian Ocean", "Niger Delta",
  "US$") are consumed and yield nothing.

``find_places`` keeps every surface form that starts with a capital in a
character trie: a small regular expression finds each word that starts with a
character some name starts with, and the trie is walked from there; the few
lower-case forms (French demonyms, "lac Victoria") get small per-word
expressions tried only when their first word occurs. Matches are
leftmost-longest: "Benin City" beats "Benin", "Guinea-Bissau" beats "Guinea",
"South Africans" beats "South Africa".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "City", "Country", "PlaceMatch", "all_cities", "all_countries", "city", "cities_named",
    "coordinates", "country", "country_centroid", "country_code", "country_name",
    "demonym_country", "find_places", "is_african",
]

# ---------------------------------------------------------------------------- data types


@dataclass(frozen=True, slots=True)
class City:
    """One curated place: a city, town, district or business park."""

    name: str
    country: str          # ISO 3166-1 alpha-2
    lat: float
    lon: float
    kind: str             # capital, city, town, district, business-park
    ambiguous: bool       # the name is also a common word or another well-known place


@dataclass(frozen=True, slots=True)
class Country:
    """One ISO 3166-1 country or territory with its names in English and French."""

    code: str
    name_en: str
    name_fr: str
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]
    lat: float
    lon: float
    continent: str        # AF, EU, AS, NA, SA, OC, AN
    ambiguous_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """One place mention in a text; ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    kind: str             # "country", "city" or "demonym"
    code: str             # ISO alpha-2 of the country the mention points at
    city: City | None     # the city row (also set when a country shares a city's name)
    ambiguous: bool = False


# ---------------------------------------------------------------------------- folding

_APOSTROPHES = "'’‘ʼ`´′‛"
_HYPHENS = "-‐‑‒–—−"
_SPACES = ("\t\n\r\x0b\x0c\xa0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
           "\u205f\u3000")
# Frequent characters outside Latin-1 in news text, mapped one-to-one before the fast path.
_NON_LATIN1 = {"’": " ", "‘": " ", "ʼ": " ", "‛": " ", "′": " ", "‐": " ", "‑": " ", "‒": " ",
               "–": " ", "—": " ", "−": " ", "\u2009": " ", "\u202f": " ", "\u200a": " ",
               "\u2002": " ", "\u2003": " ", "\u2007": " ", "\u2008": " ", "“": '"', "”": '"',
               "„": '"', "…": ".", "œ": "o", "Œ": "O", "ı": "i", "ł": "l", "Ł": "L", "đ": "d",
               "Đ": "D", "ș": "s", "Ș": "S", "ț": "t", "Ț": "T", "ğ": "g", "Ğ": "G", "ş": "s",
               "Ş": "S", "ā": "a", "ī": "i", "ū": "u", "ē": "e", "ō": "o", "ḩ": "h", "Ḩ": "H"}
_COMBINING = re.compile(r"[\u0300-\u036f]")


def _fold_char(ch: str) -> str:
    """One character without its accent, or a space for apostrophes, hyphens and spaces."""
    if ch in _APOSTROPHES or ch in _HYPHENS or ch in _SPACES:
        return " "
    if ch in _NON_LATIN1:
        return _NON_LATIN1[ch]
    if ch < "\x80":
        return ch
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if len(base) == 1:
        return base
    return {"ø": "o", "Ø": "O", "ß": "s", "æ": "a", "Æ": "A", "þ": "t", "Þ": "T",
            "ð": "d", "Ð": "D"}.get(ch, ch)


@lru_cache(maxsize=1)
def _latin1_table() -> bytes:
    """bytes.translate table folding every Latin-1 character (the fast path)."""
    return bytes(ord(_fold_char(chr(i))) for i in range(256))


class _FoldMap(dict):
    """str.translate table that computes (and remembers) the fold of any character."""

    def __missing__(self, key: int) -> str:
        value = _fold_char(chr(key))
        self[key] = value
        return value


_FOLD_MAP = _FoldMap()


def _fold_text(text: str) -> tuple[str, list[int] | None]:
    """Accent-free copy of ``text`` with apostrophes, hyphens and spaces made plain spaces.

    Case is kept. The copy has the same length as ``text`` (so offsets carry over)
    unless the text holds combining accents (decomposed Unicode), in which case
    they are dropped and the second value maps each folded index to its original one.
    Latin-1 text (most EN and FR news once curly quotes and dashes are replaced) is
    folded by ``bytes.translate``, which is much faster than a per-character table.
    """
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raw = None
        if not _COMBINING.search(text):
            plain = text
            for ch, rep in _NON_LATIN1.items():
                if ch in plain:
                    plain = plain.replace(ch, rep)
            try:
                raw = plain.encode("latin-1")
            except UnicodeEncodeError:
                return text.translate(_FOLD_MAP), None
    if raw is not None:
        return raw.translate(_latin1_table()).decode("latin-1"), None
    # Decomposed accents: drop the marks, remember where every kept character came from.
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.combining(ch):
            continue
        out.append(_FOLD_MAP[ord(ch)])
        index.append(i)
    return "".join(out), index


def _surface_key(name: str) -> str:
    """A name as the matcher sees it: folded, single-spaced, case kept."""
    folded, _ = _fold_text(unicodedata.normalize("NFC", name))
    return " ".join(folded.split())


def _lookup_key(name: str) -> str:
    """A name as the lookup functions see it: folded, no dots or commas, case-insensitive."""
    return _surface_key(name.replace(".", "").replace(",", " ").replace("(", " ")
                        .replace(")", " ")).casefold()


def _is_acronym(name: str) -> bool:
    """"US", "U.S.", "DRC", "UAE", "CAR": capitals only, so they match only as written."""
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and len(letters) <= 4 and all(c.isupper() for c in letters)


# ---------------------------------------------------------------------------- loading


def _rows(filename: str) -> Iterator[dict[str, str]]:
    with resources.files(__package__).joinpath("data", filename).open(encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _split(field: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in field.split("|") if x.strip())


@lru_cache(maxsize=1)
def _countries() -> dict[str, Country]:
    out = {}
    for r in _rows("countries.csv"):
        out[r["code"]] = Country(
            code=r["code"], name_en=r["name_en"], name_fr=r["name_fr"],
            aliases=_split(r["aliases"]), demonyms=_split(r["demonyms"]),
            lat=float(r["lat"]), lon=float(r["lon"]), continent=r["continent"],
            ambiguous_names=_split(r.get("ambiguous_names") or ""))
    return out


@lru_cache(maxsize=1)
def _cities() -> tuple[tuple[City, tuple[str, ...]], ...]:
    out = []
    for r in _rows("cities.csv"):
        c = City(name=r["name"], country=r["country"], lat=float(r["lat"]),
                 lon=float(r["lon"]), kind=r["kind"], ambiguous=r["ambiguous"] == "1")
        out.append((c, _split(r["aliases"])))
    # African rows first, then capitals, so that a shared name resolves to them.
    order = {"capital": 0, "city": 1, "business-park": 2, "district": 3, "town": 4}
    africa = {code for code, c in _countries().items() if c.continent == "AF"}
    out.sort(key=lambda pair: (pair[0].country not in africa, order.get(pair[0].kind, 5)))
    return tuple(out)


def _country_names(c: Country) -> tuple[str, ...]:
    return (c.name_en, c.name_fr, *c.aliases)


# French articles in city names ("Le Caire", "La Marsa"): "au Caire", "du Caire" must match.
_ARTICLE = re.compile(r"^(?:Le|La|Les|L) (?=[A-Z])")
# Remainders too common to stand alone ("Cap"): they match only after their article or
# its contractions ("le Cap", "au Cap", "du Cap"; "la Marsa").
_ARTICLE_KEEP = {"Cap", "Port", "Marsa", "Paz", "Valley", "Kram", "Havre", "Mans"}
_ARTICLE_FORMS = {"le": ("le ", "au ", "du "), "la": ("la ", "a ", "de "),
                  "les": ("les ", "aux ", "des "), "l": ("l ",)}


@lru_cache(maxsize=1)
def _lookups() -> dict[str, dict[str, object]]:
    """Case-insensitive dictionaries for the lookup functions (and exact-case acronyms)."""
    countries: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    for c in _countries().values():
        for n in _country_names(c):
            if _is_acronym(n):
                acronyms.setdefault(_surface_key(n.replace(".", "")), c.code)
            else:
                countries.setdefault(_lookup_key(n), c.code)
    demonyms: dict[str, str] = {}
    for c in _countries().values():
        for d in c.demonyms:
            demonyms.setdefault(_lookup_key(d), c.code)
    cities: dict[str, list[City]] = {}
    for c, aliases in _cities():
        for n in (c.name, *aliases):
            forms = [n]
            m = _ARTICLE.match(_surface_key(n))
            if m and (rest := _surface_key(n)[m.end():]) not in _ARTICLE_KEEP and len(rest) >= 4:
                forms.append(rest)
            for f in forms:
                lst = cities.setdefault(_lookup_key(f), [])
                if c not in lst:
                    lst.append(c)
    return {"countries": countries, "acronyms": acronyms, "demonyms": demonyms,
            "cities": cities}


# ---------------------------------------------------------------------------- lookups


def _strip_article(key: str) -> str | None:
    for art in ("the ", "le ", "la ", "les ", "l ", "en ", "au ", "aux ", "du ", "des ", "de "):
        if key.startswith(art):
            return key[len(art):]
    return None


def country_code(name: str) -> str | None:
    """ISO alpha-2 code of a country name, alias or (upper-case) code; else None.

    "Côte d'Ivoire", "Ivory Coast", "cote d ivoire", "la Côte d’Ivoire" -> "CI";
    "SN" -> "SN" but "sn" -> None, so that ordinary words are never taken for codes.
    Demonyms are not country names: see ``demonym_country``.
    """
    if not name or not name.strip():
        return None
    name = name.strip()
    if len(name) == 2 and name.isupper() and name in _countries():
        return name
    look = _lookups()
    acronym = look["acronyms"].get(_surface_key(name.replace(".", "")))
    if acronym:
        return acronym  # type: ignore[return-value]
    key = _lookup_key(name)
    found = look["countries"].get(key)
    if found is None and (bare := _strip_article(key)):
        found = look["countries"].get(bare)
    return found  # type: ignore[return-value]


def country_name(code: str, lang: str = "en") -> str | None:
    """Display name of a country in English ("en") or French ("fr"); None if unknown."""
    c = _countries().get((code or "").upper())
    if c is None:
        return None
    if lang.lower().startswith("fr"):
        return c.name_fr
    return c.name_en


def country(code: str) -> Country | None:
    """The full country row for an alpha-2 code (any case)."""
    return _countries().get((code or "").upper())


def all_countries() -> tuple[Country, ...]:
    """Every ISO 3166-1 country and territory, in code order."""
    return tuple(_countries().values())


def is_african(code: str) -> bool:
    """True for the African countries and territories (continent AF, Western Sahara included)."""
    c = _countries().get((code or "").upper())
    return c is not None and c.continent == "AF"


def demonym_country(word: str) -> str | None:
    """Country of a demonym in English or French: "Nigerian", "nigériane", "Ivoiriens" -> code."""
    if not word or not word.strip():
        return None
    demonyms = _lookups()["demonyms"]
    key = _lookup_key(word)
    found = demonyms.get(key)
    if found is None and key.endswith("s"):
        found = demonyms.get(key[:-1])
    return found  # type: ignore[return-value]


def cities_named(name: str) -> tuple[City, ...]:
    """Every curated place with this name or alias, African and capital cities first."""
    if not name or not name.strip():
        return ()
    return tuple(_lookups()["cities"].get(_lookup_key(name), ()))  # type: ignore[arg-type]


def city(name: str) -> City | None:
    """The curated place with this name or alias (accent- and case-insensitive), or None.

    "Le Caire", "Caire", "cairo" -> Cairo; "Yaounde" -> Yaoundé. When two places
    share a name the African one wins (Lagos, Nigeria over Lagos, Portugal).
    """
    found = cities_named(name)
    return found[0] if found else None


def all_cities() -> tuple[City, ...]:
    """Every curated place, African rows first."""
    return tuple(c for c, _ in _cities())


def coordinates(city_name: str, country: str | None = None) -> tuple[float, float] | None:
    """(lat, lon) of a curated place; with ``country``, only a place in that country.

    No fallback to the country centroid: a city the table does not know has no
    coordinates, and the caller decides whether ``country_centroid`` will do.
    """
    for c in cities_named(city_name):
        if country is None or c.country == country.upper():
            return (c.lat, c.lon)
    return None


def country_centroid(code: str) -> tuple[float, float] | None:
    """Approximate centre (lat, lon) of a country, for maps; None if unknown."""
    c = _countries().get((code or "").upper())
    return (c.lat, c.lon) if c else None


# ---------------------------------------------------------------------------- matcher

# Phrases that contain a place name but say nothing about that country. Matched like
# names (so the longer phrase wins) and then dropped.
_BLOCKED = (
    "Gulf of Guinea", "golfe de Guinée", "Golfe de Guinée", "New Guinea", "Nouvelle-Guinée",
    "Guinea pig", "Guinea pigs", "Bight of Benin", "golfe du Bénin", "Golfe du Bénin",
    "Lake Victoria", "lac Victoria", "Lac Victoria", "Queen Victoria", "reine Victoria",
    "Victoria Cross", "Lake Chad", "Lake Chad Basin", "lac Tchad", "Lac Tchad",
    "Lake Malawi", "lac Malawi", "Niger Delta", "delta du Niger", "Delta du Niger",
    "Niger River", "River Niger", "fleuve Niger", "Niger State", "Congo River", "River Congo",
    "fleuve Congo", "Congo Basin", "bassin du Congo", "Bassin du Congo", "Indian Ocean",
    "océan Indien", "Océan Indien", "Indian Ocean Island", "New Mexico", "Nouveau-Mexique",
    "New Jersey", "New South Wales", "Nouvelle-Galles du Sud", "New England",
    "Nouvelle-Angleterre", "Latin America", "Latin American", "Latin Americans",
    "South America", "South American", "South Americans", "North America",
    "North American", "North Americans", "Central America", "Central American",
    "Central Americans", "Bank of America", "US$", "U.S.$", "US $", "US dollar", "US dollars",
    "U.S. dollar", "U.S. dollars", "dollar américain", "dollars américains", "Washington Post",
    "Mexican peso", "Jordan River", "Turkey Point", "Georgia Tech", "Cap-Occidental",
    "Cap-Oriental", "Cap-du-Nord", "Cap Bon", "Cap-Bon",
)


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str | None      # None: a blocked phrase
    code: str
    city: City | None
    ambiguous: bool
    # Only right after one of these words ("au Cap" is Cape Town, "Cap" alone is not).
    after: tuple[str, ...] = ()


_PRIORITY = {"country": 0, "city": 1, "demonym": 2, None: 3}


def _variants(name: str) -> set[str]:
    """The surface forms a name is matched in: as written, Capitalised, Title Cased, CAPITALS."""
    key = _surface_key(name)
    if not key:
        return set()
    if _is_acronym(key):
        return {key}
    out = {key, key[0].upper() + key[1:],
           " ".join(w[:1].upper() + w[1:] for w in key.split(" "))}
    if " " not in key:
        out.add(key[0].upper() + key[1:].lower())
    if sum(c.isalpha() for c in key) >= 4:
        out.add(key.upper())
    return out


def _plural(name: str) -> str | None:
    if name[-1:] in ("s", "x", "z") or name.endswith("ese"):
        return None
    return name + "s"


@lru_cache(maxsize=1)
def _entries() -> dict[str, _Entry]:
    """Every surface form (folded, case kept) and what it points at."""
    entries: dict[str, _Entry] = {}

    def add(name: str, entry: _Entry) -> None:
        for form in _variants(name):
            old = entries.get(form)
            if old is None or _PRIORITY[entry.kind] < _PRIORITY[old.kind]:
                # A country that shares its name with one of its cities keeps the city.
                if old is not None and entry.kind == "country" and old.city is not None \
                        and old.city.country == entry.code:
                    entry = _Entry("country", entry.code, old.city, entry.ambiguous)
                entries[form] = entry
            elif old.kind == "country" and entry.kind == "city" and old.city is None \
                    and entry.city is not None and entry.city.country == old.code:
                entries[form] = _Entry("country", old.code, entry.city, old.ambiguous)

    for c in _countries().values():
        amb = {_lookup_key(n) for n in c.ambiguous_names}
        for n in _country_names(c):
            add(n, _Entry("country", c.code, None, _lookup_key(n) in amb))
        for d in c.demonyms:
            entry = _Entry("demonym", c.code, None, _lookup_key(d) in amb)
            add(d, entry)
            if (p := _plural(d)) is not None:
                add(p, entry)
    for c, aliases in _cities():
        entry = _Entry("city", c.country, c, c.ambiguous)
        for n in (c.name, *aliases):
            add(n, entry)
            key = _surface_key(n)
            m = _ARTICLE.match(key)
            if not m:
                continue
            rest = key[m.end():]
            if rest not in _ARTICLE_KEEP and len(rest) >= 4:
                add(rest, entry)
            elif rest not in entries:
                after = _ARTICLE_FORMS[m.group().strip().lower()]
                entries[rest] = _Entry("city", c.country, c, c.ambiguous, after=after)
    for phrase in _BLOCKED:
        for form in _variants(phrase) | {_surface_key(phrase)}:
            entries[form] = _Entry(None, "", None, False)
    return entries


def _trie(keys) -> dict:
    trie: dict = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = True
    return trie


def _trie_regex(node: dict, last: str) -> str:
    """Regex for the keys below a trie node; ``last`` is the character leading to it.

    One branch per next character, so the engine never tries two keys at once.
    Longer continuations come before the end of a shorter key, so the match is the
    longest key that fits. A key that ends in a word character must not be followed
    by one ("Niger" is not in "Nigeria"); one that ends otherwise ("U.S.", "US$")
    needs no check.
    """
    branches = [re.escape(ch) + _trie_regex(node[ch], ch) for ch in sorted(k for k in node if k)]
    if "" in node:
        end = r"(?!\w)" if (last.isalnum() or last == "_") else ""
        if not branches:
            return end
        branches.append(end)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


# Word characters for the first-word index of lower-case keys: everything else is a space.
_TOKEN_BYTES = bytes(i if i < 128 and chr(i).isalnum() else 32 for i in range(256))


_WORD = re.compile(r"\w")


class _UpperMatcher:
    """Leftmost-longest matches of the names that start with a capital or a digit.

    Why a trie walked in Python rather than one regular expression shaped as the
    trie (what this was): compiling that expression, thousands of names long,
    took 0.3-0.4 s of CPU in every process that tags, before its first article
    (the crawl's workers wait for it at the start of every crawl; ``retag`` and
    ``tag`` too). The walk gives the same matches and costs about 0.08 ms more
    per text. Candidates are found in C: the start of each word whose first
    character starts some name (with every name starting with a capital, that is
    few of the words of prose).
    """

    def __init__(self, keys: list[str]) -> None:
        self.trie = _trie(keys)
        first = "".join(re.escape(ch) for ch in sorted(self.trie))
        self.starts = re.compile(rf"(?<!\w)[{first}]") if first else None

    def spans(self, folded: str) -> list[tuple[int, int, str]]:
        """``(start, end, key)`` of each match in ``folded``, in text order."""
        if self.starts is None:
            return []
        out: list[tuple[int, int, str]] = []
        trie, word, n, last_end = self.trie, _WORD.match, len(folded), 0
        for m in self.starts.finditer(folded):
            start = m.start()
            if start < last_end:
                continue
            node, prev, i, best = trie[folded[start]], folded[start], start + 1, -1
            while True:
                # A key that ends in a word character must not be followed by one
                # ("Niger" is not in "Nigeria"); "U.S." or "US$" needs no check.
                if "" in node and not ((prev.isalnum() or prev == "_") and i < n
                                       and word(folded, i)):
                    best = i
                if i < n and (child := node.get(folded[i])) is not None:
                    node, prev, i = child, folded[i], i + 1
                else:
                    break
            if best > 0:
                out.append((start, best, folded[start:best]))
                last_end = best
        return out


@lru_cache(maxsize=1)
def _matcher() -> tuple[_UpperMatcher, dict[bytes, str], frozenset[bytes]]:
    """The matchers: a trie for names that start with a capital or a digit, and a
    pattern per first word for the few that start in lower case (French demonyms,
    "lac Victoria"...).

    Why two: starting from capitals only, a scan visits few of the words of prose;
    lower-case keys are looked for only when their first word occurs in the text,
    each with a pattern that starts with that literal word (a fast substring
    search), compiled the first time that word is seen (most never are: it keeps
    the load short).
    """
    entries = _entries()
    upper = [k for k in entries if k[0].isupper() or k[0].isdigit()]
    lower = [k for k in entries if not (k[0].isupper() or k[0].isdigit())]
    by_first: dict[str, list[str]] = {}
    for k in lower:
        first = k.encode("latin-1", "replace").translate(_TOKEN_BYTES).split(b" ")[0]
        by_first.setdefault(first.decode("latin-1"), []).append(k)
    lower_rx = {}
    for first, keys in by_first.items():
        n = len(first)
        rest = _trie({k[n:] for k in keys})
        rx = re.escape(first) + rf"(?<!\w.{{{n}}})" + _trie_regex(rest, first[-1])
        lower_rx[first.encode("latin-1", "replace")] = rx
    return _UpperMatcher(upper), lower_rx, frozenset(lower_rx)


@lru_cache(maxsize=1024)
def _lower_regex(first: bytes) -> re.Pattern[str]:
    return re.compile(_matcher()[1][first])


def find_places(text: str) -> list[PlaceMatch]:
    """Every non-overlapping place mention in ``text``, leftmost-longest, in text order.

    Countries (names, aliases, acronyms), cities (names, aliases) and demonyms, in
    English and French. Each match carries the ISO code it points at; ``city`` is
    set for city mentions (and for a country sharing a city's name, e.g. "Djibouti").
    """
    if not text:
        return []
    upper, _, lower_first = _matcher()
    entries = _entries()
    folded, index = _fold_text(text)
    spans = upper.spans(folded)
    # Bytes are the fast way to split prose into words here (no per-character table).
    words = lower_first.intersection(
        folded.encode("latin-1", "replace").translate(_TOKEN_BYTES).split())
    if words:
        for w in words:
            spans.extend((m.start(), m.end(), m.group()) for m in _lower_regex(w).finditer(folded))
        spans.sort(key=lambda x: (x[0], -x[1]))
    out: list[PlaceMatch] = []
    last_end = 0
    n = len(text)
    for s, e, key in spans:
        if s < last_end:
            continue
        entry = entries[key]
        if entry.after and not any(folded[max(0, s - len(a)):s].lower() == a
                                   for a in entry.after):
            continue
        last_end = e
        if entry.kind is None:
            continue
        if index is not None:
            s, e = index[s], (index[e] if e < len(index) else n)
        out.append(PlaceMatch(s, e, text[s:e], entry.kind, entry.code, entry.city,
                              entry.ambiguous))
    return out
