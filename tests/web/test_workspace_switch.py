"""The workspace picker on the portal and the API: a code-proven email switches into the
same email's other workspaces that sign in by code; a SAML-only workspace, one requiring
SAML for the domain, and any switch from a SAML or JWT session need a sign-in there."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import CustomerSession
from portal.tenancy import use_workspace
from tests.codes import api_sign_in, web_sign_in
from tests.conftest import csrf_from
from tests.factories import api_token, make_contact, make_workspace
from tests.tickets_helpers import open_ticket

EMAIL = "pat@customer.example"


@pytest.fixture
def people(acme, globex):
    here = make_contact(acme, EMAIL, name="Pat Acme")
    there = make_contact(globex, EMAIL, name="Pat Globex")
    open_ticket(acme, here, "Acme-only printer")
    open_ticket(globex, there, "Globex-only toaster")
    return here, there


def _switch(client, target, source="acme"):
    page = client.get(f"/en-US/{source}/profile/workspaces").text
    return client.post(f"/en-US/{source}/profile/workspaces/{target}/switch",
                       data={"csrf_token": csrf_from(page)})


def _follow(client, location):
    parts = urlsplit(location)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def _sessions(ws):
    with use_workspace(ws.id):
        return db.session.scalars(select(CustomerSession)).all()


def test_a_code_proven_email_switches_into_the_other_workspace(client, app, acme, globex,
                                                               people):
    web_sign_in(client, acme, EMAIL)
    menu = client.get("/en-US/acme/tickets").text
    assert 'href="/en-US/acme/profile/workspaces"' in menu  # the picker, from the menu
    picker = client.get("/en-US/acme/profile/workspaces").text
    assert "Globex Help" in picker and "/en-US/acme/profile/workspaces/globex/switch" in picker
    assert client.get("/en-US/globex/tickets").status_code == 302  # not signed in there yet
    response = _switch(client, "globex")
    assert response.status_code == 302
    location = response.location
    base = app.config["BASE_URL"] or f"http://127.0.0.1:{app.config['PORT']}"
    assert location.startswith(f"{base.rstrip('/')}/en-US/globex/signin/token?token=")
    signed_in = _follow(client, location)
    assert signed_in.status_code == 302
    assert any(c.key == f"helpport_customer_{globex.id}" for c in client._cookies.values())
    page = client.get("/en-US/globex/tickets").text
    assert "Globex-only toaster" in page and "Acme-only printer" not in page
    assert "Pat Globex" in page
    [row] = _sessions(globex)
    assert row.proof == "email_code"
    assert _follow(client, location).status_code == 401  # the link works once
    # the source workspace's session is untouched and still shows only its own tickets
    acme_page = client.get("/en-US/acme/tickets").text
    assert "Acme-only printer" in acme_page and "Globex-only toaster" not in acme_page


def test_a_switch_needs_csrf_and_a_contact_there(client, acme, globex, people):
    web_sign_in(client, acme, EMAIL)
    assert client.post("/en-US/acme/profile/workspaces/globex/switch").status_code == 400
    lonely = make_workspace(slug="lonely", name="Lonely")
    assert _switch(client, lonely.slug).status_code == 404  # no contact of this email there
    assert _switch(client, "nowhere").status_code == 404
    assert _switch(client, "acme").status_code == 302  # the current one: home
    assert _sessions(globex) == []


@pytest.mark.parametrize("setup", [
    {"sign_in_email_code": False, "sign_in_saml": True},
    {"sign_in_saml": True, "saml_required_domains": ["customer.example"]},
])
def test_a_workspace_that_wants_saml_sends_to_its_sign_in(client, acme, globex, people, setup):
    for name, value in setup.items():
        setattr(globex, name, value)
    db.session.commit()
    web_sign_in(client, acme, EMAIL)
    assert "(sign in)" in client.get("/en-US/acme/profile/workspaces").text
    response = _switch(client, "globex")
    assert response.status_code == 302 and response.location.endswith("/sso/globex/saml/login")
    assert "token=" not in response.location
    assert _sessions(globex) == []
    assert client.get("/en-US/globex/tickets").status_code == 302


@pytest.mark.parametrize("proof", ["saml", "jwt"])
def test_an_sso_proof_crosses_nowhere(client, acme, globex, people, proof):
    here, _there = people
    from portal.auth import sessions

    with use_workspace(acme.id):
        token, _row = sessions.start(here, kind="web", proof=proof)
    client.set_cookie(f"helpport_customer_{acme.id}", token)
    response = _switch(client, "globex")
    assert response.status_code == 302 and "token=" not in response.location
    assert _sessions(globex) == []


def test_the_api_lists_and_switches(client, acme, globex, people):
    third = make_workspace(slug="initech", name="Initech")
    third.sign_in_email_code, third.sign_in_saml = False, True
    db.session.commit()
    make_contact(third, EMAIL)
    make_workspace(slug="elsewhere", name="Elsewhere")  # no contact of this email
    token = api_sign_in(client, acme, EMAIL).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/me/workspaces", headers=auth).get_json()["workspaces"]
    by_slug = {w["slug"]: w for w in listed}
    assert set(by_slug) == {"acme", "globex", "initech"}
    assert by_slug["acme"]["current"] and not by_slug["acme"]["needs_sign_in"]
    assert by_slug["globex"] == {**by_slug["globex"], "current": False,
                                 "needs_sign_in": False, "sign_in_method": None}
    assert by_slug["initech"]["needs_sign_in"] and by_slug["initech"]["sign_in_method"] == "saml"
    assert by_slug["globex"]["portal_url"].endswith("/en-US/globex/directories")

    switched = client.post("/api/v1/me/workspaces/globex/switch", headers=auth)
    assert switched.status_code == 200, switched.text
    body = switched.get_json()
    assert body["token_type"] == "Bearer" and body["contact"]["name"] == "Pat Globex"
    globex_auth = {"Authorization": f"Bearer {body['access_token']}"}
    titles = [t["title"] for t in client.get("/api/v1/workspaces/globex/tickets",
                                             headers=globex_auth).get_json()["tickets"]]
    assert titles == ["Globex-only toaster"]
    assert client.get("/api/v1/workspaces/acme/tickets", headers=globex_auth).status_code == 404
    assert [r.proof for r in _sessions(globex)] == ["email_code"]

    refused = client.post("/api/v1/me/workspaces/initech/switch", headers=auth)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "sign_in_required"
    assert refused.get_json()["details"]["sign_in_method"] == "saml"
    assert client.post("/api/v1/me/workspaces/acme/switch", headers=auth).status_code == 409
    assert client.post("/api/v1/me/workspaces/elsewhere/switch",
                       headers=auth).status_code == 404
    assert client.post("/api/v1/me/workspaces/globex/switch").status_code == 401


def test_a_jwt_token_of_the_api_needs_a_sign_in_everywhere_else(client, acme, globex, people):
    here, _there = people
    from portal.auth import sessions

    with use_workspace(acme.id):
        token, _row = sessions.start(here, kind="api", proof="jwt")
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/me/workspaces", headers=auth).get_json()["workspaces"]
    globex_entry = next(w for w in listed if w["slug"] == "globex")
    assert globex_entry["needs_sign_in"] and globex_entry["sign_in_method"] == "email_code"
    refused = client.post("/api/v1/me/workspaces/globex/switch", headers=auth)
    assert refused.status_code == 403
    assert refused.get_json()["details"]["sign_in_method"] == "email_code"
    assert api_token(here)  # the acme token itself still works
