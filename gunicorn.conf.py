"""gunicorn settings for Helpport's page instances: `gunicorn -c gunicorn.conf.py` (gunicorn
also reads this file by itself when it is started in this directory).

Override any setting on the command line or in GUNICORN_CMD_ARGS, e.g.
`gunicorn -c gunicorn.conf.py -b 0.0.0.0:8000 -w 4`.

- Sync workers: one request at a time per process. Pages are CPU work in Python; threads
  or greenlets share one core per process anyway and only add waiting behind each other
  (bench/servers.py, docs/PERFORMANCE.md "Server settings"). The live-event streams of
  ticket pages run on a second instance with gevent workers (deploy/gunicorn-events.conf.py)
  that the reverse proxy routes `.../events` to; a stream that reaches a sync worker
  anyway ends at once and the browser polls (portal.server).
- On SIGTERM a worker first sets the app's draining flag (portal.shutdown): live-event
  streams end with their `end` event at once (clients resume on another instance),
  /readyz answers 503, requests in flight finish, and the worker exits in a few seconds.
  graceful_timeout is only the upper bound for slow requests.
- Which proxies are believed about the client's address and scheme is the app's setting
  PORTAL_TRUSTED_PROXIES (werkzeug ProxyFix), one place: gunicorn itself believes none.
"""

wsgi_app = "app:app"
bind = "127.0.0.1:8000"  # behind a reverse proxy on the same host; containers: -b 0.0.0.0:8000
workers = 2  # processes: about one per core, each serves one request at a time
worker_class = "sync"
threads = 1  # more than 1 turns gunicorn's sync worker into a threaded one
timeout = 30  # a worker that does not report for this long is restarted
graceful_timeout = 15  # at most this long for requests in flight after SIGTERM
keepalive = 5
forwarded_allow_ips = ""  # see PORTAL_TRUSTED_PROXIES
# gunicorn's control socket has one default path per user: a second instance on the host
# would take it over. Not used here; enable it with --control-socket PATH if you want it.
control_socket_disable = True


def post_worker_init(worker):
    import numpy  # noqa: F401  (loads OpenBLAS, so that its threads can be limited)
    from threadpoolctl import threadpool_limits

    from portal import shutdown

    shutdown.drain_on_sigterm()
    # one BLAS thread per worker: with one per core, each search's `vectors @ query`
    # woke threads that spun against the other worker's (10k articles, shared 2 cores:
    # 5.4 ms per product instead of 0.7 in one profile; docs/PERFORMANCE.md)
    threadpool_limits(limits=1, user_api="blas")
