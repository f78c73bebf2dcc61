"""Scale-out: two crawler workers share one Redis frontier, one ingest writer owns SQLite.

Needs Debian's ``redis-server`` (``.ci/run`` installs it): skipped on a
developer machine without it, a failure in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from types import SimpleNamespace

import pytest
from conftest import FAST
from nightly_support import PY, free_port, query, snapshot, wait_for


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (.ci/run installs it)")
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)

    def up() -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            assert proc.poll() is None, "redis-server exited"
            return False

    wait_for(up, 30, "redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


# A worker that finds the shared queue empty for a moment asks again only at Scrapy's
# next idle check (5 s); unpaced, one worker could crawl the whole sample corpus before
# the other asked again (one run in three on a busy machine). Paced, one worker alone
# needs ~10 s, so both get pages to crawl.
PACED = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.25",
         "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]


def test_two_workers_one_writer_equal_a_single_crawl(redis_url, crawled, sample_server,
                                                     labels, tmp_path):
    db = tmp_path / "scaled.db"
    start = len(sample_server.requests())
    writer = subprocess.Popen([PY, "-m", "pipeline.cli", "ingest", "--db", str(db), "--redis",
                               redis_url, "--sources", str(sample_server.sources)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # --min-workers 2: neither worker schedules anything before both are up, so the
    # split of the work does not depend on which process happened to start first.
    workers = [subprocess.Popen(
        [PY, "-m", "pipeline.cli", "worker", "--sources", str(sample_server.sources),
         "--redis", redis_url, "--run", "test-night", "--min-workers", "2", *FAST, *PACED],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        outputs = [w.communicate(timeout=300)[1] for w in workers]
        for worker, err in zip(workers, outputs, strict=True):
            assert worker.returncode == 0, err[-3000:]
        _, writer_err = writer.communicate(timeout=300)
        assert writer.returncode == 0, writer_err[-3000:]
    finally:
        for proc in (*workers, writer):
            if proc.poll() is None:
                proc.kill()
    log = sample_server.requests()[start:]
    ok = Counter((r["site"], r["path"]) for r in log if 200 <= r["status"] < 300)
    for label in labels:
        assert ok[(label["site"], label["path"])] == 1, label["path"]
    assert snapshot(db) == snapshot(crawled)
    # Both workers really crawled, and no page twice: every page (one row each) was
    # sent to the writer by exactly one worker, and each worker sent some.
    items = [int(err.rsplit("worker done: ", 1)[1].split("items ", 1)[1].split(",")[0])
             for err in outputs]
    rows = query(db, "SELECT count(*) FROM pages")[0][0]
    assert all(n > 0 for n in items) and sum(items) == rows, items
    [(state, kind)] = query(db, "SELECT state, kind FROM runs WHERE run_id = 'test-night'")
    assert (state, kind) == ("finished", "scale-out")
    requests, articles = query(db, "SELECT sum(requests), sum(articles_new) FROM crawl_runs")[0]
    assert requests >= len(labels) and articles == len(labels)


def test_an_item_survives_a_writer_killed_mid_item(redis_url, tmp_path):
    """Items are moved to a processing list and removed only once stored."""
    import redis

    from pipeline.ingest import Ingestor, encode_item, keys

    client = redis.Redis.from_url(redis_url)
    k = keys()
    item = {"source": "s", "url": "http://127.0.0.1:9/x", "final_url": "http://127.0.0.1:9/x",
            "status": 404, "kind": "error", "reason": "http-404", "fetched_at": "t",
            "run_id": "r1", "body": None}
    client.rpush(k.processing, encode_item(item))  # taken by a writer that then died
    ingestor = Ingestor(str(tmp_path / "w.db"), redis_url)
    counts = ingestor.run(wait_s=0)
    assert counts == {"requeued": 1, "stored": 1}
    assert client.llen(k.processing) == 0 and client.llen(k.items) == 0
    assert query(tmp_path / "w.db", "SELECT url, reason, run_id FROM pages") == [
        ("http://127.0.0.1:9/x", "http-404", "r1")]


def test_workers_share_distances_so_bounds_ignore_who_parsed_what(redis_url, tmp_path):
    """Worker 1 parses /hub/ → /a/ → /m/ (2 hops: the bound); worker 2 then finds /m/ at
    1 hop on the home page and follows the links worker 1 stored for it."""
    import redis
    from scrapy import Request
    from test_frontier import BASE, GRAPH, make_spider, outputs, page, start_requests

    from spiders.frontier import RedisFrontier

    server = redis.Redis.from_url(redis_url)
    one, two = make_spider(tmp_path), make_spider(tmp_path)
    for spider in (one, two):
        spider.frontier = RedisFrontier(server, "test:frontier")
    home, hub = start_requests(one)
    assert start_requests(two) == []  # entry points are the first worker's already

    def follow(request):
        return [r for r in outputs(request.callback(page(request, GRAPH)))
                if isinstance(r, Request)]

    [article] = follow(hub)
    [section] = follow(article)
    assert section.meta["hops"] == 2 and follow(section) == []
    home = Request(home.url, callback=two.parse_page, meta=home.meta)
    assert [(r.url, r.meta["hops"]) for r in follow(home)] == [(f"{BASE}/n/", 2)]


def test_a_worker_without_work_stays_while_another_is_busy(redis_url):
    import redis
    from scrapy import Request
    from scrapy.exceptions import DontCloseSpider
    from scrapy.utils.test import get_crawler

    from pipeline.ingest import WorkerCoordinator, worker_overrides
    from pipeline.run_queue import RunQueue

    crawler = get_crawler(settings_dict=worker_overrides(redis_url, "idle-test"))
    crawler.spider = SimpleNamespace(name="news", settings=crawler.settings)
    queue = RunQueue(redis.Redis.from_url(redis_url), crawler.spider,
                     crawler.settings["SCHEDULER_QUEUE_KEY"])
    busy, idle = WorkerCoordinator(crawler), WorkerCoordinator(crawler)
    queue.worker = busy.worker = "worker-1"
    idle.worker = "worker-2"
    queue.push(Request("http://site.test/a/"))
    with pytest.raises(DontCloseSpider):
        idle.spider_idle()  # a request is queued
    assert queue.pop().url == "http://site.test/a/"  # taken, and worker 1 marked busy at once
    with pytest.raises(DontCloseSpider):
        idle.spider_idle()  # nothing queued, but worker 1's page may add requests
    busy.spider_idle()  # worker 1 is done: nothing queued, nobody else busy
    idle.spider_idle()  # so worker 2 may stop too
