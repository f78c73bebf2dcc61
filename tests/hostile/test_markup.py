"""Hostile markup: broken encodings, 10,000-level nesting, malformed JSON-LD.

One crawl of all the pages, with tagging on, shows each ends as a stored
article or with a reason; each case is also timed in-process page by page
(extraction + tagging), which is the bound the case itself needs.
"""

from __future__ import annotations

import json
import time

import pytest
from loopback import LoopbackSite, article_html, html

from hostile.support import PARAS, crawl_case, record, source
from pipeline.stages import article_record

FRENCH = [f"Mise à jour {i} : l'opérateur a annoncé un centre de données à Abidjan, en Côte "
          f"d'Ivoire, une première étape d'un programme régional élaboré avec ses partenaires."
          for i in range(6)]
DEPTH = 10_000
UTF8 = "text/html; charset=utf-8"


def nested(tag: str, depth: int, inner: str = "deep") -> str:
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


def encoding_pages() -> dict[str, tuple[bytes, str]]:
    good = article_html("Côte d'Ivoire : un datacenter à Abidjan", FRENCH, lang="fr")
    utf8 = good.encode("utf-8")
    broken = b"\xff\xfe\xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80 \xc0\xaf \xe2\x82 \xa0\xa1 "
    return {
        # Declared UTF-8, with invalid sequences (overlong, surrogate, 5-byte, truncated).
        "/invalid/": (utf8.replace(b"<p>", b"<p>" + broken, 3), UTF8),
        # The first half UTF-8, the second half Windows-1252, in one document.
        "/mixed/": (utf8[:len(utf8) // 2] + good[len(good) // 2:].encode("cp1252", "replace"),
                    UTF8),
        # Declared Shift-JIS in HTTP and KOI8-R in the page, really Latin-1.
        "/lying/": (good.replace('<meta charset="utf-8">', '<meta charset="koi8-r">')
                    .encode("latin-1"), "text/html; charset=shift_jis"),
        # A UTF-16 byte-order mark on an odd number of bytes.
        "/bom-odd/": (b"\xff\xfe" + good.encode("utf-16-le") + b"\x00", UTF8),
        "/unknown/": (utf8, "text/html; charset=x-no-such-charset"),
        "/nul/": (utf8.replace(b"<p>", b"<p>\x00\x00", 2), UTF8),
    }


def nesting_pages() -> dict[str, tuple[bytes, str]]:
    pages = {  # the nesting after the text, before it, inside a paragraph, unclosed, tables
        "/deep-after/": article_html("Deep after", PARAS, extra=nested("div", DEPTH)),
        "/deep-before/": article_html("Deep before", PARAS).replace(
            "<main>", "<main>" + nested("div", DEPTH)),
        "/deep-inline/": article_html("Deep inline", [*PARAS[:-1], nested("b", DEPTH)]),
        "/unclosed/": article_html("Unclosed", PARAS, extra="<div>" * DEPTH),
        "/deep-table/": article_html("Deep table", PARAS, extra="<table><tr><td>" * (DEPTH // 3)),
    }
    return {path: (page.encode(), UTF8) for path, page in pages.items()}


JSONLD = {
    "truncated": '{"@type": "NewsArticle", "headline": "X", "datePublished": "2024-',
    "deep-list": "[" * 100_000 + "]" * 100_000,
    "deep-object": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "wrong-types": '{"@type": 5, "headline": {"x": [1]}, "datePublished": ["2024", 5], '
                   '"author": 12, "@graph": "x", "inLanguage": 7, "url": 5}',
    "null-graph": '{"@graph": [1, "x", null, {"@type": ["NewsArticle", 3], "headline": 7, '
                  '"datePublished": "9999-99-99", "author": [{"name": 5}, null]}]}',
    "nan": '{"@type": "NewsArticle", "headline": NaN, "datePublished": Infinity}',
    "huge-number": '{"@type": "NewsArticle", "datePublished": ' + "9" * 5000 + "}",
    "html-inside": '{"@type": "NewsArticle", "headline": "</script><script>alert(1)</script>"}',
}


def jsonld_pages() -> dict[str, tuple[bytes, str]]:
    return {f"/ld-{name}/": (article_html(f"Story with {name} JSON-LD", PARAS).replace(
        "</head>", f'<script type="application/ld+json">{ld}</script></head>').encode(), UTF8)
        for name, ld in JSONLD.items()}


CASES = {"encodings": encoding_pages(), "nesting": nesting_pages(), "jsonld": jsonld_pages()}
LABELS = {"encodings": "invalid UTF-8 and mixed encodings (6 variants)",
          "nesting": f"HTML nested {DEPTH:,} levels (5 variants)",
          "jsonld": "malformed JSON-LD (8 variants, 100,000-deep included)"}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Every hostile page of this module in one crawl, tagging on."""
    site = LoopbackSite({"/robots.txt": lambda: (200, {}, b"User-agent: *\n")})
    paths = [path for pages in CASES.values() for path in pages]
    site.routes["/"] = html("<html><body>" + "".join(f'<a href="{p}">{p}</a> ' for p in paths)
                            + "</body></html>")
    for pages in CASES.values():
        for path, (body, ctype) in pages.items():
            site.routes[path] = (lambda b=body, c=ctype: (200, {"Content-Type": c}, b))
    try:
        result = crawl_case(tmp_path_factory.mktemp("markup"), [source("markup", site.base)],
                            tag=True)
    finally:
        site.close()
    record("markup crawl: the 19 pages of the 3 cases below, tagging on", result.measured.seconds,
           result.measured, "see each case")
    return result, site.base


def assert_clean_text(result) -> None:
    """Whatever was stored is valid text: no surrogates, no NULs, encodable as UTF-8."""
    for values in result.rows("SELECT url, title, text, author FROM articles"):
        for value in values:
            if value is not None:
                value.encode("utf-8")  # raises on lone surrogates
                assert "\x00" not in value


def measure_case(case: str, tagger) -> float:
    """Seconds the slowest page of a case takes through extraction and tagging.

    (Its memory is bounded by the crawl's peak above: an in-process peak would be
    hidden under the model's, loaded first.)
    """
    slowest = 0.0
    for path, (body, ctype) in CASES[case].items():
        start = time.monotonic()
        item = {"body": body, "encoding": ctype.split("charset=")[-1] if "charset=" in ctype
                else None, "final_url": "http://127.0.0.1:9" + path, "source": "t",
                "language": None, "prune_xpaths": []}
        article = article_record(item)
        if article:
            tagger.tag_many([(article["text"], article["title"] or "", article["language"])])
        slowest = max(slowest, time.monotonic() - start)
    return slowest


def test_invalid_utf8_and_mixed_encodings(crawled, tagger):
    result, b = crawled
    for path in CASES["encodings"]:
        page = result.page(b + path)
        assert page["kind"] == "article" or page["reason"], (path, page)
    texts = dict(result.rows("SELECT fetched_url, text FROM articles"))
    for path in ("/invalid/", "/mixed/", "/lying/", "/unknown/"):
        assert "Abidjan" in texts[b + path], path
    assert_clean_text(result)
    # Tagged (the model's verdicts vary with the damage), countries as ISO codes.
    tagged = [(r, json.loads(c)) for r, c in result.rows(
        "SELECT relevant, countries FROM articles WHERE fetched_url IN (?, ?, ?, ?)",
        *(b + p for p in ("/invalid/", "/mixed/", "/lying/", "/unknown/")))]
    assert len(tagged) == 4 and all(r is not None for r, _ in tagged), tagged
    assert any("CI" in c for _, c in tagged), tagged
    assert all(len(code) == 2 and code.isupper() for _, c in tagged for code in c), tagged
    seconds = measure_case("encodings", tagger)
    assert seconds < 10, seconds
    record(LABELS["encodings"], seconds, None, "stored as articles and tagged")


def test_ten_thousand_levels_of_nesting(crawled, tagger):
    result, b = crawled
    for path in CASES["nesting"]:
        page = result.page(b + path)
        assert page["status"] == 200 and (page["kind"] == "article" or page["reason"]), page
    assert result.page(f"{b}/deep-after/")["kind"] == "article"
    assert_clean_text(result)
    seconds = measure_case("nesting", tagger)
    assert seconds < 10, seconds
    record(LABELS["nesting"], seconds, None,
           "stored as articles (lxml stops reading at its depth limit)")


def test_malformed_json_ld_never_costs_the_article(crawled, tagger):
    result, b = crawled
    for path in CASES["jsonld"]:
        page = result.page(b + path)
        assert page["kind"] == "article", (path, page)
    [(tagged,)] = result.rows("SELECT count(*) FROM articles WHERE fetched_url LIKE ? AND "
                              "relevant IS NOT NULL", f"{b}/ld-%")
    assert tagged == len(JSONLD)
    assert_clean_text(result)
    seconds = measure_case("jsonld", tagger)
    assert seconds < 10, seconds
    record(LABELS["jsonld"], seconds, None, "stored as articles, the JSON-LD ignored")
