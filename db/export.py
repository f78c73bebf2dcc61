"""Read articles back out in the shape of FORMAT.md's "Predictions"."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

import sqlite_utils

from db.schema import LIST_TAGS

#: Export columns, in order; types as FORMAT.md's "Predictions" table says.
ARTICLE_FIELDS = ("url", "title", "published", "language", "text", "relevant", "operators",
                  "investors", "countries", "capacity_mw", "cities", "event", "investment_usd")


def _list(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    return [str(v) for v in data] if isinstance(data, list) else []


def _number(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def article_records(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """One dict per stored article, with FORMAT.md's JSON types."""
    sql = "SELECT * FROM articles ORDER BY source, url"
    for row in db.query(sql):
        record = {key: row.get(key) for key in ARTICLE_FIELDS}
        record["relevant"] = bool(row.get("relevant"))
        for key in LIST_TAGS:
            record[key] = _list(row.get(key))
        for key in ("capacity_mw", "investment_usd"):
            record[key] = _number(row.get(key))
        record["event"] = row.get("event") or None
        yield record


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """One JSON object per line; returns the count."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterator[dict[str, Any]], out: IO[str], fields: tuple[str, ...]) -> int:
    """CSV with a header; lists as JSON arrays, as Datasette's CSV shows them."""
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else
                         ("" if v is None else v) for k, v in record.items()})
        count += 1
    return count
