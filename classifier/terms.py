"""What the two text models read: the analyzers of their hashed term features.

Kept apart from :mod:`classifier.model` (training, which needs scikit-learn)
so that tagging can run on the plain model (:mod:`classifier.plain`) without
importing it. A model file names its analyzer by function name; ``ANALYZERS``
maps the names back.
"""

from __future__ import annotations

import re

from classifier.cues import cues_in
from classifier.document import LEAD_CHARS, Doc
from classifier.text import strip_accents


def text_terms(doc: Doc) -> list[str]:
    """What the relevance model reads: the article's words and word pairs, the
    headline's twice (it says what the article is about)."""
    words, n_title = doc.flat_words
    toks = words[:n_title] * 2 + words[n_title:]
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]


def lead_text(doc: Doc) -> str:
    """What the event model reads: the headline (three times) and the lead.

    What happened is told in the headline and the lead; later paragraphs are
    background full of other events (earlier openings, past funding rounds).
    """
    return f"{doc.title}\n{doc.title}\n{doc.title}\n{doc.body[:LEAD_CHARS]}"


_TERM = re.compile(r"(?u)\b\w\w+\b")


def stem_terms(text: str) -> list[str]:
    """The event model's analyzer: words, word pairs, word stems (first five letters;
    they stand in for character n-grams: "inaugure"/"inauguration") and the cue
    classes of the headline (the first line) and of the whole text."""
    title, _, _ = text.partition("\n")
    toks = _TERM.findall(strip_accents(text).lower())
    out = toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
    out += ["~" + t[:5] for t in toks if len(t) > 5]
    out += ["title:" + c for c in cues_in(" " + " ".join(_TERM.findall(
        strip_accents(title).lower())) + " ")]
    out += ["text:" + c for c in cues_in(" " + " ".join(toks) + " ")]
    return out


def given_terms(terms: list[str]) -> list[str]:
    """The analyzer of the text models: documents reach them already as terms."""
    return terms


#: Analyzers by the name a plain model file records.
ANALYZERS = {"given_terms": given_terms, "stem_terms": stem_terms}
