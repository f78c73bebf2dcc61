"""spiders/settings.py: what a crawl loads before its first request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Scrapy resolves every component its settings name, as here, when the crawler starts.
_LOAD_COMPONENTS = """
import sys
from pipeline.crawl import crawl_settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

settings = crawl_settings("unused.db")
for name in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES"):
    for path in build_component_list(settings.get_component_priority_dict_with_base(name)):
        load_object(path)
print(" ".join(sorted(m for m in ("aiohttp", "tldextract", "scrapy_redis", "redis",
                                  "twisted.conch", "trafilatura") if m in sys.modules)))
print(settings.getbool("TELNETCONSOLE_ENABLED"), settings.getbool("REMOTE_CONTROL_ENABLED"),
      settings.getbool("COOKIES_ENABLED"))
"""


def test_a_crawl_loads_no_component_it_leaves_off():
    """Off components are not even imported (aiohttp alone is 0.1 s of every start-up);
    scale-out (scrapy-redis) and extraction (trafilatura, in the workers) are not loaded
    by a plain crawl process either."""
    out = subprocess.run([sys.executable, "-c", _LOAD_COMPONENTS], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parent.parent, check=True)
    loaded, switches = out.stdout.splitlines()
    assert loaded == ""
    assert switches == "False False False"


# A spider that only reports the loop it runs on, with the crawl's settings otherwise
# (its components left out: they expect the news spider and a database).
_LOOP = """
import asyncio
import sys

import scrapy
from scrapy.crawler import CrawlerProcess

if sys.argv[1] == "without-uvloop":
    sys.modules["uvloop"] = None  # what an import finds where uvloop is not installed

from pipeline.crawl import crawl_settings


class Probe(scrapy.Spider):
    name = "probe"

    async def start(self):
        loop = asyncio.get_running_loop()
        print(type(loop).__module__, type(loop).__name__)
        return
        yield


settings = crawl_settings("unused.db")
for name in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES"):
    settings.set(name, {}, priority="cmdline")
print(settings.get("ASYNCIO_EVENT_LOOP"))
process = CrawlerProcess(settings)
process.crawl(Probe)
process.start()
"""


def _loop_of_a_crawl(variant: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _LOOP, variant], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.splitlines()


def test_the_crawl_runs_on_uvloop():
    assert _loop_of_a_crawl("as-installed") == ["uvloop.Loop", "uvloop Loop"]


def test_without_uvloop_the_crawl_runs_on_asyncios_loop():
    setting, loop = _loop_of_a_crawl("without-uvloop")
    assert setting == "None"
    assert loop.startswith("asyncio.") and "uvloop" not in loop
