"""Background jobs on RQ: a real Redis when PORTAL_REDIS_URL is set, else an in-process
fakeredis queue worked by a thread (the embedded default). Jobs take ids, never ORM objects.

With Redis, run `flask --app app portal worker` processes. Without it, the first request or
the first enqueue starts the embedded worker thread (when RUN_EMBEDDED_WORKER is on), so a
laptop needs no second command. In tests it is off: jobs wait until the `jobs` fixture
drains them.
"""

import atexit
import functools
import threading

import click
from flask import Flask, current_app
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from portal.extensions import redis_connection
from portal.observability.context import current_request_id
from portal.redis_outage import UNREACHABLE

QUEUES = ("high", "default", "low")

_lock = threading.Lock()


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection())


def enqueue(func, *args, queue_name: str = "default", **options):
    """Enqueue `func(*args)` (`options` are RQ's: job_id, job_timeout, ...). Returns the job,
    or None when the queue is unreachable: callers that must not lose work keep it in the
    database and let a sweep enqueue it again (see portal.services.outbox). The request id
    of the request (or job) that enqueues goes into the job's meta: its log lines carry it.
    """
    name = getattr(func, "__name__", func)
    request_id = current_request_id()
    if request_id:
        options["meta"] = {**(options.get("meta") or {}), "request_id": request_id}
    try:
        job = queue(queue_name).enqueue(func, *args, **options)
    except UNREACHABLE as exc:  # Redis down: never fail the caller's request for it
        current_app.logger.warning("could not enqueue %s: Redis unreachable (%s)", name, exc)
        return None
    except Exception:
        current_app.logger.exception("could not enqueue %s", name)
        return None
    ensure_embedded_worker(current_app._get_current_object())
    return job


def waiting(job_id: str) -> bool:
    """Whether the job `job_id` is queued and not started yet (False when Redis cannot
    say: the caller then enqueues, and a duplicate costs only time)."""
    try:
        job = Job.fetch(job_id, connection=redis_connection())
        return job.get_status(refresh=False) == JobStatus.QUEUED
    except NoSuchJobError:
        return False
    except UNREACHABLE:
        return False


def queue_depths() -> dict[str, int]:
    """Jobs waiting in each queue, in one round trip (raises when Redis is unreachable)."""
    pipe = redis_connection().pipeline(transaction=False)
    for name in QUEUES:
        pipe.llen(queue(name).key)
    return dict(zip(QUEUES, pipe.execute(), strict=True))


def outbox_counts() -> dict[str, int]:
    """Unsent emails of every workspace, by state (for /metrics)."""
    from portal.extensions import db
    from portal.services import outbox_reader

    try:
        return outbox_reader.unsent_counts()
    finally:
        db.session.rollback()


def ensure_embedded_worker(app: Flask) -> None:
    if app.config.get("REDIS_URL") or not app.config.get("RUN_EMBEDDED_WORKER"):
        return
    running = app.extensions.get("helpport_embedded_worker")
    if running is not None and running.alive():
        return
    with _lock:
        running = app.extensions.get("helpport_embedded_worker")
        if running is not None and running.alive():
            return
        from portal.jobs.worker import finish_at_exit, finish_jobs, start_embedded_worker

        app.extensions["helpport_embedded_worker"] = start_embedded_worker(app)
        # a process must not end with the worker running (portal.jobs.worker.finish_jobs):
        # a command works what it queued before it returns, any process stops at exit
        command = click.get_current_context(silent=True)
        if command is not None:
            command.call_on_close(functools.partial(finish_jobs, app))
        if not app.extensions.get("helpport_embedded_exit"):  # once per app
            app.extensions["helpport_embedded_exit"] = True
            atexit.register(finish_at_exit, app)


def init_jobs(app: Flask) -> None:
    from portal.jobs.tasks import enqueue_delivery
    from portal.jobs.webhook_tasks import enqueue_webhook
    from portal.observability.metrics import add_scrape_source
    from portal.services.outbox import DELIVERY
    from portal.services.webhooks import DELIVERY as WEBHOOK_DELIVERY

    app.extensions[DELIVERY] = enqueue_delivery  # a committed outbox row is queued here
    app.extensions[WEBHOOK_DELIVERY] = enqueue_webhook  # and a committed webhook delivery
    add_scrape_source(app, "redis", queue_depths)
    add_scrape_source(app, "database", outbox_counts)

    @app.before_request
    def _worker_alive():
        ensure_embedded_worker(app)
