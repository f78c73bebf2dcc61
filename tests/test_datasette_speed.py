"""Datasette speed-ups: the keyed array facet and the one query for every facet of a
page (db/datasette_facets.py) count and show what Datasette's own do; the markdown
stand-in (db/datasette_markdown.py) renders what datasette-render-markdown does."""

from __future__ import annotations

import asyncio
import json
import re
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


# -- one query for every facet of a page -------------------------------------------------

MIXED = [
    # id, kind (ties, NULL), n (numbers and text in one column), tags (repeats, empty,
    # NULL, a bare string, a JSON null), more, count (a column named like the SQL), body
    ("r1", "a", 1, ["NG", "KE", "NG"], ["x"], "p", "alpha wind"),
    ("r2", "b", "1", ["KE"], [], "p", "beta wind"),
    ("r3", None, 2, [], None, "q", "gamma"),
    ("r4", "a", 2.5, None, ["x", "y"], None, "delta wind"),
    ("r5", "c", None, "NG", ["y"], "q", "epsilon"),
    ("r6", "b", 1, ["MA", None, None], ["z", "x"], "p", "zeta wind"),
    ("r7", "c", "b", ["ZA", "KE", "MA"], ["y", "y"], "r", "eta wind"),
]
QUERIES = [
    "_facet=kind&_facet=n&_facet_array=tags&_facet_array=more&_facet=count",
    "_facet=kind&_facet_array=tags&kind=a",                       # a filter, a selected value
    "_facet=n&_facet_array=tags&_facet_array=more&tags__arraycontains=KE",
    "_facet=kind&_facet=n&_facet_array=tags&_search=wind",          # full-text search
    "_facet=kind&_facet=n&_facet_array=tags&_facet_array=more&_facet_size=2",  # cut, ties
    "_facet=kind&_facet=kind&_facet_array=tags&_facet=tags",        # twice; both kinds on one
]


def _mixed_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE m (id TEXT PRIMARY KEY, kind TEXT, n, tags TEXT, more TEXT, "
                 "[count] TEXT, body TEXT)")
    conn.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (i, k, n, None if t is None else json.dumps(t), None if m is None else json.dumps(m),
         c, b) for i, k, n, t, m, c, b in MIXED])
    conn.execute("CREATE VIRTUAL TABLE m_fts USING fts5 (body, content='m')")
    conn.execute("INSERT INTO m_fts (rowid, body) SELECT rowid, body FROM m")
    conn.commit()
    conn.close()


def _facet_page(path: Path, query: str, *, ours: bool) -> tuple[dict, str, list[str]]:
    """facet_results, the HTML page and the SQL run, with or without dcradar's facets."""
    from datasette.database import Database
    from datasette.plugins import pm

    import db.datasette_facets as facets

    register_plugin()
    if not ours:
        pm.unregister(facets)
    facets._cache.clear()
    ran: list[str] = []
    execute = Database.execute

    async def traced(self, sql, *args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(sql)
        return await execute(self, sql, *args, **kwargs)

    ds = Datasette([str(path)])

    async def get() -> tuple[dict, str]:
        pages = [await ds.client.get(f"/{path.stem}/m{ext}?{query}") for ext in (".json", "")]
        assert all(p.status_code == 200 for p in pages), pages[0].text
        # the page shows how long its queries took: not part of the comparison
        return pages[0].json()["facet_results"], re.sub(r"took [\d.]+ms", "", pages[1].text)

    Database.execute = traced  # type: ignore[method-assign]
    try:
        facet_results, html = asyncio.run(get())
    finally:
        Database.execute = execute  # type: ignore[method-assign]
        register_plugin()
    return facet_results, html, ran


def test_one_query_counts_every_facet_as_datasette_does(tmp_path):
    path = tmp_path / "mixed.db"
    _mixed_db(path)
    for query in QUERIES:
        stock, stock_html, stock_sql = _facet_page(path, query, ours=False)
        mine, html, sql = _facet_page(path, query, ours=True)
        assert mine == stock, query
        assert html == stock_html, query  # links, selection, labels: the same page
        one_pass = [s for s in sql if "AS MATERIALIZED" in s]
        assert len(one_pass) == 2, query  # once per page (JSON, HTML), for both kinds
        # no facet query of Datasette's own (suggested facets, "as n", are not facets)
        assert not any("count(*) as count" in s for s in sql if s not in one_pass), query
        assert any("count(*) as count" in s for s in stock_sql)
    # the figures themselves, against a count made here
    facets, _, _ = _facet_page(path, QUERIES[0], ours=True)
    assert {r["value"]: r["count"] for r in facets["tags"]["results"]} == {
        "KE": 3, "MA": 2, "NG": 2, "ZA": 1, "None": 1}  # twice in one row counts once
    assert [r["value"] for r in facets["kind"]["results"]] == ["a", "b", "c"]


def test_a_failing_one_pass_query_falls_back_to_a_query_per_facet(tmp_path, monkeypatch):
    import db.datasette_facets as facets

    path = tmp_path / "mixed.db"
    _mixed_db(path)
    monkeypatch.setattr(facets, "_one_pass_sql", lambda *args: "SELECT no_such_column")
    stock, stock_html, _ = _facet_page(path, QUERIES[0], ours=False)
    mine, html, sql = _facet_page(path, QUERIES[0], ours=True)
    assert mine == stock and html == stock_html
    assert any("no_such_column" in s for s in sql)


def test_a_single_facet_is_left_to_its_own_query(tmp_path):
    path = tmp_path / "mixed.db"
    _mixed_db(path)
    stock, _, _ = _facet_page(path, "_facet=kind", ours=False)
    mine, _, sql = _facet_page(path, "_facet=kind", ours=True)
    assert mine == stock
    assert not any("AS MATERIALIZED" in s for s in sql)


def test_repeats_are_removed_only_where_a_row_repeats_an_item(tmp_path):
    path = tmp_path / "mixed.db"
    _mixed_db(path)
    conn = sqlite3.connect(path)
    # as dcradar writes its lists: no row holds an item twice
    conn.execute("DELETE FROM m WHERE id IN ('r1', 'r6', 'r7')")
    conn.commit()
    query = "_facet=kind&_facet_array=tags&_facet_array=more"
    stock, stock_html, _ = _facet_page(path, query, ours=False)
    mine, html, sql = _facet_page(path, query, ours=True)
    assert (mine, html) == (stock, stock_html)
    assert not any("NOT EXISTS" in s for s in sql if "AS MATERIALIZED" in s)
    # a row that repeats an item: the next page (a new state of the file) removes repeats
    conn.execute("INSERT INTO m (id, kind, tags, more) VALUES ('r8', 'a', ?, '[]')",
                 ['["NG", "NG"]'])
    conn.commit()
    conn.close()
    stock, stock_html, _ = _facet_page(path, query, ours=False)
    mine, html, sql = _facet_page(path, query, ours=True)
    assert (mine, html) == (stock, stock_html)
    assert {r["value"]: r["count"] for r in mine["tags"]["results"]}["NG"] == 2
    assert any("NOT EXISTS" in s for s in sql if "AS MATERIALIZED" in s)


def test_facet_links_join_as_datasette_joins_them():
    from datasette.utils.asgi import Request

    from db.datasette_facets import _Answered

    for force_https in (False, True):
        ds = Datasette(memory=True, settings={"force_https_urls": force_https})
        answered = _Answered(ds, [])
        for scheme, host in (("http", None), ("https", b"example.org:8443")):
            request = Request.fake("/db/t?_search=x", scheme=scheme)
            if host:
                request.scope["headers"] = [(b"host", host)]
            assert host is None or request.url.startswith("https://example.org:8443/")
            for path in ("/db/t?kind=a&_facet=kind", "/db/t", "/db/./t?x=1", "/db/a/../t?x",
                         "//elsewhere/t?x", "/db/t;p?x=1", "/db/t?x#top", "/db/t?",
                         "db/t?x=1", "/db/t?next=/./x", ds.urls.path("/db/t?x=%20y")):
                assert answered.absolute_url(request, path) == ds.absolute_url(request, path), \
                    (scheme, path, force_https)
