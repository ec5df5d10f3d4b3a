"""RQ workers that run jobs inside the Flask app context, and the periodic outbox sweep.

`AppWorker` is what `flask --app app portal worker` runs (one process, jobs in-process).
`ThreadWorker` is the same made safe for a background thread, for the embedded default:
RQ installs signal handlers and uses SIGALRM for job timeouts, and both only work in the
main thread, so it installs none and times jobs out with a timer instead.

Redis outages: RQ's loop quits ("found an unhandled exception, quitting") when Redis fails
anywhere but in its wait for a job, for instance when a job ends and RQ records it. So
`AppWorker` leaves its loop quietly instead (as on a stop request), and
`portal.jobs.supervisor` waits for Redis and starts a new worker. A job that was running
has done its work in the database by the time RQ fails to record it, and is not run
again. A job taken from the queue just as Redis went away does not run; with a Redis that
comes back empty it is lost, unless it is an email: the outbox sweep sends those.
"""

import functools
import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.timeouts import TimerDeathPenalty

from portal.extensions import redis_connection
from portal.observability.context import log_context, new_request_id
from portal.observability.metrics import observe_job
from portal.redis_outage import UNREACHABLE

log = logging.getLogger("portal.jobs")

# the embedded worker leaves RQ's blocking wait this often to see whether it should stop
EMBEDDED_IDLE_SECONDS = 2
# at exit, how long a process waits for its embedded worker's jobs (portal.jobs.finish_at_exit)
EXIT_WAIT_SECONDS = 900
# how often the thread listening for RQ's commands wakes up; also the longest a worker's
# end waits for it (RQ asks for 60 s, and redis-py 8 joins that thread when it stops it)
COMMANDS_WAKE_SECONDS = 0.5


class RedisLost(StopRequested):
    """Redis became unreachable inside RQ's work loop: leave it as a stop request does."""


def _leaves_when_redis_is_lost(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            self.lost_redis = exc
            raise RedisLost(str(exc)) from exc

    return wrapper


class AppWorker(SimpleWorker):
    """Runs each job in-process inside a fresh app context (its own database session),
    with the request id of the request that queued it (the job's meta) in its log lines,
    and logs one line when it ends. Counts the jobs that succeeded here: RQ 3 keeps its
    counts in Redis and drops them when the worker stops. `lost_redis` is the error that
    ended its loop, if Redis did; `stopping` is set on SIGTERM/SIGINT (RQ's warm shutdown)."""

    flask_app: Flask
    succeeded = 0
    lost_redis: Exception | None = None
    stopping: threading.Event | None = None

    # every step of RQ's loop that talks to Redis outside its own retry of the dequeue
    heartbeat = _leaves_when_redis_is_lost(SimpleWorker.heartbeat)
    check_for_suspension = _leaves_when_redis_is_lost(SimpleWorker.check_for_suspension)
    run_maintenance_tasks = _leaves_when_redis_is_lost(SimpleWorker.run_maintenance_tasks)
    dequeue_job_and_maintain_ttl = _leaves_when_redis_is_lost(
        SimpleWorker.dequeue_job_and_maintain_ttl)
    execute_job = _leaves_when_redis_is_lost(SimpleWorker.execute_job)

    def perform_job(self, job, queue, execution):
        func = job.func_name
        started = time.perf_counter()
        with log_context(request_id=(job.meta or {}).get("request_id"), job_id=job.id,
                         job_func=func), self.flask_app.app_context():
            ok = super().perform_job(job, queue, execution)
            outcome = "succeeded" if ok else "failed"
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            log.info("job %s %s", func, outcome,
                     extra={"outcome": outcome, "duration_ms": duration_ms})
        observe_job(func, ok)
        self.succeeded += ok
        return ok

    def subscribe(self):
        """RQ's channel for commands (stop a job, shut down), listened to by a thread that
        wakes every COMMANDS_WAKE_SECONDS, not RQ's 60: once the worker has unsubscribed,
        that thread waits its whole wake time for a subscription that never comes, and
        redis-py 8 joins it, so each worker's end (every burst, every drain) took up to 60 s."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMANDS_WAKE_SECONDS, daemon=True,
            exception_handler=self._pubsub_exception_handler)

    def handle_warm_shutdown_request(self):
        super().handle_warm_shutdown_request()
        if self.stopping is not None:
            self.stopping.set()

    def set_shutdown_requested_date(self):
        """Runs in the signal handler, in the middle of a job: must not raise into it."""
        try:
            super().set_shutdown_requested_date()
        except UNREACHABLE:
            pass

    def teardown(self):
        """Without Redis the death goes unrecorded (the worker's key expires), but the
        thread listening for RQ's commands must still end."""
        try:
            super().teardown()
        except UNREACHABLE:
            if self.pubsub_thread is not None:
                self.pubsub_thread.stop()

    def _pubsub_exception_handler(self, exc, pubsub, pubsub_thread):
        """RQ logs an error every 2 s while Redis is down; the supervisor logs the outage."""
        if not isinstance(exc, UNREACHABLE):
            return super()._pubsub_exception_handler(exc, pubsub, pubsub_thread)
        time.sleep(2.0)


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
    """Every OUTBOX_SWEEP_SECONDS; while the queue is unreachable, every
    WORKER_REDIS_RETRY_SECONDS, since the sweep then delivers due emails itself."""
    from portal.jobs.tasks import QUEUE_OUTAGE, periodic

    interval = app.config["OUTBOX_SWEEP_SECONDS"]
    retry = app.config["WORKER_REDIS_RETRY_SECONDS"]
    while not stop.wait(min(interval, retry) if QUEUE_OUTAGE.down else interval):
        try:  # one request id per sweep: the jobs it enqueues log it too
            with log_context(request_id=new_request_id()), app.app_context():
                periodic()
        except Exception:
            app.logger.exception("periodic sweep failed")


def start_sweeper(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """The sweep in a daemon thread, until `stop` is set; returns the thread."""
    thread = threading.Thread(target=sweep_forever, args=(app, stop or threading.Event()),
                              daemon=True, name="outbox-sweep")
    thread.start()
    return thread


@dataclass
class EmbeddedWorker:
    """The in-process worker thread and its sweeper, with a way to stop both. Stopping
    lets the worker finish the jobs queued so far (its loop ends once the queue has been
    idle for EMBEDDED_IDLE_SECONDS): with the in-process queue they exist nowhere else."""

    thread: threading.Thread
    stop_event: threading.Event = field(default_factory=threading.Event)
    sweeper: threading.Thread | None = None
    worker: "ThreadWorker | None" = None  # RQ's, once the thread has made it

    def alive(self) -> bool:
        return self.thread.is_alive() and not self.stop_event.is_set()

    def stop(self, timeout: float | None = 10, after_current_job: bool = False) -> None:
        """Stop after the jobs queued so far, or only the one running (no new one starts:
        RQ's warm shutdown, which its signal handler would ask for in a main thread)."""
        self.stop_event.set()
        if after_current_job and self.worker is not None:
            self.worker._stop_requested = True
        self.thread.join(timeout)
        if self.sweeper is not None:
            self.sweeper.join(timeout)


def start_embedded_worker(app: Flask) -> EmbeddedWorker:
    stop = threading.Event()
    made: list[EmbeddedWorker] = []

    def run():
        worker = make_worker(app, ThreadWorker)
        made[0].worker = worker
        while not stop.is_set():
            try:
                worker.work(burst=False, max_idle_time=EMBEDDED_IDLE_SECONDS,
                            logging_level="WARNING")
            except Exception:
                app.logger.exception("embedded worker stopped; restarting")
                stop.wait(1)

    thread = threading.Thread(target=run, daemon=True, name="embedded-rq-worker")
    made.append(EmbeddedWorker(thread, stop))
    thread.start()
    made[0].sweeper = start_sweeper(app, stop)
    return made[0]


def stop_embedded_worker(app: Flask, timeout: float | None = 10,
                         after_current_job: bool = False) -> bool:
    """Stop the app's embedded worker (see EmbeddedWorker.stop); False: none ran."""
    running = app.extensions.pop("helpport_embedded_worker", None)
    if running is None:
        return False
    running.stop(timeout, after_current_job)
    return True


# Why a process must not end with its embedded worker running: the interpreter then kills
# the daemon thread wherever it is; inside PyTorch (a search rebuild with the sentence
# model) the C++ runtime aborts the whole process ("terminate called without an active
# exception", exit status 134), and the queued jobs die with the in-process queue.
def finish_jobs(app: Flask) -> bool:
    """At the end of the command that started the worker: work the jobs it queued (the
    reindex of `import-articles`), then stop the worker. False: no worker ran."""
    return stop_embedded_worker(app, timeout=EXIT_WAIT_SECONDS)


def finish_at_exit(app: Flask) -> None:
    """The safety net of any other process (`flask run`, a script), from atexit, while
    daemon threads still run: the job running may end, no other starts (the interpreter
    is shutting down: a job can no longer start threads or register exit handlers)."""
    running = app.extensions.get("helpport_embedded_worker")
    if running is None or not running.thread.is_alive():
        return
    log.info("waiting for the embedded worker's job to end before exit")
    stop_embedded_worker(app, timeout=EXIT_WAIT_SECONDS, after_current_job=True)
    if running.thread.is_alive():
        log.warning("the embedded worker is still busy after %s s; exiting anyway",
                    EXIT_WAIT_SECONDS)


def drain(app: Flask) -> int:
    """Work every queued job now, in this thread (tests); returns how many succeeded."""
    worker = make_worker(app, ThreadWorker)
    worker.work(burst=True, logging_level="WARNING")
    return worker.succeeded

