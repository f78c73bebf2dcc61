"""Projects: one row per data-centre project, merged across every article that reports it.

Why a table of projects: business development follows *projects* (who builds
what, where, how big, how far along), not articles; five articles about
Teraco's Isando campus are one lead, not five.

The rule (the issue's default, kept because it gives ids a CRM can rely on):

* a project is one **operator x country x city** (the city may be unknown);
  its id is a hash of the normalised operator, country and city, so a rebuild,
  a re-crawl or a re-tag gives the same id and a CRM re-import updates rows
  instead of adding them. Splitting projects further by capacity or date
  (JB4, JB5, JB7 on one campus) would make the id move whenever a figure is
  corrected or a phase grows, which is worse for a CRM than one row per campus;
* every relevant article contributes to each pair of (one of its operators,
  one of its places); a place is a city resolved through the offline
  gazetteer (``classifier.places``; a city in one of the article's countries
  is preferred) or, for a country with no city named, the country alone;
* investors named in the article attach to all its operators' projects
  reported in that article (the tags do not say which operator an investor
  backs, and in practice they back the operator or its joint venture);
* an article's capacity and investment go to its projects only when the
  article reports exactly one place: "40 MW across Morocco and Senegal" is a
  programme total that cannot be split, and copying it to both would double
  the pipeline. Over a project's articles the **largest** figure is kept, not
  the sum: successive articles mostly restate the same facility or a grown
  total (Vantage's new-build and opening articles both say 80 MW);
* ``stage`` is read from the article text (:mod:`db.project_stage`);
  ``event`` is the latest article's; dates are the first and last
  ``published`` dates (falling back on the day the article was first seen);
  ``first_seen`` is when this database first saw any of the articles (what
  "newly reported" means for the Atom feed);
* articles without an operator or without a country make no project: a lead
  without either is not actionable. They stay in ``articles``.

Operator and investor names are normalised (case, accents, punctuation,
corporate suffixes, a trailing "Data Centres"/"Datacenters"), and mapped
through the ``organizations`` alias table when the tagger has written one;
one organisation named in French and in English is one (:mod:`db.bilingual_names`);
the display name is the canonical name, else the most frequent spelling.

:func:`build_projects` recomputes everything from the tags (deterministic:
same tags, same rows, same order) and replaces ``projects`` and
``project_articles`` in ONE transaction, so an interrupted rebuild (an
exception, SIGTERM, SIGKILL) leaves the previous tables as they were, and
Datasette reading in WAL mode sees the old rows until the commit. The rows
are computed in memory before the transaction opens (thousands of rows, not
millions) and written with DELETE + INSERT rather than by renaming a
staging table, because a rename would orphan the full-text triggers and
break the views that read ``projects``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlite_utils

from classifier import places
from db.bilingual_names import bilingual_keys, is_translated
from db.project_stage import StageReading, article_stage, fold, project_stage
from db.schema import open_db

logger = logging.getLogger(__name__)

#: ``projects`` columns in order (the CSV/CRM column order) with their SQLite types.
PROJECT_COLUMNS: dict[str, str] = {
    "project_id": "TEXT",
    "name": "TEXT",
    "operator": "TEXT",
    "investors": "TEXT",
    "country": "TEXT",
    "country_name": "TEXT",
    "city": "TEXT",
    "capacity_mw": "REAL",
    "investment_usd": "REAL",
    "stage": "TEXT",
    "event": "TEXT",
    "first_reported": "TEXT",
    "last_reported": "TEXT",
    "n_articles": "INTEGER",
    "n_sources": "INTEGER",
    "source_urls": "TEXT",
    "sources": "TEXT",
    "latest_title": "TEXT",
    "stage_evidence": "TEXT",
    "year": "INTEGER",
    "first_seen": "TEXT",
    "latitude": "REAL",
    "longitude": "REAL",
    "location_precision": "TEXT",
    "recency": "INTEGER",
}
#: Columns holding JSON lists (Datasette's CSV shows the JSON text; JSONL gives arrays).
PROJECT_LIST_COLUMNS = ("investors", "source_urls", "sources")
LINK_COLUMNS: dict[str, str] = {
    "project_id": "TEXT",
    "article_url": "TEXT",
    "published": "TEXT",
    "source": "TEXT",
    "title": "TEXT",
    "stage": "TEXT",
    "stage_evidence": "TEXT",
    "event": "TEXT",
    "investors": "TEXT",
    "capacity_mw": "REAL",
    "investment_usd": "REAL",
}
PROJECT_FTS_COLUMNS = ["name", "operator", "investors", "city", "country_name", "latest_title"]
ARTICLE_FTS_COLUMNS = ["title", "text"]

_LEGAL_SUFFIXES = {
    "ltd", "limited", "plc", "inc", "incorporated", "llc", "sa", "sas", "sarl", "spa", "ag",
    "gmbh", "corp", "co", "pty", "bv", "nv", "ab", "as", "srl", "lda", "suarl",
}
_GENERIC_TAILS = (("data", "centres"), ("data", "centers"), ("data", "centre"),
                  ("data", "center"), ("datacenters",), ("datacentres",), ("datacenter",),
                  ("datacentre",))

ORGANIZATION_ROLES_VIEW = """
WITH roles AS (
  SELECT p.operator AS organization, 'operator' AS role, pa.project_id, pa.article_url
  FROM project_articles pa JOIN projects p ON p.project_id = pa.project_id
  UNION
  SELECT i.value, 'investor', pa.project_id, pa.article_url
  FROM project_articles pa, json_each(pa.investors) i
), counts AS (
  SELECT r.organization, r.role, p.country, p.country_name,
         count(DISTINCT r.project_id) AS projects, count(DISTINCT r.article_url) AS articles
  FROM roles r JOIN projects p ON p.project_id = r.project_id
  GROUP BY r.organization, r.role, p.country
), sizes AS (
  SELECT d.organization, d.role, p.country, sum(p.capacity_mw) AS capacity_mw,
         min(p.first_reported) AS first_reported, max(p.last_reported) AS last_reported
  FROM (SELECT DISTINCT organization, role, project_id FROM roles) d
  JOIN projects p ON p.project_id = d.project_id
  GROUP BY d.organization, d.role, p.country
)
SELECT c.organization, c.role, c.country, c.country_name, c.projects, c.articles,
       s.capacity_mw, s.first_reported, s.last_reported
FROM counts c JOIN sizes s
  ON s.organization = c.organization AND s.role = c.role AND s.country = c.country
ORDER BY c.projects DESC, c.organization, c.role, c.country
""".strip()


# ---------------------------------------------------------------------------- names and ids


@lru_cache(maxsize=65536)  # a rebuild asks it for each link of each project, from few names
def name_key(name: str) -> str:
    """The form two spellings of one organisation share ("N+ONE Datacenters" -> "n+one").

    Case, accents, punctuation and corporate suffixes go, and a trailing
    "Data Centres"/"Datacenters" unless nothing else is left.
    """
    tokens = re.findall(r"[a-z0-9+]+", fold(name or "").replace("&", " and "))
    while tokens and tokens[-1] in _LEGAL_SUFFIXES and len(tokens) > 1:
        tokens.pop()
    for tail in _GENERIC_TAILS:
        if len(tokens) > len(tail) and tuple(tokens[-len(tail):]) == tail:
            tokens = tokens[:-len(tail)]
            break
    return " ".join(tokens)


@lru_cache(maxsize=65536)
def _place_key(city: str | None) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(city or "")))


def project_id(operator: str, country: str, city: str | None) -> str:
    """Stable id of the project of ``operator`` in ``city`` (or nowhere known), ``country``.

    The same operator spelled differently, the city with or without accents,
    give the same id: it is a hash of the normalised parts.
    """
    raw = "\x1f".join((name_key(operator), (country or "").upper(), _place_key(city)))
    return "dcr-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _json_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v not in (None, "")]
    if not value:
        return []
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in data if v not in (None, "")] if isinstance(data, list) else []


#: ``json.dumps`` with any option builds a new encoder per call; a rebuild calls this
#: five times per project (34,522 times at 5k articles).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _dumps(values: list[str]) -> str:
    return _ENCODE(values)


def organization_aliases(db: sqlite_utils.Database) -> dict[str, str]:
    """``name_key(alias) -> canonical name`` from the tagger's ``organizations`` table, if any.

    Read defensively (a name column and an optional JSON ``aliases`` column), so
    the projects build does not depend on the exact shape of that table.
    """
    if "organizations" not in db.table_names():
        return {}
    columns = db["organizations"].columns_dict
    name_col = next((c for c in ("canonical_name", "canonical", "name") if c in columns), None)
    if name_col is None:
        return {}
    alias_col = next((c for c in ("aliases", "alias_list") if c in columns), None)
    out: dict[str, str] = {}
    select = f"[{name_col}]" + (f", [{alias_col}]" if alias_col else "")
    for row in db.execute(f"SELECT {select} FROM organizations ORDER BY 1").fetchall():
        canonical = row[0]
        if not canonical:
            continue
        for alias in [canonical, *(_json_list(row[1]) if alias_col else [])]:
            out.setdefault(name_key(alias), canonical)
    return out


# ---------------------------------------------------------------------------- places


@dataclass(frozen=True, order=True)
class Place:
    """Where a project is: an ISO country and, when known, a city."""

    country: str
    city: str | None = None


def article_places(countries: Iterable[str], cities: Iterable[str]) -> list[Place]:
    """The places one article reports: its cities with their countries, then bare countries.

    A city resolves through the gazetteer, preferring a place in one of the
    article's countries (Lagos, NG, not Lagos, PT). A city the gazetteer does
    not know is kept when the article names exactly one country (it must be
    there) and dropped otherwise (we cannot tell where it is).
    """
    codes = [c.strip().upper() for c in countries if c and c.strip()]
    out: list[Place] = []
    for name in cities:
        if not name or not name.strip():
            continue
        found = places.cities_named(name)
        chosen = next((c for c in found if c.country in codes), found[0] if found else None)
        if chosen is not None:
            out.append(Place(chosen.country, chosen.name))
        elif len(codes) == 1:
            out.append(Place(codes[0], name.strip()))
    covered = {p.country for p in out}
    out += [Place(code) for code in codes if code not in covered]
    return list(dict.fromkeys(out))


def place_coordinates(place: Place) -> tuple[float | None, float | None, str | None]:
    """(lat, lon, precision) for the map: the city's, else the country's centroid."""
    if place.city:
        found = places.coordinates(place.city, place.country)
        if found:
            return found[0], found[1], "city"
    centroid = places.country_centroid(place.country)
    if centroid:
        return centroid[0], centroid[1], "country"
    return None, None, None


# ---------------------------------------------------------------------------- assembly


@dataclass
class _Contribution:
    url: str
    published: str
    first_seen: str
    source: str
    title: str
    event: str | None
    investors: list[str]
    capacity_mw: float | None
    investment_usd: float | None
    reading: StageReading

    @property
    def order(self) -> tuple[str, str, str]:
        return (self.published, self.first_seen, self.url)


@dataclass
class _Project:
    operator_key: str
    place: Place
    contributions: list[_Contribution] = field(default_factory=list)


@dataclass
class BuildResult:
    """What a rebuild did, for the CLI and the nightly log."""

    articles: int = 0
    projects: int = 0
    links: int = 0
    skipped_no_operator: int = 0
    skipped_no_place: int = 0

    def summary(self) -> str:
        return (f"{self.projects} projects from {self.articles} relevant articles "
                f"({self.links} article links; skipped {self.skipped_no_operator} without "
                f"an operator, {self.skipped_no_place} without a country)")


def _day(row: dict[str, Any]) -> str:
    return (row.get("published") or (row.get("first_seen") or "")[:10] or "")[:10]


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _display_names(spellings: dict[str, Counter], aliases: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, counts in spellings.items():
        canonical = aliases.get(key)
        if canonical:
            out[key] = canonical
        else:  # most frequent spelling; ties: English, the longer (more informative), A-Z
            out[key] = min(counts.items(), key=lambda kv: (-kv[1], is_translated(kv[0]),
                                                           -len(kv[0]), kv[0]))[0]
    return out


def assemble(articles: Iterable[dict[str, Any]], aliases: dict[str, str] | None = None
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], BuildResult]:
    """Project rows and project-article link rows from tagged article rows (pure function).

    ``articles`` are ``articles`` table rows (list columns as JSON text or
    lists); only relevant ones count. Output order is deterministic.
    """
    aliases = aliases or {}
    relevant = [(row, _json_list(row.get("operators")), _json_list(row.get("investors")))
                for row in sorted(articles, key=lambda r: r.get("url") or "")
                if row.get("relevant")]
    joined = _bilingual_keys(aliases, (name for _, operators, investors in relevant
                                       for name in (*operators, *investors)))
    result = BuildResult()
    projects: dict[str, _Project] = {}
    spellings: dict[str, Counter] = defaultdict(Counter)

    def resolve(name: str) -> tuple[str, str]:
        """A name as the aliases spell it, and its key once French and English are joined."""
        canonical = aliases.get(name_key(name), name)
        key = name_key(canonical)
        return canonical, joined.get(key, key)

    for row, operators, investors in relevant:
        result.articles += 1
        places_ = article_places(_json_list(row.get("countries")), _json_list(row.get("cities")))
        if not operators:
            result.skipped_no_operator += 1
            continue
        if not places_:
            result.skipped_no_place += 1
            continue
        investor_keys = []
        for name in investors:
            canonical, key = resolve(name)
            if key:
                spellings[key][canonical] += 1
                investor_keys.append(key)
        single = len(places_) == 1
        city_terms = {p.city for p in places_ if p.city}
        # One reading per focus: a place with a city reads the same for each operator of
        # the article (the city is the focus), and over half the calls were repeats.
        readings: dict[tuple[tuple[str, ...], tuple[str, ...]], StageReading] = {}
        seen_operators: set[str] = set()
        for raw in dict.fromkeys(operators):
            canonical, op_key = resolve(raw)
            # Two spellings of one operator in an article ("Onix Data Centers", "Onix Data
            # Centre Group") are one operator: one contribution, one project-article link.
            if not op_key or op_key in seen_operators:
                continue
            seen_operators.add(op_key)
            spellings[op_key][canonical] += 1
            for place in places_:
                focus = (place.city,) if place.city else (raw, canonical)
                others = tuple(sorted(city_terms - {place.city}))
                reading = readings.get((focus, others))
                if reading is None:
                    reading = readings[focus, others] = article_stage(
                        row.get("title"), row.get("text"), focus, others)
                pid = project_id(op_key, place.country, place.city)
                project = projects.setdefault(pid, _Project(op_key, place))
                project.contributions.append(_Contribution(
                    url=row["url"], published=_day(row), first_seen=row.get("first_seen") or "",
                    source=row.get("source") or "", title=row.get("title") or "",
                    event=row.get("event") or None,
                    investors=list(dict.fromkeys(investor_keys)),
                    capacity_mw=_number(row.get("capacity_mw")) if single else None,
                    investment_usd=_number(row.get("investment_usd")) if single else None,
                    reading=reading))
    names = _display_names(spellings, aliases)
    rows, links = [], []
    for pid, project in projects.items():
        rows.append(_project_row(pid, project, names))
        for c in sorted(project.contributions, key=lambda c: c.order):
            links.append({
                "project_id": pid, "article_url": c.url, "published": c.published,
                "source": c.source, "title": c.title, "stage": c.reading.stage,
                "stage_evidence": c.reading.evidence, "event": c.event,
                "investors": _dumps(sorted({names[k] for k in c.investors})),
                "capacity_mw": c.capacity_mw, "investment_usd": c.investment_usd,
            })
    # Newest first (last reported, then first seen); ties by id. Two stable sorts.
    rows.sort(key=lambda r: r["project_id"])
    rows.sort(key=lambda r: (r["last_reported"], r["first_seen"] or ""), reverse=True)
    for rank, row in enumerate(rows, start=1):
        row["recency"] = rank
    links.sort(key=lambda r: (r["project_id"], r["published"], r["article_url"]))
    result.projects, result.links = len(rows), len(links)
    return rows, links, result


def _bilingual_keys(aliases: dict[str, str], names: Iterable[str]) -> dict[str, str]:
    """One name key for each organisation of ``names`` named in both French and English
    (:mod:`db.bilingual_names`), after the ``aliases``."""
    return bilingual_keys(sorted({aliases.get(name_key(n), n) for n in names}), name_key)


def _project_row(pid: str, project: _Project, names: dict[str, str]) -> dict[str, Any]:
    contribs = sorted(project.contributions, key=lambda c: c.order)
    latest = contribs[-1]
    operator = names[project.operator_key]
    place = project.place
    country_name = places.country_name(place.country) or place.country
    lat, lon, precision = place_coordinates(place)
    capacities = [c.capacity_mw for c in contribs if c.capacity_mw is not None]
    investments = [c.investment_usd for c in contribs if c.investment_usd is not None]
    stage = project_stage([(c.order, c.reading) for c in contribs])
    days = [c.published for c in contribs if c.published]
    investors = sorted({names[k] for c in contribs for k in c.investors})
    urls = list(dict.fromkeys(c.url for c in reversed(contribs)))  # newest first
    sources = sorted({c.source for c in contribs if c.source})
    first_reported = min(days) if days else ""
    return {
        "project_id": pid,
        "name": f"{operator} – {place.city or country_name}"
                + (f" ({country_name})" if place.city else ""),
        "operator": operator,
        "investors": _dumps(investors),
        "country": place.country,
        "country_name": country_name,
        "city": place.city,
        "capacity_mw": max(capacities) if capacities else None,
        "investment_usd": max(investments) if investments else None,
        "stage": stage.stage,
        "event": latest.event,
        "first_reported": first_reported,
        "last_reported": max(days) if days else "",
        "n_articles": len(urls),
        "n_sources": len(sources),
        "source_urls": _dumps(urls),
        "sources": _dumps(sources),
        "latest_title": latest.title,
        "stage_evidence": stage.evidence,
        "year": int(first_reported[:4]) if first_reported[:4].isdigit() else None,
        "first_seen": min((c.first_seen for c in contribs if c.first_seen), default=None),
        "latitude": lat,
        "longitude": lon,
        "location_precision": precision,
        "recency": 0,
    }


# ---------------------------------------------------------------------------- storage


def _create_sql(name: str, columns: dict[str, str], pk: str) -> str:
    cols = ",\n  ".join(f"[{c}] {t}" for c, t in columns.items())
    return f"CREATE TABLE [{name}] (\n  {cols},\n  PRIMARY KEY ({pk})\n)"


def _ensure_tables(db: sqlite_utils.Database) -> None:
    """Create ``projects`` and ``project_articles``; recreate them (empty) if columns changed."""
    wanted = {"projects": (PROJECT_COLUMNS, "[project_id]"),
              "project_articles": (LINK_COLUMNS, "[project_id], [article_url]")}
    stale = [name for name, (cols, _) in wanted.items()
             if db[name].exists() and list(db[name].columns_dict) != list(cols)]
    missing = [name for name in wanted if not db[name].exists()]
    if not stale and not missing:
        return
    with db.atomic():
        if stale:
            db.execute("DROP VIEW IF EXISTS organization_roles")
            for name in stale:
                if db[f"{name}_fts"].exists():
                    db.execute(f"DROP TABLE [{name}_fts]")
                db.execute(f"DROP TABLE [{name}]")
        for name in stale + missing:
            cols, pk = wanted[name]
            db.execute(_create_sql(name, cols, pk))
        for column in ("country", "operator", "stage", "last_reported", "first_seen", "recency"):
            db.execute(f"CREATE INDEX IF NOT EXISTS idx_projects_{column} ON projects([{column}])")
        db.execute("CREATE INDEX IF NOT EXISTS idx_project_articles_url "
                   "ON project_articles([article_url])")


def ensure_views(db: sqlite_utils.Database) -> None:
    """Create (or update) the ``organization_roles`` view: counts by organisation, role, country.

    Not named ``organizations``: that is the tagger's table of canonical
    names and aliases.
    """
    current = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND "
                         "name = 'organization_roles'").fetchone()
    wanted = f"CREATE VIEW organization_roles AS\n{ORGANIZATION_ROLES_VIEW}"
    if current and current[0] == wanted:
        return
    with db.atomic():
        db.execute("DROP VIEW IF EXISTS organization_roles")
        db.execute(wanted)


def _needs_fts(db: sqlite_utils.Database, table: str, columns: list[str]) -> bool:
    """Whether ``table`` lacks its full-text index on ``columns`` or a trigger that keeps it."""
    if not db[table].exists():
        return False
    fts = db[table].detect_fts()
    triggers = {t.name for t in db[table].triggers}
    return not (fts and list(db[fts].columns_dict) == columns
                and {f"{table}_ai", f"{table}_ad", f"{table}_au"} <= triggers)


def _ensure_fts(db: sqlite_utils.Database, table: str, columns: list[str]) -> None:
    if not db[table].exists():
        return
    if _needs_fts(db, table, columns):
        # enable_fts runs executescript, which commits: never call this inside a transaction.
        db[table].enable_fts(columns, create_triggers=True, replace=bool(db[table].detect_fts()))
    _narrow_update_trigger(db, table, columns)


def _narrow_update_trigger(db: sqlite_utils.Database, table: str, columns: list[str]) -> None:
    """Re-index a row only when an indexed column is written, not on any update.

    sqlite-utils' trigger fires ``AFTER UPDATE ON`` the table: every tag update
    (a crawl's tagging, ``dcradar retag``) deleted and re-inserted the whole
    article text in the index. ``AFTER UPDATE OF title, text`` fires for the
    updates that write those columns, which are the only ones that change the
    index.
    """
    name = f"{table}_au"
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                     [name]).fetchone()
    wide = f'AFTER UPDATE ON "{table}"'
    if not row or wide not in row[0]:
        return
    narrow = "AFTER UPDATE OF " + ", ".join(f'"{c}"' for c in columns) + f' ON "{table}"'
    with db.atomic():
        db.execute(f'DROP TRIGGER "{name}"')
        db.execute(row[0].replace(wide, narrow, 1))


def ensure_search(db: sqlite_utils.Database) -> None:
    """Full-text search (FTS5, kept in sync by triggers) on articles and projects; idempotent."""
    _ensure_fts(db, "articles", ARTICLE_FTS_COLUMNS)
    _ensure_fts(db, "projects", PROJECT_FTS_COLUMNS)


def _database_file(db: sqlite_utils.Database) -> str | None:
    """The file of ``db``'s main database; None when it has none (in memory, temporary)."""
    for _, name, path in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return path or None
    return None


def _index_articles_alongside(db: sqlite_utils.Database) -> Callable[[], None]:
    """Start building the articles' full-text index in a thread; returns a function that
    waits for it to end.

    After a first crawl the index does not exist yet, and its first build was
    3.3 s of the 9 s projects rebuild that ends the 20k benchmark's crawl (issue
    6), with the second core idle. It is SQLite's own C code, which releases
    the GIL, so on a connection of its own it runs beside :func:`assemble`'s
    Python. Nothing is started when there is nothing to build, no file to open
    a second connection on, or a transaction open on ``db`` (the thread would
    wait for its lock). A build that fails here is left to :func:`ensure_search`,
    which then builds the index itself and raises what it raises.
    """
    path = _database_file(db)
    if path is None or db.conn.in_transaction or \
            not _needs_fts(db, "articles", ARTICLE_FTS_COLUMNS):
        return lambda: None

    def build() -> None:
        other = open_db(path)  # the settings of every dcradar connection (lock wait, WAL)
        try:
            _ensure_fts(other, "articles", ARTICLE_FTS_COLUMNS)
        except Exception:  # ensure_search builds it again, and reports what stays wrong
            logger.warning("building the articles' search index beside the rebuild failed",
                           exc_info=True)
        finally:
            other.close()

    thread = threading.Thread(target=build, name="articles-fts", daemon=True)
    thread.start()
    return thread.join


def _relevant_articles(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    yield from db.query(
        "SELECT url, source, title, text, published, first_seen, relevant, operators, "
        "investors, countries, cities, capacity_mw, investment_usd, event FROM articles "
        "WHERE relevant = 1 OR relevant = 'true' ORDER BY url")


def _drop_index_triggers(db: sqlite_utils.Database, table: str) -> tuple[str | None, list[str]]:
    """Drop the triggers that keep ``table``'s full-text index in step; the index's name
    (None without one) and the triggers' SQL.

    When every row is replaced, one rebuild of the index (:func:`_reindex`) is
    half the work of a trigger per row, each deleted row's text tokenized
    again to take it out (2.8 -> 1.4 s of CPU for 16,000 projects).
    """
    fts = db[table].detect_fts()
    if not fts:
        return None, []
    found = [(name, sql) for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
        [table]).fetchall() if fts in sql]
    for name, _ in found:
        db.execute(f"DROP TRIGGER [{name}]")
    return fts, [sql for _, sql in found]


def _reindex(db: sqlite_utils.Database, fts: str | None, triggers: list[str]) -> None:
    """Rebuild the full-text index ``fts`` from its table's rows, then restore its triggers."""
    if not fts or not triggers:
        return
    db.execute(f"INSERT INTO [{fts}] ([{fts}]) VALUES ('rebuild')")
    for sql in triggers:
        db.execute(sql)


def _write(db: sqlite_utils.Database, rows: list[dict], links: list[dict]) -> None:
    for table, columns, data in (("projects", PROJECT_COLUMNS, rows),
                                 ("project_articles", LINK_COLUMNS, links)):
        names = ", ".join(f"[{c}]" for c in columns)
        marks = ", ".join(f":{c}" for c in columns)
        db.conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", data)


def build_projects(db: sqlite_utils.Database) -> BuildResult:
    """Rebuild ``projects`` and ``project_articles`` from the article tags, atomically."""
    indexed = _index_articles_alongside(db)
    try:
        rows, links, result = assemble(_relevant_articles(db), organization_aliases(db))
    finally:
        indexed()  # it holds the write lock until it ends
    _ensure_tables(db)
    with db.atomic():
        fts, triggers = _drop_index_triggers(db, "projects")
        db.execute("DELETE FROM project_articles")
        db.execute("DELETE FROM projects")
        _write(db, rows, links)
        _reindex(db, fts, triggers)
    ensure_views(db)
    ensure_search(db)
    return result


def ensure_projects(db: sqlite_utils.Database) -> BuildResult | None:
    """Build the projects if they are missing or from an older schema, else leave them.

    For ``dcradar serve`` and the notebook on a database that never had a
    rebuild (or was written by an older dcradar); returns None when nothing
    needed building.
    """
    current = all(db[name].exists() and list(db[name].columns_dict) == list(cols)
                  for name, cols in (("projects", PROJECT_COLUMNS),
                                     ("project_articles", LINK_COLUMNS)))
    if not current:
        return build_projects(db)
    ensure_views(db)
    ensure_search(db)
    return None


def build_projects_step(db_path: str, run_id: str) -> None:
    """After-crawl step for ``dcradar nightly`` (``AFTER_CRAWL_STEPS``)."""
    db = open_db(db_path)
    try:
        result = build_projects(db)
    finally:
        db.close()
    logger.info("run %s: %s", run_id, result.summary())
