"""Run the news spider in-process with the project's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from spiders.news import NewsSpider


def crawl_settings(db_path: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    """The Scrapy settings of ``spiders.settings`` with the database path and overrides."""
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.set("DCRADAR_DB", str(db_path), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(sources: str | Path | None, db_path: str | Path, *, only: str | None = None,
              overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl every source into ``db_path``; returns the crawl's Scrapy stats.

    The Twisted reactor cannot restart, so this runs once per process.
    """
    process = CrawlerProcess(crawl_settings(db_path, overrides), install_root_handler=True)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=str(sources) if sources else None, only=only)
    process.start()
    return dict(crawler.stats.get_stats()) if crawler.stats else {}
