"""Prometheus metrics at GET /metrics, for operators only.

What is counted as it happens (in this process; see below for several):
- helpport_http_requests_total{route, method, status}: answers, by URL rule (never the
  path: ids and email addresses stay out), method and status;
- helpport_http_request_duration_seconds{route}: time to the response's headers (a live
  event stream counts until it starts, not while it lasts);
- helpport_search_duration_seconds{kind}: knowledge-base searches ("search") and
  suggestions ("suggest"), visibility and ranking included;
- helpport_jobs_total{func, outcome}: jobs run by a worker of this host (see below).
What is read when Prometheus asks (never failing the answer: a source that cannot be read
is left out and its helpport_metrics_source_up is 0):
- helpport_queue_depth{queue}: jobs waiting in each RQ queue (Redis);
- helpport_outbox_messages{state}: emails not sent, across all workspaces: "pending"
  (to be tried) and "failed" (given up).

Several processes (gunicorn -w N): set the environment variable PROMETHEUS_MULTIPROC_DIR
to an empty directory, writable by every process of the host and emptied before they
start (prometheus_client's multiprocess mode); each process then writes its counts there
and /metrics adds them up, whichever process answers. `rq` workers given the same
directory on the same host add their job counts. Without it, each process counts alone.

Who may read it: a client whose address is in METRICS_ALLOW_IPS (loopback by default), or
one that sends `Authorization: Bearer <METRICS_TOKEN>`. Anyone else gets the site's 404
page, as if there were nothing here. A request that came through a proxy is not let in by
its address unless the app trusts the proxy (ProxyFix): otherwise every visitor of a
reverse proxy on the same host would look like loopback.
"""

import hmac
import ipaddress
import logging
import os
from functools import lru_cache

from flask import Blueprint, Flask, Response, abort, current_app, has_app_context, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from config import ConfigError
from portal.extensions import limiter

REQUESTS = Counter("helpport_http_requests", "HTTP requests answered, by URL rule, method "
                   "and status.", ["route", "method", "status"])
REQUEST_SECONDS = Histogram("helpport_http_request_duration_seconds", "Time to answer an "
                            "HTTP request (to its headers), by URL rule.", ["route"])
SEARCH_SECONDS = Histogram("helpport_search_duration_seconds", "Knowledge-base search time: "
                           "kind is search or suggest.", ["kind"])
JOBS = Counter("helpport_jobs", "Jobs run by this host's workers, by function and outcome.",
               ["func", "outcome"])

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route of a request no URL rule matched (404, 405)
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")

bp = Blueprint("metrics", __name__)
SCRAPE_SOURCES = "helpport_scrape_sources"
log = logging.getLogger(__name__)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(
        "prometheus_multiproc_dir")


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    route = route or UNMATCHED
    REQUESTS.labels(route, method if method in METHODS else "other", str(status)).inc()
    REQUEST_SECONDS.labels(route).observe(seconds)


def observe_job(func: str, ok: bool) -> None:
    JOBS.labels(func, "succeeded" if ok else "failed").inc()


@lru_cache(maxsize=8)
def parse_networks(value) -> tuple:
    """METRICS_ALLOW_IPS: CIDRs, comma-separated or a list; empty allows no address."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False)
                     for item in items if item.strip())
    except ValueError as exc:
        raise ConfigError(f"METRICS_ALLOW_IPS: {exc}") from None


def _token_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), str(token).encode())


def _address_allowed() -> bool:
    proxied = any(name in request.headers for name in FORWARDING_HEADERS)
    if proxied and "werkzeug.proxy_fix.orig" not in request.environ:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:  # a unix socket has no address
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    networks = parse_networks(_hashable(current_app.config.get("METRICS_ALLOW_IPS")))
    return any(address in network for network in networks)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


class ScrapeTimeCollector:
    """Gauges read when Prometheus asks; each source on its own, none fails the answer."""

    def __init__(self):
        self.failed: set[str] = set()

    def collect(self):
        up = GaugeMetricFamily("helpport_metrics_source_up", "Whether /metrics could read "
                               "a source (redis: queue depths; database: the outbox).",
                               labels=["source"])
        sources = current_app.extensions.get(SCRAPE_SOURCES, {}) if has_app_context() else {}
        queues = self._read("redis", sources.get("redis", _unregistered))
        if queues is not None:
            family = GaugeMetricFamily("helpport_queue_depth", "Jobs waiting in each RQ queue.",
                                       labels=["queue"])
            for name, depth in queues.items():
                family.add_metric([name], depth)
            yield family
        outbox = self._read("database", sources.get("database", _unregistered))
        if outbox is not None:
            family = GaugeMetricFamily("helpport_outbox_messages", "Emails not sent, all "
                                       "workspaces: pending (to be tried) or failed (given up).",
                                       labels=["state"])
            for state, count in outbox.items():
                family.add_metric([state], count)
            yield family
        for source in ("redis", "database"):
            up.add_metric([source], 0 if source in self.failed else 1)
        yield up

    def _read(self, source: str, reader):
        try:
            return reader()
        except Exception as exc:
            self.failed.add(source)
            log.warning("metrics: %s unreadable: %s: %s", source, type(exc).__name__, exc)
            return None


def _unregistered():
    raise LookupError("no reader registered (no app)")


def add_scrape_source(app: Flask, source: str, reader) -> None:
    """What /metrics reads at each scrape from `source` ("redis": queue depths; "database":
    unsent emails): portal.jobs registers its readers, so metrics imports nothing above it."""
    app.extensions.setdefault(SCRAPE_SOURCES, {})[source] = reader


def exposition() -> bytes:
    """This process's metrics (or every process's, in multiprocess mode), then the gauges
    read now."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    now = CollectorRegistry()
    now.register(ScrapeTimeCollector())
    return generate_latest(counted) + generate_latest(now)


@bp.get("/metrics")
@limiter.exempt
def metrics():
    if not (_token_allowed() or _address_allowed()):
        abort(404)
    return Response(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)


def init_metrics(app: Flask) -> None:
    parse_networks(_hashable(app.config["METRICS_ALLOW_IPS"]))  # a bad CIDR stops the start
    app.register_blueprint(bp)
