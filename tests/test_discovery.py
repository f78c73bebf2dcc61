"""Feeds, sitemaps and pagination, parsed defensively."""

from __future__ import annotations

import gzip
from urllib.parse import urljoin

import pytest
from parsel import Selector

from spiders.discovery import _join, _root, feed_links, maybe_gunzip, page_links, sitemap_links

BASE = "http://127.0.0.1:9"


def test_rss_and_atom_entries_with_dates():
    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>A</title>'
           b"<link>http://127.0.0.1:9/a/</link><pubDate>Tue, 04 Mar 2025 09:00:00 GMT</pubDate>"
           b"</item></channel></rss>")
    (link,) = feed_links(rss, BASE + "/feed.xml")
    assert link.url == BASE + "/a/" and link.lastmod.startswith("2025-03-04")
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>B</title>'
            b'<link rel="alternate" href="/b/"/><updated>2024-01-02T00:00:00Z</updated></entry>'
            b"</feed>")
    (link,) = feed_links(atom, BASE + "/atom.xml")
    assert link.url == BASE + "/b/"


def test_sitemap_index_urlset_and_news_sitemap():
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             b"<loc>http://127.0.0.1:9/s1.xml</loc><lastmod>2025-01-01</lastmod></sitemap>"
             b"</sitemapindex>")
    (child,) = sitemap_links(index, BASE)
    assert child.is_sitemap and child.lastmod == "2025-01-01"
    news = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
            b"<loc>http://127.0.0.1:9/n/</loc><news:news><news:publication_date>2025-02-03"
            b"</news:publication_date></news:news></url></urlset>")
    (item,) = sitemap_links(news, BASE)
    assert not item.is_sitemap and item.url == BASE + "/n/" and item.lastmod == "2025-02-03"


def test_gzip_sitemaps_are_read_and_bombs_refused():
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/x/</loc></url></urlset>'
    assert [link.url for link in sitemap_links(gzip.compress(body), BASE)] == [BASE + "/x/"]
    bomb = gzip.compress(b"\0" * (3 * 1024 * 1024))
    with pytest.raises(ValueError, match="inflates"):
        maybe_gunzip(bomb, limit=1024 * 1024)


def test_entity_expansion_is_not_performed():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/x/&b;</loc>'
              b"</url></urlset>")
    urls = [link.url for link in sitemap_links(laughs, BASE)]
    assert all("aaaaaaaaaa" not in u for u in urls)


def test_pagination_is_recognised():
    html = ('<a rel="next" href="/news/page/2/">Next</a>'
            '<div class="pagination"><a href="/news/?page=3">3</a></div>'
            '<a href="/2024/05/a-story/">A story headline about a data centre</a>'
            '<a href="mailto:a@b.c">mail</a><a href="javascript:void(0)">js</a>')
    found = page_links(Selector(text=html), BASE + "/news/")
    links = {link.url: link.is_pagination for link in found}
    assert links == {BASE + "/news/page/2/": True, BASE + "/news/?page=3": True,
                     BASE + "/2024/05/a-story/": False}


def test_next_links_are_read_from_link_and_anchor_rel_tokens():
    html = ('<html><head><link rel="next" href="/p/2/"><link rel="prev" href="/p/0/"></head>'
            '<body><a rel="nofollow next" href="/more/">more</a>'
            '<a rel="nextpage" href="/not-next/">x</a><a rel="next">no href</a></body></html>')
    links = {link.url: link.is_pagination
             for link in page_links(Selector(text=html), BASE + "/news/")}
    assert links == {BASE + "/p/2/": True, BASE + "/more/": True, BASE + "/not-next/": False}


def test_a_link_no_url_parser_takes_costs_only_itself():
    """``http://[::1`` makes urljoin raise: the page, feed or sitemap keeps its other links."""
    html = ('<html><head><link rel="next" href="http://[::2/"></head><body>'
            '<a href="http://[::1/">bad</a><a href="/ok/">good</a></body></html>')
    assert [link.url for link in page_links(Selector(text=html), BASE + "/")] == [BASE + "/ok/"]
    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel>'
           b"<item><link>http://[::1/bad</link></item><item><link>/a/</link></item>"
           b"</channel></rss>")
    assert [link.url for link in feed_links(rss, BASE + "/feed.xml")] == [BASE + "/a/"]
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              b"<url><loc>//[::1/x</loc></url><url><loc>/y/</loc></url></urlset>")
    assert [link.url for link in sitemap_links(urlset, BASE)] == [BASE + "/y/"]


ROOTED = ["/", "/news", "/news/", "/news/a-story", "/a/b/c.html", "/a?x=1&y=2", "/a/?x=1",
          "/a?x=1?y", "/é/ü?q=ç", "/a%20b", "/a\\b", "/a\x7fb",
          # what urljoin rewrites: these take its own path
          "//cdn.example.org/x", "/a//b", "/./a", "/a/./b", "/a/../b", "/a/..", "/a/.",
          "/.well-known/x", "/a;p", "/a;p?q", "/a#", "/a#frag", "/a?", "/a?#f", "/a\tb",
          "/a\nb", "/a\rb", "/a b", "/a\x00", "/a\x1f", "/?", "/#"]


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000/news/x?page=2#top", "HTTPS://Example.ORG",
                                  "https://user@example.org:8443/a/b/", "http://[::1]:8080/p"])
@pytest.mark.parametrize("href", ROOTED)
def test_a_root_relative_link_joins_as_urljoin_joins_it(base, href):
    assert _join(base, href, _root(base)) == urljoin(base, href)


def test_links_of_a_page_without_an_http_base_go_through_urljoin():
    assert _root("file:///tmp/page.html") is None
    assert _root("http://[::1/x") is None
    assert _join("file:///tmp/page.html", "/a", None) == "file:///a"
