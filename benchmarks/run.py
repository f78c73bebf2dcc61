#!/usr/bin/env python3
"""Throughput, memory and scaling of the whole pipeline on a generated mirror (issue 6).

    python benchmarks/run.py --pages N [--seed S] [--workers W] [--keep DIR]

For one size: writes a mirror of N article pages (``benchmarks/mirror.py``,
in a temporary directory unless ``--keep``), serves it with
``../shared/corpus/serve.py`` on loopback (same two cores: part of the
test), byte-compiles dcradar's modules as an install does (``bytecode``),
and measures, printing one ``key: value`` line per figure:

* ``end_to_end``: ``dcradar crawl`` (crawl + extract + tag + store, and the
  projects rebuild it ends with), stored article pages per wall-clock second;
* ``stage_cpu_s``: where the CPU went, per process and per stage;
* ``peak_rss_mb``: peak resident memory of every process, and of all at once;
* ``tagging``: tagging articles/s per core inside the crawl;
* ``retag``: ``dcradar retag`` articles/s (wall clock, whole command);
* ``datasette_projects_ms`` / ``datasette_fts_ms``: ``dcradar serve`` latency
  (median, p95) of the projects page with its facets and of a full-text search;
* ``trafilatura_anchor``: plain ``trafilatura.extract`` in this one process on
  the very HTML the crawl stored for its article pages, pages/s: one pass
  over those pages just before the crawl and one just after, so that the
  anchor brackets the crawl in time (see :meth:`Run.anchor`);

and last ``end_to_end_vs_trafilatura``: the ratio of the two pages/s figures.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, unquote

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from mirror import build_mirror  # noqa: E402
from procstats import Sampler  # noqa: E402

PY = sys.executable
SERVE = REPO.parent / "shared" / "corpus" / "serve.py"
# Our own loopback server: no politeness delay (as tests/conftest.py and incremental.py).
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
        "-s", "AUTOTHROTTLE_TARGET_CONCURRENCY=8", "-s", "RETRY_BACKOFF_BASE=0.2"]
PROJECTS_URL = "/dcradar/projects"
# The articles table's search box (its configured facets included).
FTS_URL = "/dcradar/articles?_search={}"
WARM_TERM = "data centre"
MAIN_STAGES = ("revalidate", "dispatch", "store", "ledger")
WORKER_STAGES = ("compress", "analyse", "extract", "tag")
#: dcradar's own packages (and this one: the crawl loads its stats collector from it).
PACKAGES = ("spiders", "pipeline", "classifier", "db", "benchmarks")


def note(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Run:
    """One size: the mirror, the crawl, the measurements."""

    def __init__(self, pages: int, work: Path, seed: int, workers: int | None, requests: int):
        self.pages = pages
        self.work = work
        self.seed = seed
        self.workers = workers
        self.requests = requests
        self.db = work / "bench.db"
        self.sampler = Sampler().start()
        self.out: list[str] = []

    def emit(self, key: str, value: str) -> None:
        line = f"{key}: {value}"
        self.out.append(line)
        print(line, flush=True)

    def dcradar(self, *args: str, log: str) -> tuple[float, subprocess.CompletedProcess]:
        started = time.perf_counter()
        with (self.work / log).open("w") as err:
            proc = subprocess.run([PY, "-m", "pipeline.cli", *args], cwd=REPO, stderr=err,
                                  stdout=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"dcradar {args[0]} failed ({proc.returncode}); see "
                             f"{self.work / log}:\n{(self.work / log).read_text()[-3000:]}")
        return seconds, proc

    # -- steps ---------------------------------------------------------------

    def mirror(self) -> None:
        note(f"writing a mirror of {self.pages} article pages ...")
        started = time.perf_counter()
        shutil.rmtree(self.work / "mirror", ignore_errors=True)
        for stale in self.work.glob("bench.db*"):  # a fresh crawl, not an incremental one
            stale.unlink()
        made = build_mirror(self.work / "mirror", self.pages, self.seed)
        self.made = made
        note(f"  done in {time.perf_counter() - started:.0f} s")
        self.emit("mirror", f"{made['articles']} article pages (mean "
                            f"{made['article_bytes'] / made['articles'] / 1000:.0f} KB), "
                            f"{made['listings']} listings, {made['feeds']} feeds, "
                            f"{made['sitemaps']} sitemaps, 6 sites")

    def bytecode(self) -> None:
        """Byte-compile dcradar's modules before anything is timed, as installing a package does.

        An editable install has no bytecode until a first import writes it, and with
        ``PYTHONDONTWRITEBYTECODE`` set (as on the machines these figures come from)
        none is ever written: each command then compiled every dcradar module it
        imports from source, 0.3 s of CPU at each start of the crawl process and of its
        fork server. Installed from a wheel, or run once without that variable, they
        load from ``__pycache__`` as trafilatura's own modules do.
        """
        compiled = all(compileall.compile_dir(REPO / name, quiet=1) for name in PACKAGES)
        writes = "off" if sys.flags.dont_write_bytecode else "on"
        self.emit("bytecode", f"dcradar's modules byte-compiled before timing "
                              f"({'done' if compiled else 'FAILED'}; Python's own bytecode "
                              f"writes are {writes} here)")

    def crawl(self) -> None:
        sources = self.work / "sources.yaml"
        server = subprocess.Popen([PY, str(SERVE), str(self.work / "mirror"),
                                   "--sources-out", str(sources)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            # serve.py prints "SITE BASE" for each of the mirror's six sites once it serves.
            bases = dict(server.stdout.readline().split() for _ in range(6))
            self.anchor_before(bases)
            stats_file = self.work / "crawl-stats.json"
            extra = ["-s", f"DCRADAR_WORKERS={self.workers}"] if self.workers is not None else []
            note("crawling (dcradar crawl) ...")
            load_before = os.getloadavg()[0]
            self.crawl_s, _ = self.dcradar(
                "crawl", "--sources", str(sources), "--db", str(self.db), *FAST, *extra,
                "-s", "STATS_CLASS=benchmarks.statsfile.JsonFileStatsCollector",
                "-s", f"DCRADAR_STATS_FILE={stats_file}", log="crawl.log")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        self.load_during = (load_before + os.getloadavg()[0]) / 2
        self.stats = json.loads(stats_file.read_text())
        log = (self.work / "crawl.log").read_text()
        if "tagging is off" in log or "tagging failed" in log:
            self.emit("warning", "tagging failed in this crawl (see crawl.log): the tagging "
                                 "figures do not count")
        conn = sqlite3.connect(self.db)
        self.articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        self.article_pages = conn.execute(
            "SELECT count(*) FROM pages WHERE kind = 'article'").fetchone()[0]
        self.fetched = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
        conn.close()
        self.pages_s = self.articles / self.crawl_s
        spider_s = float(self.stats.get("elapsed_time_seconds", 0.0))
        mb = self.stats.get("downloader/response_bytes", 0) / 1e6
        self.emit("end_to_end", f"{self.articles} articles stored in {self.crawl_s:.1f} s = "
                                f"{self.pages_s:.2f} pages/s ({self.fetched} URLs, {mb:.0f} MB; "
                                f"spider open {spider_s:.1f} s, the rest start-up and the "
                                f"projects rebuild)")
        self.emit("cost_per_page", f"{1000 * self.crawl_s / max(1, self.articles):.1f} ms wall")

    def split(self) -> None:
        cpu = {k.rsplit("/", 1)[1]: float(v) for k, v in self.stats.items()
               if k.startswith("dcradar/cpu_s/")}
        crawl = self.sampler.cpu("crawl")
        # The workers' fork server loads what they all need (pipeline/pool.py): their start-up.
        workers = self.sampler.cpu("crawl worker") + self.sampler.cpu("crawl fork server")
        server = self.sampler.cpu("site server")
        inline = workers == 0
        in_main = sum(cpu.get(s, 0.0) for s in MAIN_STAGES) + (
            sum(cpu.get(s, 0.0) for s in WORKER_STAGES) if inline else 0.0)
        parts = [f"site server {server:.1f}",
                 f"crawl process {crawl:.1f} (fetch+parse+schedule {crawl - in_main:.1f}, "
                 + ", ".join(f"{s} {cpu.get(s, 0.0):.1f}" for s in MAIN_STAGES
                             + (WORKER_STAGES if inline else ())) + ")"]
        if not inline:
            parts.append(f"workers {workers:.1f} (" + ", ".join(
                f"{s} {cpu.get(s, 0.0):.1f}" for s in WORKER_STAGES)
                + f", start-up+idle {workers - sum(cpu.get(s, 0.0) for s in WORKER_STAGES):.1f})")
        total = crawl + workers + server
        cores = os.cpu_count() or 1
        parts.append(f"total {total:.1f} = {100 * total / (cores * self.crawl_s):.0f} % of "
                     f"{cores} cores")
        self.emit("stage_cpu_s", " | ".join(parts))
        self.cpu_per_page = total / max(1, self.articles)
        self.emit("cpu_per_page", f"{1000 * self.cpu_per_page:.1f} ms (load average during "
                                  f"the crawl: {self.load_during:.2f})")
        tag_cpu = cpu.get("tag", 0.0)
        if tag_cpu:
            self.emit("tagging", f"{self.articles / tag_cpu:.1f} articles/s per core "
                                 f"({tag_cpu:.1f} CPU s for {self.articles} articles)")

    def anchor_before(self, bases: dict[str, str]) -> None:
        """The anchor's first pass: the mirror's article pages as the server sends them."""
        note("anchor, first pass (before the crawl) ...")
        self.anchor_first = anchor_pass(served_article_pages(self.work / "mirror", bases))

    def anchor(self) -> None:
        """The anchor's second pass, on the stored pages, and the two passes together.

        The machine's speed moves by a third or more from one minute to the next, and
        a single process feels it most: ``trafilatura.extract`` on the same 100 pages
        took from 20 to 37 ms a page in consecutive blocks of a few seconds. One pass
        after the crawl compared the crawl with whatever spell came next; a pass on
        each side of it compares the crawl with the machine around it.
        """
        note("anchor, second pass (after the crawl) ...")
        conn = sqlite3.connect(self.db)
        try:
            after = anchor_pass(
                gzip.decompress(blob).decode("utf-8", errors="replace") for (blob,) in conn.execute(
                    "SELECT html_gz FROM pages WHERE kind = 'article' ORDER BY url"))
        finally:
            conn.close()
        before = self.anchor_first
        count, seconds, cpu = (a + b for a, b in zip(before, after, strict=True))
        self.anchor_s = count / seconds
        self.anchor_cpu = cpu / count

        def one(name: str, p: tuple[int, float, float]) -> str:
            return f"{name} {p[0] / p[1]:.2f} pages/s, {1000 * p[2] / p[0]:.1f} ms CPU a page"

        self.emit("trafilatura_anchor", f"{count} pages in {seconds:.1f} s = "
                                        f"{self.anchor_s:.2f} pages/s (one process; "
                                        f"{1000 * self.anchor_cpu:.1f} ms CPU a page; "
                                        f"{one('before the crawl', before)} ({before[0]} pages); "
                                        f"{one('after', after)} ({after[0]} pages))")

    def retag(self) -> None:
        note("dcradar retag ...")
        try:
            seconds, _ = self.dcradar("retag", "--db", str(self.db), log="retag.log")
        except SystemExit:  # reported, and the other figures still measured
            last = (self.work / "retag.log").read_text().strip().splitlines()[-1:]
            self.emit("retag", f"FAILED: {' '.join(last)[:300]}")
            return
        workers = len(self.sampler.by_role().get("retag worker", []))
        self.emit("retag", f"{self.articles} articles in {seconds:.1f} s = "
                           f"{self.articles / seconds:.1f} articles/s "
                           f"({workers or 'no'} worker processes, start-up included)")

    def datasette(self) -> None:
        port = free_port()
        note("dcradar serve: latency ...")
        log = (self.work / "serve.log").open("w")
        proc = subprocess.Popen([PY, "-m", "pipeline.cli", "serve", "--db", str(self.db),
                                 "--port", str(port)], cwd=REPO, stderr=log,
                                stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 600
            while True:
                try:
                    urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"dcradar serve did not start; see {log.name}") from None
                    time.sleep(0.5)
            conn = sqlite3.connect(self.db)
            projects = conn.execute("SELECT count(*) FROM projects").fetchone()[0]
            terms = search_terms(conn, self.requests)
            matches = [conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts "
                                    "MATCH ?", [f'"{t}"']).fetchone()[0] for t in terms]
            conn.close()
            first, times = self._latency([base + PROJECTS_URL] * (self.requests + 1))
            self.emit("datasette_projects_ms",
                      f"median {statistics.median(times):.1f}, p95 "
                      f"{percentile(times, 0.95):.1f} ({len(times)} requests of {PROJECTS_URL} "
                      f"after the first, which took {first:.0f}; {projects} projects)")
            first, times = self._latency([base + FTS_URL.format(quote(t))
                                          for t in [WARM_TERM, *terms]])
            self.emit("datasette_fts_ms",
                      f"median {statistics.median(times):.1f}, p95 "
                      f"{percentile(times, 0.95):.1f} ({len(times)} searches, each term once, "
                      f"of {FTS_URL.format('TERM')}: {', '.join(terms[:5])} ...; "
                      f"{statistics.median(matches):.0f} matching articles in the median)")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            log.close()

    def _latency(self, urls: list[str]) -> tuple[float, list[float]]:
        """Milliseconds of the first request (cold: templates, SQLite cache), and of the rest."""
        times = []
        for url in urls:
            started = time.perf_counter()
            with urllib.request.urlopen(url, timeout=60) as response:
                response.read()
                assert response.status == 200
            times.append(1000 * (time.perf_counter() - started))
        return times[0], times[1:]

    def memory(self) -> None:
        parts = []
        for role, procs in sorted(self.sampler.by_role().items()):
            # Short-lived helpers (platform's ``uname -p``) are not worth a column.
            if role.endswith("resource tracker") or not any(p.peak_kb >= 1024 for p in procs):
                continue
            peaks = sorted((p.peak_kb // 1024 for p in procs), reverse=True)
            shown = ", ".join(str(x) for x in peaks[:4]) + (", ..." if len(peaks) > 4 else "")
            parts.append(f"{role} {shown}")
        parts.append(f"all processes at once {self.sampler.peak_total_kb // 1024} "
                     f"(dcradar's alone {self.sampler.peak_ours_kb // 1024})")
        self.emit("peak_rss_mb", " | ".join(parts))

    def run(self) -> None:
        self.mirror()
        self.bytecode()
        self.crawl()
        self.split()
        self.anchor()
        self.retag()
        self.datasette()
        self.sampler.stop()
        self.memory()
        cores = os.cpu_count() or 1
        # What the ratio would be with every core ours: CPU a page, ours over the anchor's.
        self.emit("cpu_bound_ratio", f"{cores * self.anchor_cpu / self.cpu_per_page:.2f} "
                                     f"(= {cores} x {1000 * self.anchor_cpu:.1f} ms / "
                                     f"{1000 * self.cpu_per_page:.1f} ms: the ratio below if "
                                     f"the machine ran nothing else)")
        self.emit("end_to_end_vs_trafilatura", f"{self.pages_s / self.anchor_s:.2f}")


def served_article_pages(mirror: Path, bases: dict[str, str]) -> Iterator[str]:
    """The mirror's article pages as ``serve.py`` sends them, in the order of their URLs.

    ``bases``: each site's base URL, as the server printed it. The server replaces
    ``{{BASE}}`` with it in every text file; so is it here.
    """
    pages = []
    with (mirror / "articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            page = json.loads(line)
            pages.append((bases[page["site"]] + page["path"], page["site"], page["path"]))
    for _, site, path in sorted(pages):
        file = mirror / "sites" / site / unquote(path).strip("/")
        raw = (file / "index.html" if file.is_dir() else file).read_bytes()
        yield raw.decode("utf-8").replace("{{BASE}}", bases[site])


def anchor_pass(pages: Iterable[str]) -> tuple[int, float, float]:
    """Plain ``trafilatura.extract`` on each page: (pages, wall seconds, CPU seconds).

    Only the calls are timed, not reading the pages.
    """
    import trafilatura

    trafilatura.extract("<html><body><p>warm up</p></body></html>")
    count, seconds, cpu = 0, 0.0, 0.0
    for html in pages:
        started, started_cpu = time.perf_counter(), time.process_time()
        trafilatura.extract(html)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        count += 1
    return count, seconds, cpu


def search_terms(conn: sqlite3.Connection, count: int) -> list[str]:
    """What an analyst types: the cities and operators the articles name most, each once."""
    terms: list[str] = []
    for column in ("cities", "operators"):
        for (value,) in conn.execute(
                f"SELECT j.value FROM articles, json_each(articles.{column}) j "
                "GROUP BY j.value ORDER BY count(*) DESC, j.value LIMIT ?", [count]):
            if value not in terms:
                terms.append(value)
    # a stable shuffle, so that cities and operators alternate
    return sorted(terms, key=lambda t: (zlib.crc32(t.encode()), t))[:count]


def machine() -> str:
    mem = next((int(line.split()[1]) // 1024 for line in
                Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), 0)
    return (f"{platform.node()}: nproc {os.cpu_count()}, {mem} MiB memory, "
            f"Python {platform.python_version()}, load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, required=True, help="article pages in the mirror")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, help="DCRADAR_WORKERS for the crawl "
                        "(default: the setting's default, one per CPU)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per URL")
    parser.add_argument("--keep", type=Path, help="work here (mirror, database, logs) and keep it")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    print(f"command: python benchmarks/run.py {' '.join(argv or sys.argv[1:])}", flush=True)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        Run(args.pages, args.keep, args.seed, args.workers, args.requests).run()
        return 0
    with tempfile.TemporaryDirectory(prefix="dcradar-bench-") as tmp:
        Run(args.pages, Path(tmp), args.seed, args.workers, args.requests).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
