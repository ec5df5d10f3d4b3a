"""The JWT hand-off through the API: the host application's server asks for a sign-in token
with its application token (AAT); the browser redeems `sign_in_url`, an app exchanges the
token for a bearer token. Every refusal answers a clear JSON error and signs nobody in."""

from datetime import timedelta
from urllib.parse import urlsplit

import jwt
import pytest
from sqlalchemy import select

from portal.auth import app_tokens, sign_in_tokens
from portal.extensions import db
from portal.models import AppToken, Contact, CustomerSession
from portal.models.base import utcnow
from portal.services import workspaces
from portal.tenancy import use_workspace
from tests.factories import make_contact

EMAIL = "pat@customer.example"
HANDOFF = "/api/v1/workspaces/{}/auth/jwt"
EXCHANGE = "/api/v1/workspaces/{}/auth/jwt/exchange"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def app_token(ws, name="host app", enabled=True) -> str:
    """A new AAT of `ws`, with the hand-off switched on (or off)."""
    with use_workspace(ws.id):
        _row, secret = app_tokens.create(ws, name)
    ws.sign_in_jwt = enabled
    db.session.commit()
    return secret


def sessions_in(ws):
    with use_workspace(ws.id):
        return db.session.scalars(select(CustomerSession)).all()


def hand_off(client, secret, slug="acme", **body):
    return client.post(HANDOFF.format(slug), json={"email": EMAIL, **body},
                       headers=bearer(secret) if secret is not None else {})


def refused(response, status, field=None):
    assert response.status_code == status, response.text
    body = response.get_json()
    assert body["message"] and body["error"]
    if field:
        assert body["details"]["field"] == field, body
    return body


def test_the_browser_is_signed_in_at_next(client, acme):
    make_contact(acme, EMAIL, name="Pat Doe")
    secret = app_token(acme)
    response = hand_off(client, secret, name="Pat Doe", next="/en-US/acme/tickets")
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["expires_in"] == client.application.config["JWT_SIGN_IN_SECONDS"] == 300
    url = urlsplit(body["sign_in_url"])
    assert f"{url.scheme}://{url.netloc}" == workspaces.public_base()  # BASE_URL, or PORT
    assert url.path == "/en-US/acme/signin/token" and body["token"] in url.query
    signed_in = client.get(f"{url.path}?{url.query}")
    assert signed_in.status_code == 302 and signed_in.location.endswith("/en-US/acme/tickets")
    assert "Pat Doe" in client.get("/en-US/acme/profile").text
    [row] = sessions_in(acme)
    assert (row.kind, row.proof) == ("web", "jwt")
    assert client.get(f"{url.path}?{url.query}").status_code == 401  # usable once
    # ... and the exchange refuses it too, once used in the browser
    refused(client.post(EXCHANGE.format("acme"), json={"token": body["token"]}), 401)


def test_the_link_names_the_custom_domain_and_the_language(client, acme):
    make_contact(acme, EMAIL)
    secret = app_token(acme)
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    url = hand_off(client, secret, locale="de_DE").get_json()["sign_in_url"]
    assert url.startswith("https://help.acme.example/de-DE/acme/signin/token?token=")
    url = hand_off(client, secret, locale="xx-YY").get_json()["sign_in_url"]
    assert url.startswith(f"https://help.acme.example/{acme.default_locale}/acme/signin/token?")


def test_an_app_exchanges_the_token_for_a_bearer_token(client, acme):
    make_contact(acme, EMAIL, name="Pat Doe")
    secret = app_token(acme)
    token = hand_off(client, secret).get_json()["token"]
    response = client.post(EXCHANGE.format("acme"), json={"token": token})
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in", "contact"}
    assert body["token_type"] == "Bearer" and body["contact"]["email"] == EMAIL
    assert body["expires_in"] == client.application.config["API_TOKEN_SECONDS"]
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.get_json()["contact"]["name"] == "Pat Doe"
    [row] = sessions_in(acme)
    assert (row.kind, row.proof) == ("api", "jwt")
    again = client.post(EXCHANGE.format("acme"), json={"token": token})
    assert "already used" in refused(again, 401)["message"]
    assert len(sessions_in(acme)) == 1


def test_application_tokens_are_refused_unless_live_and_of_this_workspace(client, acme,
                                                                            globex):
    make_contact(acme, EMAIL)
    secret = app_token(acme)
    theirs = app_token(globex)
    refused(hand_off(client, None), 401)
    refused(hand_off(client, "hpat_" + "x" * 43), 401)
    refused(hand_off(client, "y" * 5000), 401)
    assert "another workspace" in refused(hand_off(client, theirs), 401)["message"]
    with use_workspace(acme.id):
        app_tokens.revoke(acme, app_tokens.by_name(acme, "host app"))
    refused(hand_off(client, secret), 401)
    # the caller is refused before its body is read
    response = client.post(HANDOFF.format("acme"), data="not json", headers=bearer(secret))
    refused(response, 401)


def test_the_hand_off_must_be_switched_on(client, acme):
    make_contact(acme, EMAIL)
    secret = app_token(acme, enabled=False)
    assert "off for this workspace" in refused(hand_off(client, secret), 403)["message"]
    acme.sign_in_jwt = True
    db.session.commit()
    token = hand_off(client, secret).get_json()["token"]
    acme.sign_in_jwt = False
    db.session.commit()
    refused(client.post(EXCHANGE.format("acme"), json={"token": token}), 403)
    assert sessions_in(acme) == []


@pytest.mark.parametrize("body, field", [
    ({"next": "//evil.example/x"}, "next"),
    ({"next": "https://evil.example/"}, "next"),
    ({"next": "/\t/evil.example"}, "next"),
    ({"email": "not an address"}, "email"),
    ({"email": ""}, "email"),
    ({"name": 5}, "name"),
])
def test_wrong_input_is_refused_with_its_field(client, acme, body, field):
    make_contact(acme, EMAIL)
    refused(hand_off(client, app_token(acme), **body), 422, field)


def test_an_unknown_email_needs_just_in_time_provisioning(client, acme):
    secret = app_token(acme)
    body = refused(hand_off(client, secret, email="new@corp.example"), 403, "email")
    assert "does not create customers" in body["message"]
    make_contact(acme, "gone@corp.example", active=False)
    assert "deactivated" in refused(hand_off(client, secret, email="gone@corp.example"),
                                    403, "email")["message"]
    acme.jit_provisioning = True
    db.session.commit()
    token = hand_off(client, secret, email="new@corp.example", name="New Person").get_json()
    response = client.post(EXCHANGE.format("acme"), json={"token": token["token"]})
    assert response.status_code == 200 and response.get_json()["contact"]["name"] == "New Person"
    with use_workspace(acme.id):
        assert db.session.scalar(select(Contact).where(Contact.email == "new@corp.example"))


def test_the_exchange_refuses_every_bad_token(client, acme, globex, monkeypatch):
    make_contact(acme, EMAIL)
    make_contact(globex, EMAIL)
    secret = app_token(acme)
    good = hand_off(client, secret).get_json()["token"]
    head, body, signature = good.split(".")
    tampered = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode({**claims, "sub": "someone@else.example"},
                        "a guessed key of thirty-two bytes!", algorithm="HS256")
    theirs = hand_off(client, app_token(globex), slug="globex").get_json()["token"]
    invitation = sign_in_tokens.issue(acme, EMAIL, "invite", 300)
    monkeypatch.setitem(client.application.config, "JWT_SIGN_IN_SECONDS", -1)
    expired = hand_off(client, secret).get_json()["token"]
    for token in (tampered, forged, theirs, invitation, expired, "x" * 4096):
        response = client.post(EXCHANGE.format("acme"), json={"token": token})
        assert "invalid, expired or already used" in refused(response, 401)["message"], token
    refused(client.post(EXCHANGE.format("acme"), json={"token": "x" * 4097}), 422, "token")
    refused(client.post(EXCHANGE.format("acme"), json={}), 422, "token")
    assert sessions_in(acme) == []
    # the good one still works: none of the above spent it
    assert client.post(EXCHANGE.format("acme"), json={"token": good}).status_code == 200


def test_last_used_is_noted_at_most_once_a_minute(client, acme):
    make_contact(acme, EMAIL)
    secret = app_token(acme)
    with use_workspace(acme.id):
        row = db.session.scalar(select(AppToken))
        assert row.last_used_at is None and row.token_hash != secret and secret not in str(
            [row.token_hash, row.name])
    assert hand_off(client, secret).status_code == 200
    with use_workspace(acme.id):
        db.session.refresh(row)
        first = row.last_used_at
        assert first is not None
        row.last_used_at = utcnow() - timedelta(seconds=30)
        db.session.commit()
        recent = row.last_used_at
    hand_off(client, secret)
    with use_workspace(acme.id):
        db.session.refresh(row)
        assert row.last_used_at == recent
        row.last_used_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    hand_off(client, secret)
    with use_workspace(acme.id):
        db.session.refresh(row)
        assert row.last_used_at > utcnow() - timedelta(seconds=10)


def test_both_endpoints_are_rate_limited(client, acme, monkeypatch):
    make_contact(acme, EMAIL)
    secret = app_token(acme)
    monkeypatch.setitem(client.application.config, "JWT_HANDOFF_LIMIT", "2 per minute")
    monkeypatch.setitem(client.application.config, "JWT_EXCHANGE_LIMIT", "2 per minute")
    statuses = [hand_off(client, secret).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    statuses = [client.post(EXCHANGE.format("acme"), json={"token": "x"}).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert client.post(EXCHANGE.format("acme"), json={"token": "x"}).is_json
