"""Run recording for crawls: the run id, per-source counters, flags on stderr.

A Scrapy extension (:class:`RunRecorder`) opens or resumes a run when the
spider opens, counts requests, responses by status class and bytes from the
downloader's signals, counts exceptions, and flushes all counters every few
seconds, so even a crawl killed with SIGKILL leaves a ``crawl_runs`` record
that is at most one flush interval behind. When the spider closes it ends the
run segment and warns on stderr about flagged sources (see
:func:`db.runs.source_flags`).

Counters live in a :class:`RunContext` that the item pipeline stages of
:mod:`pipeline.incremental` share; its sink is the SQLite database in a
normal crawl, or Redis in a scale-out worker (:mod:`pipeline.ingest` then
merges the workers' counters into the database).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from collections import Counter
from typing import Any, Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from twisted.internet import task

from db.runs import add_counts, finish_run, now_iso, start_run

logger = logging.getLogger(__name__)

#: Seconds between counter flushes (what a SIGKILL can lose at most).
DEFAULT_FLUSH_S = 5.0
#: Redis key prefix of the scale-out topology (see :mod:`pipeline.ingest`).
REDIS_PREFIX = "dcradar"
#: A scale-out worker refreshes its heartbeat key this often, and it expires after 3x.
HEARTBEAT_S = 10


class Sink(Protocol):
    """Where counter deltas go: ``{(run_id, source): {counter: delta}}``."""

    def add(self, deltas: dict[tuple[str, str], Counter[str]]) -> None: ...


class SqliteSink:
    """Counters added to ``crawl_runs`` in the crawl's own database."""

    def __init__(self, db_path: str):
        from db.schema import open_db

        self.db = open_db(db_path)

    def add(self, deltas: dict[tuple[str, str], Counter[str]]) -> None:
        with self.db.atomic():
            for (run_id, source), counts in deltas.items():
                add_counts(self.db, run_id, source, counts)


class RedisSink:
    """Counters added to a Redis hash per run; the ingest writer moves them into SQLite."""

    def __init__(self, redis_url: str, prefix: str = REDIS_PREFIX):
        import redis

        self.redis = redis.Redis.from_url(redis_url)
        self.prefix = prefix

    def add(self, deltas: dict[tuple[str, str], Counter[str]]) -> None:
        pipe = self.redis.pipeline()
        for (run_id, source), counts in deltas.items():
            key = f"{self.prefix}:stats:{run_id}"
            for name, value in counts.items():
                if value:
                    pipe.hincrby(key, f"{source}|{name}", int(value))
        pipe.execute()


class RunContext:
    """The run a process is working for, and the counters not yet flushed."""

    def __init__(self, run_id: str | None, sink: Sink, *, resumed: bool = False):
        self.run_id = run_id
        self.resumed = resumed
        self.sink = sink
        self.pending: dict[tuple[str, str], Counter[str]] = {}

    def count(self, source: str | None, name: str, n: int = 1,
              run_id: str | None = None) -> None:
        """Add ``n`` to a counter of ``source`` in ``run_id`` (default: this process's run)."""
        run = run_id or self.run_id
        if not source or not run or not n:
            return
        self.pending.setdefault((run, source), Counter())[name] += n

    def flush(self) -> None:
        """Send pending counters to the sink; kept for the next flush if that fails."""
        if not self.pending:
            return
        deltas, self.pending = self.pending, {}
        try:
            self.sink.add(deltas)
        except Exception:
            logger.exception("could not record run counters; will retry")
            for key, counts in deltas.items():
                self.pending.setdefault(key, Counter()).update(counts)


def sources_key(spider: Any) -> str:
    """A fingerprint of what a crawl covers: a run is resumed only by the same crawl."""
    sources = getattr(spider, "sources", {}) or {}
    spec = sorted((name, [u for _, u in s.entry_points]) for name, s in sources.items())
    return hashlib.sha1(json.dumps(spec).encode()).hexdigest()[:16]


def worker_name() -> str:
    """This process, as scale-out keys name it (host and pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def redis_url(crawler: Crawler) -> str | None:
    """The Redis URL of a scale-out worker, or None for a normal single-process crawl."""
    return crawler.settings.get("DCRADAR_REDIS_URL") or None


def run_context(crawler: Crawler) -> RunContext:
    """The crawler's run, opened (or resumed) on first use.

    Item pipelines open before extensions hear ``spider_opened``, so whoever
    asks first opens the run; later callers share it.
    """
    ctx = getattr(crawler, "dcradar_run", None)
    if ctx is not None:
        return ctx
    url = redis_url(crawler)
    if url:
        run_id = crawler.settings.get("DCRADAR_RUN")
        if not run_id:
            raise NotConfigured("a scale-out worker needs DCRADAR_RUN")
        ctx = RunContext(run_id, RedisSink(url, crawler.settings.get("DCRADAR_REDIS_PREFIX",
                                                                     REDIS_PREFIX)))
    else:
        sink = SqliteSink(crawler.settings.get("DCRADAR_DB"))
        run_id, resumed = start_run(sink.db, kind="crawl", sources_key=sources_key(crawler.spider),
                                    resume=crawler.settings.getbool("DCRADAR_RESUME", True))
        ctx = RunContext(run_id, sink, resumed=resumed)
        if resumed:
            logger.info("resuming run %s: pages it completed are replayed from storage", run_id)
        else:
            logger.info("starting run %s", run_id)
    crawler.dcradar_run = ctx
    if crawler.stats is not None:
        crawler.stats.set_value("dcradar/run_id", ctx.run_id)
        crawler.stats.set_value("dcradar/resumed", ctx.resumed)
    return ctx


def _source(request: Request | None) -> str | None:
    return request.meta.get("source") if request is not None else None


class RunRecorder:
    """Scrapy extension: the run record of a crawl (``crawl_runs``), flushed periodically."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.flush_s = crawler.settings.getfloat("DCRADAR_RUN_FLUSH_S", DEFAULT_FLUSH_S)
        self.loop: task.LoopingCall | None = None
        self.heartbeat: task.LoopingCall | None = None
        self.heartbeat_key: str | None = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)
        crawler.signals.connect(self.request_reached, signals.request_reached_downloader)
        crawler.signals.connect(self.response_downloaded, signals.response_downloaded)
        crawler.signals.connect(self.spider_error, signals.spider_error)
        crawler.signals.connect(self.item_error, signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        return cls(crawler)

    @property
    def ctx(self) -> RunContext:
        return run_context(self.crawler)

    def spider_opened(self, spider: Any = None) -> None:
        self.ctx  # noqa: B018 - opens or resumes the run if no stage did yet
        self.loop = task.LoopingCall(self.ctx.flush)
        self.loop.start(self.flush_s, now=False)
        url = redis_url(self.crawler)
        if url:
            import redis

            prefix = self.crawler.settings.get("DCRADAR_REDIS_PREFIX", REDIS_PREFIX)
            self.redis = redis.Redis.from_url(url)
            self.heartbeat_key = f"{prefix}:workers:{worker_name()}"
            self.heartbeat = task.LoopingCall(self._beat)
            self.heartbeat.start(HEARTBEAT_S, now=True)

    def _beat(self) -> None:
        try:
            self.redis.set(self.heartbeat_key, self.ctx.run_id, ex=3 * HEARTBEAT_S)
        except Exception:
            logger.exception("could not refresh the worker heartbeat")

    def request_reached(self, request: Request, spider: Any = None) -> None:
        self.ctx.count(_source(request), "requests")

    def response_downloaded(self, response: Response, request: Request,
                            spider: Any = None) -> None:
        source = _source(request)
        status = response.status
        if 200 <= status < 600:
            self.ctx.count(source, f"responses_{status // 100}xx")
        if status == 304:
            self.ctx.count(source, "not_modified")
        self.ctx.count(source, "bytes", len(response.body))

    def spider_error(self, failure: Any, response: Response, spider: Any = None) -> None:
        self.ctx.count(_source(getattr(response, "request", None)), "exceptions")

    def item_error(self, item: Any, response: Any, spider: Any = None,
                   failure: Any = None) -> None:
        source = item.get("source") if hasattr(item, "get") else None
        self.ctx.count(source, "exceptions")

    def spider_closed(self, spider: Any = None, reason: str = "finished") -> None:
        for loop in (self.loop, self.heartbeat):
            if loop is not None and loop.running:
                loop.stop()
        ctx = self.ctx
        ctx.flush()
        if self.heartbeat_key:
            self.redis.delete(self.heartbeat_key)
            return  # the ingest writer closes scale-out runs
        sink = ctx.sink
        if not isinstance(sink, SqliteSink):
            return
        flags = finish_run(sink.db, ctx.run_id, reason,
                           self.crawler.settings.getfloat("DCRADAR_MAX_ERROR_SHARE", 0.5))
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("dcradar/flags", {s: f for s, f in flags.items() if f})
        report_flags(ctx.run_id, flags)
        if reason != "finished":
            logger.warning("run %s interrupted (%s): the next crawl of these sources resumes it",
                           ctx.run_id, reason)
        sink.db.close()


def report_flags(run_id: str, flags: dict[str, list[str]]) -> None:
    """Warn (stderr, through logging) about every flagged source of a run."""
    for source, found in sorted(flags.items()):
        if found:
            logger.warning("run %s: source %s flagged: %s", run_id, source, ", ".join(found))


__all__ = ["RunContext", "RunRecorder", "now_iso", "report_flags", "run_context", "sources_key",
           "worker_name"]
