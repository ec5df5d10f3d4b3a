"""portal.server: only a gunicorn sync worker (one request at a time) may not hold a live-event
stream open; threaded and gevent workers, the development server and the test client may.
The real servers are in tests/faults/test_server_split.py."""

import pytest

from portal import server


@pytest.mark.parametrize(("software", "multithread", "holds"), [
    ("gunicorn/27.0.1", False, False),  # -k sync
    ("gunicorn/27.0.1", True, True),  # -k gthread, -k gevent
    ("Werkzeug/3.1.3", False, True),  # flask run --without-threads, the test client
    ("Werkzeug/3.1.3", True, True),
])
def test_only_a_gunicorn_sync_worker_cannot_hold_streams(app, software, multithread, holds):
    environ = {"SERVER_SOFTWARE": software, "wsgi.multithread": multithread}
    with app.test_request_context(environ_overrides=environ):
        assert server.can_hold_streams() is holds
