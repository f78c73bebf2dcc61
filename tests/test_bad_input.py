"""Bad input is recorded with a reason, never crashes the crawl, never becomes an article."""

from __future__ import annotations

import sqlite3

import pytest
import yaml
from conftest import crawl
from loopback import LoopbackSite, article_html, html

WORDS = ("The operator said the new facility would add capacity for cloud and enterprise "
         "customers in the region, with construction starting next year and power supplied "
         "from the national grid and on-site solar. ")
PARAS = [WORDS * 2 for _ in range(5)]
FRENCH = ["L'opérateur a annoncé l'ouverture d'un centre de données à Abidjan, "
          "une première étape d'un programme régional élaboré avec ses partenaires. " * 3
          for _ in range(5)]


@pytest.fixture(scope="module")
def bad_site_db(tmp_path_factory):
    flaky = {"left": 2}

    def recovering():
        if flaky["left"]:
            flaky["left"] -= 1
            return 503, {"Content-Type": "text/plain", "Retry-After": "0"}, b"busy"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, \
            article_html("Flaky story finally loads", PARAS).encode()

    huge = b"<html><body>" + b"<p>" + b"x" * (20 * 1024 * 1024) + b"</p></body></html>"
    site = LoopbackSite({})
    base = site.base
    links = ["/good/", "/pdf/", "/image/", "/huge/", "/broken/", "/latin1-lie/", "/empty/",
             "/missing/", "/gone/", "/flaky/", "/story/?utm_source=feed", "/story-copy/",
             "/tracking/?utm_medium=email&fbclid=abc"]
    index = "<html><body>" + "".join(f'<a href="{u}">link {u}</a> ' for u in links) + \
        '<a href="mailto:x@example.org">mail</a> <a href="javascript:void(0)">js</a>' \
        '<a href="https://example.org/offsite/">off site</a></body></html>'
    site.routes.update({
        "/": html(index),
        "/robots.txt": lambda: (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
        "/good/": html(article_html("A good article survives its neighbours", PARAS)),
        "/pdf/": lambda: (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + b"\0" * 500),
        "/image/": lambda: (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\0" * 99),
        "/huge/": lambda: (200, {"Content-Type": "text/html"}, huge),
        "/broken/": html("<html><body><h1>Unclosed <div><p>half a page <table><tr><td>"
                         "<script>var x = '</div>"),
        "/latin1-lie/": html(article_html("Côte d'Ivoire : un datacenter à Abidjan", FRENCH,
                                          lang="fr"), charset="iso-8859-1", declared="utf-8"),
        "/empty/": lambda: (200, {"Content-Type": "text/html"}, b""),
        "/gone/": lambda: (410, {"Content-Type": "text/plain"}, b""),
        "/flaky/": recovering,
        "/story/": html(article_html("One story, several URLs", PARAS,
                                     canonical=f"{base}/story/")),
        "/story-copy/": html(article_html("One story, several URLs", PARAS,
                                          canonical=f"{base}/story/")),
        "/tracking/": html(article_html("Tracking parameters are dropped", PARAS)),
    })
    tmp = tmp_path_factory.mktemp("bad")
    sources = tmp / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": "bad", "language": "en", "start_urls": [base + "/"], "feeds": [],
         "sitemaps": []}]}))
    db = tmp / "bad.db"
    crawl(sources, db, "-s", "DOWNLOAD_MAXSIZE=5000000")
    yield sqlite3.connect(db), base, site
    site.close()


def _page(db, base, path):
    row = db.execute("SELECT kind, status, reason FROM pages WHERE url = ?",
                     [base + path]).fetchone()
    assert row is not None, f"{path} was not recorded"
    return row


def test_good_articles_are_stored(bad_site_db):
    db, base, _ = bad_site_db
    titles = {t for (t,) in db.execute("SELECT title FROM articles")}
    assert titles == {"A good article survives its neighbours", "Flaky story finally loads",
                      "Côte d'Ivoire : un datacenter à Abidjan", "One story, several URLs",
                      "Tracking parameters are dropped"}


@pytest.mark.parametrize("path, reason", [
    ("/pdf/", "not-html: application/pdf"),
    ("/image/", "not-html: image/png"),
    ("/huge/", "too-large"),
    ("/empty/", "empty-body"),
    ("/missing/", "http-404"),
    ("/gone/", "http-410"),
])
def test_bad_responses_are_recorded_with_their_reason(bad_site_db, path, reason):
    db, base, _ = bad_site_db
    kind, status, got = _page(db, base, path)
    assert kind != "article"
    assert got == reason


def test_broken_markup_is_not_an_article(bad_site_db):
    db, base, _ = bad_site_db
    kind, status, reason = _page(db, base, "/broken/")
    assert status == 200 and kind != "article" and reason


def test_wrong_declared_charset_is_decoded(bad_site_db):
    db, base, _ = bad_site_db
    text = db.execute("SELECT text FROM articles WHERE url = ?", [base + "/latin1-lie/"])
    assert "Abidjan" in text.fetchone()[0]
    assert db.execute("SELECT encoding FROM pages WHERE url = ?",
                      [base + "/latin1-lie/"]).fetchone()[0] != "utf-8"


def test_a_503_that_recovers_is_retried(bad_site_db):
    db, base, site = bad_site_db
    assert [s for p, s in site.log if p == "/flaky/"] == [503, 503, 200]
    assert _page(db, base, "/flaky/")[0] == "article"


def test_one_article_under_several_urls_is_stored_once(bad_site_db):
    db, base, _ = bad_site_db
    urls = [u for (u,) in db.execute("SELECT url FROM articles WHERE title = ?",
                                     ["One story, several URLs"])]
    assert urls == [base + "/story/"]
    # Tracking parameters never reach the server or the database.
    assert db.execute("SELECT count(*) FROM pages WHERE url LIKE '%utm_%' OR url LIKE '%fbclid%'"
                      ).fetchone()[0] == 0


def test_nothing_off_site_or_non_http_was_followed(bad_site_db):
    db, base, _ = bad_site_db
    for (url,) in db.execute("SELECT url FROM pages"):
        assert url.startswith(base + "/")
