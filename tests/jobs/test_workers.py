"""Workers as they run for real: `flask portal worker --burst` in its own process on a real
Redis, and the embedded worker thread that the default set-up relies on."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import ROOT, TestingConfig
from portal.extensions import db
from portal.jobs import queue
from portal.services import emails
from portal.tenancy import use_workspace
from tests.jobs.support import outbox_rows

EMBEDDED_TIMEOUT = 20  # seconds


@pytest.mark.redis
def test_worker_process_on_real_redis_delivers(app, acme, smtp_server):
    with use_workspace(acme.id):
        emails.sign_in_code(acme, "pat@customer.example", "246810", minutes=10, locale="en-US")
        db.session.commit()
    assert len(queue("high").job_ids) == 1, "enqueued on the real Redis"

    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
        "PORTAL_REDIS_URL": app.config["REDIS_URL"],
        "PORTAL_SMTP_URL": app.config["SMTP_URL"],
        "PORTAL_OUTBOX_DIR": app.config["OUTBOX_DIR"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "portal", "worker", "--burst"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [message] = smtp_server.messages
    assert "246810" in message["Subject"]
    [row] = outbox_rows()
    assert row.sent_at is not None
    assert queue("high").job_ids == []


@pytest.mark.redis
def test_a_worker_ends_without_waiting_for_its_command_listener(app):
    """RQ's teardown unsubscribes, then stops the thread listening for its commands, which
    redis-py 8 joins; a listener that has already read the unsubscription waits out its
    wake time first (RQ's 60 s made some tests and drains take a minute)."""
    from portal.jobs.worker import ThreadWorker, make_worker

    with app.app_context():
        worker = make_worker(app, ThreadWorker, queues=["high"])
        worker.subscribe()
        worker.pubsub.unsubscribe()
        time.sleep(1.0)  # the listener reads the confirmation and waits for a subscription
        started = time.monotonic()
        worker.unsubscribe()
        assert time.monotonic() - started < 3
        assert not worker.pubsub_thread.is_alive()


@pytest.fixture
def embedded_app(tmp_path, make_app):
    """A second app as the quick start runs it: no Redis, RUN_EMBEDDED_WORKER on."""
    from portal import database
    from portal.jobs.worker import stop_embedded_worker

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path / 'embedded.db'}"
        OUTBOX_DIR = str(tmp_path / "outbox")
        REDIS_URL = ""
        SMTP_URL = ""
        RUN_EMBEDDED_WORKER = True
        OUTBOX_SWEEP_SECONDS = 3600

    embedded = make_app(Config)
    try:
        with embedded.app_context():
            database.upgrade()
        yield embedded
    finally:
        stop_embedded_worker(embedded)
        with embedded.app_context():
            db.session.remove()
            db.engine.dispose()


def test_embedded_worker_delivers_without_a_manual_drain(embedded_app):
    from tests.factories import make_workspace

    with embedded_app.app_context():
        ws = make_workspace(slug="acme", name="Acme Support")
        with use_workspace(ws.id):
            emails.sign_in_code(ws, "pat@customer.example", "135790", minutes=10,
                                locale="en-US")
            db.session.commit()
        running = embedded_app.extensions.get("helpport_embedded_worker")
        assert running is not None and running.alive(), "enqueueing starts the worker thread"

        folder = Path(embedded_app.config["OUTBOX_DIR"])
        deadline = time.monotonic() + EMBEDDED_TIMEOUT
        while not list(folder.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.05)
        [path] = folder.glob("*.eml")
        assert b"135790" in path.read_bytes()
        [row] = outbox_rows()
        assert row.sent_at is not None
        db.session.remove()
