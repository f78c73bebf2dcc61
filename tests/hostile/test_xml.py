"""Hostile feeds and sitemaps: entity bombs, external entities, 50,000 URLs, index loops."""

from __future__ import annotations

import resource
import time

import pytest
from loopback import article_html, html

from hostile.support import PARAS, crawl_case, loopback_only, record, source
from spiders.discovery import (
    MAX_SITEMAP_URLS,
    HostileXMLError,
    declares_entities,
    feed_links,
    sitemap_links,
)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

def laughs(depth: int = 10) -> str:
    """The "billion laughs" internal subset: 10^depth copies of "lol" once expanded."""
    decls = ['<!ENTITY lol0 "lol">']
    decls += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth)]
    return "".join(decls)


def xxe(secret_file: str, other: str) -> str:
    """External entities: a local file, a URL on another host, a remote parameter entity."""
    return (f'<!ENTITY file SYSTEM "file://{secret_file}">'
            f'<!ENTITY remote SYSTEM "{other}/xxe">'
            f'<!ENTITY % dtd SYSTEM "{other}/evil.dtd"> %dtd;')


def rss(subset: str, entity: str, base: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [{subset}]><rss version="2.0"><channel>'
            f"<title>&{entity};</title><item><title>&{entity};</title>"
            f"<link>{base}/from-feed-&{entity};/</link></item>"
            f"<item><title>ok</title><link>{base}/good/</link></item></channel></rss>").encode()


def urlset(subset: str | None, locs: list[str]) -> bytes:
    doctype = f"<!DOCTYPE urlset [{subset}]>" if subset else ""
    entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return (f'<?xml version="1.0"?>{doctype}<urlset xmlns="{SITEMAP_NS}">{entries}'
            f"</urlset>").encode()


def xml(body: bytes):
    return lambda: (200, {"Content-Type": "application/xml"}, body)


def test_entity_bombs_and_external_entities_are_refused_and_recorded(site, other_site,
                                                                     tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("DCRADAR-SECRET-MARKER")
    b, other = site.base, other_site.base
    site.routes.update({
        "/feed-laughs.xml": xml(rss(laughs(), "lol9", b)),
        "/feed-xxe.xml": xml(rss(xxe(str(secret), other), "file", b)),
        "/sitemap-laughs.xml": xml(urlset(laughs(), [f"{b}/from-sitemap-&lol9;/", f"{b}/good/"])),
        "/sitemap-xxe.xml": xml(urlset(xxe(str(secret), other),
                                       [f"{b}/leak/&file;/", "&remote;", f"{b}/good/"])),
        "/sitemap.xml": xml(urlset(None, [f"{b}/good/"])),
        "/good/": html(article_html("The crawl goes on past hostile XML", PARAS)),
    })
    feeds = [f"{b}/feed-laughs.xml", f"{b}/feed-xxe.xml"]
    sitemaps = [f"{b}/sitemap-laughs.xml", f"{b}/sitemap-xxe.xml", f"{b}/sitemap.xml"]
    result = crawl_case(tmp_path, [source("xml", b, feeds=feeds, sitemaps=sitemaps)])

    for url in feeds:
        assert result.page(url)["reason"].startswith("bad-feed: entity declarations refused")
    for url in sitemaps[:2]:
        assert result.page(url)["reason"].startswith("bad-sitemap: entity declarations refused")
    assert result.page(f"{b}/good/")["kind"] == "article"  # the crawl went on
    # Nothing was expanded or fetched: no other host, no half-URL made of an entity.
    loopback_only(other_site.log)
    assert {p for p, _ in site.log} <= {"/robots.txt", "/good/", "/", "/feed-laughs.xml",
                                        "/feed-xxe.xml", *(u[len(b):] for u in sitemaps)}
    for (text,) in result.rows("SELECT url || coalesce(reason, '') || coalesce(final_url, '') "
                               "FROM pages UNION ALL SELECT text FROM articles"):
        assert "DCRADAR-SECRET-MARKER" not in text and "lollol" not in text
    record("entities: billion laughs + XXE in feeds and sitemaps", result.measured.seconds,
           result.measured, "bad-feed / bad-sitemap: entity declarations refused")


def test_feeds_declaring_entities_never_reach_feedparser(other_site, tmp_path):
    """feedparser expands internal entities (10^5 copies per reference at six levels):
    ``feed_links`` refuses such a feed before parsing it, in a few milliseconds."""
    secret = tmp_path / "secret.txt"
    secret.write_text("DCRADAR-SECRET-MARKER")
    base = "http://127.0.0.1:9"
    start = time.monotonic()
    for doc in (rss(laughs(), "lol9", base), rss(laughs(6), "lol5", base),
                rss(laughs(6), "lol5", base).decode().encode("utf-16"),  # NULs between bytes
                rss(xxe(str(secret), other_site.base), "file", base)):
        with pytest.raises(HostileXMLError):
            list(feed_links(doc, base))
    assert time.monotonic() - start < 1
    loopback_only(other_site.log)


def test_lxml_reads_sitemaps_without_expanding_or_fetching(other_site, tmp_path):
    """Defence in depth: a sitemap read leniently (``dcradar check-sources``) stays inert."""
    secret = tmp_path / "secret.txt"
    secret.write_text("DCRADAR-SECRET-MARKER")
    base = "http://127.0.0.1:9"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    for doc in (urlset(laughs(), [f"{base}/x-&lol9;/"]),
                urlset(xxe(str(secret), other_site.base), [f"{base}/&file;/", "&remote;"])):
        assert declares_entities(doc)
        urls = [link.url for link in sitemap_links(doc, base)]
        assert all("lollol" not in u and "MARKER" not in u for u in urls)
        with pytest.raises(HostileXMLError):
            list(sitemap_links(doc, base, strict=True))
    seconds = time.monotonic() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert seconds < 5 and grown < 50, (seconds, grown)
    loopback_only(other_site.log)


def test_a_50000_url_sitemap_is_read_within_the_page_budget(site, tmp_path):
    b = site.base
    full = urlset(None, [f"{b}/2024/01/story-{i}/" for i in range(MAX_SITEMAP_URLS)])
    oversized = urlset(None, [f"{b}/2023/01/old-{i}/" for i in range(MAX_SITEMAP_URLS + 10000)])
    site.routes.update({"/sitemap.xml": xml(full), "/sitemap-huge.xml": xml(oversized),
                        "/sitemap-late.xml": xml(full)})
    max_pages = 20
    result = crawl_case(tmp_path, [
        source("full", b, start_urls=[], sitemaps=[f"{b}/sitemap.xml"], max_pages=max_pages),
        source("huge", b, start_urls=[], sitemaps=[f"{b}/sitemap-huge.xml"],
               max_pages=max_pages)])

    assert result.page(f"{b}/sitemap.xml")["reason"] == "sitemap"
    assert result.page(f"{b}/sitemap-huge.xml")["reason"] == \
        f"sitemap-truncated: over {MAX_SITEMAP_URLS} URLs, the rest not read"
    # The budgets held: per source, the entry point plus max_pages, whatever is listed.
    for name in ("full", "huge"):
        assert result.rows("SELECT count(*) FROM pages WHERE source = ?",
                           name)[0][0] <= max_pages + 1
    # What was not followed is counted in the run record, not dropped silently.
    over = dict(result.rows("SELECT source, over_budget FROM crawl_runs"))
    assert over["full"] >= MAX_SITEMAP_URLS - max_pages and \
        over["huge"] >= MAX_SITEMAP_URLS - max_pages, over
    record("sitemap: 50,000 URLs (+ one of 60,000)", result.measured.seconds,
           result.measured, f"sitemap / sitemap-truncated; over_budget={over}")


def test_a_sitemap_found_once_the_budget_is_spent_is_not_read(site, tmp_path):
    b = site.base

    def index(*children: str) -> bytes:
        entries = "".join(f"<sitemap><loc>{b}{c}</loc></sitemap>" for c in children)
        return f'<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>'.encode()

    # An index of 30 sitemaps of 50,000 URLs each, and a budget of 10 pages.
    full = urlset(None, [f"{b}/2024/01/story-{i}/" for i in range(MAX_SITEMAP_URLS)])
    site.routes.update({"/index.xml": xml(index(*(f"/s-{i}.xml" for i in range(30)))),
                        **{f"/s-{i}.xml": xml(full) for i in range(30)}})
    result = crawl_case(tmp_path, [source("idx", b, start_urls=[],
                                          sitemaps=[f"{b}/index.xml"], max_pages=10)])
    reasons = [r for (r,) in result.rows("SELECT reason FROM pages WHERE url LIKE '%/s-%'")]
    # The index and 9 of its sitemaps used the budget of 10; none of the 9 could be read.
    assert len(reasons) == 9 and set(reasons) == {"sitemap-not-read: page budget spent"}
    record("sitemap index of 30 x 50,000 URLs, budget 10", result.measured.seconds,
           result.measured, "sitemap-not-read: page budget spent")


def test_a_sitemap_index_that_points_to_itself_ends(site, tmp_path):
    b = site.base

    def index(*children: str) -> bytes:
        entries = "".join(f"<sitemap><loc>{b}{c}</loc></sitemap>" for c in children)
        return f'<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>'.encode()

    site.routes.update({
        "/sitemap_index.xml": xml(index("/sitemap_index.xml", "/sitemap-a.xml", "/chain-1.xml")),
        "/sitemap-a.xml": xml(index("/sitemap_index.xml", "/sitemap-a.xml")),
        # A chain of indexes, each pointing one further: nesting is bounded too.
        **{f"/chain-{i}.xml": xml(index(f"/chain-{i + 1}.xml")) for i in range(1, 50)},
    })
    result = crawl_case(tmp_path, [source("loop", b, start_urls=[],
                                          sitemaps=[f"{b}/sitemap_index.xml"])])

    fetched = [p for p, _ in site.log]
    assert fetched.count("/sitemap_index.xml") == 1 and fetched.count("/sitemap-a.xml") == 1
    assert max(int(p.split("-")[1].split(".")[0]) for p in fetched if p.startswith("/chain-")) <= 3
    for path in ("/sitemap_index.xml", "/sitemap-a.xml"):
        assert result.page(b + path)["reason"] == "sitemap"
    [(state,)] = result.rows("SELECT state FROM runs")
    assert state == "finished"
    record("sitemap index pointing to itself (+ a 50-deep chain)", result.measured.seconds,
           result.measured, "sitemap (each fetched once; nesting stops at 4)")
