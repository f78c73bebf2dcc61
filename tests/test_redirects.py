"""Meta refresh: the cheap test that spares decoding every page (spiders.redirects)."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from spiders.redirects import SiteMetaRefreshMiddleware, cannot_refresh

REFRESH = b'<html><head><meta http-equiv="Refresh" content="0; url=/next/"></head><body></body>'
PLAIN = b"<html><head><title>t</title></head><body>" + b"<p>text</p>" * 5000 + b"</body></html>"


class UndecodedResponse(HtmlResponse):
    """A page whose text must not be needed: reading it fails the test."""

    @property
    def text(self) -> str:
        raise AssertionError("the body was decoded")


def middleware() -> SiteMetaRefreshMiddleware:
    return SiteMetaRefreshMiddleware.from_crawler(get_crawler(settings_dict={}))


def test_a_page_without_refresh_is_passed_on_undecoded() -> None:
    request = Request("http://site.test/a/")
    response = UndecodedResponse(request.url, body=PLAIN, request=request,
                                 headers={"Content-Type": "text/html; charset=utf-8"})
    assert cannot_refresh(response)
    assert middleware().process_response(request, response) is response


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_a_meta_refresh_is_still_followed(encoding: str) -> None:
    body = REFRESH.decode().encode(encoding)
    request = Request("http://site.test/a/")
    response = HtmlResponse(request.url, body=body, request=request,
                            headers={"Content-Type": f"text/html; charset={encoding}"})
    assert not cannot_refresh(response)
    result = middleware().process_response(request, response)
    assert isinstance(result, Request) and result.url == "http://site.test/next/"


def test_a_utf16_page_is_left_to_scrapys_check() -> None:
    """UTF-16 spells "refresh" with NUL bytes: the byte test cannot rule it out."""
    request = Request("http://site.test/a/")
    response = HtmlResponse(request.url, body=PLAIN.decode().encode("utf-16"), request=request)
    assert not cannot_refresh(response)
    assert middleware().process_response(request, response) is response
