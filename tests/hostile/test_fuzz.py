"""Property-based fuzzing of extraction and tagging: no input raises, every output fits its schema.

Random HTML (nested elements, attributes, scripts, metadata, JSON-LD), random
bytes with random declared charsets, and random text seeded with the words the
tagger reacts to (figures, units, places, organisations) go through the same
functions the pipeline calls. ``deadline=None``: a busy machine must not turn
a slow example into a failure; the example counts keep the module near 30 s.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import date

from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loopback import article_html

from classifier.mentions import MentionRow
from classifier.model import EVENTS
from classifier.tagger import TAG_FIELDS
from db.tags import tag_columns
from hostile.support import PARAS
from pipeline.extract import extract
from pipeline.stages import article_record

ISO_CODES = {row["code"] for row in csv.DictReader(
    (REPO / "classifier" / "data" / "countries.csv").open(encoding="utf-8"))}
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
URL = "http://127.0.0.1:9/2025/03/story/"

# ------------------------------------------------------------------ strategies

TAGS = ["p", "div", "span", "a", "b", "i", "article", "main", "section", "h1", "h2", "li",
        "ul", "table", "tr", "td", "script", "style", "noscript", "template", "svg", "math",
        "iframe", "time", "figure", "header", "footer", "nav", "aside", "form", "textarea",
        "title", "meta", "link", "br", "img", "!--", "![CDATA["]
ATTRS = ["class", "id", "href", "src", "property", "content", "name", "datetime", "rel",
         "charset", "lang", "itemprop", "type", "style", "onload"]
WORDS = ["the", "data", "centre", "datacenter", "centre de données", "MW", "megawatts", "GW",
         "kW", "0", "-5", "0.0", "1e308", "inf", "NaN", "1,000,000", "99999999999999999999",
         "3.5", "40", "$", "US$", "€", "billion", "million", "milliards", "Lagos", "Nigeria",
         "Morocco", "Maroc", "Côte d'Ivoire", "Kenya", "Johannesburg", "Teraco",
         "Africa Data Centres", "Raxio", "backed by", "financé par", "IFC", "phase",
         "first phase", "Tier III", "opened", "inaugure", "acquires", ".", ",", "(", ")",
         "\n\n", "—", "\u200b", "\ufeff", "\x00", "<", "&amp;", "&#0;"]

text_chunks = st.one_of(st.text(max_size=40), st.sampled_from(WORDS))
prose = st.lists(text_chunks, max_size=120).map(" ".join)
attr_value = st.one_of(st.text(max_size=30), st.sampled_from(
    ["og:type", "article", "og:title", "article:published_time", "2025-13-45", "9999-01-01",
     "application/ld+json", "canonical", "javascript:alert(1)", "utf-8", "x-bogus", "en"]))
attrs = st.dictionaries(st.sampled_from(ATTRS), attr_value, max_size=3).map(
    lambda d: "".join(f' {k}="{v}"' for k, v in d.items()))


def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda tag, a, inner, close: f"<{tag}{a}>{inner}" + (
        f"</{tag}>" if close else ""), st.sampled_from(TAGS), attrs,
        st.lists(children, max_size=4).map("".join), st.booleans())


html_fragments = st.recursive(prose, element, max_leaves=40)
documents = st.one_of(
    html_fragments,
    st.builds(lambda head, body: f"<!doctype html><html><head>{head}</head><body>{body}"
              f"</body></html>", html_fragments, html_fragments),
    # A real article with random markup injected: extraction must still find it.
    st.builds(lambda extra: article_html("A headline of a real article", PARAS, extra=extra),
              html_fragments),
)
numbers = st.one_of(
    st.integers(-10**30, 10**30).map(str), st.floats().map(repr),
    st.floats(0, 2).map(lambda f: f"{f:.4f}"), st.sampled_from(
        ["0", "-0", "0,0", "0.0001", "0.0004", "1 000", "1.000.000", "1,5", "½", "Ⅻ", "١٢",
         "1e999", "10^6", "∞"]))
units = st.sampled_from(["MW", "mw", "megawatts", "GW", "kW", "MVA", "mégawatts", "$", "US$",
                         "million dollars", "billion", "milliards de dollars", "%", ""])
#: Sentences shaped like the ones capacity and investment come from, with any number.
figures = st.lists(st.builds(
    lambda op, n, unit, place: f"{op} will build a {n} {unit} data centre in {place}, "
                               f"an investment of {n} {unit}.",
    st.sampled_from(["Teraco", "Raxio", "Africa Data Centres", "N+One", "X"]), numbers, units,
    st.sampled_from(["Lagos, Nigeria", "Casablanca", "Kenya", "Atlantis", "le Maroc"])),
    min_size=1, max_size=6).map(lambda sentences: " ".join([*sentences, *PARAS]))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(
        st.sampled_from(["@type", "@graph", "headline", "name", "datePublished", "author",
                         "inLanguage", "dateModified", "url", "@context", "x"]), inner,
        max_size=5)), max_leaves=20)

# ------------------------------------------------------------------ schemas


def check_extracted(got) -> None:
    if got is None:
        return
    assert isinstance(got.text, str) and got.text.strip()
    assert isinstance(got.word_count, int) and got.word_count > 0
    for value in (got.title, got.author, got.canonical_url):
        assert value is None or isinstance(value, str)
    if got.published is not None:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", got.published), got.published
        date.fromisoformat(got.published)
    assert got.language is None or re.fullmatch(r"[a-z]{2,3}", got.language), got.language
    (got.text + (got.title or "")).encode("utf-8")  # no lone surrogates


def check_tags(tags: dict, mentions: list) -> None:
    """The tagger's result is well-typed, and what the pipeline stores of it
    (``db.tags.tag_columns``) is the schema: ISO codes, positive amounts or NULL."""
    assert set(tags) == set(TAG_FIELDS)
    assert isinstance(tags["relevant"], bool)
    for key in ("operators", "investors", "countries", "cities"):
        assert isinstance(tags[key], list) and all(isinstance(v, str) and v for v in tags[key])
    for key in ("capacity_mw", "investment_usd"):
        value = tags[key]
        assert value is None or (isinstance(value, int | float) and math.isfinite(value)), value
    assert tags["event"] is None or tags["event"] in EVENTS, tags["event"]
    for m in mentions:
        assert isinstance(m, MentionRow) and m.field in TAG_FIELDS
        assert 0.0 <= m.confidence <= 1.0 and isinstance(m.value, str)
    row = tag_columns(tags)  # what the database receives
    assert all(c in ISO_CODES for c in json.loads(row["countries"])), row["countries"]
    for key in ("operators", "investors", "cities"):
        assert all(isinstance(v, str) and v for v in json.loads(row[key]))
    for key in ("capacity_mw", "investment_usd"):
        value = row[key]
        assert value is None or (not isinstance(value, bool) and math.isfinite(value)
                                 and value > 0), (key, value)
    assert row["relevant"] in (0, 1)


# ------------------------------------------------------------------ properties


@FUZZ
@given(documents)
def test_extraction_never_raises_on_random_html(doc):
    check_extracted(extract(doc, URL))


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from([None, "utf-8", "latin-1", "shift_jis",
                                                  "utf-16", "x-bogus", "", "koi8-r"]))
def test_article_stage_never_raises_on_random_bytes(body, declared):
    item = {"body": b"<html><body><p>" + body + b"</p></body></html>", "encoding": declared,
            "final_url": URL, "source": "fuzz", "language": None, "prune_xpaths": []}
    record = article_record(item)
    assert record is not None or item["reason"]


@FUZZ
@given(json_values)
def test_any_json_ld_leaves_the_article_intact(value):
    raw = json.dumps(value, allow_nan=True)
    page = article_html("A headline of a real article", PARAS).replace(
        "</head>", f'<script type="application/ld+json">{raw}</script></head>')
    got = extract(page, URL)
    check_extracted(got)
    assert got is not None and "Lagos" in got.text and got.word_count >= 60


@FUZZ
@given(st.lists(prose, min_size=1, max_size=3), st.one_of(st.none(), prose),
       st.sampled_from([None, "en", "fr", "xx", ""]))
def test_tagging_never_raises_and_respects_the_schema(tagger, texts, title, language):
    results = tagger.tag_many([(t, title or "", language) for t in texts])
    assert len(results) == len(texts)
    for tags, mentions in results:
        check_tags(tags, mentions)


@FUZZ
@given(figures, st.sampled_from(["en", "fr"]))
def test_any_figure_gives_a_positive_capacity_or_none(tagger, text, language):
    [(tags, mentions)] = tagger.tag_many([(text, "Teraco to build a data centre in Lagos",
                                           language)])
    check_tags(tags, mentions)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents)
def test_extracted_random_pages_tag_within_the_schema(tagger, doc):
    got = extract(doc, URL)
    if got is not None:
        [(tags, mentions)] = tagger.tag_many([(got.text, got.title or "", got.language)])
        check_tags(tags, mentions)
