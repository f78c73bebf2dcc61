"""The benchmark mirror generator (benchmarks/mirror.py): well-formed, crawlable, deterministic;
and the anchor's first pass (benchmarks/run.py) reads the pages as the crawl gets them."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, SampleServer, crawl
from parsel import Selector

from pipeline.extract import extract
from spiders.discovery import feed_links, sitemap_links
from spiders.page_kind import classify_page

sys.path.insert(0, str(REPO / "benchmarks"))
from mirror import build_mirror  # noqa: E402
from run import served_article_pages  # noqa: E402

BASE = "http://127.0.0.1:9"
PAGES = 24


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("mirror")
    return out, build_mirror(out, PAGES, seed=7)


def _file(out: Path, site: str, path: str) -> Path:
    target = out / "sites" / site / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def _html(out: Path, site: str, path: str) -> str:
    return _file(out, site, path).read_text(encoding="utf-8").replace("{{BASE}}", BASE)


def _articles(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]


def test_counts_and_files(mirror):
    out, made = mirror
    assert made == {"articles": PAGES, "listings": 6, "feeds": 6, "sitemaps": 12,
                    "article_bytes": made["article_bytes"]}
    articles = _articles(out)
    assert len({(a["site"], a["path"]) for a in articles}) == PAGES
    assert Counter(a["site"] for a in articles) == {f"mirror-{c}": 4 for c in "abcdef"}
    assert all(_file(out, a["site"], a["path"]).is_file() for a in articles)
    # real-world weight, not the corpus's 15 KB
    assert made["article_bytes"] / PAGES > 60_000


def test_article_pages_read_as_the_articles_they_are(mirror):
    out, _ = mirror
    for a in _articles(out):
        html = _html(out, a["site"], a["path"])
        url = BASE + a["path"]
        assert classify_page(Selector(text=html), url).is_article, a["path"]
        got = extract(html, url, default_language=a["language"])
        assert (got.title, got.published, got.language) == (a["title"], a["published"],
                                                              a["language"])
        gold = Counter(re.findall(r"\w+", a["body"].lower()))
        found = Counter(re.findall(r"\w+", got.text.lower()))
        assert sum((gold & found).values()) >= 0.9 * sum(gold.values()), a["path"]
        assert got.canonical_url == url


def test_listings_feeds_and_sitemaps_lead_to_every_article(mirror):
    out, _ = mirror
    for site in sorted(p.name for p in (out / "sites").iterdir()):
        paths = {a["path"] for a in _articles(out) if a["site"] == site}
        home = _html(out, site, "/")
        assert not classify_page(Selector(text=home), BASE + "/").is_article
        assert paths <= set(Selector(text=home).css("article.post-teaser a::attr(href)").getall())
        feed = _html(out, site, "/feed.xml").encode()
        assert {link.url.removeprefix(BASE) for link in feed_links(feed, BASE + "/")} == paths
        found = set()
        for child in sitemap_links(_html(out, site, "/sitemap.xml").encode(), BASE + "/"):
            body = _html(out, site, child.url.removeprefix(BASE)).encode()
            found |= {link.url.removeprefix(BASE) for link in sitemap_links(body, child.url)}
        assert found == paths


def test_the_same_seed_writes_the_same_bytes(mirror, tmp_path):
    out, _ = mirror
    again = tmp_path / "again"
    build_mirror(again, PAGES, seed=7)
    first = _articles(out)[5]
    assert _file(again, first["site"], first["path"]).read_bytes() == \
        _file(out, first["site"], first["path"]).read_bytes()


def test_the_mirror_crawls_completely(mirror, tmp_path):
    out, _ = mirror
    server = SampleServer(tmp_path, corpus=out)
    try:
        db = tmp_path / "mirror.db"
        crawl(server.sources, db)
    finally:
        server.stop()
    conn = sqlite3.connect(db)
    stored = {(row[0].split("/", 3)[-1], row[1]) for row in
              conn.execute("SELECT url, title FROM articles")}
    assert stored == {(a["path"].lstrip("/"), a["title"]) for a in _articles(out)}
    errors = conn.execute("SELECT count(*) FROM pages WHERE status >= 400 OR status IS NULL")
    assert errors.fetchone()[0] == 0
    # The anchor's pass before the crawl reads the very HTML the crawl stores, in its order.
    html = [gzip.decompress(blob).decode("utf-8") for (blob,) in conn.execute(
        "SELECT html_gz FROM pages WHERE kind = 'article' ORDER BY url")]
    assert list(served_article_pages(out, server.bases)) == html
