"""`flask --app app portal worker`: an RQ worker that outlives Redis outages.

RQ's own loop ends when Redis goes away at the wrong moment (see portal.jobs.worker), and
a worker that has ended leaves the outbox unswept until someone restarts it. So the loop
runs under this supervisor: when it ends without a stop request, the supervisor says once
that Redis is unreachable, asks again with a growing wait (up to
WORKER_REDIS_RETRY_SECONDS), says when it is back, and starts a new worker (RQ's record of
the old one may be gone with a restarted Redis). The outbox sweep runs in its own thread
throughout. SIGTERM and SIGINT stop it at once when idle or waiting, and after the
current job when busy (RQ's warm shutdown).
"""

import signal
import threading

from flask import Flask

from portal.extensions import redis_connection
from portal.jobs.worker import AppWorker, make_worker, start_sweeper
from portal.redis_outage import UNREACHABLE, Outage

FIRST_RETRY_SECONDS = 0.5


def run(app: Flask, queues=None) -> None:
    """Work the queues until SIGTERM or SIGINT, through Redis outages of any length."""
    stopping = threading.Event()
    start_sweeper(app, stopping)
    outage = Outage("worker", "jobs wait until it is back")
    longest = float(app.config["WORKER_REDIS_RETRY_SECONDS"])
    with app.app_context():
        conn = redis_connection()
    while not stopping.is_set():
        try:
            worker = make_worker(app, AppWorker, queues)
            worker.stopping = stopping
            worker.work()
            lost = worker.lost_redis
        except UNREACHABLE as exc:  # making or registering the worker, or RQ's teardown
            lost = exc
        _stop_on_signals(stopping)  # RQ's handlers need a running worker
        if stopping.is_set():
            break
        if lost is not None:
            outage.lost(lost)
            first = FIRST_RETRY_SECONDS
        else:  # RQ has logged why; never restart in a tight loop
            app.logger.error("the worker loop ended unexpectedly; starting it again")
            first = longest
        wait_for_redis(conn, stopping, outage, first, longest)


def wait_for_redis(conn, stopping: threading.Event, outage: Outage, first: float,
                   longest: float) -> bool:
    """Ping until Redis answers (True) or `stopping` is set (False), waiting `first`
    seconds, then twice as long each time, up to `longest`."""
    delay = min(first, longest)
    while not stopping.wait(delay):
        try:
            conn.ping()
        except UNREACHABLE as exc:
            outage.lost(exc)
            delay = min(delay * 2, longest)
            continue
        outage.reached()
        return True
    return False


def _stop_on_signals(stopping: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: stopping.set())
