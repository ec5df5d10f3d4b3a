"""SQLite's set-up for several worker processes (portal/sqlite_setup.py): WAL and its
pragmas on every connection to a file, readers and writers not waiting for each other,
nothing done to an in-memory database. Each scenario runs once more on a plain engine (the
rollback journal, SQLite's default) to show that it would block there."""

import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool, StaticPool

from config import ConfigError, TestingConfig
from portal import sqlite_setup

SETTINGS = {"SQLITE_SYNCHRONOUS": "normal", "SQLITE_BUSY_TIMEOUT_SECONDS": 5}


def engine_on(path, set_up: bool, **settings):
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    if set_up:
        assert sqlite_setup.install(engine, {**SETTINGS, **settings})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)"))
    return engine


def pragma(conn, name):
    return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


@pytest.fixture
def raw():
    """`raw(engine, busy_ms)`: a connection of `engine` (its pragmas run) managing its own
    transactions, closed after the test."""
    held = []  # the pool's wrappers: a dropped one closes its connection

    def connect(engine, busy_ms: int) -> sqlite3.Connection:
        held.append(engine.raw_connection())
        conn = held[-1].driver_connection
        conn.isolation_level = None
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        return conn

    yield connect
    for wrapper in held:
        wrapper.close()


def test_a_file_database_runs_in_wal_with_the_pragmas(tmp_path):
    engine = engine_on(tmp_path / "a.db", set_up=True)
    with engine.connect() as conn:
        assert pragma(conn, "journal_mode") == "wal"
        assert pragma(conn, "synchronous") == 1  # NORMAL
        assert pragma(conn, "busy_timeout") == 5000
        assert pragma(conn, "journal_size_limit") == sqlite_setup.JOURNAL_SIZE_LIMIT
        assert pragma(conn, "foreign_keys") == 0  # as before: see the module's docstring
    plain = engine_on(tmp_path / "b.db", set_up=False)
    with plain.connect() as conn:
        assert pragma(conn, "journal_mode") == "delete"


def test_the_settings_choose_synchronous_and_the_busy_timeout(tmp_path):
    engine = engine_on(tmp_path / "a.db", set_up=True, SQLITE_SYNCHRONOUS="FULL",
                       SQLITE_BUSY_TIMEOUT_SECONDS=0.25)
    with engine.connect() as conn:
        assert (pragma(conn, "synchronous"), pragma(conn, "busy_timeout")) == (2, 250)
    with pytest.raises(ConfigError, match="SQLITE_SYNCHRONOUS"):
        sqlite_setup.pragmas({**SETTINGS, "SQLITE_SYNCHRONOUS": "sometimes"})


def test_the_app_sets_up_its_sqlite_file(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the session's database is PostgreSQL")
    with db.engine.connect() as conn:
        assert pragma(conn, "journal_mode") == "wal"
        assert pragma(conn, "synchronous") == 1


def test_a_bad_synchronous_setting_stops_the_app(make_app, tmp_path):
    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path / 'bad.db'}"
        SQLITE_SYNCHRONOUS = "sometimes"

    with pytest.raises(ConfigError, match="SQLITE_SYNCHRONOUS"):
        make_app(Config)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:",
                                 "sqlite:///file:mem1?mode=memory&cache=shared&uri=true"])
def test_an_in_memory_database_is_left_as_it_is(url):
    engine = create_engine(url, poolclass=StaticPool)
    assert not sqlite_setup.install(engine, SETTINGS)
    with engine.connect() as conn:
        assert pragma(conn, "journal_mode") == "memory"
    assert not sqlite_setup.install(create_engine("postgresql+psycopg://db/x"), SETTINGS)


@pytest.mark.parametrize("set_up", [True, False], ids=["wal", "rollback-journal"])
def test_a_commit_does_not_wait_for_an_open_read(tmp_path, raw, set_up):
    engine = engine_on(tmp_path / "a.db", set_up)
    reader, writer = raw(engine, 100), raw(engine, 100)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t (body) VALUES ('new')")
    if not set_up:  # the rollback journal: the commit waits for the reader, then gives up
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("COMMIT")
        return
    writer.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # its snapshot
    reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)


@pytest.mark.parametrize("set_up", [True, False], ids=["wal", "rollback-journal"])
def test_a_read_does_not_wait_for_an_open_write(tmp_path, raw, set_up):
    """A large write transaction (an import: more than the writer's page cache holds)
    still open: readers read what was committed before it."""
    engine = engine_on(tmp_path / "a.db", set_up)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (body) VALUES ('old')"))
    reader, writer = raw(engine, 100), raw(engine, 100)
    writer.execute("PRAGMA cache_size = 10")  # pages: the write spills to the file
    writer.execute("BEGIN IMMEDIATE")
    writer.executemany("INSERT INTO t (body) VALUES (?)", [("x" * 1000,)] * 500)
    try:
        if not set_up:  # the rollback journal: the spill locked the file for readers
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                reader.execute("SELECT count(*) FROM t").fetchone()
            return
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
    finally:
        writer.execute("ROLLBACK")
