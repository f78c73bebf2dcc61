"""db/checkpoints.py: WAL checkpoints in a thread of their own."""

from __future__ import annotations

import os
import sqlite3
import time

import sqlite_utils

from db.checkpoints import CHECKPOINT_PAGES, WRITER_BOUND_PAGES, Checkpointer
from db.schema import open_db


def _pragma(db: sqlite_utils.Database, name: str) -> int:
    return db.execute(f"PRAGMA {name}").fetchone()[0]


def _write_pages(db: sqlite_utils.Database, n: int, start: int = 0) -> None:
    """``n`` commits of one page with a 20 KB body each, as the crawl's store makes them."""
    for i in range(start, start + n):
        with db.conn:
            db.execute("INSERT INTO pages (url, html_gz) VALUES (?, ?)",
                       [f"http://example.com/{i}", os.urandom(20_000)])


def _wait(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_the_thread_checkpoints_and_the_log_starts_over(tmp_path):
    db = open_db(tmp_path / "c.db")
    wal = tmp_path / "c.db-wal"
    checkpointer = Checkpointer(db, pages=20, poll_s=0.01).start()
    try:
        assert _pragma(db, "wal_autocheckpoint") == WRITER_BOUND_PAGES
        _write_pages(db, 10)  # 50 pages of log, more than 20
        assert _wait(lambda: checkpointer.checkpoints >= 1)
        # All of it copied, the writer's next transaction starts the log over, truncated.
        _write_pages(db, 1, start=10)
        assert wal.stat().st_size < 10 * 20_000
    finally:
        checkpointer.stop()
    assert _pragma(db, "wal_autocheckpoint") == CHECKPOINT_PAGES
    assert _pragma(db, "journal_size_limit") == -1
    db.close()
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 11


def test_without_the_thread_the_log_keeps_its_size(tmp_path):
    """The contrast that makes the test above mean something: stopped, nothing copies the
    log below the writer's bound, and the log file stays as large as it grew."""
    db = open_db(tmp_path / "c.db")
    checkpointer = Checkpointer(db, pages=20, poll_s=0.01).start()
    checkpointer._stop.set()  # the thread ends at once; the writer keeps the bound
    checkpointer._thread.join()
    _write_pages(db, 10)
    size = (tmp_path / "c.db-wal").stat().st_size
    _write_pages(db, 1, start=10)
    assert checkpointer.checkpoints == 0
    assert (tmp_path / "c.db-wal").stat().st_size >= size > 10 * 20_000
    db.close()


def test_does_nothing_without_a_wal_file(tmp_path):
    memory = sqlite_utils.Database(memory=True)
    assert Checkpointer(memory).start()._thread is None
    rollback = sqlite_utils.Database(tmp_path / "r.db")
    rollback.execute("CREATE TABLE t (x)")
    checkpointer = Checkpointer(rollback).start()
    assert checkpointer._thread is None
    checkpointer.stop()
    assert _pragma(rollback, "wal_autocheckpoint") == CHECKPOINT_PAGES  # SQLite's default


def test_the_crawl_store_runs_one_while_open(tmp_path):
    from types import SimpleNamespace

    from pipeline.store import StorePipeline

    store = StorePipeline(str(tmp_path / "s.db"))
    store.crawler = None
    store.open_spider(SimpleNamespace(sources={}))
    assert store.checkpoints._thread.is_alive()
    thread = store.checkpoints._thread
    store.close_spider()
    assert not thread.is_alive()
