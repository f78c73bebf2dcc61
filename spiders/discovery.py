"""Find article candidates in feeds, sitemaps and listing pages.

Parsing is defensive: these documents come from strangers, so XML is parsed
without entity expansion or network access, and sizes are bounded upstream.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from lxml import etree
from parsel import Selector

#: Largest decompressed sitemap we read (the sitemap protocol caps them at 50 MB).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024

_PAGE_PARAM = re.compile(
    r"([?&](page|paged|p|pg|pagina|start|offset)=\d+)|(/(page|pages|p)/\d+/?$)", re.IGNORECASE)
_NEXT_TEXT = re.compile(
    r"^\s*(next|next page|older|older posts|older entries|more|more news|load more|suivant|"
    r"page suivante|suivante|plus d'articles|articles précédents|›|»|>|→|\d{1,3})\s*[›»>→]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    """A URL found in a document, with what the document said about it."""

    url: str
    lastmod: str | None = None    # ISO date from a sitemap or feed entry
    is_sitemap: bool = False      # a child of a sitemap index
    is_pagination: bool = False   # next page of the same listing


def _safe_parser() -> etree.XMLParser:
    # No entity expansion, no DTD or network fetches: billion-laughs and XXE stay inert.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, recover=True, remove_comments=True)


def maybe_gunzip(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress a gzip body, refusing to inflate past ``limit`` bytes."""
    if body[:2] != b"\x1f\x8b":
        return body
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"gzip body inflates past {limit} bytes")
    return data


def sitemap_links(body: bytes, base_url: str) -> Iterator[Link]:
    """Locations of a sitemap, a sitemap index or a Google News sitemap."""
    root = etree.fromstring(maybe_gunzip(body), parser=_safe_parser())
    if root is None:
        return
    is_index = etree.QName(root).localname == "sitemapindex"
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = lastmod = None
        for child in node.iter():
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            text = (child.text or "").strip()
            if name == "loc" and loc is None:
                loc = text
            elif name in ("lastmod", "publication_date") and text and lastmod is None:
                lastmod = text
        if loc:
            yield Link(urljoin(base_url, loc), lastmod=lastmod, is_sitemap=is_index)


def feed_links(body: bytes, base_url: str) -> Iterator[Link]:
    """Entry links of an RSS or Atom feed, with their dates.

    feedparser copes with the many broken feeds in the wild (bad encodings,
    unescaped ampersands, RSS 0.9x/1.0/2.0 and Atom dialects) better than
    hand-written XPath would.
    """
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    for entry in parsed.entries:
        url = entry.get("link") or (entry.get("id") if str(entry.get("id", "")).startswith(
            ("http://", "https://")) else None)
        if not url:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        lastmod = datetime(*when[:6], tzinfo=UTC).isoformat() if when else None
        yield Link(urljoin(base_url, url), lastmod=lastmod)


def page_links(sel: Selector, base_url: str) -> Iterator[Link]:
    """Links of an HTML page, pagination marked, non-page schemes dropped."""
    next_urls = {urljoin(base_url, h) for h in
                 sel.xpath('//link[@rel="next"]/@href | //a[contains(concat(" ", @rel, " "),'
                           ' " next ")]/@href').getall()}
    for url in next_urls:
        yield Link(url, is_pagination=True)
    for anchor in sel.xpath("//a[@href]"):
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:", "file:")):
            continue
        url = urljoin(base_url, href)
        if url in next_urls:
            continue
        text = anchor.xpath("normalize-space(string(.))").get() or ""
        in_pager = bool(anchor.xpath(
            'ancestor::*[contains(@class, "pagination") or contains(@class, "pager")'
            ' or contains(@class, "page-numbers") or contains(@class, "nav-links")'
            ' or @role="navigation" and contains(@aria-label, "age")]'))
        paginated = bool(_PAGE_PARAM.search(url)) or (in_pager and bool(_NEXT_TEXT.match(text)))
        yield Link(url, is_pagination=paginated)
