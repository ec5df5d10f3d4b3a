"""A visitor's ticket over the customer API (features.tickets = public): hold, code, confirm."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Contact, GuestTicketDraft, Ticket
from portal.tenancy import use_workspace
from tests.codes import last_code, outbox_count, sent_codes
from tests.factories import make_contact
from tests.tickets_helpers import count, tickets_mode

HOLD = "/api/v1/workspaces/acme/guest-tickets"
CONFIRM = f"{HOLD}/confirm"
EMAIL = "new.visitor@example.org"
TICKET = {"title": "Printer on fire", "description": "Smoke since this morning.",
          "priority": "high", "custom_fields": {"category": "problem"}}


@pytest.fixture
def public(acme):
    tickets_mode(acme, "public")
    return acme


def hold(client, **body):
    return client.post(HOLD, json={**TICKET, "email": EMAIL, **body})


def test_a_visitor_opens_a_ticket_with_the_emailed_code(client, public):
    held = hold(client)
    assert held.status_code == 202, held.get_json()
    draft = held.get_json()["draft"]
    assert count(public, Ticket) == 0 and count(public, GuestTicketDraft) == 1
    opened = client.post(CONFIRM, json={"draft": draft, "email": EMAIL,
                                        "code": last_code(public, EMAIL)})
    assert opened.status_code == 201, opened.get_json()
    body = opened.get_json()
    assert body["ticket"]["title"] == "Printer on fire"
    assert body["contact"]["email"] == EMAIL and body["contact"]["verified"] is True
    assert opened.headers["Location"].endswith(f"/tickets/{body['ticket']['number']}")
    mine = client.get(opened.headers["Location"],
                      headers={"Authorization": f"Bearer {body['access_token']}"})
    assert mine.status_code == 200
    assert [r["name"] for r in mine.get_json()["reported_by"]] == [body["contact"]["name"]]
    assert count(public, GuestTicketDraft) == 0
    again = client.post(CONFIRM, json={"draft": draft, "email": EMAIL, "code": "000000"})
    assert again.status_code == 422 and again.get_json()["details"]["field"] == "draft"
    assert count(public, Ticket) == 1


def test_a_known_contact_gets_the_ticket_as_themselves(client, public):
    make_contact(public, EMAIL, name="Known Person")
    draft = hold(client).get_json()["draft"]
    body = client.post(CONFIRM, json={"draft": draft, "email": EMAIL,
                                      "code": last_code(public, EMAIL)}).get_json()
    assert body["contact"]["name"] == "Known Person"
    with use_workspace(public.id):
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 1


@pytest.mark.parametrize("mode", ["private", "off"])
def test_only_public_tickets_take_visitors(client, acme, mode):
    tickets_mode(acme, mode)
    held = hold(client)
    assert held.status_code == 404 and "sign in" in held.get_json()["message"]
    confirm = client.post(CONFIRM, json={"draft": "x", "email": EMAIL, "code": "123456"})
    assert confirm.status_code == 404
    assert count(acme, GuestTicketDraft) == 0 and outbox_count(acme) == 0


def test_bad_input_names_every_field_and_keeps_nothing(client, public):
    refused = hold(client, title="", email="not an address", priority="urgent!")
    assert refused.status_code == 422
    assert {"title", "email", "priority"} <= set(refused.get_json()["details"]["fields"])
    assert count(public, GuestTicketDraft) == 0 and sent_codes(public, EMAIL) == []
    assert client.post(CONFIRM, json={"draft": "x"}).status_code == 422


def test_a_wrong_code_keeps_the_draft_and_a_right_one_then_opens_it(client, public):
    draft = hold(client).get_json()["draft"]
    code = last_code(public, EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = client.post(CONFIRM, json={"draft": draft, "email": EMAIL, "code": wrong})
    assert refused.status_code == 422 and refused.get_json()["details"]["field"] == "code"
    other = client.post(CONFIRM, json={"draft": draft, "email": "other@example.org",
                                       "code": code})
    assert other.status_code == 422 and other.get_json()["details"]["field"] == "draft"
    assert count(public, GuestTicketDraft) == 1
    opened = client.post(CONFIRM, json={"draft": draft, "email": EMAIL, "code": code})
    assert opened.status_code == 201


def test_a_web_draft_cannot_be_confirmed_through_the_api(client, public):
    from portal.auth import guest_tickets

    with client.application.test_request_context(), use_workspace(public.id):
        token = guest_tickets._store(public, EMAIL, {"title": ["x"]}, "web")
    refused = client.post(CONFIRM, json={"draft": token, "email": EMAIL, "code": "123456"})
    assert refused.status_code == 422 and refused.get_json()["details"]["field"] == "draft"
