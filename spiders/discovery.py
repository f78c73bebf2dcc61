"""Find article candidates in feeds, sitemaps and listing pages.

Parsing is defensive: these documents come from strangers, so XML is parsed
without entity expansion or network access, sizes are bounded upstream, and a
sitemap is read as a stream and cut at the protocol's 50,000 locations, so a
small gzip that inflates to a million entries costs neither minutes nor a
tree of hundreds of MB.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from parsel import Selector

#: Largest decompressed sitemap we read (the sitemap protocol caps them at 50 MB).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
#: Most locations one sitemap may list (the protocol's cap); the rest is not read.
MAX_SITEMAP_URLS = 50_000
#: An absolute http(s) URL without dot segments: ``urljoin`` would return it unchanged.
_PLAIN_ABSOLUTE = re.compile(r"^https?://[^/?#]+(?!.*/\.{1,2}(?:[/?#]|$))")
#: A root-relative link that ``urljoin`` only prefixes with the page's scheme and host:
#: segments neither empty nor dot segments (nor starting with a dot), no parameters, no
#: fragment, no empty query, no character it strips or removes (controls, spaces).
_PLAIN_ROOTED = re.compile(r"(?:/[^\x00-\x20/.;#?][^\x00-\x20/;#?]*)*/?(?:\?[^\x00-\x20#]+)?")
#: The prolog of an XML document: everything before the root element's start tag.
_ROOT_START = re.compile(rb"<[A-Za-z_]")

_PAGE_PARAM = re.compile(
    r"([?&](page|paged|p|pg|pagina|start|offset)=\d+)|(/(page|pages|p)/\d+/?$)", re.IGNORECASE)
#: Class names of pager blocks (pagination, page-numbers, nav-links ... containers).
_PAGER_CLASSES = ("pagination", "pager", "page-numbers", "nav-links")
#: The white space XPath's normalize-space() collapses.
_XPATH_SPACE = re.compile(r"[ \t\r\n]+")
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


class HostileXMLError(ValueError):
    """A feed or sitemap that declares its own entities: refused, not parsed.

    No real feed or sitemap needs an internal DTD with ``<!ENTITY>``; it is
    how entity-expansion bombs ("billion laughs") and external-entity reads
    (XXE) are built. lxml, as configured here, expands nothing, but feedparser
    does expand internal entities; and refusing the document records why
    instead of crawling the half-URLs a parser in recovery mode makes of it.
    """


#: No entity expansion, no DTD or network fetches: billion-laughs and XXE stay inert.
_SAFE_XML = {"resolve_entities": False, "no_network": True, "load_dtd": False,
             "huge_tree": False, "recover": True, "remove_comments": True}


def declares_entities(body: bytes) -> bool:
    """True when the document's prolog (before the root element) declares entities."""
    if b"\x00" in body[:4]:  # UTF-16/32: the markup is ASCII once the NULs are gone
        body = body.replace(b"\x00", b"")
    root = _ROOT_START.search(body)
    prolog = body[:root.start()] if root else body
    return b"<!ENTITY" in prolog.upper()


def refuse_entities(body: bytes) -> None:
    """Raise :class:`HostileXMLError` for a document that declares entities."""
    if declares_entities(body):
        raise HostileXMLError("entity declarations refused (entity expansion / XXE)")


def maybe_gunzip(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress a gzip body, refusing to inflate past ``limit`` bytes."""
    if body[:2] != b"\x1f\x8b":
        return body
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"gzip body inflates past {limit} bytes")
    return data


def _localname(tag: str) -> str:
    return tag.rpartition("}")[2]


def sitemap_links(body: bytes, base_url: str, *, limit: int | None = None,
                  strict: bool = False) -> Iterator[Link]:
    """Locations of a sitemap, a sitemap index or a Google News sitemap.

    The document is parsed as a stream and every entry is freed once read, so
    memory stays flat whatever the number of entries; ``limit`` stops after
    that many locations. ``strict`` refuses documents that declare entities
    (:func:`refuse_entities`); otherwise they are read without expanding them.
    """
    data = maybe_gunzip(body)
    if strict:
        refuse_entities(data)
    depth, is_index, found = 0, False, 0
    for event, node in etree.iterparse(io.BytesIO(data), events=("start", "end"), **_SAFE_XML):
        if event == "start":
            depth += 1
            if depth == 1:
                is_index = _localname(node.tag) == "sitemapindex"
            continue
        depth -= 1
        if depth != 1 or not isinstance(node.tag, str):
            continue
        loc = lastmod = None
        for child in node.iter():
            if not isinstance(child.tag, str):
                continue
            name = _localname(child.tag)
            text = (child.text or "").strip()
            if name == "loc" and loc is None:
                loc = text
            elif name in ("lastmod", "publication_date") and text and lastmod is None:
                lastmod = text
        # Free the entry and what came before it: the tree never grows past one entry.
        node.clear()
        parent = node.getparent()
        while parent is not None and node.getprevious() is not None:
            del parent[0]
        if loc:
            url = loc if _PLAIN_ABSOLUTE.match(loc) else _join(base_url, loc)
            if url is None:
                continue
            yield Link(url, lastmod=lastmod, is_sitemap=is_index)
            found += 1
            if limit is not None and found >= limit:
                return


def feed_links(body: bytes, base_url: str) -> Iterator[Link]:
    """Entry links of an RSS or Atom feed, with their dates.

    feedparser copes with the many broken feeds in the wild (bad encodings,
    unescaped ampersands, RSS 0.9x/1.0/2.0 and Atom dialects) better than
    hand-written XPath would. But it expands a feed's own entities (expat,
    then its loose parser: 10^5 copies of a string per reference at six
    levels, seconds of CPU at ten), so a feed that declares any is refused
    first with :class:`HostileXMLError`.
    """
    refuse_entities(body)
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    for entry in parsed.entries:
        url = entry.get("link") or (entry.get("id") if str(entry.get("id", "")).startswith(
            ("http://", "https://")) else None)
        if not url:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        lastmod = datetime(*when[:6], tzinfo=UTC).isoformat() if when else None
        joined = _join(base_url, url)
        if joined is not None:
            yield Link(joined, lastmod=lastmod)


def read_feed(body: bytes, base_url: str) -> tuple[list[Link] | None, str | None]:
    """:func:`feed_links` as a list, or None and why the feed cannot be read.

    What a worker process sends back to the crawl: an exception raised in the
    worker would read as a failure of the worker, not of the feed.
    """
    try:
        return list(feed_links(body, base_url)), None
    except Exception as exc:  # hostile or unreadable XML
        return None, str(exc)


def _join(base_url: str, href: str, root: str | None = None) -> str | None:
    """``urljoin``, or None for a link no URL parser takes (``http://[::1``): one bad link
    must not cost the page, the feed or the sitemap the others.

    ``root`` (:func:`_root` of ``base_url``) lets a plain root-relative link
    (``/news/a-story``, most links of most pages) skip ``urljoin``'s parsing,
    which was a third of the link walk's time on the benchmark's pages: the
    same URL.
    """
    if root is not None and href[:1] == "/" and _PLAIN_ROOTED.fullmatch(href):
        return root + href
    try:
        return urljoin(base_url, href)
    except ValueError:
        return None


def _root(base_url: str) -> str | None:
    """``scheme://host`` of an http(s) ``base_url``, as ``urljoin`` puts it before a
    root-relative link; None when it is no such URL (links then go through ``urljoin``)."""
    try:
        parts = urlsplit(base_url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _is_pager(node: Any) -> bool:
    cls = node.get("class")
    if cls and any(name in cls for name in _PAGER_CLASSES):
        return True
    return node.get("role") == "navigation" and "age" in (node.get("aria-label") or "")


def _in_pager(anchor: Any, known: dict[Any, bool]) -> bool:
    """Whether an ancestor of ``anchor`` is a pager block; ``known`` caches ancestors' answers
    (True: it or one of its ancestors is a pager) across the anchors of one page."""
    path, node, hit = [], anchor.getparent(), False
    while node is not None:
        cached = known.get(node)
        if cached is not None:
            hit = cached
            break
        path.append(node)
        if _is_pager(node):
            hit = True
            break
        node = node.getparent()
    for seen in path:
        known[seen] = hit
    return hit


def page_links(sel: Selector, base_url: str) -> Iterator[Link]:
    """Links of an HTML page, pagination marked, non-page schemes dropped, each link once.

    Menus, footers and story grids repeat the same few URLs dozens of times on a
    real page; a repeat would be offered to the frontier again for nothing.
    """
    # Plain lxml per anchor, and each ancestor judged once (``in_pager``): a real page has
    # hundreds of links, and XPath queries per link (or one ``//*[contains(@class ...)]``
    # over the page) cost more than parsing it. rel="next" is read off the same walk: the
    # anchors' own, and <link rel="next"> (an XPath for those went through the whole page
    # once more: 0.2 of the link walk's 0.7 ms a page on the benchmark's pages).
    anchors: list[tuple[Any, str]] = []
    next_hrefs: list[str] = []
    for element in sel.root.iter("a", "link"):
        href = element.get("href")
        if href is None:
            continue
        if element.tag == "a":
            anchors.append((element, href))
        elif element.get("rel") == "next":
            next_hrefs.append(href)
    next_hrefs += [href for a, href in anchors if " next " in f" {a.get('rel', '')} "]
    site_root = _root(base_url)
    next_urls = {_join(base_url, h, site_root) for h in next_hrefs}
    next_urls.discard(None)
    for url in next_urls:
        yield Link(url, is_pagination=True)
    pagers: dict[Any, bool] = {}
    # Per distinct href (menus repeat them): its URL, and whether the URL itself says
    # it is a page of a listing; None for a link no URL parser takes.
    joined: dict[str, tuple[str, bool] | None] = {}
    seen: set[tuple[str, bool]] = set()
    for anchor, raw in anchors:
        href = raw.strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:", "file:")):
            continue
        known = joined.get(href, False)
        if known is False:
            url = _join(base_url, href, site_root)
            known = joined[href] = None if url is None else (url, bool(_PAGE_PARAM.search(url)))
        if known is None or known[0] in next_urls:
            continue
        url, paginated = known
        if not paginated and _in_pager(anchor, pagers):
            text = _XPATH_SPACE.sub(" ", anchor.xpath("string(.)")).strip(" ")  # normalize-space
            paginated = bool(_NEXT_TEXT.match(text))
        if (url, paginated) not in seen:
            seen.add((url, paginated))
            yield Link(url, is_pagination=paginated)
