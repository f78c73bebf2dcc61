"""What the two text models read: the analyzers of their hashed term features.

Kept apart from :mod:`classifier.model` (training, which needs scikit-learn)
so that tagging can run on the plain model (:mod:`classifier.plain`) without
importing it. A model file names its analyzer by function name; ``ANALYZERS``
maps the names back.
"""

from __future__ import annotations

from classifier.cues import cues_in, normalized_words
from classifier.document import LEAD_CHARS, Doc
from classifier.text import sentences


def text_terms(doc: Doc) -> list[str]:
    """What the relevance model reads: the article's words and word pairs, the
    headline's twice (it says what the article is about)."""
    words, n_title = doc.flat_words
    toks = words[:n_title] * 2 + words[n_title:]
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]


def lead_text(doc: Doc) -> str:
    """What the event model reads: the headline, a line break and the lead.

    What happened is told in the headline and the lead; later paragraphs are
    background full of other events (earlier openings, past funding rounds).
    """
    return f"{doc.title}\n{doc.body[:LEAD_CHARS]}"


def event_terms(text: str) -> list[str]:
    """The event model's analyzer: the cue classes of the headline, of the lead's first
    sentence and of the whole lead (``text`` is a :func:`lead_text`), and a constant.

    Classes of words ("acquire", "finance", "partner", "open" ...), not the words
    themselves. Trained on the words, word pairs and stems of a few hundred
    articles, the model learnt who did what (a company that opened sites in its
    training articles "opened" again when it bought one): it was right on 40 of
    the dev sites' 61 relevant articles with each site held out; on these
    classes alone, on 50.
    """
    title, _, lead = text.partition("\n")
    first = sentences(lead)
    out = ["bias"]
    out += ["title:" + c for c in sorted(cues_in(normalized_words(title)))]
    if first:
        out += ["first:" + c for c in sorted(cues_in(normalized_words(first[0].text)))]
    out += ["lead:" + c for c in sorted(cues_in(normalized_words(lead)))]
    return out


def given_terms(terms: list[str]) -> list[str]:
    """The analyzer of the text models: documents reach them already as terms."""
    return terms


#: Analyzers by the name a plain model file records.
ANALYZERS = {"given_terms": given_terms, "event_terms": event_terms}
