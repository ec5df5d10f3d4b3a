"""A PostgreSQL database of the fault tests' own (created, then dropped), an app on it,
and ways to kill that app's connections at a chosen moment:

- `kill_connections()` now, waiting until the server has ended them;
- `kill_on(target, event_name)` once, from inside a SQLAlchemy event (mid-request,
  right before or after a COMMIT).

Only connections to the fault database are terminated (by `datname`), never another
test run's.
"""

import time
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event

from config import TestingConfig
from tests.conftest import CI, PG_URL

pytestmark = pytest.mark.postgres


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _with_db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(_plain(url))._replace(path=f"/{name}"))


def admin():
    """A connection to the server's own test database, for CREATE/DROP and kills."""
    return psycopg.connect(_plain(PG_URL), autocommit=True)


class FaultDatabase:
    def __init__(self):
        self.name = f"hp_fault_{uuid.uuid4().hex[:10]}"
        self.url = _with_db(PG_URL, self.name)
        self.spared: set[int] = set()  # the tests' own connections to it
        self.kills = 0

    def create(self) -> None:
        with admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with admin() as conn:
            conn.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def connect(self):
        """A connection to the fault database that kills spare."""
        conn = psycopg.connect(self.url, autocommit=True)
        self.spared.add(conn.info.backend_pid)
        return conn

    def _app_pids(self, conn) -> list[int]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.name,)).fetchall()
        return [pid for (pid,) in rows if pid not in self.spared]

    def kill_connections(self) -> int:
        """Terminate the app's connections and wait until they are gone."""
        with admin() as conn:
            pids = self._app_pids(conn)
            for pid in pids:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            deadline = time.monotonic() + 10
            while set(self._app_pids(conn)) & set(pids):
                assert time.monotonic() < deadline, "connections not terminated"
                time.sleep(0.01)
        self.kills += 1
        return len(pids)

    def refuse_connections(self, refuse: bool) -> None:
        with admin() as conn:
            conn.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {str(not refuse)}')

    @contextmanager
    def kill_on(self, target, event_name: str, times: int = 1, when=lambda *args: True):
        """Kill the app's connections the first `times` times `event_name` fires (with
        arguments that `when` accepts)."""
        left = [times]

        def fire(*args, **kwargs):
            if left[0] > 0 and when(*args):
                left[0] -= 1
                self.kill_connections()

        event.listen(target, event_name, fire)
        try:
            yield
        finally:
            event.remove(target, event_name, fire)


@contextmanager
def kill_after_commit(database: FaultDatabase):
    """Kill right after the first COMMIT of a whole transaction (not a savepoint's)."""
    from sqlalchemy.orm import Session

    with database.kill_on(Session, "after_commit",
                          when=lambda session: not session.in_nested_transaction()):
        yield


@pytest.fixture(scope="module")
def fault_db():
    if not PG_URL:  # module-scoped: set up before the per-test marker check
        (pytest.fail if CI else pytest.skip)("needs postgres: set PORTAL_TEST_DATABASE_URL")
    database = FaultDatabase()
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="module")
def fault_app(fault_db, tmp_path_factory, app):
    """The real app on the fault database (`app`: the session app exists first, so the
    limiter storage it set up is the one put back)."""
    from portal import create_app, database
    from portal.extensions import db, limiter
    from tests.isolated_client import IsolatedClient

    saved = (limiter._storage, limiter._limiter, limiter._storage_uri)
    tmp = tmp_path_factory.mktemp("faults")

    class Config(TestingConfig):
        DATABASE_URL = fault_db.url
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")
        BASE_URL = "http://portal.test"

    fault = create_app(Config)
    fault.test_client_class = IsolatedClient
    with fault.app_context():
        database.upgrade()
    limiter._storage, limiter._limiter, limiter._storage_uri = saved
    yield fault
    with fault.app_context():
        db.session.remove()
        db.engine.dispose()
