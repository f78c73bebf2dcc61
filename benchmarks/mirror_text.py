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
        self.sentences: dict[str, list[str]] = {}
        # Sentences of each source article, by language and by whether it is about a
        # data-centre project (label ``relevant``).
        self.by_article: dict[tuple[str, bool], list[list[str]]] = {}
        self.headings: dict[str, list[str]] = {}
        self.titles: dict[str, list[str]] = {}
        orgs: set[str] = set()
        cities: set[str] = set()
        for label in labels:
            lang = label["language"]
            self.titles.setdefault(lang, []).append(label["title"])
            own: list[str] = []
            for para in label["body"].split("\n\n"):
                para = para.strip()
                if not para:
                    continue
                if len(para.split()) <= 12 and not para.endswith((".", ":", "?", "!")):
                    self.headings.setdefault(lang, []).append(para)
                    continue
                own.extend(s for s in _SENTENCE_END.split(para) if len(s.split()) >= 5)
            self.sentences.setdefault(lang, []).extend(own)
            if own:
                key = (lang, bool(label.get("relevant")))
                self.by_article.setdefault(key, []).append(own)
            for key in ("operators", "investors"):
                orgs.update(label.get(key) or [])
            for names in (label.get("aliases") or {}).values():
                orgs.update(n for n in names if len(n) > 2)
            cities.update(label.get("cities") or [])
        self.orgs = sorted(o for o in orgs if len(o) > 2)
        self.cities = sorted(c for c in cities if len(c) > 2)
        names = sorted(set(self.orgs) | set(self.cities), key=len, reverse=True)
        self._names = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
        self._city_set = set(self.cities)

    @classmethod
    def from_corpus(cls, corpus: Path) -> TextMaker:
        lines = (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        return cls([json.loads(line) for line in lines if line.strip()])

    @property
    def languages(self) -> list[str]:
        return sorted(self.sentences)

    def article(self, rng: random.Random, language: str) -> Article:
        """A new article in ``language``: 5-16 paragraphs of 1-4 sentences, maybe sub-headings.

        ~550 words on average: news articles run 400-800 words (the corpus's own
        are shorter, 265); the extractor's and the tagger's cost grow with them.
        """
        swap: dict[str, str] = {}
        factor = rng.choice((0.5, 0.75, 1.5, 2, 3, 4))

        def vary(text: str) -> str:
            text = self._names.sub(lambda m: self._swap(rng, swap, m.group(1)), text)
            return _NUMBER.sub(lambda m: _scaled(m.group(1), factor), text)

        # Most sentences from two source articles on one topic, a few from anywhere: an
        # article about a handful of organisations and places, as real ones are, not about
        # thirty. A minority of articles on the sources of a news crawl report data-centre
        # projects; the rest is telecoms, fintech, energy and the like.
        topic = rng.random() < RELEVANT_SHARE
        group = self.by_article.get((language, topic)) or self.by_article[(language, not topic)]
        sources = [rng.choice(group) for _ in range(2)]
        anywhere = self.sentences[language]

        def sentence() -> str:
            draw = rng.random()
            pool = sources[0] if draw < 0.6 else sources[1] if draw < 0.9 else anywhere
            return vary(rng.choice(pool))

        blocks: list[tuple[str, str]] = []
        for i in range(rng.randint(5, 16)):
            if i >= 2 and self.headings.get(language) and rng.random() < 0.12:
                blocks.append(("h2", vary(rng.choice(self.headings[language]))))
            sentences = [sentence() for _ in range(rng.randint(1, 4))]
            blocks.append(("p", " ".join(sentences)))
        title = vary(rng.choice(self.titles[language]))
        return Article(title=title, blocks=tuple(blocks), language=language)

    def _swap(self, rng: random.Random, swap: dict[str, str], name: str) -> str:
        """The same replacement for a name throughout one article; cities stay cities."""
        if name not in swap:
            pool = self.cities if name in self._city_set else self.orgs
            swap[name] = rng.choice(pool)
        return swap[name]


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
