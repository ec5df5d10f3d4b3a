"""RQ workers that run jobs inside the Flask app context, and the periodic outbox sweep."""

import threading
import time

from flask import Flask
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from portal.extensions import redis_connection


class AppWorker(SimpleWorker):
    """Runs each job in-process inside an app context (RQ 3 would otherwise spawn a fresh
    interpreter that has no app)."""

    flask_app: Flask

    def perform_job(self, job, queue, execution):
        with self.flask_app.app_context():
            return super().perform_job(job, queue, execution)


class ThreadWorker(AppWorker):
    """For a background thread: signals work only in the main thread."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


def make_worker(app: Flask, cls=AppWorker, queues=None):
    from portal.jobs import QUEUES

    with app.app_context():
        conn = redis_connection()
    worker = cls(list(queues or QUEUES), connection=conn)
    worker.flask_app = app
    return worker


def sweep_forever(app: Flask, stop: threading.Event) -> None:
    from portal.jobs.tasks import sweep_outbox

    interval = app.config["OUTBOX_SWEEP_SECONDS"]
    while not stop.wait(interval):
        try:
            with app.app_context():
                sweep_outbox()
        except Exception:
            app.logger.exception("outbox sweep failed")


def start_sweeper(app: Flask) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=sweep_forever, args=(app, stop), daemon=True, name="outbox-sweep").start()
    return stop


def start_embedded_worker(app: Flask) -> threading.Thread:
    def run():
        worker = make_worker(app, ThreadWorker)
        while True:
            try:
                worker.work(burst=False, logging_level="WARNING")
            except Exception:
                app.logger.exception("embedded worker stopped; restarting")
                time.sleep(1)

    thread = threading.Thread(target=run, daemon=True, name="embedded-rq-worker")
    thread.start()
    start_sweeper(app)
    return thread


def drain(app: Flask) -> int:
    """Work every queued job now, in this thread (tests and `portal worker --burst`)."""
    worker = make_worker(app, ThreadWorker)
    worker.work(burst=True, logging_level="WARNING")
    return worker.successful_job_count
