"""The fitted scikit-learn pipelines of the tagging models, as plain arrays.

Every model the tagger uses is a one-vs-rest logistic regression over hashed
terms (``HashingVectorizer`` with our analyzer, then ``TfidfTransformer``) or
over named numbers (``NumericDictVectorizer``). :func:`plain_linear` takes
such a pipeline apart into a :class:`classifier.plain.PlainLinear`: the same
coefficients, the same columns and the same operations, so that predicting
needs neither scikit-learn's per-call input checks (about 0.8 ms a call
whatever the size of the input, issue 3) nor scikit-learn itself (issue 6).
Training builds only such pipelines; one with a step or a classifier this
module does not know gives None, and :meth:`classifier.model.TaggerModel.predictor`
refuses it with an error rather than tag with something it cannot serve plain.
``tests/test_linear.py`` holds the results equal to scikit-learn's (a row's
sums may round in another order: to 1e-10).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from classifier.plain import PlainLinear
from classifier.terms import ANALYZERS


def _head(clf: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Coefficients (features x estimators) and intercepts, or None if not plain linear."""
    if type(clf) is not OneVsRestClassifier or getattr(clf, "multilabel_", True):
        return None
    estimators = getattr(clf, "estimators_", None)
    if not estimators or not all(type(e) is LogisticRegression and e.coef_.shape[0] == 1
                                 and isinstance(e.coef_, np.ndarray) for e in estimators):
        return None
    # C order: rows are gathered by column index at each prediction.
    coef = np.ascontiguousarray(np.vstack([e.coef_ for e in estimators]).T, dtype=np.float64)
    return coef, np.concatenate([e.intercept_ for e in estimators]).astype(np.float64)


def _steps(steps: list[tuple[str, Any]]) -> list[Any]:
    """The feature steps, nested pipelines flattened, index casts (no arithmetic) left out."""
    from classifier.model import Int32Indices  # here: classifier.model imports this module

    out = []
    for _, step in steps:
        if isinstance(step, Pipeline):
            out.extend(_steps(step.steps))
        elif type(step) is not Int32Indices:
            out.append(step)
    return out


def plain_linear(pipeline: Pipeline) -> PlainLinear | None:
    """``pipeline`` as a :class:`PlainLinear`, or None when it is not one of ours."""
    if not isinstance(pipeline, Pipeline):
        return None
    head = _head(pipeline.steps[-1][1])
    if head is None:
        return None
    coef, intercept = head
    classes = pipeline.steps[-1][1].classes_.tolist()
    from classifier.model import NumericDictVectorizer

    steps = _steps(pipeline.steps[:-1])
    # (a plain DictVectorizer would also one-hot string values: ours holds numbers only)
    if len(steps) == 1 and type(steps[0]) is NumericDictVectorizer:
        vocabulary = {str(k): int(v) for k, v in steps[0].vocabulary_.items()}
        return PlainLinear(coef, intercept, classes, vocabulary=vocabulary)
    if len(steps) == 2 and type(steps[0]) is HashingVectorizer \
            and type(steps[1]) is TfidfTransformer:
        hashing, tfidf = steps
        name = getattr(hashing.analyzer, "__name__", None)
        if ANALYZERS.get(name) is not hashing.analyzer or hashing.norm is not None \
                or hashing.binary or hashing.alternate_sign or tfidf.norm not in ("l2", None):
            return None
        idf = np.asarray(tfidf.idf_, dtype=np.float64) if hasattr(tfidf, "idf_") else None
        return PlainLinear(coef, intercept, classes, analyzer=name,
                           n_features=int(hashing.n_features), idf=idf,
                           sublinear_tf=bool(tfidf.sublinear_tf), norm=tfidf.norm)
    return None
