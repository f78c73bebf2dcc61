"""Idempotent, transactional storage."""

from __future__ import annotations

import sqlite3

from db import schema
from db.runs import page_run
from db.schema import open_db
from db.writes import upsert_article, upsert_page


def _article(**kw):
    row = {"url": "http://x/a/", "source": "s", "title": "T", "text": "body", "word_count": 1,
           "content_hash": "h1", "first_seen": "2026-01-01", "last_seen": "2026-01-01"}
    row.update(kw)
    return row


def test_schema_is_wal_and_idempotent(tmp_path):
    db = open_db(tmp_path / "x.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    open_db(tmp_path / "x.db")  # a second open neither fails nor duplicates anything
    assert {"sources", "pages", "articles"} <= set(db.table_names())


def test_a_schema_completed_once_is_not_checked_again_but_any_other_is(tmp_path, monkeypatch):
    open_db(tmp_path / "a.db")
    calls = []
    ensure = schema.ensure_schema
    monkeypatch.setattr(schema, "ensure_schema", lambda db: calls.append(db) or ensure(db))
    open_db(tmp_path / "a.db")
    open_db(tmp_path / "b.db")  # a new file: an empty schema
    assert len(calls) == 1
    conn = sqlite3.connect(tmp_path / "a.db")
    conn.execute("DROP INDEX idx_pages_kind")  # what an old or damaged file may lack
    conn.close()
    db = open_db(tmp_path / "a.db")
    assert len(calls) == 2 and "idx_pages_kind" in {i.name for i in db["pages"].indexes}


def test_article_text_is_the_last_column(tmp_path):
    # So that the tags a faceted search reads sit before the text's overflow pages.
    columns = list(open_db(tmp_path / "x.db")["articles"].columns_dict)
    assert columns[-1] == "text" and "operators" in columns


def test_article_upsert_keeps_first_seen_and_reports_changes(tmp_path):
    db = open_db(tmp_path / "x.db")
    with db.atomic():
        assert upsert_article(db, _article()) == "new"
    with db.atomic():
        assert upsert_article(db, _article(first_seen="2026-02-02", last_seen="2026-02-02")) \
            == "unchanged"
    with db.atomic():
        assert upsert_article(db, _article(content_hash="h2", last_seen="2026-03-03")) == "updated"
    (row,) = db.query("SELECT * FROM articles")
    assert row["first_seen"] == "2026-01-01" and row["last_seen"] == "2026-03-03"


def test_a_crawl_without_tags_keeps_earlier_tags(tmp_path):
    db = open_db(tmp_path / "x.db")
    with db.atomic():
        upsert_article(db, _article(relevant=1, operators=["N+One"]))
        upsert_article(db, _article(last_seen="2026-04-04"))
    (row,) = db.query("SELECT relevant, operators FROM articles")
    assert row == {"relevant": 1, "operators": '["N+One"]'}


def test_page_writes_roll_back_as_a_unit(tmp_path):
    db = open_db(tmp_path / "x.db")
    try:
        with db.atomic():
            upsert_page(db, {"url": "http://x/1", "source": "s", "status": 200})
            raise RuntimeError("crash mid-item")
    except RuntimeError:
        pass
    assert db["pages"].count == 0


def test_a_page_write_may_carry_the_run_ledger(tmp_path):
    db = open_db(tmp_path / "x.db")
    ledger = {"run_id": "r1", "checked_at": "2026-01-01T00:00:00+00:00",
              "check_result": "fetched"}
    with db.atomic():
        upsert_page(db, {"url": "http://x/1", "source": "s", "status": 200}, ledger)
    assert page_run(db, "http://x/1") == "r1"
    # a write without a ledger leaves the run columns as they are
    with db.atomic():
        upsert_page(db, {"url": "http://x/1", "source": "s", "status": 304})
    (row,) = db.query("SELECT status, run_id, checked_at, check_result FROM pages")
    assert row == {"status": 304, **ledger}
    assert page_run(db, "http://x/2") is None
