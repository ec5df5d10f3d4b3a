"""Requests while Redis is down (issue 9, part 1): sign-in keeps working with its limits
counted in-process, staff sign-in still counts failures, and pages, the API and live
streams that do not need Redis answer as usual. Redis is a server of the test's own that
the test kills; the app runs on a copy of a migrated SQLite database."""

import re
import time

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, Workspace
from portal.services import articles, contacts
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD, jwt_token, new_client, staff_login
from tests.conftest import csrf_from
from tests.factories import api_token, login_as, make_contact, make_staff, make_workspace
from tests.faults.redis_server import dispose, outage_config

pytestmark = pytest.mark.redis

EMAIL = "pat@customer.example"
STAFF = "sam@staff.example"
OTP_API = "/api/v1/workspaces/acme/auth/otp"


@pytest.fixture
def outage_app(template, tmp_path, redis_server, make_app):
    app = make_app(outage_config(template, tmp_path, redis_server.url,
                                 OTP_SEND_LIMIT="3 per 15 minutes",
                                 STAFF_LOGIN_DELAY_SECONDS=0, LIVE_STREAM_SECONDS=1.5,
                                 LIVE_HEARTBEAT_SECONDS=0.5))
    with app.app_context():
        ws = make_workspace(slug="acme", name="Acme Support")
        make_contact(ws, EMAIL)
        make_staff(STAFF, PASSWORD, "admin", ws)
    yield app
    dispose(app)


def newest_code(app) -> str:
    with app.app_context(), use_workspace(1):
        body = db.session.scalars(select(OutboxMessage.text_body)
                                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_sign_in_works_during_an_outage_and_its_limits_still_hold(outage_app, redis_server,
                                                                  caplog):
    redis_server.kill()
    client = new_client(outage_app)
    page = client.get("/en-US/acme/signin")
    assert page.status_code == 200
    form = {"email": EMAIL, "csrf_token": csrf_from(page.text)}
    assert client.post("/en-US/acme/signin", data=form).status_code == 302
    # the web form and the API share one allowance per address: 3, counted in-process
    assert [client.post(OTP_API, json={"email": EMAIL}).status_code for _ in range(3)] == \
        [202, 202, 429]
    refused = client.post("/en-US/acme/signin", data=form)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "rate limits: Redis unreachable" in caplog.text

    verify = client.post(f"{OTP_API}/verify", json={"email": EMAIL,
                                                      "code": newest_code(outage_app)})
    assert verify.status_code == 200 and verify.get_json()["access_token"]

    redis_server.start()
    time.sleep(2.2)  # Flask-Limiter asks its storage again 1, 2, 4, ... s after a failure
    assert client.post(OTP_API, json={"email": "kim@customer.example"}).status_code == 202
    assert "rate limits: Redis is back" in caplog.text
    # back on Redis, whose counts started afresh with it
    assert client.post(OTP_API, json={"email": EMAIL}).status_code == 202


def test_staff_sign_in_during_an_outage_still_counts_failures(outage_app, redis_server,
                                                              caplog):
    redis_server.kill()
    staff_login(new_client(outage_app), STAFF)
    client = new_client(outage_app)
    assert jwt_token(client, STAFF)
    most = outage_app.config["STAFF_LOGIN_MAX_FAILURES"]
    wrong = {"username": STAFF, "password": "wrong", "provider": "db"}
    assert [client.post("/api/v1/security/login", json=wrong).status_code
            for _ in range(most)] == [401] * most
    right = client.post("/api/v1/security/login",
                        json={**wrong, "password": PASSWORD})
    assert right.status_code == 429, "locked, in this process's count"
    assert caplog.text.count("staff sign-in limits: Redis unreachable") == 1


def _customer(ws):
    """The seeded customer and API headers with a token of theirs (inside `use_workspace`)."""
    pat = contacts.by_email(ws, EMAIL)
    return pat, {"Authorization": f"Bearer {api_token(pat)}"}


def test_pages_api_and_live_streams_work_without_redis(outage_app, redis_server):
    with outage_app.app_context():
        ws = db.session.scalar(select(Workspace))
        with use_workspace(ws.id):
            pat, headers = _customer(ws)
            web = new_client(outage_app)
            login_as(web, pat)
            article = articles.save(ws, locale="en-US", title="Printer setup", body="Text.",
                                    status="published", audience="public")
            db.session.commit()
            slug = article.slug
    redis_server.kill()

    api = new_client(outage_app)
    made = api.post("/api/v1/workspaces/acme/tickets", headers=headers, json={
        "title": "Printer on fire", "description": "It is on fire.", "priority": "normal",
        "custom_fields": {"category": "problem"}})
    assert made.status_code == 201, made.text
    number = made.get_json()["number"]
    assert api.post(f"/api/v1/workspaces/acme/tickets/{number}/comments", headers=headers,
                    json={"body": "Still burning."}).status_code == 201
    for url in ("/en-US/acme/directories", "/en-US/acme/tickets",
                f"/en-US/acme/tickets/{number}"):
        assert web.get(url).status_code == 200, url

    page = web.get(f"/en-US/acme/articles/{slug}")  # its view is not counted: no Redis
    assert page.status_code == 200
    voted = web.post(f"/en-US/acme/articles/{slug}/helpful",
                     data={"helpful": "yes"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert voted.status_code == 302, "the vote limit counts in-process"

    stream = web.get(f"/en-US/acme/tickets/{number}/events", headers={"Last-Event-ID": "0"})
    body = stream.get_data(as_text=True)
    assert stream.status_code == 200
    assert "event: ready" in body and "Still burning." in body
    assert body.rstrip().endswith('data: {"reason":"reconnect"}'), body[-200:]


def test_a_live_stream_polls_when_redis_goes_away_under_it(outage_app, redis_server):
    outage_app.config.update(LIVE_STREAM_SECONDS=4, LIVE_POLL_SECONDS=60)
    with outage_app.app_context():
        ws = db.session.scalar(select(Workspace))
        with use_workspace(ws.id):
            _pat, headers = _customer(ws)
    api = new_client(outage_app)
    number = api.post("/api/v1/workspaces/acme/tickets", headers=headers, json={
        "title": "Printer on fire", "description": "It is on fire.", "priority": "normal",
        "custom_fields": {"category": "problem"}}).get_json()["number"]
    base = f"/api/v1/workspaces/acme/tickets/{number}"
    stream = api.get(f"{base}/events", headers=headers, buffered=False)
    try:
        frames = (frame.decode() for frame in stream.response)
        assert "event: ready" in next(frames) + next(frames)  # subscribed on Redis

        redis_server.kill()
        assert api.post(f"{base}/comments", headers=headers,
                        json={"body": "Still burning."}).status_code == 201
        started = time.monotonic()
        rest = "".join(frames)  # polls the database once Redis fails, then ends as usual
    finally:
        stream.close()
    assert "Still burning." in rest and rest.rstrip().endswith('{"reason":"reconnect"}')
    assert rest.index("Still burning.") < rest.index("event: end")
    assert time.monotonic() - started < 6
