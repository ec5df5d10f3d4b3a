"""Fixtures of the fault tests: a migrated SQLite file to copy (one per test process: the
Redis outage tests and the gunicorn-served sites of tests/served.py all start from it), and
a redis-server process of the test's own that it may kill and start again."""

import pytest

from tests.faults.redis_server import RedisServer, migrated_sqlite


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """Migrating a fresh file takes seconds (the migrations, then the staff roles):
    done once per test process; every test works on a copy (outage_config, seeded_site)."""
    return migrated_sqlite(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.kill()
