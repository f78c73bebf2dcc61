"""Redirects that stay on the source's own site, never loop, and always leave a record.

Scrapy's redirect middlewares follow a ``Location`` (or a ``<meta http-equiv=
refresh>``) to any http(s) host, and a redirect to a URL already requested is
dropped by the duplicate filter without a trace, so the URL that started the
chain never gets its ``pages`` row. Here, for requests of a source, a redirect
is followed only to a URL that the source allows and that the crawl frontier
has not seen yet (claimed for it, so it is fetched once, whoever asks first);
otherwise the 3xx response itself is recorded, with its status and why it was
not followed:

* ``redirect-off-site: HOST`` (another host or port than the source's);
* ``redirect-to-scheme: SCHEME`` (``file:``, ``javascript:``, ``data:`` ...);
* ``redirect-loop`` (back into its own chain);
* ``too-many-redirects`` (``REDIRECT_MAX_TIMES`` hops);
* ``redirect-to-crawled: URL`` (the target is fetched on its own, so it is
  not fetched twice) and ``redirect-over-budget`` (the page budget is spent).

A ``<meta http-equiv="refresh">`` that is not followed leaves its page with
the same reasons.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from spiders.urls import normalize_url

#: Request meta: why a redirect was not followed (read by ``spiders.news``).
REDIRECT_REFUSED = "dcradar_redirect_refused"
#: Scrapy looks for a meta refresh in a page's first 4,096 characters: at most this many
#: bytes in any encoding.
_REFRESH_HEAD_BYTES = 4 * 4096


def redirect_refusal(spider: Any, request: Request, target: str) -> str | None:
    """Why the redirect of ``request`` to ``target`` is not followed, or None to follow it."""
    source = getattr(spider, "sources", {}).get(request.meta.get("source"))
    if source is None:
        return None  # robots.txt and other engine requests keep Scrapy's behaviour
    url = normalize_url(target)
    chain = {normalize_url(u) for u in (*request.meta.get("redirect_urls", []), request.url)}
    if url in chain:
        return "redirect-loop"
    if not source.allows(url):
        return f"redirect-off-site: {urlsplit(url).netloc or url[:60]}"
    claim = getattr(spider, "claim_redirect", None)
    return claim(source, url, request.meta) if claim is not None else None


def _scheme_refusal(request: Request, response: Response) -> str | None:
    """``redirect-to-scheme: SCHEME`` for a Location that is not http(s), else None."""
    location = response.headers.get("Location")
    if not location:
        return None
    target = urljoin(request.url, location.decode("latin-1").strip())
    scheme = urlsplit(target).scheme.lower()
    return None if scheme in ("http", "https") else f"redirect-to-scheme: {scheme or '?'}"


class _SitePolicy:
    """Checks every redirect request a Scrapy redirect middleware builds."""

    crawler: Any

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Request | Response:
        if "source" not in request.meta:
            return super().process_response(request, response)  # type: ignore[misc]
        if 300 <= response.status < 400:
            refusal = _scheme_refusal(request, response)
            if refusal:  # before Scrapy, which fails on some schemes (javascript:)
                return _refuse(request, response, refusal)
        try:
            result = super().process_response(request, response)  # type: ignore[misc]
        except IgnoreRequest:  # Scrapy's "max redirections reached"
            return _refuse(request, response, "too-many-redirects")
        if isinstance(result, Request):
            refusal = redirect_refusal(self.crawler.spider, request, result.url)
            if refusal:
                return _refuse(request, response, refusal)
            # Claimed in the frontier: fetch it, whatever the duplicate filter remembers.
            result.dont_filter = True
        return result


def _refuse(request: Request, response: Response, reason: str) -> Response:
    request.meta[REDIRECT_REFUSED] = reason
    return response


class SiteRedirectMiddleware(_SitePolicy, RedirectMiddleware):
    """Scrapy's 3xx redirects, kept on the source's site (see the module docstring)."""


class SiteMetaRefreshMiddleware(_SitePolicy, MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv="refresh">`` redirects, kept on the source's site."""

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Request | Response:
        if cannot_refresh(response):
            return response
        return super().process_response(request, response, spider)


def cannot_refresh(response: Response) -> bool:
    """True when the page's head has no "refresh" at all, so holds no meta refresh.

    Scrapy's check decodes the whole body (``response.text``, kept on the
    response) to read its first 4,096 characters: a copy of every page, for a
    tag almost no page has. In any ASCII-compatible encoding the word is its
    ASCII bytes; a body that may be UTF-16 or UTF-32 (a BOM, NUL bytes) gets
    Scrapy's check.
    """
    head = response.body[:_REFRESH_HEAD_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return False
    # bytes.lower() folds ASCII letters only: a case-insensitive search, 7x faster than re's
    return b"refresh" not in head.lower()
