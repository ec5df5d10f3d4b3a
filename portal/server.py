"""What the WSGI server running this request can afford: a gunicorn sync worker serves one
request at a time, so a live-event stream held open there would keep every other visitor
of the process waiting (and gunicorn restarts the worker after its `timeout`). Streams
belong on the live-update instance (deploy/gunicorn-events.conf.py, docs/DEPLOYMENT.md
"Web instances"); one that reaches a sync worker anyway ends at once and the browser polls.
"""

from flask import request


def can_hold_streams() -> bool:
    """False in a gunicorn sync worker (one request at a time), True elsewhere: threaded
    and gevent workers, the development server, the test client."""
    environ = request.environ
    return not (str(environ.get("SERVER_SOFTWARE", "")).startswith("gunicorn")
                and environ.get("wsgi.multithread") is False)
