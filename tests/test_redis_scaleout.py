"""Scale-out: two crawler workers share one Redis frontier, one ingest writer owns SQLite.

Needs Debian's ``redis-server`` (``.ci/run`` installs it): skipped on a
developer machine without it, a failure in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter

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


def test_two_workers_one_writer_equal_a_single_crawl(redis_url, crawled, sample_server,
                                                     labels, tmp_path):
    db = tmp_path / "scaled.db"
    start = len(sample_server.requests())
    writer = subprocess.Popen([PY, "-m", "pipeline.cli", "ingest", "--db", str(db), "--redis",
                               redis_url, "--sources", str(sample_server.sources)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers = [subprocess.Popen(
        [PY, "-m", "pipeline.cli", "worker", "--sources", str(sample_server.sources),
         "--redis", redis_url, "--run", "test-night", *FAST],
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
    # Both workers really crawled: each fetched pages the other did not.
    per_worker = [int(err.rsplit("worker done: requests ", 1)[1].split(",")[0])
                  for err in outputs]
    assert all(n > 10 for n in per_worker), per_worker
    ok = Counter((r["site"], r["path"]) for r in log if 200 <= r["status"] < 300)
    for label in labels:
        assert ok[(label["site"], label["path"])] == 1, label["path"]
    assert snapshot(db) == snapshot(crawled)
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
