import asyncio
from email.utils import formatdate
from time import time

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from spiders.middlewares import (
    BackoffRetryMiddleware,
    RobotsTxtMiddleware,
    SiteSlotMiddleware,
    retry_after_seconds,
)


def test_retry_after_forms():
    assert retry_after_seconds(b"7") == 7.0
    assert 50 < retry_after_seconds(formatdate(time() + 60, usegmt=True)) <= 60
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_grows_and_is_capped():
    settings = Settings({"RETRY_ENABLED": True, "RETRY_TIMES": 5, "RETRY_HTTP_CODES": [503],
                         "RETRY_BACKOFF_BASE": 1.0, "RETRY_BACKOFF_MAX": 5.0,
                         "RETRY_EXCEPTIONS": []})
    mw = BackoffRetryMiddleware(settings)
    plain = Response("http://x/", status=503)
    waits = [mw.backoff(Request("http://x/", meta={"retry_times": n}), plain) for n in range(5)]
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0]
    asked = Response("http://x/", status=429, headers={"Retry-After": "3"})
    assert mw.backoff(Request("http://x/"), asked) == 3.0


def test_requests_waiting_for_robots_txt_all_obey_it():
    """Several requests to a host arrive while its robots.txt is still being fetched.

    Scrapy's own middleware hands the parser to the first two and ``None`` ("allow
    everything") to the rest; a scale-out worker that pops a batch of deep links of a
    host it has not seen yet fetched disallowed pages that way.
    """
    async def run() -> list[str]:
        crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
        arrived = asyncio.Event()

        class Engine:
            async def download_async(self, request):
                await arrived.wait()
                return TextResponse(request.url, body=b"User-agent: *\nDisallow: /login/\n",
                                    request=request)

        crawler.engine = Engine()
        mw = RobotsTxtMiddleware.from_crawler(crawler)

        async def verdict(path: str) -> str:
            try:
                await mw.process_request(Request(f"http://site.test{path}"))
            except IgnoreRequest:
                return "forbidden"
            return "allowed"

        waiting = [asyncio.ensure_future(verdict(p))
                   for p in ("/login/", "/login/a", "/login/b", "/login/c", "/news/")]
        await asyncio.sleep(0.01)
        arrived.set()
        return await asyncio.gather(*waiting)

    assert asyncio.run(run()) == ["forbidden"] * 4 + ["allowed"]


def test_each_site_on_one_ip_gets_its_own_download_slot():
    mw = SiteSlotMiddleware()
    robots = [Request(f"http://127.0.0.1:{port}/robots.txt") for port in (8001, 8002)]
    named = Request("http://127.0.0.1:8001/a/", meta={"download_slot": "chosen"})
    for request in (*robots, named):
        assert mw.process_request(request) is None
    assert [r.meta["download_slot"] for r in robots] == ["127.0.0.1:8001", "127.0.0.1:8002"]
    assert named.meta["download_slot"] == "chosen"
