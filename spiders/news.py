"""The one generic news spider: every source in the YAML, one crawl.

Discovery follows the source's own entry points: feed entries, sitemap
locations (indexes recursively) and listing pages with their pagination.
Each fetched URL becomes one :class:`~spiders.items.PageItem`, article or
not, so the ``pages`` table accounts for every request. Bounds per source
(link hops, pagination length, total pages) keep traps such as endless
calendars harmless; hops are counted along the shortest path found, whatever
the order pages are parsed in (:mod:`spiders.frontier`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from pipeline.cputime import add_cpu
from spiders.discovery import (
    MAX_SITEMAP_URLS,
    Link,
    page_links,
    read_feed,
    sitemap_links,
)
from spiders.failures import MAX_REASON, failure_reason
from spiders.frontier import (
    IMPROVED,
    NEW,
    OVER_BUDGET,
    Frontier,
    MemoryFrontier,
    distance,
    split_distance,
)
from spiders.incremental import FLAG as REVALIDATED
from spiders.incremental import STORED_HASH
from spiders.items import PageItem
from spiders.page_kind import classify_page
from spiders.redirects import REDIRECT_REFUSED
from spiders.sources import Source, load_sources
from spiders.urls import is_asset_url, normalize_url

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Sitemap indexes nest; real ones are 1-2 deep, and a self-reference is a loop.
MAX_SITEMAP_NESTING = 4
#: Request meta: the URL as the frontier knows it (Scrapy may re-encode ``request.url``).
FRONTIER_KEY = "dcradar_frontier_key"


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
        # Distances, page links and budgets; shared in Redis by scale-out workers.
        self.frontier: Frontier = MemoryFrontier()
        # Sources whose page budget is spent. Only a URL new to the frontier is ever
        # requested, so none of their links can be any more: the rest is not even
        # normalised (a hostile page or sitemap may hold 10^5 links), only counted.
        self.spent: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        base = crawler.settings.get("DCRADAR_FRONTIER_KEY")
        if base:
            import redis

            from spiders.frontier import RedisFrontier

            server = redis.Redis.from_url(crawler.settings.get("DCRADAR_REDIS_URL"))
            spider.frontier = RedisFrontier(server, base % {"spider": spider.name})
        return spider

    # -- scheduling -------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources.values():
            for role, url in source.entry_points:
                for request in self._requests(source, url, role=role, hops=0, entry=True):
                    yield request

    def _requests(self, source: Source, url: str, *, role: str, hops: int,
                  listing_pages: int = 0, nesting: int = 0, lastmod: str | None = None,
                  entry: bool = False) -> Iterator[scrapy.Request]:
        """The request for ``url`` when it is new and within the source's page budget.

        A page parsed earlier at a greater distance has its links followed
        again from this shorter one instead (those requests are yielded).
        """
        url = normalize_url(url)
        if not entry and (not source.allows(url) or is_asset_url(url)):
            return
        verdict, links = self.frontier.offer(source.name, url, distance(hops, listing_pages),
                                             source.max_pages)
        if verdict == NEW:
            yield self._request(source, url, role=role, hops=hops, listing_pages=listing_pages,
                                nesting=nesting, lastmod=lastmod)
        elif verdict == IMPROVED and links:
            yield from self._follow_links(source, links, hops, listing_pages)
        elif verdict == OVER_BUDGET:
            self._budget_spent(source)

    def _count(self, source: str, counter: str, n: int = 1) -> None:
        """Add ``n`` to a ``crawl_runs`` counter (nothing when run outside a crawler)."""
        crawler = getattr(self, "crawler", None)
        if crawler is not None and n:
            from spiders.monitor import run_context

            run_context(crawler).count(source, counter, n)

    def claim_redirect(self, source: Source, url: str, meta: dict[str, Any]) -> str | None:
        """Claim ``url``, the target of a redirect, in the frontier (spiders/redirects.py).

        None: it is new, fetch it now (as the rest of the redirect chain); otherwise why
        it is not followed. A target the frontier knows is fetched on its own, once.
        """
        verdict, _ = self.frontier.offer(
            source.name, url, distance(meta.get("hops", 0), meta.get("listing_pages", 0)),
            source.max_pages)
        if verdict == NEW:
            return None
        if verdict == OVER_BUDGET:
            self._budget_spent(source)
            return "redirect-over-budget"
        return f"redirect-to-crawled: {url}"[:MAX_REASON]

    def _budget_spent(self, source: Source) -> None:
        """The frontier refused a URL of ``source`` as over its page budget."""
        self.spent.add(source.name)
        self._count(source.name, "over_budget")

    def _spent(self, source: Source, left: int) -> bool:
        """True (and the ``left`` links counted as over budget) once the budget is spent."""
        if source.name not in self.spent:
            return False
        self._count(source.name, "over_budget", left)
        return True

    def _request(self, source: Source, url: str, *, role: str, hops: int,
                 listing_pages: int = 0, nesting: int = 0,
                 lastmod: str | None = None) -> scrapy.Request:
        callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap}.get(role,
                                                                                self.parse_page)
        meta = {
            "source": source.name, "role": role, "hops": hops, "listing_pages": listing_pages,
            "nesting": nesting, "lastmod": lastmod, FRONTIER_KEY: url,
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
        if response.meta.get(REDIRECT_REFUSED):  # a 3xx or meta refresh left unfollowed
            return response.meta[REDIRECT_REFUSED]
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

    async def parse_feed(self, response: Response) -> AsyncIterator[PageItem | scrapy.Request]:
        source = self.sources[response.meta["source"]]
        refused = self._refused(response)
        if refused:
            yield self._item(response, kind="feed", reason=refused)
            return
        links, error = await self._read_feed(response)
        if links is None:  # hostile or unreadable XML: record, never crash
            yield self._item(response, kind="feed", reason=f"bad-feed: {error}"[:MAX_REASON])
            return
        reason = "feed" if links else "feed-without-entries"
        # The body is kept so that a later 304 can still yield the feed's links.
        yield self._item(response, kind="feed", reason=reason, keep_body=True)
        for n, link in enumerate(links):
            if self._spent(source, len(links) - n):
                return
            for request in self._requests(source, link.url, role="page", hops=1,
                                          lastmod=link.lastmod):
                yield request

    def _pool(self) -> Any:
        """The crawl's worker processes (:mod:`pipeline.pool`), or None: none started, or
        no crawler at all (a spider built in a test)."""
        return getattr(self.crawler, "dcradar_pool", None) if hasattr(self, "crawler") else None

    async def _in_worker(self, doing: str, url: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in one of the crawl's workers, or None: no workers, or the worker
        failed (logged). On None the caller does the work in this process: a failing
        worker must not lose the page or the feed."""
        pool = self._pool()
        if pool is None:
            return None
        try:
            return await pool.batcher(fn).run(*args)
        except BrokenProcessPool:
            logger.error("%s %s killed its worker process twice; reading it here", doing, url)
        except Exception:  # a bug in the worker
            logger.exception("%s %s in a worker failed; reading it here", doing, url)
        return None

    async def _read_feed(self, response: Response) -> tuple[list[Link] | None, str | None]:
        """:func:`spiders.discovery.read_feed`, in a worker process when the crawl has them.

        feedparser takes 8-12 ms of CPU for a feed of 50 entries (a hostile or
        huge one far more), all of it blocking the event loop; and a crawl reads
        its feeds first, while its workers wait for the first article. When the
        worker fails, this process reads the feed.
        """
        done = await self._in_worker("reading the feed", response.url, read_feed,
                                     response.body, response.url)
        return done if done is not None else read_feed(response.body, response.url)

    def parse_sitemap(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        source = self.sources[response.meta["source"]]
        refused = self._refused(response)
        if refused:
            yield self._item(response, kind="sitemap", reason=refused)
            return
        if source.name in self.spent:  # kept for the next run, not read in this one
            yield self._item(response, kind="sitemap", reason="sitemap-not-read: page budget "
                             "spent", keep_body=True)
            return
        try:
            # One more than the protocol allows, to tell a full sitemap from an oversized one.
            links = list(sitemap_links(response.body, response.url, strict=True,
                                       limit=MAX_SITEMAP_URLS + 1))
        except Exception as exc:  # malformed or hostile XML: record, never crash
            yield self._item(response, kind="sitemap", reason=f"bad-sitemap: {exc}"[:MAX_REASON])
            return
        reason = "sitemap"
        if len(links) > MAX_SITEMAP_URLS:
            links = links[:MAX_SITEMAP_URLS]
            reason = f"sitemap-truncated: over {MAX_SITEMAP_URLS} URLs, the rest not read"
        yield self._item(response, kind="sitemap", reason=reason, keep_body=True)
        nesting = response.meta.get("nesting", 0)
        for n, link in enumerate(links):
            if self._spent(source, len(links) - n):
                return
            if link.is_sitemap:
                if nesting + 1 >= MAX_SITEMAP_NESTING:
                    continue
                yield from self._requests(source, link.url, role="sitemap", hops=0,
                                          nesting=nesting + 1, lastmod=link.lastmod)
            else:
                yield from self._requests(source, link.url, role="page", hops=1,
                                          lastmod=link.lastmod)

    async def parse_page(self, response: Response) -> AsyncIterator[PageItem | scrapy.Request]:
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
        by_pattern = source.is_article_url(response.url)
        # Once the budget is spent no link can be requested: none is even read.
        want_links = source.name not in self.spent
        done = await self._analyse(response, by_pattern, want_links)
        if done["status"] == "unparseable":
            yield self._item(response, kind="other",
                             reason=f"unparseable: {done['error']}"[:MAX_REASON], keep_body=True)
            return
        links = [(url, is_pagination) for raw, is_pagination in done["links"]
                 if source.allows(url := normalize_url(raw)) and not is_asset_url(url)]
        # The links are kept with the page, and its distance is the shortest found so far.
        requested = distance(meta.get("hops", 0), meta.get("listing_pages", 0))
        hops, listing_pages = split_distance(
            self.frontier.parsed(self._page_keys(response), requested, links))
        meta["hops"], meta["listing_pages"] = hops, listing_pages
        if done["is_article"] and by_pattern is not False:
            item = self._item(response, kind="article", reason=None, keep_body=True)
        else:
            why = "url-pattern" if done["is_article"] else done["reason"]
            item = self._item(response, kind="listing", reason=f"not-article: {why}",
                              keep_body=True)
        if "html_gz" in done:  # hashed and compressed by the worker already
            item["html_gz"], item["body_sha256"] = done["html_gz"], done["body_sha256"]
            if item["kind"] == "article" and done.get("prepared") is not None:
                item["prepared"] = done["prepared"]
        yield item
        for request in self._follow_links(source, links, hops, listing_pages):
            yield request

    async def _analyse(self, response: TextResponse, by_pattern: bool | None,
                       want_links: bool) -> dict[str, Any]:
        """The page's verdict and links, as :func:`pipeline.analyse.analyse_page` gives them.

        With the crawl's worker processes (:mod:`pipeline.pool`) a worker parses the page,
        and extracts it too when it is an article, so that the page is parsed once and not
        in this process; without them, or for a page the worker cannot read, here.
        """
        if self._pool() is not None:
            # Here, not at the top: it imports trafilatura, which a scale-out worker
            # (no pool: it pushes raw pages to the writer) never needs.
            from pipeline.analyse import analyse_page

            meta = response.meta
            page = {"body": response.body, "encoding": response.encoding,
                    "final_url": response.url, "source": meta["source"],
                    "language": self.sources[meta["source"]].language,
                    "prune_xpaths": list(self.sources[meta["source"]].prune_xpaths)}
            # A stored-body response (resume, 304, lastmod) is revalidated, not extracted.
            extract = by_pattern is not False and not meta.get(REVALIDATED)
            done = await self._in_worker("analysing", response.url, analyse_page, page,
                                         want_links, extract, meta.get(STORED_HASH))
            if done is not None:
                for stage, seconds in done.pop("cpu").items():
                    add_cpu(self.crawler, stage, seconds)
                if done["status"] != "unread":
                    return done
        try:
            # A selector of our own, not ``response.selector``: Scrapy's holds the response
            # and the response caches it, a reference cycle that keeps each page's body and
            # text (~0.5 MB) alive until a full garbage collection, which a large crawl's
            # heap makes rare: the crawl process grew by that much per page (issue 6).
            sel = Selector(text=response.text, base_url=response.url)
            verdict = classify_page(sel, response.url)
            links = [(link.url, link.is_pagination) for link in page_links(sel, response.url)
                     ] if want_links else []
        except Exception as exc:  # lxml gives up on some pathological markup
            return {"status": "unparseable", "error": str(exc)}
        return {"status": "ok", "is_article": verdict.is_article, "reason": verdict.reason,
                "links": links}

    @staticmethod
    def _page_keys(response: Response) -> list[str]:
        """The frontier keys of a response: the URL it was requested as and the final URL."""
        meta = response.meta
        redirects = meta.get("redirect_urls") or []
        keys = [meta.get(FRONTIER_KEY) or normalize_url(redirects[0] if redirects
                                                        else response.url)]
        final = normalize_url(response.url)
        return keys if final in keys else [*keys, final]

    def _follow_links(self, source: Source, links: list[tuple[str, bool]], hops: int,
                      listing_pages: int) -> Iterator[scrapy.Request]:
        """Requests for the links of a page at ``(hops, listing_pages)``, within the bounds."""
        for n, (url, is_pagination) in enumerate(links):
            if self._spent(source, len(links) - n):
                return
            if is_pagination:
                # The next page of a listing is as close to the entry as the listing itself.
                if listing_pages + 1 <= source.max_listing_pages:
                    yield from self._requests(source, url, role="listing", hops=hops,
                                              listing_pages=listing_pages + 1)
            elif hops + 1 <= source.max_depth:
                yield from self._requests(source, url, role="page", hops=hops + 1)

    def on_error(self, failure: Failure) -> Iterator[PageItem]:
        """A request that got no usable response: recorded with the reason."""
        request = failure.request
        meta = request.meta
        reason = failure_reason(failure)
        source = self.sources[meta["source"]]
        # Recorded under the URL that was asked for, not where a redirect chain went.
        redirects = meta.get("redirect_urls") or []
        url = normalize_url(redirects[0] if redirects else request.url)
        yield PageItem(source=source.name, url=url, final_url=None,
                       status=None, kind="error", reason=reason, fetched_at=_now(),
                       hops=meta.get("hops"), lastmod=meta.get("lastmod"),
                       language=source.language, prune_xpaths=list(source.prune_xpaths))
