"""Tags, the mentions that support them, and the organisations they name.

An analyst must be able to see why a tag was given: every tag value has a
``mentions`` row with the sentence it came from and the model's confidence.
``organizations`` keeps one row per organisation (by name key) with every way
the articles wrote its name.
"""

from __future__ import annotations

import json
import math
import re
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
_INSERT_MENTION = ("INSERT INTO mentions (article_url, field, value, normalized, confidence, "
                   "sentence) VALUES (?, ?, ?, ?, ?, ?)")
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
    # refresh_organization_counts joins mentions to organisations by name
    db["organizations"].create_index(["name"], if_not_exists=True)


#: Tag columns that hold an amount: a positive, finite number or NULL.
AMOUNT_TAGS = ("capacity_mw", "investment_usd")
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


def conformed_tags(tags: dict[str, Any]) -> dict[str, Any]:
    """A tagger result held to the stored schema, whatever the model returned.

    The database, the projects, Datasette and the exports promise: countries
    are ISO alpha-2 codes, amounts are positive finite numbers or NULL, lists
    hold non-empty strings. The model mostly keeps that promise, but fuzzing
    found it rounds "0.0004 MW" to a capacity of 0; so what does not fit is
    dropped here, at the one place tags are written.
    """
    out = dict(tags)
    for key in AMOUNT_TAGS:
        value = out.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value <= 0:
            out[key] = None
    for key in LIST_TAGS:
        values = out.get(key) or []
        out[key] = [v for v in values if isinstance(v, str) and v.strip()] \
            if isinstance(values, list | tuple) else []
    out["countries"] = [c for c in out["countries"] if _COUNTRY_CODE.match(c)]
    return out


def tag_columns(tags: dict[str, Any]) -> dict[str, Any]:
    """Article column values for a tagger result (lists as JSON, booleans as 0/1)."""
    tags = conformed_tags(tags)
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
    # An amount dropped by conformed_tags keeps no supporting mention either.
    dropped = {k for k in AMOUNT_TAGS if tags.get(k) is not None and columns[k] is None}
    mentions = [m for m in mentions if m.field not in dropped]
    if mentions:
        # One prepared statement, not sqlite-utils' insert_all, which looks the table's
        # columns up on each call: a quarter of retag's write time (issue 6).
        db.conn.executemany(_INSERT_MENTION, [
            (article_url, m.field, m.value, m.normalized, m.confidence, m.sentence)
            for m in mentions])
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
    """Recount, per organisation, the articles that name it as operator and as investor.

    One pass over the mentions, joined to the organisations by name (on either
    spelling a mention keeps), not one scan of all mentions per organisation:
    that grew with organisations x mentions, 1 s at 1,000 articles and a
    minute at 20,000 (issue 6).
    """
    with db.atomic():
        db.execute("DROP TABLE IF EXISTS temp.org_counts")
        db.execute("CREATE TEMP TABLE org_counts (key TEXT PRIMARY KEY, ops INTEGER, "
                   "invs INTEGER)")
        db.execute("""
            INSERT INTO temp.org_counts (key, ops, invs)
            SELECT key, sum(field = 'operators'), sum(field = 'investors') FROM (
              SELECT o.key, m.field, m.article_url FROM mentions m
                JOIN organizations o ON o.name = m.normalized
               WHERE m.field IN ('operators', 'investors')
              UNION
              SELECT o.key, m.field, m.article_url FROM mentions m
                JOIN organizations o ON o.name = m.value
               WHERE m.field IN ('operators', 'investors'))
            GROUP BY key
        """)
        db.execute("""
            UPDATE organizations SET
              operator_articles = coalesce((SELECT ops FROM temp.org_counts c
                                            WHERE c.key = organizations.key), 0),
              investor_articles = coalesce((SELECT invs FROM temp.org_counts c
                                            WHERE c.key = organizations.key), 0)
        """)
        db.execute("DROP TABLE temp.org_counts")
