"""One rule for every emailed code (portal.auth.otp.allowed_email): codes off refuse, and an
email whose domain must use SAML goes to SAML. It holds at the code's request, at its
check, and for a visitor's ticket (web and API), not only on the sign-in form."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CustomerSession, GuestTicketDraft, Ticket
from portal.services import portal_settings
from portal.tenancy import use_workspace
from tests.codes import last_code, sent_codes
from tests.conftest import csrf_from
from tests.factories import make_contact

CORP = "ann@corp.example"
OTHER = "pat@customer.example"
NEW = "/en-US/acme/tickets/new"
GUEST = "/en-US/acme/tickets/guest"
CODE = "/en-US/acme/tickets/guest/code"
HOLD = "/api/v1/workspaces/acme/guest-tickets"
TICKET = {"title": "Printer on fire", "description": "Smoke since this morning.",
          "priority": "high"}
LOGIN_URL = "http://portal.test/sso/acme/saml/login"


def count(ws, model) -> int:
    with use_workspace(ws.id):
        return db.session.scalar(select(func.count()).select_from(model))


def require_saml_for_corp(ws) -> None:
    ws.sign_in_saml, ws.saml_required_domains = True, ["corp.example"]
    db.session.commit()


@pytest.fixture
def public(acme):
    portal_settings.change(acme, {"features.tickets": "public"})
    db.session.commit()
    return acme


def test_the_code_check_applies_the_domain_rule(client, acme):
    """A code asked for before the domain required SAML no longer signs in (web: to SAML;
    API: 403 saml_required with the login URL), and is not spent by the refusal."""
    make_contact(acme, CORP)
    page = client.get("/en-US/acme/signin")
    assert client.post("/en-US/acme/signin", data={
        "email": CORP, "csrf_token": csrf_from(page.text)}).status_code == 302
    code = last_code(acme, CORP)
    require_saml_for_corp(acme)
    page = client.get(f"/en-US/acme/signin/code?email={CORP}")
    web = client.post("/en-US/acme/signin/code", data={
        "email": CORP, "code": code, "csrf_token": csrf_from(page.text)})
    assert web.status_code == 303 and web.location == "/sso/acme/saml/login"
    api = client.post("/api/v1/workspaces/acme/auth/otp/verify",
                      json={"email": "Ann@Corp.example", "code": code})
    assert api.status_code == 403 and api.get_json()["error"] == "saml_required"
    assert api.get_json()["details"]["login_url"] == LOGIN_URL
    assert count(acme, CustomerSession) == 0


def test_a_queued_code_is_not_sent_once_codes_are_off(client, acme):
    make_contact(acme, OTHER)
    assert client.post("/api/v1/workspaces/acme/auth/otp",
                       json={"email": OTHER}).status_code == 202
    acme.sign_in_email_code = False
    db.session.commit()
    assert sent_codes(acme, OTHER) == []  # the job runs after the change


def guest_form(client, email):
    page = client.get(NEW)
    return client.post(GUEST, data={"csrf_token": csrf_from(page.text), "email": email,
                                    "category": "problem", **TICKET})


def test_a_visitor_ticket_with_codes_off_is_refused_clearly(client, public):
    public.sign_in_email_code = False
    public.sign_in_saml = True
    db.session.commit()
    page = client.get(NEW)
    assert page.status_code == 200 and "Visitors cannot open tickets here" in page.text
    web = guest_form(client, OTHER)
    assert web.status_code == 403 and "Visitors cannot open tickets here" in web.text
    api = client.post(HOLD, json={**TICKET, "custom_fields": {"category": "problem"},
                                  "email": OTHER})
    assert api.status_code == 403 and api.get_json()["error"] == "email_code_off"
    assert "Visitors cannot open tickets here" in api.get_json()["message"]
    confirm = client.post(f"{HOLD}/confirm", json={"draft": "x" * 20, "email": OTHER,
                                                   "code": "123456"})
    assert confirm.status_code == 403 and confirm.get_json()["error"] == "email_code_off"
    assert count(public, GuestTicketDraft) == 0 and sent_codes(public, OTHER) == []


def test_a_visitor_of_a_saml_domain_gets_no_code(client, public):
    """An existing contact of a domain that must use SAML is not signed in by a visitor's
    ticket code: refused before anything is kept or sent (web and API)."""
    make_contact(public, CORP)
    require_saml_for_corp(public)
    web = guest_form(client, CORP)
    assert web.status_code == 403 and "single sign-on" in web.text
    api = client.post(HOLD, json={**TICKET, "custom_fields": {"category": "problem"},
                                  "email": CORP})
    assert api.status_code == 403 and api.get_json()["error"] == "saml_required"
    assert api.get_json()["details"]["login_url"] == LOGIN_URL
    assert count(public, GuestTicketDraft) == 0 and sent_codes(public, CORP) == []


def test_a_kept_visitor_ticket_is_not_confirmed_after_the_rule_changed(client, public):
    make_contact(public, CORP)
    assert guest_form(client, CORP).status_code == 302
    api = client.post(HOLD, json={**TICKET, "custom_fields": {"category": "problem"},
                                  "email": CORP})
    assert api.status_code == 202
    draft = api.get_json()["draft"]
    codes = sent_codes(public, CORP)
    require_saml_for_corp(public)
    page = client.get(CODE)
    web = client.post(CODE, data={"csrf_token": csrf_from(page.text), "email": CORP,
                                  "code": codes[0]})
    assert web.status_code == 403 and "single sign-on" in web.text
    confirmed = client.post(f"{HOLD}/confirm", json={"draft": draft, "email": CORP,
                                                     "code": codes[-1]})
    assert confirmed.status_code == 403 and confirmed.get_json()["error"] == "saml_required"
    assert count(public, Ticket) == 0 and count(public, CustomerSession) == 0
