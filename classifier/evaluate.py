"""Cross-validation of the tagger against a labelled corpus, scored by score.py.

``--cv site`` trains on every site but one and tags the one left out, for
every site, then scores the pooled predictions in a single score.py run:
the honest estimate for sites we have never seen. Everything learnt from
labels (models, thresholds, the baseline's name lists) is rebuilt inside
each fold from its training sites (plus our own training articles) only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from classifier.baseline import Baseline
from classifier.model import fit, prepare
from classifier.tagger import Tagger
from classifier.training import LabelledDoc, load_corpus_labels, load_training_articles

BUNDLED_SCORE = Path(__file__).resolve().parent.parent / "spiders" / "sample_sites" / "score.py"


@dataclass
class Article:
    """A stored article to tag: what the pipeline exported, plus its corpus site."""

    record: dict[str, Any]     # url, title, published, language, text
    site: str | None


def site_of(url: str, bases: dict[str, str]) -> str | None:
    for site, base in bases.items():
        if url.startswith(base.rstrip("/") + "/"):
            return site
    return None


def cross_validate(articles: list[Article], labelled: list[LabelledDoc],
                   extra: list[LabelledDoc], cv: str = "site",
                   progress: Callable[[str], None] = lambda _: None
                   ) -> tuple[list[dict], list[dict]]:
    """Model and baseline predictions for every article, each from a model that never saw
    its site's labels (``cv="site"``) or from one model trained on everything (``none``)."""
    sites = sorted({d.group for d in labelled})
    folds = sites if cv == "site" else [None]
    model_out: dict[int, dict] = {}
    base_out: dict[int, dict] = {}
    all_cands = prepare(labelled + extra)
    by_doc = dict(zip([id(d) for d in labelled + extra], all_cands, strict=True))
    for held in folds:
        train = [d for d in labelled if d.group != held] + extra
        progress(f"fold {held or 'all'}: training on {len(train)} documents")
        model = fit(train, [by_doc[id(d)] for d in train])
        tagger = Tagger(model)
        baseline = Baseline(train)
        idx = [i for i, a in enumerate(articles) if held is None or a.site == held]
        batch = [(articles[i].record.get("text") or "", articles[i].record.get("title") or "",
                  articles[i].record.get("language")) for i in idx]
        for i, (tags, _) in zip(idx, tagger.tag_many(batch), strict=True):
            model_out[i] = tags
        for i, (text, title, lang) in zip(idx, batch, strict=True):
            base_out[i] = baseline.tag(title, text, lang)
    merge = lambda out: [{**a.record, **out[i]} for i, a in enumerate(articles)]  # noqa: E731
    return merge(model_out), merge(base_out)


def run_score(corpus: Path, predictions: list[dict], sources: Path,
              score_script: Path = BUNDLED_SCORE) -> dict[str, Any]:
    """Run score.py on ``predictions``; returns its JSON report (and its text)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for record in predictions:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        args = [sys.executable, str(score_script), str(corpus.resolve()), str(path),
                "--sources", str(sources)]
        cwd = score_script.parent
        report = json.loads(subprocess.run(args + ["--json"], capture_output=True, text=True,
                                           check=True, cwd=cwd).stdout)
        report["_text"] = subprocess.run(args, capture_output=True, text=True, check=True,
                                         cwd=cwd).stdout
    return report


def gold_articles(corpus: Path, tmp: Path) -> tuple[list[Article], Path]:
    """Articles made from the gold bodies (no crawl): for a quick look at tagging alone."""
    docs = load_corpus_labels(corpus)
    bases = {site: f"http://{site}.invalid" for site in sorted({d.group for d in docs})}
    sources = tmp / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": s, "start_urls": [b + "/"], "feeds": [], "sitemaps": []}
        for s, b in bases.items()]}))
    articles = []
    for line in (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            articles.append(Article({"url": bases[item["site"]] + item["path"],
                                     "title": item["title"], "published": item["published"],
                                     "language": item["language"], "text": item["body"]},
                                    item["site"]))
    return articles, sources


def load_all(corpus: Path) -> tuple[list[LabelledDoc], list[LabelledDoc]]:
    return load_corpus_labels(corpus), load_training_articles()
