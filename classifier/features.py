"""Feature dicts for candidates: what surrounds a name, a place or a figure.

Each candidate becomes a sparse dict of numbers (DictVectorizer input): cues
from its own words, its neighbours, its sentences and its position. Names themselves
enter only through generic word classes and their shape, so that a company
never seen in training gets the same treatment as a familiar one.
"""

from __future__ import annotations

import math
import re

from classifier.cues import cues_in
from classifier.document import Doc
from classifier.orgs import Entity, is_place_name
from classifier.text import fold, strip_accents

_ORG_DC_WORDS = {"data", "datacenter", "datacenters", "datacentre", "datacentres", "centres",
                 "centers", "centre", "center", "dc", "cloud", "digital", "hosting", "colocation",
                 "infrastructure", "infrastructures", "numerique", "numeriques", "telecom",
                 "telecoms", "telecommunications", "networks", "network", "technologies",
                 "hub", "parks", "park", "fibre", "fiber", "connect", "exchange"}
_ORG_FIN_WORDS = {"capital", "partners", "investment", "investments", "investissement",
                  "invest", "fund", "funds", "fonds", "bank", "banque", "finance", "financial",
                  "corporation", "equity", "asset", "assets", "managers", "management",
                  "souverain", "sovereign", "development", "developpement", "exim", "credit",
                  "africa50", "reinsurance", "trust"}


def _is_fin_word(word: str) -> bool:
    """A financier's word, also as the end of a bank's one-word name ("Citibank", "Ecobank",
    "Afreximbank")."""
    return word in _ORG_FIN_WORDS or word.endswith("bank")


_GOV_WORDS = {"ministere", "ministry", "agence", "agency", "autorite", "authority", "office",
              "government", "gouvernement", "etat", "state", "national", "nationale",
              "societe", "department", "commission", "republic", "republique", "presidence"}
# Words that introduce or follow a person's name ("President Macky Sall", "le président
# sénégalais Macky Sall", "Slim Feriani, chief executive"): heads of state open data
# centres and executives announce them, and their names look like a company's.
_PERSON_TITLES = {"president", "presidente", "minister", "ministre", "ceo", "pdg", "cto",
                  "cfo", "coo", "chairman", "chairwoman", "chair", "director", "directeur",
                  "directrice", "founder", "fondateur", "fondatrice", "secretary",
                  "secretaire", "governor", "gouverneur", "ambassador", "ambassadeur",
                  "ambassadrice", "mayor", "maire", "chancellor", "chancelier", "chanceliere",
                  "king", "roi", "sheikh", "mr", "mrs", "ms", "dr", "mme", "executive",
                  "commissioner", "commissaire", "head", "chief", "managing", "deputy",
                  "vice", "senator", "senateur", "spokesperson", "porte-parole"}
# French titles that take a nationality after them, so the name comes one word later
# ("la ministre camerounaise Minette Libom Li Likeng").
_TITLES_BEFORE_ADJECTIVE = {"president", "presidente", "ministre", "chancelier", "chanceliere",
                            "ambassadeur", "ambassadrice", "roi"}
# How French adjectives of nationality end: sénégalais, camerounaise, ivoirien, marocain,
# kényan, allemand, britannique, burkinabè.
_ADJECTIVE_ENDINGS = ("ais", "aise", "ois", "oise", "ien", "ienne", "en", "enne", "ain", "aine",
                      "an", "ane", "and", "ande", "ique", "be")
_VERB_SAID = {"said", "says", "told", "added", "explained", "declared", "noted", "stated",
              "a", "indique", "declare", "explique", "precise", "affirme", "souligne"}


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


def _norm(word: str) -> str:
    return strip_accents(word).lower()


def org_features(entity: Entity, doc: Doc, rank: int, n_entities: int) -> dict[str, float]:
    """Features of one organisation entity within its document."""
    f: dict[str, float] = {}
    name_words = [_norm(w) for w in re.findall(r"[\w+]+", entity.name)]
    for w in name_words:
        if w in _ORG_DC_WORDS:
            f["name_dc"] = 1.0
        if _is_fin_word(w):
            f["name_fin"] = 1.0
        if w in _GOV_WORDS:
            f["name_gov"] = 1.0
    if name_words:
        f[f"name_last_class={_word_class(name_words[-1])}"] = 1.0
    words = entity.name.split()
    if len(words) >= 2:
        # A place in a name: a state's fund or bank ("Senegal Sovereign Fund", "Export-
        # Import Bank of Korea"), a site ("Dakar Data Centre"), a national arm ("MTN
        # Nigeria"). Which comes first tells these apart more often than not.
        for n in (1, 2):
            if len(words) > n and is_place_name(" ".join(words[:n])):
                f["name_place_first"] = 1.0
            if len(words) > n and is_place_name(" ".join(words[-n:])):
                f["name_place_last"] = 1.0
    f[f"ntok={_bucket(len(name_words), (1, 2, 3, 5))}"] = 1.0
    if entity.acronym:
        f["has_acronym"] = 1.0
    if entity.institution:
        f["institution"] = 1.0
    if len(name_words) in (2, 3) and person_shaped(entity.name):
        f["shape_person"] = 1.0
    mentions = entity.mentions
    f[f"nment={_bucket(len(mentions), (1, 2, 4, 8))}"] = 1.0
    f["log_mentions"] = math.log1p(len(mentions))
    f[f"rank={_bucket(rank, (0, 1, 2, 4))}"] = 1.0
    first = min(m.start for m in mentions)
    f[f"first_sent={_bucket(doc.sentence_at(first), (0, 1, 2, 4, 8))}"] = 1.0
    if any(doc.in_title(m.start) for m in mentions):
        f["in_title"] = 1.0
    cue_counts: dict[str, int] = {}
    subject = titled = 0
    for m in mentions:
        left, right = _window_features(doc, m.start, m.end, "", f)
        if len(right) >= 2:
            f[f"RB={right[0]}_{right[1]}"] = 1.0
        if right and right[0] in _VERB_SAID:
            f["then_said"] = 1.0
        _passive(left, right, f)
        if _titled(doc, m.end, left, right):
            titled += 1
        if right and _YEAR.fullmatch(right[0]):
            # "GITEX Africa 2026", "AfricaCom 2024": an event, not a company.
            f["then_year"] = 1.0
        if _quoted(doc.text, m.start, m.end):
            f["quoted"] = 1.0
        idx = doc.sentence_at(m.start)
        if doc.words_before(idx, m.start) <= 2:
            subject += 1
        for cue in doc.sentence_cues[idx]:
            cue_counts[cue] = cue_counts.get(cue, 0) + 1
    for cue, count in cue_counts.items():
        f[f"sent_{cue}"] = count / len(mentions)
        f[f"any_{cue}"] = 1.0
    f["subject"] = subject / len(mentions)
    background = _in_others_about(entity, doc)
    if background:
        # Named in another company's "About" paragraph (this share of the mentions): a
        # shareholder or a partner of old there, not a party to the news.
        f["about_other"] = background / len(mentions)
    if titled:
        f["person_title"] = 1.0
    f["bias_fr" if doc.is_french else "bias_en"] = 1.0
    return f


_YEAR = re.compile(r"(?:19|20)\d\d")
_BY = {"by", "par"}
_DETERMINERS = {"the", "its", "le", "la", "les", "l'", "sa", "son", "ses"}


def _passive(left: list[str], right: list[str], f: dict[str, float]) -> None:
    """Role cues of a passive verb: "financed by X" makes X the agent of financing, and
    "X, operated by Y" makes X what is operated (a site, a project), not who operates it.

    The window's words alone cannot tell these apart: both put a finance or an
    operate word next to the name.
    """
    words = left[:-1] if left and left[-1] in _DETERMINERS else left
    if len(words) >= 2 and words[-1] in _BY:
        for cue in cues_in(f" {words[-2]} "):
            f[f"agent_{cue}"] = 1.0
    for i in range(1, min(3, len(right))):
        if right[i] in _BY:
            for cue in cues_in(f" {right[i - 1]} "):
                f[f"patient_{cue}"] = 1.0
            break


# Not the straight apostrophe: "l'Agence" is an elision.
_OPEN_QUOTES = ("«", "“", '"', "‘")
_CLOSE_QUOTES = ("»", "”", '"', "’")


def _quoted(text: str, start: int, end: int) -> bool:
    """A name in quotation marks ("un futur « Big Datacenter »") is a project's or a
    nickname; companies are named plainly."""
    before = text[max(0, start - 2):start].rstrip()
    after = text[end:end + 2].lstrip()
    return before.endswith(_OPEN_QUOTES) and after.startswith(_CLOSE_QUOTES)


# Words of company names that the word classes above leave out.
_COMPANY_WORDS = {"holdings", "holding", "group", "groupe", "limited", "company", "compagnie",
                  "africa", "afrique", "african", "africaine", "international", "global",
                  "systems", "solutions", "services", "energy", "power", "communications",
                  "mobile", "technology", "tech", "ventures", "industries", "properties"}


def _in_others_about(entity: Entity, doc: Doc) -> int:
    """How many of the entity's mentions lie in an "About" paragraph on someone else."""
    sections = doc.about_sections
    if not sections:
        return 0
    forms = {fold(form) for form in entity.forms | {entity.name}}
    count = 0
    for m in entity.mentions:
        for start, end, subject in sections:
            if start <= m.start < end:
                key = fold(subject)
                count += not any(form and (form in key or key in form) for form in forms)
                break
    return count


#: Capitalised particles inside a person's name ("Mohamed Ould Cheikh El Ghazouani",
#: "Abdel Fattah El Sisi"): they do not count towards its length.
_NAME_PARTICLES = {"ould", "ben", "bin", "ibn", "abu", "el", "al", "ag", "abdel", "van", "von"}


def person_shaped(name: str) -> bool:
    """Written as a person's name: two to four Capitalised words, none an organisation's
    (particles such as "Ould" or "El" aside)."""
    parts = name.split()
    if not 2 <= len(parts) <= 7 or not all(
            p.isalpha() and p[0].isupper() and p[1:].islower() for p in parts):
        return False
    norms = [_norm(p) for p in parts]
    return 2 <= sum(n not in _NAME_PARTICLES for n in norms) <= 4 and all(
        n not in _COMPANY_WORDS and _word_class(n) not in ("dc", "fin", "gov") for n in norms)


def titled_person(entity: Entity, doc: Doc) -> bool:
    """A person's name that a title introduces somewhere ("le président Macky Sall").

    Such a name is nobody's operator or investor, so it is no candidate at all: as a
    feature alone, too few training examples carry it to outweigh a subject's place
    in an inauguration sentence.
    """
    if not person_shaped(entity.name):
        return False
    for m in entity.mentions:
        left, right = doc.window(m.start, m.end, 2)
        if _titled(doc, m.end, left, right):
            return True
    return False


def _titled(doc: Doc, end: int, left: list[str], right: list[str]) -> bool:
    """Whether a person's title introduces this mention or follows it after a comma."""
    if left and (left[-1] in _PERSON_TITLES or
                 (len(left) >= 2 and left[-2] in _TITLES_BEFORE_ADJECTIVE
                  and left[-1].endswith(_ADJECTIVE_ENDINGS))):
        return True
    return bool(right) and right[0] in _PERSON_TITLES and _title_after(doc.text, end)


_RAW_WORD = re.compile(r"[^\W\d_][\w'-]*")


def _title_after(text: str, end: int) -> bool:
    """", chief executive of ..." after a name is that name's title; in "Safaricom
    Ethiopia, chief executive Wim Vanhelleputte said" it is the next name's."""
    if text[end:end + 1] != ",":
        return False
    following = _RAW_WORD.findall(text, end + 1, end + 80)[:4]
    k = 0
    while k < len(following) and _norm(following[k]) in _PERSON_TITLES:
        k += 1
    return k > 0 and (k == len(following) or not following[k][:1].isupper())


def _word_class(word: str) -> str:
    if word in _ORG_DC_WORDS:
        return "dc"
    if _is_fin_word(word):
        return "fin"
    if word in _GOV_WORDS:
        return "gov"
    if word.isupper() or len(word) <= 3:
        return "short"
    return "other"


def _window_features(doc: Doc, start: int, end: int, prefix: str,
                     f: dict[str, float]) -> tuple[list[str], list[str]]:
    """Neighbour words (3 each side) and word classes (6 each side) of one span, into ``f``.

    Word classes near a name generalise where single words are too rare. Returns
    the three words each side for callers that look further.
    """
    left, right, left_cues, right_cues = doc.context(start, end, 3, 6)
    for cue in left_cues:
        f[f"{prefix}Lcue_{cue}"] = 1.0
    for cue in right_cues:
        f[f"{prefix}Rcue_{cue}"] = 1.0
    for i, w in enumerate(reversed(left)):
        f[f"{prefix}L{i + 1}={w}"] = 1.0
    for i, w in enumerate(right):
        f[f"{prefix}R{i + 1}={w}"] = 1.0
    if len(left) >= 2:
        f[f"{prefix}LB={left[-2]}_{left[-1]}"] = 1.0
    return left, right


def span_features(doc: Doc, spans: list[tuple[int, int]], prefix: str) -> dict[str, float]:
    """Context features shared by places and figures: neighbours, cues, position."""
    f: dict[str, float] = {}
    cue_counts: dict[str, int] = {}
    for start, end in spans:
        _window_features(doc, start, end, prefix, f)
        idx = doc.sentence_at(start)
        for cue in doc.sentence_cues[idx]:
            cue_counts[cue] = cue_counts.get(cue, 0) + 1
        if doc.in_title(start):
            f["in_title"] = 1.0
    for cue, count in cue_counts.items():
        f[f"sent_{cue}"] = count / len(spans)
        f[f"any_{cue}"] = 1.0
    first = min(s for s, _ in spans)
    f[f"first_sent={_bucket(doc.sentence_at(first), (0, 1, 2, 4, 8))}"] = 1.0
    f[f"nment={_bucket(len(spans), (1, 2, 4))}"] = 1.0
    f["log_mentions"] = math.log1p(len(spans))
    f["bias_fr" if doc.is_french else "bias_en"] = 1.0
    return f
