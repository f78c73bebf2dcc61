"""Save and load the tagging model safely.

A model file is data, not code: skops serialises the sklearn objects and
refuses, on load, any type that is not on the list of types our model is
made of, so a tampered file cannot run code. A file written by another
scikit-learn or model-format version is refused with a clear message
instead of predicting garbage.
"""

from __future__ import annotations

import json
from pathlib import Path

import sklearn
import skops.io as sio

from classifier.model import TaggerModel

MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_PATH = MODEL_DIR / "tagger.skops"
METRICS_PATH = MODEL_DIR / "metrics.json"
FORMAT_VERSION = 1
#: Types a model file may hold: scikit-learn's, numpy's and scipy's, and our own
#: transformers in classifier.model (the code that is doing the loading).
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "classifier.model.")


class ModelError(RuntimeError):
    """The model file is missing, unreadable or from an incompatible version."""


def _minor(version: str) -> str:
    # Patch releases keep the pickled state compatible; minor releases may not.
    return ".".join(version.split(".")[:2])


def save_model(model: TaggerModel, path: Path = MODEL_PATH) -> None:
    """Write ``model`` with the versions it needs to be read back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": FORMAT_VERSION,
        "sklearn": sklearn.__version__,
        "relevance": model.relevance,
        "event": model.event,
        "roles": model.roles,
        "thresholds": json.dumps(model.thresholds),
        "info": json.dumps(model.info),
    }
    sio.dump(state, path)


def load_model(path: Path = MODEL_PATH) -> TaggerModel:
    """Read a model written by :func:`save_model`, trusting only the types it is made of."""
    if not path.exists():
        raise ModelError(f"no model at {path}: run `dcradar train` first")
    try:
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unexpected:
            raise ModelError(f"{path} holds types outside {TRUSTED_PREFIXES}: {unexpected}")
        state = sio.load(path, trusted=untrusted)
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
    return TaggerModel(state["relevance"], state["event"], state["roles"],
                       json.loads(state["thresholds"]), json.loads(state["info"]))
