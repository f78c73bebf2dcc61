"""The stage of a data-centre project, read from what the article says (English and French).

Why from the text and not from the tagger's ``event``: ``event`` says what the
*news* is (a funding round, a partnership), not where the *facility* stands.
A funding article may be about a campus that has been live for years, and an
"opening" article may open phase one while phases two and three are plans.
So the stage comes from cue phrases in the sentences about the project.

Stages, from least to most advanced, plus the one that ends a project:

* ``announced`` -- the project is only reported (an MoU, an agreement, an
  announcement), or no sentence says more; the fallback for a relevant article;
* ``planned`` -- the text speaks of plans, intentions, land secured, a target
  date ("plans to build", "will open in 2027", "prévoit", "va implanter");
* ``under construction`` -- ground broken, works started ("breaks ground",
  "under construction", "pose de la première pierre", "travaux ont démarré");
* ``operational`` -- opened, commissioned, switched on, in service
  ("inaugurates", "went live", "mis en service", "entre en service");
* ``cancelled`` -- scrapped, abandoned, called off, suspended ("annulé",
  "abandonné").

How a stage is read for one project in one article (:func:`article_stage`):

1. The *focus* sentences are those naming the project's city (for a project
   without a city, its operator), plus the headline unless the headline names
   another of the article's places and not this one (the N+One Nouaceur
   headline says nothing about its Dakar plans).
2. A cue counts as ``planned`` when a future marker stands just before it
   ("will open", "expected to be operational", "devrait entrer en service",
   verbs in -era/-ira): that is a plan, not an opening. Only the words just
   before the cue count, so "has started construction of JB4, which will
   be ..." stays a construction.
3. A cancellation cue in any focus sentence wins: it is the one thing a
   business developer must not miss.
4. Otherwise the *first* focus sentence (the headline, then the lede) with a
   cue of ``planned`` or beyond decides, because news puts the news first; an
   older facility mentioned further down ("its first site opened in 2019")
   does not overrule it. Within that sentence the most advanced cue wins.
5. When the focus has no such cue, the same is tried on the whole article
   (briefs often name the place once, in a sentence without a cue: "it brings
   data centres in Lagos, Accra and Abidjan" ... "the four operational
   data centres").
6. When only announcement cues are found, or none, the stage is ``announced``.

:func:`project_stage` then combines the articles of one project: the most
recent article with a cue-derived stage decides, except that an
``announced`` never moves a project back from a stage it had reached.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

ANNOUNCED = "announced"
PLANNED = "planned"
UNDER_CONSTRUCTION = "under construction"
OPERATIONAL = "operational"
CANCELLED = "cancelled"
#: Every stage, least advanced first (cancelled last: it ends a project).
STAGES = (ANNOUNCED, PLANNED, UNDER_CONSTRUCTION, OPERATIONAL, CANCELLED)
_RANK = {stage: i for i, stage in enumerate(STAGES)}

# All patterns run on accent-folded, lower-cased text ("é" -> "e", "’" -> "'").
_CUES: dict[str, re.Pattern[str]] = {
    CANCELLED: re.compile(
        r"\b(?:cancel+(?:ed|s)|scrap(?:ped|s)|abandon(?:ed|s)|call(?:ed|s) off|shelved|"
        r"put on hold|(?:halted|suspended) (?:the |its )?(?:project|plans?|construction|work)|"
        r"annul(?:e|ee|es|ees)|abandonn(?:e|ee|es|ees)|renonce a|projet (?:est )?suspendu|"
        r"mis en veille)\b"),
    OPERATIONAL: re.compile(
        r"\b(?:opens|opened|re-?opened|inaugurat(?:es|ed)|switch(?:es|ed) on|commission(?:s|ed)|"
        r"went live|goes live|gone live|(?:is|are|now) live|came online|comes online|"
        r"(?:is|are|was|were|be|become|now|fully|already) operational|"
        r"operational (?:data ?cent|facilit|site|campus)|began operations|started operations|"
        r"enter(?:ed|s) (?:into )?service|"
        r"in service|ready for service|complet(?:es|ed) (?:the )?(?:construction|build|"
        r"expansion|phase|work)|launch(?:es|ed) (?:its |the )?(?:first )?(?:phase|facility|"
        r"data ?cent)|"
        r"inaugur\w*|mis en service|mise en service|(?:entre|entrent|est entre) en "
        r"(?:service|exploitation|phase d'exploitation|phase operationnelle)|ouvre|a ouvert|"
        r"ouvert ses portes|operationnel(?:le|s|les)?|en service|en exploitation)\b"),
    UNDER_CONSTRUCTION: re.compile(
        r"\b(?:br(?:eaks|oke|eaking) ground|ground[- ]?breaking|under construction|"
        r"construction (?:has |is |was )?(?:began|begun|begins|started|starts|commenced|"
        r"commences|underway|under way|is progressing|work)|(?:begins|began|begin|starts|"
        r"started|start|commences|commenced|kicks off|kicked off) (?:the )?(?:construction|"
        r"building|work|works)|starts work|started work|being built|sod[- ]turning|"
        r"premiere pierre|en (?:cours de )?construction|en chantier|chantier|"
        r"travaux (?:ont |de construction )?(?:debute|commence|demarre)|lance(?:nt)? les travaux|"
        r"debut des travaux|demarrage des travaux|est en train de construire|"
        r"start(?:s|ed)? (?:the |a )?(?:second|next|new|third) phase|phase de tests?|"
        r"testing phase)\b"),
    PLANNED: re.compile(
        r"\b(?:plans?|planned|planning|proposed|(?:plans?|planning|set|expects?|aims?|intends?|"
        r"is|are|due|scheduled|slated|going|will|would|to) (?:to )?(?:build|construct|open|"
        r"develop|set up|launch|deploy|establish|expand|add|double|bring)|"
        r"should be (?:ready|live|operational|completed)|"
        r"secur(?:e|es|ed|ing) (?:the )?(?:land|a site|site|plot)|acquired land|"
        r"acres|hectares? of land|feasibility|preparing|prepares|next (?:facility|site|"
        r"data ?cent\w*)|second (?:site|facility|campus|data ?cent\w*)|"
        r"prevoi\w*|projette|(?:va|vont) (?:construire|implanter|batir|ouvrir|lancer|deployer|"
        r"installer|etendre|doubler)|envisage\w*|compte (?:construire|implanter)|"
        r"sera construit\w*|prevu\w*|ambitionne|projet de (?:construction|datacenter|"
        r"data ?cent\w*)|futur\w* (?:datacenter|data ?cent\w*|campus|site))\b"),
    ANNOUNCED: re.compile(
        r"\b(?:announc(?:e|es|ed|ement)|unveil(?:s|ed)?|sign(?:s|ed)|memorandum|mou|"
        r"agreement|joint venture|agreed|annonc\w*|devoil\w*|sign(?:e|ent|ature)|"
        r"protocole d'accord|accord|partenariat|co-?entreprise)\b"),
}
# Words shortly before a cue that put it in the future: "will open", "devrait entrer en
# service", "expected to be operational". Only the words just before the cue count,
# so that "has started construction of JB4, which will be ..." stays a construction.
_FUTURE_WINDOW = 48
_FUTURE = re.compile(
    r"\b(?:will|would|shall|expected to|expects to|is to|are to|set to|plans? to|planned|"
    r"aims? to|due to|should|intends? to|scheduled to|slated to|"
    r"va|vont|devrai(?:t|ent)|sera|seront|pourrai(?:t|ent)|prevu\w*|prevoit|a l'horizon|"
    r"d'ici|[a-z]{3,}(?:era|eront|ira|iront))\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'»”)]*\s+(?=[A-Z0-9\"'«“(À-Ý])|\n\s*")


@dataclass(frozen=True)
class StageReading:
    """The stage one article gives one project, and the sentence that says so."""

    stage: str
    evidence: str   # the sentence with the deciding cue ("" for the fallback)
    from_cue: bool  # False when no cue was found and ``announced`` is the fallback


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Lower-case, accents removed, curly apostrophes straightened (for matching only).

    Cached, as :func:`sentence_stage` is: a projects rebuild reads every sentence
    of an article once per project the article reports.
    """
    if text.isascii():  # nothing to decompose or straighten
        return text.lower()
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    if max(text) <= "\uffff":  # every combining mark it may hold is in the table
        return text.translate(_bmp_combining()).lower()
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=1)
def _bmp_combining() -> dict[int, None]:
    """``str.translate`` table deleting the combining marks of the Basic Multilingual
    Plane: the per-character test was 4 million calls in a 20k-article rebuild."""
    return {i: None for i in range(0x10000) if unicodedata.combining(chr(i))}


def split_sentences(text: str) -> list[str]:
    """Sentences and paragraph lines of an article body (a rough split is enough here)."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


@lru_cache(maxsize=16384)
def sentence_stage(sentence: str) -> str | None:
    """The most advanced stage a single sentence states, with the future rule; None if no cue."""
    folded = fold(sentence)
    found = []
    for stage, pattern in _CUES.items():
        for match in pattern.finditer(folded):
            if stage in (OPERATIONAL, UNDER_CONSTRUCTION) and _FUTURE.search(
                    folded[max(0, match.start() - _FUTURE_WINDOW):match.start()]):
                found.append(PLANNED)
            else:
                found.append(stage)
    if not found:
        return None
    return max(found, key=_RANK.__getitem__)


def _mentions(folded_sentence: str, terms: Sequence[str]) -> bool:
    """Whether any of ``terms`` is in ``folded_sentence`` as a whole word.

    Substring searches, as :func:`_naming`'s: a regex of the terms was compiled
    once per distinct set of terms, 818 times in a 5k-article rebuild (0.24 of
    its 2.8 s), for one headline test each.
    """
    return any(_first_whole_word(folded_sentence, t) != -1 for t in terms if t)


def _first_whole_word(text: str, term: str, start: int = 0) -> int:
    """Where ``term`` first occurs in ``text`` from ``start`` as a whole word, or -1.

    Whole word as the regex ``(?<!\\w)term(?!\\w)`` says: ``\\w`` is ``isalnum()`` or
    "_", for any script.
    """
    at = text.find(term, start)
    while at != -1:
        end = at + len(term)
        if not (at and _word_char(text[at - 1])) and \
                not (end < len(text) and _word_char(text[end])):
            return at
        at = text.find(term, at + 1)
    return -1


@dataclass(frozen=True)
class _Body:
    """An article body's sentences, and their folded forms joined by line breaks (which no
    sentence holds), where each starts: one search finds every sentence naming a term."""

    sentences: tuple[str, ...]
    folded: str
    starts: tuple[int, ...]


@lru_cache(maxsize=64)
def _body(text: str) -> _Body:
    """Kept for the article's next project: the rebuild reads one article for each project
    it reports, in a row."""
    sentences = split_sentences(text)
    starts, at = [], 0
    folded = [fold(s) for s in sentences]
    for line in folded:
        starts.append(at)
        at += len(line) + 1
    return _Body(tuple(sentences), "\n".join(folded), tuple(starts))


def _naming(body: _Body, terms: Sequence[str]) -> list[str]:
    """The sentences that name any of ``terms`` as a whole word, in order: what
    :func:`_mentions` says of each sentence, from substring searches of the whole body
    (a regex scan of it costs more than the per-sentence tests it replaces)."""
    text = body.folded
    hits: set[int] = set()
    for term in {t for t in terms if t}:
        at = _first_whole_word(text, term)
        while at != -1:
            hits.add(bisect_right(body.starts, at) - 1)
            at = _first_whole_word(text, term, at + 1)
    return [body.sentences[i] for i in sorted(hits)]


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _decided(readings: Iterable[tuple[str, str | None]]) -> StageReading | None:
    """The first stage other than ``announced`` in ``readings``, else the first
    ``announced``, else None."""
    announced = None
    for sentence, stage in readings:
        if stage is not None and stage != ANNOUNCED:
            return StageReading(stage, sentence, True)
        if stage == ANNOUNCED and announced is None:
            announced = StageReading(ANNOUNCED, sentence, True)
    return announced


def article_stage(title: str | None, text: str | None, focus_terms: Iterable[str],
                  other_terms: Iterable[str] = ()) -> StageReading:
    """The stage of one project in one article (the rules in the module docstring).

    ``focus_terms`` name the project in the text: its city, else its operator
    (any case or accents; matched as whole words). ``other_terms`` name the
    article's *other* projects' places: a headline naming one of those and not
    this project is about the other project.
    """
    terms = [fold(t).strip() for t in focus_terms if t and t.strip()]
    others = [fold(t).strip() for t in other_terms if t and t.strip()]
    head = [title.strip()] if title and title.strip() else []
    body = _body(text or "")
    focus = _naming(body, terms)
    if head and (_mentions(fold(head[0]), terms) or not _mentions(fold(head[0]), others)):
        focus = head + focus
    readings = [(s, sentence_stage(s)) for s in focus]
    for sentence, stage in readings:
        if stage == CANCELLED:
            return StageReading(CANCELLED, sentence, True)
    # The focus first; then the whole article, for briefs that name the place once in a
    # sentence without a cue ("It brings data centres in Lagos, Accra and Abidjan").
    return _decided(readings) \
        or _decided((s, sentence_stage(s)) for s in (*head, *body.sentences)) \
        or StageReading(ANNOUNCED, "", False)


def project_stage(readings: Sequence[tuple[str, StageReading]]) -> StageReading:
    """Combine a project's readings, given as ``(sort key, reading)`` with the newest last.

    The newest cue-derived reading wins; an ``announced`` never overrules a
    more advanced stage read from an earlier article (a funding round for a
    live campus does not make it a mere announcement again).
    """
    best: StageReading | None = None
    for _, reading in sorted(readings, key=lambda r: r[0]):
        if not reading.from_cue:
            continue
        if best is None or reading.stage != ANNOUNCED or best.stage == ANNOUNCED:
            best = reading
    return best or StageReading(ANNOUNCED, "", False)
