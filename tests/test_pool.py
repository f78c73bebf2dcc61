"""Extraction and tagging in worker processes (pipeline/pool.py) store what inline ones do."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from conftest import SAMPLES, crawl
from nightly_support import fold_redirects, port_free

from db.schema import TAG_COLUMNS
from pipeline.pool import (
    StagePool,
    TagBatcher,
    WorkerError,
    prepare_page,
    run_each,
    worker_count,
)


def snapshot(db: Path, bases: dict[str, str]) -> dict[str, set]:
    """Rows that must not depend on where extraction ran (ports made neutral; which of two
    URLs of one page is reached first is up to timing: :func:`fold_redirects`)."""
    conn = sqlite3.connect(db)
    tags = ", ".join(TAG_COLUMNS)
    rows = {
        "articles": set(conn.execute(
            f"SELECT url, source, title, published, language, author, content_hash, "
            f"word_count, {tags} FROM articles")),
        "pages": set(conn.execute(
            "SELECT url, final_url, reason, status, kind, content_hash, size, "
            "html_gz IS NOT NULL, article_url FROM pages")),
        "mentions": set(conn.execute(
            "SELECT article_url, field, value, normalized, round(confidence, 6), sentence "
            "FROM mentions")),
    }
    conn.close()
    rows["pages"], rows["redirects"] = fold_redirects(rows["pages"])
    return port_free(rows, bases)


def test_pool_stores_the_same_rows_as_inline(crawled, sample_server, tmp_path):
    """The module's crawl ran with the default pool; an inline crawl must store the same."""
    inline = tmp_path / "inline.db"
    crawl(sample_server.sources, inline, "-s", "DCRADAR_WORKERS=0")
    pooled, alone = snapshot(crawled, sample_server.bases), snapshot(inline, sample_server.bases)
    for table in ("articles", "pages", "redirects", "mentions"):
        assert pooled[table] == alone[table], table
    assert len(pooled["articles"]) >= 80 and len(pooled["mentions"]) > 100


def test_workers_default_to_the_usable_cpus():
    assert worker_count({}) == len(os.sched_getaffinity(0))
    assert worker_count({"DCRADAR_WORKERS": "0"}) == 0
    assert worker_count({"DCRADAR_WORKERS": 3}) == 3


def test_a_page_whose_extraction_raises_is_reported_not_lost():
    page = (SAMPLES / "sites" / "dev-a" / "2022" / "04" / "equinix-completes-mainone-acquisition"
            / "index.html").read_bytes()
    item = {"url": "http://x/a/", "kind": "article", "body": page, "encoding": "utf-8",
            "final_url": "http://x/a/", "language": "en", "prune_xpaths": []}
    done = prepare_page(item)  # no "source": article_record raises KeyError after extracting
    assert done["article"] is None and done["error"] == "extraction-error: KeyError"
    assert "KeyError" in done["traceback"] and done["html_gz"] and done["body_sha256"]
    done = prepare_page({**item, "source": "dev-a"})
    assert done["article"]["title"] == "Equinix completes $320m MainOne acquisition"
    assert set(done["cpu"]) == {"compress", "extract"}


def test_a_dead_worker_is_replaced_and_only_its_call_fails():
    pool = StagePool(1, load_tagger=False)
    try:
        with pytest.raises(BrokenProcessPool):
            asyncio.run(pool.run(os._exit, 3))  # kills its worker, then the retry's
        assert asyncio.run(pool.run(os.getpid)) != os.getpid()  # a fresh pool takes over
        assert pool.restarts == 2 and pool.in_flight == 0
    finally:
        pool.shutdown()


def _worker_facts() -> tuple[int, bool, bool]:
    import sys

    from pipeline import pool

    return os.getppid(), "trafilatura" in sys.modules, pool._TAGGER is not None


def test_workers_are_forked_with_the_extractor_and_the_model_loaded():
    """From the fork server, which loaded both once (pipeline/preloaded_tagger.py)."""
    pool = StagePool(2)
    try:
        facts = asyncio.run(pool.run(_worker_facts))
    finally:
        pool.shutdown()
    parent, extractor, tagger = facts
    assert parent != os.getpid()  # the fork server's child, not this process's
    assert extractor and tagger


def _niceness() -> int:
    return os.nice(0)


def test_workers_run_nicer_than_the_process_that_feeds_them():
    """The crawl process feeds both workers: it goes first when it has work (WORKER_NICE)."""
    ours = os.nice(0)
    for nice in (3, 0):
        pool = StagePool(1, load_tagger=False, load_extractor=False, nice=nice)
        try:
            theirs = asyncio.run(pool.run(_niceness))
        finally:
            pool.shutdown()
        assert theirs == min(ours + nice, 19)


def test_the_crawl_setting_sets_how_nice_the_workers_are(monkeypatch):
    from types import SimpleNamespace

    from scrapy.settings import Settings
    from scrapy.utils import asyncio as scrapy_asyncio

    from pipeline.pool import release_pool, shared_pool

    monkeypatch.setattr(scrapy_asyncio, "is_asyncio_available", lambda: True)
    crawler = SimpleNamespace(settings=Settings(
        {"DCRADAR_WORKERS": 1, "DCRADAR_WORKER_NICE": 2, "DCRADAR_TAG": False}))
    pool = shared_pool(crawler)
    try:
        assert pool.nice == 2
        assert asyncio.run(pool.run(_niceness)) == min(os.nice(0) + 2, 19)
    finally:
        release_pool(crawler)
    assert crawler.dcradar_pool is None


def test_workers_are_spawned_when_no_fork_server_can_start(monkeypatch):
    from multiprocessing import forkserver

    from pipeline.pool import start_fork_server

    def refuse() -> None:
        raise PermissionError("no socket here")

    monkeypatch.setattr(forkserver, "ensure_running", refuse)
    assert start_fork_server().get_start_method() == "spawn"


def test_workers_collect_garbage_rarely_and_never_scan_what_they_loaded():
    import gc

    pool = StagePool(1, load_tagger=False, load_extractor=False)
    try:
        threshold = asyncio.run(pool.run(gc.get_threshold))
        frozen = asyncio.run(pool.run(gc.get_freeze_count))
    finally:
        pool.shutdown()
    assert threshold[0] == 20_000
    assert frozen > 1000  # the modules imported before the first page


def test_the_fork_server_stops_after_the_last_pool_and_the_next_pool_starts_another():
    """Stopped when no pool needs it (it would end with this process, after the crawl's
    output: a caller reading that output waited for it); a later pool gets a new one."""
    first = StagePool(1, load_tagger=False, load_extractor=False)
    second = StagePool(1, load_tagger=False, load_extractor=False)
    try:
        server = asyncio.run(first.run(os.getppid))
        assert asyncio.run(second.run(os.getppid)) == server != os.getpid()
        first.shutdown()
        time.sleep(0.3)
        assert _alive(server)  # the second pool's workers still come from it
    finally:
        first.shutdown()
        second.shutdown()
    deadline = time.monotonic() + 10
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(server)
    third = StagePool(1, load_tagger=False, load_extractor=False)
    try:
        assert asyncio.run(third.run(os.getppid)) not in (server, os.getpid())
    finally:
        third.shutdown()


class FakePool:
    """Tags ``text`` as its upper case; an article whose text is "bad" fails its batch."""

    def __init__(self, in_flight: int = 1):
        self.calls: list[int] = []
        self.in_flight = in_flight  # other pages being analysed: more articles to come

    async def run(self, fn, items):
        self.calls.append(len(items))
        if any(text == "bad" for text, _, _ in items):
            return {"status": "error", "error": "Traceback: bad article"}
        return {"status": "ok", "cpu": 0.01,
                "results": [({"text": text.upper()}, []) for text, _, _ in items]}


def test_tags_go_in_batches_and_a_failing_batch_is_retried_one_by_one():
    pool = FakePool()
    cpu = []
    batcher = TagBatcher(pool, size=2, wait_s=0.01, on_cpu=cpu.append)

    async def tag_all(texts):
        return await asyncio.gather(*(batcher.tag(t, "", "en") for t in texts))

    done = asyncio.run(tag_all(["a", "b", "c"]))
    assert [d["result"][0]["text"] for d in done] == ["A", "B", "C"]
    assert pool.calls == [2, 1] and len(cpu) == 2  # a full batch, then the rest on time
    pool.calls.clear()
    done = asyncio.run(tag_all(["d", "bad"]))
    assert done[0] == {"status": "ok", "result": ({"text": "D"}, [])}
    assert done[1]["status"] == "error" and "bad article" in done[1]["error"]
    assert pool.calls == [2, 1, 1]


def test_an_article_is_tagged_at_once_when_nothing_else_is_in_the_pool():
    """No page in the workers: no article is coming to fill the batch, so it goes now."""
    pool = FakePool(in_flight=0)
    batcher = TagBatcher(pool, size=8, wait_s=60)
    done = asyncio.run(asyncio.wait_for(batcher.tag("a", "", "en"), 10))
    assert done == {"status": "ok", "result": ({"text": "A"}, [])}
    assert pool.calls == [1]


def _echo(value: object, seconds: float = 0.0) -> object:
    """Worker: ``value`` after ``seconds``; ``"raise"`` raises, ``"die"`` kills the worker."""
    time.sleep(seconds)
    if value == "raise":
        raise ValueError("no such page")
    if value == "die":
        os._exit(3)
    return value


def test_run_each_answers_every_call_and_a_raising_one_costs_no_other():
    done = run_each(_echo, [("a",), ("raise",), ("b", 0.0)])
    assert done[0] == (True, "a") and done[2] == (True, "b")
    assert done[1][0] is False and "ValueError: no such page" in done[1][1]


def _recording(pool: StagePool) -> list:
    """Record what each call of ``pool.run`` sends: the function, or the calls of a batch."""
    sent, run = [], pool.run

    async def recorded(fn, *args):
        sent.append([a[0] for a in args[1]] if fn is run_each else fn.__name__)
        return await run(fn, *args)

    pool.run = recorded
    return sent


def test_calls_wait_while_the_workers_are_busy_and_then_go_together():
    """One worker: a call runs, one more waits in the executor, the rest wait in the batcher
    and go in batches of ``size`` as room comes; results and errors reach their own callers."""
    pool = StagePool(1, load_tagger=False, load_extractor=False)
    sent = _recording(pool)
    batcher = pool.batcher(_echo)
    batcher.size = 3
    values = ["slow", "next", "a", "raise", "b", "c"]

    async def main():
        calls = [batcher.run(values[0], 0.5), batcher.run(values[1], 0.2)]
        calls += [batcher.run(v) for v in values[2:]]
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        done = asyncio.run(asyncio.wait_for(main(), 60))
        assert pool.batcher(_echo) is batcher and pool.in_flight == 0
    finally:
        pool.shutdown()
    assert done[:3] == ["slow", "next", "a"] and done[4:] == ["b", "c"]
    assert isinstance(done[3], WorkerError) and "no such page" in str(done[3])
    # At once while there was room; then three together, then the last one alone.
    assert sent == ["_echo", "_echo", ["a", "raise", "b"], "_echo"]


def test_a_batch_that_kills_its_worker_is_sent_again_one_call_at_a_time():
    pool = StagePool(1, load_tagger=False, load_extractor=False)
    sent = _recording(pool)
    batcher = pool.batcher(_echo)

    async def main():
        calls = [batcher.run("slow", 0.3), batcher.run("next", 0.1)]
        calls += [batcher.run(v) for v in ("a", "die", "b")]
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        done = asyncio.run(asyncio.wait_for(main(), 120))
    finally:
        pool.shutdown()
    assert done[:3] == ["slow", "next", "a"] and done[4] == "b"
    assert isinstance(done[3], BrokenProcessPool)  # only the call that kills the worker
    assert ["a", "die", "b"] in sent and sent.count("_echo") >= 5


_POOL_THEN_WAIT = """
import sys, time
from pipeline.pool import StagePool, _noop
if __name__ == "__main__":
    pool = StagePool(2, load_tagger=False, load_extractor=False)
    # Two calls at once, so that both workers start; then their pids.
    futures = [pool.submit(time.sleep, 1.0) for _ in range(2)]
    [f.result() for f in futures]
    print(" ".join(str(p) for p in pool._executor._processes), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_workers_end_when_the_crawl_process_is_killed(tmp_path):
    script = tmp_path / "pool_then_wait.py"
    script.write_text(_POOL_THEN_WAIT)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers), "worker processes outlived the crawl"


def test_a_worker_whose_crawl_died_during_its_start_up_ends_at_once():
    # The initializer is told the crawl's pid; pid 1 is not this process's parent, as
    # after a crawl died before its worker got that far.
    code = ("from pipeline.pool import _init_worker\n"
            "_init_worker(False, False, parent=1)\n"
            "print('still running')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert "still running" not in done.stdout


_READ_RESULT = """
import pickle, sys
results = pickle.loads(sys.stdin.buffer.read())
tags, mentions = results[0]
heavy = sorted(m for m in ("sklearn", "scipy", "skops", "classifier.tagger") if m in sys.modules)
print(type(mentions[0]).__name__, mentions[0].field, " ".join(heavy) or "none")
"""


def test_reading_a_tag_result_imports_no_model_code():
    """The crawl process and retag's parent unpickle the workers' results: that must
    not load scikit-learn and the model code (3 s and 110 MB) into them."""
    from classifier.tagger import Tagger

    results = Tagger().tag_many([(
        "Raxio Data Centres opened a 10 MW data centre in Kampala, Uganda, on Monday, "
        "backed by the IFC.", "Raxio opens Kampala data centre", "en")])
    assert results[0][1], "the article gives mentions: the test reads one back"
    out = subprocess.run([sys.executable, "-c", _READ_RESULT], input=pickle.dumps(results),
                         capture_output=True, cwd=Path(__file__).resolve().parent.parent,
                         check=True).stdout.decode().split()
    assert out[0] == "MentionRow" and out[1] in ("operators", "investors", "countries",
                                                  "cities", "capacity_mw")
    assert out[2:] == ["none"]


def test_the_crawl_side_of_the_stages_imports_no_extractor():
    """With worker processes, extraction never runs in the crawl process: loading the
    stages, the spider and naming the workers' functions must not import trafilatura."""
    code = ("import sys\n"
            "import pipeline.stages, pipeline.analyse, pipeline.store, spiders.news\n"
            "from pipeline.analyse import analyse_page\n"
            "print('trafilatura' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, check=True).stdout
    assert out.split() == ["False"]


@pytest.mark.parametrize("body", [b"", b"<html>\xc3\xa9t\xc3\xa9</html>", bytes(range(256)) * 4000])
def test_stored_bodies_are_plain_gzip(body):
    """Whatever compresses them (ISA-L when installed), stdlib gzip reads them back."""
    import gzip
    import hashlib

    from pipeline.pool import stored_body

    digest, packed = stored_body(body)
    assert packed[:2] == b"\x1f\x8b" and gzip.decompress(packed) == body
    assert digest == hashlib.sha256(body).hexdigest()
