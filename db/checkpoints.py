"""WAL checkpoints from a thread of their own, not from the crawl's commits.

In WAL mode SQLite copies the log back into the database file (a
checkpoint) from whichever commit takes the log past 1,000 pages. The crawl
commits once per page, from the thread that runs Scrapy's event loop, so
every ~4 MB of pages one item's commit also wrote the log's pages into the
database and synced both files: replaying a 1k-page crawl's store, the
commits took 1.2-1.6 ms of wall time a page instead of 0.5, the rest spent
waiting on the disk while no response or worker result was handled.

:class:`Checkpointer` turns the writer's automatic checkpoints off and runs
them on its own connection in a thread (``sqlite3`` lets go of the GIL while
SQLite works): ``PASSIVE`` ones, which never wait for or block the writer or
a reader (Datasette). The thread knows when to run one from the log file's
size: the writer truncates the log whenever it starts it over (after a
checkpoint has copied all of it), instead of writing over the old one, which
keeps its largest size. Should the thread fall behind a writer that never
pauses, the writer's own automatic checkpoint is kept, at a much larger size,
as a bound on the log.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

import sqlite_utils

logger = logging.getLogger(__name__)

#: Log size (pages of 4 KB) at which the thread checkpoints: SQLite's own default.
CHECKPOINT_PAGES = 1000
#: The writer's automatic checkpoint, kept as the log's bound if the thread falls behind.
WRITER_BOUND_PAGES = 16 * CHECKPOINT_PAGES
#: How often the thread looks at the log's size (seconds).
POLL_S = 0.2


class Checkpointer:
    """Checkpoint ``writer``'s WAL from a daemon thread until :meth:`stop`.

    For a WAL-mode database file (:func:`db.schema.open_db`); on anything else
    (an in-memory database, another journal mode) it does nothing and SQLite
    keeps its own behaviour.
    """

    def __init__(self, writer: sqlite_utils.Database, pages: int = CHECKPOINT_PAGES,
                 poll_s: float = POLL_S):
        self.writer = writer
        file = writer.conn.execute("PRAGMA database_list").fetchone()[2]
        self.path = Path(file) if file else None  # "": in memory
        self.wal = Path(f"{file}-wal")
        page_size = writer.conn.execute("PRAGMA page_size").fetchone()[0]
        self.threshold = pages * page_size
        self.poll_s = poll_s
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Checkpointer:
        mode = self.writer.conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal" or self.path is None:
            return self
        self.writer.execute(f"PRAGMA wal_autocheckpoint = {WRITER_BOUND_PAGES}")
        self.writer.execute("PRAGMA journal_size_limit = 0")
        self._thread = threading.Thread(target=self._run, daemon=True, name="wal-checkpoints")
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the thread, and give the writer back SQLite's automatic checkpoints."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.writer.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
        self.writer.execute("PRAGMA journal_size_limit = -1")

    def _run(self) -> None:
        # The thread's own connection: a sqlite3 connection belongs to its thread.
        conn = sqlite3.connect(self.path, check_same_thread=True)
        try:
            conn.execute("PRAGMA busy_timeout = 1000")
            while not self._stop.wait(self.poll_s):
                if self._wal_size() >= self.threshold:
                    self._checkpoint(conn)
        finally:
            conn.close()

    def _wal_size(self) -> int:
        try:
            return os.stat(self.wal).st_size
        except OSError:  # no log yet, or the last connection just removed it
            return 0

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
        except sqlite3.Error as exc:  # the writer's own bound still holds the log
            logger.warning("background WAL checkpoint of %s failed: %s", self.path, exc)
