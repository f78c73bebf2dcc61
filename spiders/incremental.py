"""Incremental and resumable crawling on top of the ``pages`` table.

A nightly crawl must not download the whole site every night, and a crawl
killed half way must continue where it stopped. Both come from the state the
pipeline already keeps per URL in SQLite (validators, compressed raw body,
the run that last completed the page); no Scrapy JOBDIR is involved, so a
SIGKILL cannot corrupt anything: the database is transactional per item.

:class:`IncrementalMiddleware` (downloader middleware), per request of a
source page:

* **resumed run**: a page that this same run already completed before it
  was interrupted is not requested again; the stored body is handed to the
  spider as the response (flag ``replayed``) so its links are followed, and
  the item it yields is dropped (it is stored already);
* **sitemap lastmod** (sources with ``trust_sitemap_lastmod: true``): a page
  whose sitemap ``<lastmod>`` is older than our stored copy is not
  requested; the stored body is used (flag ``lastmod``);
* otherwise, when we hold the page's body and validators, the request is
  conditional (``If-None-Match`` / ``If-Modified-Since``); a 304 answer is
  replaced by the stored body (flag ``not-modified``) so that the links of an
  unchanged listing, feed or sitemap are still followed.

:class:`RevalidationSpiderMiddleware` carries those flags from the response
to the items the spider yields, where :class:`pipeline.incremental.RevalidateStage`
turns them into a "checked, unchanged" mark instead of re-extraction.

Scale-out workers (``DCRADAR_REDIS_URL`` set) have no database and crawl in full.
"""

from __future__ import annotations

import gzip
import logging
import sqlite3
from datetime import UTC, datetime, time
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from spiders.urls import normalize_url

logger = logging.getLogger(__name__)

#: Response/request meta keys set here.
FLAG = "dcradar_revalidated"        # replayed | lastmod | not-modified
KEY = "dcradar_page_key"            # the pages.url the response stands for
TRUSTED_LASTMOD = "dcradar_trusted_lastmod"
CONDITIONAL = "dcradar_conditional"
#: The stored body's SHA-256 when the stored page was an article page (fetched with a 200):
#: the same bytes again will be dropped by revalidation, so the spider's page analysis
#: need not extract them (pipeline/analyse.py).
STORED_HASH = "dcradar_stored_hash"
#: Source YAML key that lets sitemap ``<lastmod>`` spare requests.
TRUST_LASTMOD_KEY = "trust_sitemap_lastmod"
#: Stand-in status for a replayed page that had no response at all (timeout, DNS...).
NO_RESPONSE_STATUS = 599


def page_key(request: Request) -> str:
    """The ``pages.url`` a request is recorded under: the first URL of a redirect chain."""
    redirects = request.meta.get("redirect_urls") or []
    return normalize_url(redirects[0] if redirects else request.url)


def parse_when(value: str | None) -> datetime | None:
    """A sitemap/feed date or our ISO timestamp as an aware UTC datetime.

    A bare date means "some time that day", so it is taken as the end of the day:
    a page changed on the day we fetched it is never spared.
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time.max, tzinfo=UTC)
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class PageState:
    """Read-only view of ``pages`` for the middleware (its own SQLite connection)."""

    COLUMNS = ("url", "status", "etag", "last_modified", "fetched_at", "final_url",
               "content_type", "has_body", "run_id", "kind", "content_hash")

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self.conn is None:
            try:
                # Read only in practice; a plain connection avoids WAL read-only quirks.
                self.conn = sqlite3.connect(self.db_path, check_same_thread=False)
                self.conn.execute("PRAGMA busy_timeout = 30000")
                self.conn.execute("SELECT run_id FROM pages LIMIT 1")
            except sqlite3.Error:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None  # no database or no run columns yet: nothing stored
        return self.conn

    def get(self, url: str) -> dict[str, Any] | None:
        """What we hold for ``url``, or None."""
        conn = self._connect()
        if conn is None:
            return None
        row = conn.execute(
            "SELECT url, status, etag, last_modified, fetched_at, final_url, content_type, "
            "html_gz IS NOT NULL, run_id, kind, content_hash FROM pages WHERE url = ?",
            [url]).fetchone()
        return dict(zip(self.COLUMNS, row, strict=True)) if row else None

    def body(self, url: str) -> bytes:
        conn = self._connect()
        row = conn.execute("SELECT html_gz FROM pages WHERE url = ?", [url]).fetchone()
        return gzip.decompress(row[0]) if row and row[0] else b""

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class IncrementalMiddleware:
    """Downloader middleware: conditional requests, 304 → stored body, resume replays."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.state = PageState(crawler.settings.get("DCRADAR_DB"))
        self.conditional = crawler.settings.getbool("DCRADAR_CONDITIONAL", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        if crawler.settings.get("DCRADAR_REDIS_URL"):
            raise NotConfigured("scale-out workers crawl without local page state")
        mw = cls(crawler)
        crawler.signals.connect(mw.state.close, signals.spider_closed)
        return mw

    def _run_id(self) -> str | None:
        from spiders.monitor import run_context

        return run_context(self.crawler).run_id

    def _stored_response(self, request: Request, row: dict[str, Any], flag: str) -> Response:
        """The stored copy of a page, as if the server had sent it again."""
        body = self.state.body(row["url"]) if row["has_body"] else b""
        headers = Headers()
        for name, column in (("Content-Type", "content_type"), ("ETag", "etag"),
                             ("Last-Modified", "last_modified")):
            if row.get(column):
                headers[name] = row[column]
        url = row["final_url"] or row["url"]
        status = row["status"] or NO_RESPONSE_STATUS
        request.meta[FLAG] = flag
        request.meta[KEY] = row["url"]
        # A stored error must not be "retried", a stored 3xx not "followed".
        request.meta["dont_retry"] = True
        request.meta["dont_redirect"] = True
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, status=status, headers=headers, body=body, request=request,
                   flags=[f"dcradar:{flag}"])

    def process_request(self, request: Request, spider: Any = None) -> Response | None:
        if "source" not in request.meta:
            return None  # robots.txt and other engine-made requests
        for name in (b"If-None-Match", b"If-Modified-Since"):
            request.headers.pop(name, None)  # a redirect copies the previous URL's headers
        request.meta.pop(CONDITIONAL, None)
        request.meta.pop(STORED_HASH, None)
        key = page_key(request)
        row = self.state.get(key)
        if row is None:
            return None
        run_id = self._run_id()
        if run_id and row["run_id"] == run_id:
            return self._stored_response(request, row, "replayed")
        if row["status"] != 200 or not row["has_body"]:
            return None
        if row["kind"] in ("article", "not-article"):
            request.meta[STORED_HASH] = row["content_hash"]
        trusted = parse_when(request.meta.get(TRUSTED_LASTMOD))
        fetched = parse_when(row["fetched_at"])
        if trusted and fetched and trusted < fetched:
            return self._stored_response(request, row, "lastmod")
        if self.conditional and (row["etag"] or row["last_modified"]):
            if row["etag"]:
                request.headers[b"If-None-Match"] = row["etag"]
            if row["last_modified"]:
                request.headers[b"If-Modified-Since"] = row["last_modified"]
            request.meta[CONDITIONAL] = key
        return None

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Response:
        key = request.meta.get(CONDITIONAL)
        if response.status != 304 or not key:
            return response
        row = self.state.get(key)
        if row is None or not row["has_body"]:
            return response  # cannot happen unless the row vanished; the spider records it
        return self._stored_response(request, row, "not-modified")


class RevalidationSpiderMiddleware(BaseSpiderMiddleware):
    """Spider middleware: flags items of stored-body responses; marks trusted lastmods."""

    def get_processed_item(self, item: Any, response: Response | None) -> Any:
        if not isinstance(response, Response) or not response.meta.get(FLAG):
            return item
        out = dict(item)
        out["revalidated"] = response.meta[FLAG]
        out["revalidated_key"] = response.meta.get(KEY)
        return out

    def get_processed_request(self, request: Request,
                              response: Response | None) -> Request | None:
        if not isinstance(response, Response) or response.meta.get("role") != "sitemap":
            return request
        lastmod = request.meta.get("lastmod")
        spider = self.crawler.spider
        source = getattr(spider, "sources", {}).get(request.meta.get("source"))
        if lastmod and source is not None and source.extra.get(TRUST_LASTMOD_KEY):
            request.meta[TRUSTED_LASTMOD] = lastmod
        return request


class RevalidationAutoThrottle(AutoThrottle):
    """AutoThrottle that counts a 304 as a healthy answer.

    Scrapy's AutoThrottle never lowers a delay on a non-200 response, so on a
    nightly crawl where nearly everything is a 304 one slow page would keep a
    site's delay high for the rest of the run. A 304 is the server saying
    "fine, nothing new", which is as good a latency sample as a 200.
    """

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
