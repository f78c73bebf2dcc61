"""Re-tag stored articles after a model change, without re-crawling."""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.pool import StagePool, start_fork_server, tag_texts, worker_count

if TYPE_CHECKING:
    from sqlite_utils import Database

    # scikit-learn takes seconds to import: only where the model runs
    from classifier.tagger import Tagger

BATCH = 200
#: Articles per task when tagging in worker processes: small enough to share out evenly.
POOL_BATCH = 50


def start_workers_early(db_path: str | Path, workers: int | None = None) -> None:
    """Start the fork server of :func:`retag`'s workers now, if it will have workers.

    As ``dcradar crawl`` does: the server loads the model (0.6 s before the first
    batch) on the core this process leaves idle while it imports sqlite-utils and
    the projects code for :func:`retag` (0.3 s), which is why those are imported
    there and not here. Workers are used with more than one of them and more
    articles than one batch; the articles are counted with the standard library.
    """
    workers = worker_count({"DCRADAR_WORKERS": workers})
    if not _pooled(workers, BATCH + 1):  # no workers, whatever the count
        return
    try:
        uri = Path(db_path).resolve().as_uri() + "?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return  # retag itself says what is wrong with the file
    if _pooled(workers, articles):
        start_fork_server(load_tagger=True, load_extractor=False)


def _pooled(workers: int, articles: int) -> bool:
    """Whether :func:`retag` tags in worker processes: with more than one, and more
    articles than it tags in one batch in this process."""
    return workers > 1 and articles > BATCH


def retag(db_path: str | Path, tagger: Tagger | None = None,
          progress: Callable[[int, int], None] = lambda done, total: None,
          workers: int | None = None,
          projects: Callable[[str], None] = lambda summary: None) -> int:
    """Tag every article again; returns the number re-tagged.

    The new tags are computed first, batch by batch (the slow part, nothing
    written), then written in ONE transaction with the organisation counts.
    An interrupted retag (an exception, SIGTERM, SIGKILL, a full disk) thus
    leaves every article with its previous tags and mentions, and Datasette,
    reading in WAL mode, sees the previous tags until the commit. Holding the
    results costs a few KB per article, and the write lock is held only for
    the writes, not for the tagging. An article whose tags come out as they
    were when its text was read keeps its row as it is (rewriting it would
    rewrite its text too); its mentions are replaced like every other's.

    The projects are built from the tags, so when any article's tags changed
    they are rebuilt in the same transaction: an export of leads after a
    retag lists what the new model found, and an interrupted retag leaves
    tags and projects as they were. When none changed, the projects stand
    (they are only built if missing). ``projects`` receives the rebuild's
    one-line summary.

    Without a ``tagger`` of the caller's, batches are tagged in ``workers``
    processes at once (default: one per CPU; 0 or 1: in this process), each
    with the model loaded once.
    """
    from db.projects import build_projects, ensure_projects
    from db.schema import TAG_COLUMNS, open_db
    from db.tags import refresh_organization_counts, write_tags_many

    workers = 0 if tagger is not None else worker_count({"DCRADAR_WORKERS": workers})
    db = open_db(db_path)
    try:
        urls = [r[0] for r in db.execute("SELECT url FROM articles ORDER BY url").fetchall()]
        pooled = _pooled(workers, len(urls))
        size = POOL_BATCH if pooled else BATCH
        batches = [urls[at:at + size] for at in range(0, len(urls), size)]
        tag = _pool_tagging(workers) if pooled else _inline_tagging(tagger)
        results, stored = [], {}
        for rows, tagged in tag(_read(db, batch) for batch in batches):
            results.extend((url, tags, mentions)
                           for (url, *_), (tags, mentions) in zip(rows, tagged, strict=True))
            stored.update((row[0], dict(zip(TAG_COLUMNS, row[4:], strict=True))) for row in rows)
            progress(len(results), len(urls))
        with db.atomic():
            # Rows whose tags come out as they were read are left as they are.
            changed = write_tags_many(db, results, stored)
            refresh_organization_counts(db)
            built = build_projects(db) if changed else ensure_projects(db)
        if built is not None:
            projects(built.summary())
    finally:
        db.close()
    return len(results)


#: url, title, text, language, then the stored TAG_COLUMNS
Rows = list[tuple[Any, ...]]
Tagged = list[tuple[dict, list]]


def _read(db: Database, urls: list[str]) -> Rows:
    from db.schema import TAG_COLUMNS

    marks = ",".join("?" * len(urls))
    tags = ", ".join(f"[{c}]" for c in TAG_COLUMNS)
    return db.execute(f"SELECT url, title, text, language, {tags} FROM articles "
                      f"WHERE url IN ({marks})", urls).fetchall()


def _items(rows: Rows) -> list[tuple[str, str, str | None]]:
    return [(row[2] or "", row[1] or "", row[3]) for row in rows]


def _inline_tagging(tagger: Tagger | None
                    ) -> Callable[[Iterable[Rows]], Iterator[tuple[Rows, Tagged]]]:
    if tagger is None:
        from classifier.tagger import Tagger

        tagger = Tagger()

    def tag(batches: Iterable[Rows]) -> Iterator[tuple[Rows, Tagged]]:
        for rows in batches:
            yield rows, tagger.tag_many(_items(rows))
    return tag


def _pool_tagging(workers: int) -> Callable[[Iterable[Rows]], Iterator[tuple[Rows, Tagged]]]:
    """Batches tagged in worker processes, a few in flight, results in order."""
    def tag(batches: Iterable[Rows]) -> Iterator[tuple[Rows, Tagged]]:
        pool = StagePool(workers, load_extractor=False)
        pool.warm_up()  # every worker loads the model now, while the first rows are read
        pending: deque[tuple[Rows, Future]] = deque()
        try:
            for rows in batches:
                pending.append((rows, pool.submit(tag_texts, _items(rows))))
                if len(pending) > 2 * workers:
                    yield _collect(*pending.popleft())
            while pending:
                yield _collect(*pending.popleft())
        finally:
            pool.shutdown()
    return tag


def _collect(rows: Rows, future: Future) -> tuple[Rows, Tagged]:
    done = future.result()
    if done["status"] == "no-model":
        from classifier.plain import ModelError

        raise ModelError(done["error"])
    if done["status"] != "ok":
        raise RuntimeError(f"tagging failed in a worker process:\n{done['error']}")
    return rows, done["results"]
