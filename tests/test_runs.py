"""Run records: resume decisions, counters, the failure rule, article history, Datasette."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from db.runs import (
    RunBusyError,
    add_counts,
    finish_run,
    mark_page,
    source_flags,
    start_run,
)
from db.schema import open_db
from db.writes import upsert_article, upsert_page
from pipeline.nightly import evaluate
from spiders.incremental import parse_when


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "runs.db")


def test_a_finished_run_is_not_resumed_an_interrupted_one_is(db):
    run, resumed = start_run(db, kind="crawl", sources_key="k")
    assert not resumed
    finish_run(db, run, "shutdown")
    again, resumed = start_run(db, kind="crawl", sources_key="k")
    assert (again, resumed) == (run, True)
    other, resumed = start_run(db, kind="crawl", sources_key="other-sources")
    assert other != run and not resumed
    finish_run(db, run, "finished")
    fresh, resumed = start_run(db, kind="crawl", sources_key="k")
    assert fresh != run and not resumed
    row = db.execute("SELECT state, segments FROM runs WHERE run_id = ?", [run]).fetchone()
    assert row == ("finished", 2)


def test_a_killed_run_is_resumed_but_a_live_one_is_refused(db):
    run, _ = start_run(db, kind="crawl", sources_key="k")
    # Pretend another live process owns it: our parent is alive and not us.
    db.execute("UPDATE runs SET pid = ? WHERE run_id = ?", [os.getppid(), run])
    with pytest.raises(RunBusyError):
        start_run(db, kind="crawl", sources_key="k")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    db.execute("UPDATE runs SET pid = ? WHERE run_id = ?", [dead.pid, run])
    assert start_run(db, kind="crawl", sources_key="k") == (run, True)


def test_resume_can_be_refused(db):
    run, _ = start_run(db, kind="crawl", sources_key="k")
    finish_run(db, run, "shutdown")
    fresh, resumed = start_run(db, kind="crawl", sources_key="k", resume=False)
    assert fresh != run and not resumed
    assert db.execute("SELECT state FROM runs WHERE run_id = ?", [run]).fetchone() == (
        "abandoned",)


def _run_with(db, **per_source):
    run, _ = start_run(db, kind="crawl", sources_key="k")
    for source, counts in per_source.items():
        add_counts(db, run, source, counts)
    return run


def test_failure_rule_flags(db):
    first = _run_with(db, good={"pages": 10, "articles_new": 3},
                      quiet={"pages": 10, "articles_new": 2},
                      broken={"pages": 4, "errors": 2, "articles_new": 1})
    assert finish_run(db, first, "finished") == {"good": [], "quiet": [], "broken": []}
    second = _run_with(db, good={"pages": 10, "articles_unchanged": 3},
                       quiet={"pages": 10},
                       broken={"pages": 4, "errors": 3, "exceptions": 1,
                               "articles_unchanged": 1},
                       newcomer={"pages": 2})
    flags = finish_run(db, second, "finished")
    assert flags == {"good": [], "quiet": ["no-articles"],
                     "broken": ["raised", "mostly-errors"], "newcomer": []}
    stored = dict(db.execute("SELECT source, flags FROM crawl_runs WHERE run_id = ?",
                             [second]).fetchall())
    assert json.loads(stored["broken"]) == ["raised", "mostly-errors"]
    # Exactly half is not "most".
    third = _run_with(db, good={"pages": 4, "errors": 2, "articles_unchanged": 3})
    assert source_flags(db, third)["good"] == []


def test_counters_accumulate_over_segments(db):
    run = _run_with(db, a={"requests": 5, "bytes": 100})
    add_counts(db, run, "a", {"requests": 2, "bytes": 50, "not-a-counter": 9})
    assert db.execute("SELECT requests, bytes FROM crawl_runs WHERE run_id = ?",
                      [run]).fetchone() == (7, 150)


def test_nightly_verdict(db, tmp_path):
    run = _run_with(db, a={"pages": 3, "articles_new": 1})
    finish_run(db, run, "finished")
    path = str(tmp_path / "runs.db")
    assert evaluate(path, run, "finished", []) == []
    problems = evaluate(path, run, "shutdown", ["step tag raised ValueError: x"])
    assert len(problems) == 2
    verdict, stored = db.execute("SELECT verdict, problems FROM runs WHERE run_id = ?",
                                 [run]).fetchone()
    assert verdict == "failed" and json.loads(stored) == problems


def test_article_history_is_kept_per_distinct_text(db):
    row = {"url": "http://x/a", "source": "s", "title": "T", "text": "one",
           "content_hash": "h1", "first_seen": "2026-01-01", "last_seen": "2026-01-01"}
    with db.atomic():
        upsert_article(db, row)
        upsert_article(db, {**row, "last_seen": "2026-01-02"})
        upsert_article(db, {**row, "text": "two", "content_hash": "h2",
                            "last_seen": "2026-01-03"})
        db.execute("UPDATE articles SET relevant = 1")  # tagging is not a new version
    versions = db.execute("SELECT version, content_hash, text, seen_at FROM article_versions "
                          "ORDER BY version").fetchall()
    assert versions == [(1, "h1", "one", "2026-01-01"), (2, "h2", "two", "2026-01-03")]


def test_mark_page_reports_the_previous_run(db):
    with db.atomic():
        upsert_page(db, {"url": "http://x/", "source": "s", "status": 200})
    assert mark_page(db, "http://x/", "r1", result="fetched", checked_at="t1") is None
    assert mark_page(db, "http://x/", "r2", result="not-modified", checked_at="t2") == "r1"
    assert db.execute("SELECT run_id, check_result, status FROM pages").fetchone() == (
        "r2", "not-modified", 200)


def test_lastmod_dates():
    day = parse_when("2024-03-01")
    assert day is not None and day.hour == 23  # a bare date is the whole day
    assert parse_when("2024-03-01T10:00:00Z").tzinfo is not None
    assert parse_when("not a date") is None and parse_when(None) is None


def test_crawl_runs_visible_in_datasette(db, tmp_path):
    from datasette.app import Datasette

    run = _run_with(db, a={"requests": 4, "responses_2xx": 3, "responses_5xx": 1})
    finish_run(db, run, "finished")
    db.close()

    async def fetch():
        ds = Datasette([str(tmp_path / "runs.db")])
        return await ds.client.get("/runs/crawl_runs.json?_shape=array")

    response = asyncio.run(fetch())
    assert response.status_code == 200
    [row] = response.json()
    assert (row["run_id"], row["requests"], row["responses_5xx"]) == (run, 4, 1)
