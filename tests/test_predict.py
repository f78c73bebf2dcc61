"""Relevance in :class:`classifier.predict.Predictor`: the text model is skipped only where
it cannot change the decision."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from classifier.candidates import doc_candidates
from classifier.document import Doc
from classifier.predict import Predictor, stack_row
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
    np.testing.assert_allclose(scores, stack.predict_proba(rows)[:, 1], rtol=1e-12)
    assert sum(seen) == int(np.sum(scores >= alone.thresholds["relevant"] - 1e-9))
