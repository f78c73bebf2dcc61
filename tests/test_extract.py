"""pipeline.extract: text, metadata and robustness on small inline pages (EN and FR)."""
from __future__ import annotations

import copy
import re
from collections import Counter

import pytest
import trafilatura
from article_text import EN, FR
from conftest import SAMPLES

from pipeline.cleanup import clean_tree
from pipeline.extract import (
    Extracted,
    _mark_container,
    _options,
    decode,
    extract,
    guess_language,
    parse_html,
)

URL = "https://news.example.com/2024/03/lagos-data-centre/"

EN_TITLE = "Africa Data Centres starts work on 10MW Lagos facility"
FR_TITLE = "Cameroun : Camtel inaugure un datacenter de 2 MW à Douala"


def paras(items: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in items)


def f1(gold: str, got: str) -> float:
    """Token F1 as the corpus scorer computes it."""
    g = Counter(re.findall(r"\w+", gold.casefold()))
    t = Counter(re.findall(r"\w+", got.casefold()))
    common = sum((g & t).values())
    if not common:
        return 0.0
    p, r = common / sum(t.values()), common / sum(g.values())
    return 2 * p * r / (p + r)


EN_PAGE = f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>{EN_TITLE} | Critical Load</title>
<link rel="canonical" href="/2024/03/lagos-data-centre/">
<meta property="og:title" content="{EN_TITLE}">
<meta property="og:site_name" content="Critical Load">
<meta property="article:published_time" content="2024-03-05T23:30:00+01:00">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{EN_TITLE}", "datePublished": "2024-03-05T23:30:00+01:00",
 "author": {{"@type": "Person", "name": "Tunde Bakare"}}}}</script>
</head><body>
<header><a href="/">Critical Load</a>
<nav><a href="/news/">News</a><a href="/events/">Events</a></nav></header>
<main><article>
<h1>{EN_TITLE}</h1>
<div class="byline">By Tunde Bakare · <time datetime="2024-03-05">5 March 2024</time></div>
<div class="share"><a href="#">Share on LinkedIn</a><a href="#">Post</a></div>
<div class="article-body">{paras(EN[:2])}
<p class="read-also"><strong>Read also:</strong>
<a href="/vantage">Vantage opens JNB1 in Johannesburg</a></p>
{paras(EN[2:])}</div>
<section class="more"><h2>Explore more</h2>
<div class="card"><a href="/1">Teraco breaks ground on JB7, a 40MW data centre in Isando</a>
<p>Construction has started on the new hall.</p></div>
<div class="card"><a href="/2">OADC closes a $240m financing for its Lagos data centre</a>
<p>The lenders include two development banks.</p></div>
</section>
<div class="signup"><h3>Get our weekly newsletter</h3>
<p>Data-centre news from across Africa, every Friday.</p>
<form action="/subscribe"><input type="email" name="email"><button>Sign up</button></form></div>
</article></main>
<footer><p>© 2025 Critical Load. All rights reserved.</p></footer>
</body></html>"""

FR_PAGE = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>{FR_TITLE} - Kora Éco</title>
<meta property="og:locale" content="fr_FR">
<meta property="og:url" content="https://eco.example.com/tic/camtel-douala/">
</head><body>
<div id="entete"><a href="/">Kora Éco</a></div>
<div id="colonne">
<h1 class="titre-article">{FR_TITLE}</h1>
<div class="infos"><span class="auteur">Par Jean Mbarga</span> | Publié le
<time datetime="2023-07-13T08:00:00+01:00">13 juillet 2023</time></div>
<div class="texte-article">
<p class="chapo"><strong>{FR[0]}</strong></p>
{paras(FR[1:2])}
<div class="encadre"><p class="titre">Lire également :</p>
<ul><li><a href="/a">Gabon : l'ANINF lance un datacenter national</a></li></ul></div>
<h2 class="intertitre">Une seconde phase</h2>
{paras(FR[2:])}
</div>
<div class="bloc-lettre"><h3>La lettre TIC &amp; Télécoms</h3>
<p>Recevez chaque matin nos dépêches.</p>
<form><input type="text" name="email"><input type="submit" value="Je m'inscris"></form></div>
<div class="voir"><h3>Sur le même sujet</h3>
<div><h4><a href="/b">Sénégal : le datacenter national de Diamniadio inauguré</a></h4>
<p>Le site a coûté 30 milliards.</p></div>
<div><h4><a href="/c">Togo : Lomé Data Centre entre en service commercial</a></h4>
<p>Un investissement public.</p></div>
</div></div>
</body></html>"""


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------


def test_english_article_text_without_boilerplate() -> None:
    got = extract(EN_PAGE, URL)
    assert isinstance(got, Extracted)
    assert got.text == "\n\n".join(EN)  # paragraphs split by a blank line, headline excluded
    assert got.word_count == len(re.findall(r"\w+", got.text))


def test_french_article_keeps_standfirst_and_subheading() -> None:
    got = extract(FR_PAGE, "https://eco.example.com/tic/camtel-douala/")
    assert got is not None
    gold = "\n\n".join([*FR[:2], "Une seconde phase", *FR[2:]])
    assert f1(gold, got.text) > 0.98
    for gone in ("Lire également", "ANINF", "Recevez", "Diamniadio", "Mbarga", FR_TITLE):
        assert gone not in got.text


def test_beats_plain_trafilatura_on_teasers() -> None:
    """The fixtures are real tests: plain trafilatura leaves boilerplate in them."""
    import trafilatura

    gold = "\n\n".join(EN)
    plain = trafilatura.extract(EN_PAGE, include_comments=False) or ""
    ours = extract(EN_PAGE, URL)
    assert ours is not None
    assert f1(gold, ours.text) > f1(gold, plain)


# --------------------------------------------------------------------------
# metadata
# --------------------------------------------------------------------------


def test_english_metadata() -> None:
    got = extract(EN_PAGE, URL)
    assert got is not None
    assert got.title == EN_TITLE
    assert got.published == "2024-03-05"  # the date as published, not shifted to UTC
    assert got.language == "en"
    assert got.author == "Tunde Bakare"
    assert got.canonical_url == URL  # relative canonical made absolute


def test_french_metadata_from_visible_markup() -> None:
    got = extract(FR_PAGE, "https://eco.example.com/tic/camtel-douala/?utm_source=x")
    assert got is not None
    assert got.title == FR_TITLE  # h1, not "<title> - Kora Éco"
    assert got.published == "2023-07-13"  # from <time datetime>
    assert got.language == "fr"
    assert got.canonical_url == "https://eco.example.com/tic/camtel-douala/"  # og:url


@pytest.mark.parametrize(("title_tag", "expected"), [
    (f"{EN_TITLE} | Critical Load", EN_TITLE),
    (f"{EN_TITLE} – Critical Load", EN_TITLE),
    (f"Critical Load - {EN_TITLE}", EN_TITLE),
])
def test_site_name_is_stripped_from_title_tag(title_tag: str, expected: str) -> None:
    page = (f'<html><head><title>{title_tag}</title><meta property="og:site_name" '
            f'content="Critical Load"></head><body><div>{paras(EN)}</div></body></html>')
    got = extract(page, URL)
    assert got is not None and got.title == expected


def test_title_without_site_name_drops_short_suffix() -> None:
    page = (f"<html><head><title>{EN_TITLE} | CL News</title></head>"
            f"<body><div>{paras(EN)}</div></body></html>")
    got = extract(page, URL)
    assert got is not None and got.title == EN_TITLE


def test_logo_h1_is_not_the_title() -> None:
    page = (f"<html><head><title>Critical Load - {EN_TITLE}</title></head><body>"
            f"<h1 class='logo'>Critical Load</h1><div><h1>{EN_TITLE}</h1>{paras(EN)}</div>"
            "</body></html>")
    got = extract(page, URL)
    assert got is not None and got.title == EN_TITLE


def test_h1_beats_a_prefixed_og_title() -> None:
    page = (f'<html><head><meta property="og:title" content="Opinion | {EN_TITLE}"></head><body>'
            f"<article><h1>{EN_TITLE}</h1>{paras(EN)}</article></body></html>")
    got = extract(page, URL)
    assert got is not None and got.title == EN_TITLE


def test_jsonld_graph_date_beats_visible_time() -> None:
    page = ('<html><head><script type="application/ld+json">{"@graph": [{"@type": "WebSite", '
            '"name": "X"}, {"@type": ["NewsArticle"], '
            '"datePublished": "2022-04-05T18:20:00+01:00"}]}</script></head>'
            '<body><article><time datetime="2022-04-07">7 April</time>'
            f"{paras(EN)}</article></body></html>")
    got = extract(page, URL)
    assert got is not None and got.published == "2022-04-05"


def test_modified_time_is_not_the_publication_date() -> None:
    page = ('<html><body><article><time class="updated" datetime="2024-05-01">1 May</time>'
            '<time class="published" datetime="2024-04-02">2 April</time>'
            f"{paras(EN)}</article></body></html>")
    got = extract(page, URL)
    assert got is not None and got.published == "2024-04-02"


def test_language_fallbacks() -> None:
    page = ("<html><head><meta property='og:locale' content='fr_FR'></head>"
            f"<body><div>{paras(FR)}</div></body></html>")
    assert extract(page, URL).language == "fr"
    # a short text with no declaration: the source's language
    short = "<html><body><div><p>Datacenter: 2 MW, Douala, 2023, Camtel.</p></div></body></html>"
    assert extract(short, URL, default_language="FR-fr").language == "fr"


def test_template_lang_is_overridden_by_clear_text() -> None:
    page = f'<html lang="en"><body><div>{paras(FR)}</div></body></html>'
    assert extract(page, URL).language == "fr"
    assert guess_language(" ".join(EN))[0] == "en"
    assert guess_language("Datacenter 2 MW")[0] is None


# --------------------------------------------------------------------------
# bad input: never raises
# --------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20


@pytest.mark.parametrize("data", ["", "   ", b"", PNG, bytes(range(256)) * 100,
                                  "<html><body></body></html>",
                                  "<html><body><nav><a href='/'>Home</a></nav></body></html>",
                                  None, 42])
def test_unusable_input_gives_none(data: object) -> None:
    assert extract(data, URL) is None  # type: ignore[arg-type]


def test_broken_html_is_still_read() -> None:
    page = "<html<<body><div><p>" + "</p><p>".join(EN) + "<div><span><b>unclosed"
    got = extract(page, URL)
    assert got is not None
    assert f1("\n\n".join(EN), got.text) > 0.95


def test_huge_and_deep_input_does_not_raise() -> None:
    deep = "<html><body>" + "<div>" * 3000 + paras(EN) + "</div>" * 3000 + "</body></html>"
    extract(deep, URL)  # may or may not find text; must not raise
    big = "<html><body><div>" + paras(EN) * 300 + "</div></body></html>"
    got = extract(big, URL)
    assert got is not None and got.word_count > 1000


def test_bad_prune_xpath_does_not_raise() -> None:
    got = extract(EN_PAGE, URL, prune_xpaths=["//div[@class='article-body']/p[1]", "not ]] xpath"])
    assert got is not None
    assert EN[0] not in got.text and EN[1] in got.text


# --------------------------------------------------------------------------
# charsets
# --------------------------------------------------------------------------


def test_latin1_bytes_with_declared_encoding() -> None:
    # what a server that re-encodes a page sends: iso-8859-1 bytes, a stale <meta charset="utf-8">
    data = FR_PAGE.encode("iso-8859-1", errors="xmlcharrefreplace")
    got = extract(data, URL, encoding="iso-8859-1")
    assert got is not None
    assert got.title == FR_TITLE
    assert "Télécommunications" in got.text


def test_latin1_bytes_without_declared_encoding() -> None:
    data = FR_PAGE.encode("iso-8859-1", errors="xmlcharrefreplace")
    got = extract(data, URL)
    assert got is not None and "développement" in got.text


def test_utf8_bytes_mislabelled_latin1() -> None:
    got = extract(FR_PAGE.encode("utf-8"), URL, encoding="iso-8859-1")
    assert got is not None and got.title == FR_TITLE  # valid UTF-8 wins over the label


def test_decode_rules() -> None:
    assert decode("déjà") == "déjà"
    assert decode("é".encode(), "iso-8859-1") == "é"
    assert decode("é".encode("latin-1"), "iso-8859-1") == "é"
    assert decode("’".encode("cp1252")) == "’"  # Windows-1252 fallback
    assert decode(b"\x00" * 64 + b"PK") is None


def press_release(author_json: str) -> str:
    return ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
            f'"headline": "Liquid C2 opens a cyber centre", "author": {author_json}}}</script>'
            f'</head><body><div class="release-body">{paras(EN)}<p><b>About Liquid C2</b></p>'
            "<p>Liquid C2 is a cloud and cyber security company with offices in 14 countries.</p>"
            "</div></body></html>")


def test_about_the_issuing_company_stays_but_author_bio_goes() -> None:
    org = extract(press_release('{"@type": "Organization", "name": "Liquid C2"}'), URL)
    assert org is not None and "About Liquid C2" in org.text and "14 countries" in org.text
    person = extract(press_release('{"@type": "Person", "name": "Liquid C2"}'), URL)
    assert person is not None and "14 countries" not in person.text


def test_visible_french_date_without_markup() -> None:
    page = ('<html><body><div class="article"><span class="date">Publié le 2 juin 2021 à 08:47'
            f"</span>{paras(FR)}</div></body></html>")
    assert extract(page, URL).published == "2021-06-02"
    # a bare year in the text is no publication date
    page = f"<html><body><div>{paras(FR)}<p>Objectif 2030.</p></div></body></html>"
    assert extract(page, "https://x.example/tic/datacenter/").published is None


ODD_PAGES = [
    EN_PAGE,
    '<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>declared</p><p>two</p></body></html>',
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\">\n<html><body><p>x</p></body></html>",
    '<html xmlns="http://www.w3.org/1999/xhtml"/>\n<body><p>self-closed html</p></body>',
    "<p>a lone block</p>",
    "<div><p>no html tag</p></div><div><p>two blocks</p></div>",
    "<html><body><form><input type=email><label>Mail</label><select></select></form></body></html>",
    "<html><body>\x00\x01 control characters <p>kept</p></body></html>",
    "",
]


@pytest.mark.parametrize("html", ODD_PAGES)
def test_our_parse_reads_a_page_as_trafilaturas_loader_does(html):
    """``_parse`` uses its own parser (a C-level element class lookup) but must build the
    very tree ``trafilatura.utils.load_html`` builds, rejections included."""
    from lxml import etree
    from lxml.html import HtmlElement
    from trafilatura.utils import load_html

    from pipeline.extract import _XML_DECL, _parse

    ours = _parse(html)
    theirs = load_html(_XML_DECL.sub("", html, count=1)) if html else None
    if theirs is None:
        assert ours is None
        return
    assert etree.tostring(ours) == etree.tostring(theirs)
    assert all(type(el) is HtmlElement for el in ours.iter() if isinstance(el.tag, str))


def test_sample_pages_parse_as_trafilaturas_loader_does():
    from conftest import SAMPLES
    from lxml import etree
    from trafilatura.utils import load_html

    from pipeline.extract import _parse

    files = sorted((SAMPLES / "sites").rglob("*.html"))
    assert len(files) > 100
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert etree.tostring(_parse(text)) == etree.tostring(load_html(text)), file


#: Pages whose ``<meta>`` or XML declaration names another encoding than their UTF-8.
CHARSET_PAGES = [
    '<html><head><meta charset="iso-8859-1"><title>Café</title></head>'
    "<body><p>Données à Dakar – “citées” 数据 \U0001F600</p></body></html>",
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    "</head><body><p>Œuvre é ü</p></body></html>",
    '<html><head><meta charset="shift_jis"></head><body><p>日本語 é</p></body></html>',
    '<!-- x --><?xml version="1.0" encoding="iso-8859-1"?><html><body><p>é</p></body></html>',
]


@pytest.mark.parametrize("html", ODD_PAGES + CHARSET_PAGES)
def test_a_page_parses_from_its_utf8_bytes_as_from_its_text(html):
    """``parse_html`` given the page's UTF-8 bytes builds the tree the text gives, and lxml
    reads the bytes only when no repair changed the text."""
    from unittest import mock

    from lxml import etree

    import pipeline.extract as extract_module
    from pipeline.repair import repair_html

    read = []
    real = extract_module.lxml.html.fromstring

    def fromstring(data, *args, **kwargs):
        read.append(type(data))
        return real(data, *args, **kwargs)

    by_text = parse_html(html)
    with mock.patch.object(extract_module.lxml.html, "fromstring", fromstring):
        by_bytes = parse_html(html, html.encode("utf-8"))
    assert (by_bytes is None) is (by_text is None)
    if by_text is not None:
        assert etree.tostring(by_bytes) == etree.tostring(by_text)
        declared = extract_module._XML_DECL.sub("", html, count=1)
        repaired = repair_html(declared, declared[:50].lower()) != html
        assert read[0] is (str if repaired else bytes)


def test_sample_pages_parse_from_their_utf8_bytes_as_from_their_text():
    from lxml import etree

    from pipeline.decode import decode_html

    files = sorted((SAMPLES / "sites").rglob("*.html"))
    assert len(files) > 100
    for file in files:
        body = file.read_bytes()
        text, codec = decode_html(body)
        if codec == "utf-8":
            assert etree.tostring(parse_html(text, body)) == etree.tostring(parse_html(text)), file


@pytest.mark.parametrize(("noise", "parsed"), [(0, True), (50, True), (102, True), (103, False),
                                              (400, False)])
def test_a_page_whose_start_is_over_5_percent_control_characters_is_not_parsed(noise, parsed):
    """Binary data decoded as text: control characters (not tab, line breaks or form feed)
    and replacement characters in the first 2,048 characters, over 5 % of them."""
    filler = "<p>" + "Data centre news. " * 200 + "</p>"
    bad = ("\x00\x07\x1b\ufffd" * 200)[:noise]
    page = f"<html><body>{bad}{filler}</body></html>"
    assert (parse_html(page) is not None) is parsed


@pytest.mark.parametrize("text", ["", " ", "\n\t \r\n", "\u00a0\u2003\n"])
def test_empty_or_blank_text_is_not_parsed(text):
    assert parse_html(text) is None


def test_shared_settings_extract_as_the_arguments_did():
    pages = sorted((SAMPLES / "sites").rglob("*.html"))[:80]
    texts = 0
    for page in pages:
        tree = parse_html(page.read_text(encoding="utf-8", errors="replace"))
        if tree is None:
            continue
        clean_tree(tree)
        _mark_container(tree)
        url = f"https://example.org/{page.parent.name}/"
        by_arguments = trafilatura.bare_extraction(
            copy.deepcopy(tree), url=url, include_comments=False, favor_precision=False,
            include_tables=True, include_images=False, include_links=False,
            with_metadata=False, deduplicate=False, fast=True)
        by_settings = trafilatura.bare_extraction(copy.deepcopy(tree), options=_options(url))
        assert getattr(by_settings, "text", None) == getattr(by_arguments, "text", None), page
        texts += by_settings is not None
    assert texts > 40
    # The shared settings are not changed by the pages extracted with them.
    assert _options("https://example.org/").url == "https://example.org/"
    assert _options(None).url is None and _options(None).source is None
