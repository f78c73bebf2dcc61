"""Tags, the mentions that support them, and the organisations they name.

An analyst must be able to see why a tag was given: every tag value has a
``mentions`` row with the sentence it came from and the model's confidence.
``organizations`` keeps one row per organisation (by name key) with every way
the articles wrote its name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from classifier.matching import name_key
from db.schema import LIST_TAGS, TAG_COLUMNS

if TYPE_CHECKING:  # the tagger pulls in scikit-learn: not needed to open a database
    from classifier.tagger import MentionRow

MENTIONS = {"id": int, "article_url": str, "field": str, "value": str, "normalized": str,
            "confidence": float, "sentence": str}
ORGANIZATIONS = {"key": str, "name": str, "aliases": str, "operator_articles": int,
                 "investor_articles": int, "first_seen": str, "updated_at": str}


def ensure_tag_schema(db: sqlite_utils.Database) -> None:
    """Create ``mentions`` and ``organizations`` if missing (idempotent)."""
    if not db["mentions"].exists():
        db["mentions"].create(MENTIONS, pk="id", foreign_keys=[("article_url", "articles", "url")])
    db["mentions"].create_index(["article_url"], if_not_exists=True)
    db["mentions"].create_index(["field", "normalized"], if_not_exists=True)
    if not db["organizations"].exists():
        db["organizations"].create(ORGANIZATIONS, pk="key")


def tag_columns(tags: dict[str, Any]) -> dict[str, Any]:
    """Article column values for a tagger result (lists as JSON, booleans as 0/1)."""
    row = {}
    for column in TAG_COLUMNS:
        value = tags.get(column)
        if column in LIST_TAGS:
            value = json.dumps(value or [], ensure_ascii=False)
        elif column == "relevant":
            value = int(bool(value))
        row[column] = value
    return row


def write_tags(db: sqlite_utils.Database, article_url: str, tags: dict[str, Any],
               mentions: Iterable[MentionRow]) -> None:
    """Replace one article's tags and mentions (call inside ``db.atomic()``)."""
    columns = tag_columns(tags)
    sets = ", ".join(f"[{c}] = :{c}" for c in columns)
    db.execute(f"UPDATE articles SET {sets} WHERE url = :url", {**columns, "url": article_url})
    db.execute("DELETE FROM mentions WHERE article_url = ?", [article_url])
    rows = [{"article_url": article_url, "field": m.field, "value": m.value,
             "normalized": m.normalized, "confidence": m.confidence, "sentence": m.sentence}
            for m in mentions]
    if rows:
        db["mentions"].insert_all(rows)
    _note_organizations(db, [m for m in mentions if m.field in ("operators", "investors")])


def _note_organizations(db: sqlite_utils.Database, mentions: list[MentionRow]) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for m in mentions:
        key = name_key(m.normalized)
        row = db.execute("SELECT name, aliases FROM organizations WHERE key = ?",
                         [key]).fetchone()
        aliases = set(json.loads(row[1])) if row else set()
        aliases |= {m.value, m.normalized}
        name = row[0] if row else m.normalized
        aliases.discard(name)
        db.execute(
            "INSERT INTO organizations (key, name, aliases, first_seen, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET aliases = excluded.aliases, "
            "updated_at = excluded.updated_at",
            [key, name, json.dumps(sorted(aliases), ensure_ascii=False), now, now])


def refresh_organization_counts(db: sqlite_utils.Database) -> None:
    """Recount, per organisation, the articles that name it as operator and as investor."""
    with db.atomic():
        db.execute("""
            UPDATE organizations SET
              operator_articles = (SELECT count(DISTINCT article_url) FROM mentions m
                                   WHERE m.field = 'operators'
                                     AND organizations.name IN (m.normalized, m.value)),
              investor_articles = (SELECT count(DISTINCT article_url) FROM mentions m
                                   WHERE m.field = 'investors'
                                     AND organizations.name IN (m.normalized, m.value))
        """)
