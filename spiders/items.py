"""What the spider hands to the item pipelines: one fetched URL and its fate."""

from __future__ import annotations

import scrapy


class PageItem(scrapy.Item):
    """One fetched URL, article or not; every request the spider makes ends as one.

    ``kind`` says what the spider took the page for (article, listing, feed,
    sitemap, robots, other, error); ``reason`` says why a page did not become
    an article (``None`` while it still may).
    """

    source = scrapy.Field()
    url = scrapy.Field()            # the URL asked for, normalised
    final_url = scrapy.Field()      # after redirects
    status = scrapy.Field()         # HTTP status, None when no response came
    kind = scrapy.Field()
    reason = scrapy.Field()
    fetched_at = scrapy.Field()     # ISO 8601 UTC
    content_type = scrapy.Field()
    encoding = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    body = scrapy.Field()           # raw bytes of the response (HTML only)
    hops = scrapy.Field()           # link hops from the nearest entry point
    lastmod = scrapy.Field()        # sitemap <lastmod> or feed date, when given
    language = scrapy.Field()       # the source's declared language, a fallback
    prune_xpaths = scrapy.Field()   # per-source extraction hints
    # Set when a worker analysed the page for the spider (pipeline/analyse.py):
    body_sha256 = scrapy.Field()    # hash of ``body``
    html_gz = scrapy.Field()        # ``body`` compressed for storage
    prepared = scrapy.Field()       # its extraction, for ExtractStage to put on the item
