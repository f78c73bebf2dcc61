"""Rebuild the shipped model: every labelled article we have, fixed seeds, a metrics file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import sklearn

from classifier.model import fit
from classifier.store import METRICS_PATH, MODEL_PATH, save_model
from classifier.training import load_corpus_labels, load_training_articles

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "spiders" / "sample_sites"


def train_model(corpus: Path = BUNDLED_CORPUS, model_path: Path = MODEL_PATH,
                metrics_path: Path = METRICS_PATH) -> dict[str, Any]:
    """Train on the corpus labels plus our training articles; write model and metrics."""
    started = time.perf_counter()
    docs = load_corpus_labels(corpus) + load_training_articles()
    model = fit(docs)
    seconds = time.perf_counter() - started
    save_model(model, model_path)
    metrics = {
        "documents": len(docs),
        "relevant_documents": sum(bool(d.labels["relevant"]) for d in docs),
        "groups": sorted({d.group for d in docs}),
        "thresholds": model.thresholds,
        "train_seconds": round(seconds, 1),
        "sklearn": sklearn.__version__,
        "note": "thresholds are chosen on out-of-fold predictions by group; held-out "
                "scores come from `dcradar eval --cv site`",
    }
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics
