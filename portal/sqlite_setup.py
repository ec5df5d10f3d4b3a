"""SQLite set up for a web app with several worker processes (the embedded default).

Each new connection to a SQLite file gets:

- `journal_mode=WAL`: readers never wait for a writer nor a writer for readers (in the
  rollback journal, SQLite's default, a commit waits until no one reads and readers wait
  while it writes: under load requests queued behind each other, one even answered 503
  after the busy timeout). The mode is stored in the file; `-wal` and `-shm` files appear
  next to it while it is open (a backup copies all three, or uses SQLite's backup API:
  docs/DEPLOYMENT.md).
- `synchronous` from SQLITE_SYNCHRONOUS (NORMAL: in WAL mode a commit writes the log
  without waiting for the disk, which is only forced at checkpoints; a crash of the app or
  of a worker loses nothing, a power loss or an OS crash may lose the last commits but never
  corrupts the file. FULL waits for the disk at every commit).
- a busy timeout of SQLITE_BUSY_TIMEOUT_SECONDS: a writer waits that long for another one.
- `journal_size_limit`: the log is cut back to 64 MiB after a checkpoint, so that a
  burst of writes does not leave a large file behind.

`foreign_keys` stays off, as SQLite's default: the code deletes dependent rows itself
(portal/services/ticket_removal.py) and does not rely on the schema's ON DELETE rules, and
with it on the table rebuilds of batch migrations (DROP TABLE) would run those rules and
delete or null rows of other tables. An in-memory database has no WAL and is left as it is.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import ConfigError

JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
SYNCHRONOUS = ("off", "normal", "full", "extra")


def is_file_database(engine: Engine) -> bool:
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in str(url)


def pragmas(cfg) -> list[str]:
    synchronous = str(cfg.get("SQLITE_SYNCHRONOUS") or "normal").lower()
    if synchronous not in SYNCHRONOUS:
        raise ConfigError(f"PORTAL_SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS)}, "
                          f"not {synchronous!r}")
    busy_ms = int(float(cfg.get("SQLITE_BUSY_TIMEOUT_SECONDS", 5)) * 1000)
    # busy_timeout first: switching a file to WAL needs a moment alone with it
    return [f"PRAGMA busy_timeout = {busy_ms}", "PRAGMA journal_mode = WAL",
            f"PRAGMA synchronous = {synchronous.upper()}",
            f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}"]


def install(engine: Engine, cfg) -> bool:
    """Run `pragmas(cfg)` on each new connection of `engine` if it is a SQLite file."""
    if not is_file_database(engine):
        return False
    statements = pragmas(cfg)

    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()

    event.listen(engine, "connect", on_connect)
    return True
