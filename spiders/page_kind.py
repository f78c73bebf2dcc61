"""Tell article pages from listings, tags, calendars and other non-article pages.

Publishers say what a page is in machine-readable metadata (schema.org JSON-LD,
Open Graph, ``article:published_time``), so that is read first. Pages without
such metadata fall back to structure: an article has one dated headline and a
run of long prose paragraphs; a listing has many headline links and little prose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from parsel import Selector

ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "techarticle",
    "scholarlyarticle", "report", "liveblogposting", "socialmediaposting", "pressrelease",
}
LISTING_TYPES = {
    "collectionpage", "itemlist", "searchresultspage", "profilepage", "aboutpage",
    "contactpage", "faqpage", "checkoutpage", "event", "organization", "person",
}
_DATE_META = (
    '//meta[@property="article:published_time" or @name="article:published_time"'
    ' or @itemprop="datePublished" or @name="pubdate" or @name="publishdate"'
    ' or @name="date" or @name="dc.date.issued" or @name="DC.date.issued"'
    ' or @name="parsely-pub-date" or @name="sailthru.date"]/@content'
)
_URL_DATE = re.compile(r"/(19|20)\d\d[/-](0?[1-9]|1[0-2])([/-]|$)|[-_/](19|20)\d\d-\d\d-\d\d")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PageKind:
    """The verdict on one HTML page and the signal that decided it."""

    is_article: bool
    reason: str


def jsonld_types(sel: Selector) -> list[str]:
    """Top-level schema.org types of the page (lower-case), ``@graph`` members included.

    Nested items (an ItemList's NewsArticle entries) are not the page itself and
    are left out, or every section front would look like an article.
    """
    found: list[str] = []
    # What //script[@type="application/ld+json"]/text() gives (an HTML script holds one
    # text node), read by lxml's own walk instead of libxml2's XPath engine, which
    # visits the same nodes several times slower.
    scripts = [script.text for script in sel.root.iter("script")
               if script.get("type") == "application/ld+json" and script.text]
    for raw in scripts:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        nodes = data if isinstance(data, list) else [data]
        for node in nodes:
            if not isinstance(node, dict):
                continue
            members = node.get("@graph") if isinstance(node.get("@graph"), list) else [node]
            for member in members:
                if isinstance(member, dict):
                    kind = member.get("@type")
                    kinds = kind if isinstance(kind, list) else [kind]
                    found.extend(k.lower() for k in kinds if isinstance(k, str))
    return found


def _prose_paragraphs(node: Selector) -> int:
    """Paragraphs of 25+ words that are neither link text nor a teaser's summary.

    A teaser summary sits beside its headline link (same parent or grandparent);
    body paragraphs do not.
    """
    count = 0
    for p in node.xpath(".//p"):
        words = len(_WORD.findall(" ".join(p.xpath(".//text()").getall())))
        if words < 25:
            continue
        linked = len(_WORD.findall(" ".join(p.xpath(".//a//text()").getall())))
        if linked >= words / 2:
            continue
        beside = p.xpath("../a | ../*[self::h2 or self::h3 or self::h4]//a | ../../a"
                         " | ../../*[self::h2 or self::h3 or self::h4 or self::header]//a")
        if _headline_links_in(beside):
            continue
        count += 1
    return count


def _headline_links_in(links: list[Selector]) -> int:
    texts = [link.xpath("normalize-space(string(.))").get() or "" for link in links]
    return sum(1 for text in texts if len(text.split()) >= 5)


def _headline_links(node: Selector) -> int:
    """Links that read like headlines (5+ words): the many teasers of a listing."""
    return _headline_links_in(node.xpath(".//a[@href]"))


def _structure_verdict(sel: Selector, url: str) -> PageKind:
    """Judge a page without metadata by the block around its one headline.

    An article's headline shares a container with a date and with several prose
    paragraphs, and that container holds few headline links. A section front
    has prose too (teaser summaries), but each summary comes with a headline link.
    """
    headlines = sel.xpath("//h1")
    # Some themes wrap the logo in an <h1> too; more than two means a listing of h1s.
    if not headlines or len(headlines) > 2:
        return PageKind(False, "no-single-headline")
    node = headline = max(headlines, key=lambda h: len(h.xpath("string(.)").get().split()))
    prose = 0
    for _ in range(5):
        parent = node.xpath("..")
        if not parent:
            break
        node = parent[0]
        prose = _prose_paragraphs(node)
        if prose >= 3:
            break
    if prose < 3:
        return PageKind(False, "little-prose")
    # The date must sit next to the headline: a sidebar of dated teasers is no byline.
    dated = bool(sel.xpath(_DATE_META).get() or headline.xpath(
        "../..//time[not(ancestor::aside or ancestor::nav or ancestor::li or ancestor::footer)]")
                 or _URL_DATE.search(url))
    if not dated:
        return PageKind(False, "no-date")
    if _headline_links(node) > 3 * prose:
        return PageKind(False, "listing-structure")
    return PageKind(True, "structure-article")


def classify_page(sel: Selector, url: str) -> PageKind:
    """Decide whether an HTML page is a single news article."""
    types = set(jsonld_types(sel))
    if types & ARTICLE_TYPES:
        return PageKind(True, "jsonld-article")
    og_type = (sel.xpath('//meta[@property="og:type"]/@content').get() or "").strip().lower()
    if og_type == "article":
        return PageKind(True, "og-article")
    if types & LISTING_TYPES:
        return PageKind(False, "jsonld-" + sorted(types & LISTING_TYPES)[0])
    if og_type in ("website", "profile", "book", "video.other", "music.song"):
        return PageKind(False, f"og-{og_type}")
    # No metadata: judge by structure.
    return _structure_verdict(sel, url)
