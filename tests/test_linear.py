"""The direct predictions (classifier/linear.py) equal scikit-learn's own."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from classifier import linear
from classifier.candidates import doc_candidates
from classifier.document import Doc
from classifier.model import NumericDictVectorizer, _text_pipeline
from classifier.predict import FIELDS
from classifier.predict import stack_row as _stack_row
from classifier.predict import with_known as _with_known
from classifier.store import load_model
from classifier.terms import lead_text, stem_terms, text_terms
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles


@pytest.fixture(scope="module")
def shipped():
    docs = load_corpus_labels(BUNDLED_CORPUS) + load_training_articles()
    cands = [doc_candidates(Doc(d.body, d.title, d.language)) for d in docs]
    return load_model(), cands


def _same(fast: np.ndarray, slow: np.ndarray) -> None:
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)


def test_the_shipped_models_predict_as_scikit_learn_does(shipped):
    model, cands = shipped
    terms = [text_terms(c.doc) for c in cands]
    _same(linear.predict_proba(model.relevance, terms), model.relevance.predict_proba(terms))
    rows = [_stack_row(p, c) for p, c in zip(np.linspace(0, 1, len(cands)), cands, strict=True)]
    _same(linear.predict_proba(model.relevance_stack, rows),
          model.relevance_stack.predict_proba(rows))
    leads = [lead_text(c.doc) for c in cands]
    assert list(linear.predict(model.event, leads)) == list(model.event.predict(leads))
    for name in FIELDS:
        known = model.known if name == "orgs" else None
        rows = [_with_known(c.features, c.forms, known) for dc in cands
                for c in getattr(dc, name)]
        assert rows, name
        _same(linear.predict_proba(model.roles[name], rows),
              model.roles[name].predict_proba(rows))


def test_binary_and_multiclass_text_pipelines_fitted_here():
    texts = ["data centre opens in lagos", "new 10 mw facility nairobi", "football match result",
             "bank raises funds for data centre", "weather forecast rain", "cloud region launch",
             "", "data"]
    binary = _text_pipeline(c=1.0, analyzer=stem_terms).fit(texts, [1, 1, 0, 1, 0, 1, 0, 0])
    three = _text_pipeline(c=1.0, analyzer=stem_terms).fit(texts, list("aabacaab"))
    for pipe in (binary, three):
        _same(linear.predict_proba(pipe, texts), pipe.predict_proba(texts))
        assert list(linear.predict(pipe, texts)) == list(pipe.predict(texts))


def test_an_unknown_classifier_goes_through_scikit_learn():
    rows = [{"a": 1.0}, {"b": 2.0}, {"a": 0.5, "b": 1.0}]
    pipe = Pipeline([("vec", NumericDictVectorizer()),
                     ("clf", DecisionTreeClassifier(random_state=0))]).fit(rows, [0, 1, 1])
    _same(linear.predict_proba(pipe, rows), pipe.predict_proba(rows))
    assert list(linear.predict(pipe, rows)) == list(pipe.predict(rows))


def test_no_rows_gives_what_scikit_learn_gives(shipped):
    model, _ = shipped
    with pytest.raises(ValueError):
        model.roles["countries"].predict_proba([])
    with pytest.raises(ValueError):
        linear.predict_proba(model.roles["countries"], [])
