"""A stand-in crawl writer for the data-safety tests.

It stores synthetic pages with their article, tags and mentions through the
crawl's own item pipeline (:class:`pipeline.store.StorePipeline`: one item,
one transaction), as fast as it can, until it is killed or done. Every item
has a known shape, so any snapshot of the database can be checked for
consistency (:func:`problems`): a page and its article, the article's tags
and its MENTIONS mentions are there together or not at all.

Run as a script: ``python tests/hostile/writer.py DB START COUNT [--die-in-transaction]``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: Mentions written with every article (countries x2, operator).
MENTIONS = 3
SITE = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Mention:
    """What ``db.tags.write_tags`` reads of a mention (the tagger's MentionRow shape)."""

    field: str
    value: str
    normalized: str
    confidence: float
    sentence: str


class _Spider:
    sources: dict = {}


def item(i: int) -> dict:
    """Page item ``i``: a ~60 KB body, an article, its tags and mentions."""
    url = f"{SITE}/2025/story-{i}/"
    text = " ".join(f"Paragraph {i}.{k}: the operator said the facility in Morocco and "
                    f"Senegal would add capacity." for k in range(400))
    body = f"<html><body><article><h1>Story {i}</h1><p>{text}</p></article></body></html>"
    tags = {"relevant": True, "operators": [f"Operator {i % 7}"], "investors": [],
            "countries": ["MA", "SN"], "capacity_mw": float(i % 50 + 1), "cities": [],
            "event": "new_build", "investment_usd": None}
    sentence = f"Operator {i % 7} is building in Morocco and Senegal."
    return {
        "url": url, "source": "writer", "final_url": url, "status": 200, "kind": "article",
        "reason": None, "fetched_at": "2025-03-04T09:00:00+00:00",
        "content_type": "text/html", "encoding": "utf-8", "etag": None, "last_modified": None,
        "hops": 1, "lastmod": None, "body": body.encode(),
        "article": {"url": url, "source": "writer", "fetched_url": url, "title": f"Story {i}",
                    "published": "2025-03-04", "language": "en", "author": None, "text": text,
                    "word_count": len(text.split()),
                    "content_hash": hashlib.sha256(text.encode()).hexdigest()},
        "tags": tags,
        "mentions": [Mention("countries", "Morocco", "MA", 0.9, sentence),
                     Mention("countries", "Senegal", "SN", 0.9, sentence),
                     Mention("operators", f"Operator {i % 7}", f"Operator {i % 7}", 0.8,
                             sentence)],
    }


def store(db_path: str | Path, start: int, count: int, *, die_in_transaction: bool = False,
          ready: Path | None = None) -> None:
    """Store items ``start`` .. ``start + count - 1``; optionally SIGKILL inside the last one's
    transaction, after its page and article rows are written and before its tags are."""
    from pipeline.store import StorePipeline

    if die_in_transaction:
        import db.tags
        import pipeline.store

        def killed(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)

        pipeline.store.write_tags = db.tags.write_tags = killed
    pipe = StorePipeline(str(db_path))
    pipe.open_spider(_Spider())
    for i in range(start, start + count):
        pipe.process_item(item(i))
        if ready is not None and i == start:
            ready.touch()
    pipe.close_spider(_Spider())


def problems(db_path: str | Path) -> list[str]:
    """Every way a snapshot breaks the all-or-nothing shape of the writer's items."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        found = []
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            found.append(f"integrity_check: {check}")
        queries = {
            "page without its article": "SELECT count(*) FROM pages WHERE article_url IS NOT "
                                        "NULL AND article_url NOT IN (SELECT url FROM articles)",
            "article without its page": "SELECT count(*) FROM articles WHERE url NOT IN "
                                        "(SELECT article_url FROM pages WHERE article_url "
                                        "IS NOT NULL)",
            "article without its tags": "SELECT count(*) FROM articles WHERE relevant IS NULL",
            f"article without its {MENTIONS} mentions": (
                "SELECT count(*) FROM articles a WHERE (SELECT count(*) FROM mentions m "
                f"WHERE m.article_url = a.url) != {MENTIONS}"),
            "article without its version": "SELECT count(*) FROM articles WHERE url NOT IN "
                                           "(SELECT url FROM article_versions)",
            "mention without its article": "SELECT count(*) FROM mentions WHERE article_url "
                                           "NOT IN (SELECT url FROM articles)",
        }
        for name, sql in queries.items():
            n = conn.execute(sql).fetchone()[0]
            if n:
                found.append(f"{n} {name}")
        return found
    finally:
        conn.close()


if __name__ == "__main__":
    db_arg, start_arg, count_arg, *flags = sys.argv[1:]
    store(db_arg, int(start_arg), int(count_arg),
          die_in_transaction="--die-in-transaction" in flags,
          ready=Path(db_arg + ".ready"))
