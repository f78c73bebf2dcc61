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
