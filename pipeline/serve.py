"""``dcradar serve``: Datasette on a dcradar database, configured, read-only, offline.

Why a module and not ``datasette serve`` with flags: the configuration lives
in ``db/datasette/`` in the shape Datasette 1.0 reads (``metadata.yml`` for
titles and descriptions; ``datasette.yml`` for settings, plugin config, table
options and canned queries), so the upgrade to 1.0 is passing those two files
as they are. The pinned Datasette 0.65 reads everything but settings from one
metadata document; :func:`assemble_for_065` builds it. The same
:func:`make_datasette` serves the CLI and the tests (Datasette's own test
client), so what is tested is what runs.

The database is always mounted under the name ``dcradar`` whatever its file is
called, so page, CSV and Atom URLs stay the same across deployments.

Before serving, :func:`prepare_database` makes sure full-text search (FTS5,
kept in sync by triggers) exists on articles and projects, and builds the
projects table if it is missing; Datasette itself opens the file read-only
(``mode=ro``), has no write endpoint on 0.65 (no write canned query is
configured), and cuts every query off after ``sql_time_limit_ms``.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import logging
from pathlib import Path
from typing import Any

import yaml

import db

logger = logging.getLogger(__name__)

DB_NAME = "dcradar"
#: Shipped inside the ``db`` package (package data), so an installed wheel finds it too.
CONFIG_DIR = Path(db.__file__).resolve().parent / "datasette"
METADATA_FILE = CONFIG_DIR / "metadata.yml"
CONFIG_FILE = CONFIG_DIR / "datasette.yml"
#: Table options that Datasette 1.0 reads from datasette.yaml and 0.65 from metadata.
TABLE_OPTIONS = ("sort", "sort_desc", "size", "facets", "label_column", "hidden", "fts_table",
                 "fts_pk", "searchmode", "sortable_columns", "units", "allow")


def load_config(config_dir: Path = CONFIG_DIR) -> tuple[dict[str, Any], dict[str, Any]]:
    """(metadata, config) as stored: the two documents Datasette 1.0 would read."""
    metadata = yaml.safe_load((config_dir / "metadata.yml").read_text(encoding="utf-8")) or {}
    config = yaml.safe_load((config_dir / "datasette.yml").read_text(encoding="utf-8")) or {}
    return metadata, config


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
    return into


def assemble_for_065(metadata: dict[str, Any], config: dict[str, Any]
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The (metadata, settings) pair Datasette 0.65 reads, from the 1.0-shaped documents.

    Settings stay settings; plugin configuration, table options and canned
    queries move into the metadata, where 0.65 looks for them. Nothing is
    dropped: an unknown top-level key of the config is an error, so a 1.0
    option added later is not silently ignored on 0.65.
    """
    unknown = set(config) - {"settings", "plugins", "databases", "allow"}
    if unknown:
        raise ValueError(f"datasette.yml: keys 0.65 cannot use: {sorted(unknown)}")
    merged = copy.deepcopy(metadata)
    if "allow" in config:  # who may see the instance at all (a private deployment)
        merged["allow"] = copy.deepcopy(config["allow"])
    if config.get("plugins"):
        _merge(merged.setdefault("plugins", {}), config["plugins"])
    for db_name, db_config in (config.get("databases") or {}).items():
        target = merged.setdefault("databases", {}).setdefault(db_name, {})
        for key, value in db_config.items():
            if key == "tables":
                for table, options in value.items():
                    bad = set(options) - set(TABLE_OPTIONS)
                    if bad:
                        raise ValueError(f"datasette.yml: {table}: unknown options {bad}")
                    _merge(target.setdefault("tables", {}).setdefault(table, {}), options)
            elif isinstance(value, dict):
                _merge(target.setdefault(key, {}), value)
            else:
                target[key] = copy.deepcopy(value)
    return merged, dict(config.get("settings") or {})


def _with_tiles(metadata: dict[str, Any], tiles: str | None) -> dict[str, Any]:
    if tiles:
        cluster = metadata.setdefault("plugins", {}).setdefault("datasette-cluster-map", {})
        cluster["tile_layer"] = tiles
        cluster["tile_layer_options"] = {
            "maxZoom": 19,
            "attribution": "Map tiles: " + tiles.split("/{z}")[0],
        }
    return metadata


def prepare_database(db_path: str | Path) -> None:
    """Full-text search on, views in place, projects built if missing (the only writes).

    A database the server may not write (a read-only copy) is served as it is,
    with a warning: it was prepared where it was written, or it lacks those pages.
    """
    import sqlite3

    from db.projects import ensure_projects
    from db.schema import open_db

    try:
        db = open_db(db_path)
        try:
            ensure_projects(db)
        finally:
            db.close()
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc).replace(" ", "") and "read-only" not in str(exc):
            raise
        logger.warning("%s is read-only: serving it without preparing it (%s)", db_path, exc)


def register_plugin() -> None:
    """Register :mod:`db.datasette_plugin` and the speed-ups :mod:`db.datasette_facets`
    and :mod:`db.datasette_markdown`, once."""
    from datasette.plugins import pm

    from db import datasette_facets, datasette_markdown, datasette_plugin

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="dcradar")
    if not pm.is_registered(datasette_facets):
        pm.register(datasette_facets, name="dcradar-facets")
    datasette_markdown.swap_in(pm)


def load_overlay(path: str | Path | None) -> dict[str, Any]:
    """A deployment's own configuration (``dcradar serve --config``), datasette.yml-shaped."""
    if not path:
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping like db/datasette/datasette.yml")
    return data


def make_datasette(db_path: str | Path, *, tiles: str | None = None,
                   config_dir: Path = CONFIG_DIR, overlay: str | Path | None = None) -> Any:
    """A configured ``Datasette`` on ``db_path`` (mounted as ``dcradar``), not yet serving.

    ``overlay`` is a YAML file merged over ``db/datasette/datasette.yml``: how a
    private deployment adds ``allow`` and an authentication plugin's settings
    (README, "The public face") without editing the shipped files.
    """
    from datasette.app import Datasette
    from datasette.database import Database

    register_plugin()
    metadata, config = load_config(config_dir)
    metadata, settings = assemble_for_065(metadata, _merge(config, load_overlay(overlay)))
    ds = Datasette([], metadata=_with_tiles(metadata, tiles), settings=settings)
    if "_memory" in ds.databases:
        ds.remove_database("_memory")
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name=DB_NAME)
    return ds


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001, *,
          tiles: str | None = None, overlay: str | Path | None = None) -> None:
    """Prepare the database, then serve it until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn

    prepare_database(db_path)
    ds = make_datasette(db_path, tiles=tiles, overlay=overlay)
    asyncio.run(ds.invoke_startup())
    # What is loaded by now (Datasette, plugins, configuration) lives as long as the
    # server: frozen, the collector's full passes skip it, which otherwise walk all of
    # it and stall a request now and then (30 ms each time; 4 ms frozen).
    gc.freeze()
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on", workers=1)
