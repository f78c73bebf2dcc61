"""Item pipeline stages around extract → tag → store for incremental, recorded runs.

``RevalidateStage`` runs first: a page that did not change since we stored
it (a 304, a sitemap ``lastmod`` older than our copy, or a 200 with the very
same bytes and the same verdict) is marked checked in ``pages`` and dropped,
so it is neither re-extracted nor re-tagged, and its article row is not
touched at all (``first_seen``, ``last_seen``, text and tags stay as they
are; ``pages.checked_at`` says when it was last confirmed). A page replayed
from storage by a resumed run is dropped silently: it was stored already.

``RunLedgerStage`` runs last, after the store: it records that this run
completed the page (``pages.run_id``, the state a resumed run relies on) and
counts the page's outcome for ``crawl_runs``. For an item that carries its
run (every item past ``RevalidateStage``) the store has already written
those columns in its own row write and transaction (SQLite rewrites the
whole row, compressed page included, on any update: a second write cost
0.8 ms a page in the 1k benchmark, issue 6), so this stage only counts.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from scrapy.exceptions import DropItem

from db.runs import RUN_BEFORE, mark_page, now_iso
from db.schema import open_db
from pipeline.cputime import timed
from spiders.monitor import run_context

logger = logging.getLogger(__name__)


def is_error(item: dict[str, Any]) -> bool:
    """Whether a completed URL counts as an error for the failure rule."""
    status = item.get("status")
    if status is None:
        return item.get("reason") != "robots-disallowed"
    return status >= 400


class _DbStage:
    """A stage with its own connection to the crawl's database."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> _DbStage:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.ctx = run_context(self.crawler)
        self.db = open_db(self.crawler.settings.get("DCRADAR_DB"))

    def close_spider(self, spider: Any = None) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class RevalidateStage(_DbStage):
    """Drop unchanged pages before extraction, marking them checked."""

    @timed("revalidate")
    def process_item(self, item: Any, spider: Any = None) -> dict[str, Any]:
        item = dict(item)
        run_id = item.setdefault("run_id", self.ctx.run_id)
        flag = item.pop("revalidated", None)
        key = item.pop("revalidated_key", None) or item["url"]
        if flag == "replayed":
            raise DropItem(f"already completed in run {run_id}: {key}", log_level="DEBUG")
        stored = self.db.execute(
            "SELECT kind, status, content_hash, article_url FROM pages WHERE url = ?",
            [key]).fetchone()
        if stored is None:
            return item
        kind, status, content_hash, article_url = stored
        body = item.get("body")
        same_bytes = (flag is None and item.get("status") == 200 and status == 200 and body
                      and (item.get("body_sha256") or hashlib.sha256(body).hexdigest())
                      == content_hash)
        if not (flag or same_bytes):
            return item
        # Same bytes, but would the spider still say the same about them?
        if kind != item.get("kind") and not (kind == "not-article" and
                                             item.get("kind") == "article"):
            if flag:
                logger.info("%s unchanged but now seen as %s (was %s): re-processing",
                            key, item.get("kind"), kind)
            return item
        now = now_iso()
        updates = None
        if same_bytes:  # downloaded again: fresh validators and fetch time
            updates = {k: item.get(k) for k in ("fetched_at", "etag", "last_modified")}
        with self.db.atomic():
            before = mark_page(self.db, key, run_id, result=flag or "same-bytes",
                               checked_at=now, updates=updates)
        if before != run_id:
            source = item.get("source")
            self.ctx.count(source, "pages", run_id=run_id)
            self.ctx.count(source, "unchanged", run_id=run_id)
            if kind == "article" and article_url:
                self.ctx.count(source, "articles_unchanged", run_id=run_id)
        raise DropItem(f"unchanged ({flag or 'same-bytes'}): {key}", log_level="DEBUG")


class RunLedgerStage(_DbStage):
    """After the store: mark the page completed by this run and count its outcome."""

    @timed("ledger")
    def process_item(self, item: Any, spider: Any = None) -> Any:
        run_id = item.get("run_id") or self.ctx.run_id
        if RUN_BEFORE in item:  # the store wrote the ledger with the page, in its transaction
            before = item.pop(RUN_BEFORE)
        else:
            with self.db.atomic():
                before = mark_page(self.db, item["url"], run_id, result="fetched",
                                   checked_at=item.get("fetched_at") or now_iso())
        if before == run_id:
            return item  # completed earlier in this (resumed) run: counted then
        source = item.get("source")
        count = self.ctx.count
        count(source, "pages", run_id=run_id)
        if is_error(item):
            count(source, "errors", run_id=run_id)
        if item.get("article") is not None or item.get("kind") == "not-article":
            count(source, "reprocessed", run_id=run_id)
        outcome = item.get("article_outcome")
        if outcome:
            count(source, f"articles_{outcome}", run_id=run_id)
        return item
