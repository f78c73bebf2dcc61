"""db/tags.py: tags, mentions and organisations written one article at a time or many at once."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from classifier.mentions import MentionRow
from db.schema import TAG_COLUMNS, open_db
from db.tags import refresh_organization_counts, write_tags, write_tags_many

SENTENCE = "Raxio and Africa50 open a 10 MW site in Kampala."


def _tags(**over) -> dict:
    tags = {"relevant": True, "operators": [], "investors": [], "countries": [],
            "capacity_mw": None, "cities": [], "event": "other", "investment_usd": None}
    return {**tags, **over}


def _m(field: str, value: str, normalized: str | None = None) -> MentionRow:
    return MentionRow(field, value, normalized or value, 0.9, SENTENCE)


RESULTS = [
    ("https://a.example/1", _tags(operators=["Raxio Group"], countries=["UG"], capacity_mw=10.0),
     [_m("operators", "Raxio", "Raxio Group"), _m("countries", "Uganda", "UG"),
      _m("capacity_mw", "10 MW", "10")]),
    ("https://a.example/2", _tags(operators=["Raxio Group"], investors=["Africa50"]),
     [_m("operators", "RAXIO GROUP", "Raxio Group"), _m("investors", "Africa 50", "Africa50")]),
    # an amount the schema refuses: the tag and its mention are dropped
    ("https://a.example/3", _tags(capacity_mw=0.0, investors=["IFC"]),
     [_m("capacity_mw", "0 MW", "0"), _m("investors", "IFC")]),
    ("https://a.example/4", _tags(relevant=False), []),
    # the first article again: its last tags and mentions are the ones kept
    ("https://a.example/1", _tags(operators=["Raxio Group"], countries=["KE"]),
     [_m("operators", "Raxio Data Centres", "Raxio Group"), _m("countries", "Kenya", "KE")]),
]


def _db(path: Path) -> Path:
    db = open_db(path)
    with db.atomic():
        for i in range(1, 5):
            url = f"https://a.example/{i}"
            db["articles"].insert({"url": url, "title": f"Story {i}", "text": SENTENCE})
        # an organisation known before: it keeps its name and gains spellings
        db["organizations"].insert({"key": "africa50", "name": "Africa50",
                                    "aliases": '["AFRICA50"]', "first_seen": "2025-01-01"})
    db.close()
    return path


def _when(first_seen: str) -> str:
    """A first-seen date written by this run is the clock's: the two runs of a
    comparison may straddle a second, so it compares as "this run"."""
    if first_seen == "2025-01-01":
        return first_seen
    datetime.fromisoformat(first_seen)  # still a real timestamp
    return "this run"


def _state(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        orgs = conn.execute(
            "SELECT key, name, aliases, operator_articles, investor_articles, first_seen "
            "FROM organizations ORDER BY key").fetchall()
        return {
            "articles": conn.execute(
                "SELECT url, relevant, operators, investors, countries, capacity_mw, event "
                "FROM articles ORDER BY url").fetchall(),
            "mentions": conn.execute(
                "SELECT article_url, field, value, normalized FROM mentions "
                "ORDER BY 1, 2, 3").fetchall(),
            "organizations": [(*row[:5], _when(row[5])) for row in orgs]}
    finally:
        conn.close()


def _write(path: Path, many: bool) -> dict:
    db = open_db(path)
    with db.atomic():
        if many:
            write_tags_many(db, RESULTS)
        else:
            for url, tags, mentions in RESULTS:
                write_tags(db, url, tags, mentions)
        refresh_organization_counts(db)
    db.close()
    return _state(path)


def test_many_at_once_writes_what_one_at_a_time_writes(tmp_path):
    one = _write(_db(tmp_path / "one.db"), many=False)
    many = _write(_db(tmp_path / "many.db"), many=True)
    assert many == one


def test_an_organisation_is_named_alike_whatever_order_its_articles_come_in(tmp_path):
    """Pages finish in no fixed order: the name must not be the first spelling seen."""
    spelled = [("https://a.example/1", "N+ONE Datacenters", "N+ONE Datacenters"),
               ("https://a.example/2", "N+One Datacenters Group", "N+ONE Datacenters Group"),
               ("https://a.example/3", "N+ONE DATACENTERS SA", "N+ONE DATACENTERS SA")]
    results = [(url, _tags(operators=[norm]), [_m("operators", value, norm)])
               for url, value, norm in spelled]
    states = []
    for n, order in enumerate((results, results[::-1], results[1:] + results[:1])):
        path = _db(tmp_path / f"order{n}.db")
        db = open_db(path)
        with db.atomic():
            for url, tags, mentions in order:  # one article at a time, as a crawl stores them
                write_tags(db, url, tags, mentions)
        db.close()
        states.append([row[:3] for row in _state(path)["organizations"]])
    assert states[0] == states[1] == states[2]
    assert ("n+one datacenters", "N+ONE Datacenters Group", '["N+ONE DATACENTERS SA", '
            '"N+ONE Datacenters", "N+One Datacenters Group"]') in states[0]


def test_what_is_written(tmp_path):
    state = _write(_db(tmp_path / "t.db"), many=True)
    articles = {row[0]: row[1:] for row in state["articles"]}
    assert articles["https://a.example/1"] == (1, '["Raxio Group"]', "[]", '["KE"]', None,
                                               "other")
    assert articles["https://a.example/3"][4] is None           # 0 MW refused
    assert articles["https://a.example/4"][0] == 0
    mentions = state["mentions"]
    assert ("https://a.example/1", "countries", "Uganda", "UG") not in mentions  # replaced
    assert ("https://a.example/1", "countries", "Kenya", "KE") in mentions
    assert not any(m[0].endswith("/3") and m[1] == "capacity_mw" for m in mentions)
    orgs = {row[0]: row[1:] for row in state["organizations"]}
    # first spelling of a new organisation is its name; every spelling is an alias
    assert orgs["raxio"][:2] == (
        "Raxio Group", '["RAXIO GROUP", "Raxio", "Raxio Data Centres"]')
    assert orgs["raxio"][2] == 2                          # operator in two articles
    assert orgs["africa50"][:2] == ("Africa50", '["AFRICA50", "Africa 50"]')
    assert orgs["africa50"][4] == "2025-01-01"                  # first seen kept
    assert orgs["ifc"][4] == "this run"


def _stored(path: Path) -> dict[str, dict]:
    conn = sqlite3.connect(path)
    try:
        return {row[0]: dict(zip(TAG_COLUMNS, row[1:], strict=True)) for row in conn.execute(
            f"SELECT url, {', '.join(TAG_COLUMNS)} FROM articles")}
    finally:
        conn.close()


def _write_logging_updates(path: Path, stored: dict | None) -> tuple[dict, list[str]]:
    """Write RESULTS again; the state after and the URLs of the article rows updated."""
    db = open_db(path)
    db.execute("CREATE TEMP TABLE updated (url TEXT)")
    db.execute("CREATE TEMP TRIGGER log_updates AFTER UPDATE ON articles "
               "BEGIN INSERT INTO updated VALUES (new.url); END")
    with db.atomic():
        write_tags_many(db, RESULTS, stored)
        refresh_organization_counts(db)
    updated = sorted(r[0] for r in db.execute("SELECT url FROM updated"))
    db.close()
    return _state(path), updated


def test_rows_whose_tags_are_unchanged_are_left_as_they_are(tmp_path):
    path = _db(tmp_path / "t.db")
    first = _write(path, many=True)
    # As a second retag with the same model: the same rows, no article row rewritten,
    # the mentions replaced all the same.
    stored = _stored(path)
    db = open_db(path)
    with db.atomic():
        db.execute("DELETE FROM mentions")
    db.close()
    again, updated = _write_logging_updates(path, stored)
    assert again == first and updated == []
    # Tags read differently than they come out now: those rows are written.
    stale = {**stored, "https://a.example/2": {**stored["https://a.example/2"], "relevant": 0},
             "https://a.example/1": {**stored["https://a.example/1"], "countries": '["UG"]'}}
    again, updated = _write_logging_updates(path, stale)
    assert again == first and updated == ["https://a.example/1", "https://a.example/2"]
    # Nothing read: every article row is written, once.
    again, updated = _write_logging_updates(path, None)
    assert again == first and updated == [f"https://a.example/{i}" for i in range(1, 5)]
