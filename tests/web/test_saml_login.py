"""SAML sign-in end to end: a real pysaml2 identity provider (tests/saml_idp.py) answers
our service provider, and the browser's part is played by the Flask test client."""

import pytest
from sqlalchemy import select

from portal.extensions import db as database
from portal.models import Contact, CustomerSession
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact
from tests.saml_idp import SP_ACS, SP_ENTITY, TestIdP, add_idp, post_response, start_login


@pytest.fixture
def idp(tmp_path):
    return TestIdP(tmp_path / "idp")


@pytest.fixture
def corp(acme, idp, client):
    return add_idp(acme, idp, client)


def answer(idp, ws, email, request_id=None, **options):
    return idp.respond(email=email, acs=SP_ACS.format(slug=ws.slug),
                       sp=SP_ENTITY.format(slug=ws.slug), in_response_to=request_id, **options)


def signed_in_as(client, ws) -> str | None:
    """The email of the contact whose session the client's cookie holds in `ws`."""
    with use_workspace(ws.id):
        cookie = client.get_cookie(f"helpport_customer_{ws.id}")
        if cookie is None:
            return None
        from portal.auth.sessions import resolve
        from portal.tenancy import enter_workspace

        enter_workspace(ws)
        row = resolve(cookie.value, "web")
        return row.contact.email if row else None


def test_sp_metadata_names_absolute_addresses_and_no_sha1(client, acme, corp):
    got = client.get("/sso/acme/saml/metadata")
    assert got.mimetype == "application/samlmetadata+xml"
    assert 'entityID="http://portal.test/sso/acme/saml/metadata"' in got.text
    assert 'Location="http://portal.test/sso/acme/saml/acs"' in got.text
    assert "xmldsig#sha1" not in got.text and "rsa-sha1" not in got.text


def test_sp_initiated_sign_in_comes_back_signed_in_to_the_next_page(client, acme, idp, corp):
    make_contact(acme, "ann@corp.example", name="Ann")
    request_id = start_login(client, acme, idp, "/en-US/acme/tickets")
    got = post_response(client, acme, answer(idp, acme, "ann@corp.example", request_id),
                        "/en-US/acme/tickets")
    assert got.status_code == 302, got.text
    assert got.headers["Location"] == "/en-US/acme/tickets"
    assert signed_in_as(client, acme) == "ann@corp.example"
    with use_workspace(acme.id):
        row = database.session.scalar(select(CustomerSession))
        assert row.proof == "saml"
    assert client.get("/en-US/acme/tickets").status_code == 200


def test_relay_state_is_no_open_redirect(client, acme, idp, corp):
    make_contact(acme, "ann@corp.example")
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, "ann@corp.example", request_id),
                        "https://evil.example/")
    assert got.status_code == 302
    assert got.headers["Location"] == "/en-US/acme/directories"
