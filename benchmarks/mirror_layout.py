"""Page layouts for the benchmark mirror: the corpus's own article pages, opened up.

A :class:`Layout` is one labelled article page of the corpus with its
article taken out: the headline, date, URL, description, body and JSON-LD
become slots, every link to the site itself becomes a slot for a link of the
mirror, and three padding slots (end of ``<head>``, start and end of
``<body>``) take the weight a real news page carries: inline styles and
scripts (analytics, ad configuration, a JSON state blob), an SVG sprite, a
mega-menu, a grid of story cards, ad slots, a link-heavy footer. The corpus
pages are ~15 KB of tidy HTML; real ones are ~170 KB on average
(STACK-NOTES.md), and the padding is what makes parsing and extraction cost
what they cost on the web.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import cycle, islice
from pathlib import Path

import lxml.html

SLOT = re.compile(r"(@@[A-Z0-9]+@@)")
_WS = re.compile(r"\s+")
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li")
_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
}
# How the corpus pages write a date for people; each becomes its own slot.
_DATE_FORMATS = (
    lambda d, m: f"{m['en'][d.month - 1]} {d.day}, {d.year}",
    lambda d, m: f"{d.day} {m['en'][d.month - 1]} {d.year}",
    lambda d, m: f"{m['en'][d.month - 1][:3]} {d.day}, {d.year}",
    lambda d, m: f"{d.day} {m['fr'][d.month - 1]} {d.year}",
    lambda d, m: f"{d.day:02d}/{d.month:02d}/{d.year}",
    lambda d, m: f"{d.day:02d}.{d.month:02d}.{d.year}",
)


def human_dates(day: date) -> dict[str, str]:
    """Slot values ``@@HDATE<i>@@`` for every human date format."""
    return {f"@@HDATE{i}@@": fmt(day, _MONTHS) for i, fmt in enumerate(_DATE_FORMATS)}


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _internal(href: str) -> bool:
    href = href.strip()
    if href.startswith("{{BASE}}"):
        return True
    if href.startswith(("#", "mailto:", "javascript:", "tel:", "data:", "//")):
        return False
    return not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE)


@dataclass
class Layout:
    """One corpus article page with slots; :meth:`render` fills them."""

    site: str
    language: str
    path: str
    parts: list[str]
    jsonld: list[str]

    def render(self, values: dict[str, str], links: list[str]) -> str:
        """The page with every slot filled; ``@@LINK@@`` slots take ``links`` in turn."""
        out: list[str] = []
        k = 0
        for part in self.parts:
            if part == "@@LINK@@":
                out.append(links[k % len(links)] if links else "/")
                k += 1
            elif part.startswith("@@") and part.endswith("@@"):
                out.append(values.get(part, ""))
            else:
                out.append(part)
        return "".join(out)

    def article_jsonld(self, values: dict[str, str]) -> str:
        """The page's own JSON-LD blocks with headline, date and URL of the new article."""
        blocks = []
        for text in self.jsonld:
            filled = SLOT.sub(lambda m: _json_inner(values.get(m.group(1), "")), text)
            blocks.append(f'<script type="application/ld+json">{filled}</script>')
        return "\n".join(blocks)


def _json_inner(value: str) -> str:
    """``value`` as it may stand inside a JSON string literal (and inside <script>)."""
    return json.dumps(value, ensure_ascii=False)[1:-1].replace("</", "<\\/")


def load_layout(corpus: Path, label: dict) -> Layout | None:
    """The layout of one labelled page, or None when its body cannot be located in the HTML."""
    site_dir = corpus / "sites" / label["site"]
    file = site_dir / label["path"].lstrip("/")
    if file.is_dir() or label["path"].endswith("/"):
        file = file / "index.html"
    if not file.is_file():
        return None
    source = file.read_text(encoding="utf-8")
    doc = lxml.html.document_fromstring(source)
    paragraphs = {_norm(p) for p in label["body"].split("\n\n") if p.strip()}
    matched = [el for el in doc.iter(*_BLOCKS) if _norm(el.text_content()) in paragraphs]
    matched = [el for el in matched if not any(a in matched for a in el.iterancestors())]
    if len(matched) < 0.5 * len(paragraphs):
        return None
    parent = Counter(el.getparent() for el in matched).most_common(1)[0][0]
    first = next(el for el in matched if el.getparent() is parent)
    first.addprevious(lxml.html.Element("dcradar-body"))
    for el in matched:
        el.drop_tree()

    jsonld: list[str] = []
    description = None
    for meta in doc.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key == "og:type":
            meta.set("content", "@@OGTYPE@@")
        elif key in ("description", "og:description", "twitter:description"):
            description = description or meta.get("content")
            meta.set("content", "@@DESC@@")
    first_ld = None
    for script in list(doc.iter("script")):
        text = script.text or ""
        if (script.get("type") or "").lower() == "application/ld+json":
            jsonld.append(text)
            if first_ld is None:
                first_ld = lxml.html.Element("dcradar-ld")
                script.addprevious(first_ld)
            script.drop_tree()
        elif any(p[:40] in text for p in list(paragraphs)[:5]):
            script.text = ""  # a state blob with the old body: the padding adds a new one
    if first_ld is None:
        head = doc.find("head")
        if head is not None:
            head.append(lxml.html.Element("dcradar-ld"))
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "next" in rel or "prev" in rel:
            link.drop_tree()
        elif "alternate" in rel and "xml" in (link.get("type") or ""):
            link.set("href", "{{BASE}}/feed.xml")
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if href is None or not _internal(href):
            continue
        path = href.replace("{{BASE}}", "").split("#")[0].split("?")[0]
        anchor.set("href", "@@SELF@@" if path == label["path"] else "@@LINK@@")

    text = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    text = text.replace("<dcradar-body></dcradar-body>", "@@BODY@@")
    text = text.replace("<dcradar-ld></dcradar-ld>", "@@LD@@")
    jsonld = [_slots(block, label, description) for block in jsonld]
    text = _slots(text, label, description)
    text = re.sub(r"(<body\b[^>]*>)", r"\1@@TOPPAD@@", text, count=1)
    text = text.replace("</head>", "@@HEADPAD@@</head>", 1)
    text = text.replace("</body>", "@@ENDPAD@@</body>", 1)
    return Layout(site=label["site"], language=label["language"], path=label["path"],
                  parts=SLOT.split(text), jsonld=jsonld)


def _fill(budget: int, piece: Callable[[], str]) -> str:
    """Pieces from ``piece()``, joined, until they reach ``budget`` characters (the last
    one may go past it)."""
    out, size = [], 0
    while size < budget:
        out.append(piece())
        size += len(out[-1])
    return "".join(out)


def _slots(text: str, label: dict, description: str | None) -> str:
    """Put slots where the page names its own URL, headline, description and date."""
    text = text.replace(label["path"], "@@PATH@@").replace("@@SELF@@", "{{BASE}}@@PATH@@")
    title = label["title"]
    for variant in sorted({title, html.escape(title), html.escape(title, quote=False),
                           title.replace("'", "&#39;"), title.replace("'", "’")},
                          key=len, reverse=True):
        text = text.replace(variant, "@@TITLE@@")
    if description:
        for variant in (description, html.escape(description)):
            text = text.replace(variant, "@@DESC@@")
    day = date.fromisoformat(label["published"])
    text = text.replace(label["published"], "@@DATE@@")
    for slot, written in human_dates(day).items():
        text = text.replace(written, slot)
    return text


def load_layouts(corpus: Path, labels: list[dict]) -> dict[str, list[Layout]]:
    """Every usable layout of the corpus, by site."""
    layouts: dict[str, list[Layout]] = {}
    for label in labels:
        layout = load_layout(corpus, label)
        if layout is not None:
            layouts.setdefault(layout.site, []).append(layout)
    return layouts


# ----------------------------------------------------------------------------- padding

_NAV_WORDS = {
    "en": "News Business Markets Technology Telecoms Data Centres Cloud Energy Power Fintech "
          "Policy Regulation Deals Funding Opinion Analysis Interviews Events Podcasts Video "
          "Africa Nigeria Kenya Egypt Morocco South-Africa Ghana Senegal Ethiopia Rwanda Jobs "
          "Newsletters Subscribe Careers Advertise Contact About Archive Sustainability Mining "
          "Agriculture Transport Startups Cybersecurity Satellites Fibre Mobile Payments",
    "fr": "Actualités Économie Entreprises Finance Télécoms Numérique Énergie Mines Agro "
          "Politique Gestion-publique Afrique Maroc Sénégal Côte-d'Ivoire Cameroun Bénin Togo "
          "Gabon Congo Tribunes Analyses Entretiens Dossiers Événements Vidéos Podcasts "
          "Newsletters Abonnement Contact Mentions-légales Publicité Recrutement Archives "
          "Startups Cybersécurité Infrastructures Transports Banque Assurance Industrie",
}
_UTILITY = ("flex", "grid", "items-center", "justify-between", "px", "py", "text-sm",
            "font-medium", "text-gray", "hover:underline", "md:hidden", "lg:col-span",
            "container", "row", "col", "wrapper", "inner", "block", "item", "list", "link",
            "title", "image", "card", "label", "btn", "icon", "media", "gap", "rounded-lg",
            "shadow-sm", "w-full", "h-auto", "object-cover", "leading-tight", "tracking-wide",
            "uppercase", "truncate", "relative", "absolute", "inset-0", "z", "bg-white",
            "dark:bg-slate", "border-b", "sm:flex-row", "space-y", "mx-auto", "max-w")
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CSS_PROPS = ("margin", "padding", "font-size", "line-height", "gap", "max-width", "top",
              "border-radius", "letter-spacing", "min-height", "grid-template-columns")


class Padding:
    """The weight of one site's pages: a theme (class names, CSS, scripts, icons) and its
    per-page blocks, each sized to a byte budget."""

    def __init__(self, site: str, language: str):
        rng = random.Random(f"theme-{site}")
        self.rng = rng
        self.language = language
        self.words = _NAV_WORDS[language].split()
        # Utility classes on the many inner elements, a role class ("site-menu", "ad-slot",
        # "more-stories") on the few containers, as themes do: ~60 elements of a Zyte page
        # carry a class the extractor's clean-up treats as boilerplate, here too.
        self.classes = [f"{rng.choice(_UTILITY)}-{rng.randrange(1, 13)}" if rng.random() < 0.5
                        else rng.choice(_UTILITY) for _ in range(400)]
        self.css_rules = [self._css_rule() for _ in range(600)]
        self.scripts = [self._script() for _ in range(120)]
        self.icons = [self._icon(i) for i in range(rng.randint(10, 60))]
        # Themes reuse a few blurred placeholders (compressed image data: incompressible).
        self.placeholders = [self._placeholder(rng) for _ in range(8)]

    def _cls(self, n: int = 3) -> str:
        return " ".join(self.rng.choice(self.classes) for _ in range(n))

    def _css_rule(self) -> str:
        rng = self.rng
        props = ";".join(f"{rng.choice(_CSS_PROPS)}:{rng.randint(0, 96)}px"
                         for _ in range(rng.randint(2, 7)))
        colour = f"color:#{rng.randrange(16 ** 6):06x}"
        sel = ",".join(f".{rng.choice(self.classes).split('__')[0]} .{rng.choice(self.classes)}"
                       for _ in range(rng.randint(1, 3)))
        media = rng.random() < 0.15
        rule = f"{sel}{{{props};{colour}}}"
        return f"@media (min-width:{rng.choice((640, 768, 1024, 1280))}px){{{rule}}}" \
            if media else rule

    def _script(self) -> str:
        rng = self.rng
        names = ["a", "b", "c", "d", "e", "t", "n", "r", "i", "o", "s", "u"]
        body = []
        for _ in range(rng.randint(10, 80)):
            x, y = rng.choice(names), rng.choice(names)
            body.append(rng.choice((
                f"var {x}={y}.{rng.choice(('push', 'call', 'apply', 'bind'))}"
                f"({rng.randint(0, 999)},\"{rng.choice(self.classes)}\")",
                f"if({x}&&{x}.length>{rng.randint(0, 9)}){{{y}[{x}[0]]=!0}}",
                f"{x}.addEventListener(\"{rng.choice(('click', 'scroll', 'load'))}\","
                f"function({y}){{return {y}.preventDefault(),{rng.randint(0, 99)}}})",
                f"for(var {x}=0;{x}<{rng.randint(2, 64)};{x}++){y}.push({x}*{rng.randint(2, 9)})",
                f"window.__cfg_{rng.randrange(4096):x}={{id:\"{rng.randrange(16 ** 8):08x}\","
                f"ttl:{rng.randint(60, 86400)},slots:[{rng.randint(1, 9)},{rng.randint(1, 9)}]}}",
            )))
        return f"!function({','.join(names[:4])}){{{';'.join(body)}}}(window,document);"

    def _icon(self, i: int) -> str:
        rng = self.rng
        d = "M" + " ".join(f"{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}"
                           + rng.choice(("l", "c", "L", "C", "h", "v", "z"))
                           for _ in range(rng.randint(20, 120)))
        return (f'<symbol id="i-{i}" viewBox="0 0 24 24"><path fill="currentColor" '
                f'd="{d}"/></symbol>')

    def _take(self, pool: list[str], budget: int, rng: random.Random) -> str:
        pieces = islice(cycle(pool), rng.randrange(len(pool)), None)
        return _fill(budget, lambda: next(pieces))

    def blocks(self, rng: random.Random, budget: int, links: list[str],
               cards: list[tuple[str, str, str]]) -> dict[str, str]:
        """``@@HEADPAD@@``, ``@@TOPPAD@@`` and ``@@ENDPAD@@`` for one page of ``budget`` bytes.

        ``links`` are pages of the site for menus and footers, ``cards`` (path,
        title, summary) other articles for the story grid. Shares as on the
        Zyte benchmark pages: scripts 30-35 %, styles 10 %, markup the rest, and in
        the markup few words (their ~780 elements and ~140 links carry ~9,000
        characters of text, the article included): attributes, icons and
        image placeholders make the bytes, not prose.
        """
        if budget <= 0:
            return {}
        scripts = self._take(self.scripts, int(0.27 * budget), rng)
        state = json.dumps({"page": {"id": rng.randrange(10 ** 7), "section": rng.choice(
            self.words)}, "stories": [{"url": p, "title": t, "dek": s} for p, t, s in cards]},
            ensure_ascii=False)[: int(0.08 * budget)]
        head = (f"<style>{self._take(self.css_rules, int(0.12 * budget), rng)}</style>"
                f"<script>{scripts}</script>"
                f'<script>window.__STATE__="{_json_inner(state)}"</script>')
        markup = int(0.53 * budget)
        sprite = self._take(self.icons, int(0.2 * markup), rng) if self.icons else ""
        top = (f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{sprite}</svg>'
               + self._menu(rng, int(0.15 * markup), links)
               + self._modals(rng, int(0.15 * markup)))
        end = (self._cards(rng, int(0.25 * markup), cards)
               + self._ads(rng, int(0.15 * markup))
               + self._footer(rng, int(0.1 * markup) + int(0.2 * markup) - len(sprite), links))
        return {"@@HEADPAD@@": head, "@@TOPPAD@@": top, "@@ENDPAD@@": end}

    def _icon_use(self, rng: random.Random) -> str:
        return (f'<svg class="{self._cls(2)}" aria-hidden="true" focusable="false" width="16" '
                f'height="16"><use href="#i-{rng.randrange(max(1, len(self.icons)))}"></use></svg>')

    def _link(self, rng: random.Random, links: list[str]) -> str:
        label = rng.choice(self.words)
        href = rng.choice(links) if links else "/"
        return (f'<li class="{self._cls(2)}"><a class="{self._cls(4)}" href="{href}" '
                f'title="{html.escape(label)}" data-track="nav|{label.lower()}|'
                f'{rng.randrange(16 ** 6):06x}" data-gtm=\'{{"event":"nav_click","pos":'
                f'{rng.randrange(99)},"id":"{rng.randrange(16 ** 8):08x}","section":'
                f'"{rng.choice(self.words)}"}}\'>'
                f"{self._icon_use(rng)}<span>{html.escape(label)}</span></a></li>")

    def _links(self, rng: random.Random, links: list[str]) -> str:
        return "".join(self._link(rng, links) for _ in range(rng.randint(4, 8)))

    def _menu(self, rng: random.Random, budget: int, links: list[str]) -> str:
        def column() -> str:
            col = self._links(rng, links)
            return (f'<li class="{self._cls(2)}"><span class="{self._cls(2)}">'
                    f"{rng.choice(self.words)}</span><ul>{col}</ul></li>")

        return (f'<nav class="site-menu {self._cls()}" aria-label="All sections"><ul>'
                + _fill(budget, column) + "</ul></nav>")

    def _placeholder(self, rng: random.Random) -> str:
        """A blurred-image placeholder as a data URI, as lazy-loading themes inline them."""
        noise = "".join(rng.choices(_BASE64, k=rng.randint(300, 900)))
        return f"data:image/webp;base64,UklGR{noise}"

    def _cards(self, rng: random.Random, budget: int, cards: list[tuple[str, str, str]]) -> str:
        heading = "More stories" if self.language == "en" else "Plus d'articles"
        top = (f'<section class="more-stories {self._cls(1)}"><h2>{heading}</h2>'
               f'<div class="{self._cls(2)}">')
        stories = cycle(cards)

        def card() -> str:
            path, title, _ = next(stories)
            img = f"/img/{rng.randrange(10 ** 6)}"
            srcset = ", ".join(f"{img}-{w}.webp {w}w" for w in (320, 480, 640, 960, 1280))
            return (f'<div class="card {self._cls(3)}" data-id="{rng.randrange(10 ** 6)}">'
                    f'<a class="{self._cls(2)}" href="{path}"><picture class="{self._cls(2)}">'
                    f'<source type="image/webp" srcset="{srcset}" sizes="(min-width:1024px) '
                    f'25vw,50vw"><img loading="lazy" decoding="async" src="'
                    f'{rng.choice(self.placeholders)}" alt="" width="640" height="360"></picture>'
                    f'<h3 class="{self._cls(2)}">{html.escape(title)}</h3></a></div>')

        return top + (_fill(budget, card) if cards else "") + "</div></section>"

    def _ads(self, rng: random.Random, budget: int) -> str:
        def slot() -> str:
            return (f'<div class="ad-slot {self._cls(2)}" id="div-gpt-ad-{rng.randrange(10 ** 9)}"'
                    f' data-ad-unit="/{rng.randrange(10 ** 5)}/news/{rng.choice(self.words)}"'
                    f' data-sizes="[[728,90],[970,250],[300,250]]" data-targeting=\'{{"pos":'
                    f'"{rng.choice(("top", "mid", "btf"))}","kw":["{rng.choice(self.words)}"]}}\'>'
                    f'<noscript><img src="https://pixel.example.net/p.gif?u='
                    f'{rng.randrange(10 ** 9)}" alt=""></noscript></div>')

        return _fill(budget, slot)

    def _modals(self, rng: random.Random, budget: int) -> str:
        """Hidden dialogs (log-in, newsletter, consent settings): forms, few words."""
        def dialog() -> str:
            fields = "".join(
                f'<div class="{self._cls(2)}"><label for="f{rng.randrange(10 ** 6)}" '
                f'class="{self._cls(2)}">{rng.choice(self.words)}</label><input '
                f'id="f{rng.randrange(10 ** 6)}" class="{self._cls(3)}" type="'
                f'{rng.choice(("email", "text", "checkbox"))}" autocomplete="off"></div>'
                for _ in range(rng.randint(2, 6)))
            return (f'<div class="modal {self._cls(2)}" role="dialog" aria-hidden="true" '
                    f'hidden><form class="{self._cls(2)}" method="post" action="/account/">'
                    f'{fields}<button class="{self._cls(3)}" type="submit">'
                    f"{self._icon_use(rng)}OK</button></form></div>")

        return _fill(budget, dialog)

    def _footer(self, rng: random.Random, budget: int, links: list[str]) -> str:
        def column() -> str:
            col = self._links(rng, links)
            return (f'<div class="{self._cls(2)}"><h4>{rng.choice(self.words)}</h4>'
                    f"<ul>{col}</ul></div>")

        return (f'<footer class="site-footer {self._cls()}"><div class="{self._cls(2)}">'
                + _fill(budget, column) + "</div></footer>")
