"""The tagging models: train from labelled documents, tag new ones.

Two text classifiers (relevance, event) read the whole article; five
candidate classifiers decide, from context features, which organisation is
an operator or an investor, which place hosts the project, and which figure
is its headline capacity or investment. Decision thresholds are chosen on
out-of-fold predictions inside the training data, never on the test data.
"""

from __future__ import annotations

import json
import re
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
from classifier.cues import cues_in
from classifier.document import LEAD_CHARS, Doc
from classifier.matching import name_key
from classifier.text import fold, strip_accents
from classifier.training import LabelledDoc

SEED = 13
EVENTS = ("new_build", "expansion", "funding", "acquisition", "partnership", "opening", "other")
FIELDS = ("orgs", "countries", "cities", "capacities", "money")
NONE, OPERATOR, INVESTOR = 0, 1, 2


def text_terms(doc: Doc) -> list[str]:
    """What the relevance model reads: the article's words and word pairs, the
    headline's twice (it says what the article is about)."""
    words, n_title = doc.flat_words
    toks = words[:n_title] * 2 + words[n_title:]
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]


def lead_text(doc: Doc) -> str:
    """What the event model reads: the headline (three times) and the lead.

    What happened is told in the headline and the lead; later paragraphs are
    background full of other events (earlier openings, past funding rounds).
    """
    return f"{doc.title}\n{doc.title}\n{doc.title}\n{doc.body[:LEAD_CHARS]}"


_TERM = re.compile(r"(?u)\b\w\w+\b")


def stem_terms(text: str) -> list[str]:
    """The event model's analyzer: words, word pairs, word stems (first five letters;
    they stand in for character n-grams: "inaugure"/"inauguration") and the cue
    classes of the headline (the first line) and of the whole text."""
    title, _, _ = text.partition("\n")
    toks = _TERM.findall(strip_accents(text).lower())
    out = toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
    out += ["~" + t[:5] for t in toks if len(t) > 5]
    out += ["title:" + c for c in cues_in(" " + " ".join(_TERM.findall(
        strip_accents(title).lower())) + " ")]
    out += ["text:" + c for c in cues_in(" " + " ".join(toks) + " ")]
    return out


def given_terms(terms: list[str]) -> list[str]:
    """The analyzer of the text models: documents reach them already as terms."""
    return terms


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


def _with_known(features: dict[str, float], forms: set[str],
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

    def relevance_scores(self, cands: list[DocCandidates]) -> np.ndarray:
        """P(relevant): the text model's view combined with where the data centres are."""
        text_p = linear.predict_proba(self.relevance,
                                      [text_terms(c.doc) for c in cands])[:, 1]
        if self.relevance_stack is None:
            return text_p
        rows = [_stack_row(p, c) for p, c in zip(text_p, cands, strict=True)]
        return linear.predict_proba(self.relevance_stack, rows)[:, 1]

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
        probs = {name: self._candidate_probs(name, chosen) for name in FIELDS}
        events = linear.predict(self.event, [lead_text(c.doc) for c in chosen]) \
            if chosen else []
        out = []
        for i in range(len(cands)):
            tags = _empty_tags()
            tags["relevance_score"] = float(rel[i])
            out.append(tags)
        for k, i in enumerate(passing):
            out[i].update(self._fields(cands[i], {n: v[k] for n, v in probs.items()}))
            out[i]["relevant"] = True
            out[i]["event"] = str(events[k])
        return out

    def _candidate_probs(self, name: str, cands: list[DocCandidates]) -> list[np.ndarray]:
        known = self.known if name == "orgs" else None
        rows = [_with_known(c.features, c.forms, known) for dc in cands for c in getattr(dc, name)]
        if not rows:
            return [np.zeros((0, 3 if name == "orgs" else 2)) for _ in cands]
        probs = linear.predict_proba(self.roles[name], rows)
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
        classes = list(self.roles["orgs"].classes_)
        p_op = p[:, classes.index(OPERATOR)] if len(p) else np.zeros(0)
        p_inv = p[:, classes.index(INVESTOR)] if len(p) else np.zeros(0)
        ops = [i for i in range(len(p_op)) if p_op[i] >= t.get("operator", 0.5)]
        if not ops and len(p_op) and p_op.max() >= t.get("operator_floor", 0.2):
            ops = [int(p_op.argmax())]
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


def _stack_row(text_p: float, dc: DocCandidates) -> dict[str, float]:
    return {"text_p": float(text_p), **dc.doc_features}


def _empty_tags() -> dict[str, Any]:
    return {"relevant": False, "operators": [], "investors": [], "countries": [],
            "capacity_mw": None, "cities": [], "event": "other", "investment_usd": None,
            "mentions": []}


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
            X.append(_with_known(cand.features, cand.forms, by_group.get(doc.group)))
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
    event = _text_pipeline(c=10.0, analyzer=stem_terms).fit([lead_text(c.doc) for c in cands],
                                       [d.labels["event"] or "other" for d in docs])
    roles = _fit_roles(docs, cands)
    groups = [d.group for d in docs]
    n_splits = min(5, len(set(groups)))
    stack = None
    thresholds = dict(DEFAULT_THRESHOLDS)
    if n_splits >= 2:
        folds = list(GroupKFold(n_splits=n_splits).split(docs, groups=groups))
        stack_rows = [_stack_row(p, c) for p, c in
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
        field_probs = {n: sub._candidate_probs(n, test_cands) for n in FIELDS}
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
