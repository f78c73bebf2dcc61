"""dcradar's Datasette plugin: blank tiles, the empty-feed fix, list cells."""

from __future__ import annotations

import struct
import zlib

import pytest
from datasette_support import SyncClient, gold_served_db

from db import datasette_plugin
from db.datasette_plugin import TILE_RGB, blank_tile, render_cell


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    c = SyncClient(gold_served_db(tmp_path_factory.mktemp("plugin")))
    yield c
    c.close()


def test_blank_tile_is_a_valid_256px_png_of_one_colour():
    png = blank_tile()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (width, height, depth, colour) == (256, 256, 8, 2)
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41:41 + idat_len])
    assert len(raw) == 256 * (1 + 256 * 3)
    assert raw[1:4] == bytes(TILE_RGB) and raw[-3:] == bytes(TILE_RGB)


def test_tile_route_serves_the_blank_tile(client):
    response = client.get("/-/dcradar/tiles/5/17/15.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == blank_tile()
    assert client.get("/-/dcradar/tiles/a/b/c.png").status_code == 404


def test_plugin_is_registered_and_owns_the_atom_renderer(client):
    plugins = {p["name"] for p in client.get("/-/plugins.json").json()}
    assert {"db.datasette_plugin", "datasette-atom", "datasette-cluster-map",
            "datasette-dashboards"} <= plugins
    render, _ = client.ds.renderers["atom"]
    assert render.__module__ == datasette_plugin.__name__


def test_feed_with_rows_is_still_rendered_by_datasette_atom(client):
    text = client.get("/dcradar/new_projects_feed.atom?country=SN").text
    assert "<generator" in text and "Datasette" in text
    assert text.count("<entry>") == 4  # Dakar x2 operators (N+One, Onix), N+One SN, ADIE


def test_render_cell_shows_lists_readably_on_html_pages_only(client):
    cell = render_cell('["http://a.example/x", "javascript:alert(1)"]', "source_urls",
                       "projects", "dcradar")
    assert str(cell) == ('<a href="http://a.example/x" rel="nofollow noopener">'
                         'http://a.example/x</a>')
    assert str(render_cell('["A & B", "C"]', "investors", "projects", "dcradar")) == "A &amp; B, C"
    assert render_cell("not json", "investors", "projects", "dcradar") is None
    assert render_cell('["x"]', "investors", "other_table", "dcradar") is None
    html = client.get("/dcradar/projects?country=TG").text
    assert '<td class="col-investors type-str">World Bank</td>' in html
    assert '<td class="col-source_urls type-str"><a href="http://127.0.0.1:8706/' in html
    # The CSV keeps the JSON text (the export equality depends on it).
    assert '"[""World Bank""]"' in client.get("/dcradar/projects.csv?country=TG").text


def test_each_connection_gets_the_larger_page_cache(client):
    # Through Datasette's own connection, so the hook is what sets it.
    db = client.ds.databases["dcradar"]
    found = client.loop.run_until_complete(
        db.execute_fn(lambda conn: conn.execute("PRAGMA cache_size").fetchone()[0]))
    assert found == -datasette_plugin.PAGE_CACHE_KIB
    assert datasette_plugin.PAGE_CACHE_KIB * 1024 > 2_048_000  # above SQLite's default
