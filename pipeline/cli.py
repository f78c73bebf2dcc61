"""The ``dcradar`` command line: the whole job, stage by stage or end to end."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

# Before anything imports numpy (sqlite-utils does, in every dcradar process): OpenBLAS
# otherwise starts a thread for each further core, which spins at import (0.05 s of CPU
# in the crawl process, 0.1 s in its workers' fork server), while the crawl starts and
# both cores are busy. Tagging's dot products are far too small for BLAS threads; the
# worker processes are the parallelism. A value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

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


class _LazyGroup(click.Group):
    """A command group that imports some of its commands only when they are used.

    ``nightly``, ``worker``, ``ingest`` and ``deploy`` pull in Scrapy, scrapy-redis
    and Redis: a second of imports that every ``dcradar`` command paid up front,
    and so did every worker process of a crawl or a retag, which imports the
    command's main module again (multiprocessing starts workers by spawning).
    For the same reason the commands below import what they use (sqlite-utils,
    YAML, the projects code) when they run: 0.14 s of CPU per worker otherwise.
    """

    lazy = {"nightly": "pipeline.nightly:nightly", "worker": "pipeline.ingest:worker",
            "ingest": "pipeline.ingest:ingest", "deploy": "pipeline.scrapyd:deploy_cmd",
            "build-projects": "pipeline.projects_cli:build_projects_cmd"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attr = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup)
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
    overrides = _settings_pairs(settings)
    _validate_sources(sources_path)
    start_workers_early(overrides)
    from pipeline.crawl import run_crawl
    from pipeline.projects_cli import rebuild_after_crawl

    stats = run_crawl(sources_path, db_path, only=only, overrides=overrides)
    _summary(db_path, stats)
    rebuild_after_crawl(db_path)


def start_workers_early(overrides: dict[str, str]) -> None:
    """Start the workers' fork server before Scrapy is imported (pipeline/pool.py).

    It loads the extractor and the model (a second of CPU) on the core this
    process leaves idle while it imports Scrapy and opens the spider, so the
    workers forked from it at spider open are ready at once. Read from the
    ``-s`` overrides: ``DCRADAR_WORKERS=0`` needs no workers, ``DCRADAR_TAG``
    off needs no model.
    """
    from pipeline.pool import start_fork_server, worker_count

    if worker_count(overrides) == 0:
        return
    tagging = overrides.get("DCRADAR_TAG", "1").strip().lower() not in ("0", "false")
    start_fork_server(load_tagger=tagging)


def _validate_sources(path: str | None) -> None:
    from spiders.sources import SourcesError, load_sources

    try:
        load_sources(path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc


def _summary(db_path: str, stats: dict) -> None:
    from db.schema import open_db

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
@click.option("--what", type=click.Choice(["articles", "projects"]), default="articles",
              show_default=True, help="Articles (FORMAT.md records) or projects (lead list).")
@click.option("--country", "countries", multiple=True, help="Projects: ISO code (repeatable).")
@click.option("--since", help="Projects: last reported on or after YYYY-MM-DD.")
@click.option("--operator", "operators", multiple=True, help="Projects: operator (repeatable).")
@click.option("--stage", "stages", multiple=True, help="Projects: stage (repeatable).")
@click.option("--investor", help="Projects: one investor named on the project.")
def export(db_path: str, fmt: str, what: str, countries: tuple[str, ...], since: str | None,
           operators: tuple[str, ...], stages: tuple[str, ...], investor: str | None) -> None:
    """Write one record per article, or per project, to stdout (JSON Lines or CSV)."""
    from db.export import ARTICLE_FIELDS, article_records, write_csv, write_jsonl
    from db.schema import open_db
    from pipeline.projects_cli import export_projects

    if what == "projects":
        return export_projects(db_path, fmt, countries, since, operators, stages, investor)
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
    from spiders.sources import SourcesError, load_sources

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
@click.option("--tiles", metavar="URL", help="Map tile URL template, e.g. "
              "https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: offline blank tiles).")
@click.option("--config", "overlay", type=click.Path(exists=True, dir_okay=False),
              help="YAML merged over db/datasette/datasette.yml, e.g. `allow` and an "
                   "authentication plugin for a private deployment (see README).")
def serve(db_path: str, host: str, port: int, tiles: str | None, overlay: str | None) -> None:
    """Serve the database with Datasette (read-only SQL, time limit set)."""
    _exec_datasette(db_path, host, port, tiles, overlay)


def _exec_datasette(db_path: str, host: str, port: int, tiles: str | None = None,
                    overlay: str | None = None) -> None:
    """Datasette as configured in db/datasette/ (see pipeline/serve.py)."""
    from pipeline.serve import serve as serve_datasette

    click.echo(f"Datasette on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    serve_datasette(db_path, host, port, tiles=tiles, overlay=overlay)


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
    from pipeline.projects_cli import rebuild_after_crawl

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
    rebuild_after_crawl(db_path)
    if not no_serve:
        _exec_datasette(db_path, "127.0.0.1", port)


@cli.command()
@click.argument("source", type=click.File("rb"), default="-")
@click.option("--title", default="", help="Headline, when the input is plain text.")
@click.option("--language", default=None, help="en, fr, ... (guessed when omitted).")
def tag(source, title: str, language: str | None) -> None:
    """Tag one article (plain text or HTML; FILE or - for stdin) and print JSON."""
    import json

    from classifier.plain import ModelError
    from classifier.tagger import Tagger
    from pipeline.decode import decode_html
    from pipeline.extract import extract

    data = source.read()
    decoded = decode_html(data) if data else ("", "utf-8")
    text = decoded[0] if decoded else ""
    if text.lstrip()[:1] == "<" and "<p" in text.lower():
        page = extract(text, "http://input.invalid/", default_language=language)
        if page is not None:
            title, text, language = title or page.title or "", page.text, language or \
                page.language
    try:
        result = Tagger().tag(text, title, language)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result, ensure_ascii=False))


@cli.command()
@click.option("--db", "db_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Tagging processes (default: one per CPU; 0: in this process).")
def retag(db_path: str, workers: int | None) -> None:
    """Re-tag every stored article with the current model (no re-crawl)."""
    from pipeline.retag import retag as run
    from pipeline.retag import start_workers_early as start_retag_workers

    start_retag_workers(db_path, workers)

    started = time.monotonic()
    count = run(db_path, progress=lambda done, total: click.echo(
        f"  re-tagged {done}/{total}", err=True), workers=workers,
        projects=lambda summary: click.echo(f"projects: {summary}", err=True))
    seconds = time.monotonic() - started
    click.echo(f"re-tagged {count} articles in {seconds:.1f} s "
               f"({count / seconds if seconds else 0:.0f} articles/s)", err=True)


@cli.command()
@click.option("--corpus", type=click.Path(exists=True, file_okay=False),
              help="Labelled corpus (default: the bundled sample sites).")
def train(corpus: str | None) -> None:
    """Rebuild the shipped model from the labelled data (deterministic)."""
    from classifier.train import BUNDLED_CORPUS, train_model

    metrics = train_model(Path(corpus) if corpus else BUNDLED_CORPUS)
    click.echo(f"trained on {metrics['documents']} documents in "
               f"{metrics['train_seconds']} s", err=True)


@cli.command("eval")
@click.option("--corpus", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--cv", type=click.Choice(["site", "none"]), default="site", show_default=True,
              help="site: leave one site out; none: the model trained on everything.")
def eval_cmd(corpus: str, cv: str) -> None:
    """Serve a labelled corpus, crawl it, tag it and print score.py's metrics."""
    from pipeline.evaluation import evaluate_corpus

    report = evaluate_corpus(Path(corpus), cv, progress=lambda m: click.echo(m, err=True))
    click.echo(f"== model ({'leave-one-site-out' if cv == 'site' else 'trained on all'}, "
               f"{report['articles']} articles, {report['seconds']:.0f} s)")
    click.echo(report["model"]["_text"])
    click.echo("== baseline (gazetteer + regex, same folds)")
    click.echo(report["baseline"]["_text"])


if __name__ == "__main__":
    cli()
