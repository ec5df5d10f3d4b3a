"""The worker process (`flask --app app portal worker`) through Redis outages (issue 9,
part 1): Redis killed while a job sends an email, emails during the outage, Redis back
empty on the same port, SIGTERM. A real SMTP server (aiosmtpd) counts what arrives."""

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from config import ROOT
from portal.extensions import db
from portal.models import Workspace
from portal.services import emails
from portal.tenancy import use_workspace
from tests.factories import make_workspace
from tests.faults.redis_server import dispose, outage_config
from tests.jobs.support import Inbox, free_port, outbox_rows

pytestmark = pytest.mark.redis

EMAIL = "pat@customer.example"
WITHIN = 60  # seconds; the worker process starts in a few


class HeldInbox(Inbox):
    """Holds the first message's answer until `release` is set: a job in mid-send."""

    def __init__(self):
        super().__init__()
        self.arrived = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.arrived.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def inbox():
    held = HeldInbox()
    controller = Controller(held, hostname="127.0.0.1", port=free_port())
    controller.start()
    held.url = f"smtp://127.0.0.1:{controller.port}"
    yield held
    held.release.set()
    controller.stop()


@pytest.fixture
def worker_app(template, tmp_path, redis_server, inbox, make_app):
    app = make_app(outage_config(template, tmp_path, redis_server.url, SMTP_URL=inbox.url,
                                 OUTBOX_SWEEP_SECONDS=1, WORKER_REDIS_RETRY_SECONDS=0.5))
    with app.app_context():
        app.acme_id = make_workspace(slug="acme", name="Acme Support").id
    yield app
    dispose(app)


class WorkerProcess:
    def __init__(self, app, log_path):
        env = {**os.environ, "PORTAL_ENV": "testing"}
        for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "OUTBOX_DIR",
                     "OUTBOX_SWEEP_SECONDS", "WORKER_REDIS_RETRY_SECONDS"):
            env[f"PORTAL_{name}"] = str(app.config[name])
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "portal", "worker"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, condition, what: str) -> None:
        deadline = time.monotonic() + WITHIN
        while not condition():
            assert self.process.poll() is None, f"worker exited:\n{self.log()[-3000:]}"
            assert time.monotonic() < deadline, f"no {what}:\n{self.log()[-3000:]}"
            time.sleep(0.1)

    def stop(self) -> int:
        """SIGTERM; the exit status, which must come within a few seconds."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(10)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def worker(worker_app, tmp_path):
    process = WorkerProcess(worker_app, tmp_path / "worker.log")
    yield process
    process.kill()


def queue_code(app, code: str) -> None:
    with app.app_context(), use_workspace(app.acme_id):
        ws = db.session.get(Workspace, app.acme_id)
        emails.sign_in_code(ws, EMAIL, code, minutes=10, locale="en-US")
        db.session.commit()


def codes_received(inbox) -> list[str]:
    return sorted(re.search(r"\d{6}", m["Subject"]).group(0) for m in inbox.messages)


def test_worker_survives_redis_dying_mid_job_and_carries_on(worker_app, redis_server, inbox,
                                                           worker):
    queue_code(worker_app, "111111")
    assert inbox.arrived.wait(WITHIN), worker.log()[-3000:]
    redis_server.kill()  # while the job waits for the SMTP server's answer
    inbox.release.set()

    worker.wait_for(lambda: "worker: Redis unreachable" in worker.log(), "outage logged")
    with worker_app.app_context():
        [row] = outbox_rows()
        assert row.sent_at is not None, "the job's outcome is committed without Redis"

    queue_code(worker_app, "222222")  # cannot be enqueued: the sweep delivers it itself
    worker.wait_for(lambda: len(inbox.messages) == 2, "email delivered during the outage")

    redis_server.start()  # empty, on the same port
    for part in ("worker", "outbox sweep"):
        worker.wait_for(lambda p=part: f"{p}: Redis is back" in worker.log(), "recovery logged")
    queue_code(worker_app, "333333")
    worker.wait_for(lambda: len(inbox.messages) == 3, "email delivered through the queue")
    worker.wait_for(lambda: re.search(r"Job OK.*email-3", worker.log()), "job worked by RQ")

    time.sleep(1.5)  # a sweep or two later: still nothing sent twice
    assert codes_received(inbox) == ["111111", "222222", "333333"]
    with worker_app.app_context():
        assert all(row.sent_at is not None for row in outbox_rows())
    log = worker.log()
    assert log.count("worker: Redis unreachable") == 1 and "unhandled exception" not in log
    assert worker.stop() == 0


def test_worker_outlives_outages_at_start_and_while_idle(redis_server, worker_app, inbox,
                                                         tmp_path):
    inbox.release.set()
    redis_server.kill()
    process = WorkerProcess(worker_app, tmp_path / "idle.log")

    def outages(count):
        return lambda: process.log().count("worker: Redis unreachable") == count

    try:
        process.wait_for(outages(1), "outage at start logged")
        redis_server.start()
        process.wait_for(lambda: "Listening on" in process.log(), "a worker waiting for jobs")
        redis_server.kill()  # while RQ waits for a job
        process.wait_for(outages(2), "outage while idle logged")
        redis_server.start()
        process.wait_for(lambda: process.log().count("worker: Redis is back") == 2, "recovery")
        queue_code(worker_app, "444444")
        process.wait_for(lambda: re.search(r"Job OK.*email-1", process.log()), "job worked")
        assert codes_received(inbox) == ["444444"]

        redis_server.kill()
        process.wait_for(outages(3), "third outage logged")
        started = time.monotonic()
        assert process.stop() == 0, "SIGTERM while waiting for Redis"
        assert time.monotonic() - started < 5
        assert "unhandled exception" not in process.log()
    finally:
        process.kill()
