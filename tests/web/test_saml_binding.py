"""SAML sign-in beyond the response's signature: the IdP's email domains, the request tied
to the browser that started it, one answer per request, an IdP whose stored metadata
pysaml2 can no longer use, and the limit on starting sign-ins."""

import pytest
from sqlalchemy import select

from portal.auth import saml
from portal.extensions import db as database
from portal.models import SpentToken
from portal.tenancy import use_workspace
from tests.factories import make_contact
from tests.saml_idp import (
    SP_ACS,
    SP_ENTITY,
    TestIdP,
    add_idp,
    assert_refused,
    expired,
    post_response,
    start_login,
    without_redirect_binding,
)


@pytest.fixture
def idp(tmp_path):
    return TestIdP(tmp_path / "idp")


def answer(idp, ws, request_id=None, email="ann@corp.example"):
    return idp.respond(email=email, in_response_to=request_id, acs=SP_ACS.format(slug=ws.slug),
                       sp=SP_ENTITY.format(slug=ws.slug))


def test_an_idp_signs_in_only_its_email_domains(client, acme, idp, caplog, tmp_path):
    make_contact(acme, "ann@corp.example")
    make_contact(acme, "boss@partner.example")
    add_idp(acme, idp, client, email_domains="Corp.example\n@sub.corp.example")
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, "boss@partner.example"))
    assert_refused(got, caplog, "may not sign in addresses of partner.example")
    assert "boss@partner.example is outside the email domains of corp" in caplog.text
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, "Ann@corp.example"))
    assert got.status_code == 302, got.text


def test_an_idp_without_domains_signs_in_any(client, acme, idp):
    make_contact(acme, "boss@partner.example")
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, "boss@partner.example"))
    assert got.status_code == 302, got.text


def test_an_answer_to_a_request_another_browser_started_is_refused(app, client, acme, idp,
                                                                   caplog):
    """Login CSRF: the attacker starts sign-in, gets the IdP's answer for their own
    account and makes the victim's browser post it."""
    make_contact(acme, "ann@corp.example")
    add_idp(acme, idp, client)
    attacker = app.test_client()
    request_id = start_login(attacker, acme, idp)
    response = answer(idp, acme, request_id)
    got = post_response(client, acme, response)  # the victim's browser has no nonce
    assert_refused(got, caplog, "expired or was already used")
    start_login(client, acme, idp)  # ... nor one of another request
    assert_refused(post_response(client, acme, response), caplog, "expired or was already used")
    assert post_response(attacker, acme, response).status_code == 302  # its own browser may


def test_the_nonce_cookie_is_http_only_and_cross_site_when_secure(app, client, acme, idp,
                                                                  monkeypatch):
    add_idp(acme, idp, client)
    got = client.get("/sso/acme/saml/login")
    cookie = got.headers["Set-Cookie"]
    assert f"helpport_saml_{acme.id}=" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Path=/sso/acme/saml" in cookie
    monkeypatch.setitem(app.config, "COOKIE_SECURE", True)
    cookie = app.test_client().get("/sso/acme/saml/login").headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie


def test_two_answers_to_one_request_sign_in_once(client, acme, idp, caplog, monkeypatch):
    """Two different responses to one request, both past the outstanding check (as two
    posts racing are): the one that closes the request second is refused."""
    make_contact(acme, "ann@corp.example")
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    first, second = answer(idp, acme, request_id), answer(idp, acme, request_id)
    assert first != second
    checked = []

    def racing(*args):  # the second post checked before the first closed the request
        checked.append(args)
        return True

    assert post_response(client, acme, first).status_code == 302
    monkeypatch.setattr(saml, "is_outstanding", racing)
    got = post_response(client, acme, second)
    assert checked
    assert got.status_code == 401 and "expired or was already used" in got.text
    assert "SAML sign-in refused" in caplog.text


@pytest.mark.parametrize("spoil", [expired, without_redirect_binding],
                         ids=["expired", "no-redirect-binding"])
def test_login_with_unusable_stored_metadata_is_a_refusal_not_an_error(client, acme, idp,
                                                                       caplog, spoil):
    row = add_idp(acme, idp, client)
    with use_workspace(acme.id):
        row = database.session.merge(row)
        row.metadata_xml = spoil(row.metadata_xml)  # as it is some months later
        database.session.commit()
    got = client.get("/sso/acme/saml/login")
    assert got.status_code == 409, got.text
    assert "Sign-in refused" in got.text and "not working at the moment" in got.text
    assert "SAML sign-in could not start in workspace acme through corp" in caplog.text
    with use_workspace(acme.id):
        assert database.session.scalar(select(SpentToken)) is None


def test_starting_sign_in_is_limited_per_address(app, client, acme, idp, monkeypatch):
    add_idp(acme, idp, client)
    monkeypatch.setitem(app.config, "SAML_LOGIN_LIMIT", "2 per minute")
    assert client.get("/sso/acme/saml/login").status_code == 303
    assert client.get("/sso/acme/saml/login").status_code == 303
    assert client.get("/sso/acme/saml/login").status_code == 429
