"""Data safety: kill -9 during writes, Datasette reading during writes, interrupted
retag and build-projects.

The writer (:mod:`hostile.writer`) stores through the crawl's own item
pipeline, one transaction per item, in WAL mode; :func:`hostile.writer.problems`
checks that every snapshot holds whole items only.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from datasette_support import SyncClient, gold_served_db
from nightly_support import wait_for

from hostile import writer
from hostile.support import record
from pipeline.retag import retag
from pipeline.serve import prepare_database

WRITER = [sys.executable, str(Path(writer.__file__))]


def count(db: Path, table: str = "articles") -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0
    finally:
        conn.close()


def start_writer(db: Path, start: int, n: int, *flags: str) -> subprocess.Popen:
    ready = Path(str(db) + ".ready")
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen([*WRITER, str(db), str(start), str(n), *flags], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: ready.exists() or proc.poll() is not None, 60, "the writer to start")
    return proc


def test_kill_9_during_writes_leaves_a_consistent_database(tmp_path):
    db = tmp_path / "killed.db"
    rng = random.Random(7)
    started = time.monotonic()
    stored = 0
    for _ in range(5):
        proc = start_writer(db, stored, 100_000)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert writer.problems(db) == []
        assert count(db) >= stored  # committed items survive
        stored = count(db)
    # And a kill inside a transaction, after the page and article rows, before the tags.
    proc = start_writer(db, stored, 3, "--die-in-transaction")
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert writer.problems(db) == []
    assert count(db) == stored and count(db, "pages") == stored  # the item vanished whole
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    record("kill -9 during writes (5 random + 1 mid-transaction)",
           time.monotonic() - started, None, f"consistent; {stored} whole items kept")


def test_datasette_reads_consistent_rows_while_a_crawl_writes(tmp_path):
    db = tmp_path / "live.db"
    writer.store(db, 0, 5)  # schema, search triggers and projects, as `dcradar serve` has them
    prepare_database(db)
    client = SyncClient(db)
    proc = start_writer(db, 5, 100_000)
    checks = {
        "orphan pages": "SELECT count(*) AS n FROM pages WHERE article_url IS NOT NULL AND "
                        "article_url NOT IN (SELECT url FROM articles)",
        "untagged": "SELECT count(*) AS n FROM articles WHERE relevant IS NULL",
        "mentions": "SELECT count(*) AS n FROM articles a WHERE (SELECT count(*) FROM "
                    f"mentions m WHERE m.article_url = a.url) != {writer.MENTIONS}",
        "search": "SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM "
                  "articles_fts) AS n",
    }
    reads, seen, slowest = 0, set(), 0.0
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and proc.poll() is None:
            for name, sql in checks.items():
                t = time.monotonic()
                response = client.get("/dcradar.json", params={"sql": sql, "_shape": "array"})
                slowest = max(slowest, time.monotonic() - t)
                assert response.status_code == 200, response.text
                assert response.json()[0]["n"] == 0, (name, response.json())
                reads += 1
            rows = client.get("/dcradar/articles.json?_shape=array&_size=100").json()
            assert isinstance(rows, list), rows
            assert all(r["relevant"] == 1 and json.loads(r["countries"]) == ["MA", "SN"]
                       for r in rows), rows[:1]
            seen.add(len(rows))
        assert proc.poll() is None, proc.stderr.read()[-2000:]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        client.close()
    written = count(db)
    assert written > 20 and reads > 20, (written, reads)  # they really overlapped
    assert writer.problems(db) == []
    record("Datasette reading while the crawl writes", slowest, None,
           f"{reads} reads, all consistent, during {written} item writes")


class FakeTagger:
    """A tagger with different answers (Kenya, 99 MW); it can fail or be killed mid-write."""

    def __init__(self, fail_on_batch: int | None = None, kill_at_write: int | None = None):
        self.fail_on_batch = fail_on_batch
        self.kill_at_write = kill_at_write
        self.batches = 0
        self.given = 0

    def tag_many(self, items):
        self.batches += 1
        if self.batches == self.fail_on_batch:
            raise RuntimeError("the model fell over")
        out = []
        for _ in items:
            self.given += 1
            mentions = [writer.Mention("countries", "Kenya", "KE", 0.9, "In Kenya.")]
            if self.given == self.kill_at_write:
                mentions = _KillWhenWritten(mentions)
            out.append(({"relevant": True, "operators": ["Other"], "investors": [],
                         "countries": ["KE"], "capacity_mw": 99.0, "cities": [],
                         "event": "expansion", "investment_usd": None}, mentions))
        return out


class _KillWhenWritten(list):
    """Mentions that SIGKILL the process when written (inside retag's transaction)."""

    def __iter__(self):
        os.kill(os.getpid(), signal.SIGKILL)
        return super().__iter__()


def tag_state(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {"articles": conn.execute("SELECT url, relevant, operators, countries, "
                                         "capacity_mw, event FROM articles ORDER BY url"
                                         ).fetchall(),
                "mentions": conn.execute("SELECT article_url, field, normalized FROM mentions "
                                         "ORDER BY 1, 2, 3").fetchall(),
                "organizations": conn.execute("SELECT key, aliases, operator_articles FROM "
                                              "organizations ORDER BY key").fetchall()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def tagged_db(tmp_path_factory) -> Path:
    """450 tagged articles: three of retag's batches."""
    db = tmp_path_factory.mktemp("retag") / "tagged.db"
    writer.store(db, 0, 450)
    return db


def test_an_interrupted_retag_leaves_the_previous_tags(tagged_db, tmp_path):
    db = tmp_path / "retag.db"
    db.write_bytes(tagged_db.read_bytes())
    before = tag_state(db)
    assert before["articles"][0][3] == '["MA", "SN"]'
    # An exception in the third batch ...
    with pytest.raises(RuntimeError):
        retag(db, tagger=FakeTagger(fail_on_batch=3))
    assert tag_state(db) == before
    # ... and SIGKILL half way through writing the new tags.
    started = time.monotonic()
    script = ("import sys; sys.path[:0] = sys.argv[2:]; "
              "from hostile.test_data_safety import FakeTagger; "
              "from pipeline.retag import retag; "
              "retag(sys.argv[1], tagger=FakeTagger(kill_at_write=300))")
    proc = subprocess.run([sys.executable, "-c", script, str(db), str(REPO / "tests"),
                           str(REPO)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert tag_state(db) == before
    assert writer.problems(db) == []
    # Uninterrupted, every article gets the new tags.
    assert retag(db, tagger=FakeTagger()) == 450
    after = tag_state(db)
    assert {row[3] for row in after["articles"]} == {'["KE"]'}
    record("retag interrupted (exception; SIGKILL mid-write)", time.monotonic() - started,
           None, "previous tags and mentions of all 450 articles kept")


def test_a_retag_that_changes_no_tag_rewrites_no_article_row(tagged_db, tmp_path):
    db = tmp_path / "retag.db"
    db.write_bytes(tagged_db.read_bytes())
    assert retag(db, tagger=FakeTagger()) == 450
    after = tag_state(db)
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE updated (url TEXT); CREATE TRIGGER log_updates AFTER "
                       "UPDATE ON articles BEGIN INSERT INTO updated VALUES (new.url); END;")
    conn.close()
    # The same answers again: same tags and mentions, and no article row rewritten ...
    assert retag(db, tagger=FakeTagger()) == 450
    assert tag_state(db) == after
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM updated").fetchone()[0] == 0
    # ... while an article whose tags do change is written.
    conn.execute("UPDATE articles SET capacity_mw = 1 WHERE rowid = 7")
    conn.execute("DELETE FROM updated")
    conn.commit()
    conn.close()
    assert retag(db, tagger=FakeTagger()) == 450
    assert tag_state(db) == after
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM updated").fetchone()[0] == 1
    conn.close()


def test_a_build_projects_killed_mid_write_leaves_the_previous_projects(tmp_path):
    db = gold_served_db(tmp_path)
    conn = sqlite3.connect(db)
    before = conn.execute("SELECT * FROM projects ORDER BY project_id").fetchall()
    links = conn.execute("SELECT * FROM project_articles ORDER BY 1, 2").fetchall()
    conn.close()
    assert before
    script = ("import os, signal, sys; sys.path.insert(0, sys.argv[2]); "
              "import db.projects as p; real = p._write\n"
              "def write(*a):\n    real(*a); os.kill(os.getpid(), signal.SIGKILL)\n"
              "p._write = write\n"
              "from pipeline.projects_cli import rebuild; rebuild(sys.argv[1])")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script, str(db), str(REPO)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM projects ORDER BY project_id").fetchall() == before
    assert conn.execute("SELECT * FROM project_articles ORDER BY 1, 2").fetchall() == links
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    record("build-projects SIGKILLed after writing, before commit",
           time.monotonic() - started, None, "previous projects kept")
