"""Helpers for the nightly-crawl tests: a corpus server on any folder, Redis, DB snapshots."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import FAST, REPO, SAMPLES

from db.schema import TAG_COLUMNS
from spiders.urls import normalize_url

#: The reason of a redirect left unfollowed because its target has a row of its own.
CRAWLED_TARGET = "redirect-to-crawled: "

PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CorpusServer:
    """``serve.py`` on a corpus folder (a temp copy when a test edits files), with a log."""

    def __init__(self, corpus: Path, tmp: Path):
        self.sources = tmp / "sources.yaml"
        self.log = tmp / "requests.jsonl"
        self.proc = subprocess.Popen(
            [PY, str(SAMPLES / "serve.py"), str(corpus), "--sources-out", str(self.sources),
             "--log", str(self.log)], stdout=subprocess.PIPE, text=True)
        sites = [p for p in (corpus / "sites").iterdir() if p.is_dir()]
        self.bases = dict(self.proc.stdout.readline().split() for _ in sites)

    def requests(self, since: int = 0) -> list[dict]:
        if not self.log.exists():
            return []
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines[since:] if line]

    def count(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


def copy_corpus(dest: Path) -> Path:
    """A private copy of the bundled corpus that a test may edit."""
    shutil.copytree(SAMPLES, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def crawl_cmd(sources: Path, db: Path, *extra: str, command: str = "crawl") -> list[str]:
    return [PY, "-m", "pipeline.cli", command, "--sources", str(sources), "--db", str(db),
            *FAST, *extra]


def fold_redirects(rows) -> tuple[set[tuple], set[tuple[str, str]]]:
    """``pages`` rows ``(url, final_url, reason, *rest)`` as what does not depend on timing:
    pages ``(final URL, reason, *rest)`` and redirects ``(url, final URL)``.

    Which of two URLs that lead to one page is reached first is up to timing. A answers
    301 to B, and B is also linked: reached first, A is followed to B and the page is
    recorded under A; reached second, B has a row of its own and A a
    "redirect-to-crawled: B" row (spiders/redirects.py). Either way that is the
    redirect (A, B) and B's page.
    """
    pages, redirects = set(), set()
    for url, final_url, reason, *rest in rows:
        if reason and reason.startswith(CRAWLED_TARGET):
            redirects.add((url, reason.removeprefix(CRAWLED_TARGET)))
            continue
        final = normalize_url(final_url) if final_url else url
        if final != url:
            redirects.add((url, final))
        pages.add((final, reason, *rest))
    return pages, redirects


def port_free(tables: dict[str, set], bases: dict[str, str]) -> dict[str, set]:
    """Rows of each table with every site's base URL (its loopback port) replaced by the
    site's name, so that crawls served on different ports compare equal."""
    def neutral(value):
        if isinstance(value, str):
            for site, base in bases.items():
                value = value.replace(base, site)
        return value

    return {name: {tuple(neutral(v) for v in row) for row in rows}
            for name, rows in tables.items()}


def snapshot(db: Path) -> dict[str, set]:
    """What "the same database" means in issue 5: articles by URL, title, published date,
    text hash and tags; pages by URL, status and reason, redirects (:func:`fold_redirects`).
    """
    conn = sqlite3.connect(db)
    tags = ", ".join(TAG_COLUMNS)
    articles = set(conn.execute(f"SELECT url, title, published, content_hash, {tags} "
                                "FROM articles"))
    pages, redirects = fold_redirects(conn.execute(
        "SELECT url, final_url, reason, status FROM pages"))
    conn.close()
    return {"articles": articles, "pages": pages, "redirects": redirects}


def query(db: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll ``predicate`` until true; the timeout only guards against a hang."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


__all__ = ["REPO", "CorpusServer", "copy_corpus", "crawl_cmd", "fold_redirects", "free_port",
           "port_free", "query", "snapshot", "wait_for"]
