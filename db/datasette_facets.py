"""Faster facets for Datasette 0.65: one query for all, array facets by key, a cache.

Datasette's array facet (``facets: [{array: investors}]``) counts each value
once per row by taking ``DISTINCT`` over the value *and every column of the
row*. On ``projects`` and ``articles`` the rows carry long text (source URLs,
stage evidence, article bodies), so that ``DISTINCT`` sorts megabytes: with
2,000 projects one investor facet took 100 ms, and the time grows with the
table. Rows have a primary key, so the same count is the ``DISTINCT`` over the
value, the key and the faceted columns: :class:`KeyedArrayFacet` narrows the
facet's inner query to those columns and lets Datasette do the rest exactly as
before (same SQL shape, same results, same links). Without a table or a key
(a canned query), Datasette's own facet runs.

Facet counts change only when the database does, and a dcradar database
changes once a night; yet every view of a table page recounts every facet
over the whole table (the projects page: two thirds of its time). So each
facet class answers from a small cache, keyed on the request (its URL holds
the table, filters, search and facet choices) and on the size and time of
the database file and its write-ahead log: any write gives new keys.

A page runs one query per facet, and each finds the page's rows again: for a
full-text search, the index lookup and one read of every matching article,
seven times (on 20,000 articles, 60 ms of a search's 130).
:class:`OnePassColumnFacet` and :class:`OnePassArrayFacet` share one query per
request (:func:`count_facets`) that reads the rows once and counts every
column and array facet (same counts, same order, same limit), then hand each
facet's rows to Datasette's own code, which builds the results (labels,
links, selection) as before. Any error or time-out of that query falls back
to the query per facet.

Registered by ``dcradar serve`` (``pipeline/serve.py``) next to
:mod:`db.datasette_plugin`; a hook wrapper swaps the classes in Datasette's
list of facet classes for these, with the cache around them.
"""

from __future__ import annotations

import asyncio
import copy
import os
import pickle
import sqlite3
from collections import OrderedDict
from collections.abc import Collection
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from datasette import hookimpl
from datasette.database import QueryInterrupted, Results
from datasette.facets import ArrayFacet, ColumnFacet, load_facet_configs
from datasette.utils import escape_sqlite


def _column(config: dict) -> str:
    """The column a facet config (``{"source": ..., "config": ...}``) counts."""
    return config["config"].get("column") or config["config"]["simple"]


def _only(facet: Any, config: dict) -> Any:
    """A copy of ``facet`` that answers for ``config`` alone (a copy, not the instance:
    suggestions may run on it meanwhile)."""
    one = copy.copy(facet)
    one.get_configs = lambda: [config]
    return one


class KeyedArrayFacet(ArrayFacet):
    """Datasette's ``array`` facet over the primary key and the faceted column only."""

    async def facet_results(self) -> Any:
        configs = self.get_configs()
        if not configs or not self.table:
            return await super().facet_results()
        keys = await self.ds.databases[self.database].primary_keys(self.table)
        columns = await self.get_columns(self.sql, self.params)
        if not keys or not all(k in columns for k in keys):
            return await super().facet_results()
        results: list[Any] = []
        timed_out: list[str] = []
        for config in configs:
            column = _column(config)
            one = _only(self, config)
            if column in columns:
                names = ", ".join(escape_sqlite(c) for c in dict.fromkeys([*keys, column]))
                one.sql = f"select {names} from ({self.sql})"
            found, late = await ArrayFacet.facet_results(one)
            results += found
            timed_out += late
        return results, timed_out


class _Answered:
    """The Datasette object, but ``execute`` answers with rows already counted.

    Lets Datasette's own facet code format a facet counted by the one-pass
    query; everything else (settings, foreign-key labels) is the real one's.
    """

    def __init__(self, ds: Any, rows: list[Any]):
        self._ds = ds
        self._rows = rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ds, name)

    async def execute(self, *args: Any, **kwargs: Any) -> Results:
        return Results(self._rows, False, None)

    def absolute_url(self, request: Any, path: str) -> str:
        """Datasette's ``absolute_url``, without a ``urljoin`` per facet value.

        Datasette joins each facet link to the request URL with ``urljoin``, on a
        ``str`` subclass that lists ``dir(str)`` at every attribute access: a
        tenth of a search page's time. A path that starts with one "/" and that
        ``urljoin`` would not rewrite (no dot segment, no ";", "#" or bare "?")
        joins to the request's scheme and host as is; any other goes to Datasette.
        """
        plain = str(path)
        route = plain.split("?", 1)[0]
        if (not plain.startswith("/") or plain.startswith("//") or plain.endswith("?")
                or ";" in plain or "#" in plain or "/." in route):
            return self._ds.absolute_url(request, path)
        base = urlsplit(request.url)
        if base.scheme not in ("http", "https"):
            return self._ds.absolute_url(request, path)
        url = f"{base.scheme}://{base.netloc}{plain}"
        if url.startswith("http://") and self._ds.setting("force_https_urls"):
            url = "https://" + url[len("http://"):]
        return url


#: The kinds of facet the one-pass query counts.
ONE_PASS_KINDS = ("column", "array")


class _OnePass:
    """Facets answered from :func:`count_facets`, formatted by Datasette's own code."""

    #: Datasette's class whose ``facet_results`` formats one facet from its rows.
    formatter: type

    async def facet_results(self) -> Any:
        counted = await count_facets(self)
        configs = self.get_configs()  # type: ignore[attr-defined]
        columns = [_column(c) for c in configs]
        if counted is None or any((self.type, c) not in counted for c in columns):  # type: ignore[attr-defined]
            return await super().facet_results()  # type: ignore[misc]
        results: list[Any] = []
        for config, column in zip(configs, columns, strict=True):
            one = _only(self, config)
            one.ds = _Answered(self.ds, counted[(self.type, column)])  # type: ignore[attr-defined]
            found, _ = await self.formatter.facet_results(one)
            results += found
        return results, []


async def count_facets(facet: Any) -> dict[tuple[str, str], list[Any]] | None:
    """The rows (``value``, ``count``) of every column and array facet of the page,
    by (kind, column): one query, run once per request whichever facet asks first.

    None when the usual way is as good or the only way: fewer than two facets, no
    table, an unknown column, or the query failed or ran out of time (each facet
    is then counted on its own, and may time out on its own, as Datasette does).
    """
    memo = facet.request.scope.setdefault("dcradar.facet_counts", {})
    key = (facet.database, facet.table, facet.sql, repr(facet.params))
    if key not in memo:  # a task, so a second facet awaits the same query
        memo[key] = asyncio.ensure_future(_count_all(facet))
    return await memo[key]


async def _count_all(facet: Any) -> dict[tuple[str, str], list[Any]] | None:
    if not facet.table:
        return None
    configs = load_facet_configs(facet.request, facet.metadata)
    wanted = list(dict.fromkeys(
        (kind, _column(c)) for kind in ONE_PASS_KINDS for c in configs.get(kind, [])))
    columns = set(await facet.get_columns(facet.sql, facet.params))
    keys = await facet.ds.databases[facet.database].primary_keys(facet.table)
    if not (keys and set(keys) <= columns):  # an array value counts once per row: by key
        wanted = [(kind, column) for kind, column in wanted if kind != "array"]
    if len(wanted) < 2 or any(column not in columns for _, column in wanted):
        return None
    plain = {column for kind, column in wanted
             if kind == "array" and not await _repeats_possible(facet, column)}
    try:
        found = await facet.ds.execute(
            facet.database,
            _one_pass_sql(facet.sql, wanted, keys, facet.get_facet_size(), plain),
            facet.params, truncate=False,
            custom_time_limit=facet.ds.setting("facet_time_limit_ms"))
    except (QueryInterrupted, sqlite3.Error):
        return None
    counted: dict[tuple[str, str], list[Any]] = {w: [] for w in wanted}
    for row in found.rows:
        counted[wanted[row["facet"]]].append(row)
    return counted


#: Per database state: whether an array column of a table holds an item twice in a row.
_repeats: dict[tuple, bool] = {}


async def _repeats_possible(facet: Any, column: str) -> bool:
    """Whether some row of the table may hold one item twice in ``column``.

    Removing repeats is most of an array facet's time (a search matching 2,400
    articles: 25 of its 35 ms), and the tag lists dcradar writes hold each item
    once. So each array column is checked once per state of the database file
    (any write gives a new state), and repeats are removed only where a row does
    repeat an item or the check cannot tell (an in-memory database, an error, a
    time-out).
    """
    state = _database_state(facet.ds, facet.database)
    if state == (None,):
        return True
    key = (facet.database, facet.table, column, state)
    if key not in _repeats:
        table, col = escape_sqlite(facet.table), escape_sqlite(column)
        try:
            found = await facet.ds.execute(
                facet.database,
                f"SELECT EXISTS (SELECT 1 FROM {table} t WHERE EXISTS (SELECT 1 FROM "
                f"json_each(t.{col}) a, json_each(t.{col}) b WHERE a.key < b.key "
                "AND a.value IS b.value))", truncate=False,
                custom_time_limit=facet.ds.setting("facet_time_limit_ms"))
            _repeats[key] = bool(found.rows[0][0])
        except (QueryInterrupted, sqlite3.Error):  # kept too: not tried on every page
            _repeats[key] = True
        while len(_repeats) > CACHE_SIZE:
            _repeats.pop(next(iter(_repeats)))
    return _repeats[key]


def _one_pass_sql(sql: str, wanted: list[tuple[str, str]], keys: list[str], size: int,
                  plain: Collection[str] = ()) -> str:
    """The page's rows read once (``AS MATERIALIZED``); each facet counted from them
    as Datasette's own facet query counts it, ranked within its facet by the same
    ``ORDER BY`` and cut at the same ``LIMIT``. Array columns in ``plain`` hold no
    repeated item in any row: their items are counted as they come."""
    names = ", ".join(escape_sqlite(c) for c in dict.fromkeys([*keys, *(c for _, c in wanted)]))
    counts = []
    for at, (kind, column) in enumerate(wanted):
        col = escape_sqlite(column)
        if kind == "array" and column in plain:
            counts.append(f"SELECT {at} AS facet, j.value AS value, count(*) AS count "
                          f"FROM rows, json_each(rows.{col}) j GROUP BY j.value")
        elif kind == "array":
            # A value counts once per row (Datasette: DISTINCT over value and row): only
            # where no earlier item of the same array holds it. Cheaper than DISTINCT,
            # which sorts every (value, row key) pair.
            counts.append(
                f"SELECT {at} AS facet, j.value AS value, count(*) AS count "
                f"FROM rows, json_each(rows.{col}) j WHERE NOT EXISTS (SELECT 1 FROM "
                f"json_each(rows.{col}) k WHERE k.key < j.key AND k.value IS j.value) "
                "GROUP BY j.value")
        else:
            counts.append(f"SELECT {at} AS facet, {col} AS value, count(*) AS count "
                          f"FROM rows WHERE {col} IS NOT NULL GROUP BY {col}")
    return (f"WITH rows AS MATERIALIZED (SELECT {names} FROM ({sql})), "
            f"counted AS ({' UNION ALL '.join(counts)}) "
            "SELECT facet, value, count FROM (SELECT facet, value, count, row_number() "
            "OVER (PARTITION BY facet ORDER BY count DESC, value) AS rank FROM counted) "
            f"WHERE rank <= {size + 1} ORDER BY facet, rank")


class OnePassColumnFacet(_OnePass, ColumnFacet):
    """Datasette's column facets, counted with the array facets in one query."""

    formatter = ColumnFacet


class OnePassArrayFacet(_OnePass, KeyedArrayFacet):
    """Datasette's array facets, counted with the column facets in one query (else
    keyed, one by one)."""

    formatter = ArrayFacet


#: Datasette's facet classes and what replaces them.
REPLACEMENTS = {ColumnFacet: OnePassColumnFacet, ArrayFacet: OnePassArrayFacet}

#: Facet results kept (per process), most recently used last.
CACHE_SIZE = 256
_cache: OrderedDict[tuple, tuple[list, list]] = OrderedDict()


def _database_state(ds: Any, database: str) -> tuple:
    """Size and modification time of the database file and its WAL: changes on any write."""
    path = getattr(ds.databases.get(database), "path", None)
    if not path:
        return (None,)
    state = []
    for name in (path, f"{path}-wal"):
        try:
            st = os.stat(name)
            state.append((st.st_size, st.st_mtime_ns))
        except OSError:
            state.append(None)
    return tuple(state)


def _copied(value: Any) -> Any:
    """A deep copy (Datasette changes facet results after they are made), by pickle:
    four times faster than ``copy.deepcopy`` on these lists of small dicts."""
    try:
        return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return copy.deepcopy(value)


@cache
def cached(cls: type) -> type:
    """``cls`` with its ``facet_results`` answered from the cache when nothing changed."""

    class Cached(cls):  # type: ignore[valid-type, misc]
        async def facet_results(self) -> Any:
            state = _database_state(self.ds, self.database)
            if state == (None,):  # an in-memory database: no way to tell a change
                return await super().facet_results()
            key = (cls.__name__, self.database, self.table, self.sql,
                   tuple(self.params) if isinstance(self.params, list | tuple)
                   else tuple(sorted((self.params or {}).items())),
                   str(self.request.url), state)
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return _copied(hit)
            results, timed_out = await super().facet_results()
            if not timed_out:  # a facet that ran out of time is tried again next time
                _cache[key] = _copied((results, timed_out))
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
            return results, timed_out

    Cached.__name__ = Cached.__qualname__ = f"Cached{cls.__name__}"
    return Cached


@hookimpl(hookwrapper=True)
def register_facet_classes():  # type: ignore[no-untyped-def]
    outcome = yield
    outcome.force_result([[cached(REPLACEMENTS.get(cls, cls)) for cls in classes]
                          for classes in outcome.get_result()])
