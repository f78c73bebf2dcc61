"""Predictions of the fitted tagging pipelines without scikit-learn's per-call checks.

Every ``predict_proba`` through a scikit-learn ``Pipeline`` validates its input
at each step (array checks, dataframe detection, estimator tags): about
0.8 ms a call whatever the size of the input, and tagging a batch makes eight
such calls. A crawl tags a few articles at a time, so those checks cost more
than the arithmetic (issues 3 and 6). Our inputs are always the matrices our
own steps build, so here the steps' arithmetic runs directly: the same
coefficients and operations (a row's sum of squares may round in another
order: results agree to 1e-10). A pipeline with a step or a classifier this
module does not know goes through scikit-learn as before.
``tests/test_linear.py`` holds the results equal to scikit-learn's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

#: One-vs-rest classifiers' coefficients stacked into one matrix, made once per model.
_heads: WeakKeyDictionary[OneVsRestClassifier, tuple[np.ndarray, np.ndarray]] = WeakKeyDictionary()


def _tfidf(step: TfidfTransformer, X: Any) -> sp.csr_matrix:
    """``step.transform(X)`` for l2 or no normalisation."""
    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    if step.sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1.0
    if hasattr(step, "idf_"):
        X.data *= step.idf_[X.indices]
    if step.norm == "l2":
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        lengths = np.sqrt(np.bincount(rows, weights=X.data ** 2, minlength=X.shape[0]))
        lengths[lengths == 0.0] = 1.0
        X.data /= lengths[rows]
    return X


def transform(step: Any, X: Any) -> Any:
    """``step.transform(X)``, with the input checks skipped for the steps we know."""
    if isinstance(step, Pipeline):
        for _, sub in step.steps:
            X = transform(sub, X)
        return X
    if type(step) is TfidfTransformer and step.norm in ("l2", None):
        return _tfidf(step, X)
    if type(step) is HashingVectorizer and step.norm is None and not step.binary \
            and not step.alternate_sign:
        return _hashed_counts(step, X)
    return step.transform(X)  # our own steps have no input checks to skip


def _hashed_counts(step: HashingVectorizer, X: Any) -> Any:
    """``step.transform(X)``, each distinct term hashed once with its count.

    The vectorizer hashes every occurrence and then sums the duplicates; an
    article's terms and word pairs repeat (the benchmark mirror's 630-word
    articles: 1,290 terms, 570 of them distinct). The sums are whole numbers
    either way.
    """
    analyze = step.build_analyzer()
    hasher = FeatureHasher(n_features=step.n_features, input_type="dict", dtype=step.dtype,
                           alternate_sign=False)
    return hasher.transform(Counter(analyze(doc)) for doc in X)


def _head(clf: OneVsRestClassifier) -> tuple[np.ndarray, np.ndarray] | None:
    """Coefficients (features x classes) and intercepts, or None if not plain linear."""
    head = _heads.get(clf)
    if head is None:
        estimators = getattr(clf, "estimators_", None)
        if not estimators or not all(type(e) is LogisticRegression and e.coef_.shape[0] == 1
                                     for e in estimators):
            return None
        if any(sp.issparse(e.coef_) for e in estimators):
            return None
        # C order: a sparse matrix times a transposed (Fortran-order) array copies the
        # array first, 15 MB for the event model, on every call.
        coef = np.ascontiguousarray(np.vstack([e.coef_ for e in estimators]).T)
        head = (coef, np.concatenate([e.intercept_ for e in estimators]))
        _heads[clf] = head
    return head


def _classifier(pipeline: Pipeline) -> tuple[OneVsRestClassifier, tuple] | None:
    clf = pipeline.steps[-1][1]
    if type(clf) is not OneVsRestClassifier or getattr(clf, "multilabel_", True):
        return None
    head = _head(clf)
    return (clf, head) if head is not None else None


def _scores(pipeline: Pipeline, X: Any, head: tuple) -> np.ndarray:
    for _, step in pipeline.steps[:-1]:
        X = transform(step, X)
    coef, intercept = head
    return np.asarray(X @ coef) + intercept


def predict_proba(pipeline: Pipeline, X: Any) -> np.ndarray:
    """``pipeline.predict_proba(X)`` for a one-vs-rest logistic regression pipeline."""
    found = _classifier(pipeline)
    if found is None or not len(X):
        return pipeline.predict_proba(X)
    clf, head = found
    probs = expit(_scores(pipeline, X, head))
    if probs.shape[1] == 1:  # one estimator: a binary problem
        probs = np.concatenate((1 - probs, probs), axis=1)
    # As OneVsRestClassifier does: each class's probability of its own, normalised.
    return probs / np.sum(probs, axis=1)[:, np.newaxis]


def predict(pipeline: Pipeline, X: Any) -> np.ndarray:
    """``pipeline.predict(X)`` for a one-vs-rest logistic regression pipeline."""
    found = _classifier(pipeline)
    if found is None or not len(X):
        return pipeline.predict(X)
    clf, head = found
    scores = _scores(pipeline, X, head)
    classes = clf.classes_
    if scores.shape[1] == 1:
        return classes[(scores[:, 0] > 0).astype(int)]
    # OneVsRestClassifier keeps the last of equal maxima; argmax the first: reversed.
    last = scores.shape[1] - 1 - np.argmax(scores[:, ::-1], axis=1)
    return classes[last]
