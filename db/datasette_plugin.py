"""dcradar's own Datasette plugin: offline map tiles, an Atom feed that may be empty, links.

Registered by ``dcradar serve`` (``pipeline/serve.py``) before Datasette
starts, so a plain ``datasette`` run is unaffected. Why each hook exists:

* ``register_routes``: ``/-/dcradar/tiles/{z}/{x}/{y}.png`` answers every map
  tile with one plain PNG, so the cluster map draws its markers without asking
  a tile server on the internet (nothing on any page may load from outside).
  ``dcradar serve --tiles URL`` replaces it with a real tile server.
* ``register_output_renderer``: datasette-atom 0.9 fails with HTTP 500 when
  the query returns no rows (``max()`` of nothing), so a feed filtered on a
  country with no project yet would break the subscriber. The wrapper answers
  an empty, valid feed and otherwise hands over to datasette-atom. It is
  registered ``trylast`` so it replaces datasette-atom's ``.atom`` renderer.
* ``extra_body_script``: the column descriptions (units, sources) of a table
  fold into a "Column descriptions" disclosure, so that the map and the rows,
  not 25 definitions, are what an analyst sees first.
* ``render_cell``: the JSON lists of ``projects`` shown as readable lists, the
  source URLs as links, on the HTML pages only (CSV and JSON keep the JSON text,
  so the CSV export stays equal to ``dcradar export``).
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import zlib
from functools import lru_cache
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

TILE_ROUTE = r"^/-/dcradar/tiles/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.png$"
TILE_URL = "/-/dcradar/tiles/{z}/{x}/{y}.png"
#: Light grey-blue, close to the colour of sea on common base maps.
TILE_RGB = (0xE4, 0xEA, 0xEE)
_LIST_COLUMNS = {"investors", "sources", "operators", "countries", "cities"}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


@lru_cache(maxsize=1)
def blank_tile(size: int = 256) -> bytes:
    """A ``size`` x ``size`` PNG of one colour (made once; no image library needed)."""
    row = b"\x00" + bytes(TILE_RGB) * size
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(row * size, 9))
            + _png_chunk(b"IEND", b""))


async def tile(request: Any) -> Response:
    """Every tile is the same blank square; browsers may cache it for a day."""
    return Response(blank_tile(), content_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})


@hookimpl
def register_routes() -> list:
    return [(TILE_ROUTE, tile)]


def _empty_feed(datasette: Any, request: Any, database: str, query_name: str | None) -> Response:
    from feedgen.feed import FeedGenerator

    title = query_name or "dcradar"
    if query_name:
        queries = (datasette.metadata(database=database) or {}).get("queries") or {}
        query = queries.get(query_name)
        if isinstance(query, dict) and query.get("title"):
            title = query["title"]
    fg = FeedGenerator()
    fg.id(request.url)
    fg.link(href=request.url, rel="self")
    fg.title(title)
    fg.updated(dt.datetime.now(dt.UTC).replace(microsecond=0))
    return Response(fg.atom_str(pretty=True), content_type="application/xml; charset=utf-8",
                    status=200)


@hookimpl(trylast=True)
def register_output_renderer(datasette: Any) -> dict | None:
    try:
        from datasette_atom import can_render_atom, render_atom
    except ImportError:  # datasette-atom not installed: no feed, nothing to fix
        return None

    def render(datasette, request, sql, columns, rows, database, table, query_name,
               view_name, data):
        if not rows:
            return _empty_feed(datasette, request, database, query_name)
        return render_atom(datasette, request, sql, columns, rows, database, table,
                           query_name, view_name, data)

    return {"extension": "atom", "render": render, "can_render": can_render_atom}


_FOLD_DESCRIPTIONS = """
(function () {
  var dl = document.querySelector("dl.column-descriptions");
  if (!dl) { return; }
  var details = document.createElement("details");
  details.className = "dcradar-column-descriptions";
  var summary = document.createElement("summary");
  summary.textContent = "Column descriptions (units, sources)";
  dl.parentNode.insertBefore(details, dl);
  details.appendChild(summary);
  details.appendChild(dl);
})();
"""


@hookimpl
def extra_body_script(view_name: str) -> str:
    return _FOLD_DESCRIPTIONS if view_name == "table" else ""


def _as_list(value: Any) -> list[str] | None:
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return [str(v) for v in data] if isinstance(data, list) else None


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str) -> Markup | None:
    if table not in ("projects", "articles", "project_articles"):
        return None
    if column == "source_urls":
        urls = _as_list(value)
        if urls is None:
            return None
        links = [f'<a href="{escape(u)}" rel="nofollow noopener">{escape(u)}</a>' for u in urls
                 if u.startswith(("http://", "https://"))]
        return Markup("<br>".join(links))
    if column in _LIST_COLUMNS:
        items = _as_list(value)
        if items is None:
            return None
        return Markup(escape(", ".join(items)))
    return None
