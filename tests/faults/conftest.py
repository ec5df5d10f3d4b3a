"""Fixtures of the Redis outage tests: a migrated SQLite file per module to copy, and a
redis-server process of the test's own that it may kill and start again."""

import pytest

from tests.faults.redis_server import RedisServer, migrated_sqlite


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return migrated_sqlite(tmp_path_factory.mktemp("redis-outage"))


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.kill()
