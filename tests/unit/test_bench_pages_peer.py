"""django-helpdesk as the peer of the ticket-creation benchmark (bench/peer_helpdesk.py,
bench/pages_report.py): the generated Django project, the submit form's body and CSRF
handshake, the ticket count, and the goal logic. Nothing here installs or serves the peer
(no network); the load run itself is measured in docs/PERFORMANCE.md."""

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest

from bench import pages_load, pages_report, pages_targets, peer_helpdesk


def _settings(peer) -> dict:
    text = peer_helpdesk.site_files(peer, "s3cret")["helpdesk_site/settings.py"]
    namespace = {"__file__": str(peer.site / "helpdesk_site" / "settings.py")}
    exec(compile(text, "settings.py", "exec"), namespace)  # noqa: S102 (our own template)
    return namespace


def test_generated_settings_are_a_production_like_sqlite_wal_site(tmp_path):
    peer = peer_helpdesk.Peer(tmp_path)
    settings = _settings(peer)
    assert settings["DEBUG"] is False and settings["SECRET_KEY"] == "s3cret"
    assert "127.0.0.1" in settings["ALLOWED_HOSTS"]
    assert {"helpdesk", "rest_framework", "django.contrib.sites",
            "django.contrib.humanize"} <= set(settings["INSTALLED_APPS"])
    assert settings["HELPDESK_TEAMS_MODE_ENABLED"] is False  # no pinax-teams needed
    assert settings["HELPDESK_SUBMIT_A_TICKET_PUBLIC"] is True
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings["MIDDLEWARE"]
    database = settings["DATABASES"]["default"]
    assert database["NAME"] == str(tmp_path / "helpdesk-site" / "helpdesk.db")
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert "synchronous=NORMAL" in database["OPTIONS"]["init_command"]
    assert settings["EMAIL_BACKEND"].endswith("dummy.EmailBackend")
    urls = peer_helpdesk.site_files(peer, "x")["helpdesk_site/urls.py"]
    assert 'path("helpdesk/", include("helpdesk.urls"' in urls
    for script in ("seed.py", "cpu.py"):
        compile(peer_helpdesk.site_files(peer, "x")[script], script, "exec")
    assert "/helpdesk/tickets/submit/" in peer_helpdesk.site_files(peer, "x")["cpu.py"]


def test_site_is_written_once_and_keeps_its_secret_key(tmp_path):
    peer = peer_helpdesk.Peer(tmp_path)
    peer_helpdesk.write_site(peer)
    settings = peer.site / "helpdesk_site" / "settings.py"
    first = settings.read_text()
    peer_helpdesk.write_site(peer)
    assert settings.read_text() == first
    assert {p.name for p in (peer.site / "helpdesk_site").iterdir()} == {
        "__init__.py", "settings.py", "urls.py", "wsgi.py"}


def test_ready_only_when_set_up_with_enough_tickets_and_no_install_without_it(tmp_path):
    peer = peer_helpdesk.Peer(tmp_path)
    assert not peer.ready(10) and peer_helpdesk.setup(tmp_path, 10, install=False) is None
    peer.gunicorn.parent.mkdir(parents=True)
    peer.gunicorn.touch()
    peer_helpdesk.write_site(peer)
    peer.db.touch()
    peer.marker.write_text("200 tickets, django-helpdesk 2.6.1\n")
    assert peer.ready(200) and not peer.ready(10_000)
    assert peer_helpdesk.setup(tmp_path, 200, install=False).site == peer.site


def test_form_body_numbers_the_same_ticket_as_ours():
    body = peer_helpdesk.form_body(7, "tok+en/=")
    assert "({n})" in body.replace("%28", "(").replace("%29", ")")
    fields = {k: v[0] for k, v in parse_qs(body.replace("{n}", "42")).items()}
    ours = json.loads(pages_targets.TICKET_BODY.replace("{n}", "42"))
    assert fields == {"csrfmiddlewaretoken": "tok+en/=", "queue": "7", "priority": "3",
                      "title": ours["title"], "body": ours["description"],
                      "submitter_email": peer_helpdesk.SUBMITTER}


class _Form(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        page = b'<form><input type="hidden" name="csrfmiddlewaretoken" value="masked64">'
        self.send_response(200)
        self.send_header("Set-Cookie", "csrftoken=secret32; Path=/; SameSite=Lax")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args):
        pass


@pytest.fixture
def form_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Form)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_target_takes_the_csrf_cookie_and_form_token_from_one_get(tmp_path, form_server):
    peer = peer_helpdesk.Peer(tmp_path)
    peer.site.mkdir(parents=True)
    with sqlite3.connect(peer.db) as conn:
        conn.execute("CREATE TABLE helpdesk_queue (id INTEGER PRIMARY KEY, slug TEXT)")
        conn.execute("INSERT INTO helpdesk_queue VALUES (3, 'bench')")
        conn.execute("CREATE TABLE helpdesk_ticket (id INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO helpdesk_ticket VALUES (?)", [(1,), (2,)])
    t = peer_helpdesk.target(peer, form_server)
    assert (t["method"], t["path"], t["status"]) == ("POST", "/helpdesk/tickets/submit/", [302])
    assert "Cookie: csrftoken=secret32" in t["headers"]
    assert "Content-Type: application/x-www-form-urlencoded" in t["headers"]
    assert t["body"].startswith("csrfmiddlewaretoken=masked64&queue=3&")
    assert peer_helpdesk.count_settled(peer) == 2


def _runs(*rps):
    return [{"rps": x, "p50_us": 1000, "p95_us": 2000, "p99_us": 3000, "errors": {},
             "load_1m": 1.0, "ok": int(x)} for x in rps]


def test_creation_goal_is_twice_the_peer_when_it_ran_else_the_reference_fallback():
    plan = {"goals": pages_targets.GOALS, "peer_goals": pages_targets.PEER_GOALS,
            "tickets": 10, "articles": 1}
    assert pages_report.goal_of("create", plan, True) == (2.0, "peer")
    assert pages_report.goal_of("create", plan, False) == (0.15, "reference")
    assert pages_report.goal_of("article", plan, True) == (0.6, "reference")
    args = SimpleNamespace(quick=False, url=None, duration=5, reps=3, connections=16,
                           workers=2, worker_class="sync", threads=1)
    ours = {"name": "create", "label": "Creation", "bytes": 700, "probes": 4, "warmup_ok": 10,
            "runs": _runs(200, 210, 190)}
    ref = {"bytes": 700, "runs": _runs(1000, 1000, 1000)}
    peer = {"label": "django-helpdesk 2.6.1 submit", "probes": 4, "warmup_ok": 5,
            "runs": _runs(50, 140, 40)}
    s = pages_report.summarise([(ours, ref, peer)], args, plan, created=624,
                               load_before="1 / 1 / 1", peer_created=250)
    row = s["results"][0]
    assert row["peer"]["ratio"] == pytest.approx(4.0)  # median of 4.0, 1.5, 4.75
    assert row["goal"] == 2.0 and row["met"] is True and row["ratio"] == pytest.approx(0.2)
    assert s["created"]["ok"] and s["peer_created"] == {
        "tickets": 250, "answered_2xx": 239, "in_flight_max": 64, "ok": True}
    text = pages_report.table(s)
    assert "| django-helpdesk req/s | Ratio to it |" in text
    assert "| 50 | 4.00 | ≥ 2× django-helpdesk yes |" in text
    assert "not set up" not in text

    alone = pages_report.summarise([(ours, ref)], args, plan, created=624,
                                   load_before="1 / 1 / 1")
    assert alone["results"][0]["goal"] == 0.15 and alone["results"][0]["met"] is True
    assert alone["peer_created"] is None
    assert "django-helpdesk was not set up" in pages_report.table(alone)
    assert "Ratio to it" not in pages_report.table(alone)


def test_peer_options():
    assert pages_load.parse_args([]).peer == "helpdesk"
    assert pages_load.parse_args(["--no-peer"]).peer is None
    args = pages_load.parse_args(["--only", "home"])
    assert pages_load.setup_peer(args) is None  # creation not measured: no peer
