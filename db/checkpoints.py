"""WAL checkpoints from a thread of their own, not from the crawl's commits.

In WAL mode SQLite copies the log back into the database file (a
checkpoint) from whichever commit takes the log past 1,000 pages. The crawl
commits once per page, from the thread that runs Scrapy's event loop, so
every ~4 MB of pages one item's commit also wrote the log's pages into the
database and synced both files: replaying a 1k-page crawl's store, the
commits took 1.2-1.6 ms of wall time a page instead of 0.5, the rest spent
waiting on the disk while no response or worker result was handled.

:class:`Checkpointer` runs them instead on its own connection in a thread
(``sqlite3`` lets go of the GIL while SQLite works), every half second:
``PASSIVE`` ones, which never wait for or block the writer or a reader
(Datasette), and cost nothing when the log holds nothing new. At the crawl's
pace (about 7 MB of log a second on the benchmark's pages) that is about as
often as SQLite's own. The writer's automatic checkpoint is kept, at a much
larger size, as a bound on the log should the thread fall behind.

Why by the clock and not by the log's size: the log file keeps its largest
size when SQLite starts it over, so its size says nothing once it has grown.
Truncating it at each restart (``journal_size_limit``) would make it tell,
but the file system then allocates the log's blocks again each time: in the
replay the commits took 0.79-0.85 ms of CPU an item that way, 0.65-0.79
without it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import sqlite_utils

logger = logging.getLogger(__name__)

#: SQLite's automatic checkpoint size (pages) unless a connection sets another.
SQLITE_DEFAULT_PAGES = 1000
#: The writer's automatic checkpoint while the thread runs: a bound on the log only.
WRITER_BOUND_PAGES = 16 * SQLITE_DEFAULT_PAGES
#: Seconds between two checkpoints of the thread.
INTERVAL_S = 0.5


class Checkpointer:
    """Checkpoint ``writer``'s WAL from a daemon thread until :meth:`stop`.

    For a WAL-mode database file (:func:`db.schema.open_db`); on anything else
    (an in-memory database, another journal mode) it does nothing and SQLite
    keeps its own behaviour.
    """

    def __init__(self, writer: sqlite_utils.Database, interval_s: float = INTERVAL_S):
        self.writer = writer
        self.path = writer.conn.execute("PRAGMA database_list").fetchone()[2] or None
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer_pages = SQLITE_DEFAULT_PAGES  # the writer's own setting, given back

    def start(self) -> Checkpointer:
        mode = self.writer.conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal" or self.path is None:
            return self
        self._writer_pages = self.writer.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        self.writer.execute(f"PRAGMA wal_autocheckpoint = {WRITER_BOUND_PAGES}")
        self._thread = threading.Thread(target=self._run, daemon=True, name="wal-checkpoints")
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the thread, and give the writer back its own automatic checkpoints."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.writer.execute(f"PRAGMA wal_autocheckpoint = {self._writer_pages}")

    def _run(self) -> None:
        # The thread's own connection: a sqlite3 connection belongs to its thread.
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("PRAGMA busy_timeout = 1000")
            while not self._stop.wait(self.interval_s):
                self._checkpoint(conn)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # the writer's own bound still holds the log
            logger.warning("background WAL checkpoint of %s failed: %s", self.path, exc)
