"""The request queue of a scale-out worker (:mod:`pipeline.ingest`).

scrapy-redis's priority queue, except that taking a request also marks the
worker busy, in the same Redis script: an idle worker then never sees an
empty queue and no busy worker while a request is on its way to a
downloader. A module of its own because it subclasses scrapy-redis's queue:
``pipeline.ingest`` is loaded by every crawl (its ``WorkerCoordinator`` is a
Scrapy extension, idle outside scale-out), and importing scrapy-redis and
redis there cost each crawl 0.05 s of start-up.
"""

from __future__ import annotations

from typing import Any

from scrapy_redis.queue import PriorityQueue

from pipeline.ingest import BUSY_TTL_S
from spiders.monitor import worker_name

_POP_AND_MARK_BUSY = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0)
if #top == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], tonumber(now[1]) + tonumber(ARGV[2]), ARGV[1])
return top[1]
"""


class RunQueue(PriorityQueue):
    """scrapy-redis's priority queue; taking a request also marks this worker busy."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        self.busy_key = spider.settings.get("DCRADAR_BUSY_KEY") % {"spider": spider.name}
        self.worker = worker_name()
        self._pop = server.register_script(_POP_AND_MARK_BUSY)

    def pop(self, timeout: int = 0) -> Any:
        data = self._pop(keys=[self.key, self.busy_key], args=[self.worker, BUSY_TTL_S])
        return self._decode_request(data) if data else None
