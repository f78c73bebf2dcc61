"""Downloader middlewares: polite retries."""

from __future__ import annotations

import asyncio
import email.utils
import time

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.response import response_status_message

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
