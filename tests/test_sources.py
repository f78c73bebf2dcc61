"""Sources as data: the YAML format, its validation and the shipped list."""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml

from spiders.sources import (
    _SAFE_LOADER,
    SourcesError,
    default_sources_text,
    load_sources,
    parse_source,
)


def test_corpus_format_is_accepted_as_is(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("sources:\n- name: a\n  language: en\n  start_urls: ['http://127.0.0.1:9/']\n"
                    "  feeds: []\n  sitemaps: []\n")
    (source,) = load_sources(path)
    assert source.name == "a" and source.entry_points == [("listing", "http://127.0.0.1:9/")]


@pytest.mark.parametrize("entry, message", [
    ({"language": "en", "feeds": ["https://x.org/feed"]}, "name"),
    ({"name": "x"}, "no start_urls"),
    ({"name": "x", "feeds": ["ftp://x.org/feed"]}, "not http"),
    ({"name": "x", "feeds": "https://x.org/feed", "max_pages": -1}, "max_pages"),
    ({"name": "x", "feeds": ["https://x.org/f"], "article_url_pattern": "("}, "pattern"),
])
def test_invalid_entries_fail_loudly(entry, message):
    with pytest.raises(SourcesError, match=message):
        parse_source(entry)


def test_duplicate_names_are_refused(tmp_path):
    path = tmp_path / "s.yaml"
    entry = {"name": "a", "feeds": ["https://a.org/feed"]}
    path.write_text(yaml.safe_dump({"sources": [entry, entry]}))
    with pytest.raises(SourcesError, match="duplicate"):
        load_sources(path)


def test_allows_stays_on_site_and_port():
    source = parse_source({"name": "a", "start_urls": ["http://127.0.0.1:8001/"],
                           "allowed_domains": ["example.org"]})
    assert source.allows("http://127.0.0.1:8001/2024/story/")
    assert not source.allows("http://127.0.0.1:8002/2024/story/")  # another loopback site
    assert source.allows("https://www.example.org/news/")
    assert not source.allows("https://example.org.evil.net/")
    assert not source.allows("mailto:someone@example.org")
    assert not source.allows("file:///etc/passwd")


def test_shipped_sources_are_real_english_and_french_with_evidence():
    sources = load_sources()
    raw = yaml.safe_load(default_sources_text())["sources"]
    assert len(sources) >= 12
    assert {s.language for s in sources} >= {"en", "fr"}
    assert sum(s.language == "fr" for s in sources) >= 4
    kinds = {s.kind for s in sources}
    assert {"trade-press", "pan-african-tech", "francophone-business", "press-wire"} <= kinds
    for source, entry in zip(sources, raw, strict=True):
        evidence = {e["url"]: e for e in entry["evidence"]}
        for _, url in source.entry_points:
            assert url.startswith("https://"), url
            assert source.allows(url), url
            proof = evidence[url]
            assert proof["status"] in ("seen", "seen-checked")
            assert proof["where"]
            if proof["last_verified"] is not None:
                assert isinstance(proof["last_verified"], date)
        if source.article_url_pattern:
            re.compile(source.article_url_pattern)


def test_a_link_with_a_bad_port_is_refused_not_raised():
    source = parse_source({"name": "s", "start_urls": ["http://127.0.0.1:8001/"]})
    for url in ("http://127.0.0.1:xyz/", "http://127.0.0.1:99999/a", "http://[::1/"):
        assert not source.allows(url), url
    assert source.allows("http://127.0.0.1:8001/a")


def test_the_shipped_list_loads_as_the_python_loader_reads_it():
    text = default_sources_text()
    assert yaml.load(text, Loader=_SAFE_LOADER) == yaml.load(text, Loader=yaml.SafeLoader)
