"""Re-tag stored articles after a model change, without re-crawling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from classifier.tagger import Tagger
from db.schema import open_db
from db.tags import refresh_organization_counts, write_tags

BATCH = 200


def retag(db_path: str | Path, tagger: Tagger | None = None,
          progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Tag every article again; returns the number re-tagged.

    Each batch is one transaction: an interruption leaves every article with
    either its old tags or its new ones, never half of each.
    """
    tagger = tagger or Tagger()
    db = open_db(db_path)
    urls = [r[0] for r in db.execute("SELECT url FROM articles ORDER BY url").fetchall()]
    done = 0
    for at in range(0, len(urls), BATCH):
        chunk = urls[at:at + BATCH]
        marks = ",".join("?" * len(chunk))
        rows = db.execute("SELECT url, title, text, language FROM articles "
                          f"WHERE url IN ({marks})", chunk).fetchall()
        results = tagger.tag_many([(text or "", title or "", language)
                                   for _, title, text, language in rows])
        with db.atomic():
            for (url, *_), (tags, mentions) in zip(rows, results, strict=True):
                write_tags(db, url, tags, mentions)
        done += len(rows)
        progress(done, len(urls))
    refresh_organization_counts(db)
    return done
