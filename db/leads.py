"""Lead lists: the ``projects`` table filtered for business development, as CSV or JSON Lines.

Why this mirrors Datasette exactly: a BD team downloads the CSV from the
projects page in Datasette one day and runs ``dcradar export --what projects``
from a script the next; both must give the same rows, in the same order, with
lists encoded the same way, or the CRM import sees phantom changes. So:

* every filter is one of Datasette's own table filters, and
  :func:`datasette_query` writes the equivalent query string
  (``country=MA&last_reported__gte=2024-01-01``);
* the order is the table's default sort, ``recency`` (unique, so there are
  no ties for either side to break differently);
* the CSV is written by :mod:`csv` with the default dialect (``\\r\\n`` line
  ends, minimal quoting) from the raw SQLite values, as Datasette does: list
  columns are their JSON text, NULL is an empty field, REAL is ``repr``.

JSON Lines is for programs: the same rows and order, lists as JSON arrays and
integral numbers as integers (the JSON types of FORMAT.md).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlencode

import sqlite_utils

from db.projects import PROJECT_COLUMNS, PROJECT_LIST_COLUMNS, name_key

DEFAULT_SORT = "recency"


def _number(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class LeadFilter:
    """Which projects a lead list holds; empty fields do not filter."""

    countries: tuple[str, ...] = ()
    since: str | None = None          # last_reported >= since (YYYY-MM-DD)
    operators: tuple[str, ...] = ()   # exact operator names (see resolve_operators)
    stages: tuple[str, ...] = ()
    investor: str | None = None       # one investor named on the project


def resolve_operators(db: sqlite_utils.Database, names: Iterable[str]) -> tuple[str, ...]:
    """Operator names as stored, from any spelling ("n+one datacenters" -> "N+One").

    Datasette filters on exact values, so the export resolves a user's
    spelling first; a name that matches nothing is kept (and selects nothing).
    """
    names = [n for n in names if n and n.strip()]
    if not names or not db["projects"].exists():
        return tuple(names)
    known = {}
    for (operator,) in db.execute("SELECT DISTINCT operator FROM projects ORDER BY operator"):
        known.setdefault(name_key(operator), operator)
    return tuple(dict.fromkeys(known.get(name_key(n), n.strip()) for n in names))


def _one_or_in(column: str, values: Sequence[str]) -> list[tuple[str, str]]:
    if not values:
        return []
    if len(values) == 1:
        return [(column, values[0])]
    return [(f"{column}__in", json.dumps(list(values), ensure_ascii=False))]


def datasette_args(lead_filter: LeadFilter) -> list[tuple[str, str]]:
    """The Datasette table-filter arguments equivalent to ``lead_filter``."""
    f = lead_filter
    args = _one_or_in("country", [c.upper() for c in f.countries])
    if f.since:
        args.append(("last_reported__gte", f.since))
    args += _one_or_in("operator", list(f.operators))
    args += _one_or_in("stage", list(f.stages))
    if f.investor:
        args.append(("investors__arraycontains", f.investor))
    return args


def datasette_query(lead_filter: LeadFilter) -> str:
    """Query string for the Datasette projects page that selects the same rows."""
    return urlencode(datasette_args(lead_filter))


def datasette_csv_path(lead_filter: LeadFilter, database: str = "dcradar") -> str:
    """Path of the Datasette CSV that equals the export (streamed: every row)."""
    query = datasette_query(lead_filter)
    return f"/{database}/projects.csv?_stream=on" + (f"&{query}" if query else "")


def _where(lead_filter: LeadFilter) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    for i, (arg, value) in enumerate(datasette_args(lead_filter)):
        column, _, op = arg.partition("__")
        key = f"p{i}"
        if op == "":
            clauses.append(f"[{column}] = :{key}")
            params[key] = value
        elif op == "gte":
            clauses.append(f"[{column}] >= :{key}")
            params[key] = value
        elif op == "in":
            values = json.loads(value)
            marks = []
            for j, v in enumerate(values):
                params[f"{key}_{j}"] = v
                marks.append(f":{key}_{j}")
            clauses.append(f"[{column}] IN ({', '.join(marks)})")
        elif op == "arraycontains":
            clauses.append(f":{key} IN (SELECT value FROM json_each([{column}]))")
            params[key] = value
        else:  # pragma: no cover - datasette_args only makes the ones above
            raise ValueError(arg)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def lead_rows(db: sqlite_utils.Database, lead_filter: LeadFilter = LeadFilter()
              ) -> tuple[list[str], list[tuple]]:
    """(columns, rows) of the projects the filter selects, in Datasette's default order."""
    columns = list(PROJECT_COLUMNS)
    where, params = _where(lead_filter)
    names = ", ".join(f"[{c}]" for c in columns)
    sql = f"SELECT {names} FROM projects{where} ORDER BY [{DEFAULT_SORT}]"
    return columns, [tuple(r) for r in db.execute(sql, params).fetchall()]


def write_csv(columns: list[str], rows: Iterable[tuple], out: IO[str]) -> int:
    """Datasette's CSV: header, then raw values; ``out`` must not translate newlines."""
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def records(columns: list[str], rows: Iterable[tuple]) -> Iterable[dict[str, Any]]:
    """Rows as dicts with JSON types: lists decoded, integral numbers as integers."""
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        for key in PROJECT_LIST_COLUMNS:
            record[key] = json.loads(record[key]) if record[key] else []
        for key in ("capacity_mw", "investment_usd", "latitude", "longitude"):
            record[key] = _number(record[key])
        yield record


def write_jsonl(columns: list[str], rows: Iterable[tuple], out: IO[str]) -> int:
    """One JSON object per project and line."""
    count = 0
    for record in records(columns, rows):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
