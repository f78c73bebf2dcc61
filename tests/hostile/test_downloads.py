"""Hostile transfers: decompression bombs, servers that stall or trickle, 0-byte answers.

(A plain 0-byte HTML page is in ``tests/test_bad_input.py``; here the feed, the
sitemap and the gzip-encoded variants, which take other code paths.)
"""

from __future__ import annotations

import gzip
import time
from collections import Counter

import pytest
from loopback import article_html, html
from scrapy import exceptions as scrapy_errors
from twisted.python.failure import Failure

from hostile.support import PARAS, crawl_case, record, source
from spiders.failures import failure_reason

#: Seconds per attempt in the stall tests (DOWNLOAD_TIMEOUT), and attempts (1 retry).
TIMEOUT_S = 3
ATTEMPTS = 2


def gzip_bomb(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros as a ~1 KB-per-MB gzip (concatenated members, built in ms)."""
    return gzip.compress(b"\0" * (1 << 20), 9) * megabytes


def index(*paths: str) -> str:
    return "<html><body>" + "".join(f'<a href="{p}">{p}</a> ' for p in paths) + "</body></html>"


def test_decompression_bombs_stop_at_the_size_limit(site, tmp_path):
    b = site.base
    bomb = gzip_bomb(1024)  # 1 MB on the wire, 1 GB inflated
    sitemap_bomb = gzip.compress(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                 + b" " * (1 << 20), 9) * 1024
    site.routes.update({
        "/": html(index("/bomb/", "/good/")),
        # Content-Encoding: Scrapy inflates it, and must stop at DOWNLOAD_MAXSIZE.
        "/bomb/": lambda: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb),
        "/sitemap.xml": lambda: (200, {"Content-Type": "application/xml",
                                       "Content-Encoding": "gzip"}, bomb),
        # A .xml.gz body (no Content-Encoding): our own reader inflates it, up to 50 MB.
        "/sitemap.xml.gz": lambda: (200, {"Content-Type": "application/gzip"}, sitemap_bomb),
        "/good/": html(article_html("The crawl goes on past the bombs", PARAS)),
    })
    result = crawl_case(tmp_path, [source("bombs", b, sitemaps=[f"{b}/sitemap.xml",
                                                                 f"{b}/sitemap.xml.gz"])])

    for path in ("/bomb/", "/sitemap.xml"):
        assert result.page(b + path)["reason"] == "too-large: inflates past DOWNLOAD_MAXSIZE"
    assert result.page(f"{b}/sitemap.xml.gz")["reason"] == \
        "bad-sitemap: gzip body inflates past 52428800 bytes"
    assert result.page(f"{b}/good/")["kind"] == "article"
    # 1 GB inflated would be 1024 MB: the crawl process stays near its ~110 MB baseline.
    assert result.measured.main_mb < 300, result.measured
    record("gzip bomb (1 MB -> 1 GB): page, sitemap, .xml.gz", result.measured.seconds,
           result.measured, "too-large: inflates past DOWNLOAD_MAXSIZE / bad-sitemap")


def test_servers_that_stall_or_trickle_are_cut_off(site, stop, tmp_path):
    b = site.base
    attempts: Counter[str] = Counter()

    def silent():  # accepts the connection, never answers
        attempts["/silent/"] += 1
        stop.wait(120)
        return 200, {}, b""

    def stalling():  # headers and 1 KB of a promised 100 KB, then nothing
        attempts["/stall/"] += 1

        def body():
            yield b"<html><body>" + b"x" * 1000
            stop.wait(120)
        return 200, {"Content-Type": "text/html", "Content-Length": "100000"}, body()

    def trickling():  # slowloris: a few bytes every 0.2 s, for ever
        attempts["/trickle/"] += 1

        def body():
            yield b"<html><body>"
            while not stop.is_set():
                yield b"<p>x</p>"
                time.sleep(0.2)
        return 200, {"Content-Type": "text/html", "Content-Length": "10000000"}, body()

    def short():  # promises 5,000 bytes, sends 100, hangs up
        return 200, {"Content-Type": "text/html", "Content-Length": "5000",
                     "Connection": "close"}, iter([b"<html><body>" + b"y" * 88])

    site.routes.update({
        "/": html(index("/silent/", "/stall/", "/trickle/", "/short/", "/good/")),
        "/silent/": silent, "/stall/": stalling, "/trickle/": trickling, "/short/": short,
        "/good/": html(article_html("The crawl goes on past the stalls", PARAS)),
    })
    result = crawl_case(tmp_path, [source("slow", b)], f"DOWNLOAD_TIMEOUT={TIMEOUT_S}",
                        f"RETRY_TIMES={ATTEMPTS - 1}")

    for path in ("/silent/", "/stall/", "/trickle/"):
        assert result.page(b + path)["reason"] == "timeout", path
        assert attempts[path] == ATTEMPTS, (path, attempts)
    assert result.page(f"{b}/short/")["reason"] == "incomplete-body"
    assert result.page(f"{b}/good/")["kind"] == "article"
    # Each URL costs at most ATTEMPTS x DOWNLOAD_TIMEOUT; they run side by side.
    assert result.measured.seconds < 60, result.measured
    record(f"stall / trickle / silent (DOWNLOAD_TIMEOUT={TIMEOUT_S}, {ATTEMPTS} attempts)",
           result.measured.seconds, result.measured,
           "timeout (and incomplete-body for a short body)")


def test_zero_byte_feeds_sitemaps_and_encoded_bodies(site, tmp_path):
    b = site.base
    body = gzip.compress(article_html("Cut in half", PARAS).encode())
    site.routes.update({
        "/": html(index("/gz-empty/", "/gz-cut/", "/good/")),
        "/feed.xml": lambda: (200, {"Content-Type": "application/rss+xml"}, b""),
        "/sitemap.xml": lambda: (200, {"Content-Type": "application/xml"}, b""),
        "/gz-empty/": lambda: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                               b""),
        "/gz-cut/": lambda: (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                             body[:len(body) // 2]),
        "/good/": html(article_html("The crawl goes on past empty answers", PARAS)),
    })
    result = crawl_case(tmp_path, [source("empty", b, feeds=[f"{b}/feed.xml"],
                                          sitemaps=[f"{b}/sitemap.xml"])])

    assert result.page(f"{b}/feed.xml")["reason"] == "empty-body"
    assert result.page(f"{b}/sitemap.xml")["reason"] == "empty-body"
    assert result.page(f"{b}/gz-empty/")["reason"] == "empty-body"
    cut = result.page(f"{b}/gz-cut/")
    assert cut["kind"] != "article" and cut["reason"], cut
    assert result.page(f"{b}/good/")["kind"] == "article"
    record("0-byte 200: feed, sitemap, gzip-encoded page (+ a cut gzip)",
           result.measured.seconds, result.measured,
           f"empty-body; cut gzip: {cut['reason']}")


@pytest.mark.parametrize("error, reason", [
    (scrapy_errors.DownloadTimeoutError("Getting x took longer than 30 s."), "timeout"),
    (scrapy_errors.CannotResolveHostError("no such host"), "dns-error"),
    (scrapy_errors.DownloadConnectionRefusedError("refused"), "connection-refused"),
    (scrapy_errors.ResponseDataLossError("lost"), "incomplete-body"),
    (scrapy_errors.DownloadCancelledError("expected response size (9) larger than download "
                                          "max size (1)"), "too-large"),
    (scrapy_errors.IgnoreRequest("Ignored response <200 x> because its body (1 B compressed, "
                                 "9 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (1 B)"),
     "too-large: inflates past DOWNLOAD_MAXSIZE"),
    (scrapy_errors.IgnoreRequest("Forbidden by robots.txt"), "robots-disallowed"),
    (scrapy_errors.IgnoreRequest("max redirections reached"), "too-many-redirects"),
])
def test_scrapy_2_19_download_errors_map_to_their_reasons(error, reason):
    """Scrapy 2.19 wraps Twisted's errors in its own: a timeout was recorded as
    ``DownloadTimeoutError: ...`` until ``spiders.failures`` knew both."""
    assert failure_reason(Failure(error)) == reason
