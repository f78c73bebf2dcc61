"""Datasette speed-ups: the keyed array facet (db/datasette_facets.py) counts what
Datasette's own does; the markdown stand-in (db/datasette_markdown.py) renders what
datasette-render-markdown does."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from pathlib import Path

from datasette.app import Datasette
from datasette.facets import ArrayFacet

from db.datasette_facets import KeyedArrayFacet
from pipeline.serve import register_plugin

ROWS = [
    ("a", ["NG", "KE"], "x" * 500),
    ("b", ["NG", "NG"], "y"),            # a value twice in one row counts once
    ("c", [], "z"),
    ("d", ["KE", "MA", "NG"], "w" * 900),
    ("e", ["MA"], "v"),
]


def _table(path) -> sqlite3.Connection:
    """Table ``t`` holding ``ROWS``, committed; the open connection, for more writes."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, tags TEXT, body TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)",
                     [(i, json.dumps(tags), body) for i, tags, body in ROWS])
    conn.commit()
    return conn


def _facet(db_path, query: str) -> dict:
    register_plugin()
    ds = Datasette([str(db_path)])

    async def get() -> dict:
        response = await ds.client.get(f"/{Path(db_path).stem}/t.json?{query}")
        assert response.status_code == 200
        return response.json()["facet_results"]

    return asyncio.run(get())


def test_keyed_array_facet_counts_rows_once_per_value(tmp_path):
    path = tmp_path / "facets.db"
    _table(path).close()
    expected = Counter(tag for _, tags, _ in ROWS for tag in set(tags))
    facets = _facet(path, "_facet_array=tags")
    got = {r["value"]: r["count"] for r in facets["tags"]["results"]}
    assert got == expected == {"NG": 3, "KE": 2, "MA": 2}
    assert facets["tags"]["type"] == "array"
    # filtered rows: the facet counts within them, as Datasette's own does
    facets = _facet(path, "_facet_array=tags&body__contains=x")
    assert {r["value"]: r["count"] for r in facets["tags"]["results"]} == {"NG": 1, "KE": 1}


def test_the_hook_swaps_the_class():
    from datasette.plugins import pm

    register_plugin()
    classes = [c for group in pm.hook.register_facet_classes() for c in group]
    assert any(issubclass(c, KeyedArrayFacet) for c in classes)
    assert ArrayFacet not in classes


def test_facets_are_counted_again_after_a_write(tmp_path):
    path = tmp_path / "cache.db"
    conn = _table(path)
    query = "_facet_array=tags&_facet=body"
    first = _facet(path, query)
    assert _facet(path, query) == first  # from the cache
    conn.execute("INSERT INTO t VALUES ('f', '[\"ZA\"]', 'v')")
    conn.commit()
    conn.close()
    again = _facet(path, query)
    assert {r["value"]: r["count"] for r in again["tags"]["results"]}["ZA"] == 1
    assert {r["value"]: r["count"] for r in again["body"]["results"]}["v"] == 2


def test_markdown_columns_still_render_and_others_are_left_alone(tmp_path):
    from datasette.plugins import pm

    import db.datasette_markdown as stand_in

    register_plugin()
    assert pm.is_registered(stand_in)
    path = tmp_path / "md.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, notes_markdown TEXT, plain TEXT)")
    conn.execute("INSERT INTO t VALUES (1, 'some **bold** words', 'some **star** words')")
    conn.commit()
    conn.close()
    ds = Datasette([str(path)])

    async def page() -> str:
        response = await ds.client.get("/md/t")
        assert response.status_code == 200
        return response.text

    html = asyncio.run(page())
    assert "<strong>bold</strong>" in html
    assert "some **star** words" in html
