"""Projects built from article tags: the merge rule, stable ids, atomic rebuilds, views, search."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from conftest import dcradar
from datasette_support import copy_db
from gold import gold_articles, make_gold_db

from db import projects as projects_mod
from db.projects import (
    Place,
    article_places,
    assemble,
    build_projects,
    ensure_projects,
    ensure_search,
    name_key,
    project_id,
)
from db.schema import open_db
from db.writes import upsert_article


@pytest.fixture(scope="module")
def gold_db(tmp_path_factory) -> Path:
    path = make_gold_db(tmp_path_factory.mktemp("gold") / "gold.db")
    db = open_db(path)
    build_projects(db)
    db.close()
    return path


def _projects(path: Path) -> list[dict]:
    db = open_db(path)
    try:
        return list(db.query("SELECT * FROM projects ORDER BY recency"))
    finally:
        db.close()


def test_name_key_folds_spellings_of_one_organisation():
    assert name_key("N+One") == name_key("N+ONE Datacenters") == "n+one"
    assert name_key("Africa Data Centres") == name_key("africa data centers") == "africa"
    assert name_key("Rack Centre Ltd.") == "rack centre"
    assert name_key("Société d'Infrastructures Numériques") == \
        "societe d infrastructures numeriques"
    assert name_key("Data Centres") == "data centres"  # nothing else left: kept whole


def test_project_id_is_a_stable_hash_of_normalised_parts():
    a = project_id("N+One", "MA", "Nouaceur")
    assert a == project_id("N+ONE Datacenters", "ma", "nouaceur")
    assert a != project_id("N+One", "SN", "Nouaceur")
    assert a != project_id("N+One", "MA", None)
    assert project_id("Onix", "TG", "Lomé") == project_id("Onix", "TG", "Lome")
    assert a.startswith("dcr-") and len(a) == 20
    # Pinned: a CRM holds these ids, so a change here is a breaking change.
    assert a == "dcr-ecfb1abb3dbdaa43"


def test_article_places_pair_cities_with_their_countries():
    assert article_places(["MA", "SN"], ["Nouaceur", "Dakar"]) == [
        Place("MA", "Nouaceur"), Place("SN", "Dakar")]
    # A country without a city of its own is a country-level place.
    assert article_places(["NG", "GH"], ["Lagos"]) == [Place("NG", "Lagos"), Place("GH")]
    # Accents and aliases resolve to the gazetteer's name.
    assert article_places(["TG"], ["Lome"]) == [Place("TG", "Lomé")]
    # An unknown town: kept when the article has one country, dropped otherwise.
    assert article_places(["KE"], ["Tilisi"]) == [Place("KE", "Tilisi")]
    assert article_places(["KE", "UG"], ["Tilisi"]) == [Place("KE"), Place("UG")]
    assert article_places([], []) == []


def test_nouaceur_article_gives_a_nouaceur_and_a_dakar_project_with_aiim(gold_db):
    rows = {(r["operator"], r["country"], r["city"]): r for r in _projects(gold_db)}
    for key in (("N+One", "MA", "Nouaceur"), ("N+One", "SN", "Dakar")):
        project = rows[key]
        assert "African Infrastructure Investment Managers" in json.loads(project["investors"])
        assert project["location_precision"] == "city"
        assert project["stage"] == "planned"
        assert project["latitude"] is not None and project["longitude"] is not None
    dakar = rows[("N+One", "SN", "Dakar")]
    # Merged across the 2021 French article and the 2023 English one.
    assert dakar["first_reported"] == "2021-04-06" and dakar["last_reported"] == "2023-09-28"
    assert dakar["n_articles"] == 2 and dakar["n_sources"] == 2
    assert dakar["name"] == "N+One – Dakar (Senegal)"


def test_figures_of_a_multi_place_article_are_not_copied_to_each_place(gold_db):
    rows = {(r["operator"], r["country"], r["city"]): r for r in _projects(gold_db)}
    # "AIIM puts $90m behind N+One in bid for 40MW": Morocco and Senegal, no split known.
    assert rows[("N+One", "MA", None)]["capacity_mw"] is None
    assert rows[("N+One", "SN", None)]["investment_usd"] is None
    # A single-place article's figures are kept; over articles the largest one.
    vantage = rows[("Vantage Data Centers", "ZA", "Johannesburg")]
    assert vantage["capacity_mw"] == 80 and vantage["n_articles"] == 2
    assert vantage["stage"] == "operational"


def test_every_relevant_article_with_operator_and_country_lands_in_a_project(gold_db):
    db = open_db(gold_db)
    linked = {r["article_url"] for r in db.query("SELECT article_url FROM project_articles")}
    relevant = {r["url"] for r in db.query("SELECT url FROM articles WHERE relevant = 1")}
    assert linked == relevant
    assert db.execute("SELECT count(*) FROM projects").fetchone()[0] == 57
    ranks = [r[0] for r in db.execute("SELECT recency FROM projects ORDER BY recency")]
    assert ranks == list(range(1, 58))
    db.close()


def test_assemble_is_deterministic_and_order_independent():
    articles = gold_articles()
    rows1, links1, _ = assemble(articles)
    rows2, links2, _ = assemble(list(reversed(articles)))
    assert rows1 == rows2 and links1 == links2


def test_spelling_variants_merge_and_aliases_pick_the_canonical_name():
    base = {"relevant": 1, "countries": ["MA"], "cities": ["Nouaceur"], "text": "",
            "title": "N+One plans Nouaceur data centre", "source": "s"}
    articles = [dict(base, url="u1", published="2024-01-01", operators=["N+One"]),
                dict(base, url="u2", published="2024-02-01", operators=["N+ONE Datacenters"]),
                dict(base, url="u3", published="2024-03-01", operators=["N+ONE Datacenters"])]
    rows, _, result = assemble(articles)
    assert len(rows) == 1 and rows[0]["operator"] == "N+ONE Datacenters"
    assert rows[0]["n_articles"] == 3 and result.articles == 3
    rows, _, _ = assemble(articles, {"n+one": "N+One"})
    assert rows[0]["operator"] == "N+One"
    assert rows[0]["project_id"] == project_id("N+One", "MA", "Nouaceur")


def test_an_organisation_named_in_french_and_in_english_is_one():
    base = {"relevant": 1, "countries": ["TG"], "cities": ["Lomé"], "text": "", "source": "s"}
    articles = [
        dict(base, url="u1", published="2021-06-04", title="Lomé Data Centre ouvre",
             operators=["Société d'infrastructures numériques"], investors=["Banque mondiale"]),
        dict(base, url="u2", published="2021-06-05", title="Lomé Data Centre opens",
             operators=["Africa Data Centres"], investors=["World Bank"])]
    rows, links, _ = assemble(articles)
    assert [r["investors"] for r in rows] == ['["World Bank"]'] * 2
    assert [link["investors"] for link in links] == ['["World Bank"]'] * 2
    # Through the tagger's aliases too; one name is shown, the most frequent spelling.
    articles.append(dict(articles[0], url="u3", investors=["BM"]))
    rows, _, _ = assemble(articles, {name_key("BM"): "Banque mondiale"})
    assert [r["investors"] for r in rows] == ['["Banque mondiale"]'] * 2
    # An operator too: one project, with the id of the name its key comes from.
    articles = [dict(articles[1], url="u4", operators=["Banque mondiale"]),
                dict(articles[1], url="u5", operators=["World Bank"])]
    rows, _, _ = assemble(articles)
    assert [(r["operator"], r["n_articles"]) for r in rows] == [("World Bank", 2)]
    assert rows[0]["project_id"] == project_id("World Bank", "TG", "Lomé")


def test_two_spellings_of_one_operator_in_one_article_make_one_link():
    rows, links, _ = assemble([{
        "url": "u1", "relevant": 1, "countries": ["KE"], "cities": ["Nairobi"], "text": "",
        "title": "Onix expands in Nairobi", "source": "s", "published": "2024-01-01",
        "operators": ["Onix Data Centers", "Onix"]}])
    assert len(rows) == 1 and rows[0]["n_articles"] == 1
    assert [(link["project_id"], link["article_url"]) for link in links] == \
        [(rows[0]["project_id"], "u1")]


def test_each_operator_of_a_place_without_a_city_gets_its_own_stage():
    """Without a city the operator is the focus, so one article reads a stage per operator;
    with a city the reading is the place's, shared by the article's operators."""
    rows, links, _ = assemble([{
        "url": "u1", "relevant": 1, "countries": ["KE"], "cities": [], "source": "s",
        "title": "Kenya's data centre market grows", "published": "2024-01-01",
        "text": "Alpha Data opened its first data centre in the country last week. "
                "Beta Cloud plans to build a campus there next year.",
        "operators": ["Alpha Data", "Beta Cloud"]}])
    assert {row["operator"]: row["stage"] for row in rows} == \
        {"Alpha Data": "operational", "Beta Cloud": "planned"}
    rows, _, _ = assemble([{
        "url": "u2", "relevant": 1, "countries": ["KE"], "cities": ["Nairobi"], "source": "s",
        "title": "Nairobi gets a new campus", "published": "2024-01-01",
        "text": "Alpha Data and Beta Cloud opened a data centre in Nairobi.",
        "operators": ["Alpha Data", "Beta Cloud"]}])
    assert [row["stage"] for row in rows] == ["operational", "operational"]


def test_articles_without_operator_or_country_make_no_project():
    rows, links, result = assemble([
        {"url": "a", "relevant": 1, "operators": [], "countries": ["NG"], "cities": []},
        {"url": "b", "relevant": 1, "operators": ["X"], "countries": [], "cities": []},
        {"url": "c", "relevant": 0, "operators": ["X"], "countries": ["NG"], "cities": []},
    ])
    assert rows == [] and links == []
    assert (result.skipped_no_operator, result.skipped_no_place, result.articles) == (1, 1, 2)


def test_rebuild_is_idempotent_and_keeps_ids(gold_db, tmp_path):
    copy = copy_db(gold_db, tmp_path / "copy.db")
    before = _projects(copy)
    db = open_db(copy)
    build_projects(db)
    build_projects(db)
    db.close()
    assert _projects(copy) == before


def test_an_interrupted_rebuild_leaves_the_previous_table(gold_db, tmp_path, monkeypatch):
    path = copy_db(gold_db, tmp_path / "crash.db")
    before = _projects(path)
    db = open_db(path)
    db.execute("UPDATE articles SET relevant = 0 WHERE source = 'dev-a'")
    db.conn.commit()

    def crash(db, rows, links):
        db.conn.executemany("INSERT INTO projects (project_id) VALUES (?)", [("half-done",)])
        raise KeyboardInterrupt("killed mid-write")

    triggers = _triggers(db, "projects")
    monkeypatch.setattr(projects_mod, "_write", crash)
    with pytest.raises(KeyboardInterrupt):
        build_projects(db)
    assert _triggers(db, "projects") == triggers  # dropped for the rebuild, rolled back
    db.close()
    assert _projects(path) == before


def _triggers(db, table):
    return dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = ?", [table]).fetchall())


def test_a_rebuild_reindexes_the_projects_once_and_keeps_their_triggers(gold_db, tmp_path):
    db = open_db(copy_db(gold_db, tmp_path / "reindex.db"))
    build_projects(db)
    triggers = _triggers(db, "projects")
    assert {"projects_ai", "projects_ad", "projects_au"} <= set(triggers)
    gone = db.execute("SELECT p.name FROM projects p JOIN project_articles l USING "
                      "(project_id) JOIN articles a ON a.url = l.article_url GROUP BY "
                      "p.project_id HAVING min(a.source) = 'dev-a' AND max(a.source) = "
                      "'dev-a' LIMIT 1").fetchone()[0]
    db.execute("UPDATE articles SET relevant = 0 WHERE source = 'dev-a'")
    db.conn.commit()
    build_projects(db)
    assert _triggers(db, "projects") == triggers
    db.execute("INSERT INTO projects_fts (projects_fts) VALUES ('integrity-check')")
    names = [r[0] for r in db.execute("SELECT name FROM projects")]
    assert gone not in names
    for name in names[:10]:
        hits = db.execute("SELECT p.name FROM projects_fts f JOIN projects p ON p.rowid = "
                          "f.rowid WHERE projects_fts MATCH ?", ['"' + name.replace('"', "")
                                                                 + '"']).fetchall()
        assert (name,) in hits
    db.execute("UPDATE projects SET name = 'Quokkaville campus' WHERE rowid = "
               "(SELECT min(rowid) FROM projects)")  # the triggers work again
    db.conn.commit()
    assert list(db["projects"].search("Quokkaville"))
    db.close()


def test_a_changed_schema_is_recreated(tmp_path):
    db = open_db(make_gold_db(tmp_path / "old.db"))
    db.execute("CREATE TABLE projects (project_id TEXT PRIMARY KEY, old_column TEXT)")
    db.execute("INSERT INTO projects VALUES ('x', 'y')")
    db.conn.commit()
    result = build_projects(db)
    assert "old_column" not in db["projects"].columns_dict
    assert db.execute("SELECT count(*) FROM projects").fetchone()[0] == result.projects == 57
    db.close()


def test_ensure_projects_builds_only_when_missing_or_stale(tmp_path):
    db = open_db(make_gold_db(tmp_path / "ensure.db"))
    assert ensure_projects(db).projects == 57
    assert ensure_projects(db) is None
    db.execute("ALTER TABLE projects ADD COLUMN legacy TEXT")
    db.conn.commit()
    assert ensure_projects(db).projects == 57
    assert "legacy" not in db["projects"].columns_dict
    db.close()


def test_organization_roles_counts_by_role_and_country(gold_db):
    db = open_db(gold_db)
    rows = {(r["organization"], r["role"], r["country"]): r
            for r in db.query("SELECT * FROM organization_roles")}
    db.close()
    aiim_sn = rows[("African Infrastructure Investment Managers", "investor", "SN")]
    assert aiim_sn["projects"] == 2  # Dakar and the country-level Senegal project
    nplus = rows[("N+One", "operator", "MA")]
    assert nplus["projects"] == 2 and nplus["articles"] == 4
    teraco = rows[("Teraco", "operator", "ZA")]
    assert teraco["capacity_mw"] == 90  # Ekurhuleni 40 + Cape Town 50


def test_organizations_table_of_the_tagger_is_used_for_canonical_names(tmp_path):
    db = open_db(make_gold_db(tmp_path / "aliases.db"))
    db["organizations"].insert_all([
        {"name": "AIIM (African Infrastructure Investment Managers)",
         "aliases": json.dumps(["African Infrastructure Investment Managers", "AIIM"])}])
    build_projects(db)
    investors = {i for (v,) in db.execute("SELECT investors FROM projects")
                 for i in json.loads(v)}
    db.close()
    assert "AIIM (African Infrastructure Investment Managers)" in investors
    assert "African Infrastructure Investment Managers" not in investors


def test_full_text_search_is_idempotent_and_follows_writes(gold_db, tmp_path):
    db = open_db(copy_db(gold_db, tmp_path / "fts.db"))
    ensure_search(db)
    ensure_search(db)
    assert db["articles"].detect_fts() == "articles_fts"
    assert db["projects"].detect_fts() == "projects_fts"
    hits = db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'Nouaceur'")
    assert hits.fetchone()[0] == 1
    db.execute("UPDATE articles SET title = 'Zanzibarian campus' WHERE url LIKE '%nouaceur%'")
    db.conn.commit()
    assert list(db["articles"].search("Zanzibarian"))
    db.close()


def test_search_index_is_rewritten_for_text_updates_only(gold_db, tmp_path):
    db = open_db(copy_db(gold_db, tmp_path / "fts-au.db"))
    ensure_search(db)
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_au'").fetchone()
    assert 'AFTER UPDATE OF "title", "text" ON "articles"' in trigger[0]
    db.execute("UPDATE articles SET relevant = 0, operators = '[]'")  # a retag: no re-index
    db.execute("UPDATE articles SET text = text || ' Quokkaville' WHERE url LIKE '%nouaceur%'")
    db.conn.commit()
    assert len(list(db["articles"].search("Quokkaville"))) == 1
    assert len(list(db["articles"].search("Nouaceur"))) == 1
    ensure_search(db)  # idempotent on a narrowed trigger
    db.close()


def _has_article_index(path: Path) -> bool:
    other = open_db(path)
    try:
        return other["articles"].detect_fts() == "articles_fts"
    finally:
        other.close()


def test_a_first_rebuild_indexes_the_articles_while_it_assembles(tmp_path, monkeypatch):
    # The first full-text build is C code that frees the GIL: it runs in a thread of its own
    # while assemble() runs here, and is complete and kept in step once the rebuild ends.
    path = make_gold_db(tmp_path / "first.db")
    db = open_db(path)
    assert not db["articles"].detect_fts()
    seen_during = []

    def waiting_assemble(*args, **kwargs):
        rows = list(args[0])  # the relevant articles, read before the wait (as assemble does)
        for _ in range(500):
            if _has_article_index(path):
                break
            time.sleep(0.01)
        seen_during.append(_has_article_index(path))
        return assemble(rows, *args[1:], **kwargs)

    monkeypatch.setattr(projects_mod, "assemble", waiting_assemble)
    assert build_projects(db).projects == 57
    assert seen_during == [True]
    assert db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH "
                      "'Nouaceur'").fetchone()[0] == 1
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_au'").fetchone()
    assert 'AFTER UPDATE OF "title", "text" ON "articles"' in trigger[0]
    db.close()


def test_a_failed_index_build_beside_the_rebuild_is_done_again(tmp_path, monkeypatch, caplog):
    path = make_gold_db(tmp_path / "retry.db")
    db = open_db(path)
    real = projects_mod._ensure_fts

    def fails_in_a_thread(db, table, columns):
        if threading.current_thread() is not threading.main_thread():
            raise sqlite3.OperationalError("database is locked")
        real(db, table, columns)

    monkeypatch.setattr(projects_mod, "_ensure_fts", fails_in_a_thread)
    build_projects(db)
    assert "search index beside the rebuild failed" in caplog.text
    assert list(db["articles"].search("Nouaceur"))
    db.close()


def test_nothing_is_built_beside_an_open_transaction_or_in_memory(tmp_path):
    db = open_db(make_gold_db(tmp_path / "busy.db"))
    db.conn.execute("BEGIN")
    projects_mod._index_articles_alongside(db)()  # would wait for a thread, had one started
    db.conn.execute("ROLLBACK")
    assert not db["articles"].detect_fts()
    memory = open_db(":memory:")
    with memory.atomic():
        for row in gold_articles():
            upsert_article(memory, row)
    assert projects_mod._database_file(memory) is None
    assert build_projects(memory).projects == 57
    assert list(memory["articles"].search("Nouaceur"))
    db.close()


def test_build_projects_command(tmp_path):
    path = make_gold_db(tmp_path / "cli.db")
    proc = dcradar("build-projects", "--db", str(path))
    assert "57 projects from 61 relevant articles" in proc.stderr


def test_a_crawl_ends_by_building_projects(crawled):
    """``dcradar crawl`` rebuilds projects from whatever tags the crawl stored."""
    db = open_db(crawled)
    try:
        assert db["projects"].exists() and db["project_articles"].exists()
        assert db["articles"].detect_fts() == "articles_fts"
        tagged = db.execute("SELECT count(*) FROM articles WHERE relevant = 1").fetchone()[0]
        if not tagged:
            pytest.skip("the crawl stored no tags (tagger not wired into the crawl)")
        places = {(r["country"], r["city"]) for r in db.query(
            "SELECT country, city FROM projects WHERE operator LIKE 'N+ONE%'")}
        assert {("MA", "Nouaceur"), ("SN", "Dakar")} <= places
    finally:
        db.close()
