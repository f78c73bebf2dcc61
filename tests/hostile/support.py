"""Helpers of the hostile suite: a crawl per case, measured, and the bounds report.

Every case crawls its own scripted loopback site in its own ``dcradar crawl``
process (Scrapy's reactor runs once per process), under the hang guards of
:mod:`hostile.bounds`, and records what it measured: wall seconds and peak
resident MB of the whole crawl process (interpreter, Scrapy and, when tagging
is on, the model included), and the reason stored for the hostile URL.
``hostile/conftest.py`` prints the figures at the end of the run and writes
them to ``tests/artifacts/hostile-bounds.json``.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from conftest import FAST, REPO

from hostile.bounds import Measured, run_bounded

#: What a hostile case may cost at most. Generous: they catch a runaway (a hang, a
#: decompression or expansion bomb), not a slow machine. Measured figures are far lower.
MAX_CASE_SECONDS = 150.0
MAX_CASE_MB = 1200.0
#: Paragraphs of a plausible article (distinct, so none is dropped as a repeat).
PARAS = [f"Update {i}: the operator said the new facility in Lagos, Nigeria would add capacity "
         f"for cloud and enterprise customers in the region, with construction starting next "
         f"year and power supplied from the national grid and on-site solar panels." for i in
         range(6)]
#: Measured bounds per case, for the report: {case: {"seconds", "main_mb", "peak_mb",
#: "reason"}} (MB of the crawl process itself, and of its process tree with workers).
REPORT: dict[str, dict[str, Any]] = {}


def record(case: str, seconds: float, measured: Measured | None, reason: str) -> None:
    """Add a case's figures to the end-of-run report (``measured``: its crawl, if any)."""
    REPORT[case] = {"seconds": round(seconds, 2),
                    "main_mb": round(measured.main_mb, 1) if measured else None,
                    "peak_mb": round(measured.peak_mb, 1) if measured else None,
                    "reason": reason}


@dataclass
class CrawlResult:
    """A finished hostile crawl: its database and what the process cost."""

    db_path: Path
    measured: Measured

    def rows(self, sql: str, *args: Any) -> list[tuple]:
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def page(self, url: str) -> dict[str, Any]:
        """The ``pages`` row of ``url`` (which must have been recorded)."""
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        try:
            row = conn.execute("SELECT * FROM pages WHERE url = ?", [url]).fetchone()
        finally:
            conn.close()
        assert row is not None, f"{url} was not recorded in pages"
        return dict(row)

    def reasons(self) -> dict[str, str | None]:
        return dict(self.rows("SELECT url, reason FROM pages"))


def source(name: str, base: str, **entry: Any) -> dict[str, Any]:
    """A sources-YAML entry on a loopback site (start_urls default to its root)."""
    out = {"name": name, "language": "en", "start_urls": [base + "/"], "feeds": [],
           "sitemaps": []}
    out.update(entry)
    return out


def crawl_case(tmp: Path, sources: list[dict[str, Any]], *settings: str,
               tag: bool = False) -> CrawlResult:
    """Crawl ``sources`` into a fresh database under the hang guards; fail on a crash."""
    sources_file = tmp / "sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": sources}))
    db = tmp / "hostile.db"
    cmd = [sys.executable, "-m", "pipeline.cli", "crawl", "--sources", str(sources_file),
           "--db", str(db), *FAST, "-s", f"DCRADAR_TAG={tag}"]
    for setting in settings:
        cmd += ["-s", setting]
    measured = run_bounded(cmd, cwd=REPO)
    assert not measured.timed_out, f"crawl hung: killed after {measured.seconds:.0f} s"
    assert measured.returncode == 0, f"crawl crashed ({measured.returncode}):\n" \
                                     f"{measured.stderr[-4000:]}"
    assert "Traceback" not in measured.stderr, measured.stderr[-4000:]
    assert measured.seconds < MAX_CASE_SECONDS and measured.peak_mb < MAX_CASE_MB, measured
    return CrawlResult(db, measured)


def loopback_only(*logs: list[tuple[str, int]]) -> None:
    """Nothing in these request logs: the sites they belong to were never contacted."""
    for log in logs:
        assert log == [], f"a site that must not be contacted was: {log[:5]}"


__all__ = ["MAX_CASE_MB", "MAX_CASE_SECONDS", "PARAS", "REPORT", "CrawlResult", "crawl_case",
           "loopback_only", "record", "source"]
