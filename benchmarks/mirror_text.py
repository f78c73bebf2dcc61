"""Varied article text for the benchmark mirror, recombined from the corpus's own articles.

Every generated article is sentences of the labelled corpus articles of its
language, shuffled into new paragraphs, with the organisations, cities and
figures swapped consistently within the article (one article says "Raxio"
where its source sentences said "Equinix", everywhere). So the text reads
like the corpus (the extractor and the tagger do the same work per word), is
different on every page (no two bodies, hashes or tag sets alike), and some
articles are about data-centre projects and some are not, as in the corpus.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

_SENTENCE_END = re.compile(r"(?<=[.!?»\"”])\s+(?=[A-ZÀ-Ý«\"“0-9])")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,.]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])")
_YEAR = re.compile(r"^(19|20)\d\d$")
#: Share of generated articles made from articles about data-centre projects.
RELEVANT_SHARE = 0.3
#: Operator-city pairs the articles report on (a few hundred data-centre projects).
IDENTITIES = 400


@dataclass(frozen=True)
class Article:
    """One generated article: headline, paragraphs (``("p"|"h2", text)``), summary."""

    title: str
    blocks: tuple[tuple[str, str], ...]
    language: str

    @property
    def summary(self) -> str:
        first = next(text for tag, text in self.blocks if tag == "p")
        return _SENTENCE_END.split(first)[0]

    @property
    def body(self) -> str:
        """The gold text, as FORMAT.md writes ``body``: blocks separated by a blank line."""
        return "\n\n".join(text for _, text in self.blocks)


class TextMaker:
    """Sentence, heading and name pools per language, read from a corpus's labels."""

    def __init__(self, labels: list[dict]):
        self.sentences: dict[tuple[str, bool], list[str]] = {}
        # (headline, sentences) of each source article, by language and by whether it
        # reports a data-centre project (label ``relevant``).
        self.by_article: dict[tuple[str, bool], list[tuple[str, list[str]]]] = {}
        self.headings: dict[str, list[str]] = {}
        orgs: set[str] = set()
        cities: set[str] = set()
        for label in labels:
            key = (label["language"], bool(label.get("relevant")))
            own: list[str] = []
            for para in label["body"].split("\n\n"):
                para = para.strip()
                if not para:
                    continue
                if len(para.split()) <= 12 and not para.endswith((".", ":", "?", "!")):
                    self.headings.setdefault(label["language"], []).append(para)
                    continue
                own.extend(s for s in _SENTENCE_END.split(para) if len(s.split()) >= 5)
            if own:
                self.sentences.setdefault(key, []).extend(own)
                self.by_article.setdefault(key, []).append((label["title"], own))
            for field in ("operators", "investors"):
                orgs.update(label.get(field) or [])
            for names in (label.get("aliases") or {}).values():
                orgs.update(n for n in names if len(n) > 2)
            cities.update(label.get("cities") or [])
        self.orgs = sorted(o for o in orgs if len(o) > 2)
        self.cities = sorted(c for c in cities if len(c) > 2)
        names = sorted(set(self.orgs) | set(self.cities), key=len, reverse=True)
        self._names = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
        self._city_set = set(self.cities)
        # A news crawl reports the same projects again and again (announced, financed,
        # built, opened), so the articles name a bounded set of operator-city pairs, not a
        # new random pair each: the projects table stays the size real ones have.
        rng = random.Random("identities")
        self.identities = [(rng.choice(self.orgs), rng.choice(self.cities))
                           for _ in range(IDENTITIES)]
        self.backers = rng.sample(self.orgs, min(60, len(self.orgs)))

    @classmethod
    def from_corpus(cls, corpus: Path) -> TextMaker:
        lines = (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        return cls([json.loads(line) for line in lines if line.strip()])

    @property
    def languages(self) -> list[str]:
        return sorted({lang for lang, _ in self.sentences})

    def article(self, rng: random.Random, language: str) -> Article:
        """A new article in ``language``: 5-16 paragraphs of 1-4 sentences, maybe sub-headings.

        ~550 words on average: news articles run 400-800 words (the corpus's own
        are shorter, 265); the extractor's and the tagger's cost grow with them.
        """
        factor = rng.choice((0.5, 0.75, 1.5, 2, 3, 4))
        chosen = rng.sample(self.identities, rng.choice((1, 1, 1, 2)))
        names = _Names([org for org, _ in chosen] + rng.sample(self.backers, 2),
                       [city for _, city in chosen], self._city_set)

        def vary(text: str) -> str:
            text = self._names.sub(lambda m: names.swap(m.group(1)), text)
            return _NUMBER.sub(lambda m: _scaled(m.group(1), factor), text)

        # Most sentences from two source articles on one topic, a few from others on it:
        # an article about a handful of organisations and places, as real ones are. A
        # minority of the articles on a news crawl's sources report data-centre projects;
        # the rest is telecoms, fintech, energy and the like.
        topic = rng.random() < RELEVANT_SHARE
        key = (language, topic) if (language, topic) in self.by_article else (language, not topic)
        sources = [rng.choice(self.by_article[key]) for _ in range(2)]
        others = self.sentences[key]

        def sentence() -> str:
            draw = rng.random()
            pool = sources[0][1] if draw < 0.6 else sources[1][1] if draw < 0.9 else others
            return vary(rng.choice(pool))

        blocks: list[tuple[str, str]] = []
        for i in range(rng.randint(5, 16)):
            if i >= 2 and self.headings.get(language) and rng.random() < 0.12:
                blocks.append(("h2", vary(rng.choice(self.headings[language]))))
            sentences = [sentence() for _ in range(rng.randint(1, 4))]
            blocks.append(("p", " ".join(sentences)))
        return Article(title=vary(sources[0][0]), blocks=tuple(blocks), language=language)


class _Names:
    """One article's replacements: each name of the source sentences, the same each time,
    organisations by the article's few organisations, cities by its cities."""

    def __init__(self, orgs: list[str], cities: list[str], city_set: set[str]):
        self.orgs, self.cities, self.city_set = orgs, cities, city_set
        self.swaps: dict[str, str] = {}
        self.used = {"org": 0, "city": 0}

    def swap(self, name: str) -> str:
        if name not in self.swaps:
            kind, pool = ("city", self.cities) if name in self.city_set else ("org", self.orgs)
            self.swaps[name] = pool[self.used[kind] % len(pool)]
            self.used[kind] += 1
        return self.swaps[name]


def _scaled(number: str, factor: float) -> str:
    """A figure times ``factor``, written the same way; years stay as they are."""
    if _YEAR.match(number):
        return number
    digits = re.sub(r"[ ,.](?=\d{3}\b)", "", number)
    try:
        value = float(digits.replace(",", "."))
    except ValueError:
        return number
    scaled = value * factor
    if "." in digits or "," in digits:
        return f"{scaled:.1f}".replace(".", "," if "," in digits else ".")
    return str(max(1, round(scaled)))
