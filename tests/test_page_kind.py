"""Article or not: every page of the sample sites, with and without metadata."""

from __future__ import annotations

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
