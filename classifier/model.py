"""The tagging models: train from labelled documents, tag new ones.

Two text classifiers (relevance, event) read the whole article; five
candidate classifiers decide, from context features, which organisation is
an operator or an investor, which place hosts the project, and which figure
is its headline capacity or investment. Decision thresholds are chosen on
out-of-fold predictions inside the training data, never on the test data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from classifier import linear
from classifier.candidates import DocCandidates, doc_candidates
from classifier.document import Doc
from classifier.matching import name_key
from classifier.predict import (
    FIELDS,
    INVESTOR,
    NONE,
    OPERATOR,
    Predictor,
    stack_row,
    with_known,
)
from classifier.terms import (  # noqa: F401  (model files name their analyzers here)
    event_terms,
    given_terms,
    lead_text,
    text_terms,
)
from classifier.text import fold
from classifier.training import LabelledDoc

SEED = 13
EVENTS = ("new_build", "expansion", "funding", "acquisition", "partnership", "opening", "other")


def _text_pipeline(c: float, analyzer=given_terms) -> Pipeline:
    # Hashed terms: no vocabulary to store, so the model file stays small and loads fast.
    # Relevance reads the words the document was already split into for the role models
    # (tokenising again cost a tenth of tagging time). Character n-grams were tried: they
    # cost four times the tagging time.
    hashing = HashingVectorizer(analyzer=analyzer, n_features=2 ** 18,
                                alternate_sign=False, norm=None)
    features = Pipeline([("hash", hashing), ("tfidf", TfidfTransformer(sublinear_tf=True))])
    return Pipeline([("features", features), ("int32", Int32Indices()), ("clf", _linear(c))])


class Int32Indices(TransformerMixin, BaseEstimator):
    """Give a sparse matrix 32-bit indices, which liblinear requires.

    Vectorisers may build int64-indexed matrices; our matrices
    are far below 2**31 entries, so the cast loses nothing.
    """

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = sp.csr_matrix(X)
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
        return X


def _linear(c: float) -> OneVsRestClassifier:
    # liblinear is several times faster than lbfgs on these small sparse problems; it is
    # binary only, so several classes are one-vs-rest.
    return OneVsRestClassifier(LogisticRegression(C=c, solver="liblinear",
                                                  class_weight="balanced", random_state=SEED))


class NumericDictVectorizer(DictVectorizer):
    """A DictVectorizer for dicts of numbers only, with a leaner ``transform``.

    Candidate features are always numbers; skipping the per-value type checks of
    the general transform makes tagging's vectorising several times faster, with
    the same columns. (Hashing the names was faster still, but made liblinear's
    training four times slower over 2**18 columns.)
    """

    def __getstate__(self) -> dict[str, Any]:
        # The vocabulary as one JSON string: skops writes a dict entry by entry and
        # audits every entry on load (17,000 names: a second and a half of each
        # worker's start-up); one string is one entry. The names list follows from it.
        state = dict(super().__getstate__())
        if isinstance(state.get("vocabulary_"), dict):
            state["vocabulary_"] = json.dumps({str(k): int(v)
                                               for k, v in state["vocabulary_"].items()})
            state.pop("feature_names_", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if isinstance(state.get("vocabulary_"), str):
            vocabulary = json.loads(state["vocabulary_"])
            state["vocabulary_"] = vocabulary
            state["feature_names_"] = sorted(vocabulary, key=vocabulary.__getitem__)
        super().__setstate__(state)

    def transform(self, X):
        vocabulary = self.vocabulary_
        indices: list[int] = []
        values: list[float] = []
        indptr = [0]
        for row in X:
            for name, value in row.items():
                column = vocabulary.get(name)
                if column is not None:
                    indices.append(column)
                    values.append(value)
            indptr.append(len(indices))
        return sp.csr_matrix((np.asarray(values, dtype=self.dtype),
                              np.asarray(indices, dtype=np.int32),
                              np.asarray(indptr, dtype=np.int32)),
                             shape=(len(indptr) - 1, len(vocabulary)))


def _role_model(c: float = 1.0) -> Pipeline:
    return Pipeline([("vec", NumericDictVectorizer()), ("int32", Int32Indices()),
                     ("clf", _linear(c))])


# -- names known from training labels ---------------------------------------------------

def known_names(docs: list[LabelledDoc]) -> dict[str, set[str]]:
    """Name keys of the operators and investors in ``docs``' labels (aliases included)."""
    known: dict[str, set[str]] = {"operators": set(), "investors": set()}
    for doc in docs:
        for field_name in known:
            for names in doc.names(field_name):
                known[field_name] |= {name_key(n) for n in names}
    return known


# -- labelling candidates from gold ------------------------------------------------------

def _org_label(cand, doc: LabelledDoc) -> int | None:
    keys = {name_key(f) for f in cand.forms}
    for role, field_name in ((OPERATOR, "operators"), (INVESTOR, "investors")):
        for names in doc.names(field_name):
            if keys & {name_key(n) for n in names}:
                return role
    optional = set(doc.optional.get("operators", [])) | set(doc.optional.get("investors", []))
    if keys & {name_key(n) for n in optional}:
        return None
    return NONE


def _value_label(value: float, gold: float | None, optional: list) -> int | None:
    if gold is not None and abs(value - gold) <= 0.02 * abs(gold):
        return 1
    if any(abs(value - o) <= 0.02 * abs(o) for o in optional or [] if o):
        return None
    return 0


def _labels(field_name: str, cands: DocCandidates, doc: LabelledDoc) -> list[int | None]:
    if field_name == "orgs":
        return [_org_label(c, doc) for c in cands.orgs]
    if field_name == "countries":
        gold, opt = set(doc.labels["countries"] or []), set(doc.optional.get("countries", []))
        return [1 if c.value in gold else (None if c.value in opt else 0)
                for c in cands.countries]
    if field_name == "cities":
        gold = {fold(x) for x in doc.labels["cities"] or []}
        opt = {fold(x) for x in doc.optional.get("cities", [])}
        out = []
        for c in cands.cities:
            keys = {fold(c.value)} | {fold(s) for s in c.forms}
            out.append(1 if keys & gold else (None if keys & opt else 0))
        return out
    if field_name == "capacities":
        return [_value_label(c.value, doc.labels["capacity_mw"],
                             doc.optional.get("capacity_mw", [])) for c in cands.capacities]
    return [_value_label(c.value, doc.labels["investment_usd"],
                         doc.optional.get("investment_usd", [])) for c in cands.money]


# -- the model ----------------------------------------------------------------------------

@dataclass
class TaggerModel:
    """Everything needed to tag an article; plain sklearn objects and numbers."""

    relevance: Pipeline
    event: Pipeline
    roles: dict[str, Pipeline]
    thresholds: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    known: dict[str, set[str]] = field(default_factory=dict)
    relevance_stack: Pipeline | None = None

    _predictor: Predictor | None = field(default=None, init=False, repr=False, compare=False)

    def predictor(self) -> Predictor:
        """The fitted parts as plain arrays (:mod:`classifier.plain`), made once: what
        tagging predicts with, and what :func:`classifier.store.save_model` also writes."""
        if self._predictor is None:
            def plain(pipeline: Pipeline | None) -> Any:
                if pipeline is None:
                    return None
                part = linear.plain_linear(pipeline)
                if part is None:
                    raise ValueError(f"not a linear pipeline tagging knows: {pipeline}")
                return part

            self._predictor = Predictor(
                plain(self.relevance), plain(self.event),
                {name: plain(p) for name, p in self.roles.items()}, self.thresholds,
                self.known, plain(self.relevance_stack), self.info)
        return self._predictor

    def predict(self, cands: list[DocCandidates]) -> list[dict[str, Any]]:
        """Tags for prepared documents (see :class:`classifier.predict.Predictor`)."""
        return self.predictor().predict(cands)


def prepare(docs: list[LabelledDoc]) -> list[DocCandidates]:
    return [doc_candidates(Doc(d.body, d.title, d.language)) for d in docs]


def _role_training_set(name: str, docs: list[LabelledDoc], cands: list[DocCandidates]):
    # A document's "known name" features come from the labels of the OTHER groups only,
    # as at test time, so the model learns how far a known name can be trusted.
    by_group = {}
    if name == "orgs":
        for group in {d.group for d in docs}:
            by_group[group] = known_names([d for d in docs if d.group != group])
    X, y, groups = [], [], []
    for doc, dc in zip(docs, cands, strict=True):
        if not doc.labels["relevant"]:
            continue
        for cand, label in zip(getattr(dc, name), _labels(name, dc, doc), strict=True):
            if label is None:
                continue
            X.append(with_known(cand.features, cand.forms, by_group.get(doc.group)))
            y.append(label)
            groups.append(doc.group)
    return X, y, groups


def _fit_roles(docs: list[LabelledDoc], cands: list[DocCandidates]) -> dict[str, Pipeline]:
    roles = {}
    for name in FIELDS:
        X, y, _ = _role_training_set(name, docs, cands)
        if len(set(y)) < 2:
            raise ValueError(f"not enough labelled examples to train the {name} model")
        roles[name] = _role_model().fit(X, y)
    return roles


def _oof_text_relevance(docs: list[LabelledDoc], texts: list[list[str]], folds
                        ) -> np.ndarray:
    """Out-of-fold P(relevant) from the text model alone, for the second stage."""
    y = [bool(d.labels["relevant"]) for d in docs]
    oof = np.zeros(len(docs))
    for train_idx, test_idx in folds:
        sub = _text_pipeline(c=10.0).fit([texts[i] for i in train_idx], [y[i] for i in train_idx])
        oof[test_idx] = sub.predict_proba([texts[i] for i in test_idx])[:, 1]
    return oof


def fit(docs: list[LabelledDoc], cands: list[DocCandidates] | None = None,
        tune: bool = True) -> TaggerModel:
    """Train every model on ``docs``; with ``tune``, pick thresholds out of fold.

    Folds are by group (site or training file), so that both the relevance
    second stage and the thresholds are learnt from predictions on groups the
    predicting model did not see, as happens on a new site.
    """
    cands = cands if cands is not None else prepare(docs)
    texts = [text_terms(c.doc) for c in cands]
    y_rel = [bool(d.labels["relevant"]) for d in docs]
    relevance = _text_pipeline(c=10.0).fit(texts, y_rel)
    # Events are told only for relevant articles, so only they teach the event model:
    # the others, all "other", were most of its examples and most of its answers.
    told = [i for i, d in enumerate(docs) if d.labels["relevant"]] or range(len(docs))
    event = _text_pipeline(c=1.0, analyzer=event_terms).fit(
        [lead_text(cands[i].doc) for i in told], [docs[i].labels["event"] or "other" for i in told])
    roles = _fit_roles(docs, cands)
    groups = [d.group for d in docs]
    n_splits = min(5, len(set(groups)))
    stack = None
    thresholds = dict(DEFAULT_THRESHOLDS)
    if n_splits >= 2:
        folds = list(GroupKFold(n_splits=n_splits).split(docs, groups=groups))
        stack_rows = [stack_row(p, c) for p, c in
                      zip(_oof_text_relevance(docs, texts, folds), cands, strict=True)]
        stack = _role_model().fit(stack_rows, y_rel)
        if tune:
            thresholds = tune_thresholds(docs, cands, folds, stack_rows)
    return TaggerModel(relevance, event, roles, thresholds, {"documents": len(docs)},
                       known_names(docs), stack)


DEFAULT_THRESHOLDS = {"relevant": 0.5, "operator": 0.5, "operator_floor": 0.2, "investor": 0.5,
                      "countries": 0.5, "cities": 0.5, "capacity_mw": 0.5,
                      "investment_usd": 0.5}


def tune_thresholds(docs: list[LabelledDoc], cands: list[DocCandidates], folds,
                    stack_rows: list[dict[str, float]]) -> dict[str, float]:
    """Thresholds that maximise F1 on out-of-fold predictions within the training data."""
    y_rel = [bool(d.labels["relevant"]) for d in docs]
    store: list = [None] * len(docs)
    for train_idx, test_idx in folds:
        train_docs = [docs[i] for i in train_idx]
        train_cands = [cands[i] for i in train_idx]
        sub = TaggerModel(None, None, _fit_roles(train_docs, train_cands),
                          known=known_names(train_docs))
        stack = _role_model().fit([stack_rows[i] for i in train_idx],
                                  [y_rel[i] for i in train_idx])
        rel = stack.predict_proba([stack_rows[i] for i in test_idx])[:, 1]
        test_cands = [cands[i] for i in test_idx]
        field_probs = {n: sub.predictor().candidate_probs(n, test_cands) for n in FIELDS}
        classes = list(sub.roles["orgs"].classes_)
        for k, i in enumerate(test_idx):
            store[i] = (rel[k], {n: field_probs[n][k] for n in FIELDS}, classes)
    return _best_thresholds(docs, cands, store)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _best_thresholds(docs, cands, store) -> dict[str, float]:
    grid = [round(x, 2) for x in np.arange(0.1, 0.95, 0.05)]
    best = dict(DEFAULT_THRESHOLDS)
    # Relevance.
    gold = [bool(d.labels["relevant"]) for d in docs]
    scores = []
    for t in grid:
        pred = [s[0] >= t for s in store]
        tp = sum(p and g for p, g in zip(pred, gold, strict=True))
        fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
        fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
        scores.append((_f1(tp, fp, fn), -abs(t - 0.5), t))
    best["relevant"] = max(scores)[2]
    # Candidate fields, judged on gold-relevant documents.
    for key, name, column in (("operator", "orgs", OPERATOR), ("investor", "orgs", INVESTOR),
                              ("countries", "countries", 1), ("cities", "cities", 1),
                              ("capacity_mw", "capacities", 1),
                              ("investment_usd", "money", 1)):
        scores = []
        for t in grid:
            tp = fp = fn = 0
            for doc, dc, (_, probs, classes) in zip(docs, cands, store, strict=True):
                if not doc.labels["relevant"]:
                    continue
                labels = _labels(name, dc, doc)
                p = probs[name]
                col = classes.index(column) if name == "orgs" else 1
                pp = p[:, col] if len(p) else np.zeros(0)
                single = name in ("capacities", "money")
                chosen = set()
                if single:
                    if len(pp) and pp.max() >= t:
                        chosen = {int(pp.argmax())}
                else:
                    chosen = {i for i in range(len(pp)) if pp[i] >= t}
                target = column if name == "orgs" else 1
                for i, lab in enumerate(labels):
                    if lab is None:
                        continue
                    if i in chosen:
                        tp += lab == target
                        fp += lab != target
                    else:
                        fn += lab == target
                if single:
                    gold_value = doc.labels["capacity_mw" if name == "capacities"
                                            else "investment_usd"]
                    if gold_value is not None and not any(lab == 1 for lab in labels):
                        fn += 1
            scores.append((_f1(tp, fp, fn), -abs(t - 0.5), t))
        best[key] = max(scores)[2]
    return best
