"""Run the news spider in-process with the project's settings."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import click
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


class CrawlError(click.ClickException):
    """The spider never ran: Scrapy logged why (an extension, a middleware or a pipeline
    that failed to load or open) and returned as if the crawl had ended."""


def run_crawl(sources: str | Path | None, db_path: str | Path, *, only: str | None = None,
              overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl every source into ``db_path``; returns the crawl's Scrapy stats.

    The Twisted reactor cannot restart, so this runs once per process. Raises
    :class:`CrawlError` when the spider never ran: Scrapy only logs a component
    that fails to start, and a scheduled crawl must not exit 0 then.
    """
    # The garbage collector went through every object of the process (Scrapy, Twisted,
    # lxml ...) in each full collection, and ran a young collection every 700
    # allocations: 10 % of the crawl process's CPU on the 1k benchmark. What is loaded
    # now lives as long as the process (frozen: never traversed again), and young
    # collections run every 20,000 allocations: 0.87 -> 0.17 s of GC there, same peak RSS.
    gc.freeze()
    gc.set_threshold(20_000)
    process = CrawlerProcess(crawl_settings(db_path, overrides))
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=str(sources) if sources else None, only=only)
    process.start()
    # Twisted logs a failure nobody handled when its Deferred is collected: now, not
    # after the exit code is decided (a component that failed to load says why here).
    gc.collect()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    if "finish_reason" not in stats:  # set when the spider closes, by any way it closes
        raise CrawlError("the crawl never ran: the spider failed to start (see the error "
                         "logged above)")
    return stats
