"""The plain model (classifier.plain): what tagging loads, equal to the scikit-learn model."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction import FeatureHasher

from classifier.candidates import doc_candidates
from classifier.document import Doc
from classifier.plain import MODEL_PATH, hashed_column, load_plain, plain_path, save_plain
from classifier.predict import FIELDS, stack_row, with_known
from classifier.store import load_model, save_model
from classifier.tagger import Tagger, load_predictor
from classifier.terms import lead_text, text_terms
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles

TERMS = ["data", "centre", "data centre", "N+One", "d'Abidjan", "Lomé", "数据中心", "🙂", "",
         "title:dc", "~inaug", "x" * 300]


@pytest.fixture(scope="module")
def docs():
    labelled = load_corpus_labels(BUNDLED_CORPUS) + load_training_articles()
    return labelled


@pytest.fixture(scope="module")
def cands(docs):
    return [doc_candidates(Doc(d.body, d.title, d.language)) for d in docs]


@pytest.mark.parametrize("n_features", [2 ** 18, 2 ** 20, 7])
def test_terms_hash_to_scikit_learns_columns(n_features: int) -> None:
    hashed = FeatureHasher(n_features=n_features, input_type="string",
                           alternate_sign=False).transform([[t] for t in TERMS])
    assert [hashed_column(t, n_features) for t in TERMS] == [int(r.indices[0]) for r in hashed]


@pytest.mark.parametrize("n_features", [2 ** 18, 2 ** 20, 7, 1_000_003])
def test_the_one_hash_whose_absolute_value_overflows_gets_scikit_learns_column(n_features):
    """scikit-learn gives a hash of -2**31 the column (2**31 - 1 - (n - 1)) % n; Python's
    abs(-2**31) % n, which hashed_column computes, is that number."""
    assert abs(-(2 ** 31)) % n_features == (2 ** 31 - 1 - (n_features - 1)) % n_features


def test_the_shipped_plain_file_predicts_as_the_model_file(cands) -> None:
    """Every part read back from tagger.plain.npz gives scikit-learn's probabilities."""
    plain = load_plain()
    assert plain is not None, "tagger.plain.npz is missing or out of date: run `dcradar train`"
    model = load_model()
    same = dict(rtol=1e-10, atol=1e-12)
    terms = [text_terms(c.doc) for c in cands]
    np.testing.assert_allclose(plain.parts["relevance"].predict_proba(terms),
                               model.relevance.predict_proba(terms), **same)
    rows = [stack_row(p, c) for p, c in zip(np.linspace(0, 1, len(cands)), cands, strict=True)]
    np.testing.assert_allclose(plain.parts["relevance_stack"].predict_proba(rows),
                               model.relevance_stack.predict_proba(rows), **same)
    leads = [lead_text(c.doc) for c in cands]
    assert list(plain.parts["event"].predict(leads)) == list(model.event.predict(leads))
    for name in FIELDS:
        known = model.known if name == "orgs" else None
        rows = [with_known(c.features, c.forms, known) for dc in cands for c in getattr(dc, name)]
        np.testing.assert_allclose(plain.parts[f"role:{name}"].predict_proba(rows),
                                   model.roles[name].predict_proba(rows), **same)
    assert plain.thresholds == model.thresholds and plain.known == model.known


def test_terms_sharing_a_column_are_summed_and_no_terms_score_as_scikit_learn() -> None:
    """Terms are hashed once each and their counts summed per column: with 7 columns for
    the 12 terms (each repeated, so that columns get counts above 1) a row holds those sums,
    after the part's own tf and norm; and a document with no terms (an empty body) scores
    as scikit-learn's model does."""
    model = load_model()
    plain = load_plain()
    part = plain.parts["relevance"]
    small = type(part)(coef=part.coef[:7], intercept=part.intercept, classes=part.classes,
                       analyzer=part.analyzer, n_features=7, idf=None,
                       sublinear_tf=part.sublinear_tf, norm=part.norm)
    columns, values = small._row(TERMS * 3 + TERMS[:4])
    assert list(columns) == sorted(set(columns)) and len(columns) <= 7
    expected = np.zeros(7)
    for term in TERMS * 3 + TERMS[:4]:
        expected[hashed_column(term, 7)] += 1
    if small.sublinear_tf:
        expected[expected > 0] = np.log(expected[expected > 0]) + 1
    expected /= np.sqrt(expected @ expected) if small.norm == "l2" else 1
    np.testing.assert_allclose(values, expected[columns], rtol=1e-12)
    empty = [[]]
    np.testing.assert_allclose(part.predict_proba(empty), model.relevance.predict_proba(empty),
                               rtol=1e-10, atol=1e-12)


def test_named_rows_score_together_as_each_alone(cands) -> None:
    """Named-feature rows are scored in one product: each row's value is what it gets
    scored alone and what a plain sum of its known names' weights gives; a row with no
    known name scores the intercept, and no rows give no scores."""
    plain = load_plain()
    part = plain.parts["role:orgs"]
    rows = [with_known(c.features, c.forms, plain.known) for dc in cands[:40] for c in dc.orgs]
    rows += [{"no such feature": 1.0}, {}]
    together = part.scores(rows)
    assert together.shape == (len(rows), part.coef.shape[1])
    for row, scored in zip(rows, together, strict=True):
        np.testing.assert_allclose(part.scores([row])[0], scored, rtol=1e-12, atol=1e-12)
        by_hand = part.intercept + sum(
            (value * part.coef[part.vocabulary[name]] for name, value in row.items()
             if name in part.vocabulary), np.zeros(part.coef.shape[1]))
        np.testing.assert_allclose(scored, by_hand, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(together[-1], part.intercept)
    assert part.scores([]).shape == (0, part.coef.shape[1])


def test_tags_from_the_plain_file_equal_the_model_files(docs) -> None:
    items = [(d.body, d.title, d.language) for d in docs]
    assert Tagger().tag_many(items) == Tagger(load_model()).tag_many(items)


def test_a_plain_file_of_another_model_file_is_not_used(tmp_path) -> None:
    path = tmp_path / "tagger.skops"
    shutil.copy(MODEL_PATH, path)
    shutil.copy(plain_path(MODEL_PATH), plain_path(path))
    assert load_plain(path) is not None
    path.write_bytes(path.read_bytes() + b"\0")  # another model file now
    assert load_plain(path) is None
    plain_path(path).unlink()
    assert load_plain(path) is None
    for damaged in (b"PK\x03\x04 not a zip", b"\x93NUMPY", b"", b"garbage"):
        plain_path(path).write_bytes(damaged)
        assert load_plain(path) is None


def test_without_a_matching_plain_file_the_model_file_is_read(tmp_path) -> None:
    path = tmp_path / "tagger.skops"
    shutil.copy(MODEL_PATH, path)
    predictor = load_predictor(path)  # no plain file here: scikit-learn reads the model
    text = "Africa Data Centres will build a 10 MW data centre in Lagos, Nigeria."
    title = "Lagos data centre"
    assert Tagger(predictor).tag(text, title) == Tagger().tag(text, title)


def test_save_model_writes_the_plain_form_too(tmp_path) -> None:
    path = tmp_path / "tagger.skops"
    save_model(load_model(), path)
    plain = load_plain(path)
    assert plain is not None and set(plain.parts) == set(load_plain().parts)
    save_plain(plain, plain_path(path), "another model's digest")
    assert load_plain(path) is None


def test_tagging_with_the_shipped_model_loads_no_scikit_learn() -> None:
    """What the crawl's workers and retag load: numpy and mmh3, not scikit-learn (1.6 s)."""
    code = ("import sys; from classifier.tagger import Tagger; "
            "tags = Tagger().tag('Raxio opens a 5 MW data centre in Kampala, Uganda.', "
            "'Raxio opens Kampala data centre'); "
            "assert tags['relevant'], tags; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'skops') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
