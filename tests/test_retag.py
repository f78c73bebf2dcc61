"""pipeline.retag: new tags for every stored article, and projects that follow them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from datasette_support import gold_served_db

import db.projects
from pipeline.retag import retag


class OneAnswerTagger:
    """A model that finds one project in every article: Zeta Cloud in Nairobi."""

    def tag_many(self, items):
        tags = {"relevant": True, "operators": ["Zeta Cloud"], "investors": [],
                "countries": ["KE"], "capacity_mw": None, "cities": ["Nairobi"],
                "event": "new_build", "investment_usd": None}
        return [(dict(tags), []) for _ in items]


def _state(path: Path) -> tuple[list, list]:
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT url, operators, countries FROM articles ORDER BY url")
                .fetchall(),
                conn.execute("SELECT project_id, operator, country, city, n_articles "
                             "FROM projects ORDER BY project_id").fetchall())
    finally:
        conn.close()


def test_a_retag_that_changes_tags_rebuilds_the_projects(tmp_path):
    path = gold_served_db(tmp_path)
    _, before = _state(path)
    assert len(before) > 1
    summaries: list[str] = []
    count = retag(path, tagger=OneAnswerTagger(), projects=summaries.append)
    articles, projects = _state(path)
    assert len(summaries) == 1 and f"{len(articles)} relevant articles" in summaries[0]
    assert [p[1:] for p in projects] == [("Zeta Cloud", "KE", "Nairobi", count)]


def test_a_retag_that_changes_no_tag_leaves_the_projects(tmp_path):
    path = gold_served_db(tmp_path)
    retag(path, tagger=OneAnswerTagger())
    before = _state(path)
    summaries: list[str] = []
    retag(path, tagger=OneAnswerTagger(), projects=summaries.append)
    assert summaries == [] and _state(path) == before


def test_a_retag_that_fails_building_projects_keeps_the_tags_and_projects(tmp_path,
                                                                        monkeypatch):
    path = gold_served_db(tmp_path)
    before = _state(path)

    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(db.projects, "_write", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        retag(path, tagger=OneAnswerTagger())
    assert _state(path) == before


@pytest.mark.parametrize("articles, workers, started", [
    (201, 2, True),     # more than one batch, two workers: the server loads the model now
    (200, 2, False),    # one batch is tagged in this process
    (201, 0, False),    # no workers asked for
    (201, 1, False),
])
def test_the_workers_fork_server_starts_before_the_imports_only_when_used(
        tmp_path, monkeypatch, articles, workers, started):
    import pipeline.retag as module

    path = tmp_path / "n.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE articles (url TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO articles VALUES (?)", [(f"u{i}",) for i in range(articles)])
    conn.commit()
    conn.close()
    calls = []
    monkeypatch.setattr(module, "start_fork_server", lambda **kw: calls.append(kw))
    module.start_workers_early(path, workers)
    assert calls == ([{"load_tagger": True, "load_extractor": False}] if started else [])


def test_no_early_start_for_a_file_that_is_no_database(tmp_path, monkeypatch):
    import pipeline.retag as module

    calls = []
    monkeypatch.setattr(module, "start_fork_server", lambda **kw: calls.append(kw))
    (tmp_path / "x.db").write_text("not a database")
    module.start_workers_early(tmp_path / "x.db", 2)
    module.start_workers_early(tmp_path / "missing.db", 2)
    assert calls == [] and not (tmp_path / "missing.db").exists()
