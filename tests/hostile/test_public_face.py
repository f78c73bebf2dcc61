"""The public face: Datasette read-only, time-limited, parameterised, escaped, no internals.

On a gold-tagged database plus one hostile article (a ``<script>`` title,
author, text and operator name), through the exact Datasette the CLI serves.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import REPO
from datasette.utils import tilde_encode
from datasette_support import SyncClient, gold_served_db

from db.projects import build_projects
from db.schema import open_db
from hostile.support import record
from pipeline.serve import assemble_for_065, load_config

XSS = '<script>alert("dcradar-xss")</script>'
HOSTILE_URL = "http://127.0.0.1:8706/2026/01/hostile/"
#: Plugins reviewed for the public face: none has a write or upload endpoint. A new
#: plugin must be reviewed (routes, POST handlers, permissions) before it is added here.
REVIEWED_PLUGINS = {"db.datasette_plugin", "datasette-atom", "datasette-cluster-map",
                    "datasette-dashboards", "datasette-leaflet", "datasette-render-markdown",
                    # dcradar's own: a facet class and render_cell hooks, no route at all.
                    "db.datasette_facets", "db.datasette_markdown"}
SLOW_SQL = ("with recursive c(x) as (select 1 union all select x + 1 from c) "
            "select count(*) from c")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Path:
    path = gold_served_db(tmp_path_factory.mktemp("public"))
    db = open_db(path)
    db["articles"].insert({
        "url": HOSTILE_URL, "source": "dev-f", "fetched_url": HOSTILE_URL,
        "title": f"Hostile title {XSS}", "published": "2026-01-05", "language": "en",
        "author": XSS, "text": f"Raxio opens a data centre in Casablanca. {XSS} "
                              '<img src=x onerror=alert("dcradar-img")> ' * 20,
        "word_count": 200, "content_hash": "x", "first_seen": "2026-01-05T00:00:00+00:00",
        "last_seen": "2026-01-05T00:00:00+00:00", "relevant": 1,
        "operators": f'["{XSS.replace(chr(34), chr(92) + chr(34))} Data"]', "investors": "[]",
        "countries": '["MA"]', "cities": "[]", "capacity_mw": 12.0, "event": "new_build",
        "investment_usd": None})
    build_projects(db)
    db.close()
    return path


@pytest.fixture(scope="module")
def client(served):
    c = SyncClient(served)
    yield c
    c.close()


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    for name in (path, Path(str(path) + "-wal")):
        if name.exists():
            digest.update(name.read_bytes())
    return digest.hexdigest()


# ------------------------------------------------------------------ read-only


def test_no_write_or_upload_endpoint(client, served):
    plugins = {p["name"] for p in client.get("/-/plugins.json").json()}
    assert plugins <= REVIEWED_PLUGINS, plugins - REVIEWED_PLUGINS
    metadata, _ = assemble_for_065(*load_config())
    for name, query in metadata["databases"]["dcradar"]["queries"].items():
        assert not query.get("write"), name
        assert query["sql"].lstrip().lower().startswith(("select", "with")), name
    before = fingerprint(served)
    for path in ("/", "/dcradar", "/dcradar/projects", "/dcradar/articles",
                 "/dcradar/leads_in_country", "/dcradar/-/create", "/dcradar/projects/-/insert",
                 "/dcradar/projects/-/upsert", "/dcradar/projects/-/drop",
                 "/dcradar/articles/1/-/update", "/dcradar/articles/1/-/delete",
                 "/-/upload-csvs", "/-/upload-csv", "/-/create-table", "/-/messages",
                 "/-/permissions", "/-/auth-token", "/dcradar.db"):
        response = client.post(path, data={"sql": "delete from projects", "table": "x"})
        assert response.status_code >= 400, (path, response.status_code)
    for sql in ("delete from projects", "with x as (select 1) delete from projects",
                "attach database '/tmp/x.db' as x", "pragma writable_schema = 1",
                "select load_extension('/tmp/x')", "select fts3_tokenizer('simple')",
                "vacuum into '/tmp/copy.db'", "create table x(a)"):
        response = client.get("/dcradar.json", params={"sql": sql})
        assert response.status_code in (400, 403), (sql, response.status_code)
    assert client.get("/dcradar.db").status_code == 403
    assert fingerprint(served) == before


def test_the_sql_time_limit_cannot_be_raised(client):
    start = time.monotonic()
    response = client.get("/dcradar.json", params={"sql": SLOW_SQL, "_timelimit": "600000"})
    seconds = time.monotonic() - start
    assert response.status_code == 400 and "interrupted" in response.text.lower()
    assert seconds < 15, seconds  # 3 s limit; the rest is a busy machine
    record("public SQL: endless recursive query (sql_time_limit_ms=3000)", seconds, None,
           "400 SQL query took too long")


def test_canned_queries_are_parameterised(client):
    metadata, _ = assemble_for_065(*load_config())
    for name, query in metadata["databases"]["dcradar"]["queries"].items():
        # Inputs only as named parameters: nothing is ever pasted into the SQL text.
        assert "{" not in query["sql"] and "%s" not in query["sql"], name
    injections = ["' OR '1'='1", "MA' --", "'; DROP TABLE projects; --", "%' OR 1=1 --"]
    for value in injections:
        rows = client.get("/dcradar/leads_in_country.json", params={
            "country": value, "since": "", "_shape": "array"}).json()
        assert rows == [], value
        rows = client.get("/dcradar/operator_profile.json", params={
            "operator": value, "_shape": "array"}).json()
        assert rows == [], value
        feed = client.get("/dcradar/new_projects_feed.atom", params={"country": value,
                                                                     "operator": ""})
        assert feed.status_code == 200 and b"<entry>" not in feed.content
        assert client.get("/-/dashboards/pipeline", params={"country": value}).status_code \
            == 200
    assert client.get("/dcradar.json?sql=select+count(*)+as+n+from+projects&_shape=array"
                      ).json()[0]["n"] > 0


# ------------------------------------------------------------------ escaping


def test_hostile_titles_and_article_html_are_escaped(client, served):
    conn = sqlite3.connect(served)
    project = conn.execute("SELECT project_id FROM projects WHERE operator LIKE '%script%'"
                           ).fetchone()
    conn.close()
    assert project, "the hostile article made no project"
    pages = ["/", "/dcradar", "/dcradar/articles", "/dcradar/articles?_search=Hostile",
             f"/dcradar/articles/{tilde_encode(HOSTILE_URL)}", "/dcradar/projects",
             f"/dcradar/projects/{tilde_encode(project[0])}", "/dcradar/project_articles",
             "/dcradar/organization_roles", "/dcradar/mentions",
             "/dcradar/leads_in_country?country=MA&since=",
             "/dcradar/operator_profile?operator=script", "/dcradar/new_projects_feed",
             "/dcradar/investors_league", "/dcradar/capacity_pipeline",
             "/dcradar/projects?_search=Raxio", "/-/dashboards/pipeline",
             "/-/dashboards/pipeline?country=MA"]
    shown = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<script>alert(" not in response.text, path
        assert "<img src=x" not in response.text, path
        shown += "&lt;script&gt;alert(" in response.text
    assert shown >= 5  # the hostile strings were rendered, as text
    feed = client.get("/dcradar/new_projects_feed.atom?country=MA&operator=")
    assert "<script>alert(" not in feed.text
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title")
              for e in ET.fromstring(feed.content).iter("{http://www.w3.org/2005/Atom}entry")]
    assert any(XSS in (t or "") for t in titles)  # the title, as XML-escaped text
    data = client.get("/dcradar/articles.json?_shape=array&_search=Hostile")
    assert data.headers["content-type"].startswith("application/json")


# ------------------------------------------------------------------ internals


def _visit_list(client) -> list[str]:
    listing = client.get("/dcradar.json").json()
    paths = ["/", "/.json", "/dcradar", "/dcradar.json", "/-/versions.json", "/-/plugins.json",
             "/-/plugins.json?all=1", "/-/settings.json", "/-/metadata.json",
             "/-/databases.json", "/-/databases", "/-/threads.json", "/-/threads",
             "/-/actor.json", "/-/config.json", "/-/permissions", "/-/messages",
             "/-/allow-debug", "/-/patterns", "/-/dashboards", "/-/dashboards/pipeline",
             "/no-such-page", "/dcradar/no_such_table", "/dcradar.db",
             "/dcradar.json?sql=select+*+from+no_such_table",
             "/dcradar.json?sql=select+*+from+pragma_database_list",
             "/dcradar.json?sql=select+file+from+pragma_database_list()",
             "/dcradar.json?sql=select+fts3_tokenizer('simple')"]
    for kind in ("tables", "views", "queries"):
        for entry in listing[kind]:
            paths += [f"/dcradar/{entry['name']}", f"/dcradar/{entry['name']}.json"]
    for table in ("articles", "projects", "pages", "runs", "crawl_runs", "sources"):
        rows = client.get(f"/dcradar/{table}.json?_size=1").json().get("rows") or []
        if rows:
            paths.append(f"/dcradar/{table}/{tilde_encode(str(rows[0][0]))}")
    return paths


def test_no_internal_path_or_secret_on_any_page(client, served):
    secrets = {str(served), str(served.parent), str(REPO), sys.prefix, sys.base_prefix,
               os.path.dirname(os.__file__), os.path.dirname(sqlite3.__file__),
               client.ds._secret}
    home = os.path.expanduser("~")
    if home not in ("/", ""):
        secrets.add(home + "/")
    paths = _visit_list(client)
    assert len(paths) > 60
    for path in paths:
        response = client.get(path)
        text = response.text
        for secret in secrets:
            assert secret not in text, (path, secret)
    assert "path" not in client.get("/-/databases.json").json()[0]
    assert client.get("/-/threads.json").status_code == 404


def test_a_private_deployment_requires_a_login(served, tmp_path):
    """``dcradar serve --config private.yml`` with ``allow``: nothing is public (the README
    shows the datasette-auth-passwords settings that go in the same file)."""
    overlay = tmp_path / "private.yml"
    overlay.write_text("allow:\n  id: analyst\n")
    c = SyncClient(served, overlay=overlay)
    try:
        cookie = {"ds_actor": c.ds.sign({"a": {"id": "analyst"}}, "actor")}
        for path in ("/", "/dcradar", "/dcradar/projects", "/dcradar/new_projects_feed.atom",
                     "/dcradar.json?sql=select+1", "/-/databases.json",
                     "/dcradar/leads_in_country?country=MA&since="):
            assert c.get(path).status_code == 403, path
            assert c.get(path, cookies=cookie).status_code == 200, path
    finally:
        c.close()
