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


def test_idp_initiated_sign_in_when_allowed(client, acme, idp):
    add_idp(acme, idp, client, allow_idp_initiated=True)
    make_contact(acme, "ann@corp.example")
    got = post_response(client, acme, answer(idp, acme, "ann@corp.example"),
                        "/en-US/acme/tickets")
    assert got.status_code == 302 and got.headers["Location"] == "/en-US/acme/tickets"
    assert signed_in_as(client, acme) == "ann@corp.example"


def test_unknown_person_is_refused_without_jit(client, acme, idp, corp):
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, "new@corp.example", request_id))
    assert got.status_code == 401
    assert "no access to this portal yet" in got.text
    with use_workspace(acme.id):
        assert database.session.scalar(select(Contact)) is None


def test_jit_provisions_with_name_and_account(client, acme, idp):
    acme.jit_provisioning = True
    make_account(acme, "Corp Inc")
    add_idp(acme, idp, client, preset="okta", custom_map={"account": "org"})
    request_id = start_login(client, acme, idp)
    attributes = {"email": ["New@Corp.example"], "firstName": ["Nia"], "lastName": ["Lee"],
                  "org": ["Corp Inc"]}
    got = post_response(client, acme, answer(idp, acme, "new@corp.example", request_id,
                                             attributes=attributes))
    assert got.status_code == 302, got.text
    with use_workspace(acme.id):
        contact = database.session.scalar(select(Contact))
        assert (contact.email, contact.name, contact.account.name) == (
            "new@corp.example", "Nia Lee", "Corp Inc")
        assert contact.verified


@pytest.mark.parametrize("preset", ["okta", "azure", "google"])
def test_each_preset_maps_its_attribute_names(client, acme, idp, preset):
    from portal.services.identity_providers import PRESETS

    names = PRESETS[preset]
    acme.jit_provisioning = True
    add_idp(acme, idp, client, preset=preset)
    request_id = start_login(client, acme, idp)
    attributes = {names["email"]: ["pre@corp.example"], names["first_name"]: ["Pat"],
                  names["last_name"]: ["Roe"], "email" if preset == "azure" else "x": ["no"]}
    # the NameID says otherwise: the mapped attribute is what counts
    got = post_response(client, acme, idp.respond(
        email="nameid@corp.example", acs=SP_ACS.format(slug="acme"),
        sp=SP_ENTITY.format(slug="acme"), in_response_to=request_id, attributes=attributes))
    assert got.status_code == 302, got.text
    with use_workspace(acme.id):
        contact = database.session.scalar(select(Contact))
        assert (contact.email, contact.name) == ("pre@corp.example", "Pat Roe")


def test_azure_preset_uses_the_claim_uris():
    from portal.services.identity_providers import PRESETS

    claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
    assert PRESETS["azure"] == {"email": claims + "emailaddress",
                                "first_name": claims + "givenname",
                                "last_name": claims + "surname", "account": ""}


def test_the_name_id_counts_when_no_email_attribute_comes(client, acme, idp, corp):
    make_contact(acme, "ann@corp.example")
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, "ann@corp.example", request_id,
                                             attributes={"other": ["x"]}))
    assert got.status_code == 302
    assert signed_in_as(client, acme) == "ann@corp.example"


def test_several_idps_login_needs_a_name(client, acme, idp, tmp_path):
    add_idp(acme, idp, client, name="corp")
    other = TestIdP(tmp_path / "other", host="other-idp.test", name="other")
    add_idp(acme, other, client, name="partner")
    got = client.get("/sso/acme/saml/login?next=/en-US/acme/tickets")
    assert got.status_code == 302 and "/en-US/acme/signin" in got.headers["Location"]
    assert start_login(client, acme, other, name="partner")
    assert client.get("/sso/acme/saml/login?idp=nope").status_code == 404
    page = client.get("/en-US/acme/signin")
    assert 'data-idp="corp"' in page.text and 'data-idp="partner"' in page.text


def test_sign_in_page_shows_only_the_methods_that_are_on(client, acme, idp):
    page = client.get("/en-US/acme/signin").text
    assert 'name="email"' in page and "data-idp" not in page
    add_idp(acme, idp, client)
    page = client.get("/en-US/acme/signin").text
    assert 'name="email"' in page and 'data-idp="corp"' in page
    assert "/sso/acme/saml/login?idp=corp" in page
    acme.sign_in_email_code = False
    database.session.commit()
    page = client.get("/en-US/acme/signin").text
    assert 'name="email"' not in page and 'data-idp="corp"' in page


def test_codes_off_refuses_the_code_endpoints(client, acme):
    acme.sign_in_email_code = False
    database.session.commit()
    got = client.post("/api/v1/workspaces/acme/auth/otp", json={"email": "a@b.example"})
    assert got.status_code == 403 and got.get_json()["error"] == "email_code_off"
    got = client.post("/api/v1/workspaces/acme/auth/otp/verify",
                      json={"email": "a@b.example", "code": "123456"})
    assert got.status_code == 403 and got.get_json()["error"] == "email_code_off"


def test_a_required_domain_goes_to_the_idp(client, acme, idp, corp):
    from tests.conftest import csrf_from

    acme.saml_required_domains = ["corp.example"]
    database.session.commit()
    page = client.get("/en-US/acme/signin?next=/en-US/acme/tickets")
    got = client.post("/en-US/acme/signin", data={
        "email": "Ann@Corp.example", "next": "/en-US/acme/tickets",
        "csrf_token": csrf_from(page.text)})
    assert got.status_code == 303
    assert got.headers["Location"] == "/sso/acme/saml/login?next=/en-US/acme/tickets"
    api = client.post("/api/v1/workspaces/acme/auth/otp", json={"email": "ann@corp.example"})
    assert api.status_code == 403
    body = api.get_json()
    assert body["error"] == "saml_required"
    assert body["details"]["login_url"] == "http://portal.test/sso/acme/saml/login"
    other = client.post("/api/v1/workspaces/acme/auth/otp", json={"email": "x@else.example"})
    assert other.status_code == 202
