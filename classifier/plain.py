"""The fitted tagging model as plain arrays: what tagging loads, without scikit-learn.

Every model the tagger uses is a linear one over hashed terms or named
features (:mod:`classifier.model`). Predicting with one is a few lookups
and a dot product, but loading the scikit-learn objects means importing
scikit-learn, scipy.stats and skops: 1.6 s of CPU in each of the crawl's
worker processes and in ``dcradar retag``, before the first page (issue 6).
:func:`save_model` (:mod:`classifier.store`) therefore also writes the
coefficients and vocabularies as numpy arrays and JSON, and tagging reads
those (:func:`load_plain`), with numpy and ``mmh3`` only. The file records
the SHA-256 of the model file it was made from: when that no longer
matches, the caller falls back to the scikit-learn model.

``tests/test_plain.py`` holds the predictions equal to scikit-learn's.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import mmh3
import numpy as np

from classifier.terms import ANALYZERS


class ModelError(RuntimeError):
    """The model file is missing, unreadable or from an incompatible version."""


MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_PATH = MODEL_DIR / "tagger.skops"
PLAIN_FORMAT = 1


def plain_path(model_path: Path) -> Path:
    """Where the plain form of the model file at ``model_path`` lives."""
    return model_path.with_name(model_path.stem + ".plain.npz")


def read_model_bytes(path: Path) -> bytes | None:
    """A model file's bytes, also when the package runs from a zip (a Scrapyd egg);
    None when there is none."""
    if path.exists():
        return path.read_bytes()
    if path.parent == MODEL_DIR:  # the shipped model
        packaged = resources.files("classifier").joinpath("models", path.name)
        if packaged.is_file():
            return packaged.read_bytes()
    return None


def hashed_column(term: str, n_features: int) -> int:
    """The column scikit-learn's ``FeatureHasher`` gives ``term``: its signed 32-bit
    MurmurHash3 (seed 0, UTF-8), absolute value, modulo ``n_features``. (scikit-learn
    spells abs(-2**31) % n as (2**31 - 1 - (n - 1)) % n: the same number.)"""
    return abs(mmh3.hash(term, 0, True)) % n_features


@dataclass
class PlainLinear:
    """A fitted one-vs-rest logistic regression and its features, as arrays.

    Features are either hashed terms (``analyzer`` names the function that
    turns an input into terms; counts, then tf-idf and l2 as fitted) or
    named numbers (``vocabulary``: name -> column).
    """

    coef: np.ndarray  # columns x estimators, C order
    intercept: np.ndarray
    classes: list[Any]
    vocabulary: dict[str, int] | None = None
    analyzer: str | None = None
    n_features: int = 0
    idf: np.ndarray | None = None
    sublinear_tf: bool = False
    norm: str | None = None

    def __post_init__(self) -> None:
        self._classes = np.asarray(self.classes)
        if self.analyzer is not None:
            self._analyze: Callable[[Any], list[str]] = ANALYZERS[self.analyzer]

    def _row(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """One text input's nonzero columns and values, in the order scikit-learn sums them."""
        # Each distinct term hashed once (mmh3's defaults are hashed_column's seed 0 and
        # sign), then the counts of terms that share a column summed by numpy: the same
        # sorted columns and the same sums (whole numbers, exact in any order) as a dict
        # filled term by term, which took 0.43 ms an article where this takes 0.26.
        terms = Counter(self._analyze(x))
        if not terms:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64)
        hashes = np.fromiter(map(mmh3.hash, terms), dtype=np.int64, count=len(terms))
        columns, inverse = np.unique(np.abs(hashes) % self.n_features, return_inverse=True)
        values = np.bincount(inverse, minlength=len(columns), weights=np.fromiter(
            terms.values(), dtype=np.float64, count=len(terms)))
        if self.sublinear_tf:
            np.log(values, values)
            values += 1.0
        if self.idf is not None:
            values *= self.idf[columns]
        if self.norm == "l2":
            length = math.sqrt(float(np.dot(values, values)))
            if length:
                values /= length
        return columns, values

    def scores(self, X: Iterable[Any]) -> np.ndarray:
        """Decision values, one row per input, one column per estimator."""
        if self.vocabulary is not None:
            return self._named_scores(X)
        rows = []
        for x in X:
            columns, values = self._row(x)
            rows.append(values @ self.coef[columns] if len(columns)
                        else np.zeros(self.coef.shape[1]))
        return np.asarray(rows).reshape(-1, self.coef.shape[1]) + self.intercept

    def _named_scores(self, X: Iterable[dict[str, float]]) -> np.ndarray:
        """:meth:`scores` of named-feature inputs: every row's entries multiplied by their
        coefficients in one product, then summed per row.

        A numpy product per row cost more than its arithmetic: tagging the 1k benchmark
        mirror's articles scores 14,572 such rows, 25 entries each, in 924 calls; one by
        one they took 0.25-0.34 ms an article, together 0.15-0.20 (issue 6).
        """
        vocabulary = self.vocabulary or {}
        columns: list[int] = []
        values: list[float] = []
        lengths: list[int] = []
        for x in X:
            before = len(columns)
            for name, value in x.items():
                column = vocabulary.get(name)
                if column is not None:
                    columns.append(column)
                    values.append(value)
            lengths.append(len(columns) - before)
        n = len(lengths)
        row_of = np.repeat(np.arange(n), lengths)
        products = self.coef[np.asarray(columns, dtype=np.intp)] \
            * np.asarray(values, dtype=np.float64)[:, np.newaxis]
        sums = np.empty((n, self.coef.shape[1]))
        for estimator in range(self.coef.shape[1]):
            sums[:, estimator] = np.bincount(row_of, weights=products[:, estimator], minlength=n)
        return sums + self.intercept

    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        """As ``OneVsRestClassifier.predict_proba``: each class's own probability, normalised."""
        with np.errstate(over="ignore"):  # exp(1000) is inf, and 1 / inf the 0 wanted
            probs = 1.0 / (1.0 + np.exp(-self.scores(X)))
        if probs.shape[1] == 1:  # one estimator: a binary problem
            probs = np.concatenate((1 - probs, probs), axis=1)
        return probs / np.sum(probs, axis=1)[:, np.newaxis]

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        """As ``OneVsRestClassifier.predict`` (the last of equal maxima wins)."""
        scores = self.scores(X)
        if scores.shape[1] == 1:
            return self._classes[(scores[:, 0] > 0).astype(int)]
        last = scores.shape[1] - 1 - np.argmax(scores[:, ::-1], axis=1)
        return self._classes[last]


@dataclass
class PlainModel:
    """Every part :class:`classifier.predict.Predictor` needs, as plain data."""

    parts: dict[str, PlainLinear]  # relevance, event, relevance_stack, role:<field>
    thresholds: dict[str, float]
    info: dict[str, Any]
    known: dict[str, set[str]]


def save_plain(model: PlainModel, path: Path, source_sha256: str) -> None:
    """Write ``model`` as one ``.npz`` (no pickles), tied to its source model file."""
    arrays: dict[str, np.ndarray] = {}
    parts: dict[str, Any] = {}
    for name, part in model.parts.items():
        # Only the rows of terms seen in training are nonzero: the file keeps those.
        rows = np.flatnonzero(np.any(part.coef != 0, axis=1))
        arrays[f"{name}/rows"] = rows.astype(np.int64)
        arrays[f"{name}/coef"] = part.coef[rows]
        arrays[f"{name}/intercept"] = part.intercept
        if part.idf is not None:
            arrays[f"{name}/idf"] = part.idf
        parts[name] = {"columns": int(part.coef.shape[0]), "classes": part.classes,
                       "vocabulary": part.vocabulary, "analyzer": part.analyzer,
                       "n_features": part.n_features, "sublinear_tf": part.sublinear_tf,
                       "norm": part.norm}
    meta = {"format": PLAIN_FORMAT, "source_sha256": source_sha256, "parts": parts,
            "thresholds": model.thresholds, "info": model.info,
            "known": {k: sorted(v) for k, v in model.known.items()}}
    arrays["meta"] = np.asarray(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)  # readers never see half a file


def load_plain(model_path: Path = MODEL_PATH) -> PlainModel | None:
    """The plain form of the model file at ``model_path``, or None when there is none
    that matches it (missing, unreadable, another format, made from another file)."""
    source = read_model_bytes(model_path)
    data = read_model_bytes(plain_path(model_path))
    if source is None or data is None:
        return None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            if meta.get("format") != PLAIN_FORMAT or \
                    meta.get("source_sha256") != hashlib.sha256(source).hexdigest():
                return None
            parts = {name: _part(npz, name, spec) for name, spec in meta["parts"].items()}
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None  # a damaged file is no reason to stop tagging: the model file is read
    return PlainModel(parts, meta["thresholds"], meta["info"],
                      {k: set(v) for k, v in meta["known"].items()})


def _part(npz: Mapping[str, np.ndarray], name: str, spec: dict[str, Any]) -> PlainLinear:
    kept = npz[f"{name}/coef"]
    coef = np.zeros((spec["columns"], kept.shape[1]), dtype=np.float64)
    coef[npz[f"{name}/rows"]] = kept
    return PlainLinear(coef=coef, intercept=npz[f"{name}/intercept"], classes=spec["classes"],
                       vocabulary=spec["vocabulary"], analyzer=spec["analyzer"],
                       n_features=spec["n_features"],
                       idf=npz.get(f"{name}/idf"),
                       sublinear_tf=spec["sublinear_tf"], norm=spec["norm"])
