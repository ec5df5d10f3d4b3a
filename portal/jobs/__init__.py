"""Background jobs on RQ: a real Redis when PORTAL_REDIS_URL is set, else an in-process
fakeredis queue worked by a thread (the embedded default). Jobs take ids, never ORM objects.
"""

import threading

from flask import Flask, current_app
from rq import Queue

from portal.extensions import redis_connection

QUEUES = ("high", "default", "low")


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection())


def enqueue(func, *args, queue_name: str = "default", **kwargs):
    """Enqueue `func(*args)`; if the queue is unreachable, log it (the outbox sweep recovers)."""
    try:
        job = queue(queue_name).enqueue(func, *args, **kwargs)
    except Exception:  # redis down: the periodic sweep finds the work again
        current_app.logger.exception("could not enqueue %s", getattr(func, "__name__", func))
        return None
    _ensure_embedded_worker(current_app._get_current_object())
    return job


def enqueue_after_request(func, *args, queue: str = "default"):
    return enqueue(func, *args, queue_name=queue)


def _ensure_embedded_worker(app: Flask) -> None:
    if app.config.get("REDIS_URL") or not app.config.get("RUN_EMBEDDED_WORKER"):
        return
    with _lock:
        thread = app.extensions.get("helpport_worker_thread")
        if thread is not None and thread.is_alive():
            return
        from portal.jobs.worker import start_embedded_worker

        app.extensions["helpport_worker_thread"] = start_embedded_worker(app)


_lock = threading.Lock()


def init_jobs(app: Flask) -> None:
    @app.before_request
    def _worker_alive():
        _ensure_embedded_worker(app)
