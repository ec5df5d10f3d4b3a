"""Customer sessions: revocable rows, id rotation at sign-in, lifetimes, cookie flags,
and the walls between customers and staff and between workspaces."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import CustomerSession
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD, jwt_token, staff_login
from tests.codes import last_code, web_sign_in
from tests.conftest import csrf_from
from tests.factories import api_token, login_as, make_account, make_contact, make_staff

EMAIL = "pat@customer.example"
PROFILE = "/en-US/acme/profile"


def session_rows(ws):
    with use_workspace(ws.id):
        return list(db.session.scalars(select(CustomerSession).order_by(CustomerSession.id)))


def cookie(client, ws):
    found = client.get_cookie(f"helpport_customer_{ws.id}")
    return found.value if found else None


def signed_in(client) -> bool:
    return client.get(PROFILE).status_code == 200


def shift(row, **delta):
    """Move a session back in time instead of sleeping."""
    for column in ("created_at", "last_seen_at", "expires_at"):
        setattr(row, column, getattr(row, column) - timedelta(**delta))
    db.session.commit()


def test_sign_in_sets_a_strict_cookie(client, acme):
    make_contact(acme, EMAIL)
    response = web_sign_in(client, acme, EMAIL)
    [header] = [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith(f"helpport_customer_{acme.id}=")]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Secure" not in header  # COOKIE_SECURE is off in tests
    [row] = session_rows(acme)
    assert cookie(client, acme) not in (row.token_hash, None)  # only a digest is stored


def test_cookie_is_secure_when_configured(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "COOKIE_SECURE", True)
    make_contact(acme, EMAIL)
    response = web_sign_in(client, acme, EMAIL)
    [header] = [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith(f"helpport_customer_{acme.id}=")]
    assert "Secure" in header and "HttpOnly" in header


def test_production_config_makes_cookies_secure():
    from config import ProductionConfig

    assert ProductionConfig.COOKIE_SECURE is True


def test_sign_in_rotates_the_session_id(client, acme):
    """A session cookie the browser already had (perhaps planted: session fixation) is
    revoked at sign-in and replaced by a fresh token."""
    make_contact(acme, EMAIL)
    planted = login_as(client, make_contact(acme, "attacker@example.com"))
    token = csrf_from(client.get(PROFILE).text)
    client.post("/en-US/acme/signin", data={"email": EMAIL, "csrf_token": token})
    response = client.post("/en-US/acme/signin/code", data={
        "email": EMAIL, "code": last_code(acme, EMAIL), "csrf_token": token})
    assert response.status_code == 302
    fresh = cookie(client, acme)
    assert fresh and fresh != planted
    old, new = session_rows(acme)
    assert old.revoked_at is not None and new.revoked_at is None
    assert new.contact.email == EMAIL
    other = client.application.test_client()
    other.set_cookie(f"helpport_customer_{acme.id}", planted)
    assert not signed_in(other)


def test_a_made_up_cookie_is_never_adopted(client, acme):
    make_contact(acme, EMAIL)
    client.set_cookie(f"helpport_customer_{acme.id}", "chosen-by-attacker")
    assert not signed_in(client)
    web_sign_in(client, acme, EMAIL)
    assert cookie(client, acme) != "chosen-by-attacker" and signed_in(client)


def test_csrf_token_changes_at_sign_in(client, acme):
    make_contact(acme, EMAIL)
    before = csrf_from(client.get("/en-US/acme/signin").text)
    web_sign_in(client, acme, EMAIL)
    after = csrf_from(client.get(PROFILE).text)
    assert before != after


def test_signed_out_cookie_stops_working_even_if_kept(client, acme):
    token = login_as(client, make_contact(acme, EMAIL))
    page = client.get(PROFILE)
    client.post("/en-US/acme/signout", data={"csrf_token": csrf_from(page.text)})
    assert cookie(client, acme) is None
    client.set_cookie(f"helpport_customer_{acme.id}", token)
    assert not signed_in(client)


def test_revoked_row_ends_the_session(client, acme):
    login_as(client, make_contact(acme, EMAIL))
    assert signed_in(client)
    from portal.auth import sessions

    [row] = session_rows(acme)
    sessions.revoke(row)
    assert not signed_in(client)


def test_idle_session_expires(client, acme, app):
    login_as(client, make_contact(acme, EMAIL))
    [row] = session_rows(acme)
    idle = app.config["SESSION_IDLE_SECONDS"]
    row.last_seen_at -= timedelta(seconds=idle - 120)
    db.session.commit()
    assert signed_in(client)  # still inside the idle window: use moves the clock on
    [row] = session_rows(acme)
    row.last_seen_at -= timedelta(seconds=idle - 120)
    db.session.commit()
    assert signed_in(client)
    [row] = session_rows(acme)
    row.last_seen_at -= timedelta(seconds=idle + 1)
    db.session.commit()
    assert not signed_in(client)


def test_absolute_lifetime_ends_even_an_active_session(client, acme, app):
    login_as(client, make_contact(acme, EMAIL))
    [row] = session_rows(acme)
    assert row.expires_at - row.created_at == timedelta(
        seconds=app.config["SESSION_ABSOLUTE_SECONDS"])
    row.expires_at = row.last_seen_at  # the absolute end is now; last use was just now
    db.session.commit()
    assert not signed_in(client)


def test_api_token_lifetime(client, acme, app):
    token = api_token(make_contact(acme, EMAIL))
    [row] = session_rows(acme)
    assert row.expires_at - row.created_at == timedelta(seconds=app.config["API_TOKEN_SECONDS"])
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    shift(row, seconds=app.config["API_TOKEN_SECONDS"] + 1)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cookie_of_one_workspace_is_useless_in_another(client, acme, globex):
    token = login_as(client, make_contact(acme, EMAIL))
    make_contact(globex, EMAIL)
    client.set_cookie(f"helpport_customer_{globex.id}", token)
    assert client.get("/en-US/globex/profile").status_code == 302
    assert signed_in(client)


def test_signing_in_to_one_workspace_keeps_the_other(client, acme, globex):
    make_contact(acme, EMAIL)
    make_contact(globex, EMAIL)
    web_sign_in(client, acme, EMAIL)
    web_sign_in(client, globex, EMAIL)
    assert signed_in(client) and client.get("/en-US/globex/profile").status_code == 200


def test_customer_cookie_and_token_give_no_admin_access(client, acme):
    contact = make_contact(acme, EMAIL, account=make_account(acme, "Secret Corp"))
    login_as(client, contact)
    for path in ("/admin/accountadmin/list/", "/admin/contactadmin/list/"):
        response = client.get(path)
        assert response.status_code in (302, 401, 403)
        assert "Secret Corp" not in response.text
    token = api_token(contact)
    for headers in ({"Authorization": f"Bearer {token}"},
                    {"Authorization": f"Bearer {token}", "X-Workspace": "acme"}):
        response = client.get("/api/v1/account/", headers=headers)
        assert response.status_code in (401, 403, 422)
        assert "Secret Corp" not in response.text


def test_staff_login_is_not_a_customer_session(app, acme):
    make_staff("agent@staff.example", PASSWORD, "admin", acme)
    make_contact(acme, "agent@staff.example")
    staff = staff_login(app.test_client(), "agent@staff.example")
    assert staff.get("/admin/accountadmin/list/").status_code == 200
    response = staff.get(PROFILE)
    assert response.status_code == 302 and "/signin" in response.location
    assert "agent@staff.example" not in staff.get("/en-US/acme/directories").text
    jwt = jwt_token(staff, "agent@staff.example")
    assert staff.get("/api/v1/me",
                     headers={"Authorization": f"Bearer {jwt}"}).status_code == 401


@pytest.mark.parametrize("kind", ["web", "api"])
def test_tokens_are_stored_only_as_digests(client, acme, kind):
    contact = make_contact(acme, EMAIL)
    token = login_as(client, contact) if kind == "web" else api_token(contact)
    [row] = session_rows(acme)
    assert token not in row.token_hash and row.kind == kind
