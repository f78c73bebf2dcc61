"""CLI glue for projects: ``dcradar build-projects`` and ``dcradar export --what projects``.

Kept out of ``pipeline/cli.py`` so that file only wires commands together;
the logic is in :mod:`db.projects` and :mod:`db.leads`.
"""

from __future__ import annotations

import io
import sys

import click

from db.leads import (
    LeadFilter,
    datasette_csv_path,
    lead_rows,
    resolve_operators,
    write_csv,
    write_jsonl,
)
from db.projects import build_projects
from db.schema import open_db


def rebuild(db_path: str) -> str:
    """Rebuild the projects of ``db_path``; returns the one-line summary."""
    db = open_db(db_path)
    try:
        return build_projects(db).summary()
    finally:
        db.close()


def rebuild_after_crawl(db_path: str) -> None:
    """``dcradar crawl`` / ``demo`` end: projects rebuilt from the tags now stored."""
    click.echo(f"projects: {rebuild(db_path)}", err=True)


@click.command("build-projects")
@click.option("--db", "db_path", required=True, type=click.Path(exists=True, dir_okay=False))
def build_projects_cmd(db_path: str) -> None:
    """Rebuild the projects table from the article tags (deterministic, atomic)."""
    click.echo(rebuild(db_path), err=True)


def export_projects(db_path: str, fmt: str, countries: tuple[str, ...], since: str | None,
                    operators: tuple[str, ...], stages: tuple[str, ...],
                    investor: str | None) -> None:
    """Write the lead list to stdout; the equivalent Datasette CSV URL goes to stderr."""
    db = open_db(db_path)
    try:
        if not db["projects"].exists():
            build_projects(db)
        lead_filter = LeadFilter(tuple(countries), since or None,
                                 resolve_operators(db, operators), tuple(stages), investor or None)
        columns, rows = lead_rows(db, lead_filter)
    finally:
        db.close()
    binary = sys.stdout.buffer  # (click.get_binary_stream is deprecated in click 8.2+)
    # newline="" keeps csv's \r\n as it is, byte for byte what Datasette sends.
    out = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=True)
    try:
        count = (write_csv if fmt == "csv" else write_jsonl)(columns, rows, out)
        out.flush()
    finally:
        out.detach()
    click.echo(f"exported {count} projects (same rows as Datasette "
               f"{datasette_csv_path(lead_filter)})", err=True)
