"""Shared fixtures: the bundled sample sites served on loopback, crawls in a subprocess.

Scrapy's Twisted reactor cannot restart inside one process, so every crawl in
the suite runs as its own ``dcradar crawl`` process, exactly as a user runs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "spiders" / "sample_sites"
# Our own loopback servers: no politeness delay, quick retries.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
        "-s", "AUTOTHROTTLE_TARGET_CONCURRENCY=8", "-s", "RETRY_BACKOFF_BASE=0.2"]


def dcradar(*args: str, timeout: float = 300, check: bool = True,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the ``dcradar`` CLI in a fresh interpreter and return the finished process."""
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd or REPO)
    if check and proc.returncode != 0:
        raise AssertionError(f"dcradar {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stderr[-4000:]}")
    return proc


def crawl(sources: Path, db: Path, *extra: str) -> subprocess.CompletedProcess:
    return dcradar("crawl", "--sources", str(sources), "--db", str(db), *FAST, *extra)


class SampleServer:
    """``serve.py`` on the bundled corpus (or another one): bases, resolved sources, log."""

    def __init__(self, tmp: Path, port_base: int = 0, corpus: Path = SAMPLES):
        self.sources = tmp / "sources.yaml"
        self.log = tmp / "requests.jsonl"
        cmd = [sys.executable, str(SAMPLES / "serve.py"), str(corpus),
               "--sources-out", str(self.sources), "--log", str(self.log)]
        if port_base:
            cmd += ["--port-base", str(port_base)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        self.bases: dict[str, str] = {}
        for _ in range(len([p for p in (corpus / "sites").iterdir() if p.is_dir()])):
            site, base = self.proc.stdout.readline().split()
            self.bases[site] = base

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    """One server per test module, so each module reads a request log of its own."""
    server = SampleServer(tmp_path_factory.mktemp("samples"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def labels() -> list[dict]:
    return [json.loads(line) for line in (SAMPLES / "labels.jsonl").read_text().splitlines()
            if line.strip()]


@pytest.fixture(scope="module")
def crawled(sample_server, tmp_path_factory) -> Path:
    """One crawl of the sample sites, shared by the read-only end-to-end tests."""
    db = tmp_path_factory.mktemp("crawl") / "crawl.db"
    crawl(sample_server.sources, db)
    return db


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


os.environ.setdefault("PYTHONUNBUFFERED", "1")
