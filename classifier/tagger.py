"""Tag article texts: the one entry point the pipeline, the CLI and the tests use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from classifier.candidates import doc_candidates
from classifier.document import Doc
from classifier.mentions import MentionRow
from classifier.plain import MODEL_PATH, load_plain
from classifier.predict import Predictor, empty_tags

#: Texts longer than this are tagged on their first part: news articles are far shorter,
#: and a runaway page must not cost minutes.
MAX_CHARS = 100_000
TAG_FIELDS = ("relevant", "operators", "investors", "countries", "capacity_mw", "cities",
              "event", "investment_usd")


def load_predictor(path: Path = MODEL_PATH) -> Predictor:
    """The model at ``path``, from its plain form when that matches it (numpy only), else
    from the model file itself (scikit-learn); raises ``ModelError`` as ``load_model``."""
    plain = load_plain(path)
    if plain is not None:
        return Predictor.from_plain(plain)
    from classifier.store import load_model

    return load_model(path).predictor()


class Tagger:
    """Load the shipped model once; tag any number of texts.

    ``model``: a :class:`classifier.model.TaggerModel` (just trained, say) or a
    :class:`Predictor`; by default the shipped model, loaded without
    scikit-learn (:mod:`classifier.plain`).
    """

    def __init__(self, model: Any = None):
        if model is None:
            model = load_predictor()
        self.predictor: Predictor = model if isinstance(model, Predictor) else model.predictor()

    def tag(self, text: str, title: str = "", language: str | None = None) -> dict[str, Any]:
        """FORMAT.md's tag fields for one article."""
        return self.tag_many([(text, title, language)])[0][0]

    def tag_many(self, items: list[tuple[str, str, str | None]]
                 ) -> list[tuple[dict[str, Any], list[MentionRow]]]:
        """Tags and supporting mentions for several articles at once (one batch predict)."""
        docs = [Doc((text or "")[:MAX_CHARS], (title or "")[:1000], language)
                for text, title, language in items]
        cands = [doc_candidates(doc) for doc in docs]
        results = []
        for dc, tags in zip(cands, self.predictor.predict(cands), strict=True):
            mentions = [_mention_row(dc.doc, field, cand, conf)
                        for field, cand, conf in tags.pop("mentions", [])]
            tags.pop("relevance_score", None)
            clean = {k: tags.get(k, empty_tags()[k]) for k in TAG_FIELDS}
            results.append((_jsonable(clean), mentions))
        return results


def _jsonable(tags: dict[str, Any]) -> dict[str, Any]:
    for key in ("capacity_mw", "investment_usd"):
        value = tags[key]
        if value is not None:
            value = float(value)
            tags[key] = int(value) if value.is_integer() else value
    for key in ("operators", "investors", "countries", "cities"):
        tags[key] = [str(v) for v in dict.fromkeys(tags[key])]
    tags["relevant"] = bool(tags["relevant"])
    return tags


def _mention_row(doc: Doc, field: str, cand, confidence: float) -> MentionRow:
    start = cand.spans[0][0] if cand.spans else 0
    sentence = doc.sentences[doc.sentence_at(start)].text if doc.sentences else ""
    surface = doc.text[cand.spans[0][0]:cand.spans[0][1]] if cand.spans else str(cand.value)
    return MentionRow(field, surface, str(cand.value), round(confidence, 4), sentence[:500])
