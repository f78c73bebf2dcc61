"""The crawl frontier's own state: how far each URL is from an entry point, page budgets.

Bounds on link hops and pagination length are what keep a crawl finite, so
they must not depend on the order in which pages happen to be parsed. With
concurrent downloads (and, in a scale-out crawl, several workers sharing one
queue) a page is often reached first through a longer path: an article found
in a sitemap (1 hop) links to a section page at 2 hops, which is the bound, so
its links are dropped; a moment later the entry listing (0 hops) links to the
same section at 1 hop. A dupefilter alone drops that second, shorter discovery,
and which pages get crawled then depends on timing.

A frontier keeps, per URL, the shortest distance seen so far and, for every
parsed page, the links it had. When a URL is reached again by a shorter path
after it was parsed, its stored links are followed again from the new
distance (nothing is fetched twice), and so on down the graph: every page
within the bounds by its shortest path is crawled, whatever the order.

The per-source page budget (``max_pages``) lives here too, counted once per
distinct URL scheduled. :class:`MemoryFrontier` serves a single-process crawl;
:class:`RedisFrontier` is shared by the workers of a scale-out run
(:mod:`pipeline.ingest`), each step one Lua script so two workers cannot
interleave inside it.
"""

from __future__ import annotations

import sys
import zlib
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

#: Verdicts of :meth:`Frontier.offer`.
NEW, KNOWN, IMPROVED, OVER_BUDGET = "new", "known", "improved", "over-budget"
#: Distances order by hops, then by pages into a pagination chain.
_LISTING_SPAN = 1 << 20


def distance(hops: int, listing_pages: int = 0) -> int:
    """``(hops, listing_pages)`` as one comparable integer."""
    return hops * _LISTING_SPAN + min(listing_pages, _LISTING_SPAN - 1)


def split_distance(value: int) -> tuple[int, int]:
    return divmod(int(value), _LISTING_SPAN)


def encode_links(links: Iterable[tuple[str, bool]]) -> bytes:
    """A page's links ``(url, is_pagination)``, compressed (they share long prefixes)."""
    text = "\n".join(("P" if paginated else "L") + url for url, paginated in links)
    # A 4 KB window and small hash tables: a page's links are a few KB, and zlib's
    # defaults allocate ~260 KB per call, which glibc maps and unmaps each time
    # (77 vs 12 microseconds a page, in the crawl's one event-loop thread). Any
    # zlib reader still reads it.
    packer = zlib.compressobj(6, zlib.DEFLATED, 12, 5)
    return packer.compress(text.encode("utf-8")) + packer.flush()


def decode_links(blob: bytes | None) -> list[tuple[str, bool]]:
    if not blob:
        return []
    text = zlib.decompress(blob).decode("utf-8")
    return [(line[1:], line[0] == "P") for line in text.split("\n") if line]


class Frontier(Protocol):
    def offer(self, source: str, url: str, dist: int,
              max_pages: int) -> tuple[str, list[tuple[str, bool]] | None]:
        """Record that ``url`` was reached at ``dist``.

        Returns ``(NEW, None)`` the first time (within the source's budget,
        which it uses up by one), ``(OVER_BUDGET, None)`` when the budget is
        spent, ``(IMPROVED, links)`` when the URL was known at a greater
        distance (``links``: what the page linked to when parsed, or None
        when it was not parsed yet), else ``(KNOWN, None)``.
        """

    def parsed(self, urls: list[str], dist: int, links: list[tuple[str, bool]]) -> int:
        """Store the links of a parsed page (known by ``urls``: asked-for and final URL)
        and return its distance: the one it was requested at, or a shorter one
        found since."""


class MemoryFrontier:
    """Frontier state of a single-process crawl.

    A parsed page's links are kept as a tuple of interned URL strings (one copy
    of each URL, however many pages link to it) and the positions of the
    pagination links among them. Compressed instead (:func:`encode_links`, what
    Redis stores) they took more of the crawl's one event-loop thread and more
    memory: on the 1k benchmark mirror's pages (26 links each), 35 against 6
    microseconds and 790 against 430 bytes a page, strings and dict entries
    included.
    """

    def __init__(self) -> None:
        self.dist: dict[str, int] = {}
        self.links: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        self.budget: Counter[str] = Counter()

    def offer(self, source: str, url: str, dist: int,
              max_pages: int) -> tuple[str, list[tuple[str, bool]] | None]:
        known = self.dist.get(url)
        if known is None:
            if self.budget[source] >= max_pages:
                return OVER_BUDGET, None
            self.budget[source] += 1
            self.dist[url] = dist
            return NEW, None
        if dist < known:
            self.dist[url] = dist
            kept = self.links.get(url)
            if kept is None:
                return IMPROVED, None
            targets, pagination = kept
            return IMPROVED, [(u, i in pagination) for i, u in enumerate(targets)]
        return KNOWN, None

    def parsed(self, urls: list[str], dist: int, links: list[tuple[str, bool]]) -> int:
        best = min([dist, *(self.dist[u] for u in urls if u in self.dist)])
        kept = (tuple(map(sys.intern, [u for u, _ in links])),
                tuple(i for i, (_, paginated) in enumerate(links) if paginated))
        for url in urls:
            self.dist[url] = best
            self.links[url] = kept
        return best


_OFFER = """
local known = redis.call('HGET', KEYS[1], ARGV[1])
local dist = tonumber(ARGV[2])
if not known then
  local used = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0')
  if used >= tonumber(ARGV[4]) then return {'over-budget'} end
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return {'new'}
end
if dist < tonumber(known) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return {'improved', redis.call('HGET', KEYS[3], ARGV[1])}
end
return {'known'}
"""

_PARSED = """
local best = tonumber(ARGV[1])
for i = 3, #ARGV do
  local known = redis.call('HGET', KEYS[1], ARGV[i])
  if known and tonumber(known) < best then best = tonumber(known) end
end
for i = 3, #ARGV do
  redis.call('HSET', KEYS[1], ARGV[i], tostring(best))
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[2])
end
return tostring(best)
"""


def frontier_keys(base: str) -> dict[str, str]:
    """Redis keys of a run's frontier state, next to its scrapy-redis queue and dupefilter."""
    return {"dist": f"{base}:dist", "links": f"{base}:links", "budget": f"{base}:budget"}


class RedisFrontier:
    """Frontier state shared by the workers of one scale-out run."""

    def __init__(self, server: Any, base: str):
        self.server = server
        self.keys = frontier_keys(base)
        self._offer = server.register_script(_OFFER)
        self._parsed = server.register_script(_PARSED)

    def offer(self, source: str, url: str, dist: int,
              max_pages: int) -> tuple[str, list[tuple[str, bool]] | None]:
        k = self.keys
        reply = self._offer(keys=[k["dist"], k["budget"], k["links"]],
                            args=[url, dist, source, max_pages])
        verdict = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
        if verdict != IMPROVED:
            return verdict, None
        blob = reply[1] if len(reply) > 1 else None
        return IMPROVED, decode_links(blob) if blob else None

    def parsed(self, urls: list[str], dist: int, links: list[tuple[str, bool]]) -> int:
        k = self.keys
        best = self._parsed(keys=[k["dist"], k["links"]],
                            args=[dist, encode_links(links), *urls])
        return int(best)
