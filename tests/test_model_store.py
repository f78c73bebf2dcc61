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
