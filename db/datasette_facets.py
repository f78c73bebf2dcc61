"""A faster array facet for Datasette 0.65: rows counted once by primary key.

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

Registered by ``dcradar serve`` (``pipeline/serve.py``) next to
:mod:`db.datasette_plugin`; a hook wrapper swaps the class in Datasette's
list of facet classes.
"""

from __future__ import annotations

import copy
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


@hookimpl(hookwrapper=True)
def register_facet_classes():  # type: ignore[no-untyped-def]
    outcome = yield
    outcome.force_result([[KeyedArrayFacet if cls is ArrayFacet else cls for cls in classes]
                          for classes in outcome.get_result()])
