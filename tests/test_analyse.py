"""One parse per page in a worker (pipeline/analyse.py) says what the spider would say itself."""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
from types import SimpleNamespace

import pytest
import yaml
from conftest import SAMPLES
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse

from pipeline.analyse import ANALYSE_FIELDS, analyse_page
from pipeline.pool import prepare_page
from spiders.discovery import page_links
from spiders.news import NewsSpider
from spiders.page_kind import classify_page

BASE = "http://127.0.0.1:1"


def sample_pages() -> list[tuple[str, bytes]]:
    """Every HTML page of the sample sites, as (URL, raw bytes)."""
    pages = []
    for file in sorted((SAMPLES / "sites").rglob("*.html")):
        site = file.relative_to(SAMPLES / "sites").parts[0]
        path = "/" + "/".join(file.relative_to(SAMPLES / "sites" / site).parts)
        pages.append((BASE + "/" + site + path.removesuffix("index.html"), file.read_bytes()))
    return pages


def page_of(url: str, body: bytes, **extra) -> dict:
    return {"body": body, "encoding": "utf-8", "final_url": url, "source": "s",
            "language": "en", "prune_xpaths": [], "kind": "article", **extra}


def test_verdicts_and_links_are_the_spiders_own():
    pages = sample_pages()
    assert len(pages) > 100
    for url, body in pages:
        done = analyse_page(page_of(url, body), True, False)
        sel = Selector(text=body.decode("utf-8"), base_url=url)
        verdict = classify_page(sel, url)
        assert done["status"] == "ok", url
        assert (done["is_article"], done["reason"]) == (verdict.is_article, verdict.reason), url
        assert done["links"] == [(link.url, link.is_pagination)
                                 for link in page_links(sel, url)], url
        assert "prepared" not in done  # extract=False


def test_an_article_is_extracted_from_the_same_tree_as_prepare_page_would():
    articles = 0
    for url, body in sample_pages():
        done = analyse_page(page_of(url, body), False, True)
        assert done["links"] == []  # links=False: the budget is spent
        if not done["is_article"]:
            assert "prepared" not in done
            continue
        articles += 1
        alone = prepare_page(page_of(url, body))
        prepared = done["prepared"]
        for key in ("article", "reason", "encoding", "body_sha256"):
            assert prepared[key] == alone[key], (url, key)
        assert gzip.decompress(prepared["html_gz"]) == body  # the gzip header holds a time
        assert done["cpu"]["extract"] >= 0 and "analyse" in done["cpu"]
    assert articles > 50


def test_an_unchanged_body_is_not_extracted_again():
    url, body = next((u, b) for u, b in sample_pages()
                     if analyse_page(page_of(u, b), False, False)["is_article"])
    same = hashlib.sha256(body).hexdigest()
    assert "prepared" not in analyse_page(page_of(url, body), False, True, same)
    assert analyse_page(page_of(url, body), False, True, "0" * 64)["prepared"]["article"]


@pytest.mark.parametrize("body", [b"\x00\x01\x02" * 2000, b"   ", b"\x89PNG\r\n" + bytes(300)])
def test_what_the_worker_cannot_read_goes_back_to_the_spider(body):
    done = analyse_page(page_of(BASE + "/x", body), True, True)
    assert done["status"] == "unread"
    assert done["body_sha256"] == hashlib.sha256(body).hexdigest()


class FakePool:
    """The spider calls a pool's functions through their batchers (StagePool.batcher):
    here each call goes straight to the fake's ``run``."""

    def batcher(self, fn):
        return SimpleNamespace(run=functools.partial(self.run, fn))


class FailingPool(FakePool):
    """A pool whose worker raises: a bug there must not cost the page."""

    calls: list[tuple] = []

    async def run(self, fn, *args):
        FailingPool.calls.append(args)
        raise RuntimeError("worker bug")


def test_the_spider_reads_the_page_itself_when_the_worker_fails(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": "site", "language": "en", "start_urls": [f"{BASE}/"]}]}))
    spider = NewsSpider(sources=str(sources))
    spider.crawler = type("Crawler", (), {"dcradar_pool": FailingPool(), "stats": None})()
    url, body = next((u, b) for u, b in sample_pages()
                     if analyse_page(page_of(u, b), False, False)["is_article"])
    request = Request(url, meta={"source": "site", "hops": 0, "role": "page"})
    response = HtmlResponse(url, body=body, encoding="utf-8", request=request)

    async def collect() -> list:
        return [out async for out in spider.parse_page(response)]

    items = [out for out in asyncio.run(collect()) if not isinstance(out, Request)]
    [(page, want_links, extract, stored_hash)] = FailingPool.calls
    assert set(page) == set(ANALYSE_FIELDS) and want_links and extract and stored_hash is None
    [item] = items
    assert item["kind"] == "article" and item["body"] == body and not item.get("prepared")


_FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
         b'<item><title>a</title><link>/2024/05/a/</link>'
         b'<pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate></item></channel></rss>')


class ReadingPool(FakePool):
    """A pool that runs the function here, as a worker would."""

    async def run(self, fn, *args):
        return fn(*args)


class BuggyPool(FakePool):
    async def run(self, fn, *args):
        raise RuntimeError("worker bug")


@pytest.mark.parametrize("pool", [ReadingPool(), BuggyPool(), None])
def test_a_feed_is_read_in_a_worker_or_else_here(tmp_path, pool):
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": "site", "language": "en", "feeds": [f"{BASE}/feed.xml"]}]}))
    spider = NewsSpider(sources=str(sources))
    spider.crawler = type("Crawler", (), {"dcradar_pool": pool, "stats": None})()
    responses = {
        "good": _FEED,
        "bad": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><rss>&a;</rss>',
    }
    out = {}
    for name, body in responses.items():
        request = Request(f"{BASE}/feed.xml", meta={"source": "site", "hops": 0, "role": "feed"})
        response = XmlResponse(f"{BASE}/feed.xml", body=body, request=request)

        async def collect(response=response) -> list:
            return [item async for item in spider.parse_feed(response)]

        out[name] = asyncio.run(collect())
    item, request = out["good"]
    assert item["reason"] == "feed" and request.url == f"{BASE}/2024/05/a/"
    assert request.meta["lastmod"].startswith("2024-05-07")
    [item] = out["bad"]
    assert item["reason"].startswith("bad-feed: entity declarations refused")


@pytest.mark.parametrize(("body", "raw"), [
    ("<html><body><p>Données à Dakar</p></body></html>".encode(), True),
    ("<html><body><p>Données à Dakar</p></body></html>".encode("cp1252"), False),
    (b"\xef\xbb\xbf<html><body><p>BOM</p></body></html>", False),
])
def test_the_page_is_parsed_from_its_bytes_only_when_they_are_its_utf8(monkeypatch, body, raw):
    import pipeline.extract

    given = []
    real = pipeline.extract.parse_html
    monkeypatch.setattr(pipeline.extract, "parse_html",
                        lambda text, utf8=None: given.append(utf8) or real(text, utf8))
    assert analyse_page(page_of(BASE + "/a/", body), False, False)["status"] == "ok"
    assert given == [body if raw else None]
