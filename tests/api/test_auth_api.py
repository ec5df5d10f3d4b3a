"""The customer sign-in API: contract, bad input, limits. Errors are JSON; no 500."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, CustomerSession
from portal.tenancy import use_workspace
from tests.codes import api_sign_in, code_rows, last_code, outbox_count
from tests.factories import api_token, make_account, make_contact

EMAIL = "pat@customer.example"
OTP = "/api/v1/workspaces/acme/auth/otp"
VERIFY = "/api/v1/workspaces/acme/auth/otp/verify"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def contacts_in(ws):
    with use_workspace(ws.id):
        return db.session.scalars(select(Contact)).all()


def sessions_in(ws):
    with use_workspace(ws.id):
        return db.session.scalars(select(CustomerSession)).all()


def test_sign_in_contract_and_me(client, acme):
    account = make_account(acme, "Customer Inc")
    make_contact(acme, EMAIL, account=account, name="Pat")
    response = client.post(OTP, json={"email": EMAIL})
    assert response.status_code == 202 and response.is_json
    response = client.post(VERIFY, json={"email": EMAIL, "code": last_code(acme, EMAIL)})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == client.application.config["API_TOKEN_SECONDS"]
    assert body["contact"]["email"] == EMAIL
    assert body["contact"]["account"] == {"id": account.id, "name": "Customer Inc"}
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["contact"]["name"] == "Pat"
    assert me.get_json()["workspace"] == {"slug": "acme", "name": "Acme Support"}


def test_send_answers_the_same_whoever_asks(client, acme):
    """Existing, unknown (JIT off) and inactive emails: same status, same body."""
    make_contact(acme, "active@example.com")
    make_contact(acme, "inactive@example.com", active=False)
    answers = [client.post(OTP, json={"email": e}) for e in
               ("active@example.com", "stranger@example.com", "inactive@example.com")]
    assert {(a.status_code, a.get_data()) for a in answers} == {(202, answers[0].get_data())}
    assert outbox_count(acme) == 1


def test_unknown_email_without_jit_cannot_verify(client, acme):
    client.post(OTP, json={"email": "stranger@example.com"})
    response = client.post(VERIFY, json={"email": "stranger@example.com", "code": "123456"})
    assert response.status_code == 422 and response.get_json()["details"]["field"] == "code"
    assert contacts_in(acme) == [] and sessions_in(acme) == []


def test_jit_contact_without_account_works_normally(client, acme):
    acme.jit_provisioning = True
    db.session.commit()
    response = api_sign_in(client, acme, "solo@nowhere.example")
    assert response.status_code == 200
    assert response.get_json()["contact"]["account"] is None
    me = client.get("/api/v1/me", headers=bearer(response.get_json()["access_token"]))
    assert me.status_code == 200 and me.get_json()["contact"]["email"] == "solo@nowhere.example"


def test_jit_links_by_domain_over_the_api(client, acme):
    acme.jit_provisioning = True
    db.session.commit()
    account = make_account(acme, "Initech", domains=["initech.example"])
    response = api_sign_in(client, acme, "bob@initech.example")
    assert response.get_json()["contact"]["account"]["id"] == account.id


def test_wrong_expired_and_reused_codes_are_refused(client, acme):
    make_contact(acme, EMAIL)
    client.post(OTP, json={"email": EMAIL})
    code = last_code(acme, EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(VERIFY, json={"email": EMAIL, "code": wrong})
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"
    assert client.post(VERIFY, json={"email": EMAIL, "code": code}).status_code == 200
    reused = client.post(VERIFY, json={"email": EMAIL, "code": code})
    assert reused.status_code == 422 and "access_token" not in reused.get_json()
    client.post(OTP, json={"email": EMAIL})
    [*_, row] = code_rows(acme, EMAIL)
    from datetime import timedelta

    row.expires_at -= timedelta(minutes=10)
    db.session.commit()
    expired = client.post(VERIFY, json={"email": EMAIL, "code": last_code(acme, EMAIL)})
    assert expired.status_code == 422
    assert len(sessions_in(acme)) == 1


@pytest.mark.parametrize("path", [
    "/api/v1/workspaces/nope/auth/otp", "/api/v1/workspaces/nope/auth/otp/verify",
])
def test_unknown_workspace_is_a_json_404(client, acme, path):
    response = client.post(path, json={"email": EMAIL, "code": "123456"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_unknown_api_path_and_method_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json
    response = client.delete("/api/v1/me")
    assert response.status_code == 405 and response.is_json and "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", [OTP, VERIFY])
def test_body_errors(client, acme, path):
    make_contact(acme, EMAIL)
    too_big = client.post(path, data=b'{"email": "' + b"a" * (1024 * 1024) + b'"}',
                          content_type="application/json")
    assert too_big.status_code == 413 and too_big.is_json
    form = client.post(path, data={"email": EMAIL})
    assert form.status_code == 415 and form.get_json()["error"] == "unsupported_media_type"
    text = client.post(path, data='{"email": "x"}', content_type="text/plain")
    assert text.status_code == 415
    nothing = client.post(path)
    assert nothing.status_code == 415
    for raw in (b"{", b"", b"{'email': 1}", b"\xff\xfe{}", b"[" * 100000):
        bad = client.post(path, data=raw, content_type="application/json")
        assert bad.status_code == 400, raw[:10]
        assert bad.get_json()["error"] == "malformed_json"
    for body in (b"[]", b'"email"', b"5", b"null", b'[{"email": "a@example.com"}]'):
        wrong = client.post(path, data=body, content_type="application/json")
        assert wrong.status_code == 422 and wrong.get_json()["error"] == "invalid"
    assert code_rows(acme) == [] and outbox_count(acme) == 0 and sessions_in(acme) == []


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"email": 42}, "email"),
    ({"email": None}, "email"),
    ({"email": ["pat@customer.example"]}, "email"),
    ({"email": "not an email"}, "email"),
    ({"email": "pat@customer.example", "locale": 7}, "locale"),
    ({"email": "pat@customer.example", "locale": "x" * 50}, "locale"),
])
def test_send_with_wrong_fields_is_422_and_creates_nothing(client, acme, body, field):
    make_contact(acme, EMAIL)
    response = client.post(OTP, json=body)
    assert response.status_code == 422
    assert response.get_json()["details"]["field"] == field
    assert code_rows(acme) == [] and outbox_count(acme) == 0


def test_send_with_an_unknown_locale_falls_back_to_the_workspace_default(client, acme):
    make_contact(acme, EMAIL)
    assert client.post(OTP, json={"email": EMAIL, "locale": "xx-XX"}).status_code == 202
    assert last_code(acme, EMAIL)


@pytest.mark.parametrize("body, field", [
    ({"email": EMAIL}, "code"),
    ({"email": EMAIL, "code": ["123456"]}, "code"),
    ({"email": EMAIL, "code": 123456}, "code"),
    ({"email": EMAIL, "code": "12345"}, "code"),
    ({"email": EMAIL, "code": {"a": 1}}, "code"),
    ({"email": 7, "code": "123456"}, "email"),
    ({"code": "123456"}, "email"),
])
def test_verify_with_wrong_fields_is_422_and_spends_no_try(client, acme, body, field):
    make_contact(acme, EMAIL)
    client.post(OTP, json={"email": EMAIL})
    response = client.post(VERIFY, json=body)
    assert response.status_code == 422
    assert response.get_json()["details"]["field"] == field
    [row] = code_rows(acme, EMAIL)
    assert row.attempts == 0 and sessions_in(acme) == []


def test_me_needs_a_valid_bearer_token(client, acme):
    contact = make_contact(acme, EMAIL)
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"},
                    bearer("nope"), bearer("x" * 5000)):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert client.get("/api/v1/me", headers=bearer(api_token(contact))).status_code == 200


def test_sign_out_revokes_the_token(client, acme):
    token = api_token(make_contact(acme, EMAIL))
    assert client.post("/api/v1/auth/sign-out", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/v1/auth/sign-out", headers=bearer(token)).status_code == 401


def test_inactive_contact_token_stops_working(client, acme):
    contact = make_contact(acme, EMAIL)
    token = api_token(contact)
    contact.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_send_is_limited_per_email(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT", "3 per 15 minutes")
    make_contact(acme, EMAIL)
    for _ in range(3):
        assert client.post(OTP, json={"email": EMAIL}).status_code == 202
    limited = client.post(OTP, json={"email": EMAIL.upper()})
    assert limited.status_code == 429 and limited.get_json()["error"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    assert outbox_count(acme) == 3
    assert client.post(OTP, json={"email": "other@example.com"}).status_code == 202


def test_send_limit_is_shared_by_the_web_form_and_the_api(client, acme, app, monkeypatch):
    from tests.conftest import csrf_from

    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT", "2 per 15 minutes")
    make_contact(acme, EMAIL)
    assert client.post(OTP, json={"email": EMAIL}).status_code == 202
    page = client.get("/en-US/acme/signin").get_data(as_text=True)
    web = client.post("/en-US/acme/signin", data={"email": EMAIL, "csrf_token": csrf_from(page)})
    assert web.status_code == 302
    assert client.post(OTP, json={"email": EMAIL}).status_code == 429


def test_send_is_limited_per_client_address(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT_PER_ADDRESS", "4 per hour")
    for n in range(4):
        assert client.post(OTP, json={"email": f"u{n}@example.com"}).status_code == 202
    assert client.post(OTP, json={"email": "u9@example.com"}).status_code == 429
    other = client.post(OTP, json={"email": "u9@example.com"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 202


def test_verify_tries_are_limited(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_VERIFY_LIMIT", "3 per 15 minutes")
    make_contact(acme, EMAIL)
    client.post(OTP, json={"email": EMAIL})
    code = last_code(acme, EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(3):
        assert client.post(VERIFY, json={"email": EMAIL, "code": wrong}).status_code == 422
    limited = client.post(VERIFY, json={"email": EMAIL, "code": code})
    assert limited.status_code == 429 and limited.is_json


def test_token_of_one_workspace_is_refused_on_another_workspace_path(app, acme, globex):
    """A bearer token names its workspace: a `/workspaces/<other>/...` path refuses it (404
    where the token is required, as if the path named nothing; 401 where it is optional)."""
    from portal.api.common import resolve_caller
    from portal.services.errors import NotFound, Unauthorized

    contact = make_contact(acme, EMAIL)
    token = api_token(contact)
    with app.test_request_context("/api/v1/workspaces/globex/x", headers=bearer(token)):
        with pytest.raises(NotFound):
            resolve_caller("globex")
        with pytest.raises(Unauthorized):
            resolve_caller("globex", optional=True)
    with app.test_request_context("/api/v1/workspaces/acme/x", headers=bearer(token)):
        assert resolve_caller("acme").id == contact.id


def test_web_cookie_token_is_not_a_bearer_token(client, acme):
    from tests.factories import login_as

    token = login_as(client, make_contact(acme, EMAIL))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


# Other spellings of one mailbox: the normalised address (otp.normalise_email) keys every
# limit, so case, full-width letters and dots, and spaces draw on the same allowance.
SPELLINGS = ("PAT@Customer.Example", " pat@customer.example ", "pat@ＣＵＳＴＯＭＥＲ.example",
             "pat@customer．example", "pat@customer。example")


def test_send_limit_counts_every_spelling_of_the_address(client, acme):
    make_contact(acme, EMAIL)
    allowed = int(client.application.config["OTP_SEND_LIMIT"].split()[0])
    for _ in range(allowed):
        assert client.post(OTP, json={"email": EMAIL}).status_code == 202
    for spelling in SPELLINGS:
        limited = client.post(OTP, json={"email": spelling})
        assert limited.status_code == 429, spelling
        assert limited.get_json()["error"] == "too_many_requests"
    assert outbox_count(acme) == allowed
    assert client.post(OTP, json={"email": "other@customer.example"}).status_code == 202


def test_verify_limit_counts_every_spelling_of_the_address(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_VERIFY_LIMIT", "3 per 15 minutes")
    make_contact(acme, EMAIL)
    client.post(OTP, json={"email": EMAIL})
    code = last_code(acme, EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    addresses = (f"10.0.0.{n}" for n in range(1, 100))  # the per-address limit never trips
    for spelling in SPELLINGS[2:]:
        assert client.post(VERIFY, json={"email": spelling, "code": wrong},
                           environ_base={"REMOTE_ADDR": next(addresses)}).status_code == 422
    for spelling in (EMAIL, *SPELLINGS):
        limited = client.post(VERIFY, json={"email": spelling, "code": code},
                              environ_base={"REMOTE_ADDR": next(addresses)})
        assert limited.status_code == 429, spelling
    assert sessions_in(acme) == []
    [row] = code_rows(acme, EMAIL)
    assert row.attempts == 3  # every spelling spent a try of the one code


def test_send_does_the_same_work_for_known_and_unknown_addresses(client, acme):
    """Sign-up closed: the request only queues the sign-in job, the same for a customer and
    a stranger; the job decides. (bench/otp_timing.py measures the answer times.)"""
    from portal.auth.otp import SEND_QUEUE
    from portal.jobs import queue
    from portal.models import OneTimeCode, OutboxMessage
    from tests.codes import work_sign_in_jobs

    make_contact(acme, EMAIL)
    known = client.post(OTP, json={"email": EMAIL})
    unknown = client.post(OTP, json={"email": "Stranger@Customer.example"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    with use_workspace(acme.id):
        assert db.session.scalars(select(OneTimeCode.id)).all() == []
        assert db.session.scalars(select(OutboxMessage.id)).all() == []
    assert [(job.func_name, job.args) for job in queue(SEND_QUEUE).jobs] == [
        ("portal.auth.otp.send_code", (acme.id, EMAIL, None)),
        ("portal.auth.otp.send_code", (acme.id, "stranger@customer.example", None))]
    assert work_sign_in_jobs() == 3  # two sign-in jobs, one email delivery
    assert len(code_rows(acme, EMAIL)) == 1 and code_rows(acme, "stranger@customer.example") == []
    assert outbox_count(acme) == 1 and last_code(acme, EMAIL)

