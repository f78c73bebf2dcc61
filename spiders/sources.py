"""News sources as data: a user adds a site by editing YAML, never code.

The format is the corpus one (``name``, ``language``, ``start_urls``, ``feeds``,
``sitemaps``) plus optional keys of ours, all validated here so that a typo in
the YAML fails loudly before a night's crawl instead of silently skipping a site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

#: Default crawl bound per source and run; calendar-style traps end here at worst.
DEFAULT_MAX_PAGES = 2000
#: How many link hops from an entry page the spider explores for articles.
DEFAULT_MAX_DEPTH = 2
#: How many pages of one pagination chain the spider follows.
DEFAULT_MAX_LISTING_PAGES = 50

_KNOWN_KEYS = {
    "name", "site", "title", "homepage", "language", "kind", "start_urls", "feeds", "sitemaps",
    "allowed_domains", "article_url_pattern", "prune_xpaths", "max_pages", "max_depth",
    "max_listing_pages", "evidence", "notes",
}


class SourcesError(ValueError):
    """The sources file is unreadable or an entry is invalid."""


@dataclass(frozen=True)
class Source:
    """One news site and how to crawl it."""

    name: str
    language: str | None = None
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    title: str | None = None
    homepage: str | None = None
    kind: str | None = None
    allowed_domains: tuple[str, ...] = ()
    article_url_pattern: str | None = None
    prune_xpaths: tuple[str, ...] = ()
    max_pages: int = DEFAULT_MAX_PAGES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_listing_pages: int = DEFAULT_MAX_LISTING_PAGES
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def entry_points(self) -> list[tuple[str, str]]:
        """Every URL a crawl starts from, with its kind (feed, sitemap, listing)."""
        return ([("feed", u) for u in self.feeds] + [("sitemap", u) for u in self.sitemaps]
                + [("listing", u) for u in self.start_urls])

    @property
    def hosts(self) -> frozenset[str]:
        """Host names the crawl may visit: the entry points' own plus ``allowed_domains``."""
        hosts = {urlsplit(u).hostname or "" for _, u in self.entry_points}
        if self.homepage:
            hosts.add(urlsplit(self.homepage).hostname or "")
        hosts.update(d.lower() for d in self.allowed_domains)
        hosts.discard("")
        return frozenset(hosts)

    def allows(self, url: str) -> bool:
        """True when ``url`` is an http(s) URL on this source's own site.

        A host matches an allowed domain exactly or as a sub-domain, and the port
        must match too: two loopback sites differ only by port.
        """
        site = site_of(url)
        if site is None:
            return False
        host, port = site
        if site in self._entry_hosts:
            return True
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains) \
            and port is None

    @cached_property
    def _entry_hosts(self) -> frozenset[tuple[str | None, int | None]]:
        """(host, port) of every entry point: ``allows`` runs once per link found."""
        return frozenset((urlsplit(u).hostname, urlsplit(u).port) for _, u in self.entry_points)

    def is_article_url(self, url: str) -> bool | None:
        """Whether the URL path matches ``article_url_pattern``; None without a pattern."""
        if not self.article_url_pattern:
            return None
        return re.search(self.article_url_pattern, urlsplit(url).path) is not None


@lru_cache(maxsize=1 << 16)  # ``allows`` runs once per link, and menus repeat on every page
def site_of(url: str) -> tuple[str, int | None] | None:
    """(lower-case host, port) of an http(s) URL; None for any other URL, or a port that is
    no number (``http://host:xyz/``), which ``urlsplit`` only reports when asked for it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower(), port


def _as_tuple(value: Any, key: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourcesError(f"source {name!r}: {key} must be a list of strings")
    return tuple(value)


def parse_source(entry: dict[str, Any]) -> Source:
    """Validate one YAML entry and build a :class:`Source`."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        raise SourcesError(f"every source needs a non-empty 'name': {entry!r:.80}")
    name = entry["name"]
    lists = {k: _as_tuple(entry.get(k), k, name)
             for k in ("start_urls", "feeds", "sitemaps", "allowed_domains", "prune_xpaths")}
    if not (lists["start_urls"] or lists["feeds"] or lists["sitemaps"]):
        raise SourcesError(f"source {name!r} has no start_urls, feeds or sitemaps")
    for key in ("start_urls", "feeds", "sitemaps"):
        for url in lists[key]:
            if urlsplit(url).scheme not in ("http", "https"):
                raise SourcesError(f"source {name!r}: {key} URL is not http(s): {url!r}")
    pattern = entry.get("article_url_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourcesError(f"source {name!r}: bad article_url_pattern: {exc}") from exc
    limits = {}
    for key, default in (("max_pages", DEFAULT_MAX_PAGES), ("max_depth", DEFAULT_MAX_DEPTH),
                         ("max_listing_pages", DEFAULT_MAX_LISTING_PAGES)):
        value = entry.get(key, default)
        if not isinstance(value, int) or value < 0:
            raise SourcesError(f"source {name!r}: {key} must be a non-negative integer")
        limits[key] = value
    extra = {k: v for k, v in entry.items() if k not in _KNOWN_KEYS}
    return Source(name=name, language=entry.get("language"), title=entry.get("title"),
                  homepage=entry.get("homepage"), kind=entry.get("kind"),
                  article_url_pattern=pattern, extra=extra, **lists, **limits)


#: PyYAML's safe loader in C (libyaml) where its wheel has it: the shipped list of real
#: sources loads in 6 ms instead of 60, and every crawl reads it twice before its first
#: request (the CLI checks the file, then the spider loads it). The same documents.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Read a sources YAML file (default: the shipped list of real sources)."""
    try:
        text = Path(path).read_text(encoding="utf-8") if path else default_sources_text()
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc}") from exc
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: expected a top-level 'sources:' list")
    sources = [parse_source(e) for e in entries]
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SourcesError(f"duplicate source names: {', '.join(dupes)}")
    return sources


def default_sources_text() -> str:
    """The shipped ``sources.yaml`` of real African data-centre news sources."""
    return resources.files("spiders").joinpath("sources.yaml").read_text(encoding="utf-8")
