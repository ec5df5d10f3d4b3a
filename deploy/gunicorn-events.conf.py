"""gunicorn settings for the live-update instance: `gunicorn -c deploy/gunicorn-events.conf.py`
in the release directory, next to the page instance (`gunicorn -c gunicorn.conf.py`). The
reverse proxy sends it only the event streams of ticket pages (`.../tickets/<n>/events`, web
and API; deploy/nginx.conf, docs/DEPLOYMENT.md "Web instances").

Same app, same settings as gunicorn.conf.py (read from there: graceful shutdown, proxies,
timeouts), but gevent workers (the `server` extra: pip install '.[server]'): an open stream
is a greenlet waiting on its Redis subscription, so one process holds thousands of them,
where each would hold a whole sync worker or a thread of a threaded one. gunicorn patches
the standard library in each worker before it loads the app; redis-py and psycopg (3.1.14
or later) cooperate with the patched sockets. Needs PORTAL_REDIS_URL: without it, a reply
committed by the page instance reaches the stream only at its next database poll.
"""

import runpy
from pathlib import Path

globals().update({name: value for name, value in
                  runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
                  .items() if not name.startswith("_")})

bind = "127.0.0.1:8001"  # the page instance has 8000
workers = 1  # streams wait, they hardly use the CPU: one process per host is plenty
worker_class = "gevent"
threads = 1
worker_connections = 2000  # open streams (and requests) per process at once
