"""gunicorn settings for Helpport web instances: `gunicorn -c gunicorn.conf.py` (gunicorn
also reads this file by itself when it is started in this directory).

Override any setting on the command line or in GUNICORN_CMD_ARGS, e.g.
`gunicorn -c gunicorn.conf.py -b 0.0.0.0:8000 -w 4 --threads 16`.

- Threaded workers: an open ticket page holds one Server-Sent Events connection.
- On SIGTERM a worker first sets the app's draining flag (portal.shutdown): live-event
  streams end with their `end` event at once (clients resume on another instance),
  /readyz answers 503, requests in flight finish, and the worker exits in a few seconds.
  graceful_timeout is only the upper bound for slow requests.
- Which proxies are believed about the client's address and scheme is the app's setting
  PORTAL_TRUSTED_PROXIES (werkzeug ProxyFix), one place: gunicorn itself believes none.
"""

wsgi_app = "app:app"
bind = "127.0.0.1:8000"  # behind a reverse proxy on the same host; containers: -b 0.0.0.0:8000
workers = 2  # processes: about one per core
worker_class = "gthread"
threads = 8  # requests (and open event streams) per process at once
timeout = 30  # a worker that does not report for this long is restarted
graceful_timeout = 15  # at most this long for requests in flight after SIGTERM
keepalive = 5
forwarded_allow_ips = ""  # see PORTAL_TRUSTED_PROXIES
# gunicorn's control socket has one default path per user: a second instance on the host
# would take it over. Not used here; enable it with --control-socket PATH if you want it.
control_socket_disable = True


def post_worker_init(worker):
    from portal import shutdown

    shutdown.drain_on_sigterm()
