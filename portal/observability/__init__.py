"""Structured logs with a request id that jobs carry on, and Prometheus metrics.

Per request: the request id is set first (before any other hook, so every line of the
request has it), sent back in `X-Request-ID`, and cleared last; when the response is
ready the request is counted and timed, and one access line is logged at INFO on
`portal.access` (route, method, status, duration_ms), except for the health checks and
/metrics unless LOG_HEALTH_CHECKS is on.
"""

import logging
import time

from flask import Flask, request

from portal.observability import context
from portal.observability.logs import configure_logging  # noqa: F401  (create_app's)
from portal.observability.metrics import init_metrics, observe_request

access_log = logging.getLogger("portal.access")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
STARTED = "helpport.started"


def init_observability(app: Flask) -> None:
    """Before any other request hook is registered: its teardown then runs last."""

    def start(_endpoint=None, _values=None):
        request.environ[STARTED] = time.perf_counter()
        context.set_fields(request_id=context.request_id_from(
            request.headers.get(context.REQUEST_ID_HEADER)))

    @app.after_request
    def finish(response):
        request_id = context.current_request_id()
        if request_id:
            response.headers[context.REQUEST_ID_HEADER] = request_id
        started = request.environ.get(STARTED)
        seconds = time.perf_counter() - started if started else 0.0
        rule = request.url_rule
        route = rule.rule if rule is not None else None
        observe_request(route, request.method, response.status_code, seconds)
        if request.path not in QUIET_PATHS or app.config["LOG_HEALTH_CHECKS"]:
            duration_ms = round(seconds * 1000, 1)
            access_log.info("%s %s %s %s ms", request.method, route or "-",
                            response.status_code, duration_ms,
                            extra={"status": response.status_code, "duration_ms": duration_ms})
        return response

    @app.teardown_request
    def end(_exc=None):
        context.clear()

    # URL value preprocessors run before any before_request function: be the first of all
    app.url_value_preprocessors.setdefault(None, []).insert(0, start)
    init_metrics(app)
