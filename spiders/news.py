"""The one generic news spider: every source in the YAML, one crawl.

Discovery follows the source's own entry points: feed entries, sitemap
locations (indexes recursively) and listing pages with their pagination.
Each fetched URL becomes one :class:`~spiders.items.PageItem`, article or
not, so the ``pages`` table accounts for every request. Bounds per source
(link hops, pagination length, total pages) keep traps such as endless
calendars harmless.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from spiders.discovery import Link, feed_links, page_links, sitemap_links
from spiders.items import PageItem
from spiders.page_kind import classify_page
from spiders.sources import Source, load_sources
from spiders.urls import is_asset_url, normalize_url

HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Sitemap indexes nest; real ones are 1-2 deep, and a self-reference is a loop.
MAX_SITEMAP_NESTING = 4


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class NewsSpider(scrapy.Spider):
    """Crawl every configured source for news articles.

    Arguments (``-a``): ``sources`` (YAML path; default the shipped list) and
    ``only`` (comma-separated source names).
    """

    name = "news"

    def __init__(self, sources: str | None = None, only: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        chosen = load_sources(sources)
        if only:
            wanted = {n.strip() for n in only.split(",") if n.strip()}
            unknown = wanted - {s.name for s in chosen}
            if unknown:
                raise ValueError(f"unknown source(s): {', '.join(sorted(unknown))}")
            chosen = [s for s in chosen if s.name in wanted]
        self.sources: dict[str, Source] = {s.name: s for s in chosen}
        self.budget_used: Counter[str] = Counter()

    # -- scheduling -------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources.values():
            for role, url in source.entry_points:
                request = self._request(source, url, role=role, hops=0, entry=True)
                if request is not None:
                    yield request

    def _request(self, source: Source, url: str, *, role: str, hops: int,
                 listing_pages: int = 0, nesting: int = 0, lastmod: str | None = None,
                 entry: bool = False) -> scrapy.Request | None:
        """A request within the source's bounds, or None when it is out of bounds."""
        url = normalize_url(url)
        if not entry and (not source.allows(url) or is_asset_url(url)):
            return None
        if self.budget_used[source.name] >= source.max_pages:
            return None
        self.budget_used[source.name] += 1
        callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap}.get(role,
                                                                                self.parse_page)
        meta = {
            "source": source.name, "role": role, "hops": hops, "listing_pages": listing_pages,
            "nesting": nesting, "lastmod": lastmod,
            # One download slot per host:port, so two sites on one IP stay independent.
            "download_slot": url.split("/")[2],
        }
        # Entry points first, then shallow pages: a budget cut then drops the deep tail.
        priority = 100 if role in ("feed", "sitemap") else 50 - 10 * hops
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              priority=priority)

    # -- items ------------------------------------------------------------

    def _item(self, response: Response, *, kind: str, reason: str | None,
              keep_body: bool = False) -> PageItem:
        meta = response.meta
        source = self.sources[meta["source"]]
        redirects = meta.get("redirect_urls") or []
        return PageItem(
            source=source.name,
            url=normalize_url(redirects[0]) if redirects else normalize_url(response.url),
            final_url=response.url,
            status=response.status,
            kind=kind,
            reason=reason,
            fetched_at=_now(),
            content_type=_header(response, "Content-Type"),
            encoding=response.encoding if isinstance(response, TextResponse) else None,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            body=response.body if keep_body else None,
            hops=meta.get("hops"),
            lastmod=meta.get("lastmod"),
            language=source.language,
            prune_xpaths=list(source.prune_xpaths),
        )

    def _refused(self, response: Response) -> str | None:
        """Why a response cannot be read as a page at all, or None."""
        if response.status == 304:
            return "not-modified"
        if response.status >= 400:
            return f"http-{response.status}"
        if response.status >= 300:
            return f"redirect-{response.status}-not-followed"
        if not response.body:
            return "empty-body"
        return None

    # -- callbacks --------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        source = self.sources[response.meta["source"]]
        refused = self._refused(response)
        if refused:
            yield self._item(response, kind="feed", reason=refused)
            return
        links = list(feed_links(response.body, response.url))
        reason = "feed" if links else "feed-without-entries"
        # The body is kept so that a later 304 can still yield the feed's links.
        yield self._item(response, kind="feed", reason=reason, keep_body=True)
        for link in links:
            request = self._request(source, link.url, role="page", hops=1, lastmod=link.lastmod)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        source = self.sources[response.meta["source"]]
        refused = self._refused(response)
        if refused:
            yield self._item(response, kind="sitemap", reason=refused)
            return
        try:
            links = list(sitemap_links(response.body, response.url))
        except Exception as exc:  # malformed or hostile XML: record, never crash
            yield self._item(response, kind="sitemap", reason=f"bad-sitemap: {exc}"[:200])
            return
        yield self._item(response, kind="sitemap", reason="sitemap", keep_body=True)
        nesting = response.meta.get("nesting", 0)
        for link in links:
            if link.is_sitemap:
                if nesting + 1 >= MAX_SITEMAP_NESTING:
                    continue
                request = self._request(source, link.url, role="sitemap", hops=0,
                                        nesting=nesting + 1, lastmod=link.lastmod)
            else:
                request = self._request(source, link.url, role="page", hops=1,
                                        lastmod=link.lastmod)
            if request is not None:
                yield request

    def parse_page(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        meta = response.meta
        source = self.sources[meta["source"]]
        refused = self._refused(response)
        if refused:
            yield self._item(response, kind="error" if response.status >= 400 else "other",
                             reason=refused)
            return
        ctype = (_header(response, "Content-Type") or "").split(";")[0].strip().lower()
        if not isinstance(response, TextResponse) or (ctype and ctype not in HTML_TYPES):
            yield self._item(response, kind="other", reason=f"not-html: {ctype or 'unknown'}")
            return
        try:
            sel = response.selector
            verdict = classify_page(sel, response.url)
        except Exception as exc:  # lxml gives up on some pathological markup
            yield self._item(response, kind="other", reason=f"unparseable: {exc}"[:200],
                             keep_body=True)
            return
        by_pattern = source.is_article_url(response.url)
        if verdict.is_article and by_pattern is not False:
            yield self._item(response, kind="article", reason=None, keep_body=True)
        else:
            why = "url-pattern" if verdict.is_article else verdict.reason
            yield self._item(response, kind="listing", reason=f"not-article: {why}",
                             keep_body=True)
        yield from self._follow(source, sel, response)

    def _follow(self, source: Source, sel, response: Response) -> Iterator[scrapy.Request]:
        meta = response.meta
        hops, listing_pages = meta.get("hops", 0), meta.get("listing_pages", 0)
        for link in page_links(sel, response.url):
            request = self._follow_one(source, link, hops, listing_pages)
            if request is not None:
                yield request

    def _follow_one(self, source: Source, link: Link, hops: int,
                    listing_pages: int) -> scrapy.Request | None:
        if link.is_pagination:
            # The next page of a listing is as close to the entry as the listing itself.
            if listing_pages + 1 > source.max_listing_pages:
                return None
            return self._request(source, link.url, role="listing", hops=hops,
                                 listing_pages=listing_pages + 1)
        if hops + 1 > source.max_depth:
            return None
        return self._request(source, link.url, role="page", hops=hops + 1)

    def on_error(self, failure: Failure) -> Iterator[PageItem]:
        """A request that got no usable response: recorded with the reason."""
        request = failure.request
        meta = request.meta
        if failure.check(IgnoreRequest):
            reason = "robots-disallowed" if "robots" in str(failure.value).lower() else \
                f"ignored: {failure.value}"
        elif failure.check(TimeoutError, TCPTimedOutError):
            reason = "timeout"
        elif failure.check(DNSLookupError):
            reason = "dns-error"
        elif failure.check(ConnectionRefusedError):
            reason = "connection-refused"
        else:
            text = str(failure.value) or failure.type.__name__
            reason = "too-large" if "max size" in text or "maxsize" in text else \
                f"{failure.type.__name__}: {text}"
        source = self.sources[meta["source"]]
        yield PageItem(source=source.name, url=normalize_url(request.url), final_url=None,
                       status=None, kind="error", reason=reason[:200], fetched_at=_now(),
                       hops=meta.get("hops"), lastmod=meta.get("lastmod"),
                       language=source.language, prune_xpaths=list(source.prune_xpaths))
