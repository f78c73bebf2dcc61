#!/usr/bin/env python3
"""Write a large news mirror for the benchmarks: N article pages plus listings, feeds, sitemaps.

    python benchmarks/mirror.py OUT --pages N [--seed S] [--corpus DIR]

OUT gets the corpus layout of ``../shared/corpus/FORMAT.md`` (``sites/``,
``sources.yaml``), so ``../shared/corpus/serve.py OUT`` serves it, plus
``articles.jsonl`` (one line per article page: site, path, title,
published, language, words, body). One site per corpus site; every
article page is made from one of that site's labelled pages
(:mod:`mirror_layout`) with new text (:mod:`mirror_text`) and padded to a
size drawn from a log-normal around the ~170 KB mean of real news pages.
Each site has a paginated home listing (20 stories a page, every article on
it), an RSS feed of the newest 50 and a sitemap index of 1,000-URL sitemaps
(every article again), so the crawl finds everything through all three
kinds of entry point, as a real one does. The same N and seed always give
the same bytes. Never write it inside the repository.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mirror_layout import Layout, Padding, human_dates, load_layouts  # noqa: E402
from mirror_text import Article, TextMaker  # noqa: E402

#: The dev corpus (``../shared/corpus/dev``) as the repository bundles it.
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "spiders" / "sample_sites"
#: Page sizes: log-normal with this median and sigma gives a ~170 KB mean (the Zyte
#: benchmark pages: mean 174 KB, median 115 KB), clipped to a plausible range.
SIZE_MEDIAN = 118_000
SIZE_SIGMA = 0.85
SIZE_RANGE = (30_000, 1_200_000)
PER_LISTING = 20
PER_SITEMAP = 1000
FEED_ITEMS = 50
FIRST_DAY, LAST_DAY = date(2019, 1, 1), date(2026, 10, 31)


@dataclass(frozen=True)
class Planned:
    """Where one article goes, decided before any page is written (listings need them all)."""

    index: int
    site: str
    layout: int
    path: str
    day: date
    seed: str


def slugify(text: str, limit: int = 70) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "story"


def article_path(template: str, slug: str, day: date, uid: int) -> str:
    """A path in the style of the template page's own (dates, ids, suffix), unique by ``uid``."""
    trailing = template.endswith("/")
    parts = template.strip("/").split("/")
    last = parts.pop()
    out = []
    for i, part in enumerate(parts):
        if re.fullmatch(r"(19|20)\d\d", part):
            out.append(f"{day.year}")
        elif re.fullmatch(r"\d\d", part) and i and re.fullmatch(r"(19|20)\d\d", parts[i - 1]):
            out.append(f"{day.month:02d}")
        else:
            out.append(part)
    m = re.match(r"^(\d{4}-\d{5}-)?(.*?)(-\d{4}-\d{2}-\d{2}|-\d{4,6})?(\.html)?$", last)
    prefix, _, suffix, ext = m.groups() if m else (None, last, None, None)
    name = slug
    if prefix:
        name = f"{day.day:02d}{day.month:02d}-{uid % 100000:05d}-{name}"
    if suffix and suffix.count("-") == 3:
        name = f"{name}-{uid}-{day.isoformat()}"
    else:
        name = f"{name}-{uid}"
    name += ext or ""
    path = "/" + "/".join([*out, name])
    return path + "/" if trailing and not ext else path


def page_size(rng: random.Random) -> int:
    size = math.exp(rng.gauss(math.log(SIZE_MEDIAN), SIZE_SIGMA))
    return int(min(max(size, SIZE_RANGE[0]), SIZE_RANGE[1]))


class MirrorWriter:
    """Plans and writes one mirror."""

    def __init__(self, out: Path, pages: int, seed: int = 0, corpus: Path = DEFAULT_CORPUS):
        self.out = out
        self.seed = seed
        lines = (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        labels = [json.loads(line) for line in lines if line.strip()]
        self.text = TextMaker(labels)
        self.layouts = load_layouts(corpus, labels)
        self.sites = sorted(self.layouts)
        self.names = {site: f"mirror-{site.split('-')[-1]}" for site in self.sites}
        self.padding = {site: Padding(site, self.layouts[site][0].language)
                        for site in self.sites}
        self.plan = self._plan(pages)
        self.by_site: dict[str, list[Planned]] = {site: [] for site in self.sites}
        for planned in self.plan:
            self.by_site[planned.site].append(planned)
        for items in self.by_site.values():
            items.sort(key=lambda p: (p.day, p.index), reverse=True)  # newest first

    def _plan(self, pages: int) -> list[Planned]:
        """Site, layout, date and path of every article; headlines kept for listings."""
        rng = random.Random(f"plan-{self.seed}")
        span = (LAST_DAY - FIRST_DAY).days
        plan = []
        self.headlines: dict[int, tuple[str, str]] = {}
        for i in range(pages):
            site = self.sites[i % len(self.sites)]
            k = rng.randrange(len(self.layouts[site]))
            day = FIRST_DAY + timedelta(days=rng.randrange(span))
            seed = f"{self.seed}-{i}"
            art = self._article(site, k, seed)
            self.headlines[i] = (art.title, art.summary)
            path = article_path(self.layouts[site][k].path, slugify(art.title), day, 10000 + i)
            plan.append(Planned(i, site, k, path, day, seed))
        return plan

    def _article(self, site: str, layout: int, seed: str) -> Article:
        return self.text.article(random.Random(seed), self.layouts[site][layout].language)

    def article(self, planned: Planned) -> Article:
        """The text of a planned article (the same every time)."""
        return self._article(planned.site, planned.layout, planned.seed)

    def write(self) -> dict[str, int]:
        """Write every file; returns counts and bytes."""
        stats = {"articles": 0, "listings": 0, "feeds": 0, "sitemaps": 0, "article_bytes": 0}
        self.out.mkdir(parents=True, exist_ok=True)
        with (self.out / "articles.jsonl").open("w", encoding="utf-8") as labels:
            for planned in self.plan:
                art = self.article(planned)
                html_text = self._article_page(planned, art)
                self._write(planned.site, planned.path, html_text)
                stats["articles"] += 1
                stats["article_bytes"] += len(html_text.encode("utf-8"))
                labels.write(json.dumps({
                    "site": self.names[planned.site], "path": planned.path, "title": art.title,
                    "published": planned.day.isoformat(), "language": art.language,
                    "words": len(art.body.split()), "body": art.body}, ensure_ascii=False) + "\n")
        for site in self.sites:
            stats["listings"] += self._listings(site)
            stats["feeds"] += self._feed(site)
            stats["sitemaps"] += self._sitemaps(site)
            self._write(site, "/robots.txt",
                        "User-agent: *\nDisallow: /search/\nSitemap: {{BASE}}/sitemap.xml\n")
        self._sources()
        return stats

    # -- pages -----------------------------------------------------------------

    def _write(self, site: str, path: str, text: str) -> None:
        rel = path.lstrip("/")
        target = self.out / "sites" / self.names[site] / rel
        if path.endswith("/"):
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def _links(self, rng: random.Random, site: str) -> list[str]:
        """Menu and footer targets: the listing pages near the top, as real menus point."""
        count = self._listing_count(site)
        return ["/"] + [f"/page/{n}/" for n in rng.sample(range(2, max(3, count + 1)),
                                                          min(8, max(0, count - 1)))]

    def _cards(self, rng: random.Random, site: str, exclude: int) -> list[tuple[str, str, str]]:
        items = self.by_site[site]
        picks = [items[rng.randrange(len(items))] for _ in range(24)]
        return [(p.path, *self.headlines[p.index]) for p in picks if p.index != exclude]

    def _fill(self, layout: Layout, rng: random.Random, site: str, values: dict[str, str],
              exclude: int) -> str:
        links = self._links(rng, site)
        bare = layout.render(values, links)
        budget = page_size(rng) - len(bare.encode("utf-8"))
        values.update(self.padding[site].blocks(rng, budget, links,
                                                self._cards(rng, site, exclude)))
        return layout.render(values, links)

    def _article_page(self, planned: Planned, art: Article) -> str:
        layout = self.layouts[planned.site][planned.layout]
        rng = random.Random(f"page-{planned.seed}")
        body = "\n".join(f"<{tag}>{escape(text)}</{tag}>" for tag, text in art.blocks)
        values = {"@@PATH@@": planned.path, "@@TITLE@@": escape(art.title, {'"': "&quot;"}),
                  "@@DESC@@": escape(art.summary, {'"': "&quot;"}),
                  "@@DATE@@": planned.day.isoformat(), "@@BODY@@": body,
                  "@@OGTYPE@@": "article", **human_dates(planned.day)}
        values["@@LD@@"] = layout.article_jsonld({**values, "@@TITLE@@": art.title,
                                                  "@@DESC@@": art.summary})
        return self._fill(layout, rng, planned.site, values, planned.index)

    def _listing_count(self, site: str) -> int:
        return max(1, math.ceil(len(self.by_site[site]) / PER_LISTING))

    def _listings(self, site: str) -> int:
        items = self.by_site[site]
        count = self._listing_count(site)
        layout = self.layouts[site][0]
        heading = "Latest news" if layout.language == "en" else "Dernières actualités"
        for n in range(1, count + 1):
            rng = random.Random(f"listing-{self.seed}-{site}-{n}")
            chunk = items[(n - 1) * PER_LISTING: n * PER_LISTING]
            path = "/" if n == 1 else f"/page/{n}/"
            teasers = []
            for p in chunk:
                title, summary = self.headlines[p.index]
                teasers.append(
                    f'<article class="post-teaser"><h2 class="entry-title"><a href="{p.path}">'
                    f"{escape(title)}</a></h2><time datetime=\"{p.day.isoformat()}\">"
                    f"{p.day.isoformat()}</time><p>{escape(summary)}</p></article>")
            pager = '<nav class="pagination" aria-label="Pagination">' + (
                f'<a class="prev page-numbers" href="{"/" if n == 2 else f"/page/{n - 1}/"}">'
                "Previous</a>" if n > 1 else "") + (
                f'<a class="next page-numbers" rel="next" href="/page/{n + 1}/">Next</a>'
                if n < count else "") + "</nav>"
            title = f"{heading} – {n}" if n > 1 else heading
            newest = chunk[0].day if chunk else LAST_DAY
            values = {"@@PATH@@": path, "@@TITLE@@": escape(title), "@@DESC@@": escape(title),
                      "@@DATE@@": newest.isoformat(), "@@OGTYPE@@": "website",
                      "@@BODY@@": "".join(teasers) + pager, **human_dates(newest),
                      "@@LD@@": '<script type="application/ld+json">{"@context": '
                                '"https://schema.org", "@type": "CollectionPage", "name": '
                                f"{json.dumps(title, ensure_ascii=False)}}}</script>"}
            self._write(site, path, self._fill(layout, rng, site, values, -1))
        return count

    def _feed(self, site: str) -> int:
        entries = []
        for p in self.by_site[site][:FEED_ITEMS]:
            title, summary = self.headlines[p.index]
            when = format_datetime(datetime(p.day.year, p.day.month, p.day.day, 8, tzinfo=UTC))
            entries.append(f"<item><title>{escape(title)}</title><link>{{{{BASE}}}}{p.path}"
                           f"</link><guid>{{{{BASE}}}}{p.path}</guid><pubDate>{when}</pubDate>"
                           f"<description>{escape(summary)}</description></item>")
        self._write(site, "/feed.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<rss version='
                    '"2.0"><channel><title>' + self.names[site] + "</title><link>{{BASE}}/"
                    "</link><description>Latest stories</description>" + "".join(entries)
                    + "</channel></rss>\n")
        return 1

    def _sitemaps(self, site: str) -> int:
        items = sorted(self.by_site[site], key=lambda p: p.index)
        parts = []
        for k in range(0, len(items), PER_SITEMAP):
            urls = "".join(f"<url><loc>{{{{BASE}}}}{p.path}</loc><lastmod>{p.day.isoformat()}"
                           "</lastmod></url>" for p in items[k:k + PER_SITEMAP])
            name = f"/sitemaps/posts-{k // PER_SITEMAP + 1}.xml"
            self._write(site, name, '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                        '"http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + "</urlset>\n")
            parts.append(f"<sitemap><loc>{{{{BASE}}}}{name}</loc></sitemap>")
        self._write(site, "/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    + "".join(parts) + "</sitemapindex>\n")
        return len(parts) + 1

    def _sources(self) -> None:
        sources = []
        for site in self.sites:
            articles = len(self.by_site[site])
            listings = self._listing_count(site)
            sitemaps = math.ceil(articles / PER_SITEMAP) + 1
            sources.append({
                "name": self.names[site], "language": self.layouts[site][0].language,
                "start_urls": ["{{BASE}}/"], "feeds": ["{{BASE}}/feed.xml"],
                "sitemaps": ["{{BASE}}/sitemap.xml"],
                # Room for every page of the site (and some slack): the bounds are for traps.
                "max_pages": int((articles + listings + sitemaps + 10) * 1.2),
                "max_listing_pages": listings + 1,
            })
        (self.out / "sources.yaml").write_text(
            yaml.safe_dump({"sources": sources}, sort_keys=False, allow_unicode=True))


def build_mirror(out: Path, pages: int, seed: int = 0,
                 corpus: Path = DEFAULT_CORPUS) -> dict[str, int]:
    """Write a mirror of ``pages`` article pages to ``out``; returns what was written."""
    return MirrorWriter(out, pages, seed, corpus).write()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    stats = build_mirror(args.out, args.pages, args.seed, args.corpus)
    mean = stats["article_bytes"] / max(1, stats["articles"])
    print(f"{stats['articles']} articles (mean {mean / 1000:.0f} KB), {stats['listings']} "
          f"listings, {stats['feeds']} feeds, {stats['sitemaps']} sitemaps in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
