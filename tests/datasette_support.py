"""Datasette's own test client (``ds.client``, httpx over ASGI), driven from sync tests.

One event loop per client, kept for its lifetime: Datasette keeps per-loop state
(executors, startup hooks), so every request of a test module runs on the same loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from gold import make_gold_db

from db.projects import build_projects
from db.schema import open_db
from pipeline.serve import make_datasette, prepare_database


class SyncClient:
    """``get``/``post`` on a configured dcradar Datasette, without a server or a port."""

    def __init__(self, db_path: Path, **kwargs: Any):
        self.ds = make_datasette(db_path, **kwargs)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.ds.invoke_startup())

    def get(self, path: str, **kwargs: Any):
        return self.loop.run_until_complete(self.ds.client.get(path, **kwargs))

    def post(self, path: str, **kwargs: Any):
        return self.loop.run_until_complete(self.ds.client.post(path, **kwargs))

    def close(self) -> None:
        for db in self.ds.databases.values():
            db.close()
        self.loop.close()


def gold_served_db(directory: Path) -> Path:
    """A gold-tagged database with projects built and search on, as ``dcradar serve`` leaves it."""
    path = make_gold_db(directory / "gold.db")
    db = open_db(path)
    build_projects(db)
    db.close()
    prepare_database(path)
    return path


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a WAL database (the backup API, not a file copy)."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return dst


__all__ = ["SyncClient", "copy_db", "gold_served_db"]
