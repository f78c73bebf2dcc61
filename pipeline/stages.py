"""Scrapy item pipelines for the processing stages between fetch and store.

``ExtractStage`` turns an article page's HTML into text and metadata. It
never raises on a page: a page whose text cannot be extracted is recorded
with the reason and stays out of ``articles``. ``TagStage`` tags the article.
Both run their CPU-bound work in worker processes (:mod:`pipeline.pool`)
unless ``DCRADAR_WORKERS`` is 0.
"""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from pipeline.cputime import add_cpu
from pipeline.decode import decode_html
from pipeline.pool import (
    PAGE_FIELDS,
    StagePool,
    TagBatcher,
    prepare_page,
    release_pool,
    shared_pool,
)
from spiders.urls import normalize_url

logger = logging.getLogger(__name__)

#: Fewer words than this is a stub, a paywall teaser or an error page, not an article.
MIN_ARTICLE_WORDS = 60


def canonical_article_url(final_url: str, canonical: str | None) -> str:
    """The URL an article is stored under.

    ``rel=canonical`` unites one article reached by several URLs, but only
    when it points at the same site: a syndicated copy's canonical names the
    original publisher, and a page may lie.
    """
    if canonical:
        a, b = urlsplit(final_url), urlsplit(canonical)
        if a.scheme in ("http", "https") and (a.hostname, a.port) == (b.hostname, b.port):
            return normalize_url(canonical)
    return normalize_url(final_url)


def article_record(item: dict[str, Any], tree: HtmlElement | None = None
                   ) -> dict[str, Any] | None:
    """Extract the article stored for a fetched article page, or None with a reason set.

    ``tree``: the body already decoded (``item["encoding"]`` set) and parsed by
    :func:`pipeline.extract.parse_html`, as the page analysis in a worker does.
    """
    # Here, not at the top: with worker processes extraction never runs in the crawl
    # process, which then need not import trafilatura (0.18 s of its start-up).
    from pipeline.extract import extract

    text = ""
    if tree is None:
        decoded = decode_html(item["body"], item.get("encoding"))
        if decoded is None:
            item["reason"] = "binary-body"
            return None
        text, item["encoding"] = decoded
    extracted = extract(text, item["final_url"], prune_xpaths=item.get("prune_xpaths") or (),
                        default_language=item.get("language"), tree=tree)
    if extracted is None or not extracted.text:
        item["reason"] = "no-main-text"
        return None
    if extracted.word_count < MIN_ARTICLE_WORDS:
        item["reason"] = f"too-short: {extracted.word_count} words"
        return None
    return {
        "url": canonical_article_url(item["final_url"], extracted.canonical_url),
        "source": item["source"],
        "fetched_url": item["final_url"],
        "title": extracted.title,
        "published": extracted.published,
        "language": extracted.language,
        "author": extracted.author,
        "text": extracted.text,
        "word_count": extracted.word_count,
        "content_hash": hashlib.sha256(extracted.text.encode("utf-8")).hexdigest(),
    }


class ExtractStage:
    """Item pipeline: attach ``article`` (a dict or None) to every page item.

    With worker processes (``DCRADAR_WORKERS``, :mod:`pipeline.pool`) the
    extraction of an article page, and the compression of its raw body for
    storage, run in a worker while the crawl goes on; with
    ``DCRADAR_WORKERS = 0`` they run inline. Either way a page whose
    extraction fails is recorded with the reason and stays out of ``articles``.
    """

    def __init__(self, crawler: Any = None):
        self.crawler = crawler
        self.pool: StagePool | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractStage:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        if self.crawler is not None:
            self.pool = shared_pool(self.crawler)

    def close_spider(self, spider: Any = None) -> None:
        if self.pool is not None:
            self.pool = None
            release_pool(self.crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # The spider's page analysis may have extracted the page in a worker already
        # (pipeline/analyse.py): its result rides on the item.
        if item.get("prepared") is not None:
            item = dict(item)
            item["article"] = None
            return self._apply(item, item.pop("prepared"))
        # Only article pages go to a worker. Listings, feeds and sitemaps have nothing to
        # extract: they are stored at once, so that a crawl killed while the workers still
        # load the model has kept them (a resumed run replays their links from storage).
        if self.pool is not None:
            if item.get("body") and item.get("kind") == "article":
                return self._in_worker(dict(item))
            return self._inline(dict(item))
        started = time.perf_counter()
        item = self._inline(dict(item))
        add_cpu(self.crawler, "extract", time.perf_counter() - started)
        return item

    def _inline(self, item: dict[str, Any]) -> dict[str, Any]:
        item["article"] = None
        if item.get("kind") == "article" and item.get("body"):
            try:
                item["article"] = article_record(item)
            except Exception as exc:  # a bug or a pathological page must not stop the crawl
                logger.exception("extraction failed for %s", item.get("url"))
                item["reason"] = f"extraction-error: {type(exc).__name__}"
        return _settle(item)

    async def _in_worker(self, item: dict[str, Any]) -> dict[str, Any]:
        item["article"] = None
        started = time.perf_counter()
        page = {key: item.get(key) for key in PAGE_FIELDS}
        add_cpu(self.crawler, "dispatch", time.perf_counter() - started)
        try:
            done = await self.pool.run(prepare_page, page)
        except BrokenProcessPool:
            logger.error("extraction of %s killed its worker process twice", item.get("url"))
            item["reason"] = "extraction-error: worker-died"
            return _settle(item)
        except Exception as exc:  # the page is still stored (compressed by the store)
            logger.exception("extraction failed for %s", item.get("url"))
            item["reason"] = f"extraction-error: {type(exc).__name__}"
            return _settle(item)
        return self._apply(item, done)

    def _apply(self, item: dict[str, Any], done: dict[str, Any]) -> dict[str, Any]:
        """Put a worker's extraction (:func:`pipeline.pool.prepare_page`) on the item."""
        started = time.perf_counter()
        item["html_gz"], item["body_sha256"] = done["html_gz"], done["body_sha256"]
        item["article"], item["encoding"] = done["article"], done["encoding"]
        if done.get("reason"):
            item["reason"] = done["reason"]
        if done.get("error"):
            logger.error("extraction failed for %s\n%s", item.get("url"), done["traceback"])
            item["reason"] = done["error"]
        for stage, seconds in done["cpu"].items():
            add_cpu(self.crawler, stage, seconds)
        add_cpu(self.crawler, "dispatch", time.perf_counter() - started)
        return _settle(item)


def _settle(item: dict[str, Any]) -> dict[str, Any]:
    """An article page without an article is stored as a not-article page."""
    if item.get("kind") == "article" and item["article"] is None:
        item["kind"] = "not-article"
    return item


class TagStage:
    """Item pipeline: tag every extracted article with the shipped model.

    The model is loaded once per crawl, in the crawl process or, with worker
    processes, once in each worker. ``DCRADAR_TAG = False`` turns tagging off
    (``dcradar eval`` tags with its own cross-validation models instead). A
    tagging failure leaves the article untagged and logged, never lost;
    ``dcradar retag`` tags it later.
    """

    def __init__(self, enabled: bool = True, crawler: Any = None):
        self.enabled = enabled
        self.crawler = crawler
        self.tagger = None
        self.pool: StagePool | None = None
        self.batcher: TagBatcher | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> TagStage:
        return cls(crawler.settings.getbool("DCRADAR_TAG", True), crawler)

    def open_spider(self, spider: Any = None) -> None:
        if not self.enabled:
            return
        if self.crawler is not None:
            self.pool = shared_pool(self.crawler)
            if self.pool is not None:
                return  # each worker loads the model; a failure is reported with the first tags
        from classifier.plain import ModelError
        from classifier.tagger import Tagger

        try:
            self.tagger = Tagger()
        except ModelError as exc:
            # Articles are still stored; `dcradar retag` tags them once a model exists.
            logger.error("tagging is off for this crawl: %s", exc)

    def close_spider(self, spider: Any = None) -> None:
        if self.pool is not None:
            self.pool = None
            release_pool(self.crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        article = item.get("article")
        if not article:
            return item
        if self.pool is not None:
            return self._in_worker(item, article)
        if self.tagger is None:
            return item
        started = time.perf_counter()
        try:
            tags, mentions = self.tagger.tag_many(
                [(article["text"], article["title"] or "", article["language"])])[0]
        except Exception:
            logger.exception("tagging failed for %s", article["url"])
            return item
        finally:
            add_cpu(self.crawler, "tag", time.perf_counter() - started)
        item["tags"] = tags
        item["mentions"] = mentions
        return item

    async def _in_worker(self, item: Any, article: dict[str, Any]) -> Any:
        if self.batcher is None:
            self.batcher = TagBatcher(self.pool,
                                      on_cpu=lambda s: add_cpu(self.crawler, "tag", s))
        try:
            done = await self.batcher.tag(article["text"], article["title"] or "",
                                          article["language"])
        except BrokenProcessPool:
            logger.error("tagging %s killed its worker process twice", article["url"])
            return item
        except Exception:
            logger.exception("tagging failed for %s", article["url"])
            return item
        if done["status"] == "no-model":
            if self.pool is not None:  # say it once, then stop asking the workers
                logger.error("tagging is off for this crawl: %s", done["error"])
                self.pool = None
                release_pool(self.crawler)
            return item
        if done["status"] != "ok":
            logger.error("tagging failed for %s\n%s", article["url"], done["error"])
            return item
        item["tags"], item["mentions"] = done["result"]
        return item
