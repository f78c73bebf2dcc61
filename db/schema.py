"""The SQLite schema, created and migrated through sqlite-utils.

One file holds everything an analyst or a re-run needs: every fetched URL
(``pages``, with its compressed raw HTML so re-extraction never re-crawls),
the articles, and the sources they came from. ``ensure_schema`` is
idempotent: it creates what is missing and adds new columns to old files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlite_utils

#: Tag columns of ``articles`` and their SQLite types (lists are JSON text).
TAG_COLUMNS: dict[str, type] = {
    "relevant": int,
    "operators": str,
    "investors": str,
    "countries": str,
    "capacity_mw": float,
    "cities": str,
    "event": str,
    "investment_usd": float,
}
LIST_TAGS = ("operators", "investors", "countries", "cities")

SOURCES = {
    "name": str, "title": str, "homepage": str, "language": str, "kind": str,
    "entry_points": str, "updated_at": str,
}
PAGES = {
    "url": str, "source": str, "final_url": str, "status": int, "kind": str, "reason": str,
    "fetched_at": str, "content_type": str, "encoding": str, "etag": str,
    "last_modified": str, "content_hash": str, "size": int, "html_gz": bytes, "hops": int,
    "lastmod": str, "article_url": str,
}
#: ``text`` comes last: a row whose text does not fit in its page keeps only its first
#: few hundred bytes there and the rest in overflow pages, and a column after ``text``
#: is read through them. Reading the tags, as a faceted search does for each matching
#: article, took 17 ms for the 4,275 matches of one search in 20,000 articles, and
#: 12 ms with ``text`` last (issue 6). A database made before keeps its order: every
#: query reads columns by name.
ARTICLES = {
    "url": str, "source": str, "fetched_url": str, "title": str, "published": str,
    "language": str, "author": str, "word_count": int, "content_hash": str,
    "first_seen": str, "last_seen": str, **TAG_COLUMNS, "text": str,
}


#: Fingerprints of schemas :func:`ensure_schema` has completed in this process. A crawl
#: opens its database several times as it starts (the store, the run records, the
#: ledger ...), and checking every table, column and index each time was 5-6 ms a call,
#: while the crawl process is what the first request waits for.
_COMPLETE_SCHEMAS: set[str] = set()


def schema_fingerprint(db: sqlite_utils.Database) -> str:
    """A hash of every table, index, view and trigger definition in ``db``: equal
    fingerprints, equal schemas (whatever file or connection they were read from)."""
    rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                      "ORDER BY type, name").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a dcradar database in WAL mode with the schema in place.

    WAL lets Datasette read while a crawl writes; ``busy_timeout`` makes a
    second writer wait instead of failing at once. ``synchronous = NORMAL`` (the
    setting SQLite recommends with WAL) syncs the WAL at checkpoints instead of at
    every commit: a crash of the process (SIGKILL included) still loses no
    committed item and nothing is ever corrupted; only a power cut may drop the
    last commits, which the next crawl fetches again. A crawl commits once per
    page, and an fsync each time was a tenth of the crawl's CPU (issue 6).
    """
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    if schema_fingerprint(db) not in _COMPLETE_SCHEMAS:
        ensure_schema(db)
        _COMPLETE_SCHEMAS.add(schema_fingerprint(db))
    return db


def _table(db: sqlite_utils.Database, name: str, columns: dict, pk: str,
           foreign_keys: list | None = None) -> None:
    table = db[name]
    if not table.exists():
        table.create(columns, pk=pk, foreign_keys=foreign_keys or [])
        return
    missing = {c: t for c, t in columns.items() if c not in table.columns_dict}
    for column, kind in missing.items():
        table.add_column(column, kind)


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create or upgrade every table and index; safe to call on every open."""
    with db.atomic():
        _table(db, "sources", SOURCES, "name")
        _table(db, "pages", PAGES, "url")
        _table(db, "articles", ARTICLES, "url")
        db["pages"].create_index(["source"], if_not_exists=True)
        db["pages"].create_index(["kind"], if_not_exists=True)
        db["pages"].create_index(["final_url"], if_not_exists=True)
        db["articles"].create_index(["source"], if_not_exists=True)
        db["articles"].create_index(["published"], if_not_exists=True)
        db["articles"].create_index(["content_hash"], if_not_exists=True)
        # Run records, per-page run state and article history (nightly crawls).
        from db.runs import ensure_run_schema

        ensure_run_schema(db)
        # Mentions supporting each tag, and the organisations they name.
        from db.tags import ensure_tag_schema

        ensure_tag_schema(db)
