"""``dcradar nightly``: the one command a scheduler (cron, systemd, Scrapyd's caller) runs.

It crawls (incrementally, resuming an interrupted run of the same sources),
runs the after-crawl steps, records the verdict in ``runs`` and exits
non-zero when the run failed badly, so cron mails and systemd marks the unit
failed. The failure rule (README states it too) — the run **failed** when:

1. the crawl did not end by itself (``finish_reason`` other than
   ``finished``: SIGTERM, a crash, a close-spider limit); the next nightly
   resumes it;
2. any source is flagged in ``crawl_runs`` (:func:`db.runs.source_flags`):
   ``raised`` (a callback or pipeline stage raised for it), ``mostly-errors``
   (more than ``DCRADAR_MAX_ERROR_SHARE`` = half of the URLs it completed
   ended in an HTTP error or no response; robots.txt refusals not counted), or
   ``no-articles`` (it yielded articles in the last finished run that crawled
   it and none now; unchanged articles count as yielded);
3. an after-crawl step raised.

Exit status: 0 ok, 1 failed (the reasons on stderr and in ``runs.problems``).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from db.runs import run_summary, set_verdict
from db.schema import open_db

logger = logging.getLogger(__name__)

#: What runs after the crawl, in order: ``(name, step)`` with ``step(db_path, run_id)``.
#: THE PLACE WHERE RE-TAGGING AND PROJECT BUILDING PLUG IN: append
#: ``("tag", ...)`` (tag the articles the crawl stored or changed: ``article_versions``
#: rows of this run, or ``crawl_runs.articles_new/updated``) and then
#: ``("projects", ...)`` (rebuild the project table from the tags). A step that
#: raises fails the run but does not stop the steps after it.
AFTER_CRAWL_STEPS: list[tuple[str, Callable[[str, str], Any]]] = []


def _build_projects(db_path: str, run_id: str) -> None:
    from db.projects import build_projects_step

    build_projects_step(db_path, run_id)


# Projects are built from the tags: this stays the LAST step, after ("tag", ...).
AFTER_CRAWL_STEPS.append(("projects", _build_projects))


def evaluate(db_path: str, run_id: str, finish_reason: str | None,
             step_errors: list[str]) -> list[str]:
    """The reasons the run failed (empty when it went well), by the rule above."""
    problems = []
    if finish_reason != "finished":
        problems.append(f"crawl ended with '{finish_reason}' (the next run resumes it)")
    db = open_db(db_path)
    for row in run_summary(db, run_id):
        for flag in row["flags"]:
            problems.append(f"source {row['source']}: {flag}")
    problems.extend(step_errors)
    set_verdict(db, run_id, "failed" if problems else "ok", problems)
    db.close()
    return problems


def print_report(db_path: str, run_id: str) -> None:
    """One line per source of the run on stderr."""
    db = open_db(db_path)
    click.echo(f"run {run_id}:", err=True)
    for row in run_summary(db, run_id):
        flags = f"; FLAGS: {', '.join(row['flags'])}" if row["flags"] else ""
        click.echo(
            f"  {row['source']}: {row['requests']} requests "
            f"({row['responses_2xx']} 2xx, {row['not_modified']} 304, "
            f"{row['responses_4xx']} 4xx, {row['responses_5xx']} 5xx), "
            f"{row['bytes']} bytes, articles {row['articles_new']} new / "
            f"{row['articles_updated']} updated / {row['articles_unchanged']} unchanged, "
            f"{row['errors']} errors{flags}",
            err=True)
    db.close()


def run_nightly(sources: str | None, db_path: str, *, only: str | None = None,
                overrides: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    """Crawl, run the after-crawl steps, record the verdict; returns (run id, problems)."""
    from pipeline.crawl import run_crawl

    stats = run_crawl(sources, db_path, only=only, overrides=overrides)
    run_id = stats.get("dcradar/run_id")
    if not run_id:
        raise click.ClickException("the crawl recorded no run (is spiders.monitor.RunRecorder "
                                   "in EXTENSIONS?)")
    step_errors = []
    for name, step in AFTER_CRAWL_STEPS:
        try:
            step(db_path, run_id)
        except Exception as exc:
            traceback.print_exc()
            step_errors.append(f"step {name} raised {type(exc).__name__}: {exc}")
    problems = evaluate(db_path, run_id, stats.get("finish_reason"), step_errors)
    return run_id, problems


@click.command()
@click.option("--sources", "sources_path", type=click.Path(exists=True, dir_okay=False),
              help="Sources YAML (default: the shipped list of real sources).")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="SQLite database to update.")
@click.option("--only", help="Comma-separated source names to crawl.")
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Override a Scrapy setting (repeatable).")
def nightly(sources_path: str | None, db_path: str, only: str | None,
            settings: tuple[str, ...]) -> None:
    """Crawl incrementally, run the after-crawl steps, record the run; exit 1 if it failed."""
    from pipeline.cli import _settings_pairs, _validate_sources, start_workers_early

    _validate_sources(sources_path)
    overrides = _settings_pairs(settings)
    start_workers_early(overrides)
    run_id, problems = run_nightly(sources_path, db_path, only=only, overrides=overrides)
    print_report(db_path, run_id)
    if problems:
        click.echo(f"run {run_id} FAILED:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    click.echo(f"run {run_id} ok", err=True)
