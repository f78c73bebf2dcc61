"""Item pipeline that writes every page, and every article, to SQLite.

One item is one transaction: a crash between two items loses at most the
item in flight, and a re-run of the same crawl rewrites rows in place.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, datetime

from db.checkpoints import Checkpointer
from db.runs import RUN_BEFORE, now_iso, page_run
from db.schema import open_db
from db.tags import refresh_organization_counts, write_tags
from db.writes import upsert_article, upsert_page, upsert_source
from pipeline.cputime import timed
from pipeline.pool import stored_body

logger = logging.getLogger(__name__)


class StorePipeline:
    """Scrapy item pipeline: ``pages`` for every item, ``articles`` for extracted ones."""

    def __init__(self, path: str):
        self.path = path
        self.db = None
        self.checkpoints: Checkpointer | None = None
        self.counts: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(crawler.settings.get("DCRADAR_DB"))
        pipe.crawler = crawler
        return pipe

    def open_spider(self, spider=None):
        self.db = open_db(self.path)
        # Commits run on the event loop's thread; copying the log to disk need not
        # (db/checkpoints.py).
        self.checkpoints = Checkpointer(self.db).start()
        spider = spider or self.crawler.spider
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db.atomic():
            for source in getattr(spider, "sources", {}).values():
                upsert_source(self.db, {
                    "name": source.name, "title": source.title, "homepage": source.homepage,
                    "language": source.language, "kind": source.kind,
                    "entry_points": json.dumps([u for _, u in source.entry_points]),
                    "updated_at": now,
                })

    def close_spider(self, spider=None):
        if self.db is not None:
            logger.info("stored: %s", dict(self.counts))
            self.checkpoints.stop()
            refresh_organization_counts(self.db)
            self.db.close()

    @timed("store")
    def process_item(self, item, spider=None):
        body = item.get("body")
        article = item.get("article")
        page = {
            key: item.get(key) for key in (
                "url", "source", "final_url", "status", "kind", "reason", "fetched_at",
                "content_type", "encoding", "etag", "last_modified", "hops", "lastmod")
        }
        page["size"] = len(body) if body else 0
        # A worker process may have hashed and compressed the body already (pipeline/pool.py).
        digest, html_gz = item.pop("body_sha256", None), item.pop("html_gz", None)
        if body and (digest is None or html_gz is None):
            digest, html_gz = stored_body(body)
        page["content_hash"] = digest if body else None
        page["html_gz"] = html_gz if body else None
        page["article_url"] = article["url"] if article else None
        # The run's ledger (RunLedgerStage) goes into the same row write: see upsert_page.
        run_id = item.get("run_id")
        ledger = {"run_id": run_id, "checked_at": item.get("fetched_at") or now_iso(),
                  "check_result": "fetched"} if run_id else None
        with self.db.atomic():
            if ledger:
                item[RUN_BEFORE] = page_run(self.db, page["url"])
            upsert_page(self.db, page, ledger)
            if article:
                seen = item["fetched_at"]
                outcome = upsert_article(self.db, {**article, "first_seen": seen,
                                                   "last_seen": seen})
                self.counts[f"articles_{outcome}"] += 1
                item["article_outcome"] = outcome  # new/updated/unchanged, for crawl_runs
                if item.get("tags") is not None:
                    write_tags(self.db, article["url"], item["tags"], item.get("mentions") or [])
        self.counts[f"pages_{item.get('kind')}"] += 1
        # Raw bytes are in the database now; do not carry them further.
        item.pop("body", None)
        return item
