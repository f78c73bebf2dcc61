"""The ``dcradar`` command line: the whole job, stage by stage or end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from db.export import ARTICLE_FIELDS, article_records, write_csv, write_jsonl
from db.schema import open_db
from spiders.sources import SourcesError, load_sources

SAMPLE_SITES = Path(__file__).resolve().parent.parent / "spiders" / "sample_sites"
DEMO_PORT_BASE = 8701
# Our own loopback server: no need to be gentle with it.
LOOPBACK_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.05,
                     "AUTOTHROTTLE_TARGET_CONCURRENCY": 8.0, "RETRY_BACKOFF_BASE": 0.5}


def _settings_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="-s")
        out[key.strip()] = value
    return out


@click.group()
@click.version_option(package_name="dcradar")
def cli() -> None:
    """dcradar: African data-centre projects from the news, into SQLite and Datasette."""


@cli.command()
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False),
              help="Sources YAML (default: the shipped list of real sources).")
@click.option("--db", "db_path", default="dcradar.db", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite database to write.")
@click.option("--only", help="Comma-separated source names to crawl.")
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Override a Scrapy setting (repeatable).")
def crawl(sources_path: str | None, db_path: str, only: str | None,
          settings: tuple[str, ...]) -> None:
    """Crawl the sources into the database (pages and articles)."""
    from pipeline.crawl import run_crawl

    _validate_sources(sources_path)
    stats = run_crawl(sources_path, db_path, only=only, overrides=_settings_pairs(settings))
    _summary(db_path, stats)


def _validate_sources(path: str | None) -> None:
    try:
        load_sources(path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc


def _summary(db_path: str, stats: dict) -> None:
    db = open_db(db_path)
    click.echo(f"requests: {stats.get('downloader/request_count', 0)}, "
               f"responses: {stats.get('downloader/response_count', 0)}, "
               f"finish: {stats.get('finish_reason', '?')}", err=True)
    for row in db.query("SELECT p.source, count(*) AS pages, "
                        "(SELECT count(*) FROM articles a WHERE a.source = p.source) AS articles "
                        "FROM pages p GROUP BY p.source ORDER BY p.source"):
        click.echo(f"  {row['source']}: {row['pages']} pages, {row['articles']} articles",
                   err=True)
    if stats.get("log_count/ERROR"):
        click.echo(f"  errors logged: {stats['log_count/ERROR']}", err=True)


@cli.command()
@click.option("--db", "db_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
def export(db_path: str, fmt: str) -> None:
    """Write one record per article to stdout (JSON Lines or CSV)."""
    db = open_db(db_path)
    records = article_records(db)
    out = click.get_text_stream("stdout")
    count = write_jsonl(records, out) if fmt == "jsonl" else write_csv(records, out,
                                                                       ARTICLE_FIELDS)
    click.echo(f"exported {count} articles", err=True)


@cli.command("check-sources")
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False),
              help="Sources YAML (default: the shipped list of real sources).")
@click.option("--timeout", default=20.0, show_default=True, help="Seconds per request.")
def check_sources_cmd(sources_path: str | None, timeout: float) -> None:
    """Fetch every feed, sitemap and listing URL and report which ones work."""
    from spiders.check_sources import check_sources

    try:
        sources = load_sources(sources_path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    results = check_sources(sources, timeout=timeout)
    for r in results:
        mark = "OK  " if r.ok else "FAIL"
        detail = r.error or f"{r.links} links"
        click.echo(f"{mark} {r.source:28} {r.role:8} {r.status or '-':>4} {detail:32} {r.url}")
    dead = sorted({r.source for r in results} - {r.source for r in results if r.ok})
    ok = sum(r.ok for r in results)
    click.echo(f"{ok}/{len(results)} entry points work; sources with none working: "
               f"{', '.join(dead) or 'none'}", err=True)
    if dead:
        sys.exit(1)


@cli.command()
@click.option("--db", "db_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
def serve(db_path: str, host: str, port: int) -> None:
    """Serve the database with Datasette (read-only SQL, time limit set)."""
    _exec_datasette(db_path, host, port)


def _exec_datasette(db_path: str, host: str, port: int) -> None:
    args = [sys.executable, "-m", "datasette", "serve", db_path, "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", "3000"]
    click.echo(f"Datasette on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, args)


def start_sample_server(port_base: int, sources_out: Path,
                        log: Path | None = None) -> subprocess.Popen:
    """Serve the bundled sample sites on fixed loopback ports; returns the server process."""
    cmd = [sys.executable, str(SAMPLE_SITES / "serve.py"), str(SAMPLE_SITES),
           "--port-base", str(port_base), "--sources-out", str(sources_out)]
    if log:
        cmd += ["--log", str(log)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    sites = len([p for p in (SAMPLE_SITES / "sites").iterdir() if p.is_dir()])
    for _ in range(sites):
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            raise click.ClickException(f"sample server did not start (ports {port_base}+ busy?)")
    return proc


@cli.command()
@click.option("--db", "db_path", default="demo.db", show_default=True,
              type=click.Path(dir_okay=False))
@click.option("--port", default=8001, show_default=True, help="Datasette port.")
@click.option("--sites-port", default=DEMO_PORT_BASE, show_default=True,
              help="First loopback port of the sample sites (fixed, so re-runs update rows).")
@click.option("--no-serve", is_flag=True, help="Crawl only; do not start Datasette.")
def demo(db_path: str, port: int, sites_port: int, no_serve: bool) -> None:
    """Serve the bundled sample sites, crawl them into DB, then start Datasette."""
    from pipeline.crawl import run_crawl

    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.yaml"
        server = start_sample_server(sites_port, sources)
        try:
            click.echo(f"crawling the sample sites into {db_path} ...", err=True)
            started = time.monotonic()
            stats = run_crawl(sources, db_path, overrides=LOOPBACK_SETTINGS)
            click.echo(f"crawl took {time.monotonic() - started:.1f} s", err=True)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    _summary(db_path, stats)
    if not no_serve:
        _exec_datasette(db_path, "127.0.0.1", port)


def _add_nightly_commands() -> None:
    """nightly, worker, ingest and deploy live in their own modules (issue 5)."""
    from pipeline.ingest import ingest, worker
    from pipeline.nightly import nightly
    from pipeline.scrapyd import deploy_cmd

    for command in (nightly, worker, ingest, deploy_cmd):
        cli.add_command(command)


_add_nightly_commands()


if __name__ == "__main__":
    cli()
