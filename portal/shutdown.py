"""Graceful shutdown: one process-wide "draining" flag, set when the process is told to stop.

gunicorn's worker answers SIGTERM by no longer accepting connections and waiting (up to
graceful_timeout) for the requests it is serving. A live-event stream would run until its
own lifetime is over, so every stream checks this flag at each tick and, once it is set,
sends its `end` event at once: the client resumes on another instance and the worker exits
in a few seconds. /readyz answers 503 while draining. gunicorn.conf.py installs the hook.
"""

import signal
import threading

draining = threading.Event()


def drain_on_sigterm() -> None:
    """On SIGTERM set `draining`, then run the handler installed before (gunicorn's own,
    which stops the worker gracefully). Call it in the main thread, after the server has
    installed its handlers (gunicorn: post_worker_init)."""
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        draining.set()
        if callable(previous):
            previous(signum, frame)
        elif previous in (signal.SIG_DFL, None):
            raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
