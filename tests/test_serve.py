"""``dcradar serve``: configuration, pages, JSON, CSV, search, feeds, read-only, offline.

Through Datasette's own test client on the exact ``Datasette`` object the CLI
serves (``pipeline.serve.make_datasette``), on a database tagged with the gold
labels of the sample corpus.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from datasette_support import SyncClient, gold_served_db

from db.projects import PROJECT_COLUMNS
from pipeline.serve import assemble_for_065, load_config

ATOM = "{http://www.w3.org/2005/Atom}"
LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    c = SyncClient(gold_served_db(tmp_path_factory.mktemp("serve")))
    yield c
    c.close()


# ---------------------------------------------------------------------------- configuration


def test_config_files_keep_the_datasette_1_split():
    metadata, config = load_config()
    # metadata.yml: descriptive only. datasette.yml: settings, plugins, table options, queries.
    assert not {"settings", "plugins", "extra_css_urls"} & set(metadata)
    assert set(config) <= {"settings", "plugins", "databases"}
    tables_md = metadata["databases"]["dcradar"]["tables"]
    assert all(set(t) <= {"title", "description", "description_html", "columns"}
               for t in tables_md.values())
    assert "queries" not in metadata["databases"]["dcradar"]
    assert set(config["databases"]["dcradar"]) == {"tables", "queries"}
    # Every projects column is described (units in the description where there are units).
    columns = tables_md["projects"]["columns"]
    assert set(columns) == set(PROJECT_COLUMNS)
    assert "MW" in columns["capacity_mw"] and "USD" in columns["investment_usd"]


def test_assembly_for_065_moves_config_into_metadata():
    metadata, settings = assemble_for_065(*load_config())
    assert settings["sql_time_limit_ms"] == 3000
    db = metadata["databases"]["dcradar"]
    assert {"leads_in_country", "operator_profile", "investors_league", "capacity_pipeline",
            "new_projects_feed"} <= set(db["queries"])
    assert db["tables"]["projects"]["sort"] == "recency"
    assert db["tables"]["projects"]["columns"]["project_id"]  # metadata kept beside options
    assert {"datasette-cluster-map", "datasette-dashboards"} <= set(metadata["plugins"])
    with pytest.raises(ValueError):
        assemble_for_065({}, {"permissions": {}})
    with pytest.raises(ValueError):
        assemble_for_065({}, {"databases": {"dcradar": {"tables": {"t": {"colour": 1}}}}})


# ---------------------------------------------------------------------------- pages


@pytest.mark.parametrize("path", [
    "/", "/dcradar", "/dcradar/projects", "/dcradar/articles", "/dcradar/project_articles",
    "/dcradar/organization_roles", "/dcradar/sources", "/dcradar/leads_in_country",
    "/dcradar/leads_in_country?country=MA&since=2024-01-01",
    "/dcradar/operator_profile?operator=Teraco", "/dcradar/investors_league",
    "/dcradar/capacity_pipeline", "/dcradar/new_projects_feed", "/-/dashboards",
    "/-/dashboards/pipeline", "/-/dashboards/pipeline?country=NG",
])
def test_pages_render(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert "text/html" in response.headers["content-type"]


def test_projects_page_lists_the_n_one_projects_with_operator_country_investor(client):
    rows = client.get("/dcradar/projects.json?operator=N%2BOne&_shape=array").json()
    by_city = {r["city"]: r for r in rows}
    for city, country in (("Nouaceur", "MA"), ("Dakar", "SN")):
        assert by_city[city]["country"] == country
        assert "African Infrastructure Investment Managers" in by_city[city]["investors"]
    html = client.get("/dcradar/projects?operator=N%2BOne").text
    assert "N+One – Nouaceur (Morocco)" in html and "N+One – Dakar (Senegal)" in html
    assert "Column descriptions" not in html or "megawatts" in html


def test_projects_facets_and_default_sort(client):
    data = client.get("/dcradar/projects.json?_size=5").json()
    facets = set(data["facet_results"])
    assert {"country_name", "operator", "investors", "stage", "event", "year",
            "sources"} <= facets
    assert data["human_description_en"] == "sorted by recency"
    assert [r[-1] for r in data["rows"]] == [1, 2, 3, 4, 5]  # recency is the last column
    stage_values = {f["value"] for f in data["facet_results"]["stage"]["results"]}
    assert {"planned", "operational", "under construction"} <= stage_values
    investors = {f["value"] for f in data["facet_results"]["investors"]["results"]}
    assert "World Bank" in investors


def test_facet_filters_narrow_the_rows(client):
    data = client.get("/dcradar/projects.json?country_name=Morocco&_shape=objects").json()
    assert data["filtered_table_rows_count"] == 3  # N+One (country-level), Nouaceur, USDC
    assert {r["country"] for r in data["rows"]} == {"MA"}
    data = client.get("/dcradar/projects.json?investors__arraycontains=World+Bank"
                      "&_shape=objects").json()
    assert {r["city"] for r in data["rows"]} == {"Lomé", "Jinja"}


def test_articles_facets_sort_and_full_text_search(client):
    data = client.get("/dcradar/articles.json?_size=3&_shape=objects").json()
    assert {"source", "language", "event", "countries", "operators"} <= set(data["facet_results"])
    dates = [r["published"] for r in data["rows"]]
    assert dates == sorted(dates, reverse=True)
    hits = client.get("/dcradar/articles.json?_search=Nouaceur&_shape=objects").json()["rows"]
    assert any("nouaceur" in r["url"] for r in hits)
    # Accents fold both ways (unicode61 tokenizer): "Lome" finds "Lomé".
    hits = client.get("/dcradar/articles.json?_search=Lome&_shape=objects").json()["rows"]
    assert hits
    hits = client.get("/dcradar/projects.json?_search=Nouaceur&_shape=objects").json()["rows"]
    assert "Nouaceur" in [r["city"] for r in hits]
    hits = client.get("/dcradar/projects.json?_search=Proparco&_shape=objects").json()["rows"]
    assert [(r["operator"], r["city"]) for r in hits] == [("Open Access Data Centres", "Lagos")]


def test_csv_has_the_crm_columns(client):
    text = client.get("/dcradar/projects.csv?_stream=on").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 57
    assert list(rows[0])[:9] == ["project_id", "name", "operator", "investors", "country",
                                 "country_name", "city", "capacity_mw", "investment_usd"]
    assert rows[0]["source_urls"].startswith('["http')


def test_canned_queries_answer(client):
    league = client.get("/dcradar/investors_league.json?_shape=array").json()
    top = {r["investor"]: r for r in league}
    assert top["African Infrastructure Investment Managers"]["projects"] == 5
    pipeline = client.get("/dcradar/capacity_pipeline.json?_shape=array").json()
    za = {r["year"]: r for r in pipeline if r["country"] == "ZA"}
    assert za[2021]["capacity_mw"] == 80  # Vantage, Johannesburg
    egypt = [r for r in pipeline if r["country"] == "EG" and r["year"] == 2023]
    assert egypt[0]["capacity_mw"] == 192 + 25  # the joint venture counted once, plus Khazna
    profile = client.get("/dcradar/operator_profile.json?operator=teraco&_shape=array").json()
    assert {r["city"] for r in profile} == {"Ekurhuleni", "Cape Town"}
    assert profile[0]["operator_projects"] == 2
    leads = client.get("/dcradar/leads_in_country.json?country=ng&since=2025-01-01"
                       "&_shape=array").json()
    assert leads and all(r["country"] == "NG" and r["last_reported"] >= "2025-01-01"
                         for r in leads)


# ---------------------------------------------------------------------------- feeds


def _entries(xml_text: str) -> list[dict[str, str]]:
    root = ET.fromstring(xml_text.encode())
    return [{"id": e.findtext(f"{ATOM}id"), "title": e.findtext(f"{ATOM}title"),
             "link": e.find(f"{ATOM}link").get("href") if e.find(f"{ATOM}link") is not None
             else None} for e in root.iter(f"{ATOM}entry")]


def test_atom_feed_of_new_projects_filtered_by_country_and_operator(client):
    response = client.get("/dcradar/new_projects_feed.atom?country=MA&operator=N%2BOne")
    assert response.status_code == 200
    assert "xml" in response.headers["content-type"]
    entries = _entries(response.text)
    titles = [e["title"] for e in entries]
    assert "N+One – Nouaceur (Morocco) (planned)" in titles
    assert all(t.startswith("N+One") for t in titles)
    assert all(e["id"].startswith("urn:dcradar:project:dcr-") for e in entries)
    assert all(e["link"].startswith("http://127.0.0.1:87") for e in entries)
    everything = _entries(client.get("/dcradar/new_projects_feed.atom").text)
    assert len(everything) == 57


def test_an_empty_feed_is_still_a_feed(client):
    response = client.get("/dcradar/new_projects_feed.atom?country=ZZ")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed" and not _entries(response.text)
    assert root.findtext(f"{ATOM}title") == "New data-centre projects"


# ---------------------------------------------------------------------------- read-only


def test_read_only_and_time_limited(client):
    settings = client.get("/-/settings.json").json()
    assert settings["sql_time_limit_ms"] == 3000
    assert settings["allow_download"] is False
    count = "/dcradar.json?sql=select+count(*)+as+n+from+projects&_shape=array"
    before = client.get(count).json()[0]["n"]
    for sql in ("delete from projects", "drop table projects",
                "update projects set stage = 'x'", "insert into projects (project_id) "
                "values ('x')"):
        response = client.get("/dcradar.json", params={"sql": sql})
        assert response.status_code == 400, sql
    assert client.post("/dcradar/leads_in_country", data={"country": "MA"}).status_code >= 400
    assert client.get("/dcradar.db").status_code == 403
    assert client.get(count).json()[0]["n"] == before
    slow = ("with recursive c(x) as (select 1 union all select x + 1 from c) "
            "select count(*) from c")
    response = client.get("/dcradar.json", params={"sql": slow, "_timelimit": "20"})
    assert response.status_code == 400 and "interrupted" in response.text.lower()


# ---------------------------------------------------------------------------- offline


class _Resources(HTMLParser):
    """URLs a page makes the browser load (scripts, styles, images, frames), not links."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "embed", "audio", "video") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") and (a.get("rel") or "") not in ("alternate",):
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])


PAGES = ["/", "/dcradar", "/dcradar/projects", "/dcradar/articles",
         "/dcradar/new_projects_feed", "/-/dashboards/pipeline", "/dcradar/capacity_pipeline"]


@pytest.mark.parametrize("path", PAGES)
def test_nothing_on_a_page_loads_from_the_internet(client, path):
    html = client.get(path).text
    parser = _Resources()
    parser.feed(html)
    assert parser.urls, path
    for url in parser.urls:
        full = urljoin(f"http://localhost{path}", url)
        assert urlsplit(full).hostname in LOCAL_HOSTS, (path, url)
        if urlsplit(full).path.endswith((".js", ".css")):
            assert client.get(urlsplit(full).path).status_code == 200, url
    # CSS in the page itself: no @import or url() from elsewhere.
    assert not re.search(r"(@import|url\()\s*['\"]?https?://", html)
    # The map's tile layer is dcradar's own blank-tile route.
    if path == "/dcradar/projects":
        assert "datasette-cluster-map.js" in html
        assert 'DATASETTE_CLUSTER_MAP_TILE_LAYER = "/-/dcradar/tiles/{z}/{x}/{y}.png"' in html


def test_tiles_option_puts_a_real_tile_server_on_the_map(tmp_path):
    c = SyncClient(gold_served_db(tmp_path),
                   tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    try:
        html = c.get("/dcradar/projects").text
        assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    finally:
        c.close()


def test_serve_freezes_what_it_loaded_before_serving(tmp_path, monkeypatch):
    """The objects loaded at start-up are out of the collector's full passes while serving."""
    import gc
    import sqlite3

    import uvicorn

    import pipeline.serve as serve

    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    seen = {}

    def run(app, **kwargs):  # type: ignore[no-untyped-def]
        seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(uvicorn, "run", run)
    gc.unfreeze()
    try:
        serve.serve(path)
    finally:
        gc.unfreeze()
    assert seen["frozen"] > 10_000
