"""Why a request ended without a usable response: the reason stored in ``pages.reason``.

A hostile or broken server must end as a short, countable reason (``timeout``,
``too-large``, ``incomplete-body`` ...), never as a crash and never as a page
that silently goes missing; the nightly rules and an analyst both read these.
(Redirects not followed are recorded by :mod:`spiders.redirects`.)
"""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

#: Longest reason stored (``pages.reason`` is for reading, not for stack traces).
MAX_REASON = 200


def _errors(*names: str, twisted: tuple[type, ...] = ()) -> tuple[type, ...]:
    """Scrapy's download errors by name (2.19 wraps Twisted's in them; older Scrapy
    raises Twisted's own), plus the Twisted types themselves."""
    found = tuple(getattr(scrapy_errors, n) for n in names if hasattr(scrapy_errors, n))
    return found + twisted


_TIMEOUT = _errors("DownloadTimeoutError", twisted=(tx.TimeoutError, tx.TCPTimedOutError))
_DNS = _errors("CannotResolveHostError", twisted=(tx.DNSLookupError,))
_REFUSED = _errors("DownloadConnectionRefusedError", twisted=(tx.ConnectionRefusedError,))
_DATA_LOSS = _errors("ResponseDataLossError")
_LOST = _errors("DownloadFailedError", "DownloadCancelledError",
                twisted=(ResponseFailed, tx.ConnectionLost, tx.ConnectionDone))


def failure_reason(failure: Failure) -> str:
    """The recorded reason for a request that got no usable response."""
    text = str(failure.value) or failure.type.__name__
    lowered = text.lower()
    if failure.check(IgnoreRequest):
        if "robots" in lowered:
            return "robots-disallowed"
        if "max redirections" in lowered:  # (spiders/redirects.py records these itself)
            return "too-many-redirects"
        if "download_maxsize" in lowered:  # HttpCompressionMiddleware: a gzip/br/zstd bomb
            return "too-large: inflates past DOWNLOAD_MAXSIZE"
        return f"ignored: {text}"[:MAX_REASON]
    if failure.check(*_TIMEOUT):
        return "timeout"  # DOWNLOAD_TIMEOUT covers the whole body: a trickle ends here too
    if failure.check(*_DNS):
        return "dns-error"
    if failure.check(*_REFUSED):
        return "connection-refused"
    if "max size" in lowered or "maxsize" in lowered:  # Content-Length or bytes received
        return "too-large"
    if failure.check(*_DATA_LOSS) or "dataloss" in lowered.replace("_", ""):
        return "incomplete-body"  # the server closed before the promised Content-Length
    if failure.check(*_LOST):
        return "connection-lost"
    return f"{failure.type.__name__}: {text}"[:MAX_REASON]
