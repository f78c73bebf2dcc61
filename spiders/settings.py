"""Scrapy settings for dcradar: a polite, bounded, resumable news crawl.

Everything here can be overridden per run (``scrapy crawl news -s KEY=VALUE``
or ``dcradar crawl -s KEY=VALUE``).
"""

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "dcradar"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Name ourselves and give site owners a way to reach us.
USER_AGENT = ("dcradar/0.1 (+https://github.com/dcradar/dcradar; "
              "news monitoring of African data-centre projects)")
# Scrapy only turns these on in its project template, so say them explicitly.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = 0.5
CONCURRENT_REQUESTS = 16
# Outputs of one callback processed at once. A page yields one item; Scrapy starts this
# many asyncio tasks per response, so its default of 100 was pure overhead.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4
COOKIES_ENABLED = False

# Bounds: no response may hold the crawl or the memory hostage. The timeout covers the
# whole download, so a server that trickles a body forever is cut off too; MAXSIZE also
# caps what a gzip/deflate/br body may inflate to (a decompression bomb ends at 10 MB).
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

# Retry 5xx and 429 with back-off (spiders.middlewares.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    # One download slot per host:port, robots.txt requests included (spiders/middlewares.py).
    "spiders.middlewares.SiteSlotMiddleware": 90,
    # Scrapy's lets requests that wait for a host's robots.txt through (spiders/middlewares.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    # Conditional requests, 304 -> stored body, resumed runs (spiders/incremental.py).
    "spiders.incremental.IncrementalMiddleware": 580,
    # Redirects stay on the source's site, loops end, every chain is recorded
    # (spiders/redirects.py); same places as Scrapy's own.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.redirects.SiteMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "spiders.redirects.SiteRedirectMiddleware": 600,
}
SPIDER_MIDDLEWARES = {
    "spiders.incremental.RevalidationSpiderMiddleware": 950,
}
# Run record per run and source (crawl_runs), flags on stderr (spiders/monitor.py).
EXTENSIONS = {
    "spiders.monitor.RunRecorder": 500,
    # AutoThrottle that lets a 304 lower the delay as a 200 does.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "spiders.incremental.RevalidationAutoThrottle": 0,
    # Scale-out workers only: start together, stay while another worker is busy.
    "pipeline.ingest.WorkerCoordinator": 510,
}

# Every status reaches the spider, so 404s and 410s are recorded, not dropped.
HTTPERROR_ALLOW_ALL = True

ITEM_PIPELINES = {
    # Unchanged pages stop here: no re-extraction, no re-tagging (pipeline/incremental.py).
    "pipeline.incremental.RevalidateStage": 150,
    "pipeline.stages.ExtractStage": 300,
    # Relevance, operators, investors, places, capacity (classifier/); DCRADAR_TAG=False: off.
    "pipeline.stages.TagStage": 500,
    "pipeline.store.StorePipeline": 800,
    # Marks the page completed by this run (resume) and counts it for crawl_runs.
    "pipeline.incremental.RunLedgerStage": 900,
}

# Where the pipeline writes; `dcradar crawl --db` sets it.
DCRADAR_DB = "dcradar.db"
# Extraction and tagging run in this many worker processes, off the crawl's event loop
# (pipeline/pool.py); None: one per CPU the crawl may use; 0: inline, in the crawl process.
DCRADAR_WORKERS = None
# The workers run this much nicer than the crawl process, which feeds them all (pipeline/pool.py,
# WORKER_NICE); 0: the same priority.
DCRADAR_WORKER_NICE = 10
# Nightly crawls: resume an interrupted run of the same sources (false: start afresh),
# send conditional requests for stored pages, flush run counters this often, and flag
# a source when more than this share of its URLs ended in errors.
DCRADAR_RESUME = True
DCRADAR_CONDITIONAL = True
DCRADAR_RUN_FLUSH_S = 5.0
DCRADAR_MAX_ERROR_SHARE = 0.5

# The event loop under Twisted's asyncio reactor: uvloop's (libuv, in C) where it is
# installed, else asyncio's own. Every download, callback and pipeline step of the crawl
# is scheduled through it, on the one thread that also feeds the workers; Scrapy supports
# uvloop here. In interleaved 1k crawls the crawl process's share of all their CPU went
# from 26.6 to 25.8 % (8 runs each, benchmarks/RESULTS.md).
try:
    import uvloop as _uvloop  # noqa: F401
except ImportError:  # not built for this platform (Windows): asyncio's loop
    ASYNCIO_EVENT_LOOP = None
else:
    ASYNCIO_EVENT_LOOP = "uvloop.Loop"

LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 15.0
# Scrapy's in-memory stats without its per-attribute deprecation shim (spiders/stats.py).
STATS_CLASS = "spiders.stats.CrawlStats"
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs Python code sent to a local HTTP port (its token in
# a job file in the user's profile): like the telnet console, not for unattended crawls.
REMOTE_CONTROL_ENABLED = False

# Scrapy imports every component its settings name, those set to None or switched off
# included: the remote control loads aiohttp (0.11-0.15 s), the cookies middleware
# tldextract (0.04 s), the telnet console Twisted's conch, at the start of every crawl
# and before its first request. The three are off (above), so they are left out of
# Scrapy's base lists. To turn one on, name it in EXTENSIONS / DOWNLOADER_MIDDLEWARES.
# (Lower-case names here are not settings.)
_never_loaded = ("scrapy.extensions.telnet.TelnetConsole",
                 "scrapy.extensions.remote_control.RemoteControl",
                 "scrapy.downloadermiddlewares.cookies.CookiesMiddleware")
EXTENSIONS_BASE = {k: v for k, v in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if k not in _never_loaded}
DOWNLOADER_MIDDLEWARES_BASE = {k: v for k, v in _scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
                               if k not in _never_loaded}
