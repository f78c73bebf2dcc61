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
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from classifier.matching import name_key
from db.schema import LIST_TAGS, TAG_COLUMNS

if TYPE_CHECKING:  # the tagger pulls in scikit-learn: not needed to open a database
    from classifier.mentions import MentionRow

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


#: ``json.dumps(value, ensure_ascii=False)`` without building an encoder per call (only
#: the no-argument form reuses one): four lists per article, 20,000 articles a retag.
_json_list = json.JSONEncoder(ensure_ascii=False).encode


def tag_columns(tags: dict[str, Any]) -> dict[str, Any]:
    """Article column values for a tagger result (lists as JSON, booleans as 0/1)."""
    tags = conformed_tags(tags)
    row = {}
    for column in TAG_COLUMNS:
        value = tags.get(column)
        if column in LIST_TAGS:
            value = _json_list(value) if value else "[]"
        elif column == "relevant":
            value = int(bool(value))
        row[column] = value
    return row


def write_tags(db: sqlite_utils.Database, article_url: str, tags: dict[str, Any],
               mentions: Iterable[MentionRow]) -> None:
    """Replace one article's tags and mentions (call inside ``db.atomic()``)."""
    write_tags_many(db, [(article_url, tags, mentions)])


def write_tags_many(db: sqlite_utils.Database,
                    results: Iterable[tuple[str, dict[str, Any], Iterable[MentionRow]]],
                    stored: Mapping[str, Mapping[str, Any]] | None = None) -> int:
    """Replace the tags and mentions of many articles (call inside ``db.atomic()``); returns
    how many article rows got new tags.

    The same rows as :func:`write_tags` on each in turn (an article listed twice
    keeps its last tags), written set-wise for ``dcradar retag``: one prepared
    statement each for the updates, deletions and insertions, and each
    organisation read and written once for all its mentions, not once per
    mention (half of retag's write time at 20,000 articles, issue 6).

    ``stored``: the tag columns as the caller read them with the text it
    tagged, by URL. An article whose new columns equal them is not updated:
    its row holds its text, so SQLite would rewrite the whole record, overflow
    pages and all, to store the same values. Its mentions are replaced all
    the same.
    """
    results = list(results)
    last = {url: at for at, (url, _, _) in enumerate(results)}
    stored = stored or {}
    updates, dropped = [], []
    for at, (url, tags, _) in enumerate(results):
        columns = tag_columns(tags)
        if last[url] == at and stored.get(url) != columns:  # an article's last tags count
            updates.append({**columns, "url": url})
        # An amount dropped by conformed_tags keeps no supporting mention either.
        dropped.append({k for k in AMOUNT_TAGS if tags.get(k) is not None and columns[k] is None})
    if not results:
        return 0
    sets = ", ".join(f"[{c}] = :{c}" for c in TAG_COLUMNS)
    db.conn.executemany(f"UPDATE articles SET {sets} WHERE url = :url", updates)
    db.conn.executemany("DELETE FROM mentions WHERE article_url = ?", [(u,) for u in last])
    rows, organizations = [], []
    for at, (url, _, mentions) in enumerate(results):
        for m in mentions:
            if m.field in dropped[at]:
                continue
            if last[url] == at:  # an article's mentions are its last result's
                rows.append((url, m.field, m.value, m.normalized, m.confidence, m.sentence))
            if m.field in ("operators", "investors"):  # every spelling seen is kept
                organizations.append(m)
    # One prepared statement, not sqlite-utils' insert_all, which looks the table's
    # columns up on each call.
    db.conn.executemany(_INSERT_MENTION, rows)
    _note_organizations(db, organizations)
    return len(updates)


def organization_name_rank(name: str) -> tuple[bool, int, str]:
    """Sort key of the spellings an organisation's name is chosen from: the first is its
    name. The longest (the most informative: "African Development Bank Group" over
    "African Development Bank"), not in capitals only, then A-Z."""
    return name.isupper(), -len(name), name


def _note_organizations(db: sqlite_utils.Database, mentions: list[MentionRow]) -> None:
    """Add the spellings of the named organisations; of the tagger's spellings of each (by
    name key), the first by :func:`organization_name_rank` is its name.

    Not the first spelling seen, as it was: articles are stored in the order their
    pages happen to finish, so two crawls of the same pages named some organisations
    differently, and the projects built on those names differed too (16,276 and
    16,274 projects at 20k pages). The best spelling of all seen is the same
    whatever the order.
    """
    now = datetime.now(UTC).isoformat(timespec="seconds")
    keys: dict[str, str] = {}
    names: dict[str, str] = {}  # key -> best spelling of this batch
    spellings: dict[str, set[str]] = {}
    for m in mentions:
        key = keys.get(m.normalized)
        if key is None:
            key = keys[m.normalized] = name_key(m.normalized)
        best = names.get(key)
        if best is None or organization_name_rank(m.normalized) < organization_name_rank(best):
            names[key] = m.normalized
        spellings.setdefault(key, set()).update((m.value, m.normalized))
    for key, best in names.items():
        row = db.execute("SELECT name, aliases FROM organizations WHERE key = ?",
                         [key]).fetchone()
        aliases = set(json.loads(row[1])) if row else set()
        aliases |= spellings[key]
        if row:
            aliases.add(row[0])  # a former name stays one of its spellings
        name = min(row[0], best, key=organization_name_rank) if row else best
        aliases.discard(name)
        db.execute(
            "INSERT INTO organizations (key, name, aliases, first_seen, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET name = excluded.name, "
            "aliases = excluded.aliases, updated_at = excluded.updated_at",
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
