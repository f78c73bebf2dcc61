"""The plain models (classifier/linear.py, classifier/plain.py) predict as scikit-learn does."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from classifier import linear
from classifier.candidates import doc_candidates
from classifier.document import Doc
from classifier.model import NumericDictVectorizer, TaggerModel, _text_pipeline
from classifier.plain import PlainLinear
from classifier.predict import FIELDS
from classifier.predict import stack_row as _stack_row
from classifier.predict import with_known as _with_known
from classifier.store import load_model
from classifier.terms import event_terms, lead_text, text_terms
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles


@pytest.fixture(scope="module")
def shipped():
    docs = load_corpus_labels(BUNDLED_CORPUS) + load_training_articles()
    cands = [doc_candidates(Doc(d.body, d.title, d.language)) for d in docs]
    return load_model(), cands


def _plain(pipeline: Pipeline) -> PlainLinear:
    part = linear.plain_linear(pipeline)
    assert part is not None
    return part


def _same(fast: np.ndarray, slow: np.ndarray) -> None:
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)


def test_the_shipped_models_predict_as_scikit_learn_does(shipped):
    model, cands = shipped
    terms = [text_terms(c.doc) for c in cands]
    _same(_plain(model.relevance).predict_proba(terms), model.relevance.predict_proba(terms))
    rows = [_stack_row(p, c) for p, c in zip(np.linspace(0, 1, len(cands)), cands, strict=True)]
    _same(_plain(model.relevance_stack).predict_proba(rows),
          model.relevance_stack.predict_proba(rows))
    leads = [lead_text(c.doc) for c in cands]
    assert list(_plain(model.event).predict(leads)) == list(model.event.predict(leads))
    for name in FIELDS:
        known = model.known if name == "orgs" else None
        rows = [_with_known(c.features, c.forms, known) for dc in cands
                for c in getattr(dc, name)]
        assert rows, name
        _same(_plain(model.roles[name]).predict_proba(rows),
              model.roles[name].predict_proba(rows))


def test_binary_and_multiclass_text_pipelines_fitted_here():
    texts = ["data centre opens in lagos", "new 10 mw facility nairobi", "football match result",
             "bank raises funds for data centre", "weather forecast rain", "cloud region launch",
             "", "data"]
    binary = _text_pipeline(c=1.0, analyzer=event_terms).fit(texts, [1, 1, 0, 1, 0, 1, 0, 0])
    three = _text_pipeline(c=1.0, analyzer=event_terms).fit(texts, list("aabacaab"))
    for pipe in (binary, three):
        _same(_plain(pipe).predict_proba(texts), pipe.predict_proba(texts))
        assert list(_plain(pipe).predict(texts)) == list(pipe.predict(texts))


def test_a_pipeline_it_does_not_know_is_refused_not_guessed():
    rows = [{"a": 1.0}, {"b": 2.0}, {"a": 0.5, "b": 1.0}]
    pipe = Pipeline([("vec", NumericDictVectorizer()),
                     ("clf", DecisionTreeClassifier(random_state=0))]).fit(rows, [0, 1, 1])
    assert linear.plain_linear(pipe) is None
    model = TaggerModel(relevance=pipe, event=None, roles={})
    with pytest.raises(ValueError, match="not a linear pipeline"):
        model.predictor()


def test_no_rows_give_no_probabilities(shipped):
    model, _ = shipped
    probs = _plain(model.roles["countries"]).predict_proba([])
    assert probs.shape == (0, 2)
