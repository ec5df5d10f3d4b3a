"""Fixtures: one app per session, a fresh app context and clean tables per test, and
always two workspaces (acme, globex) so that every isolation rule has a neighbour.

Services: PORTAL_TEST_DATABASE_URL (PostgreSQL) and PORTAL_TEST_REDIS_URL (Redis) switch
the whole suite onto them; `.ci/run` runs the suite once on the embedded default and once
on both. With CI=true, tests marked `postgres`/`redis` fail instead of skipping when the
service is unreachable.
"""

import os
import re
import uuid

import pytest

from config import TestingConfig
from tests.factories import make_contact, make_workspace

# fixtures of helper modules, there for every test without importing them
pytest_plugins = ["tests.live"]

CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")


def _postgres_url(base: str) -> tuple[str, str]:
    """A fresh schema per run, so that runs never see each other's tables. Its sessions
    commit without waiting for the WAL to reach the disk (synchronous_commit=off: what a
    commit does and shows to other sessions is the same, only a server crash could lose the
    last ones; test data need no durability): a commit cost 0.8-2 ms of fsync here, and
    the tests commit at every factory call and clean-up."""
    import psycopg

    schema = f"hp_test_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    options = f"-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    return f"{base}{sep}options={options}", schema


def _drop_schema(base: str, schema: str) -> None:
    import psycopg

    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


LOCK_DB = 15  # holds which test databases are in use; never flushed by the tests
SPARE_DBS = tuple(range(14, 0, -1))  # 14 ... 1: each xdist worker of each run claims one


def redis_db_url(url: str, number: int) -> str:
    """The URL with another database (a URL's path wins over redis-py's `db=` argument)."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def _claim_redis_db(url: str) -> str:
    """Test runs flush their Redis database between tests, so two runs on one machine (a
    developer's and CI's) must not share one. Claim the URL's database, or the first free
    spare, with an expiring key in LOCK_DB; the claim ends with the session (or its expiry)."""
    import atexit

    from redis import Redis

    first = Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)
    locks = Redis.from_url(redis_db_url(url, LOCK_DB))
    for number in dict.fromkeys((first, *SPARE_DBS)):
        key = f"helpport:tests:redis-db:{number}"
        if locks.set(key, os.getpid(), nx=True, ex=3600):
            atexit.register(locks.delete, key)
            return redis_db_url(url, number)
    pytest.exit(f"every Redis test database is in use ({first}, {SPARE_DBS}): another "
                "test run is going on", returncode=1)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from portal import create_app, database
    from portal.i18n_cli import compile_catalogs

    compile_catalogs()  # the .mo files are git-ignored: a fresh clone has none

    tmp = tmp_path_factory.mktemp("helpport")
    schema = None

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp / 'test.db'}"
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")
        SEARCH_INDEX_DIR = str(tmp / "search-index")
        BASE_URL = "http://portal.test"

    if PG_URL:
        Config.DATABASE_URL, schema = _postgres_url(PG_URL)
    if REDIS_URL:
        Config.REDIS_URL = _claim_redis_db(REDIS_URL)
    _Writes.listen()
    app = create_app(Config)
    from tests.isolated_client import IsolatedClient

    app.test_client_class = IsolatedClient
    with app.app_context():
        database.upgrade()
        if REDIS_URL:
            from portal.extensions import redis_connection

            redis_connection().flushdb()
    yield app
    if schema:
        with app.app_context():
            from portal.extensions import db

            db.session.remove()
            db.engine.dispose()
        _drop_schema(PG_URL, schema)


class _Writes:
    """Which tables any SQL statement may have changed since the last clean-up (on any
    engine: apps a test builds on the session's database included), so that the clean-up
    empties only those: a table nobody wrote is as the last clean-up left it, empty.
    Emptying every table cost 10-20 ms on SQLite and ~70 ms on PostgreSQL (28 DELETEs,
    each a round trip), so tests that only read skip it and the others empty a few tables.
    `tables` is None for "every table": at the start, after a statement that is not a
    plain INSERT/UPDATE/DELETE of one table, and after the test started a process (a
    gunicorn, a CLI, a fork), which may write the session's database unseen."""

    tables: set[str] | None = None  # the first test's clean-up empties every table
    READS = ("SELECT", "PRAGMA", "SHOW", "SET", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK",
             "COMMIT")
    WRITE = re.compile(r'\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|'
                       r'UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?(?=[\s(]|$)',
                       re.IGNORECASE)
    PROCESS_EVENTS = frozenset(("subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn",
                                "os.spawn", "os.system", "os.exec"))

    @classmethod
    def listen(cls):
        import sys

        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        if not event.contains(Engine, "before_cursor_execute", cls.note):
            event.listen(Engine, "before_cursor_execute", cls.note)
            sys.addaudithook(cls.audit)  # for the session: hooks cannot be removed

    @classmethod
    def note(cls, _conn, _cursor, statement, *_args):
        tables = cls.tables
        if tables is None or statement.lstrip()[:10].upper().startswith(cls.READS):
            return
        match = cls.WRITE.match(statement)
        if match:
            tables.add(match.group(1).lower())
        else:
            cls.tables = None

    @classmethod
    def audit(cls, event_name, _args):
        if event_name in cls.PROCESS_EVENTS:
            cls.tables = None


KEPT_TABLES = ("ab_user_role", "ab_user")  # of FAB's: its roles and permissions are kept
# PORTAL_TEST_CHECK_CLEAN=1: after each clean-up, count the rows of every table it may
# empty and fail on any left (a write the tracking missed); slow, for checking _Writes
CHECK_CLEAN = os.environ.get("PORTAL_TEST_CHECK_CLEAN") == "1"


def _assert_empty(db):
    from sqlalchemy import func, select

    left = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if not table.name.startswith("ab_") or table.name in KEPT_TABLES:
                count = conn.execute(select(func.count()).select_from(table)).scalar()
                if count:
                    left[table.name] = count
    assert not left, f"rows left after the clean-up (a write _Writes missed): {left}"


def _clean(app):
    from portal.extensions import cache, db, limiter, redis_connection

    db.session.rollback()
    written = _Writes.tables
    if written is None or written:
        tables = [t for t in reversed(db.metadata.sorted_tables)
                  if (not t.name.startswith("ab_") or t.name in KEPT_TABLES)
                  and (written is None or t.name.lower() in written)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one round trip for them all
                conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
            else:
                for table in tables:
                    conn.execute(table.delete())
        _Writes.tables = set()
    if CHECK_CLEAN:
        _assert_empty(db)
    limiter.reset()
    cache.clear()  # workspaces of the next test may have the same ids and versions
    redis_connection().flushdb()
    from flask import g

    g.pop("workspace_id", None)


@pytest.fixture(autouse=True)
def ctx(request):
    """An app context for the test and empty tables after it, for tests that use the app
    (they ask for `app` or a fixture built on it: `db`, `client`, `acme` ...). Tests of
    plain functions boot nothing and clean nothing."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        yield
        from tests.isolated_client import IsolatedClient

        IsolatedClient.close_answers()
        _clean(app)


# modules of half a minute or more (fuzzers, probes of every URL, tests that start real
# gunicorns or run a benchmark end to end), longest first: they start first, so that with
# several workers (pytest-xdist, --dist loadfile) the short tests fill in around them
# instead of one worker finishing alone with a long one. xdist (3.7 and later) reorders
# files by their number of tests unless told --no-loadscope-reorder (scripts/run-tests.sh
# does): that would start these files, one to nine tests each, last.
LONG_MODULES = ("test_fuzz_staff.py", "test_fuzz.py", "test_role_matrix.py", "test_health.py",
                "test_bench_search.py", "test_bench_search_load.py", "test_shutdown.py",
                "test_bench_memory.py", "test_bench_servers.py", "test_server_split.py",
                "test_bench_pages.py", "test_url_probe.py")


def _start_order(item) -> int:
    name = item.path.name
    return LONG_MODULES.index(name) if name in LONG_MODULES else len(LONG_MODULES)


def pytest_collection_modifyitems(items):
    """Mark `services` every test that uses the session app, hence its database and Redis
    (the PostgreSQL/Redis pass of scripts/run-tests.sh selects them), and `embeddings` every
    test that needs the sentence model (its `model_ready` fixture). Long modules go first."""
    items.sort(key=_start_order)  # stable: else as found
    for item in items:
        used = getattr(item, "fixturenames", ())
        if "app" in used:
            item.add_marker(pytest.mark.services)
        if "model_ready" in used:
            item.add_marker(pytest.mark.embeddings)


@pytest.fixture
def make_app(monkeypatch):
    """Build extra apps (other configs). Flask-Limiter keeps one storage per Limiter object,
    so the session app's limiter storage (and whether it was reachable) is put back
    afterwards."""
    from portal import create_app
    from portal.extensions import limiter

    saved = (limiter._storage, limiter._limiter, limiter._storage_uri, limiter._storage_dead)
    yield create_app
    (limiter._storage, limiter._limiter, limiter._storage_uri,
     limiter._storage_dead) = saved


@pytest.fixture
def unmigrated_app(make_app, tmp_path):
    """An app on an empty database of its own (a SQLite file, or a fresh PostgreSQL schema
    when PG_URL is set), for tests that run migrations step by step; dropped afterwards."""
    from config import TestingConfig
    from portal.extensions import db as database

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path / 'migrate.db'}"
        OUTBOX_DIR = str(tmp_path / "outbox")
        UPLOAD_DIR = str(tmp_path / "uploads")

    schema = None
    if PG_URL:
        Config.DATABASE_URL, schema = _postgres_url(PG_URL)
    app = make_app(Config)
    yield app
    with app.app_context():
        database.session.remove()
        database.engine.dispose()
    if schema:
        _drop_schema(PG_URL, schema)


@pytest.fixture
def db(app):
    from portal.extensions import db as database

    return database


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def acme(db):
    return make_workspace(slug="acme", name="Acme Support")


@pytest.fixture
def globex(db):
    return make_workspace(slug="globex", name="Globex Help")


@pytest.fixture
def jobs(app):
    """Work queued jobs now: `jobs()` returns how many succeeded."""
    from portal.jobs.worker import drain

    return lambda: drain(app)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def customer_client(app, acme):
    from tests.factories import login_as

    client = app.test_client()
    login_as(client, make_contact(acme, email="pat@customer.example"))
    return client


@pytest.fixture(autouse=True)
def _needs_services(request):
    for marker, url, env in (("postgres", PG_URL, "PORTAL_TEST_DATABASE_URL"),
                             ("redis", REDIS_URL, "PORTAL_TEST_REDIS_URL")):
        if request.node.get_closest_marker(marker) and not url:
            if CI:
                pytest.fail(f"CI must run this against {marker}: set {env}")
            pytest.skip(f"needs {marker}: set {env} (CI runs it)")


@pytest.fixture
def private_ok(app):
    """The operator allows private webhook targets: the test receivers are on loopback."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    yield
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that records the webhook deliveries it gets."""
    from tests import webhook_receiver

    server = webhook_receiver.start()
    yield server
    webhook_receiver.stop(server)
