"""A Scrapy stats collector that also writes the final stats to a JSON file.

    dcradar crawl ... -s STATS_CLASS=benchmarks.statsfile.JsonFileStatsCollector \
                      -s DCRADAR_STATS_FILE=stats.json

``benchmarks/run.py`` reads the CPU split of the stages from it
(``dcradar/cpu_s/*``, see ``pipeline/cputime.py``); the crawl itself is the
unchanged ``dcradar crawl``. Run from the repository root, so that
``benchmarks`` is importable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spiders.stats import CrawlStats


class JsonFileStatsCollector(CrawlStats):
    """The crawl's stats (:mod:`spiders.stats`), persisted to ``DCRADAR_STATS_FILE`` when
    the spider closes."""

    def _persist_stats(self, stats: dict[str, Any]) -> None:
        super()._persist_stats(stats)
        target = self._crawler.settings.get("DCRADAR_STATS_FILE")
        if target:
            Path(target).write_text(json.dumps(stats, default=str, indent=1, sort_keys=True))
