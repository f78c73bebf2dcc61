"""Downloader middlewares: polite retries, robots.txt obeyed by every request."""

from __future__ import annotations

import asyncio
import email.utils
import time

import scrapy.downloadermiddlewares.robotstxt
from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

#: Never wait longer than this for one retry, whatever Retry-After says.
MAX_BACKOFF_S = 60.0


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry of 5xx/429, with a wait before each new attempt.

    Scrapy retries at once; a server that answers 503 or 429 is asking us to
    slow down, so we honour Retry-After or back off exponentially
    (``RETRY_BACKOFF_BASE`` × 2^attempt, capped). Only this request waits; the
    rest of the crawl goes on.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", MAX_BACKOFF_S)

    def backoff(self, request: Request, response: Response) -> float:
        """Seconds to wait before retrying ``request``."""
        attempt = request.meta.get("retry_times", 0)
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        wait = asked if asked is not None else self.backoff_base * (2 ** attempt)
        return min(wait, self.backoff_max)

    async def process_response(self, request: Request, response: Response,
                               spider=None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(self.backoff(request, response))
        return retry


class SiteSlotMiddleware:
    """One download slot per site (scheme-less ``host:port``), for every request.

    Scrapy keys slots by host name, so two sites on one IP with different
    ports would share one slot's delay and concurrency. The spider names the
    slot of each request it makes; this names it for the requests it does not
    make, robots.txt first: those of all such sites queued in one slot behind
    each other's delay, and a site's feed waited for the others' robots.txt
    (the sixth of six loopback sites 0.1 s, at the start of every crawl; now
    all six are fetched within 12 ms).
    """

    def process_request(self, request: Request, spider=None) -> None:
        if "download_slot" not in request.meta:
            request.meta["download_slot"] = urlparse_cached(request).netloc


class RobotsTxtMiddleware(scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, without letting waiting requests through.

    While a host's robots.txt is being fetched, Scrapy (2.13-2.19) keeps a
    Deferred for it, and every request to that host awaits that one Deferred
    through ``Deferred.asFuture``. ``asFuture`` consumes the result: the first
    waiter gets the parser, every other concurrent waiter gets ``None``, which
    the middleware reads as "no robots.txt, everything allowed". So when
    several requests to a host are in flight before its robots.txt arrives
    (a scale-out worker joining a crawl pops a batch of deep links at once),
    disallowed pages were fetched. Here each waiter gets a Deferred of its own
    and then reads the parser the download left behind.
    """

    async def robot_parser(self, request: Request):
        netloc = urlparse_cached(request).netloc
        pending = self._parsers.get(netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred = Deferred()

        def relay(result):
            if not mine.called:
                mine.callback(None)
            return result  # keep the shared result for the next waiter

        pending.addBoth(relay)
        await maybe_deferred_to_future(mine)
        return self._parsers.get(netloc)
