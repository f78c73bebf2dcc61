"""Fetch every entry point of every source and say which ones work.

A user on the internet runs ``dcradar check-sources`` after editing the YAML
(or when a night's crawl of a source comes back empty) and sees at once which
feed, sitemap or listing URL answers, what it is, and how many links it holds.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from parsel import Selector
from protego import Protego

from spiders.discovery import feed_links, page_links, sitemap_links
from spiders.settings import USER_AGENT
from spiders.sources import Source

#: Read at most this much of an entry point; enough to count links, bounded for safety.
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class EntryCheck:
    """The result of fetching one entry point."""

    source: str
    role: str
    url: str
    status: int | None
    content_type: str | None
    links: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200 and self.links > 0


def _count_links(role: str, body: bytes, url: str, source: Source) -> int:
    if role == "feed":
        return sum(1 for _ in feed_links(body, url))
    if role == "sitemap":
        return sum(1 for _ in sitemap_links(body, url))
    sel = Selector(text=body.decode("utf-8", errors="replace"))
    return sum(1 for link in page_links(sel, url) if source.allows(link.url))


@lru_cache(maxsize=256)
def _robots(origin: str, timeout: float) -> Protego | None:
    """The site's robots.txt rules; None when it has none or cannot be read (all allowed)."""
    request = urllib.request.Request(origin + "/robots.txt", headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Protego.parse(response.read(512 * 1024).decode("utf-8", "replace"))
    except Exception:
        return None


def check_entry(source: Source, role: str, url: str, timeout: float = 20.0) -> EntryCheck:
    """Fetch one entry point (when robots.txt allows) and count the links it offers."""
    parts = urlsplit(url)
    rules = _robots(f"{parts.scheme}://{parts.netloc}", timeout)
    if rules is not None and not rules.can_fetch(url, USER_AGENT):
        return EntryCheck(source.name, role, url, None, None, 0, "disallowed by robots.txt")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept-Encoding": "identity"})
    status = ctype = None
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            ctype = response.headers.get("Content-Type")
            body = response.read(MAX_BYTES)
        links = _count_links(role, body, url, source)
        error = None if links else "no links found"
    except urllib.error.HTTPError as exc:
        status, links, error = exc.code, 0, f"HTTP {exc.code}"
    except Exception as exc:  # DNS, TLS, timeout, malformed XML: all are a report line
        links, error = 0, f"{type(exc).__name__}: {exc}"[:160]
    return EntryCheck(source.name, role, url, status, ctype, links, error)


def check_sources(sources: list[Source], workers: int = 8,
                  timeout: float = 20.0) -> list[EntryCheck]:
    """Check every entry point of ``sources`` concurrently, in a stable order."""
    jobs = [(s, role, url) for s in sources for role, url in s.entry_points]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: check_entry(*job, timeout=timeout), jobs))
