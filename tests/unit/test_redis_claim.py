"""Two test runs on one machine never share a Redis database (each flushes its own)."""

import pytest
from redis import Redis

from tests.conftest import LOCK_DB, _claim_redis_db, redis_db_url

pytestmark = pytest.mark.redis


def test_a_second_claim_gets_another_database(app):
    mine = app.config["REDIS_URL"]  # this run's claim
    other = _claim_redis_db(mine)  # what a second run on this machine would get
    other_db = Redis.from_url(other).connection_pool.connection_kwargs["db"]
    try:
        assert other != mine
        assert Redis.from_url(other).ping()
        mine_db = Redis.from_url(mine).connection_pool.connection_kwargs["db"]
        assert other_db != mine_db and LOCK_DB not in (mine_db, other_db)
    finally:
        Redis.from_url(redis_db_url(mine, LOCK_DB)).delete(f"helpport:tests:redis-db:{other_db}")
