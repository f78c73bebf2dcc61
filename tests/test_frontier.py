"""Crawl bounds do not depend on the order pages are parsed in (spiders/frontier.py)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest
import yaml
from scrapy import Request
from scrapy.http import HtmlResponse

from spiders.frontier import (
    IMPROVED,
    KNOWN,
    NEW,
    OVER_BUDGET,
    MemoryFrontier,
    decode_links,
    distance,
    encode_links,
)
from spiders.items import PageItem
from spiders.news import NewsSpider

BASE = "http://site.test"
# Two entry listings. /hub/ links to an article /a/ (1 hop), which links to the section
# /m/ (2 hops, the bound: its links are not followed from there); the home page links to
# /m/ directly (1 hop), and from there /n/ is within the bound. Parsed /hub/ → /a/ → /m/
# before the home page, a crawl that keeps the first distance it saw never reaches /n/.
GRAPH = {"/": ["/m/"], "/hub/": ["/a/"], "/a/": ["/m/", "/a/"], "/m/": ["/n/", "/"],
         "/n/": ["/o/"], "/o/": []}
WITHIN_BOUNDS = {"/", "/hub/", "/a/", "/m/", "/n/"}


def make_spider(tmp_path, **limits) -> NewsSpider:
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": "site", "language": "en", "start_urls": [f"{BASE}/", f"{BASE}/hub/"],
         **limits}]}))
    return NewsSpider(sources=str(sources))


def page(request: Request, graph: dict[str, list[str]]) -> HtmlResponse:
    path = request.url.removeprefix(BASE)
    anchors = "".join(f'<a href="{href}">link {i}</a> ' for i, href in enumerate(graph[path]))
    body = f"<html><head><title>{path}</title></head><body><p>{anchors}</p></body></html>"
    return HtmlResponse(request.url, body=body.encode(), encoding="utf-8", request=request)


async def _start(spider: NewsSpider) -> list[Request]:
    return [r async for r in spider.start()]


def start_requests(spider: NewsSpider) -> list[Request]:
    return asyncio.run(_start(spider))


def outputs(result) -> list:
    """What a callback yields, sync or async (``parse_page`` awaits a worker when it has one)."""
    if hasattr(result, "__aiter__"):
        async def collect() -> list:
            return [out async for out in result]

        return asyncio.run(collect())
    return list(result)


def followed(request: Request) -> list[Request]:
    """The requests the callback of ``request`` yields for its page of ``GRAPH``."""
    return [r for r in outputs(request.callback(page(request, GRAPH))) if isinstance(r, Request)]


def crawl(spider: NewsSpider, pick: Callable[[list[Request]], Request],
          graph: dict[str, list[str]] = GRAPH, pending: list[Request] | None = None) -> set[str]:
    """Parse pages in the order ``pick`` chooses; returns the paths requested."""
    pending = start_requests(spider) if pending is None else pending
    requested = {r.url.removeprefix(BASE) for r in pending}
    while pending:
        request = pick(pending)
        pending.remove(request)
        for out in outputs(request.callback(page(request, graph))):
            if isinstance(out, Request):
                assert out.url.removeprefix(BASE) not in requested, "requested twice"
                requested.add(out.url.removeprefix(BASE))
                pending.append(out)
            else:
                assert isinstance(out, PageItem)
    return requested


def deepest_first(pending: list[Request]) -> Request:
    return max(pending, key=lambda r: (r.meta["hops"], r.url))


@pytest.mark.parametrize("order", ["fifo", "lifo", "deepest-first", *range(20)])
def test_the_pages_crawled_do_not_depend_on_the_parse_order(tmp_path, order):
    if order == "fifo":
        pick = lambda pending: pending[0]  # noqa: E731
    elif order == "lifo":
        pick = lambda pending: pending[-1]  # noqa: E731
    elif order == "deepest-first":
        pick = deepest_first
    else:
        rng = random.Random(order)
        pick = rng.choice
    assert crawl(make_spider(tmp_path), pick) == WITHIN_BOUNDS


def test_a_page_reached_by_a_shorter_path_after_it_was_parsed_is_followed_again(tmp_path):
    spider = make_spider(tmp_path)
    home, hub = start_requests(spider)
    [article] = followed(hub)
    [section] = followed(article)
    assert section.meta["hops"] == 2
    # /m/ is parsed at 2 hops: at the bound, so /n/ is not requested ...
    assert followed(section) == []
    # ... until the home page shows /m/ at 1 hop: /n/ is requested, /m/ not again.
    again = followed(home)
    assert [(r.url, r.meta["hops"]) for r in again] == [(f"{BASE}/n/", 2)]


def test_a_page_improved_before_it_is_parsed_uses_the_shorter_distance(tmp_path):
    spider = make_spider(tmp_path)
    home, hub = start_requests(spider)
    [article] = followed(hub)
    [section] = followed(article)
    assert followed(home) == []
    out = outputs(section.callback(page(section, GRAPH)))
    [item] = [o for o in out if isinstance(o, PageItem)]
    assert item["hops"] == 1
    assert [r.url for r in out if isinstance(r, Request)] == [f"{BASE}/n/"]


def test_the_page_budget_counts_distinct_urls(tmp_path):
    graph = {"/": ["/a/"] * 5 + ["/b/"], "/hub/": ["/a/", "/c/"], "/a/": [], "/b/": [],
             "/c/": []}
    spider = make_spider(tmp_path, max_pages=4)
    requested = crawl(spider, lambda pending: pending[0], graph)
    assert requested == {"/", "/hub/", "/a/", "/b/"}  # four distinct pages, /c/ over budget


def test_memory_frontier_verdicts():
    frontier = MemoryFrontier()
    assert frontier.offer("s", "u", distance(2), 10) == (NEW, None)
    assert frontier.offer("s", "u", distance(2), 10) == (KNOWN, None)
    assert frontier.offer("s", "u", distance(1, 3), 10) == (IMPROVED, None)
    links = [("v", False), ("w", True)]
    assert frontier.parsed(["u", "u2"], distance(2), links) == distance(1, 3)
    assert frontier.offer("s", "u2", distance(1), 10) == (IMPROVED, links)
    assert frontier.offer("s", "x", distance(0), 1) == (OVER_BUDGET, None)
    assert decode_links(encode_links(links)) == links and decode_links(None) == []


def test_links_round_trip_beyond_the_compression_window():
    # more text than encode_links' 4 KB window, and non-ASCII URLs
    links = [(f"https://example.org/actualités/{n}-{'x' * (n % 90)}/", n % 5 == 0)
             for n in range(600)]
    blob = encode_links(links)
    assert decode_links(blob) == links
    assert len(blob) < len("".join(url for url, _ in links)) / 4
