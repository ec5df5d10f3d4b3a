"""`+ Ticket` for visitors who are not signed in (features.tickets: public / private / off)."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, GuestTicketDraft, Ticket, ticket_reporters
from portal.tenancy import use_workspace
from tests.codes import last_code, outbox_count, sent_codes
from tests.conftest import csrf_from
from tests.factories import api_token, make_contact
from tests.tickets_helpers import count, tickets_mode

NEW = "/en-US/acme/tickets/new"
GUEST = "/en-US/acme/tickets/guest"
CODE = "/en-US/acme/tickets/guest/code"
EMAIL = "new.visitor@example.org"
TICKET = {"title": "Printer on fire", "description": "Smoke since this morning.",
          "priority": "high", "category": "problem"}


@pytest.fixture
def public(acme):
    tickets_mode(acme, "public")
    return acme


def send_form(client, email=EMAIL, **fields):
    page = client.get(NEW)
    assert page.status_code == 200 and 'name="email"' in page.text
    return client.post(GUEST, data={"csrf_token": csrf_from(page.text), "email": email,
                                    **TICKET, **fields})


def enter_code(client, code, email=EMAIL):
    page = client.get(CODE)
    assert page.status_code == 200 and 'name="code"' in page.text
    return client.post(CODE, data={"csrf_token": csrf_from(page.text), "email": email,
                                   "code": code})


def test_a_visitor_opens_a_ticket_and_is_signed_in(client, public, globex):
    home = client.get("/en-US/acme/directories")
    assert NEW in home.text and "+ Ticket" in home.text
    page = client.get(NEW)
    assert 'name="files"' not in page.text and 'name="csrf_token"' in page.text
    response = send_form(client)
    assert response.status_code == 302 and response.location.endswith(CODE)
    assert count(public, Ticket) == 0 and count(public, Contact) == 0  # nothing before the code
    code_page = client.get(CODE)
    assert EMAIL in code_page.text
    response = enter_code(client, last_code(public, EMAIL))
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/tickets/1")
    with use_workspace(public.id):
        contact = db.session.scalar(select(Contact).where(Contact.email == EMAIL))
        ticket = db.session.scalar(select(Ticket))
        reporters = db.session.scalars(select(ticket_reporters.c.contact_id)).all()
    assert contact is not None and contact.verified and contact.active
    assert ticket.title == "Printer on fire" and ticket.priority == "high"
    assert reporters == [contact.id] and ticket.created_by_contact_id == contact.id
    assert count(public, GuestTicketDraft) == 0
    shown = client.get(response.location)
    assert shown.status_code == 200 and "Printer on fire" in shown.text
    assert "Ticket #1 created." in shown.text or "created." in shown.text
    assert "/en-US/acme/signout" in shown.text  # signed in
    assert count(globex, Contact) == 0


def test_a_wrong_code_creates_nothing_and_keeps_the_form(client, public):
    send_form(client)
    right = last_code(public, EMAIL)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = enter_code(client, wrong)
    assert response.status_code == 422 and 'id="code-error"' in response.text
    assert "wrong or has expired" in response.text
    assert count(public, Ticket) == 0 and count(public, Contact) == 0
    assert "helpport_customer" not in str(response.headers.getlist("Set-Cookie"))
    back = client.get(NEW)  # "change your email or ticket": what they typed is still there
    assert "Printer on fire" in back.text and "Smoke since this morning." in back.text
    assert f'value="{EMAIL}"' in back.text
    response = enter_code(client, right)  # the kept form still becomes the ticket
    assert response.status_code == 302 and count(public, Ticket) == 1


def test_a_form_with_errors_sends_no_code(client, public):
    response = send_form(client, email="not-an-address", title="")
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'id="title-error"' in response.text
    assert "Smoke since this morning." in response.text
    assert outbox_count(public) == 0 and count(public, GuestTicketDraft) == 0


def test_an_existing_contact_is_used_and_the_answers_are_the_same(app, client, public):
    known = make_contact(public, "pat@customer.example", name="Pat Doe")
    db.session.commit()
    first = send_form(client, email="pat@customer.example")
    other = app.test_client()
    second = send_form(other, email=EMAIL)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    pages = [re.sub(r'name="csrf_token" value="[^"]*"', "", c.get(CODE).text)
             for c in (client, other)]
    assert pages[0].replace("pat@customer.example", "X") == pages[1].replace(EMAIL, "X")
    response = enter_code(client, last_code(public, "pat@customer.example"),
                          email="pat@customer.example")
    assert response.status_code == 302
    with use_workspace(public.id):
        emails = db.session.scalars(select(Contact.email)).all()
        reporters = db.session.scalars(select(ticket_reporters.c.contact_id)).all()
    assert emails == ["pat@customer.example"] and reporters == [known.id]


def test_an_inactive_contact_gets_no_code_and_no_ticket(client, public):
    make_contact(public, "gone@customer.example", active=False)
    db.session.commit()
    assert send_form(client, email="gone@customer.example").status_code == 302
    assert sent_codes(public, "gone@customer.example") == []
    response = enter_code(client, "123456", email="gone@customer.example")
    assert response.status_code == 422 and count(public, Ticket) == 0


def test_a_new_code_can_be_asked_for(client, public):
    send_form(client)
    page = client.get(CODE)
    response = client.post(CODE + "/new", data={"csrf_token": csrf_from(page.text),
                                                  "email": EMAIL})
    assert response.status_code == 302 and response.location.endswith(CODE)
    codes = sent_codes(public, EMAIL)
    assert len(codes) == 2
    # without the draft's address (the per-address limit's key) nothing is sent
    for other in ({}, {"email": "someone.else@example.org"}):
        client.post(CODE + "/new", data={"csrf_token": csrf_from(page.text), **other})
    assert len(sent_codes(public, EMAIL)) == 2
    assert enter_code(client, codes[-1]).status_code == 302 and count(public, Ticket) == 1


def test_the_guest_forms_keep_csrf_protection(app, client, public):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(GUEST, data={"email": EMAIL, **TICKET})
    assert response.status_code == 400
    assert outbox_count(public) == 0 and count(public, GuestTicketDraft) == 0


def test_private_tickets_send_visitors_to_sign_in(client, acme):
    response = client.get(NEW)
    assert response.status_code == 302 and "/signin" in response.location
    page = client.get("/en-US/acme/signin")
    assert client.post(GUEST, data={"csrf_token": csrf_from(page.text), "email": EMAIL,
                                    **TICKET}).status_code == 404
    assert "+ Ticket" not in client.get("/en-US/acme/directories").text


def test_tickets_off_is_a_404_page_and_a_404_in_the_api(client, acme):
    tickets_mode(acme, "off")
    for path in (NEW, "/en-US/acme/tickets", "/en-US/acme/tickets/1", CODE):
        response = client.get(path)
        assert response.status_code == 404 and "Page not found" in response.text, path
    assert "+ Ticket" not in client.get("/en-US/acme/directories").text
    pat = make_contact(acme, "pat@customer.example")
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(pat)}"}
    signed_in = client.get("/en-US/acme/directories")
    assert "+ Ticket" not in signed_in.text
    for path in ("/tickets", "/ticket-form", "/tickets/1"):
        response = client.get(f"/api/v1/workspaces/acme{path}", headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"] == "feature_disabled"


def test_signed_in_customers_use_the_usual_form_when_public(client, public):
    from tests.factories import login_as

    login_as(client, make_contact(public, "pat@customer.example"))
    page = client.get(NEW)
    assert 'name="email"' not in page.text and 'name="files"' in page.text
    assert client.get(CODE).status_code == 302


def test_the_sign_in_limits_apply_and_keep_the_form(client, public, app, monkeypatch):
    """The guest form draws on the sign-in's send allowance (same address, same scope)."""
    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT", "2 per 15 minutes")
    token = csrf_from(client.get("/en-US/acme/signin").text)
    assert client.post("/en-US/acme/signin", data={"email": EMAIL, "csrf_token": token}
                       ).status_code == 302
    assert send_form(client).status_code == 302
    response = send_form(client)
    assert response.status_code == 429 and 'id="email-error"' in response.text
    assert "Printer on fire" in response.text and "Smoke since this morning." in response.text
    assert len(sent_codes(public, EMAIL)) == 1  # the guest form's (JIT is off: sign-in sent none)
