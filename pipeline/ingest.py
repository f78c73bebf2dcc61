"""Scale-out: crawler workers share one frontier in Redis; one writer owns the SQLite file.

Topology (README, "Scale-out")::

    worker (machine A) ─┐   scrapy-redis scheduler queue + dupefilter   ┌─ worker (machine B)
                        └──────────────► Redis ◄────────────────────────┘
                                 items list │ run counters
                                            ▼
                          dcradar ingest --db FILE --redis URL   (the only writer)
                          revalidate → extract → (tag) → store → ledger

* ``dcradar worker --sources FILE --redis URL --run NAME``: the news spider
  with the scrapy-redis scheduler and dupefilter under keys named after the
  run, so every request of the run is made once by one of the workers, and
  the spider's frontier state (distances, page links, budgets:
  :mod:`spiders.frontier`) in Redis too, so the bounds mean what they mean in
  a single process; items (raw body included) are pushed as JSON onto
  ``dcradar:items``; request and response counters go to a Redis hash per
  run. Workers keep a heartbeat key while they crawl. A worker whose queue
  runs dry stays while another worker of the run is busy (its pages may still
  add requests): taking a request marks a worker busy in the same Redis
  script, and only idle workers of an empty queue stop
  (:class:`pipeline.run_queue.RunQueue`, :class:`WorkerCoordinator`).
* ``dcradar ingest --db FILE --redis URL``: pops items with BLMOVE onto a
  processing list (an item is removed only after it is stored, so a killed
  writer loses nothing), runs the project's item pipeline stages (the
  ``ITEM_PIPELINES`` of ``spiders.settings``), merges the workers' counters
  into ``crawl_runs`` and, when the queue is empty and no worker is alive,
  finishes the runs it saw and exits (``--forever`` keeps it running).

Items travel as JSON (body base64), never pickle: a writer must not execute
what a shared Redis hands it. Workers crawl in full (they have no page
state); the writer still spares unchanged pages the extraction (same bytes).
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import click
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager
from scrapy.utils.conf import build_component_list
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet import task

from db.runs import add_counts, ensure_run, finish_run
from db.schema import open_db
from spiders.frontier import frontier_keys
from spiders.monitor import REDIS_PREFIX, RunContext, SqliteSink, report_flags, worker_name
from spiders.stats import CrawlStats

logger = logging.getLogger(__name__)

PUSH_STAGE = "pipeline.ingest.RedisPushStage"
#: Frontier keys of a run expire this long after a worker last closed (seconds).
FRONTIER_TTL_S = 7 * 24 * 3600
#: A worker that took a request counts as busy this long, refreshed while it stays busy
#: (so a killed worker holds the others back at most this long).
BUSY_TTL_S = 60
#: How long a worker waits for ``--min-workers`` before it starts anyway (seconds).
MIN_WORKERS_WAIT_S = 300.0
_RUN_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def keys(prefix: str = REDIS_PREFIX, run: str = "") -> SimpleNamespace:
    """Every Redis key of the topology (``%(spider)s`` is filled in by scrapy-redis)."""
    return SimpleNamespace(
        items=f"{prefix}:items", processing=f"{prefix}:items:processing",
        failed=f"{prefix}:items:failed", workers=f"{prefix}:workers:*",
        stats=f"{prefix}:stats:{run}", queue=f"{prefix}:{run}:%(spider)s:requests",
        dupefilter=f"{prefix}:{run}:%(spider)s:dupefilter",
        frontier=f"{prefix}:{run}:%(spider)s:frontier", busy=f"{prefix}:{run}:%(spider)s:busy")


def worker_overrides(redis_url: str, run: str, prefix: str = REDIS_PREFIX) -> dict[str, Any]:
    """Scrapy settings that turn ``dcradar crawl`` into a scale-out worker of run ``run``."""
    if not _RUN_NAME.match(run):
        raise click.BadParameter("use letters, digits and . _ : - (at most 64)",
                                 param_hint="--run")
    k = keys(prefix, run)
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Never flush on close: the other workers are still using the frontier.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": k.queue,
        "SCHEDULER_QUEUE_CLASS": "pipeline.run_queue.RunQueue",
        "SCHEDULER_DUPEFILTER_KEY": k.dupefilter,
        "REDIS_URL": redis_url,
        "ITEM_PIPELINES": {PUSH_STAGE: 100},
        "DCRADAR_REDIS_URL": redis_url,
        "DCRADAR_REDIS_PREFIX": prefix,
        "DCRADAR_RUN": run,
        "DCRADAR_FRONTIER_KEY": k.frontier,
        "DCRADAR_BUSY_KEY": k.busy,
    }


def run_keys(prefix: str, run: str, spider: str = "news") -> list[str]:
    """Every Redis key that holds a run's shared frontier."""
    k = keys(prefix, run)
    names = [k.queue, k.dupefilter, k.busy, *frontier_keys(k.frontier).values()]
    return [name % {"spider": spider} for name in names]


# An idle worker leaves the busy set; what is left to wait for: queued requests, busy workers.
_IDLE = """
redis.call('ZREM', KEYS[2], ARGV[1])
local now = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now[1])
return redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
"""
_STILL_BUSY = """
local now = redis.call('TIME')
return redis.call('ZADD', KEYS[1], 'XX', tonumber(now[1]) + tonumber(ARGV[2]), ARGV[1])
"""


class WorkerCoordinator:
    """Extension of a scale-out worker: start together, stop together.

    * ``DCRADAR_MIN_WORKERS`` (``dcradar worker --min-workers``): before it
      schedules anything, a worker waits until that many workers of its run
      have a heartbeat (at most ``DCRADAR_MIN_WORKERS_WAIT`` seconds).
    * When the worker runs out of work, Scrapy would close it; it stays open
      while the run's queue holds requests or another worker is busy, since
      that worker's pages may add requests. Scrapy asks again every 5 s.
    """

    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not settings.get("DCRADAR_BUSY_KEY"):
            raise NotConfigured
        import redis

        self.crawler = crawler
        self.redis = redis.Redis.from_url(settings.get("DCRADAR_REDIS_URL"))
        self.prefix = settings.get("DCRADAR_REDIS_PREFIX", REDIS_PREFIX)
        self.run = settings.get("DCRADAR_RUN")
        self.min_workers = settings.getint("DCRADAR_MIN_WORKERS", 1)
        self.wait_s = settings.getfloat("DCRADAR_MIN_WORKERS_WAIT", MIN_WORKERS_WAIT_S)
        self.worker = worker_name()
        self._idle = self.redis.register_script(_IDLE)
        self._still_busy = self.redis.register_script(_STILL_BUSY)
        self.refresh: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerCoordinator:
        return cls(crawler)

    def _key(self, setting: str) -> str:
        return self.crawler.settings.get(setting) % {"spider": self.crawler.spider.name}

    async def spider_opened(self, spider: Any = None) -> None:
        self.refresh = task.LoopingCall(self._refresh)
        self.refresh.start(BUSY_TTL_S / 3, now=False)
        if self.min_workers > 1:
            await self._wait_for_workers()

    def workers_up(self) -> int:
        """Workers of this run with a live heartbeat (this one included)."""
        names = list(self.redis.scan_iter(match=keys(self.prefix).workers))
        runs = self.redis.mget(names) if names else []
        return sum(1 for r in runs if r is not None and r.decode() == self.run)

    async def _wait_for_workers(self) -> None:
        from twisted.internet import reactor

        deadline = time.monotonic() + self.wait_s
        while (up := self.workers_up()) < self.min_workers:
            if time.monotonic() > deadline:
                logger.warning("only %d of %d workers of run %s came up; starting anyway",
                               up, self.min_workers, self.run)
                return
            await maybe_deferred_to_future(task.deferLater(reactor, 0.2, lambda: None))
        logger.info("%d workers of run %s are up", up, self.run)

    def _refresh(self) -> None:
        try:
            self._still_busy(keys=[self._key("DCRADAR_BUSY_KEY")],
                             args=[self.worker, BUSY_TTL_S])
        except Exception:
            logger.exception("could not refresh the busy mark")

    def spider_idle(self, spider: Any = None) -> None:
        left = self._idle(keys=[self._key("SCHEDULER_QUEUE_KEY"), self._key("DCRADAR_BUSY_KEY")],
                          args=[self.worker])
        if left:
            raise DontCloseSpider("other workers of the run may still add requests")

    def spider_closed(self, spider: Any = None) -> None:
        if self.refresh is not None and self.refresh.running:
            self.refresh.stop()
        self.redis.zrem(self._key("DCRADAR_BUSY_KEY"), self.worker)


def encode_item(item: dict[str, Any]) -> str:
    """One item as JSON, the raw body base64-encoded."""
    out = dict(item)
    body = out.pop("body", None)
    out["body_b64"] = base64.b64encode(body).decode("ascii") if body else None
    return json.dumps(out, ensure_ascii=False)


def decode_item(raw: bytes | str) -> dict[str, Any]:
    """The inverse of :func:`encode_item`."""
    item = json.loads(raw)
    body = item.pop("body_b64", None)
    item["body"] = base64.b64decode(body) if body else None
    return item


class RedisPushStage:
    """Worker item pipeline: every page item goes onto the Redis items list for the writer."""

    def __init__(self, crawler: Any):
        import redis

        settings = crawler.settings
        self.redis = redis.Redis.from_url(settings.get("DCRADAR_REDIS_URL"))
        self.key = keys(settings.get("DCRADAR_REDIS_PREFIX", REDIS_PREFIX)).items
        self.run = settings.get("DCRADAR_RUN")

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisPushStage:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        record = dict(item)
        record["run_id"] = self.run
        self.redis.rpush(self.key, encode_item(record))
        return {k: v for k, v in record.items() if k != "body"}


def writer_stages(settings: Settings) -> list[str]:
    """The item pipeline stages the writer runs, in order (the crawl's own, minus the push)."""
    return [path for path in build_component_list(settings.getwithbase("ITEM_PIPELINES"))
            if (path if isinstance(path, str) else f"{path.__module__}.{path.__qualname__}")
            != PUSH_STAGE]


class Ingestor:
    """The single writer: Redis items → item pipeline stages → SQLite."""

    def __init__(self, db_path: str, redis_url: str, *, sources: str | None = None,
                 prefix: str = REDIS_PREFIX, settings: Settings | None = None):
        import redis

        from pipeline.crawl import crawl_settings
        from spiders.sources import load_sources

        self.redis = redis.Redis.from_url(redis_url)
        self.keys = keys(prefix)
        self.prefix = prefix
        self.settings = settings or crawl_settings(db_path)
        self.db = open_db(db_path)
        self.ctx = RunContext(None, SqliteSink(db_path))
        spider = SimpleNamespace(name="news", settings=self.settings,
                                 sources={s.name: s for s in load_sources(sources)}
                                 if sources else {})
        self.crawler = SimpleNamespace(settings=self.settings, spider=spider,
                                       dcradar_run=self.ctx)
        self.crawler.signals = SignalManager(self.crawler)
        self.crawler.stats = CrawlStats(self.crawler)
        spider.crawler = self.crawler
        self.stages = [build_from_crawler(load_object(path), self.crawler)
                       for path in writer_stages(self.settings)]
        self.runs: set[str] = set()
        self.counts: Counter[str] = Counter()

    def open(self) -> None:
        for stage in self.stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider(self.crawler.spider)
        # Items a killed writer had taken but not stored go back to the front.
        while self.redis.lmove(self.keys.processing, self.keys.items, "RIGHT", "LEFT"):
            self.counts["requeued"] += 1

    def close(self) -> None:
        for stage in reversed(self.stages):
            if hasattr(stage, "close_spider"):
                stage.close_spider(self.crawler.spider)
        self.ctx.flush()

    def _run_stages(self, item: dict[str, Any]) -> None:
        for stage in self.stages:
            result = stage.process_item(item, self.crawler.spider)
            if inspect.isawaitable(result):
                result = asyncio.run(result)
            item = result

    def process(self, raw: bytes) -> None:
        """Store one item; an item that makes a stage raise is parked on the failed list."""
        item = decode_item(raw)
        run_id = item.get("run_id")
        if run_id and run_id not in self.runs:
            ensure_run(self.db, run_id, kind="scale-out")
            self.runs.add(run_id)
        try:
            self._run_stages(item)
            self.counts["stored"] += 1
        except DropItem:
            self.counts["dropped"] += 1
        except Exception:
            logger.exception("item %s failed; parked on %s", item.get("url"), self.keys.failed)
            self.ctx.count(item.get("source"), "exceptions", run_id=run_id)
            self.redis.rpush(self.keys.failed, raw)
            self.counts["failed"] += 1
        self.redis.lrem(self.keys.processing, 1, raw)

    def merge_worker_counts(self) -> None:
        """Move the workers' request/response counters from Redis into ``crawl_runs``."""
        for key in self.redis.scan_iter(match=f"{self.prefix}:stats:*"):
            key = key.decode() if isinstance(key, bytes) else key
            run_id = key.split(":stats:", 1)[1]
            pipe = self.redis.pipeline(transaction=True)
            pipe.hgetall(key)
            pipe.delete(key)
            fields, _ = pipe.execute()
            if not fields:
                continue
            if run_id not in self.runs:
                ensure_run(self.db, run_id, kind="scale-out")
                self.runs.add(run_id)
            per_source: dict[str, Counter[str]] = {}
            for field, value in fields.items():
                field = field.decode() if isinstance(field, bytes) else field
                source, _, name = field.partition("|")
                per_source.setdefault(source, Counter())[name] += int(value)
            with self.db.atomic():
                for source, counts in per_source.items():
                    add_counts(self.db, run_id, source, counts)

    def workers_alive(self) -> int:
        return sum(1 for _ in self.redis.scan_iter(match=self.keys.workers))

    def run(self, *, forever: bool = False, wait_s: float = 120.0) -> dict[str, int]:
        """Ingest until drained (no item, no live worker), or forever; returns counts."""
        self.open()
        started = time.monotonic()
        seen_worker = False
        last_merge = 0.0
        try:
            while True:
                raw = self.redis.blmove(self.keys.items, self.keys.processing, 1.0,
                                        "LEFT", "RIGHT")
                if raw is not None:
                    self.process(raw)
                now = time.monotonic()
                if raw is not None and now - last_merge < 2.0:
                    continue
                last_merge = now
                self.merge_worker_counts()
                self.ctx.flush()
                if raw is not None or forever:
                    continue
                alive = self.workers_alive()
                seen_worker = seen_worker or alive > 0
                busy = alive or self.redis.llen(self.keys.items)
                if not busy and (seen_worker or self.counts or now - started > wait_s):
                    break
        finally:
            self.merge_worker_counts()
            self.close()
        self.finish_runs()
        return dict(self.counts)

    def finish_runs(self) -> None:
        """Finish the runs this writer saw (all their workers are gone), flags on stderr."""
        share = self.settings.getfloat("DCRADAR_MAX_ERROR_SHARE", 0.5)
        for run_id in sorted(self.runs):
            report_flags(run_id, finish_run(self.db, run_id, "finished", share))


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The SQLite database this writer owns.")
@click.option("--redis", "redis_url", required=True, help="Redis URL, e.g. redis://host:6379/0.")
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False),
              help="Sources YAML, to refresh the sources table (optional).")
@click.option("--forever", is_flag=True, help="Keep waiting for items (a service).")
@click.option("--wait", "wait_s", default=120.0, show_default=True,
              help="Seconds to wait for a first worker or item before giving up.")
@click.option("--prefix", default=REDIS_PREFIX, show_default=True, help="Redis key prefix.")
def ingest(db_path: str, redis_url: str, sources_path: str | None, forever: bool,
           wait_s: float, prefix: str) -> None:
    """The one writer of a scale-out crawl: Redis items → extract/store → SQLite."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    ingestor = Ingestor(db_path, redis_url, sources=sources_path, prefix=prefix)
    counts = ingestor.run(forever=forever, wait_s=wait_s)
    click.echo(f"ingested: {counts}; runs: {', '.join(sorted(ingestor.runs)) or 'none'}",
               err=True)


@click.command()
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False),
              help="Sources YAML (default: the shipped list of real sources).")
@click.option("--redis", "redis_url", required=True, help="Redis URL, e.g. redis://host:6379/0.")
@click.option("--run", "run", default=lambda: datetime.now(UTC).strftime("%Y-%m-%d"),
              show_default="today's UTC date",
              help="Name of the crawl the workers share; a new name starts a new frontier, "
                   "the same name continues one.")
@click.option("--only", help="Comma-separated source names to crawl.")
@click.option("--prefix", default=REDIS_PREFIX, show_default=True, help="Redis key prefix.")
@click.option("--min-workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Wait until this many workers of the run are up before crawling.")
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Override a Scrapy setting (repeatable).")
def worker(sources_path: str | None, redis_url: str, run: str, only: str | None, prefix: str,
           min_workers: int, settings: tuple[str, ...]) -> None:
    """A scale-out crawler: shares the run's frontier in Redis, sends items to the writer."""
    import redis

    from pipeline.cli import _settings_pairs, _validate_sources
    from pipeline.crawl import run_crawl

    _validate_sources(sources_path)
    overrides = {"DCRADAR_MIN_WORKERS": min_workers, **_settings_pairs(settings),
                 **worker_overrides(redis_url, run, prefix)}
    stats = run_crawl(sources_path, "", only=only, overrides=overrides)
    client = redis.Redis.from_url(redis_url)
    for name in run_keys(prefix, run):
        client.expire(name, FRONTIER_TTL_S)
    click.echo(f"worker done: requests {stats.get('downloader/request_count', 0)}, "
               f"items {stats.get('item_scraped_count', 0)}, "
               f"finish {stats.get('finish_reason', '?')}", err=True)
    if stats.get("finish_reason") != "finished":
        sys.exit(1)
