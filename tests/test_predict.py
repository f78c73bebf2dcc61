"""Relevance in :class:`classifier.predict.Predictor`: the text model is skipped only where
it cannot change the decision."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from classifier.candidates import DC_CUE, doc_candidates
from classifier.cues import cue_possible
from classifier.document import Doc
from classifier.predict import INVESTOR, NONE, OPERATOR, Predictor, stack_row
from classifier.tagger import load_predictor
from classifier.terms import text_terms
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles


@pytest.fixture(scope="module")
def cands():
    docs = load_corpus_labels(BUNDLED_CORPUS) + load_training_articles()
    return [doc_candidates(Doc(d.body, d.title, d.language)) for d in docs]


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return load_predictor()


def _every_model_run(predictor: Predictor, cands) -> np.ndarray:
    text_p = predictor.relevance.predict_proba([text_terms(c.doc) for c in cands])[:, 1]
    rows = [stack_row(p, c) for p, c in zip(text_p, cands, strict=True)]
    return predictor.relevance_stack.predict_proba(rows)[:, 1]


def _counting_text_model(predictor: Predictor, monkeypatch) -> list[int]:
    seen: list[int] = []
    model = predictor.relevance
    predict_proba = model.predict_proba

    def counted(texts):
        seen.append(len(texts))
        return predict_proba(texts)

    monkeypatch.setattr(model, "predict_proba", counted)
    return seen


def _assert_same_decisions(predictor: Predictor, cands, monkeypatch) -> int:
    """The decisions of running everything; returns how many texts the text model read."""
    threshold = predictor.thresholds.get("relevant", 0.5)
    exact = _every_model_run(predictor, cands)
    seen = _counting_text_model(predictor, monkeypatch)
    scores = predictor.relevance_scores(cands)
    assert list(scores >= threshold) == list(exact >= threshold)
    read = scores >= threshold - 1e-9
    assert np.all(scores >= exact - 1e-12)  # skipped: the best case, an upper bound
    np.testing.assert_allclose(scores[read], exact[read], rtol=1e-12)
    return sum(seen)


def test_relevance_decisions_are_those_of_running_every_model(predictor, cands, monkeypatch):
    read = _assert_same_decisions(predictor, cands, monkeypatch)
    relevant = int(np.sum(_every_model_run(predictor, cands) >= predictor.thresholds["relevant"]))
    # The text model read fewer articles than there are, and at least every relevant one.
    assert relevant <= read < len(cands)


def test_a_negative_text_weight_makes_zero_the_best_case(predictor, cands, monkeypatch):
    stack = predictor.relevance_stack
    column = stack.vocabulary["text_p"]
    coef = stack.coef.copy()
    coef[column] = -abs(coef[column]) - 3.0  # the text model now argues against relevance
    turned = dataclasses.replace(predictor, relevance_stack=dataclasses.replace(stack, coef=coef))
    assert turned._best_text_p() == 0.0
    read = _assert_same_decisions(turned, cands, monkeypatch)
    assert read < len(cands)


def test_without_a_text_feature_the_stack_decides_alone(predictor, cands, monkeypatch):
    stack = predictor.relevance_stack
    vocabulary = {k: v for k, v in stack.vocabulary.items() if k != "text_p"}
    alone = dataclasses.replace(predictor, relevance_stack=dataclasses.replace(
        stack, vocabulary=vocabulary))
    seen = _counting_text_model(alone, monkeypatch)
    scores = alone.relevance_scores(cands)
    rows = [{k: v for k, v in stack_row(0.0, c).items() if k != "text_p"} for c in cands]
    exact = stack.predict_proba(rows)[:, 1]
    threshold = alone.thresholds["relevant"]
    assert list(scores >= threshold) == list(exact >= threshold)
    read = [cue_possible(c.doc.text, DC_CUE) for c in cands]
    np.testing.assert_allclose(scores[read], exact[read], rtol=1e-12)
    assert np.all(scores >= exact - 1e-12)
    assert sum(seen) == int(np.sum(scores >= threshold - 1e-9))


def _fresh(cands):
    return [doc_candidates(Doc(c.doc.body, c.doc.title, c.doc.language)) for c in cands]


def test_articles_without_a_data_centre_word_are_not_read(predictor, cands):
    bound = predictor._no_cue_bound(predictor._best_text_p())
    assert bound is not None and bound < predictor.thresholds["relevant"]
    fresh = _fresh(cands)
    scores = predictor.relevance_scores(fresh)
    unread = [i for i, c in enumerate(fresh) if "doc_features" not in c.__dict__]
    # Some articles were decided from the regex search alone: their words, sentences and
    # places were never worked out.
    assert unread
    assert all("sentences" not in fresh[i].doc.__dict__ for i in unread)
    assert unread == [i for i, c in enumerate(fresh) if not cue_possible(c.doc.text, DC_CUE)]
    # None of them has a data-centre cue, and each got the bound, above its exact score.
    assert not any(DC_CUE in cues for i in unread for cues in fresh[i].doc.sentence_cues)
    exact = _every_model_run(predictor, cands)
    assert np.all(scores[unread] == bound)
    assert np.all(exact[unread] <= bound + 1e-12)
    threshold = predictor.thresholds["relevant"]
    assert list(scores >= threshold) == list(exact >= threshold)


def test_a_bound_above_the_threshold_reads_every_article(predictor, cands, monkeypatch):
    stack = predictor.relevance_stack
    # Every document without a cue now gets "dc_africa=0" weighed so that it might pass.
    coef = stack.coef.copy()
    coef[stack.vocabulary["dc_africa=0"]] += 10.0
    eager = dataclasses.replace(predictor, relevance_stack=dataclasses.replace(stack, coef=coef))
    assert eager._no_cue_bound(eager._best_text_p()) >= eager.thresholds["relevant"]
    fresh = _fresh(cands)
    _assert_same_decisions(eager, fresh, monkeypatch)
    assert all("doc_features" in c.__dict__ for c in fresh)


def _roles_for(predictor: Predictor, dc, rows: dict[str, tuple[float, float]]) -> dict:
    """``_fields`` of ``dc`` with set operator/investor probabilities per organisation."""
    classes = list(predictor.roles["orgs"].classes)
    p = np.zeros((len(dc.orgs), len(classes)))
    for i, cand in enumerate(dc.orgs):
        p_op, p_inv = rows[cand.value]
        p[i, classes.index(OPERATOR)] = p_op
        p[i, classes.index(INVESTOR)] = p_inv
        p[i, classes.index(NONE)] = 1.0 - p_op - p_inv
    probs = {"orgs": p, **{name: np.zeros((len(getattr(dc, name)), 2))
                           for name in ("countries", "cities", "capacities", "money")}}
    return predictor._fields(dc, probs)


def test_the_operator_fallback_never_takes_a_likelier_investor(predictor):
    fixed = dataclasses.replace(predictor, thresholds={
        **predictor.thresholds, "operator": 0.5, "operator_floor": 0.2, "investor": 0.5})
    dc = doc_candidates(Doc("Zeta Cloud will build a data centre in Nairobi. Acme Bank lent "
                            "Zeta Cloud $50 million for the data centre.", "", "en"))
    assert sorted(c.value for c in dc.orgs) == ["Acme Bank", "Zeta Cloud"]
    # No name reaches the operator threshold: the likeliest operator stands in, but
    # not the bank, which the model rates more likely an investor.
    tags = _roles_for(fixed, dc, {"Acme Bank": (0.45, 0.5), "Zeta Cloud": (0.3, 0.1)})
    assert tags["operators"] == ["Zeta Cloud"]
    assert tags["investors"] == ["Acme Bank"]
    # With no other name above the floor, there is no operator rather than the lender.
    tags = _roles_for(fixed, dc, {"Acme Bank": (0.45, 0.5), "Zeta Cloud": (0.1, 0.0)})
    assert tags["operators"] == []
    assert tags["investors"] == ["Acme Bank"]
    # A name likelier an operator still stands in when below the threshold.
    tags = _roles_for(fixed, dc, {"Acme Bank": (0.1, 0.3), "Zeta Cloud": (0.3, 0.1)})
    assert tags["operators"] == ["Zeta Cloud"]
