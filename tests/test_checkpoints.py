"""db/checkpoints.py: WAL checkpoints in a thread of their own."""

from __future__ import annotations

import os
import sqlite3
import time
from types import SimpleNamespace

import sqlite_utils

from db.checkpoints import SQLITE_DEFAULT_PAGES, WRITER_BOUND_PAGES, Checkpointer
from db.schema import open_db

BODY = 20_000


def _pragma(db: sqlite_utils.Database, name: str) -> int:
    return db.execute(f"PRAGMA {name}").fetchone()[0]


def _write_pages(db: sqlite_utils.Database, n: int) -> None:
    """``n`` commits of one page with a 20 KB body each, as the crawl's store makes them."""
    for _ in range(n):
        with db.conn:
            db.execute("INSERT INTO pages (url, html_gz) VALUES (?, ?)",
                       [f"http://example.com/{os.urandom(8).hex()}", os.urandom(BODY)])


def _in_database_file(path) -> bool:
    """Whether ten bodies are in the database file itself, not only in its log."""
    return os.path.getsize(path) > 10 * BODY


def test_the_writer_gets_its_own_automatic_checkpoints_back(tmp_path):
    db = open_db(tmp_path / "c.db")
    db.execute("PRAGMA wal_autocheckpoint = 500")
    checkpointer = Checkpointer(db, interval_s=0.01).start()
    assert _pragma(db, "wal_autocheckpoint") == WRITER_BOUND_PAGES
    checkpointer.stop()
    assert _pragma(db, "wal_autocheckpoint") == 500
    db.close()


def test_the_thread_copies_the_log_into_the_database(tmp_path):
    db = open_db(tmp_path / "c.db")
    checkpointer = Checkpointer(db, interval_s=0.01).start()
    try:
        assert _pragma(db, "wal_autocheckpoint") == WRITER_BOUND_PAGES
        _write_pages(db, 10)
        deadline = time.monotonic() + 10
        while not _in_database_file(tmp_path / "c.db") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _in_database_file(tmp_path / "c.db")
    finally:
        checkpointer.stop()
    assert _pragma(db, "wal_autocheckpoint") == SQLITE_DEFAULT_PAGES
    db.close()
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 10


def test_without_the_thread_the_log_keeps_the_pages(tmp_path):
    """The contrast that makes the test above mean something: with the thread stopped,
    nothing below the writer's bound copies the log into the database file."""
    db = open_db(tmp_path / "c.db")
    checkpointer = Checkpointer(db, interval_s=0.01).start()
    checkpointer._stop.set()  # the thread ends at once; the writer keeps the bound
    checkpointer._thread.join()
    _write_pages(db, 10)
    time.sleep(0.1)
    assert not _in_database_file(tmp_path / "c.db")
    assert os.path.getsize(tmp_path / "c.db-wal") > 10 * BODY
    db.close()


def test_does_nothing_without_a_wal_file(tmp_path):
    memory = sqlite_utils.Database(memory=True)
    assert Checkpointer(memory).start()._thread is None
    rollback = sqlite_utils.Database(tmp_path / "r.db")
    rollback.execute("CREATE TABLE t (x)")
    checkpointer = Checkpointer(rollback).start()
    assert checkpointer._thread is None
    checkpointer.stop()
    assert _pragma(rollback, "wal_autocheckpoint") == SQLITE_DEFAULT_PAGES


def test_the_crawl_store_runs_one_while_open(tmp_path):
    from pipeline.store import StorePipeline

    store = StorePipeline(str(tmp_path / "s.db"))
    store.crawler = None
    store.open_spider(SimpleNamespace(sources={}))
    thread = store.checkpoints._thread
    assert thread.is_alive()
    store.close_spider()
    assert not thread.is_alive()
