"""``dcradar nightly`` end to end: exit status, run record, flags on stderr."""

from __future__ import annotations

import json
import subprocess

import yaml
from nightly_support import crawl_cmd, free_port, query


def _nightly(sources, db, *extra):
    return subprocess.run(crawl_cmd(sources, db, *extra, command="nightly"),
                          capture_output=True, text=True, timeout=300)


def _sources(sample_server, tmp_path, name, change):
    spec = yaml.safe_load(sample_server.sources.read_text())
    spec["sources"] = [change(s) for s in spec["sources"] if s["name"] == "dev-a"]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_good_night_then_a_source_that_stops_yielding(sample_server, tmp_path):
    db = tmp_path / "nightly.db"
    ok = _nightly(sample_server.sources, db, "--only", "dev-a")
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert "dev-a:" in ok.stderr and " ok" in ok.stderr
    [(run_id, verdict, state)] = query(db, "SELECT run_id, verdict, state FROM runs")
    assert (verdict, state) == ("ok", "finished")
    [(new, requests, flags)] = query(db, "SELECT articles_new, requests, flags FROM crawl_runs")
    assert new == 14 and requests > 14 and json.loads(flags) == []

    # Same site, but its entry point now leads to no article: flagged, exit 1.
    base = sample_server.bases["dev-a"]
    broken = _sources(sample_server, tmp_path, "broken.yaml",
                      lambda s: {**s, "feeds": [], "start_urls": [f"{base}/about/"],
                                 "max_depth": 0})
    bad = _nightly(broken, db)
    assert bad.returncode == 1
    assert "source dev-a flagged: no-articles" in bad.stderr
    assert "FAILED" in bad.stderr
    last = query(db, "SELECT verdict, problems FROM runs ORDER BY started_at DESC, rowid DESC")
    assert last[0][0] == "failed" and "no-articles" in last[0][1]


def test_a_source_that_mostly_errors_fails_the_night(sample_server, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    sources = _sources(sample_server, tmp_path, "dead.yaml", lambda s: s)
    spec = yaml.safe_load(sources.read_text())
    spec["sources"].append({"name": "dead-site", "language": "en",
                            "start_urls": [f"{dead}/"], "feeds": [f"{dead}/feed.xml"]})
    sources.write_text(yaml.safe_dump(spec))
    db = tmp_path / "dead.db"
    run = _nightly(sources, db, "-s", "RETRY_TIMES=1")
    assert run.returncode == 1
    assert "source dead-site flagged: mostly-errors" in run.stderr
    flags = dict(query(db, "SELECT source, flags FROM crawl_runs"))
    assert json.loads(flags["dead-site"]) == ["mostly-errors"]
    assert json.loads(flags["dev-a"]) == []
