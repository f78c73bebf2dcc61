"""Faster facets for Datasette 0.65: array facets by primary key, and a cache.

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

Registered by ``dcradar serve`` (``pipeline/serve.py``) next to
:mod:`db.datasette_plugin`; a hook wrapper swaps the class in Datasette's
list of facet classes for caching subclasses.
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from functools import cache
from typing import Any

from datasette import hookimpl
from datasette.facets import ArrayFacet
from datasette.utils import escape_sqlite


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
            column = config["config"].get("column") or config["config"]["simple"]
            # A copy per facet: suggestions may run on this instance meanwhile.
            one = copy.copy(self)
            one.get_configs = lambda config=config: [config]
            if column in columns:
                names = ", ".join(escape_sqlite(c) for c in dict.fromkeys([*keys, column]))
                one.sql = f"select {names} from ({self.sql})"
            found, late = await ArrayFacet.facet_results(one)
            results += found
            timed_out += late
        return results, timed_out


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
                return copy.deepcopy(hit)
            results, timed_out = await super().facet_results()
            if not timed_out:  # a facet that ran out of time is tried again next time
                _cache[key] = copy.deepcopy((results, timed_out))
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
            return results, timed_out

    Cached.__name__ = Cached.__qualname__ = f"Cached{cls.__name__}"
    return Cached


@hookimpl(hookwrapper=True)
def register_facet_classes():  # type: ignore[no-untyped-def]
    outcome = yield
    outcome.force_result([[cached(KeyedArrayFacet if cls is ArrayFacet else cls)
                           for cls in classes] for classes in outcome.get_result()])
