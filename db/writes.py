"""Transactional writes of crawl results: idempotent upserts keyed by URL.

Re-running a crawl must not add rows, and an article must keep the date it
was first seen, so upserts here update in place and never touch
``first_seen`` once set.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import sqlite_utils

from db.runs import PAGE_COLUMNS
from db.schema import ARTICLES, PAGES


def upsert_source(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Insert or refresh one ``sources`` row."""
    db["sources"].upsert(row, pk="name")


@lru_cache(maxsize=64)
def _upsert_sql(table: str, columns: tuple[str, ...], keep: tuple[str, ...] = ()) -> str:
    """The upsert of ``columns`` into ``table``, keyed by ``url``; ``keep``: columns an
    update leaves alone. Cached: a crawl writes a few column sets, once per page each, and
    building the text was a quarter of the store's own Python time."""
    cols = list(columns)
    kept = set(keep) | {"url"}
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c not in kept)
    placeholders = ", ".join(f":{c}" for c in cols)
    names = ", ".join(f"[{c}]" for c in cols)
    return (f"INSERT INTO [{table}] ({names}) VALUES ({placeholders}) "
            f"ON CONFLICT(url) DO UPDATE SET {updates}")


def upsert_page(db: sqlite_utils.Database, row: dict[str, Any],
                ledger: dict[str, Any] | None = None) -> None:
    """Insert or replace the record of one fetched URL (call inside a transaction).

    ``ledger`` sets the run columns (:data:`db.runs.PAGE_COLUMNS`) in the same
    write: a row holds the compressed page, and SQLite rewrites the whole row
    on any update, so setting them apart afterwards wrote it twice.
    """
    full = {c: row.get(c) for c in PAGES}
    if ledger:
        full.update({c: ledger[c] for c in PAGE_COLUMNS})
    db.execute(_upsert_sql("pages", tuple(full)), full)


def upsert_article(db: sqlite_utils.Database, row: dict[str, Any]) -> str:
    """Insert an article or update it in place; returns ``new``, ``updated`` or ``unchanged``.

    Tag columns are left alone when ``row`` has none (a crawl without a
    tagger must not wipe earlier tags), and ``first_seen`` is kept.
    """
    existing = db.execute("SELECT content_hash FROM articles WHERE url = ?",
                          [row["url"]]).fetchone()
    columns = [c for c in ARTICLES if c in row]
    values = {c: (json.dumps(row[c], ensure_ascii=False) if isinstance(row[c], list)
                  else row[c]) for c in columns}
    db.execute(_upsert_sql("articles", tuple(columns), keep=("first_seen",)), values)
    if existing is None:
        return "new"
    return "unchanged" if existing[0] == row.get("content_hash") else "updated"
