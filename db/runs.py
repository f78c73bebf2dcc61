"""Crawl runs: what each night's crawl did, per source, and the state that makes it resumable.

A data engineer who runs dcradar every night needs to see, in Datasette, how
each run went (requests, responses by status class, bytes, articles new /
updated / unchanged, errors) and to be told when a source breaks. The same
records make a crawl resumable: a page stored in run R carries ``run_id = R``
in ``pages``, so a re-run of an interrupted run R knows which pages it already
completed and replays them from the stored HTML instead of fetching them again.

Tables (all created by :func:`ensure_run_schema`, which ``db.schema`` calls):

``runs``
    one row per run (crawl, scale-out crawl, nightly): state ``running`` /
    ``interrupted`` / ``finished``, finish reason, how many segments it took
    (a resumed run has more than one), and the nightly verdict.
``crawl_runs``
    one row per run and source with the counters listed in :data:`COUNTERS`
    and the ``flags`` raised for that source (JSON list).
``article_versions``
    the history of every article's text: a row per distinct content hash,
    written by triggers on ``articles`` in the same transaction as the article.

Columns added to ``pages``: ``run_id`` (the last run that completed the page),
``checked_at`` (last time the server was asked, or the page found unchanged)
and ``check_result`` (``fetched``, ``not-modified``, ``same-bytes``, ``lastmod``).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

#: Per run and source counters of ``crawl_runs``, and what each one counts.
COUNTERS: dict[str, str] = {
    "requests": "HTTP requests sent (retries included; pages replayed from storage not)",
    "responses_2xx": "responses with a 2xx status",
    "responses_3xx": "responses with a 3xx status (304 included)",
    "responses_4xx": "responses with a 4xx status",
    "responses_5xx": "responses with a 5xx status (a retried 503 counts each time)",
    "not_modified": "304 answers to our conditional requests",
    "bytes": "response body bytes received",
    "pages": "URLs completed (one per pages row touched in the run)",
    "unchanged": "pages found unchanged (304, same bytes, sitemap lastmod), not re-processed",
    "errors": "URLs that ended in an HTTP error (>= 400) or no response (robots.txt refusals "
              "excepted)",
    "exceptions": "exceptions raised by a spider callback or an item pipeline stage",
    "reprocessed": "article pages that went through extraction (new or changed bytes)",
    "articles_new": "articles stored for the first time",
    "articles_updated": "articles whose text changed (a new row in article_versions)",
    "articles_unchanged": "articles seen again with the same text",
    "over_budget": "links not followed because the source's max_pages budget was spent",
}

#: Share of a source's completed URLs that may be errors before the source is flagged.
MAX_ERROR_SHARE = 0.5

RUNS = {
    "run_id": str, "kind": str, "started_at": str, "finished_at": str, "state": str,
    "finish_reason": str, "sources_key": str, "segments": int, "pid": int, "host": str,
    "verdict": str, "problems": str,
}
CRAWL_RUNS = {
    "run_id": str, "source": str, "started_at": str, "finished_at": str,
    **{name: int for name in COUNTERS}, "flags": str,
}
PAGE_COLUMNS = {"run_id": str, "checked_at": str, "check_result": str}

_VERSION_COLUMNS = "url, version, content_hash, title, published, word_count, text, seen_at"
_VERSION_VALUES = ("new.url, (SELECT count(*) + 1 FROM article_versions v WHERE v.url = new.url), "
                   "new.content_hash, new.title, new.published, new.word_count, new.text, "
                   "coalesce(new.last_seen, new.first_seen)")
_TRIGGERS = {
    "article_versions_insert": (
        "CREATE TRIGGER IF NOT EXISTS article_versions_insert AFTER INSERT ON articles "
        f"BEGIN INSERT INTO article_versions ({_VERSION_COLUMNS}) "
        f"VALUES ({_VERSION_VALUES}); END"),
    "article_versions_update": (
        "CREATE TRIGGER IF NOT EXISTS article_versions_update "
        "AFTER UPDATE OF content_hash ON articles "
        "WHEN old.content_hash IS NOT new.content_hash "
        f"BEGIN INSERT INTO article_versions ({_VERSION_COLUMNS}) "
        f"VALUES ({_VERSION_VALUES}); END"),
}


def now_iso() -> str:
    """The current UTC time as stored everywhere in dcradar (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def ensure_run_schema(db: sqlite_utils.Database) -> None:
    """Create the run tables, the ``pages`` columns and the history triggers (idempotent).

    Called by :func:`db.schema.ensure_schema` inside its transaction, after
    ``pages`` and ``articles`` exist.
    """
    if not db["runs"].exists():
        db["runs"].create(RUNS, pk="run_id")
    if not db["crawl_runs"].exists():
        db["crawl_runs"].create(CRAWL_RUNS, pk=("run_id", "source"), defaults={
            name: 0 for name in COUNTERS})
    else:
        missing = {c: t for c, t in CRAWL_RUNS.items()
                   if c not in db["crawl_runs"].columns_dict}
        for column, kind in missing.items():
            db["crawl_runs"].add_column(column, kind, not_null_default=0 if kind is int else None)
    pages = db["pages"].columns_dict
    for column, kind in PAGE_COLUMNS.items():
        if column not in pages:
            db["pages"].add_column(column, kind)
    db["pages"].create_index(["run_id"], if_not_exists=True)
    if not db["article_versions"].exists():
        db["article_versions"].create({
            "id": int, "url": str, "version": int, "content_hash": str, "title": str,
            "published": str, "word_count": int, "text": str, "seen_at": str,
        }, pk="id")
        db["article_versions"].create_index(["url", "version"], unique=True)
        # Articles stored before history existed get their current text as version 1.
        db.execute(f"INSERT INTO article_versions ({_VERSION_COLUMNS}) "
                   "SELECT url, 1, content_hash, title, published, word_count, text, "
                   "coalesce(last_seen, first_seen) FROM articles")
    for sql in _TRIGGERS.values():
        db.execute(sql)


# -- runs -------------------------------------------------------------------


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunBusyError(RuntimeError):
    """Another live crawl owns the unfinished run this crawl would resume."""


def start_run(db: sqlite_utils.Database, *, kind: str, sources_key: str,
              resume: bool = True) -> tuple[str, bool]:
    """Open a run: resume the last unfinished one for the same sources, or start a new one.

    Returns ``(run_id, resumed)``. An unfinished run is one that was killed
    (state still ``running``, its process gone) or stopped early (state
    ``interrupted``, e.g. SIGTERM). Resuming it keeps its id, so pages it
    already completed are not fetched again. With ``resume=False`` the
    unfinished run is marked ``abandoned`` and a new one starts.
    """
    host, pid, now = socket.gethostname(), os.getpid(), now_iso()
    with db.atomic():
        row = db.execute(
            "SELECT run_id, state, pid, host FROM runs WHERE kind = ? AND sources_key = ? "
            "AND state IN ('running', 'interrupted') ORDER BY started_at DESC LIMIT 1",
            [kind, sources_key]).fetchone()
        if row is not None:
            run_id, state, old_pid, old_host = row
            if state == "running" and old_host == host and old_pid != pid \
                    and _pid_alive(old_pid):
                raise RunBusyError(f"run {run_id} is still being crawled by process {old_pid}")
            if resume:
                db.execute("UPDATE runs SET state = 'running', pid = ?, host = ?, "
                           "segments = coalesce(segments, 1) + 1, finished_at = NULL, "
                           "finish_reason = NULL WHERE run_id = ?", [pid, host, run_id])
                return run_id, True
            db.execute("UPDATE runs SET state = 'abandoned' WHERE run_id = ?", [run_id])
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)
        db["runs"].insert({"run_id": run_id, "kind": kind, "started_at": now, "state": "running",
                           "sources_key": sources_key, "segments": 1, "pid": pid, "host": host})
    return run_id, False


def ensure_run(db: sqlite_utils.Database, run_id: str, *, kind: str) -> None:
    """Make sure a run row exists (the scale-out writer learns run ids from items)."""
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO runs (run_id, kind, started_at, state, segments, pid, "
                   "host) VALUES (?, ?, ?, 'running', 1, ?, ?)",
                   [run_id, kind, now_iso(), os.getpid(), socket.gethostname()])


def add_counts(db: sqlite_utils.Database, run_id: str, source: str,
               counts: Mapping[str, int]) -> None:
    """Add ``counts`` to the run's row for ``source`` (created on first use)."""
    counts = {k: int(v) for k, v in counts.items() if k in COUNTERS and v}
    db.execute("INSERT OR IGNORE INTO crawl_runs (run_id, source, started_at) VALUES (?, ?, ?)",
               [run_id, source, now_iso()])
    if counts:
        sets = ", ".join(f"[{k}] = coalesce([{k}], 0) + :{k}" for k in counts)
        db.execute(f"UPDATE crawl_runs SET {sets} WHERE run_id = :run_id AND source = :source",
                   {**counts, "run_id": run_id, "source": source})


def source_flags(db: sqlite_utils.Database, run_id: str,
                 max_error_share: float = MAX_ERROR_SHARE) -> dict[str, list[str]]:
    """The flags of each source of a run (the failure rule README states).

    * ``raised``: a spider callback or pipeline stage raised for the source;
    * ``mostly-errors``: more than ``max_error_share`` of the URLs it completed
      ended in an HTTP error or no response (robots.txt refusals not counted);
    * ``no-articles``: it yielded articles (new, updated or unchanged) in the
      last finished run that crawled it, and none in this one.
    """
    rows = db.execute("SELECT source, exceptions, errors, pages, articles_new, "
                      "articles_updated, articles_unchanged, started_at FROM crawl_runs "
                      "WHERE run_id = ?", [run_id]).fetchall()
    started = db.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
    flags: dict[str, list[str]] = {}
    for source, exceptions, errors, pages, new, updated, unchanged, _ in rows:
        found = []
        if exceptions:
            found.append("raised")
        if pages and errors / pages > max_error_share:
            found.append("mostly-errors")
        if not (new or updated or unchanged):
            before = db.execute(
                "SELECT c.articles_new + c.articles_updated + c.articles_unchanged "
                "FROM crawl_runs c JOIN runs r ON r.run_id = c.run_id "
                "WHERE c.source = ? AND r.state = 'finished' AND r.run_id != ? "
                "AND r.started_at <= ? ORDER BY r.started_at DESC LIMIT 1",
                [source, run_id, started[0] if started else now_iso()]).fetchone()
            if before and before[0]:
                found.append("no-articles")
        flags[source] = found
    return flags


def finish_run(db: sqlite_utils.Database, run_id: str, finish_reason: str,
               max_error_share: float = MAX_ERROR_SHARE) -> dict[str, list[str]]:
    """Close a run segment: state ``finished`` or ``interrupted``; returns the source flags.

    Only a crawl that ended by itself (``finished``) finishes its run; any
    other reason (SIGTERM's ``shutdown``, a close-spider limit) leaves it
    ``interrupted``, so the next crawl of the same sources resumes it.
    """
    state = "finished" if finish_reason == "finished" else "interrupted"
    now = now_iso()
    with db.atomic():
        flags = source_flags(db, run_id, max_error_share)
        for source, found in flags.items():
            db.execute("UPDATE crawl_runs SET finished_at = ?, flags = ? "
                       "WHERE run_id = ? AND source = ?",
                       [now, json.dumps(found), run_id, source])
        db.execute("UPDATE runs SET state = ?, finish_reason = ?, finished_at = ? "
                   "WHERE run_id = ?", [state, finish_reason, now, run_id])
    return flags


def set_verdict(db: sqlite_utils.Database, run_id: str, verdict: str,
                problems: list[str]) -> None:
    """Record the nightly verdict (``ok`` or ``failed``) and the reasons for it."""
    with db.atomic():
        db.execute("UPDATE runs SET verdict = ?, problems = ? WHERE run_id = ?",
                   [verdict, json.dumps(problems), run_id])


def run_summary(db: sqlite_utils.Database, run_id: str) -> list[dict[str, Any]]:
    """The ``crawl_runs`` rows of a run, flags decoded, ordered by source."""
    out = []
    for row in db.query("SELECT * FROM crawl_runs WHERE run_id = ? ORDER BY source", [run_id]):
        row["flags"] = json.loads(row["flags"]) if row.get("flags") else []
        out.append(row)
    return out


# -- pages ------------------------------------------------------------------


#: Item key the store sets when it wrote the run's ledger columns with the page:
#: the run that had completed the page before (None: none).
RUN_BEFORE = "run_before"


def page_run(db: sqlite_utils.Database, url: str) -> str | None:
    """The run that last completed page ``url``, or None."""
    row = db.execute("SELECT run_id FROM pages WHERE url = ?", [url]).fetchone()
    return row[0] if row else None


def mark_page(db: sqlite_utils.Database, url: str, run_id: str, *, result: str,
              checked_at: str, updates: Mapping[str, Any] | None = None) -> str | None:
    """Record that run ``run_id`` completed page ``url``; returns the run that had it before.

    ``updates`` are further ``pages`` columns to set (validators and
    ``fetched_at`` of a page re-downloaded with the same bytes).
    """
    before = page_run(db, url)
    values = {"run_id": run_id, "checked_at": checked_at, "check_result": result,
              **(updates or {})}
    sets = ", ".join(f"[{k}] = :{k}" for k in values)
    db.execute(f"UPDATE pages SET {sets} WHERE url = :url", {**values, "url": url})
    return before
