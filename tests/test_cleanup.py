"""Boilerplate removal (pipeline.cleanup): the HTML pass and the text pass.

Every fixture pairs real-looking article paragraphs, which must survive, with
one kind of boilerplate, which must go; the layouts vary (headings, inline
labels, class names in English and French, no class names at all) because the
mechanisms must not depend on one site's markup.
"""
from __future__ import annotations

import re

import lxml.html
import pytest
from article_text import EN, FR
from conftest import SAMPLES

from pipeline.cleanup import (
    _label_kind,
    boilerplate_token,
    clean_paragraphs,
    clean_tree,
    content_root,
    normalize_space,
    text_of,
)
from pipeline.extract import parse_html


def paras(items: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in items)


def cleaned_text(body: str) -> str:
    root = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
    clean_tree(root)
    return " ".join(root.text_content().split())


def assert_kept(text: str, items: list[str]) -> None:
    for p in items:
        assert " ".join(p.split()) in text, f"article text lost: {p[:50]}"


# --------------------------------------------------------------------------
# class / id tokens
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["related-posts", "cl-readalso", "a-lire-aussi", "shareBar",
                                   "newsletter-signup", "wp-caption", "jp-relatedposts",
                                   "comments-area", "bloc-pub", "paywall-box", "sr-only"])
def test_boilerplate_tokens(value: str) -> None:
    assert boilerplate_token(value)


@pytest.mark.parametrize("value", ["entry-content", "article-body", "texte-article", "post",
                                   "headline", "padding-large", "shadow", "readable", "loaded"])
def test_content_tokens_are_not_boilerplate(value: str) -> None:
    assert not boilerplate_token(value)


def test_wrapper_with_boilerplate_class_keeps_the_article() -> None:
    # WordPress puts tag-/category- and feature classes on the <article> itself
    text = cleaned_text(f'<article class="post tag-share has-comments related-enabled">'
                        f'<div class="entry">{paras(EN)}</div></article>')
    assert_kept(text, EN)


def test_text_outside_paragraphs_is_protected_by_size() -> None:
    items = "".join(f"<li>{p}</li>" for p in EN)
    body = f'<div class="l-sidebar-layout share-tools">{items}</div>'
    text = cleaned_text(f"<div class='cookie'><p>We use cookies.</p></div><ul>{body}</ul>")
    assert_kept(text, EN)


# --------------------------------------------------------------------------
# labels: headings and inline prefixes
# --------------------------------------------------------------------------


def test_read_also_inline_paragraph_goes() -> None:
    text = cleaned_text(f'<div class="story">{paras(EN[:2])}<p><strong>Read also:</strong> '
                        f'<a href="/x">Teraco breaks ground on JB7</a></p>{paras(EN[2:])}</div>')
    assert_kept(text, EN)
    assert "Teraco" not in text and "Read also" not in text


def test_lire_aussi_without_markup_goes() -> None:
    text = cleaned_text(f'<div class="corps">{paras(FR[:2])}<p>Lire aussi : <a href="/x">Camtel '
                        f'lance un câble vers le Nigeria</a></p>{paras(FR[2:])}</div>')
    assert_kept(text, FR)
    assert "Camtel" not in text


def test_a_lire_aussi_cards_block_goes() -> None:
    cards = "".join(f'<div><h4><a href="/{i}">Titre du dossier numéro {i} sur les datacenters'
                    f"</a></h4><p>Un résumé de l'article {i}.</p></div>" for i in range(3))
    text = cleaned_text(f'<div class="contenu">{paras(FR)}</div>'
                        f'<div class="bloc-x"><h3>À lire aussi</h3>{cards}</div>')
    assert_kept(text, FR)
    assert "résumé" not in text and "lire aussi" not in text.lower()


def test_explore_more_cards_go() -> None:
    cards = "".join(f'<article><a href="/{i}">Another data centre story number {i} in Africa</a>'
                    f"<p>Short blurb {i}.</p></article>" for i in range(3))
    text = cleaned_text(f"<main><div>{paras(EN)}</div>"
                        f"<section><h2>Explore more</h2>{cards}</section></main>")
    assert_kept(text, EN)
    assert "blurb" not in text and "Explore" not in text


def test_related_list_in_running_text_goes() -> None:
    links = ('<ul><li><a href="/1">Vantage opens JNB1</a></li>'
             '<li><a href="/2">OADC closes financing</a></li></ul>')
    text = cleaned_text(f'<div class="x">{paras(EN[:2])}<h3>Related</h3>{links}'
                        f"{paras(EN[2:])}</div>")
    assert_kept(text, EN)
    assert "Vantage" not in text and "OADC" not in text


def test_media_contact_in_running_text_goes() -> None:
    text = cleaned_text(f'<div class="release">{paras(EN)}<p><b>Media contact</b></p>'
                        f"<p>Jane Doe<br>jane@example.com<br>+234 000 000</p></div>")
    assert_kept(text, EN)
    assert "Jane Doe" not in text


def test_weak_label_that_is_a_real_subheading_stays() -> None:
    heading = "<h2>More than a building</h2>"
    text = cleaned_text(f'<div class="x">{paras(EN[:2])}{heading}{paras(EN[2:])}</div>')
    assert "More than a building" in text
    assert_kept(text, EN)


def test_bold_word_opening_a_sentence_is_no_label() -> None:
    sentence = "<p><b>Comments</b> from the minister were welcomed by operators in the region.</p>"
    text = cleaned_text(f'<div class="x">{paras(EN[:2])}{sentence}{paras(EN[2:])}</div>')
    assert "welcomed by operators" in text


# --------------------------------------------------------------------------
# newsletter boxes, captions, hidden elements, per-source XPaths
# --------------------------------------------------------------------------


def test_newsletter_box_with_email_form_goes() -> None:
    box = ('<div class="encart"><h3>La lettre Télécoms</h3>'
           '<p>Recevez chaque matin nos dépêches.</p>'
           '<form><input type="text" name="adresse_mail"><input type="submit"></form></div>')
    text = cleaned_text(f'<div class="corps">{paras(FR)}</div>{box}')
    assert_kept(text, FR)
    assert "Recevez" not in text


def test_newsletter_heading_without_form_goes() -> None:
    box = ('<div class="box"><h3>Sign up for our newsletter</h3>'
           "<p>The week in data centres.</p></div>")
    text = cleaned_text(f'<div class="x">{paras(EN)}{box}</div>')
    assert_kept(text, EN)
    assert "The week in data centres" not in text


def test_captions_and_hidden_elements_go() -> None:
    extras = ('<figure><img src="a.jpg"><figcaption>Photo: the site in Lagos</figcaption></figure>'
              '<div hidden>Secret promo</div><div style="display: none">Invisible</div>')
    text = cleaned_text(f'<div class="x">{paras(EN[:2])}{extras}{paras(EN[2:])}</div>')
    assert_kept(text, EN)
    for gone in ("Photo:", "Secret promo", "Invisible"):
        assert gone not in text


def test_prune_xpaths_are_applied_and_bad_ones_ignored() -> None:
    root = lxml.html.document_fromstring(
        f'<html><body><div class="x">{paras(EN)}<div class="site-specific">Remove me</div></div>'
        "</body></html>")
    clean_tree(root, ["//div[@class='site-specific']", "this is not ]] an xpath"])
    assert "Remove me" not in root.text_content()
    assert EN[0] in root.text_content()


def test_content_root_finds_split_bodies() -> None:
    root = lxml.html.document_fromstring(
        "<html><body><div id='side'><p>Menu</p></div><div id='body'>"
        + "".join(f"<div class='chunk'><p>{p}</p></div>" for p in EN) + "</div></body></html>")
    found = content_root(root)
    assert found is not None and found.get("id") == "body"


# --------------------------------------------------------------------------
# text level
# --------------------------------------------------------------------------


def test_text_pass_drops_teasers_credits_and_headline() -> None:
    title = "Africa Data Centres starts work on 10MW Lagos facility"
    lines = [title, "By Ann Writer", EN[0], "Read also: Vantage opens JNB1 campus", EN[1],
             "Lire aussi : Camtel lance un câble", "Advertisement", EN[2],
             "Sign up for our newsletter to receive the week's news", EN[3],
             "Reporting by Ann Other; Editing by Someone Else"]
    assert clean_paragraphs(lines, title) == EN


def test_text_pass_keeps_ordinary_paragraphs() -> None:
    lines = ["Related developments are expected in Kenya, where two operators plan new sites "
             "before the end of the year.", *FR]
    assert clean_paragraphs(lines) == lines


def test_paywall_notice_ends_the_text() -> None:
    lines = [*FR[:3], "Le ministre a ensuite annoncé…", "Cet article est réservé aux abonnés",
             "Abonnez-vous pour lire la suite."]
    assert clean_paragraphs(lines) == FR[:3]


def test_paywall_badge_above_the_text_only_loses_its_line() -> None:
    lines = ["For subscribers only", *EN]
    assert clean_paragraphs(lines) == EN


def test_newsletter_pitch_without_the_word_newsletter_goes() -> None:
    lines = [*EN, "Enjoying this story?",
             "Get the Dispatch briefing on African infrastructure every weekday morning."]
    assert clean_paragraphs(lines) == EN
    # a briefing that is news stays
    news = "At a press briefing on Tuesday, the minister said the site would open in May."
    assert clean_paragraphs([news]) == [news]


def test_author_bio_found_through_author_names() -> None:
    lines = [*EN, "About Sarah Mensah", "Sarah Mensah is a senior editor based in Accra.",
             "Kwame reports on energy and telecoms."]
    assert clean_paragraphs(lines, authors=["Sarah Mensah, Kwame Asante"]) == EN
    assert clean_paragraphs(lines) == lines  # no author names, no bio rule


def test_nested_boilerplate_goes_once_and_keeps_the_text_around_it() -> None:
    """Doomed elements inside doomed elements (removed in document order: the outer one
    first, the inner ones then found detached), with tails that belong to the text."""
    body = (paras(EN[:2]) + '<div class="share-bar"><aside><nav>Share</nav></aside>'
            '<span class="social">x</span></div>tail one <p class="related">'
            '<aside>Related</aside></p>tail two' + paras(EN[2:4]))
    text = cleaned_text(body)
    for para in EN[:4]:
        assert " ".join(para.split()) in text
    assert "Share" not in text and "Related" not in text and " x " not in text
    assert "tail one" in text and "tail two" in text


def test_a_protected_boilerplate_wrapper_is_still_searched() -> None:
    """An element with a boilerplate class that the guard keeps (it holds the article) is
    not removed, but the walk still enters it: the boxes inside it go."""
    body = (f'<article class="post has-comments"><div class="entry">{paras(EN[:3])}'
            '<div class="share-tools"><a href="/s">Share on X</a></div>'
            f'{paras(EN[3:])}</div></article>')
    text = cleaned_text(body)
    assert_kept(text, EN)
    assert "Share on X" not in text


def test_label_text_signals_are_cached_but_the_element_still_decides() -> None:
    """The label patterns' answer is cached by text; whether a "Read also: ..." text is a
    teaser line still depends on its element (a <p> mostly made of a link)."""
    teaser = lxml.html.fragment_fromstring(
        '<p>Read also: <a href="/x">Kenya data centre opens in Nairobi</a></p>')
    prose = lxml.html.fragment_fromstring(
        "<p>Read also: Kenya data centre opens in Nairobi</p>")
    text = "Read also: Kenya data centre opens in Nairobi"
    assert _label_kind(teaser, text) == "inline"
    assert _label_kind(prose, text) is None
    assert _label_kind(teaser, text) == "inline"


def test_token_answers_are_per_token() -> None:
    """Values that combine known tokens anew (utility classes) get the same answers as
    their tokens alone, whatever was asked before."""
    import pipeline.cleanup as cleanup

    cleanup._TOKEN_ANSWERS.clear()
    assert not boilerplate_token("card p-4 bg-white-3")
    assert boilerplate_token("p-4 share-tools bg-white-3")
    assert not boilerplate_token("bg-white-3 card")
    assert cleanup._TOKEN_ANSWERS["share-tools"] is True
    assert cleanup._TOKEN_ANSWERS["card"] is False
    cleanup._TOKEN_ANSWERS.clear()


def test_boilerplate_token_answers_do_not_depend_on_the_cache() -> None:
    import pipeline.cleanup as cleanup

    values = ["share-bar", "post-1234", "shareBar", "entry-content", "cl-readalso",
              "related posts", "article-body", "sidebar widget", "nav main"] * 3
    first = [boilerplate_token(v) for v in values]
    cleanup._TOKEN_ANSWERS.clear()
    assert [boilerplate_token(v) for v in reversed(values)] == first[::-1]
    assert first[:3] == [True, False, True]
    cleanup._TOKEN_ANSWERS.update({f"v{i}": False for i in range(cleanup._TOKEN_ANSWERS_MAX)})
    assert boilerplate_token("newsletter-box")  # a new value when full: cleared first
    assert list(cleanup._TOKEN_ANSWERS) == ["newsletter-box"]
    cleanup._TOKEN_ANSWERS.clear()


def test_text_of_is_text_content() -> None:
    checked = leaves = 0
    for page in sorted((SAMPLES / "sites").rglob("*.html"))[:120]:
        root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
        if root is None:
            continue
        for el in root.iter():
            if isinstance(el.tag, str):
                assert text_of(el) == el.text_content(), (page, el.tag)
                checked += 1
                leaves += not len(el)
    # Comments inside an element make it no leaf; an element holding only one keeps its text.
    odd = lxml.html.fragment_fromstring("<p>a<!-- x -->b<b>c</b>d</p>")
    assert text_of(odd) == odd.text_content() == "abcd"
    assert checked > 1000 and leaves


def test_normalize_space_is_the_whitespace_regex() -> None:
    # Every code point, with and without runs and ends of whitespace: str.split's whitespace
    # is the regex's \s.
    every = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    for text in (every, f"  {every}\t\n", " a\u00a0\u2003b\x1c\x85c\u2028 ", "", None):
        assert normalize_space(text) == re.sub(r"\s+", " ", text or "").strip()
