"""Rows remembered until the next commit to the SQLite file, by any process.

Every portal request reads its workspace row (portal.services.workspaces): on a cached
page that read and the session's connection it opens were a quarter of the request
(docs/PERFORMANCE.md, issue 11). SQLite tells cheaply whether anything was committed since
a moment: `PRAGMA data_version` answers a different number on a connection once any other
connection, of this process or another, has committed to the file (a few microseconds, no
transaction). So each thread keeps its own read-only connection for that question and, with
it, the values it read: `remembered(key, read)` answers the kept value while nothing was
committed since it was read, else calls `read()` again. A write anywhere (a worker, the
admin, a job, another instance on this machine) is seen by the next request, as with a
read every time.

Only for a SQLite file (`for_engine` answers None otherwise: PostgreSQL has no such
number, so every lookup reads). A file replaced by another one (a restore, a test's fresh
database) is noticed by its inode and the connection reopened. When the question cannot be
asked (the file is gone or locked out), `read()` is called, as without this module.
"""

import itertools
import os
import sqlite3
import threading

from sqlalchemy.engine import Engine

from portal.sqlite_setup import is_file_database

MAX_KEPT = 256  # values kept per thread; more distinct keys empty the memo
_connections = itertools.count(1)  # a reopened connection's numbers never match old stamps


class Changes:
    """The commits to one SQLite file, asked per thread."""

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()

    def stamp(self) -> tuple | None:
        """A value equal to an earlier stamp of this thread only if nothing was committed
        to the file in between; None when that cannot be told."""
        local = self._local
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        file_id = (stat.st_dev, stat.st_ino, os.getpid())  # a forked worker opens its own
        if getattr(local, "file_id", None) != file_id:
            self._reopen(local, file_id)
        try:
            version = local.connection.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            local.file_id = None
            return None
        return local.number, version

    def remembered(self, key, read):
        """`read()`, or what it answered for `key` when nothing was committed since. The
        value is shared with later calls: the caller must not change it."""
        stamp = self.stamp()  # before the read: a commit during it makes the stamp stale
        if stamp is None:
            return read()
        kept = self._local.kept
        found = kept.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
        value = read()
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[key] = (stamp, value)
        return value

    def _reopen(self, local, file_id) -> None:
        old = getattr(local, "connection", None)
        if old is not None and getattr(local, "pid", None) == os.getpid():
            old.close()
        # autocommit: the question never holds a read transaction open (WAL checkpoints)
        local.connection = sqlite3.connect(self.path, isolation_level=None)
        local.number, local.file_id, local.pid = next(_connections), file_id, os.getpid()
        local.kept = {}


def for_engine(engine: Engine) -> Changes | None:
    """The `Changes` of `engine`'s SQLite file, or None for any other database."""
    if not is_file_database(engine) or engine.url.query:
        return None
    return Changes(engine.url.database)
