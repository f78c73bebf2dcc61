"""End to end on the bundled sample sites: real Scrapy against loopback servers."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from urllib.parse import urlsplit

from conftest import REPO, crawl, dcradar


def _site_path(url: str, bases: dict[str, str]) -> tuple[str, str] | None:
    for site, base in bases.items():
        if url.startswith(base + "/"):
            return site, urlsplit(url).path
    return None


def test_every_labelled_article_stored_once_and_nothing_else(crawled, sample_server, labels):
    db = sqlite3.connect(crawled)
    urls = [u for (u,) in db.execute("SELECT url FROM articles")]
    keys = [_site_path(u, sample_server.bases) for u in urls]
    gold = {(x["site"], x["path"]) for x in labels}
    assert len(keys) == len(set(keys)), "an article was stored twice"
    assert set(keys) - gold == set(), "a non-article page was stored as an article"
    assert gold - set(keys) == set(), "a labelled article was missed"


def test_metadata_matches_labels(crawled, sample_server, labels):
    db = sqlite3.connect(crawled)
    db.row_factory = sqlite3.Row
    rows = {_site_path(r["url"], sample_server.bases): r
            for r in db.execute("SELECT * FROM articles")}
    norm = lambda s: re.sub(r"\s+", " ", (s or "").casefold()).strip()  # noqa: E731
    right = Counter()
    for label in labels:
        row = rows[(label["site"], label["path"])]
        for key in ("title", "published", "language"):
            right[key] += norm(row[key]) == norm(label[key])
    for key in ("title", "published", "language"):
        assert right[key] / len(labels) >= 0.95, (key, right[key])


def test_every_request_is_a_pages_row_with_a_reason(crawled, sample_server):
    db = sqlite3.connect(crawled)
    kinds = dict(db.execute("SELECT kind, count(*) FROM pages GROUP BY kind").fetchall())
    assert kinds["article"] == 86
    reasons = {r for (r,) in db.execute("SELECT reason FROM pages WHERE kind != 'article'")}
    assert None not in reasons
    assert "http-410" in reasons                      # dev-c's gone page
    assert "robots-disallowed" in reasons             # robots.txt obeyed
    # Raw HTML is kept compressed for every stored article.
    missing = db.execute("SELECT count(*) FROM pages WHERE kind = 'article' AND html_gz IS NULL")
    assert missing.fetchone()[0] == 0


def test_crawler_hygiene_in_the_request_log(crawled, sample_server):
    log = sample_server.requests()
    paths = Counter((r["site"], r["path"]) for r in log)
    # The calendar trap ends by itself within the hop bound.
    calendar = [p for (site, p) in paths if "/events/calendar/" in p]
    assert 0 < len(calendar) <= 10
    # The flaky page was retried after its 503s and then fetched.
    flaky = [r for r in log if r["path"].startswith("/2025/03/oadc-240m")]
    assert [r["status"] for r in flaky][-1] == 200 and 503 in {r["status"] for r in flaky}
    # robots.txt is asked for before anything else of a site.
    first = {}
    for r in log:
        first.setdefault(r["site"], r["path"])
    assert set(first.values()) == {"/robots.txt"}
    # Nothing disallowed by robots.txt was fetched.
    for site in sample_server.bases:
        robots = (REPO / "spiders/sample_sites/sites" / site / "robots.txt")
        if not robots.exists():
            continue
        banned = [line.split(":", 1)[1].strip() for line in robots.read_text().splitlines()
                  if line.lower().startswith("disallow:") and line.split(":", 1)[1].strip()]
        for (s, path) in paths:
            if s == site:
                assert not any(path.startswith(b) for b in banned), (site, path)


def test_recrawl_changes_no_row_count_and_keeps_first_seen(sample_server, tmp_path):
    db_path = tmp_path / "twice.db"
    crawl(sample_server.sources, db_path)
    db = sqlite3.connect(db_path)
    before = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("articles", "sources")}
    pages = dict(db.execute("SELECT url, final_url FROM pages"))
    first_seen = dict(db.execute("SELECT url, first_seen FROM articles"))
    db.close()
    crawl(sample_server.sources, db_path)
    db = sqlite3.connect(db_path)
    after = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("articles", "sources")}
    assert after == before
    assert dict(db.execute("SELECT url, first_seen FROM articles")) == first_seen
    # A redirect and its target are one page row when the redirect is fetched first (the
    # row keeps the target as final_url) and two when the target is: which comes first
    # is the downloads' timing. So a recrawl may add a row for a page already stored as
    # a redirect's target, and nothing else.
    added = {url for (url,) in db.execute("SELECT url FROM pages")} - set(pages)
    assert added <= set(pages.values()) - set(pages)


def test_export_has_the_prediction_types(crawled):
    out = dcradar("export", "--db", str(crawled), "--format", "jsonl").stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 86
    for r in records:
        assert set(r) == {"url", "title", "published", "language", "text", "relevant",
                          "operators", "investors", "countries", "capacity_mw", "cities",
                          "event", "investment_usd"}
        assert isinstance(r["url"], str) and isinstance(r["text"], str)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["published"])
        assert isinstance(r["relevant"], bool)
        for key in ("operators", "investors", "countries", "cities"):
            assert isinstance(r[key], list)
        for key in ("capacity_mw", "investment_usd"):
            assert r[key] is None or isinstance(r[key], (int, float))
    csv_out = dcradar("export", "--db", str(crawled), "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("url,title,published,language,text,relevant")


def test_scrapy_crawl_from_the_repo_root(sample_server, tmp_path):
    import subprocess
    import sys

    db_path = tmp_path / "scrapy.db"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={sample_server.sources}",
         "-a", "only=dev-a", "-s", f"DCRADAR_DB={db_path}", "-s", "DOWNLOAD_DELAY=0",
         "-s", "AUTOTHROTTLE_START_DELAY=0.05", "-s", "RETRY_BACKOFF_BASE=0.2"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    count = sqlite3.connect(db_path).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert count == 14
