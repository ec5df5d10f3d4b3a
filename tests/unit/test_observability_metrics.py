"""GET /metrics: who may read it, and that what it shows moves with what happens (requests,
searches, jobs, queued work, the outbox), also across processes (multiprocess mode)."""

import os
import subprocess
import sys
import textwrap

import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ROOT, ConfigError
from portal.extensions import db
from portal.jobs import enqueue
from portal.models.base import utcnow
from portal.observability.metrics import parse_networks
from portal.services import outbox, portal_settings
from portal.tenancy import use_workspace
from tests.jobs.support import free_port

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.5"}
HOME = "/<locale>/<workspace>/directories"


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict, name: str, **labels) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return samples(response.text)


def test_other_addresses_get_the_sites_404(client):
    response = client.get("/metrics", environ_base=ELSEWHERE)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "helpport_" not in response.text


def test_a_token_opens_it_from_anywhere(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-token")
    for header in ("Bearer wrong-token", "Bearer ", "Basic s3cret-token", "s3cret-token"):
        answer = client.get("/metrics", environ_base=ELSEWHERE,
                            headers={"Authorization": header})
        assert answer.status_code == 404, header
    allowed = client.get("/metrics", environ_base=ELSEWHERE,
                         headers={"Authorization": "Bearer s3cret-token"})
    assert allowed.status_code == 200 and "helpport_http_requests_total" in allowed.text


def test_no_token_set_means_no_bearer_gets_in(client):
    answer = client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer "})
    assert answer.status_code == 404


def test_the_allowed_networks_are_a_setting(client, app, monkeypatch):
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", "")
    assert client.get("/metrics").status_code == 404
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", "10.0.0.0/8, 203.0.113.0/24")
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", ["10.0.0.0/8"])
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 404


def test_a_bad_network_is_a_configuration_error():
    assert len(parse_networks("127.0.0.1/32,::1/128")) == 2
    with pytest.raises(ConfigError):
        parse_networks("10.0.0.300/8")


def test_a_proxied_request_is_not_let_in_by_the_proxys_loopback_address(client, app,
                                                                        monkeypatch):
    """A reverse proxy on the same host connects from 127.0.0.1 for every visitor."""
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=forwarded).status_code == 404
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1))
    assert client.get("/metrics", headers=forwarded).status_code == 404  # the real client
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_no_session_cookie_and_no_rate_limit(client):
    answers = [client.get("/metrics") for _ in range(40)]
    assert {a.status_code for a in answers} == {200}
    assert all("Set-Cookie" not in a.headers for a in answers)
    assert all("X-RateLimit-Limit" not in a.headers for a in answers)


def test_requests_are_counted_and_timed_by_route(client, acme):
    before = scrape(client)
    for _ in range(2):
        assert client.get("/en-US/acme/directories").status_code == 200
    client.get("/en-US/acme/no-such-page/at/all")
    after = scrape(client)
    labels = {"route": HOME, "method": "GET", "status": "200"}
    count = "helpport_http_request_duration_seconds_count"
    assert (value(after, "helpport_http_requests_total", **labels) or 0) - \
        (value(before, "helpport_http_requests_total", **labels) or 0) == 2
    assert (value(after, count, route=HOME) or 0) - (value(before, count, route=HOME) or 0) == 2
    assert value(after, "helpport_http_request_duration_seconds_bucket",
                 route=HOME, le="+Inf") == value(after, count, route=HOME)
    assert value(after, "helpport_http_request_duration_seconds_sum", route=HOME) > 0
    assert value(after, "helpport_http_requests_total",
                 route="unmatched", method="GET", status="404") >= 1
    assert not any("acme" in str(key) for key in after), "routes, never paths"


def test_searches_are_timed(client, acme):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    count = "helpport_search_duration_seconds_count"
    before = value(scrape(client), count, kind="search") or 0
    assert client.get("/en-US/acme/search?q=printer").status_code == 200
    assert value(scrape(client), count, kind="search") == before + 1


def test_outbox_gauges_count_every_workspace(client, acme, globex):
    rows = []
    for ws in (acme, globex, globex, acme):
        with use_workspace(ws.id):
            rows.append(outbox.add(ws.id, "pat@customer.example", "Hi", "Hi", "<p>Hi</p>",
                                   kind="generic", locale="en-US"))
            db.session.commit()
    with use_workspace(globex.id):
        rows[2].failed_at = utcnow()
        db.session.commit()
    with use_workspace(acme.id):
        rows[3].sent_at = utcnow()
        db.session.commit()
    found = scrape(client)
    assert value(found, "helpport_outbox_messages", state="pending") == 2
    assert value(found, "helpport_outbox_messages", state="failed") == 1
    assert value(found, "helpport_metrics_source_up", source="database") == 1


def test_queue_depth_and_jobs_by_outcome(client, app, jobs):
    from portal.jobs.tasks import sweep_outbox

    func = "portal.jobs.tasks.sweep_outbox"
    ran = "helpport_jobs_total"
    before = value(scrape(client), ran, func=func, outcome="succeeded") or 0
    with app.test_request_context("/"):
        enqueue(sweep_outbox, queue_name="low")
        enqueue(sweep_outbox, queue_name="low")
    found = scrape(client)
    assert value(found, "helpport_queue_depth", queue="low") == 2
    assert value(found, "helpport_queue_depth", queue="high") == 0
    assert jobs() == 2
    found = scrape(client)
    assert value(found, "helpport_queue_depth", queue="low") == 0
    assert value(found, ran, func=func, outcome="succeeded") == before + 2


def test_an_unreachable_redis_leaves_the_queues_out_not_the_answer(client, app, monkeypatch):
    monkeypatch.setitem(app.extensions, "helpport_redis",
                        Redis(port=free_port(), socket_connect_timeout=0.5))
    found = scrape(client)
    assert not any(name == "helpport_queue_depth" for name, _labels in found)
    assert value(found, "helpport_metrics_source_up", source="redis") == 0
    assert value(found, "helpport_outbox_messages", state="pending") == 0
    assert value(found, "helpport_http_requests_total", route="/metrics", method="GET",
                 status="200") >= 1


PROCESS = textwrap.dedent("""
    import sys
    from portal.observability.metrics import exposition, observe_request
    for _ in range(int(sys.argv[1])):
        observe_request("/x", "GET", 200, 0.01)
    if sys.argv[2] == "print":
        sys.stdout.write(exposition().decode())
""")


def test_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """gunicorn's workers each count; whichever answers /metrics shows the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def run(count, then):
        return subprocess.run([sys.executable, "-c", PROCESS, str(count), then], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60, check=True)

    run(3, "exit")
    printed = run(2, "print").stdout
    found = samples(printed)
    labels = {"route": "/x", "method": "GET", "status": "200"}
    assert value(found, "helpport_http_requests_total", **labels) == 5
    assert value(found, "helpport_metrics_source_up", source="redis") == 0  # no app here
    assert "process_cpu_seconds_total" not in printed  # no per-process default collectors
