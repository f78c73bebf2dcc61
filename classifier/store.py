"""Save and load the tagging model safely.

A model file is data, not code: skops serialises the sklearn objects and
refuses, on load, any type that is not on the list of types our model is
made of, so a tampered file cannot run code. A file written by another
scikit-learn or model-format version is refused with a clear message
instead of predicting garbage. Beside it goes the model's plain form
(:mod:`classifier.plain`: numpy arrays and JSON, no pickles), which is what
tagging loads.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import sklearn
import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.model import TaggerModel
from classifier.plain import (  # noqa: F401  (ModelError, MODEL_DIR: this module's API)
    MODEL_DIR,
    MODEL_PATH,
    ModelError,
    plain_path,
    read_model_bytes,
    save_plain,
)

METRICS_PATH = MODEL_DIR / "metrics.json"
FORMAT_VERSION = 2  # 2: vectorizer vocabularies stored as one JSON string each
#: Types a model file may hold: scikit-learn's, numpy's and scipy's, our own
#: transformers in classifier.model and the analyzers in classifier.terms (the code that
#: is doing the loading; older files name the analyzers in classifier.model).
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "classifier.model.", "classifier.terms.")


def _minor(version: str) -> str:
    # Patch releases keep the pickled state compatible; minor releases may not.
    return ".".join(version.split(".")[:2])


def _plain_vocabularies(obj) -> None:
    """Make vectorizer vocabularies plain ``str -> int`` dicts.

    sklearn fills them with numpy integers, which skops writes one array file
    each: minutes for a 100k-word vocabulary. Python ints are stored as JSON.
    """
    if isinstance(obj, Pipeline):
        for _, step in obj.steps:
            _plain_vocabularies(step)
    elif isinstance(obj, FeatureUnion):
        for _, part in obj.transformer_list:
            _plain_vocabularies(part)
    elif isinstance(getattr(obj, "estimator", None), BaseEstimator):
        _plain_vocabularies(obj.estimator)
    if isinstance(getattr(obj, "vocabulary_", None), dict):
        obj.vocabulary_ = {str(k): int(v) for k, v in obj.vocabulary_.items()}


def save_model(model: TaggerModel, path: Path = MODEL_PATH) -> None:
    """Write ``model`` with the versions it needs to be read back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for part in (model.relevance, model.event, model.relevance_stack, *model.roles.values()):
        _plain_vocabularies(part)
    state = {
        "format": FORMAT_VERSION,
        "sklearn": sklearn.__version__,
        "relevance": model.relevance,
        "event": model.event,
        "roles": model.roles,
        "relevance_stack": model.relevance_stack,
        "thresholds": json.dumps(model.thresholds),
        "info": json.dumps(model.info),
        "known": json.dumps({k: sorted(v) for k, v in model.known.items()}),
    }
    data = sio.dumps(state, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    path.write_bytes(data)
    save_plain(model.predictor().to_plain(), plain_path(path), hashlib.sha256(data).hexdigest())


def _read(path: Path) -> bytes:
    """The model file's bytes, also when the package runs from a zip (a Scrapyd egg)."""
    data = read_model_bytes(path)
    if data is None:
        raise ModelError(f"no model at {path}: run `dcradar train` first")
    return data


def load_model(path: Path = MODEL_PATH) -> TaggerModel:
    """Read a model written by :func:`save_model`, trusting only the types it is made of."""
    data = _read(path)
    try:
        untrusted = sio.get_untrusted_types(data=data)
        unexpected = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unexpected:
            raise ModelError(f"{path} holds types outside {TRUSTED_PREFIXES}: {unexpected}")
        state = sio.load(io.BytesIO(data), trusted=untrusted)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"cannot read model {path}: {exc}") from exc
    if state.get("format") != FORMAT_VERSION or \
            _minor(str(state.get("sklearn"))) != _minor(sklearn.__version__):
        raise ModelError(
            f"{path} was written by model format {state.get('format')} with scikit-learn "
            f"{state.get('sklearn')}; this is format {FORMAT_VERSION} with scikit-learn "
            f"{sklearn.__version__}. Rebuild it with `dcradar train`.")
    known = {k: set(v) for k, v in json.loads(state["known"]).items()}
    return TaggerModel(state["relevance"], state["event"], state["roles"],
                       json.loads(state["thresholds"]), json.loads(state["info"]), known,
                       state["relevance_stack"])
