"""Article or not: every page of the sample sites, with and without metadata."""

from __future__ import annotations

import json
import re

import pytest
from conftest import SAMPLES
from parsel import Selector

from spiders.page_kind import classify_page, jsonld_types


def _pages(labels):
    gold = {(x["site"], x["path"]) for x in labels}
    for file in sorted((SAMPLES / "sites").rglob("*.html")):
        site = file.relative_to(SAMPLES / "sites").parts[0]
        path = "/" + "/".join(file.relative_to(SAMPLES / "sites" / site).parts)
        path = path.removesuffix("index.html")
        yield site, path, file.read_text(encoding="utf-8"), (site, path) in gold


@pytest.mark.parametrize("strip", [False, True], ids=["with-metadata", "structure-only"])
def test_sample_pages_are_told_apart(labels, strip):
    wrong = []
    for site, path, text, is_article in _pages(labels):
        if strip:  # no JSON-LD, no og:type: the structural fallback must decide alone
            text = re.sub(r'<script type="application/ld\+json".*?</script>', "", text, flags=re.S)
            text = re.sub(r'<meta property="og:type"[^>]*>', "", text)
        verdict = classify_page(Selector(text=text), "http://127.0.0.1:1" + path)
        if verdict.is_article != is_article:
            wrong.append((site, path, verdict.reason))
    assert wrong == []


def test_jsonld_nested_items_are_not_the_page():
    html = ('<script type="application/ld+json">{"@type": "CollectionPage", "mainEntity": '
            '{"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle"}]}}</script>')
    assert jsonld_types(Selector(text=html)) == ["collectionpage"]
    assert not classify_page(Selector(text=html), "http://x/").is_article


def test_malformed_jsonld_is_ignored():
    html = '<script type="application/ld+json">{"@type": "NewsArticle",</script><h1>x</h1>'
    assert jsonld_types(Selector(text=html)) == []
    assert classify_page(Selector(text=html), "http://x/").is_article is False


def _types_by_xpath(sel: Selector) -> list[str]:
    """jsonld_types as the XPath //script[@type="application/ld+json"]/text() reads it."""
    found = []
    for raw in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for node in data if isinstance(data, list) else [data]:
            if isinstance(node, dict):
                graph = node.get("@graph")
                for member in graph if isinstance(graph, list) else [node]:
                    if isinstance(member, dict):
                        kind = member.get("@type")
                        found += [k.lower() for k in (kind if isinstance(kind, list) else [kind])
                                  if isinstance(k, str)]
    return found


SCRIPTS = [
    '<html><head><script type="application/ld+json">{"@type": "NewsArticle"}</script></head>'
    '<body><script type="application/ld+json">[{"@type": ["WebPage", "ItemPage"]}]</script>'
    '</body></html>',
    '<script type="application/ld+json">{"@graph": [{"@type": "Organization"}, '
    '{"@type": "BlogPosting"}]}</script><script>var x = 1;</script>',
    '<script type="Application/LD+JSON">{"@type": "NewsArticle"}</script>',  # not the XPath's
    '<script type="application/ld+json "> {"@type": "NewsArticle"}</script>',
    '<script type="application/ld+json"></script><script type="application/ld+json">'
    '{"@type": "Article"}</script><p>text</p>',
]


@pytest.mark.parametrize("html", SCRIPTS)
def test_jsonld_types_read_the_scripts_the_xpath_selects(html):
    sel = Selector(text=html)
    assert jsonld_types(sel) == _types_by_xpath(sel)


def test_jsonld_types_of_the_sample_pages_are_the_xpaths(labels):
    for _, _, text, _ in _pages(labels):
        sel = Selector(text=text)
        assert jsonld_types(sel) == _types_by_xpath(sel)
