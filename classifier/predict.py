"""Tags for prepared documents, from the plain model (:mod:`classifier.plain`).

The decisions a fitted model makes: whether an article is relevant (the text
model, then a second stage that adds where the data centres are), which
organisation is the operator or an investor, which places and figures the
article is about, and what happened. scikit-learn is not needed here: the
training side (:mod:`classifier.model`) hands its pipelines over as
:class:`~classifier.plain.PlainLinear` parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier.candidates import DC_CUE, DocCandidates, features_without_cue
from classifier.cues import cue_possible
from classifier.matching import name_key
from classifier.plain import PlainLinear, PlainModel
from classifier.terms import lead_text, text_terms

FIELDS = ("orgs", "countries", "cities", "capacities", "money")
NONE, OPERATOR, INVESTOR = 0, 1, 2


def with_known(features: dict[str, float], forms: set[str],
               known: dict[str, set[str]] | None) -> dict[str, float]:
    """Add whether a training label already named this organisation, and in which role."""
    if not known:
        return features
    keys = {name_key(f) for f in forms}
    extra = {}
    if keys & known["operators"]:
        extra["known_operator"] = 1.0
    if keys & known["investors"]:
        extra["known_investor"] = 1.0
    return {**features, **extra} if extra else features


def stack_row(text_p: float, dc: DocCandidates) -> dict[str, float]:
    """What the relevance second stage reads: the text model's view and the document's."""
    return {"text_p": float(text_p), **dc.doc_features}


def empty_tags() -> dict[str, Any]:
    return {"relevant": False, "operators": [], "investors": [], "countries": [],
            "capacity_mw": None, "cities": [], "event": "other", "investment_usd": None,
            "mentions": []}


@dataclass
class Predictor:
    """A fitted model's parts and thresholds, and the decisions made with them."""

    relevance: PlainLinear | None
    event: PlainLinear | None
    roles: dict[str, PlainLinear]
    thresholds: dict[str, float] = field(default_factory=dict)
    known: dict[str, set[str]] = field(default_factory=dict)
    relevance_stack: PlainLinear | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_plain(cls, model: PlainModel) -> Predictor:
        parts = model.parts
        return cls(parts.get("relevance"), parts.get("event"),
                   {n: parts[f"role:{n}"] for n in FIELDS if f"role:{n}" in parts},
                   model.thresholds, model.known, parts.get("relevance_stack"), model.info)

    def to_plain(self) -> PlainModel:
        parts = {"relevance": self.relevance, "event": self.event,
                 "relevance_stack": self.relevance_stack,
                 **{f"role:{n}": p for n, p in self.roles.items()}}
        return PlainModel({k: v for k, v in parts.items() if v is not None},
                          dict(self.thresholds), dict(self.info), self.known)

    def relevance_scores(self, cands: list[DocCandidates]) -> np.ndarray:
        """P(relevant): the text model's view combined with where the data centres are.

        The second stage reads the text model's probability as one feature beside
        the document's own. An article that stage would not call relevant even
        with the text model at its most favourable (:meth:`_best_text_p`) is not
        relevant whatever that model says: it gets that best case as its score,
        an upper bound, and the text model is not run for it. Most of a crawl's
        articles are such (no data centre, or none in Africa): 571 of the 1k
        benchmark's 1,000, each 0.33 ms of tagging less.

        An article with no data-centre word at all is not even read when the
        stage's best case for such articles (:meth:`_no_cue_bound`) is below the
        threshold: a regex search of its text tells (:func:`cue_possible`), and
        its words, sentences and places are never worked out: 250 of those 1,000,
        and tagging all of them took 4.30 instead of 4.70 ms an article. The
        decisions are those of running everything (tests/test_predict.py).
        """
        if self.relevance_stack is None:
            return self.relevance.predict_proba([text_terms(c.doc) for c in cands])[:, 1]
        stack = self.relevance_stack
        # The margin is far above rounding: below it, the exact score is below too.
        threshold = self.thresholds.get("relevant", 0.5) - 1e-9
        scores = np.zeros(len(cands))
        rest = list(range(len(cands)))
        best_p = self._best_text_p()
        bound = self._no_cue_bound(best_p)
        if bound is not None and bound < threshold:
            unread = {i for i in rest if not cue_possible(cands[i].doc.text, DC_CUE)}
            scores[list(unread)] = bound
            rest = [i for i in rest if i not in unread]
        if best_p is None:
            doubtful = rest
        elif rest:
            scores[rest] = stack.predict_proba([stack_row(best_p, cands[i]) for i in rest])[:, 1]
            doubtful = [i for i in rest if scores[i] >= threshold]
        else:
            doubtful = []
        if doubtful:
            text_p = self.relevance.predict_proba(
                [text_terms(cands[i].doc) for i in doubtful])[:, 1]
            scores[doubtful] = stack.predict_proba(
                [stack_row(p, cands[i]) for p, i in zip(text_p, doubtful, strict=True)])[:, 1]
        return scores

    def _no_cue_bound(self, best_p: float | None) -> float | None:
        """The second stage's highest score for any article without a data-centre cue, or
        None when it cannot be bounded; ``best_p`` is :meth:`_best_text_p`'s answer.

        Such an article's document features are known in part and range over
        the rest (:func:`classifier.candidates.features_without_cue`); the score
        is linear in each, so each free one at the end its weight favours, and
        the text model's probability at its best, give the highest score there is.
        """
        if best_p is None:
            return None
        stack = self.relevance_stack
        fixed, free = features_without_cue()
        row = {"text_p": best_p, **fixed}
        for name, (low, high) in free.items():
            column = stack.vocabulary.get(name)
            if column is not None:
                row[name] = high if stack.coef[column, 0] >= 0 else low
        return float(stack.predict_proba([row])[0, 1])

    def _best_text_p(self) -> float | None:
        """The text model's probability that makes the second stage's score highest (its
        weight's sign says which end), or None when that stage is not a single logistic
        regression over a ``text_p`` feature (then nothing is skipped)."""
        stack = self.relevance_stack
        # Named features are read as they are (no tf-idf, no norm): the score is linear in each.
        if stack is None or stack.vocabulary is None or stack.coef.shape[1] != 1:
            return None
        column = stack.vocabulary.get("text_p")
        return 1.0 if column is None or stack.coef[column, 0] >= 0 else 0.0

    def predict(self, cands: list[DocCandidates]) -> list[dict[str, Any]]:
        """Tags for prepared documents, in FORMAT.md's prediction shape.

        Roles are decided only for relevant articles: most pages a crawl reads
        are not, and their organisations and figures are never needed.
        """
        if not cands:
            return []
        rel = self.relevance_scores(cands)
        passing = [i for i, dc in enumerate(cands)
                   if rel[i] >= self.thresholds.get("relevant", 0.5) and dc.doc.body.strip()]
        chosen = [cands[i] for i in passing]
        probs = {name: self.candidate_probs(name, chosen) for name in FIELDS}
        events = self.event.predict([lead_text(c.doc) for c in chosen]) if chosen else []
        out = []
        for i in range(len(cands)):
            tags = empty_tags()
            tags["relevance_score"] = float(rel[i])
            out.append(tags)
        for k, i in enumerate(passing):
            out[i].update(self._fields(cands[i], {n: v[k] for n, v in probs.items()}))
            out[i]["relevant"] = True
            out[i]["event"] = str(events[k])
        return out

    def candidate_probs(self, name: str, cands: list[DocCandidates]) -> list[np.ndarray]:
        """Each document's candidates' class probabilities for field ``name``."""
        known = self.known if name == "orgs" else None
        rows = [with_known(c.features, c.forms, known) for dc in cands for c in getattr(dc, name)]
        if not rows:
            return [np.zeros((0, 3 if name == "orgs" else 2)) for _ in cands]
        probs = self.roles[name].predict_proba(rows)
        out, at = [], 0
        for dc in cands:
            n = len(getattr(dc, name))
            out.append(probs[at:at + n])
            at += n
        return out

    def _fields(self, dc: DocCandidates, probs: dict[str, np.ndarray]) -> dict[str, Any]:
        t = self.thresholds
        tags: dict[str, Any] = {}
        p = probs["orgs"]
        classes = list(self.roles["orgs"].classes)
        p_op = p[:, classes.index(OPERATOR)] if len(p) else np.zeros(0)
        p_inv = p[:, classes.index(INVESTOR)] if len(p) else np.zeros(0)
        ops = [i for i in range(len(p_op)) if p_op[i] >= t.get("operator", 0.5)]
        if not ops:
            # An article names its operator, so the likeliest one stands in, but never
            # a name the model rates more likely an investor (a lender is not the operator).
            fallback = [i for i in range(len(p_op)) if p_op[i] >= p_inv[i]
                        and p_op[i] >= t.get("operator_floor", 0.2)]
            ops = [max(fallback, key=lambda i: p_op[i])] if fallback else []
        invs = [i for i in range(len(p_inv)) if p_inv[i] >= t.get("investor", 0.5)
                and i not in ops and p_inv[i] > p_op[i]]
        tags["operators"] = [dc.orgs[i].value for i in ops]
        tags["investors"] = [dc.orgs[i].value for i in invs]
        tags["mentions"] = [("operators", dc.orgs[i], float(p_op[i])) for i in ops] + \
            [("investors", dc.orgs[i], float(p_inv[i])) for i in invs]
        for name, key, floor in (("countries", "countries", True), ("cities", "cities", False)):
            pp = probs[name][:, 1] if len(probs[name]) else np.zeros(0)
            chosen = [i for i in range(len(pp)) if pp[i] >= t.get(key, 0.5)]
            if floor and not chosen and len(pp):
                chosen = [int(pp.argmax())]
            cands = getattr(dc, name)
            tags[key] = [cands[i].value for i in chosen]
            tags["mentions"] += [(key, cands[i], float(pp[i])) for i in chosen]
        for name, key in (("capacities", "capacity_mw"), ("money", "investment_usd")):
            pp = probs[name][:, 1] if len(probs[name]) else np.zeros(0)
            tags[key] = None
            if len(pp) and pp.max() >= t.get(key, 0.5):
                best = getattr(dc, name)[int(pp.argmax())]
                tags[key] = best.value
                tags["mentions"].append((key, best, float(pp.max())))
        return tags
