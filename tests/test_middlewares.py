from email.utils import formatdate
from time import time

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from spiders.middlewares import BackoffRetryMiddleware, retry_after_seconds


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
