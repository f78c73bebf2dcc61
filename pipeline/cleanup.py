"""Remove what trafilatura leaves in a news article's text.

trafilatura drops teaser blocks only by class/id tokens it knows or by link
density, and never reads the headings that announce them ("Read also",
"Lire aussi", "More releases from this sector", a newsletter box ...). This
module does that with general mechanisms only, so that it carries over to
sites we have never seen (no site names, no phrases from particular pages):

* on the HTML tree, before trafilatura (``clean_tree``): hidden elements,
  captions, asides, forms that ask for an e-mail address, elements whose
  class/id tokens name a boilerplate role (EN and FR), and blocks introduced
  by a label such as "Related" / "À lire aussi" / "Media contact", judged by
  where the label sits and whether the block is a list of links;
* on the extracted paragraphs, after trafilatura (``clean_paragraphs``):
  leftover labels, link-only "Lire aussi : <headline>" lines, agency credit
  lines ("Reporting by ...; Editing by ..."), newsletter pitches, paywall
  notices, author bios found through the page's author names, and the
  headline repeated at the top of the text.

A guard keeps the article's main text container, its ancestors and anything
holding a large share of the page's text, so a boilerplate-looking class on
an outer wrapper (WordPress puts ``tag-<slug>`` on the <article>) or a layout
class ("l-sidebar-fixed") never costs the body.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lxml.html import HtmlElement

# --------------------------------------------------------------------------
# vocabulary (EN + FR); matched against short texts only
# --------------------------------------------------------------------------

# Whole text of a short element that announces a non-article block. "Strong"
# labels are never a real sub-heading; "weak" ones can be ("Popular demand",
# "More on the deal"), so their block must also look like a teaser list.
_STRONG = [
    # read also / related
    r"(?:à |a )?lire (?:aussi|également|egalement|encore|ensuite)",
    r"(?:à |a )?voir (?:aussi|également|egalement)", r"(?:à |a )?découvrir (?:aussi|également)",
    r"(?:also|you may also|you might also) (?:read|like|enjoy)",
    r"read (?:also|more|next|this next)",
    r"see also", r"related",
    r"related (?:articles?|stories|news|posts|content|coverage|reading|links|topics|items"
    r"|releases)",
    r"further reading", r"in other news", r"(?:you may|you might) (?:also )?be interested in",
    r"sur le même (?:sujet|thème|theme)", r"dans la même rubrique",
    r"(?:les )?(?:plus lus|plus populaires)",
    r"(?:most|top) (?:read|viewed|shared)",
    r"(?:articles?|contenus?|actualités?|dépêches?) "
    r"(?:similaires|liés|associés|recommandés|connexes)",
    r"vous (?:aimerez|pourriez aimer|aimerez aussi|aimerez également)(?: \w+){0,2}",
    r"recommandé pour vous", r"explore more\b.*",
    r"(?:enjoy(?:ing|ed)?|lik(?:e|ed|ing)|did you (?:enjoy|like)) (?:this|the) "
    r"(?:story|article|read)",
    r"(?:cet article vous a plu|vous avez aimé cet article)",
    # newsletter / subscription
    r"(?:get |join )?(?:our |the )?(?:\w+ )?newsletters?\b.*",
    r"(?:sign up|subscribe|register)(?: now| today| here)?(?: (?:for|to) our\b.*)?",
    r"(?:inscrivez-vous|abonnez-vous)\b.*", r"recevez (?:la|notre|nos)\b.*",
    r"(?:la |notre )?lettre d'information\b.*", r"s'abonner", r"s'inscrire",
    # comments / sharing / follow
    r"comments?", r"\d+ comments?", r"leave a (?:comment|reply)",
    r"join the (?:conversation|discussion)",
    r"commentaires?", r"\d+ commentaires?", r"réagir", r"réagissez", r"laisser un commentaire",
    r"share(?: this)?(?: article| story| post| page)?", r"share on \w+",
    r"partager(?: cet article| l'article)?", r"partagez(?: cet article| l'article)?",
    r"follow us\b.*", r"suivez-nous\b.*",
    # contacts, author boxes, tags, ads
    r"(?:media|press|news|investor)(?: relations?)? (?:contacts?|enquiries|inquiries)",
    r"contacts? (?:presse|médias?|medias?)", r"(?:service|relations) presse", r"about the authors?",
    r"à propos de l'auteur", r"tags?", r"filed under", r"mots[- ]clés?", r"étiquettes?",
    r"advertisement", r"sponsored(?: content)?", r"publicité",
]
_WEAK = [
    r"related(?: \w+){1,2}", r"more (?:from|on|in|about|like this|to read|to explore)\b.*",
    r"more(?: \w+){0,2} (?:news|stories|articles|releases|posts|headlines|videos|reading"
    r"|coverage)\b.*",
    r"recommended(?: \w+){0,2}", r"(?:editor'?s|our) picks?",
    r"(?:most|top) (?:popular|commented|stories)\b.*", r"trending(?: \w+){0,2}",
    r"popular(?: \w+){0,2}",
    r"latest(?: \w+)? (?:news|stories|articles|posts|headlines|releases)",
    r"don'?t miss(?: \w+){0,2}",
    r"(?:nos |les )?(?:dernières|derniers) (?:articles|actualités|actus|dépêches|infos|nouvelles)",
    r"(?:l'actu|l'actualité|actualités?) en continu", r"à la une", r"la lettre\b.*", r"topics",
    r"thèmes?", r"stay (?:informed|updated|up to date|in the know)\b.*",
    r"(?:inscrivez-vous|abonnez-vous|recevez)\b.*",
]


def _alt(patterns: list[str]) -> str:
    """One alternation; spaces match any whitespace run, so raw text_content() needs no
    normalising before the test."""
    return "|".join(p.replace(" ", r"\s+") for p in patterns)


STRONG_LABEL_RE = re.compile(rf"^[\W_]*(?:{_alt(_STRONG)})[\W\d_]*$", re.IGNORECASE)
WEAK_LABEL_RE = re.compile(rf"^[\W_]*(?:{_alt(_WEAK)})[\W\d_]*$", re.IGNORECASE)
_CONTACT = (r"(?:media|press|news|investor)(?: relations?)? (?:contacts?|enquiries|inquiries)"
            r"|contacts? (?:presse|médias?|medias?)|(?:service|relations) presse")
CONTACT_LABEL_RE = re.compile(rf"^[\W_]*(?:{_alt([_CONTACT])})\b", re.IGNORECASE)
# A short paragraph that starts with a contact label carries contact details, not news.
CONTACT_PREFIX_RE = re.compile(rf"^[\W_]*(?:{_alt([_CONTACT])})\s*:", re.IGNORECASE)

# Prefixes of a short paragraph that points elsewhere ("Read also: <headline>").
_PREFIXES = [
    r"(?:à |a )?lire (?:aussi|également|egalement|encore)", r"(?:à |a )?voir (?:aussi|également)",
    r"(?:also )?read(?: also| more| next)?", r"see also", r"related(?: \w+)?", r"more", r"lire",
    r"sur le même sujet", r"recommended", r"(?:à |a )?(?:relire|découvrir)",
]
INLINE_TEASER_RE = re.compile(rf"^[\W_]*(?:{_alt(_PREFIXES)})\s*(?::|：|»|>|\||–|—|-)\s*\S",
                              re.IGNORECASE)
# A short "Tags: a, b, c" line.
TAGS_PREFIX_RE = re.compile(
    r"^[\W_]*(?:tags?|mots[- ]clés?|étiquettes?|topics|thèmes?|filed under|catégories?|categories|"
    r"keywords)\s*:", re.IGNORECASE)
# Wire-agency credit lines at the end of a story.
CREDIT_RE = re.compile(
    r"^[(\[]?(?:(?:additional )?reporting|writing|editing|compiled|edited|reported|written|"
    r"research|graphics|production)(?: by)?\b[^.!?]{0,200}(?:by|;)", re.IGNORECASE)
# Paywall notices: the free part of the text ends here.
PAYWALL_RE = re.compile(
    r"réservée? aux (?:abonnés|membres)|pour lire la suite|lire la suite de cet|déjà abonné|"
    r"for (?:paying )?(?:subscribers|members) only|(?:available|reserved|exclusive) (?:to|for) "
    r"(?:subscribers|members)|subscribe (?:now )?to (?:continue|read|keep)|to continue reading|"
    r"already (?:a subscriber|have an account)|"
    r"this (?:article|story|content) is for (?:subscribers|members)", re.IGNORECASE)
# A newsletter pitch: a newsletter named, with a call to sign up or a delivery promise.
NEWSLETTER_RE = re.compile(r"\bnewsletters?\b|lettre d'information|la lettre\b|\bbriefing\b|"
                           r"\bdigest\b", re.IGNORECASE)
SUBSCRIBE_RE = re.compile(
    r"\b(?:sign(?:ing)? up|subscrib\w*|register|inscri\w*|abonn\w*)\b", re.IGNORECASE)
DELIVERY_RE = re.compile(
    r"\b(?:in(?:to)? your inbox|every (?:week)?(?:day|morning|evening|week|friday|monday)|"
    r"each (?:morning|day|week)|chaque (?:matin|jour|semaine)|dans votre (?:boîte|messagerie))",
    re.IGNORECASE)
_NAME = r"[A-ZÀ-Ý][\w'’.-]+(?:\s+[A-ZÀ-Ý&][\w'’.-]*){0,4}"
BYLINE_RE = re.compile(
    rf"^(?i:by|par|written by|posted by|publié par)\s+{_NAME}(?:\s*(?:,|and|et|&)\s*{_NAME})*"
    r"(?:\s*[|,·–-]\s*.{0,60})?$")

# --------------------------------------------------------------------------
# class / id tokens
# --------------------------------------------------------------------------

# Parts of a class or id (split on -, _ and camelCase) that name a boilerplate role.
BAD_PARTS = frozenset("""
related teaser teasers newsletter newsletters share shares sharing sharer sharebar social socials
comment comments commentaires promo promos promoted sponsored sponsor recommended recommendations
recirculation outbrain taboola paywall regwall byline bylines caption captions figcaption credit
credits signoff subscribe subscription signup cookie cookies consent gdpr breadcrumb breadcrumbs
advert adverts advertisement ads ad pub publicite tags tagcloud keywords popular trending mostread
readalso readmore lireaussi alireaussi lireegalement seealso morestories relatedposts
relatedarticles yarpp author authors bio disqus
""".split())  # noqa: SIM905 - a word list reads better as text
# Compounds looked for inside the joined class (e.g. "cl-readalso", "a-lire-aussi").
BAD_COMPOUNDS = ("readalso", "alsoread", "lireaussi", "lireegalement", "alire", "seealso",
                 "relatedpost", "relatedarticle", "relatedstor", "morestories", "morereleases",
                 "morenews", "mostread", "mostpopular", "pluslus", "signoff", "sharebar",
                 "sharetools", "sronly", "screenreader", "visuallyhidden")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")

# Tags that never hold article text.
DROP_TAGS = frozenset(("figcaption", "aside", "nav", "dialog", "template", "noscript"))
DROP_ROLES = frozenset(("complementary", "dialog", "alertdialog", "navigation", "banner",
                        "contentinfo"))
BLOCK_TAGS = frozenset(("div", "section", "aside", "ul", "ol", "dl", "table", "p", "blockquote",
                        "figure", "header", "footer", "form", "article", "li", "nav", "details",
                        "fieldset"))
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
LABEL_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "em",
                        "header", "dt", "legend", "label", "summary", "caption"))
INLINE_LABEL_TAGS = frozenset(("span", "strong", "b", "em", "label"))
_WORD = re.compile(r"\w")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def normalize_space(text: str | None) -> str:
    """Whitespace runs as single spaces, none at the ends: ``str.split`` splits on the
    characters the regex ``\\s`` matches, a third of ``re.sub``'s time."""
    return " ".join((text or "").split())


def text_of(el: HtmlElement) -> str:
    """``el.text_content()``, and for an element without children (most of those measured
    here) simply its text: lxml's method runs an XPath evaluation per call, 1.4 against
    0.9 microseconds an element on average over the benchmark's pages."""
    return el.text_content() if len(el) else el.text or ""


def _text(el: HtmlElement) -> str:
    return normalize_space(text_of(el))


_WORDS = sorted(set(BAD_PARTS) | set(BAD_COMPOUNDS))
# any bad token contains one of these substrings: a cheap first test for unique ids
_QUICK_TOKEN = re.compile("|".join(w for w in _WORDS if not any(o != w and o in w for o in _WORDS)))


#: Answers of ``boilerplate_token`` by class or id token. Whole values rarely repeat
#: (utility-class sites combine tokens anew on each element: "card bg-white-3 p-4"), the
#: tokens of a site's templates do. Cleared when full, so memory stays bounded.
_TOKEN_ANSWERS: dict[str, bool] = {}
_TOKEN_ANSWERS_MAX = 1 << 16


def boilerplate_token(value: str) -> bool:
    """True when a class or id value names a boilerplate role (``cl-readalso``, ``shareBar``)."""
    for token in value.split():
        answer = _TOKEN_ANSWERS.get(token)
        if answer is None:
            answer = bool(_QUICK_TOKEN.search(token.lower().replace("-", "").replace("_", ""))) \
                and _bad_class(token)
            if len(_TOKEN_ANSWERS) >= _TOKEN_ANSWERS_MAX:
                _TOKEN_ANSWERS.clear()
            _TOKEN_ANSWERS[token] = answer
        if answer:
            return True
    return False


def _bad_class(cls: str) -> bool:
    parts = [p for p in _SPLIT.split(_CAMEL.sub("-", cls).lower()) if p]
    if any(p in BAD_PARTS for p in parts):
        return True
    joined = "".join(parts)
    return any(c in joined for c in BAD_COMPOUNDS)


def _link_text_len(el: HtmlElement) -> int:
    return sum(len(_text(a)) for a in el.iter("a"))


def _text_container(root: HtmlElement) -> tuple[HtmlElement | None, int]:
    """The element whose direct <p> children hold the most text, and the page's total <p> text.

    Cheap to find (one pass over <p>) and stable across layouts.
    """
    scores: dict[HtmlElement, int] = {}
    total = 0
    for p in root.iter("p"):
        parent = p.getparent()
        n = len(text_of(p).strip())
        total += n
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + n
    return (max(scores, key=scores.get) if scores else None), total


def content_root(root: HtmlElement) -> HtmlElement | None:
    """The smallest block holding the article text: the main <p> container, widened until it
    holds half the page's paragraph text (bodies split over sibling wrappers). None if that
    is the whole page."""
    node, total = _text_container(root)
    while node is not None and node.tag not in ("body", "html"):
        if sum(len(text_of(p).strip()) for p in node.iter("p")) >= 0.5 * total:
            return node
        node = node.getparent()
    return None


class _Guard:
    """Says which elements may go: never the main text container or its ancestors, nor
    anything that holds a large share of the page's text (when the text is not in <p>:
    lists, tables, <br> runs). Text sizes are taken before any removal, and cached."""

    def __init__(self, root: HtmlElement) -> None:
        self.sizes: dict[HtmlElement, int] = {}
        main = _text_container(root)[0]
        self.protected: set[HtmlElement] = {root}
        if main is not None:
            self.protected.add(main)
            self.protected.update(main.iterancestors())
        body = root if root.tag == "body" else root.find("body")
        if body is not None:
            self.protected.add(body)
        self.big = 0.4 * self.size(body if body is not None else root)

    def size(self, el: HtmlElement) -> int:
        n = self.sizes.get(el)
        if n is None:
            n = self.sizes[el] = len(text_of(el))
        return n

    def removable(self, el: HtmlElement) -> bool:
        if el in self.protected or el.getparent() is None:
            return False
        return self.size(el) <= self.big


def _remove(el: HtmlElement) -> None:
    """Drop an element but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _attached(el: HtmlElement, root: HtmlElement) -> bool:
    return el is root or any(anc is root for anc in el.iterancestors())


def _first_in_parent(el: HtmlElement) -> bool:
    """True when nothing visible precedes ``el`` inside its parent."""
    parent = el.getparent()
    if parent is None or (parent.text and parent.text.strip()):
        return False
    for sib in el.itersiblings(preceding=True):
        if not isinstance(sib.tag, str) or sib.tag in ("script", "style"):
            continue
        if _text(sib) or (sib.tail and sib.tail.strip()):
            return False
    return True


def _label_block(label: HtmlElement, guard: _Guard, limit: int = 4000) -> HtmlElement:
    """The block a label introduces: climb while the label opens its container."""
    node = label
    while True:
        parent = node.getparent()
        if parent is None or not guard.removable(parent) or parent.tag in ("body", "html", "main"):
            return node
        if not _first_in_parent(node) or guard.size(parent) > limit:
            return node
        node = parent


def _teaserish(block: HtmlElement) -> bool:
    """Does a block look like a list of links to other stories?

    Either much of its text is link text, or it holds two or more
    headline-sized links (cards with a link and a blurb each).
    """
    text_len = len(_text(block)) or 1
    link_lens = [len(_text(a)) for a in block.iter("a")]
    return sum(link_lens) >= 0.3 * text_len or sum(1 for n in link_lens if n >= 25) >= 2


def _prose(block: HtmlElement) -> bool:
    """Does a block hold running text (three or more real paragraphs)? Then a label at its
    top is a section title of the article, and the block stays."""
    count = 0
    for p in block.iter("p"):
        text = _text(p)
        if len(text) >= 150 and _link_text_len(p) < 0.3 * len(text):
            count += 1
            if count >= 3:
                return True
    return False


def _drop_in_flow(node: HtmlElement, guard: _Guard, strong: bool, contact: bool) -> None:
    """A label in the running text: drop the link lists (or contact lines) after it, then it."""
    removed = 0
    for sib in list(node.itersiblings()):
        if not isinstance(sib.tag, str) or sib.tag in ("script", "style"):
            continue
        if sib.tag in HEADINGS or removed >= 12 or not guard.removable(sib):
            break
        text = _text(sib)
        links = _link_text_len(sib)
        if not text or (links >= 0.5 * len(text)) or (sib.tag in ("ul", "ol") and _teaserish(sib)) \
                or (contact and len(text) < 250):
            _remove(sib)
            removed += 1
            continue
        break
    if strong or removed:
        _remove(node)


def _label_kind(el: HtmlElement, text: str) -> str | None:
    """'strong', 'weak', 'inline' (a whole "Read also: <link>" paragraph) or None."""
    label, teaser, marked = _text_signals(text)
    if label:
        return label
    if el.tag in ("p", "div", "li") and len(text) < 300:
        if teaser and _link_text_len(el) >= 0.4 * len(text):
            return "inline"
        if marked:
            return "inline"
    return None


@lru_cache(maxsize=16384)
def _text_signals(text: str) -> tuple[str | None, bool, bool]:
    """What the label patterns say of a short text: ('strong' | 'weak' | None, opens like a
    teaser line, opens like a contact or tags line). Cached: the short texts of a site's
    templates (menu items, box titles, teaser headlines) come back on every page."""
    label = None
    if len(text) <= 90:
        label = "strong" if STRONG_LABEL_RE.match(text) else \
            "weak" if WEAK_LABEL_RE.match(text) else None
    short = len(text) < 300
    teaser = short and bool(INLINE_TEASER_RE.match(text))
    marked = short and bool(CONTACT_PREFIX_RE.match(text)
                            or (len(text) < 200 and TAGS_PREFIX_RE.match(text)))
    return label, teaser, marked


def _asks_for_email(form: HtmlElement) -> bool:
    return any((i.get("type") or "").lower() == "email" or "mail" in (i.get("name") or "").lower()
               for i in form.iter("input"))


def clean_tree(root: HtmlElement, prune_xpaths: Sequence[str] = ()) -> HtmlElement:
    """Prune boilerplate from a parsed page in place (and return it).

    Runs before trafilatura so that its own heuristics see a cleaner page;
    every removal spares the main text container, its ancestors and any
    element holding a large share of the page's text.
    """
    for xp in prune_xpaths:
        try:
            found = root.xpath(xp)
        except Exception:  # a bad per-source XPath must not kill extraction
            continue
        for el in found:
            if isinstance(el, HtmlElement):
                _remove(el)

    guard = _Guard(root)
    # One walk in document order. An element that names a boilerplate role is removed on
    # the spot and not entered: nothing inside it is read (sidebars, menus and teaser
    # grids are much of a page). What precedes an element in this order is never inside
    # it, so its text is still whole when the guard measures it.
    candidates: list[HtmlElement] = []
    stack = [root]
    pop, push = stack.pop, stack.extend
    while stack:
        el = pop()
        tag = el.tag
        if tag in DROP_TAGS:
            doomed = True
        elif tag.__class__ is not str:  # a comment or processing instruction
            continue
        else:
            get = el.get
            cls, ident, style = get("class"), get("id"), get("style")
            doomed = tag not in ("html", "body") and bool(
                (cls and boilerplate_token(cls)) or (ident and boilerplate_token(ident))
                or get("hidden") is not None or get("aria-hidden") == "true"
                or get("aria-modal") == "true" or get("role") in DROP_ROLES
                or (style and _HIDDEN_STYLE.search(style)))
        if doomed and guard.removable(el):
            _remove(el)
            continue
        children = el[::-1]  # last first, for the stack: one lxml call
        if not doomed and tag in LABEL_TAGS and len(children) <= 3:
            candidates.append(el)
        if children:
            push(children)

    # forms asking for an e-mail address: newsletter boxes, with their pitch around them
    for form in root.iter("form"):
        if not _attached(form, root) or not _asks_for_email(form):
            continue
        node = form
        while True:
            parent = node.getparent()
            if parent is None or not guard.removable(parent) or guard.size(parent) > 600:
                break
            node = parent
        if guard.removable(node):
            _remove(node)

    # blocks announced by a label ("Read also", "Lire aussi :", "Media contact" ...)
    labels: list[tuple[HtmlElement, str, str]] = []
    for el in candidates:
        # inline emphasis opening a sentence ("<b>Comments</b> from the minister ...") is no label
        if el.tag in INLINE_LABEL_TAGS and el.tail and _WORD.search(el.tail):
            continue
        raw = text_of(el)
        if len(raw) > 600:
            continue
        text = raw.strip()
        kind = _label_kind(el, text) if text and len(text) < 300 else None
        if kind:
            labels.append((el, kind, normalize_space(text)))
    for el, kind, text in labels:
        if not _attached(el, root) or not guard.removable(el):
            continue
        if kind == "inline":
            _remove(el)
            continue
        block = _label_block(el, guard)
        if block is not el and (kind == "strong" and not _prose(block) or _teaserish(block)):
            _remove(block)
        else:
            # the label sits in the running text: climb out of inline wrappers only
            top = el
            while top.tag not in BLOCK_TAGS and top.tag not in HEADINGS:
                parent = top.getparent()
                if parent is None or not guard.removable(parent) or _text(parent) != text:
                    break
                top = parent
            if top.tag in BLOCK_TAGS or top.tag in HEADINGS:
                _drop_in_flow(top, guard, kind == "strong", bool(CONTACT_LABEL_RE.match(text)))
    return root


# --------------------------------------------------------------------------
# text level
# --------------------------------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _bio_pattern(authors: Iterable[str]) -> re.Pattern[str] | None:
    """Lines that introduce an author ("About Jane Doe", "Jane Doe is a reporter ...",
    "Jane reports on ...") from the names the page's metadata gives."""
    names: set[str] = set()
    for author in authors:
        for name in re.split(r"\s*(?:,|&|\band\b|\bet\b)\s*", author or ""):
            words = name.split()
            if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
                names.add(re.escape(name))
                names.add(re.escape(words[0]))  # bios often go by the first name
    if not names:
        return None
    who = "|".join(sorted(names, key=len, reverse=True))
    return re.compile(
        rf"^(?:(?:about|à propos de)\s+(?:{who})\W*$|(?:{who})\s+(?:is|was|has|covers|reports|"
        r"writes|joined|est|a rejoint|couvre|écrit)\b)", re.IGNORECASE)


def clean_paragraphs(paragraphs: Iterable[str], title: str | Iterable[str] | None = None,
                     authors: Iterable[str] = ()) -> list[str]:
    """Drop the non-article lines that survive extraction, keep order.

    Text-level rules catch what the HTML pass cannot see, e.g. a teaser line
    built from inline elements trafilatura merged into the body. ``title`` is
    the headline (or its variants: og:title, the h1), dropped from the top
    of the text because it is stored apart; ``authors`` (from the metadata)
    find author bios at the end, whatever their markup.
    """
    bio_re = _bio_pattern(authors)
    paras = [normalize_space(p) for p in paragraphs]
    paras = [p for p in paras if p]
    titles = [title] if isinstance(title, str) else list(title or ())
    keys = {_key(t) for t in titles if t and _key(t)}
    if keys:
        for i in range(min(3, len(paras))):
            if _key(paras[i]) in keys:
                del paras[i]
                break
    # a paywall notice ends the free text (what follows is its call to action), and the
    # sentence cut off before it goes too; a notice above real text only loses its line
    for i, p in enumerate(paras):
        if len(p) < 250 and PAYWALL_RE.search(p):
            rest = paras[i + 1:]
            if i >= 2 and (len(rest) <= 3 or all(len(r) < 300 for r in rest)):
                paras = paras[:i - 1 if paras[i - 1].endswith(("…", "...")) else i]
            else:
                del paras[i]
            break
    out: list[str] = []
    n = len(paras)
    for i, p in enumerate(paras):
        if len(p) <= 90 and (STRONG_LABEL_RE.match(p)
                             or (len(p.split()) <= 3 and WEAK_LABEL_RE.match(p))):
            continue
        if len(p) < 250 and (INLINE_TEASER_RE.match(p) or CONTACT_PREFIX_RE.match(p)) \
                or len(p) < 200 and TAGS_PREFIX_RE.match(p):
            continue
        if len(p) < 300 and i >= n - 3 and CREDIT_RE.match(p):
            continue
        if len(p) < 250 and NEWSLETTER_RE.search(p) and (SUBSCRIBE_RE.search(p)
                                                         or DELIVERY_RE.search(p)):
            continue
        if bio_re and len(p) < 300 and i >= n - 6 and bio_re.match(p):
            continue
        if len(p) < 80 and (i < 2 or i == n - 1) and BYLINE_RE.match(p):
            continue
        out.append(p)
    return out
