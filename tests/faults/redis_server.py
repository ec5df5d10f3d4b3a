"""A Redis server of the test's own, for outages: `kill()` takes it down (no persistence,
so every key is lost, as when an operator's Redis restarts empty) and `start()` brings it
back on the same port. Also a migrated SQLite database to copy, and apps built on both."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from config import TestingConfig
from tests.jobs.support import free_port

START_WITHIN = 10  # seconds


def redis_server_binary() -> None:
    """Fail under CI when `redis-server` is missing (scripts/install-test-deps.sh installs
    it), skip elsewhere."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the Redis fault tests: install redis-server")
        pytest.skip("needs the redis-server binary")


class RedisServer:
    def __init__(self):
        redis_server_binary()
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + START_WITHIN
        while True:
            try:
                client.ping()
                return self
            except RedisConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def migrated_sqlite(folder: Path) -> Path:
    """A database at the newest schema, migrated in this process like make_app's apps (the
    session app's limiter storage, which create_app replaces, is put back)."""
    from portal import create_app, database
    from portal.extensions import db, limiter

    path = folder / "migrated.db"
    saved = (limiter._storage, limiter._limiter, limiter._storage_uri, limiter._storage_dead)
    try:
        app = create_app(type("TemplateConfig", (TestingConfig,), {
            "DATABASE_URL": f"sqlite:///{path}", "OUTBOX_DIR": str(folder / "outbox"),
            "UPLOAD_DIR": str(folder / "uploads")}))
        with app.app_context():
            database.upgrade()
            db.session.remove()
            db.engine.dispose()
    finally:
        (limiter._storage, limiter._limiter, limiter._storage_uri,
         limiter._storage_dead) = saved
    return path


def outage_config(template: Path, folder: Path, redis_url: str, **settings) -> type:
    """A config on a copy of `template` and on `redis_url`."""
    shutil.copy(template, folder / "outage.db")
    values = {"DATABASE_URL": f"sqlite:///{folder / 'outage.db'}", "REDIS_URL": redis_url,
              "OUTBOX_DIR": str(folder / "outbox"), "UPLOAD_DIR": str(folder / "uploads"),
              "BASE_URL": "http://portal.test", **settings}
    return type("OutageConfig", (TestingConfig,), values)


def dispose(app) -> None:
    from portal.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
