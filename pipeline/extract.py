"""Article page HTML → main text and metadata.

trafilatura finds the main text; around it we add what a news pipeline
needs and trafilatura does not give reliably:

* boilerplate that trafilatura keeps (teasers announced by a heading,
  newsletter boxes, credit lines ...) is removed by ``pipeline.cleanup``,
  before and after trafilatura;
* metadata come from the page's own structured data first (JSON-LD,
  OpenGraph/article meta, ``<time datetime>``), which publishers fill for
  search engines and which beats text heuristics; htmldate is the fallback;
* the page is parsed once, with trafilatura's own loader, and that tree is
  used for metadata, clean-up and extraction.

``extract`` never raises: a page that cannot be read gives None.
"""
from __future__ import annotations

import copy
import html as html_lib
import json
import logging
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from pipeline.cleanup import (
    clean_paragraphs,
    clean_tree,
    content_root,
    normalize_space,
    text_of,
)
from pipeline.decode import decode_html
from pipeline.repair import CAN_REPAIR, repair_html

try:  # the loader trafilatura uses itself: same repairs, same parser settings
    from trafilatura.utils import load_html as _load_html
except ImportError:  # pragma: no cover - older/newer layouts
    _load_html = None
try:  # the container patterns trafilatura looks for first
    from trafilatura.xpaths import BODY_XPATH
except ImportError:  # pragma: no cover
    _BODY_CHECKS = None
else:
    # Asked only whether one matches, so in any order: the plain ones ("(.//article)[1]")
    # first, then those that run a regex on the class and id of every element.
    _BODY_CHECKS = sorted(BODY_XPATH, key=lambda expr: "re:" in expr.path)

logger = logging.getLogger(__name__)

#: Fewer words than this is no usable main text (an error page, an empty shell).
MIN_WORDS = 5
#: Larger inputs are cut: no news article needs more, and lxml time grows with size.
MAX_HTML_CHARS = 2_500_000

ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle",
                 "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle",
                 "reviewnewsarticle", "techarticle", "report", "pressrelease", "scholarlyarticle",
                 "liveblogposting", "socialmediaposting", "posting", "webpage", "itempage"}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASH_DATE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\D|$)")
_DMY_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
# meta names that carry a publication date, most specific first
_DATE_META = ("article:published_time", "og:published_time", "og:article:published_time",
              "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
              "publication_date", "date", "dc.date.issued", "dc.date", "dcterms.issued",
              "dcterms.date", "dcterms.created", "sailthru.date", "parsely-pub-date",
              "article.published", "citation_publication_date", "dc.date.created")
_TITLE_SEPS = (" | ", " – ", " — ", " - ", " · ", " :: ", " • ", " » ", " / ")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# A few stop words per language: enough to tell en/fr/pt/es/de apart on a news text.
_STOPWORDS = {lang: frozenset(words.split()) for lang, words in {
    "en": "the and of to in is that for with on was it as by said has are from at will which its "
          "be have this were an not their also been",
    "fr": "le la les de des du et en un une est pour dans qui que sur au aux par avec ce sont ses "
          "son été il elle plus ont cette être",
    "pt": "o os as de do da dos das e em um uma para com que não por no na ao é foi mais pelo pela "
          "seu sua",
    "es": "el los las de del y en un una para con que no por es se su al fue más lo como sus está",
    "de": "der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als auch "
          "es an werden aus er hat dass sie nach wird bei",
}.items()}


@dataclass
class Extracted:
    """What one article page yields."""

    title: str | None
    published: str | None  # 'YYYY-MM-DD'
    author: str | None
    language: str | None  # 'en', 'fr', ...
    text: str  # paragraphs separated by a blank line, headline excluded
    canonical_url: str | None
    word_count: int


# --------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------


def decode(data: str | bytes, encoding: str | None = None) -> str | None:
    """Bytes → text (see :func:`pipeline.decode.decode_html`); None for binary data."""
    if isinstance(data, str):
        return data
    if not isinstance(data, (bytes, bytearray)):
        return None
    decoded = decode_html(bytes(data), encoding)
    return decoded[0] if decoded else None


#: What a text page hardly holds: control characters other than tab, line breaks and form
#: feed, and the replacement character a failed decoding leaves.
_BINARY_CHARS = (*(chr(i) for i in range(32) if chr(i) not in "\t\n\r\f"), "\ufffd")


def _looks_binary(text: str) -> bool:
    sample = text[:2048]
    if not sample:
        return True
    # One C-level count per character: a Python loop over the sample took twice as long.
    return sum(map(sample.count, _BINARY_CHARS)) > 0.05 * len(sample)


def _html_parser() -> lxml.html.HTMLParser:
    """trafilatura's parser settings, with lxml's C-level element class lookup.

    ``lxml.html``'s default lookup is Python code called for every element object
    created (special classes for form fields, which neither trafilatura nor we use):
    1.1 of the 15.3 ms of a page's analysis and extraction went there (issue 6).
    Every element is still an ``HtmlElement``.
    """
    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                  remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


_PARSER = _html_parser()


def _parse(text: str, utf8: bytes | None = None) -> HtmlElement | None:
    """The page's tree, parsed as ``trafilatura.utils.load_html`` does (same repairs, same
    fallback to bytes, same rejection of a tree too small to be a page), with ``_PARSER``.

    ``utf8``: the bytes ``text`` is the UTF-8 decoding of (see :func:`parse_html`).
    """
    original = text
    text = _XML_DECL.sub("", text[:MAX_HTML_CHARS], count=1)
    if not CAN_REPAIR:  # pragma: no cover - another trafilatura layout: its own loader
        tree = _load_html(text) if _load_html else lxml.html.document_fromstring(text)
        return tree if isinstance(tree, HtmlElement) else None
    beginning = text[:50].lower()
    text = repair_html(text, beginning, utf8)
    # When nothing above changed the page (the slice, the substitution and the repair then
    # return the very object), lxml reads its UTF-8 bytes: the tree the text gives
    # (tests/test_extract.py), 0.18 ms a page sooner. The fallback below would only read
    # those bytes again.
    raw = utf8 if utf8 is not None and text is original else None
    tree, as_bytes = None, False
    try:
        tree = lxml.html.fromstring(text if raw is None else raw, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        as_bytes = True
    except Exception:  # lxml gives up on some markup; the bytes may still parse
        logger.debug("lxml could not parse the page as text", exc_info=True)
    if raw is None and (as_bytes or tree is None or len(tree) < 1):
        try:
            tree = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
        except Exception:
            logger.debug("lxml could not parse the page as bytes", exc_info=True)
            tree = None
    if tree is not None and "html" not in beginning and len(tree) < 2:
        return None  # no <html> and a single block: not a page
    return tree if isinstance(tree, HtmlElement) else None


# --------------------------------------------------------------------------
# metadata
# --------------------------------------------------------------------------


def _norm(text: str | None) -> str:
    return normalize_space(html_lib.unescape(text or ""))


#: The elements the metadata is read from, found in one walk of the tree: a walk visits
#: every node whatever tags it looks for. One each for the meta, script and h1 elements,
#: and the h1 again for the headlines, took 0.21-0.22 ms a page where this takes 0.18
#: (300 article pages of the 1k benchmark mirror, each freshly parsed).
_METADATA_TAGS = ("meta", "script", "h1")


def _metadata_elements(tree: HtmlElement) -> dict[str, list[HtmlElement]]:
    """The page's :data:`_METADATA_TAGS` elements by tag, each list in document order."""
    found: dict[str, list[HtmlElement]] = {tag: [] for tag in _METADATA_TAGS}
    for el in tree.iter(*_METADATA_TAGS):
        found[el.tag].append(el)
    return found


def _meta(metas: Iterable[HtmlElement]) -> dict[str, str]:
    """First content of every <meta name|property|itemprop>, keys lower-cased."""
    out: dict[str, str] = {}
    for el in metas:
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content and content.strip():
            out.setdefault(key.strip().lower(), content.strip())
    return out


def _jsonld_objects(scripts: Iterable[HtmlElement]) -> list[dict]:
    """Every JSON-LD object of the page's ``scripts``, @graph and lists flattened."""
    objects: list[dict] = []

    def walk(node: object, depth: int = 0) -> None:
        if depth > 4:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            objects.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for script in scripts:
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        raw = script.text.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
        try:
            walk(json.loads(raw, strict=False))
        except (ValueError, RecursionError):  # broken or absurdly nested: the page's text stays
            continue
    return objects


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _article_objects(objects: list[dict]) -> list[dict]:
    """Article-like JSON-LD objects, real article types before web pages."""
    arts = [o for o in objects if _types(o) & ARTICLE_TYPES]
    return sorted(arts, key=lambda o: bool(_types(o) <= {"webpage", "itempage"}))


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _to_date(value: str | None) -> str | None:
    """'YYYY-MM-DD' from the usual machine-readable forms; the date as written, no TZ shift."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    m = _ISO_DATE.search(value) or _SLASH_DATE.search(value) or _COMPACT_DATE.match(value)
    parts: tuple[int, int, int] | None = None
    if m:
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif (m := _DMY_DATE.match(value)):
        first, second = int(m.group(1)), int(m.group(2))
        # day first (African and European usage) unless that cannot be
        day, month = (second, first) if second > 12 >= first else (first, second)
        parts = (int(m.group(3)), month, day)
    else:
        try:
            d = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            d = _parse_words(value)
        if d is None:
            return None
        parts = (d.year, d.month, d.day)
    try:
        d = date(*parts)
    except ValueError:
        return None
    return d.isoformat() if 1990 <= d.year <= 2100 else None


def _parse_words(value: str) -> datetime | None:
    """'March 6, 2024' and the like (English month names), via dateutil when installed."""
    if len(value) > 60 or not re.search(r"\d{4}", value):
        return None
    try:
        from dateutil import parser as date_parser
        with warnings.catch_warnings():  # unknown time-zone names only cost the zone
            warnings.simplefilter("ignore")
            return date_parser.parse(value, default=datetime(1900, 1, 1))
    except Exception:  # ImportError, ParserError, OverflowError ...
        return None


def _time_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """<time datetime> elements, those inside an article/main first."""
    seen = set()
    for xp in ("//article//time[@datetime]", "//main//time[@datetime]", "//time[@datetime]"):
        for el in tree.xpath(xp):
            if el not in seen:
                seen.add(el)
                yield el


def _published(tree: HtmlElement, meta: dict[str, str], articles: list[dict],
               url: str) -> str | None:
    """Publication date: JSON-LD, then article meta tags, then <time datetime>, then htmldate."""
    for obj in articles:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            value = obj.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if (d := _to_date(value if isinstance(value, str) else None)):
                return d
    for key in _DATE_META:
        if (d := _to_date(meta.get(key))):
            return d
    for el in tree.xpath("//*[@itemprop='datePublished']"):
        if (d := _to_date(el.get("content") or el.get("datetime"))):
            return d
    for el in _time_elements(tree):
        cls = " ".join((el.get("class") or "", (el.getparent().get("class") or "")
                        if el.getparent() is not None else "")).lower()
        if "modif" in cls or "updat" in cls:
            continue
        if (d := _to_date(el.get("datetime"))):
            return d
    try:  # htmldate's markup heuristics (date-classed elements, URL), only when nothing above
        from htmldate import find_date
        # no extensive search: it turns any year in the text into "YYYY-01-01" and loads
        # dateparser (seconds); the quick search reads visible dates in EN and FR
        found = find_date(tree, url=url or None, original_date=True, extensive_search=False)
        return _to_date(found)
    except Exception:
        return None


def _site_names(meta: dict[str, str], objects: list[dict]) -> set[str]:
    names = {meta.get("og:site_name", ""), meta.get("application-name", ""),
             meta.get("twitter:site", "").lstrip("@")}
    for obj in objects:
        if _types(obj) & {"website", "organization", "newsmediaorganization"}:
            names.update(_names(obj.get("name")))
        if _types(obj) & ARTICLE_TYPES:
            names.update(_names(obj.get("publisher")))
    return {_norm(n) for n in names if n and len(_norm(n)) > 1}


def _strip_site(title: str, sites: set[str]) -> str:
    """Drop a " | Site name" suffix (or "Site name - " prefix) from a title."""
    low = title.casefold()
    for site in sorted(sites, key=len, reverse=True):
        s = site.casefold()
        for sep in _TITLE_SEPS + (": ",):
            if low.endswith(sep + s) and len(title) > len(sep + s) + 3:
                return title[: -len(sep + s)].strip()
            if low.startswith(s + sep) and len(title) > len(sep + s) + 3:
                return title[len(s + sep):].strip()
    return title


def _strip_unknown_site(title: str) -> str:
    """Without a known site name: drop a short last segment after a strong separator."""
    for sep in _TITLE_SEPS:
        if sep in title:
            head, _, tail = title.rpartition(sep)
            if len(tail.split()) <= 4 and len(head.split()) >= 3:
                return head.strip()
    return title


def _key(text: str) -> str:
    return normalize_space(re.sub(r"[^\w]+", " ", text.casefold()))


def _title(tree: HtmlElement, meta: dict[str, str], articles: list[dict],
           objects: list[dict], h1s: list[str]) -> str | None:
    """The headline as the page shows it.

    The visible <h1> is the headline, but pages also carry logo or section
    h1s; the structured titles (JSON-LD headline, og:title) say which h1 is
    the headline, and stand in when no h1 matches them. ``h1s``: the texts of
    the page's h1 elements, normalized (:func:`_norm`), in document order.
    """
    sites = _site_names(meta, objects)
    site_keys = {_key(s) for s in sites}
    real = [o for o in articles if not _types(o) <= {"webpage", "itempage"}]
    pages = [o for o in articles if _types(o) <= {"webpage", "itempage"}]
    metas: list[str] = []
    for obj in real:
        if isinstance(obj.get("headline"), str) and _norm(obj["headline"]):
            metas.append(_norm(obj["headline"]))
    metas += [_norm(meta.get(k)) for k in ("og:title", "twitter:title") if meta.get(k)]
    for obj in real + pages:
        if isinstance(obj.get("name"), str) and _norm(obj["name"]):
            metas.append(_norm(obj["name"]))
    metas = [_strip_site(t, sites) for t in metas]
    metas = [t for t in metas if t and _key(t) not in site_keys]
    h1s = [h for h in h1s if 0 < len(h) <= 400 and _key(h) not in site_keys]
    if metas and h1s:
        # the h1 that shares most words with a structured title ("Opinion | X" vs "X",
        # a shortened social title, a truncated "...") is the visible headline
        best, score = None, 0.0
        for h in h1s:
            hw = set(_key(h).split())
            if len(hw) < 2:
                continue
            for t in metas:
                tw = set(_key(t.rstrip(".… ")).split())
                overlap = len(hw & tw) / (min(len(hw), len(tw)) or 1)
                if overlap > score:
                    best, score = h, overlap
        if best is not None and score >= 0.6:
            return best
    if metas:
        return metas[0]
    page_title = _norm(tree.findtext(".//title"))
    if len(h1s) == 1:
        return h1s[0]
    if h1s:
        # several h1 (a logo in one): the longest one the <title> repeats, else one in the article
        in_title = [h for h in h1s if page_title and _key(h) and _key(h) in _key(page_title)]
        if in_title:
            return max(in_title, key=len)
        inside = [_norm(text_of(h)) for h in tree.xpath("//article//h1|//main//h1")]
        return next((h for h in inside if h), max(h1s, key=lambda h: len(h.split())))
    if page_title:
        stripped = _strip_site(page_title, sites)
        return stripped if stripped != page_title else _strip_unknown_site(page_title)
    return None


def _author(tree: HtmlElement, meta: dict[str, str], articles: list[dict]) -> str | None:
    for obj in articles:
        names = [_norm(n) for n in _names(obj.get("author")) if _norm(n)]
        if names:
            return ", ".join(dict.fromkeys(names))
    for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
        value = meta.get(key)
        if value and not value.startswith(("http://", "https://")):
            return _norm(value)
    for el in tree.xpath("//*[@rel='author' or @itemprop='author']"):
        text = _norm(text_of(el))
        if 0 < len(text) < 80:
            return re.sub(r"^(?:by|par)\s+", "", text, flags=re.IGNORECASE)
    return None


def _people(meta: dict[str, str], articles: list[dict], objects: list[dict]) -> list[str]:
    """Authors that are persons (not the issuing company of a press release, whose
    "About <company>" section is article text)."""
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    people: list[str] = []
    typed = False
    for obj in articles:
        authors = obj.get("author")
        for a in authors if isinstance(authors, list) else [authors]:
            if not isinstance(a, dict):
                continue
            typed = True
            kinds = _types(a) or _types(by_id.get(a.get("@id"), {}))
            if not kinds & {"organization", "newsmediaorganization", "corporation"}:
                people += _names(a) or _names(by_id.get(a.get("@id"), {}))
    if not typed and meta.get("author") and not meta["author"].startswith("http"):
        people.append(meta["author"])
    return [_norm(p) for p in people if _norm(p)]


def _lang_code(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|$|\s|,)", value)
    if not m:
        return None
    code = m.group(1).lower()
    return code if len(code) == 2 else {"fra": "fr", "fre": "fr", "eng": "en", "por": "pt",
                                        "spa": "es", "ara": "ar", "swa": "sw"}.get(code)


def guess_language(text: str) -> tuple[str | None, dict[str, float]]:
    """Stop-word vote among en/fr/pt/es/de; None when the text is short or undecided."""
    words = re.findall(r"[^\W\d_]+", text.casefold())[:2000]
    if len(words) < 30:
        return None, {}
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in stop) / len(words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=scores.get)
    second = max(v for k, v in scores.items() if k != best)
    return (best if scores[best] >= 0.12 and scores[best] - second >= 0.05 else None), scores


def _language(tree: HtmlElement, meta: dict[str, str], articles: list[dict], text: str,
              default: str | None) -> str | None:
    """The page's declared language, unless its text clearly says otherwise; else a guess,
    else the source's default."""
    declared = _lang_code(tree.get("lang") or tree.get("xml:lang")) \
        or _lang_code(meta.get("content-language")) or _lang_code(meta.get("og:locale")) \
        or next((_lang_code(o.get("inLanguage")) for o in articles
                 if isinstance(o.get("inLanguage"), str)), None) \
        or _lang_code(meta.get("language")) or _lang_code(meta.get("dc.language"))
    guessed, scores = guess_language(text)
    # templates often keep lang="en" on pages in another language: trust a clear text signal
    if declared and guessed and guessed != declared \
            and scores[guessed] - scores.get(declared, 0.0) >= 0.1:
        return guessed
    return declared or guessed or (_lang_code(default) if default else None)


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str) -> str | None:
    """<link rel=canonical>, else og:url; absolute, http(s) only."""
    href = None
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and (link.get("href") or "").strip():
            href = link.get("href").strip()
            break
    href = href or meta.get("og:url")
    if not href:
        return None
    try:
        absolute = urljoin(url or "", href)
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


# --------------------------------------------------------------------------
# main text
# --------------------------------------------------------------------------


def _mark_container(tree: HtmlElement) -> None:
    """Point trafilatura at the article container when its class names are unknown to it.

    trafilatura looks for containers by (English) class/id patterns; on a page
    with none ("texte-article", "corps") it falls back to collecting loose
    paragraphs, which drops every sub-heading. Marking the container we found
    with itemprop=articleBody, the schema.org way, makes it take its normal path.
    """
    if _BODY_CHECKS is None:
        return
    try:
        if any(expr(tree) for expr in _BODY_CHECKS):
            return
    except Exception:
        return
    target = content_root(tree)
    if target is not None and target.tag in ("div", "section", "article", "main"):
        target.set("itemprop", "articleBody")


#: trafilatura's settings for our extraction, built once (:func:`_options`).
_SETTINGS = Extractor(
    output_format="python", comments=False, precision=False, tables=True, images=False,
    links=False, dedup=False, with_metadata=False,
    # fast: no second opinion from readability/justext. On our clean-up's output it only
    # cost time: Zyte set F1 0.9706 -> 0.9733, dev corpus 1.0 either way, 21 % less time
    # (benchmarks/extraction_zyte.py, extraction_dev.py; issue 6).
    fast=True)


def _options(url: str | None) -> Extractor:
    """:data:`_SETTINGS` for the page at ``url``, as ``bare_extraction`` would build them
    from its arguments: building them reads trafilatura's configuration and formats
    today's date each time (77 microseconds), a copy takes 5. trafilatura copies the
    options it changes, so the shared ones stay as they are."""
    options = copy.copy(_SETTINGS)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def _main_text(tree: HtmlElement, url: str) -> list[str]:
    """trafilatura on the cleaned tree; its lines (one per block) as a list."""
    _mark_container(tree)
    doc = trafilatura.bare_extraction(tree, options=_options(url or None))
    text = getattr(doc, "text", None) if doc is not None else None
    return text.split("\n") if text else []


def parse_html(text: str, utf8: bytes | None = None) -> HtmlElement | None:
    """The tree :func:`extract` works on, or None for text that is no HTML page.

    A worker that needs the page's tree for more than extraction (the spider's
    page analysis, :mod:`pipeline.analyse`) parses once here and hands the
    tree to :func:`extract`. ``utf8``: the bytes ``text`` was decoded from,
    when :func:`pipeline.decode.decode_html` read them as UTF-8. lxml then
    parses them instead of the text: 1.56 against 1.74 ms for a 163 KB page
    of the benchmark mirror (issue 6).
    """
    if not text or text.isspace() or _looks_binary(text):  # isspace: strip() copies the page
        return None
    return _parse(text, utf8)


def extract(html: str | bytes, url: str, *, prune_xpaths: Sequence[str] = (),
            default_language: str | None = None, encoding: str | None = None,
            tree: HtmlElement | None = None) -> Extracted | None:
    """Main text and metadata of an article page, or None when there is no usable text.

    ``html`` is the page as text, or its raw bytes with the HTTP-declared
    ``encoding`` (see ``decode``); or ``tree``, the page as :func:`parse_html`
    returned it (``html`` is then not read), which extraction prunes in place.
    ``prune_xpaths`` are per-source XPaths of elements to drop before
    extraction. Never raises.
    """
    try:
        return _extract(html, url, prune_xpaths, default_language, encoding, tree)
    except Exception:  # a broken page must not stop a crawl
        logger.debug("extraction failed for %s", url, exc_info=True)
        return None


def _extract(html: str | bytes, url: str, prune_xpaths: Sequence[str], default_language: str | None,
             encoding: str | None, tree: HtmlElement | None) -> Extracted | None:
    if tree is None:
        tree = parse_html(decode(html, encoding) or "")
    if tree is None:
        return None
    url = url or ""
    elements = _metadata_elements(tree)
    meta = _meta(elements["meta"])
    objects = _jsonld_objects(elements["script"])
    articles = _article_objects(objects)
    h1s = [_norm(text_of(h)) for h in elements["h1"]]
    title = _title(tree, meta, articles, objects, h1s)
    published = _published(tree, meta, articles, url)
    author = _author(tree, meta, articles)
    canonical = _canonical(tree, meta, url)

    headlines = [title or "", *h1s]
    clean_tree(tree, prune_xpaths)
    people = _people(meta, articles, objects)
    paragraphs = clean_paragraphs(_main_text(tree, url), headlines, people)
    body = "\n\n".join(paragraphs)
    words = len(re.findall(r"\w+", body))
    if words < MIN_WORDS:
        return None
    language = _language(tree, meta, articles, body, default_language)
    return Extracted(title=title, published=published, author=author, language=language, text=body,
                     canonical_url=canonical, word_count=words)
