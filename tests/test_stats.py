"""spiders/stats.py: the crawl's stats collector."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import load_object

from pipeline.crawl import crawl_settings
from spiders.stats import CrawlStats


def _crawler() -> SimpleNamespace:
    settings = crawl_settings("unused.db")
    return SimpleNamespace(settings=settings, spider=SimpleNamespace(name="news"))


def test_the_crawl_uses_it():
    assert load_object(crawl_settings("unused.db").get("STATS_CLASS")) is CrawlStats


def test_methods_are_scrapys_own_without_the_deprecation_wrapper():
    """Scrapy's collector hands out a wrapper of each method (``functools.wraps``, so
    ``__wrapped__``); ours the plain bound method, the cost this module saves."""
    assert hasattr(MemoryStatsCollector(_crawler()).inc_value, "__wrapped__")
    stats = CrawlStats(_crawler())
    assert not hasattr(stats.inc_value, "__wrapped__")
    assert stats.inc_value.__func__ is MemoryStatsCollector.inc_value


def test_counts_as_scrapys_collector_does():
    stats = CrawlStats(_crawler())
    stats.inc_value("pages")
    stats.inc_value("pages", 2)
    stats.inc_value("cpu", 0.5, start=1.0)
    stats.max_value("depth", 3)
    stats.max_value("depth", 1)
    stats.min_value("first", 5)
    stats.min_value("first", 2)
    stats.set_value("reason", "finished")
    assert stats.get_stats() == {"pages": 3, "cpu": 1.5, "depth": 3, "first": 2,
                                 "reason": "finished"}
    assert stats.get_value("missing", "default") == "default"
    stats.close_spider(reason="finished")
    assert stats.spider_stats["news"]["pages"] == 3


def test_a_missing_attribute_still_raises():
    with pytest.raises(AttributeError):
        CrawlStats(_crawler()).no_such_attribute  # noqa: B018
