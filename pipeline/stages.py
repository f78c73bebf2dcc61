"""Scrapy item pipelines for the processing stages between fetch and store.

``ExtractStage`` turns an article page's HTML into text and metadata. It
never raises on a page: a page whose text cannot be extracted is recorded
with the reason and stays out of ``articles``.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlsplit

from pipeline.decode import decode_html
from pipeline.extract import extract
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


def article_record(item: dict[str, Any]) -> dict[str, Any] | None:
    """Extract the article stored for a fetched article page, or None with a reason set."""
    decoded = decode_html(item["body"], item.get("encoding"))
    if decoded is None:
        item["reason"] = "binary-body"
        return None
    text, item["encoding"] = decoded
    extracted = extract(text, item["final_url"], prune_xpaths=item.get("prune_xpaths") or (),
                        default_language=item.get("language"))
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
    """Item pipeline: attach ``article`` (a dict or None) to every page item."""

    def process_item(self, item, spider=None):
        item = dict(item)
        item["article"] = None
        if item.get("kind") == "article" and item.get("body"):
            try:
                item["article"] = article_record(item)
            except Exception as exc:  # a bug or a pathological page must not stop the crawl
                logger.exception("extraction failed for %s", item.get("url"))
                item["reason"] = f"extraction-error: {type(exc).__name__}"
        if item.get("kind") == "article" and item["article"] is None:
            item["kind"] = "not-article"
        return item


class TagStage:
    """Item pipeline: tag every extracted article with the shipped model.

    The model is loaded once per crawl. ``DCRADAR_TAG = False`` turns tagging off
    (``dcradar eval`` tags with its own cross-validation models instead). A
    tagging failure leaves the article untagged and logged, never lost.
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.tagger = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getbool("DCRADAR_TAG", True))

    def open_spider(self, spider=None):
        if self.enabled:
            from classifier.store import ModelError
            from classifier.tagger import Tagger

            try:
                self.tagger = Tagger()
            except ModelError as exc:
                # Articles are still stored; `dcradar retag` tags them once a model exists.
                logger.error("tagging is off for this crawl: %s", exc)

    def process_item(self, item, spider=None):
        article = item.get("article")
        if self.tagger is None or not article:
            return item
        try:
            tags, mentions = self.tagger.tag_many(
                [(article["text"], article["title"] or "", article["language"])])[0]
        except Exception:
            logger.exception("tagging failed for %s", article["url"])
            return item
        item["tags"] = tags
        item["mentions"] = mentions
        return item
