"""Every candidate a document offers, with its features: organisations, places, figures.

Gazetteers and patterns generate and normalise candidates here; which
candidate fills which role is left to the classifiers in ``classifier.model``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

from classifier import places
from classifier.document import Doc
from classifier.features import org_features, person_shaped, span_features, titled_person
from classifier.numbers import capacities, dollar_amounts
from classifier.orgs import Entity, find_entities, is_place_name


@dataclass
class Candidate:
    """One candidate value and its features."""

    value: object                       # org name, ISO code, city name, or a number
    features: dict[str, float]
    spans: list[tuple[int, int]] = field(default_factory=list)
    forms: set[str] = field(default_factory=set)   # other names of the same thing
    entity: Entity | None = None


class DocCandidates:
    """The candidates of one document, each kind computed when first asked for.

    Relevance needs only the places and the document features; the costly
    organisation and figure candidates are built only for articles that pass.
    """

    def __init__(self, doc: Doc):
        self.doc = doc

    @cached_property
    def places(self) -> list[places.PlaceMatch]:
        return places.find_places(self.doc.text)

    @cached_property
    def _places(self) -> tuple[list[Candidate], list[Candidate]]:
        return _place_candidates(self.doc, self.places)

    @property
    def countries(self) -> list[Candidate]:
        return self._places[0]

    @property
    def cities(self) -> list[Candidate]:
        return self._places[1]

    @cached_property
    def orgs(self) -> list[Candidate]:
        return _org_candidates(self.doc, {(m.start, m.end) for m in self.places})

    @cached_property
    def capacities(self) -> list[Candidate]:
        return _figure_candidates(self.doc, capacities(self.doc.text, self.doc.is_french), "mw")

    @cached_property
    def money(self) -> list[Candidate]:
        return _figure_candidates(self.doc, dollar_amounts(self.doc.text, self.doc.is_french),
                                  "usd")

    @cached_property
    def doc_features(self) -> dict[str, float]:
        return _doc_features(self.doc, self.places)


def _org_candidates(doc: Doc, place_spans: set[tuple[int, int]]) -> list[Candidate]:
    entities = find_entities(doc.body, doc.title, doc.sentences, doc.sentence_tokens)
    # People introduced by a title, and the shorter forms of their names ("Faure
    # Gnassingbé" in a headline, "Faure Essozimna Gnassingbé" in the text, "Buhari").
    people = {_first_last(e.name) for e in entities if titled_person(e, doc)}
    surnames = {last for _, last in people}
    kept: list[Entity] = []
    for ent in entities:
        if people and (ent.name in surnames or (
                person_shaped(ent.name) and _first_last(ent.name) in people)):
            continue
        # A bare place name ("Uganda", "Lagos") is not an organisation.
        if is_place_name(ent.name):
            continue
        if all((m.start, m.end) in place_spans for m in ent.mentions):
            continue
        kept.append(ent)
    kept.sort(key=lambda e: min(m.start for m in e.mentions))
    return [Candidate(ent.name, org_features(ent, doc, rank, len(kept)),
                      [(m.start, m.end) for m in ent.mentions], ent.forms | {ent.name}, ent)
            for rank, ent in enumerate(kept)]


def _first_last(name: str) -> tuple[str, str]:
    parts = name.split()
    return parts[0], parts[-1]


def _place_candidates(doc: Doc, matches) -> tuple[list[Candidate], list[Candidate]]:
    by_country: dict[str, list] = {}
    by_city: dict[str, list] = {}
    for m in matches:
        if m.code:
            by_country.setdefault(m.code, []).append(m)
        if m.kind == "city" and m.city is not None:
            by_city.setdefault(m.city.name, []).append(m)
    existing: dict[int, bool] = {}   # sentence index -> whether it speaks of what exists
    countries = []
    for code, ms in by_country.items():
        spans = [(m.start, m.end) for m in ms]
        f = span_features(doc, spans, "")
        kinds = {m.kind for m in ms}
        for kind in kinds:
            f[f"kind_{kind}"] = 1.0
        if kinds == {"demonym"}:
            f["only_demonym"] = 1.0
        already = 0
        for m in ms:
            index = doc.sentence_at(m.start)
            if index not in existing:
                existing[index] = _speaks_of_existing(doc.sentence_tokens[index])
            already += existing[index]
        if already:
            # "Onix exploite déjà à Accra un datacenter": where the company already is.
            f["sent_existing"] = already / len(ms)
        cities = {m.city.name for m in ms if m.kind == "city" and m.city}
        f[f"ncities={min(len(cities), 3)}"] = 1.0
        f["african" if places.is_african(code) else "not_african"] = 1.0
        f["share"] = len(ms) / max(1, len(matches))
        countries.append(Candidate(code, f, spans))
    top = max((len(ms) for ms in by_country.values()), default=0)
    cities = []
    for name, ms in by_city.items():
        spans = [(m.start, m.end) for m in ms]
        f = span_features(doc, spans, "")
        city = ms[0].city
        f[f"citykind={city.kind}"] = 1.0
        f["african" if places.is_african(city.country) else "not_african"] = 1.0
        if city.ambiguous:
            f["ambiguous"] = 1.0
        country_mentions = len(by_country.get(city.country, []))
        f["country_top"] = float(country_mentions == top)
        f["country_share"] = country_mentions / max(1, len(matches))
        cities.append(Candidate(name, f, spans, {m.surface for m in ms}))
    return countries, cities


#: Words that place a sentence's facts before the news: what a company already runs.
_EXISTING_WORDS = {"already", "existing", "currently", "déjà", "deja", "existant", "existants",
                   "existante", "existantes", "actuellement"}


def _speaks_of_existing(tokens: list[tuple[int, int, str]]) -> bool:
    """Whether a sentence (its words) speaks of what already exists."""
    return any(w.lower() in _EXISTING_WORDS for _, _, w in tokens)


_PHASE_WORDS = {"phase", "first", "initial", "initially", "building", "tranche", "stage",
                "premiere", "premier", "initiale", "initialement", "etape", "batiment", "module"}
_FULL_WORDS = {"full", "fully", "total", "ultimately", "eventually", "potential", "up",
               "campus", "terme", "totale", "jusqu'a", "scale", "scaled", "overall",
               "build-out", "completion", "complete", "combined"}


def _near(doc: Doc, spans: list[tuple[int, int]], vocabulary: set[str]) -> bool:
    for start, end in spans:
        left, right = doc.window(start, end, 4)
        if vocabulary & set(left) or vocabulary & set(right):
            return True
    return False


def _figure_candidates(doc: Doc, figures, kind: str) -> list[Candidate]:
    by_value: dict[float, list] = {}
    for fig in figures:
        by_value.setdefault(round(fig.value, 3), []).append(fig)
    values = sorted(by_value, reverse=True)
    order = sorted(by_value, key=lambda v: by_value[v][0].start)
    spans_of = {v: [(g.start, g.end) for g in by_value[v]] for v in values}
    phase = {v: _near(doc, spans_of[v], _PHASE_WORDS) for v in values}
    full = {v: _near(doc, spans_of[v], _FULL_WORDS) for v in values}
    out = []
    for rank, value in enumerate(values):
        spans = spans_of[value]
        f = span_features(doc, spans, "")
        f[f"{kind}_rank={min(rank, 3)}"] = 1.0
        f[f"{kind}_nvalues={min(len(values), 4)}"] = 1.0
        f[f"{kind}_log"] = math.log10(max(value, 1e-3))
        if rank == 0:
            f[f"{kind}_is_max"] = 1.0
        if rank == len(values) - 1:
            f[f"{kind}_is_min"] = 1.0
        # Headline figures come first: in the title or the lead.
        f[f"{kind}_order={min(order.index(value), 3)}"] = 1.0
        # Phases: the full build wins over the first phase ("5MW first phase of a 20MW
        # campus"), so each figure learns whether a bigger "full" or smaller "phase" is near.
        if phase[value]:
            f[f"{kind}_near_phase"] = 1.0
        if full[value]:
            f[f"{kind}_near_full"] = 1.0
        if any(full[v] for v in values if v > value):
            f[f"{kind}_bigger_full_exists"] = 1.0
        if any(phase[v] for v in values if v < value):
            f[f"{kind}_smaller_phase_exists"] = 1.0
        if any(v > value for v in values) and phase[value]:
            f[f"{kind}_phase_and_bigger"] = 1.0
        out.append(Candidate(value, f, spans))
    return out


#: The cue class (:mod:`classifier.cues`) of data-centre words, which the document features
#: count by sentence.
DC_CUE = "dc"


def doc_candidates(doc: Doc) -> DocCandidates:
    """All candidates of one document (computed lazily)."""
    return DocCandidates(doc)


def _doc_features(doc: Doc, matches) -> dict[str, float]:
    """Where the article puts its data centres: the facts relevance turns on.

    A text classifier hears "data centre" but not whether it is in Lagos or in
    Ajman; these features say which places share sentences with data-centre words.
    """
    f: dict[str, float] = {}
    by_sentence: dict[int, list] = {}
    for m in matches:
        if m.code:
            by_sentence.setdefault(doc.sentence_at(m.start), []).append(m)
    counts: dict[str, int] = {}
    dc_af = dc_other = 0
    for idx, ms in by_sentence.items():
        african = any(places.is_african(m.code) for m in ms)
        if DC_CUE in doc.sentence_cues[idx]:
            dc_af += african
            dc_other += not african
        for m in ms:
            counts[m.code] = counts.get(m.code, 0) + 1
        if doc.in_title(doc.sentences[idx].start):
            f["title_africa" if african else "title_elsewhere"] = 1.0
        elif idx <= 2:
            f["lead_africa" if african else "lead_elsewhere"] = 1.0
    dc_sentences = sum(1 for cues in doc.sentence_cues if DC_CUE in cues)
    f[f"dc_sentences={min(dc_sentences, 4)}"] = 1.0
    f[f"dc_africa={min(dc_af, 3)}"] = 1.0
    f[f"dc_elsewhere={min(dc_other, 3)}"] = 1.0
    if counts:
        top = max(counts, key=counts.get)
        f["top_country_africa" if places.is_african(top) else "top_country_elsewhere"] = 1.0
        african = sum(v for k, v in counts.items() if places.is_african(k))
        f["africa_share"] = african / sum(counts.values())
    else:
        f["no_place"] = 1.0
    if DC_CUE in doc.sentence_cues[0] if doc.sentences and doc.title else False:
        f["title_dc"] = 1.0
    return f


def features_without_cue() -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """What :func:`_doc_features` gives a document in which no sentence has a data-centre
    cue (:data:`DC_CUE`): the features every such document gets, with their values, and
    those it may get, with their ranges. Nothing else.

    A linear score over these features can then be bounded for such a document
    without reading it (:meth:`classifier.predict.Predictor.relevance_scores`);
    ``tests/test_candidates.py`` holds every corpus document to this.
    """
    fixed = {"dc_sentences=0": 1.0, "dc_africa=0": 1.0, "dc_elsewhere=0": 1.0}
    free = dict.fromkeys(("title_africa", "title_elsewhere", "lead_africa", "lead_elsewhere",
                          "top_country_africa", "top_country_elsewhere", "no_place",
                          "africa_share"), (0.0, 1.0))
    return fixed, free
