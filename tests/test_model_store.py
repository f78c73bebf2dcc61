"""The model file: loaded safely, refused with a clear message when it does not fit."""

from __future__ import annotations

import zipfile

import pytest
import skops.io as sio

from classifier.store import MODEL_PATH, ModelError, load_model


def test_the_shipped_model_loads():
    model = load_model()
    assert {"orgs", "countries", "cities", "capacities", "money"} <= set(model.roles)
    assert 0 < model.thresholds["relevant"] < 1


def test_a_missing_model_says_how_to_make_one(tmp_path):
    with pytest.raises(ModelError, match="dcradar train"):
        load_model(tmp_path / "none.skops")


def test_another_sklearn_version_is_refused(tmp_path):
    state = sio.load(MODEL_PATH, trusted=sio.get_untrusted_types(file=MODEL_PATH))
    state["sklearn"] = "0.1.0"
    path = tmp_path / "old.skops"
    sio.dump(state, path, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ModelError, match="Rebuild it with `dcradar train`"):
        load_model(path)


class Foreign:
    """A type no model is made of."""


def test_a_file_with_foreign_types_is_refused(tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"format": 1, "payload": Foreign()}, path)
    with pytest.raises(ModelError, match="holds types outside"):
        load_model(path)


def test_a_vectorizer_vocabulary_is_one_entry_in_the_file_and_reads_back_the_same(tmp_path):
    from classifier.model import NumericDictVectorizer

    rows = [{"w=backed": 1.0, "w=by": 2.0}, {"cue=finance": 1.0, "w=é": 0.5}]
    vec = NumericDictVectorizer().fit(rows)
    path = tmp_path / "vec.skops"
    sio.dump(vec, path)
    # One string, not one node per name: that is what keeps loading the model fast.
    assert isinstance(vec.__getstate__()["vocabulary_"], str)
    back = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert back.vocabulary_ == vec.vocabulary_
    assert back.feature_names_ == vec.feature_names_
    assert (back.transform(rows) != vec.transform(rows)).nnz == 0


def test_a_model_file_of_the_previous_format_is_refused(tmp_path):
    state = sio.load(MODEL_PATH, trusted=sio.get_untrusted_types(file=MODEL_PATH))
    state["format"] = 1
    path = tmp_path / "format1.skops"
    sio.dump(state, path, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ModelError, match="Rebuild it with `dcradar train`"):
        load_model(path)
