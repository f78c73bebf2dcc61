"""``dcradar eval``: serve a labelled corpus, crawl it, tag it, score it with score.py."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from classifier.evaluate import Article, cross_validate, run_score, site_of
from classifier.training import load_corpus_labels, load_training_articles
from db.export import article_records
from db.schema import open_db

SERVER = Path(__file__).resolve().parent.parent / "spiders" / "sample_sites" / "serve.py"
LOOPBACK = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
            "-s", "AUTOTHROTTLE_TARGET_CONCURRENCY=8", "-s", "RETRY_BACKOFF_BASE=0.5"]


def crawl_corpus(corpus: Path, workdir: Path) -> tuple[Path, Path]:
    """Serve ``corpus`` on loopback and crawl it untagged; returns (database, sources)."""
    sources, db = workdir / "sources.yaml", workdir / "eval.db"
    sites = [p for p in (corpus / "sites").iterdir() if p.is_dir()]
    server = subprocess.Popen([sys.executable, str(SERVER), str(corpus), "--sources-out",
                               str(sources)], stdout=subprocess.PIPE, text=True)
    try:
        for _ in sites:
            if not server.stdout.readline():
                raise RuntimeError("the corpus server did not start")
        # A crawl of its own: Scrapy's reactor runs once per process.
        subprocess.run([sys.executable, "-m", "pipeline.cli", "crawl", "--sources", str(sources),
                        "--db", str(db), "-s", "DCRADAR_TAG=False", *LOOPBACK], check=True,
                       stdout=subprocess.DEVNULL)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return db, sources


def evaluate_corpus(corpus: Path, cv: str = "site",
                    progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Score the model (and the baseline) on ``corpus`` as FORMAT.md's score.py does."""
    corpus = corpus.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        progress("serving and crawling the corpus")
        db_path, sources = crawl_corpus(corpus, Path(tmp))
        spec = yaml.safe_load(sources.read_text())
        bases = {s["name"]: (s["start_urls"] + s["feeds"] + s["sitemaps"])[0].split("/", 3)[:3]
                 for s in spec["sources"]}
        bases = {name: "/".join(parts) for name, parts in bases.items()}
        records = list(article_records(open_db(db_path)))
        articles = [Article({k: r[k] for k in ("url", "title", "published", "language", "text")},
                            site_of(r["url"], bases)) for r in records]
        started = time.perf_counter()
        model_preds, base_preds = cross_validate(articles, load_corpus_labels(corpus),
                                                 load_training_articles(), cv, progress)
        seconds = time.perf_counter() - started
        return {"model": run_score(corpus, model_preds, sources),
                "baseline": run_score(corpus, base_preds, sources),
                "seconds": seconds, "articles": len(articles)}
