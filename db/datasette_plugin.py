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

The public face shows no internal path (issue 7):

* ``register_routes`` also answers ``/-/databases`` (Datasette 0.65 lists each
  database file's absolute path there) without the path, and the debug pages
  ``/-/threads`` (asyncio task reprs name source files under the Python
  install), ``/-/messages`` (a POST form), ``/-/allow-debug`` and
  ``/-/patterns`` with a 404; plugin routes are matched before Datasette's own;
* ``prepare_connection`` installs an SQLite authorizer on every connection
  Datasette opens: ``PRAGMA database_list`` / ``pragma_database_list()`` (the
  file path, reachable through the public SQL editor) read as empty, and
  ``fts3_tokenizer()`` (leaks a pointer, the first step of known SQLite
  exploits), ``load_extension()`` and ``ATTACH`` are refused (so Datasette's
  ``crossdb`` setting, off by default, cannot be turned on).

``prepare_connection`` also gives each connection a page cache of up to
:data:`PAGE_CACHE_KIB` (SQLite's default is 2 MB). A full-text search reads
every matching article row: for its count, its facets and its sort. On 20,000
articles those rows span 80 MB, so with the default every search read them all
again from the operating system, page by page. With 64 MB the pages searches
share stay in memory: over the benchmark's 40 searches of the 20,000-article
database, the p95 went from 101-110 ms to 86-91 ms (median 70-74 to 62-67 ms;
four runs each), and the server's peak RSS from 84 to 150 MB (32 MB: p95 92 ms;
128 MB: no better than 64). SQLite fills the cache as pages are read, so a small
database costs no more than before.

Datasette's connections do not read through a memory map (``PRAGMA
mmap_size``), though it was tried for issue 6: on the 20,000-article database
it took ~5 % off a search, but the kernel maps the pages around each page read,
and articles sit between the stored raw pages, so after one search the whole
1.4 GB file counted in the server's RSS.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
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


#: Datasette introspection pages that would show internal paths (see the docstring).
DATABASES_ROUTE = r"^/-/databases(\.(?P<format>json))?$"
#: Debug pages with nothing for the public: thread and task dumps (paths), the flash
#: message form (a POST endpoint), the permission and pattern playgrounds.
DEBUG_ROUTE = r"^/-/(threads|messages|allow-debug|patterns)(\.(?P<format>json))?$"
#: SQL functions the public SQL editor may not call, and pragmas that read as empty.
REFUSED_FUNCTIONS = frozenset({"fts3_tokenizer", "load_extension", "readfile", "writefile"})
HIDDEN_PRAGMAS = frozenset({"database_list"})


async def databases(datasette: Any, request: Any) -> Response:
    """``/-/databases.json`` as Datasette shows it, minus each file's path."""
    # Same permission as Datasette's own page, so a private deployment keeps it private.
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    return Response.json([
        {"name": name, "route": db.route, "is_mutable": db.is_mutable,
         "is_memory": db.is_memory, "hash": db.hash}
        for name, db in datasette.databases.items() if name != "_internal"])


async def not_public() -> Response:
    return Response.text("Not available on this server.", status=404)


@hookimpl
def register_routes() -> list:
    return [(TILE_ROUTE, tile), (DATABASES_ROUTE, databases), (DEBUG_ROUTE, not_public)]


def authorize(action: int, arg1: str | None, arg2: str | None, db_name: str | None,
              trigger: str | None) -> int:
    """SQLite authorizer of every Datasette connection (see the module docstring)."""
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in HIDDEN_PRAGMAS:
        return sqlite3.SQLITE_IGNORE
    if action == sqlite3.SQLITE_READ and (arg1 or "").lower() == "pragma_database_list":
        return sqlite3.SQLITE_IGNORE
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


#: Page cache of each Datasette connection, in KiB (see the module docstring).
PAGE_CACHE_KIB = 64 * 1024


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    # Before the authorizer: it is the user's PRAGMAs the authorizer screens.
    conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    conn.set_authorizer(authorize)


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
