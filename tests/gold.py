"""A database shaped like the demo database, with the gold labels as tags.

The projects, Datasette, export, browser and notebook tests need tagged
articles. Crawling and tagging take a minute and depend on the model; the
labels of the bundled sample corpus are the tags a perfect tagger would
write, on the very articles ``dcradar demo`` crawls (same URLs: the demo
serves site N on port 8701 + N). So these tests run in a second, and check
the projects logic against known-right input.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from db.schema import LIST_TAGS, open_db
from db.writes import upsert_article

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "spiders" / "sample_sites" / "labels.jsonl"
SITE_PORTS = {f"dev-{c}": 8701 + i for i, c in enumerate("abcdef")}


def gold_articles() -> list[dict]:
    """One ``articles`` row per labelled page, tags from the labels."""
    rows = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        url = f"http://127.0.0.1:{SITE_PORTS[label['site']]}{label['path']}"
        seen = f"{label['published']}T08:00:00+00:00"
        row = {
            "url": url, "source": label["site"], "fetched_url": url, "title": label["title"],
            "published": label["published"], "language": label["language"],
            "text": label["body"], "word_count": len(label["body"].split()),
            "content_hash": hashlib.sha256(label["body"].encode()).hexdigest(),
            "first_seen": seen, "last_seen": seen,
            "relevant": int(label["relevant"]), "capacity_mw": label["capacity_mw"],
            "investment_usd": label["investment_usd"], "event": label["event"],
        }
        for key in LIST_TAGS:
            row[key] = label[key]
        rows.append(row)
    return rows


def make_gold_db(path: Path) -> Path:
    """Write the gold articles into a new dcradar database at ``path``."""
    db = open_db(path)
    with db.atomic():
        for row in gold_articles():
            upsert_article(db, row)
    db.close()
    return path
