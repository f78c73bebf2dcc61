"""Incremental crawls of a private copy of the corpus, measured from serve.py's request log.

One server process serves the copy for the whole module, so URLs (ports) stay
the same from crawl to crawl, as they do for a real site.
"""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest
import yaml
from nightly_support import CorpusServer, copy_corpus, crawl_cmd, query, snapshot

ARTICLE = "dev-a", "/2023/05/khazna-250m-data-centre-egypt-maadi/"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    root = copy_corpus(tmp / "corpus")
    server = CorpusServer(root, tmp)
    yield root, server, tmp
    server.stop()


def _crawl(sources, db, *extra):
    proc = subprocess.run(crawl_cmd(sources, db, *extra), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _run_rows(db):
    run_id = query(db, "SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC")[0][0]
    cols = ("requests", "not_modified", "bytes", "pages", "unchanged", "reprocessed",
            "articles_new", "articles_updated", "articles_unchanged")
    rows = query(db, f"SELECT {', '.join(cols)} FROM crawl_runs WHERE run_id = ?", run_id)
    return run_id, dict(zip(cols, map(sum, zip(*rows, strict=True)), strict=True))


@pytest.fixture(scope="module")
def crawls(corpus):
    """First crawl, second crawl of the unchanged corpus, third after one article edit."""
    root, server, tmp = corpus
    db = tmp / "nightly.db"
    marks = [server.count()]
    _crawl(server.sources, db)
    marks.append(server.count())
    first = {"rows": snapshot(db), "run": _run_rows(db),
             "articles": query(db, "SELECT * FROM articles ORDER BY url")}
    _crawl(server.sources, db)
    marks.append(server.count())
    second = {"rows": snapshot(db), "run": _run_rows(db),
              "articles": query(db, "SELECT * FROM articles ORDER BY url")}
    page = root / "sites" / ARTICLE[0] / ARTICLE[1].strip("/") / "index.html"
    html = page.read_text()
    sentence = "its first step outside the United Arab Emirates."
    assert sentence in html
    added = " The operator confirmed the date on Monday."
    page.write_text(html.replace(sentence, sentence + added))
    _crawl(server.sources, db)
    marks.append(server.count())
    third = {"rows": snapshot(db), "run": _run_rows(db)}
    logs = [server.requests(a)[: b - a] for a, b in zip(marks, marks[1:], strict=False)]
    return {"db": db, "server": server, "logs": logs, "runs": [first, second, third]}


def test_second_crawl_costs_under_a_tenth_of_the_bytes(crawls):
    first, second, _ = crawls["logs"]
    sent = [sum(r["bytes"] for r in log) for log in (first, second)]
    assert sent[1] <= 0.10 * sent[0], sent
    # Feeds, sitemaps and listing pages were asked for again, conditionally.
    statuses = Counter(r["status"] for r in second)
    assert statuses[304] > 0.8 * len(second)


def test_unchanged_corpus_reprocesses_nothing_and_touches_no_article(crawls):
    first, second, _ = crawls["runs"]
    _, counts = second["run"]
    assert counts["reprocessed"] == 0
    assert counts["articles_new"] == counts["articles_updated"] == 0
    assert counts["articles_unchanged"] == 86
    # Every page of the first crawl was confirmed (304s of listings were still followed).
    assert counts["pages"] >= first["run"][1]["pages"] - 6  # robots refusals are re-recorded
    assert second["rows"] == first["rows"]
    assert second["articles"] == first["articles"], "an unchanged article row was rewritten"


def test_every_page_reached_again_through_unchanged_listings(crawls):
    """304s of feeds, sitemaps and listings still lead to every page behind them."""
    db = crawls["db"]
    last_run = crawls["runs"][2]["run"][0]
    stale = query(db, "SELECT url FROM pages WHERE run_id IS NOT ?", last_run)
    assert stale == []
    results = dict(query(db, "SELECT check_result, count(*) FROM pages GROUP BY 1"))
    assert results["not-modified"] > 200, results
    kinds = dict(query(db, "SELECT kind, count(*) FROM pages WHERE check_result = "
                           "'not-modified' GROUP BY 1"))
    assert kinds["listing"] > 0 and kinds["feed"] > 0 and kinds["sitemap"] > 0


def test_an_edited_article_alone_is_reprocessed_and_its_history_kept(crawls):
    db, server = crawls["db"], crawls["server"]
    third_log = crawls["logs"][2]
    _, counts = crawls["runs"][2]["run"]
    assert counts["reprocessed"] == 1
    assert counts["articles_updated"] == 1 and counts["articles_new"] == 0
    assert counts["articles_unchanged"] == 85
    full = [(r["site"], r["path"]) for r in third_log if r["status"] == 200
            and not r["path"].endswith("robots.txt") and "/calendar/" not in r["path"]]
    assert full == [ARTICLE]
    url = server.bases[ARTICLE[0]] + ARTICLE[1]
    versions = query(db, "SELECT version, text FROM article_versions WHERE url = ? "
                         "ORDER BY version", url)
    assert [v for v, _ in versions] == [1, 2]
    assert "confirmed the date on Monday" in versions[1][1]
    assert "confirmed the date on Monday" not in versions[0][1]
    others = query(db, "SELECT count(*) FROM article_versions WHERE url != ? AND version > 1",
                   url)
    assert others == [(0,)]


def test_trusted_sitemap_lastmod_spares_requests(corpus, crawls, tmp_path):
    """With ``trust_sitemap_lastmod`` a sitemap entry older than our copy is not asked for."""
    root, server, _ = corpus
    spec = yaml.safe_load(server.sources.read_text())
    spec["sources"] = [s for s in spec["sources"] if s.get("sitemaps")]
    assert spec["sources"], "the corpus has sitemap sources"
    for source in spec["sources"]:
        source["trust_sitemap_lastmod"] = True
    sources = tmp_path / "trusting.yaml"
    sources.write_text(yaml.safe_dump(spec))
    db = tmp_path / "trusting.db"
    _crawl(sources, db)
    before = server.count()
    _crawl(sources, db)
    spared = query(db, "SELECT count(*) FROM pages WHERE check_result = 'lastmod'")[0][0]
    assert spared > 0
    asked = {(r["site"], r["path"]) for r in server.requests(before)}
    for url, in query(db, "SELECT url FROM pages WHERE check_result = 'lastmod'"):
        site = next(s for s, b in server.bases.items() if url.startswith(b + "/"))
        assert (site, url[len(server.bases[site]):]) not in asked
    names = {s["name"] for s in spec["sources"]}
    bases = tuple(server.bases[n] + "/" for n in names)
    expected = {a for a in crawls["runs"][2]["rows"]["articles"] if a[0].startswith(bases)}
    assert snapshot(db)["articles"] == expected


def test_the_same_bytes_are_not_extracted_again(corpus, crawls, tmp_path):
    """Without validators every page comes back in full. The worker that reads a page for
    the spider leaves an article page whose bytes are the stored ones unextracted:
    revalidation drops it before extraction anyway (STORED_HASH, pipeline/analyse.py)."""
    _, server, _ = corpus  # ``crawls`` has made its edit: the corpus stays as it is now
    db = tmp_path / "full.db"
    first = _crawl(server.sources, db, "-s", "DCRADAR_CONDITIONAL=False")
    assert "'dcradar/cpu_s/extract'" in first.stderr
    second = _crawl(server.sources, db, "-s", "DCRADAR_CONDITIONAL=False")
    assert "'dcradar/cpu_s/analyse'" in second.stderr  # pages were read by the workers ...
    assert "'dcradar/cpu_s/extract'" not in second.stderr  # ... and none extracted
    _, counts = _run_rows(db)
    assert counts["articles_unchanged"] == 86 and counts["reprocessed"] == 0
