"""A portal form sent twice (a double click, a refresh after a lost answer) creates one
ticket or comment: each shown form carries its own `idempotency_key`."""

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, Ticket
from portal.tenancy import use_workspace
from tests.conftest import csrf_from
from tests.factories import login_as, make_contact
from tests.tickets_helpers import open_ticket

NEW = {"title": "Printer on fire", "description": "Smoke.", "priority": "normal",
       "category": "problem"}


@pytest.fixture
def signed_in(client, acme):
    contact = make_contact(acme, "pat@acme.example", name="Pat Doe")
    login_as(client, contact)
    return client, contact


def form_of(html: str) -> dict:
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert key, "the form carries no idempotency key"
    return {"csrf_token": csrf_from(html), "idempotency_key": key.group(1)}


def count(acme, model) -> int:
    with use_workspace(acme.id):
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_ticket_form_sent_twice_creates_one_ticket(signed_in, acme):
    client, _ = signed_in
    page = client.get("/en-US/acme/tickets/new").get_data(as_text=True)
    form = {**form_of(page), **NEW}
    first = client.post("/en-US/acme/tickets", data=form, content_type="multipart/form-data")
    again = client.post("/en-US/acme/tickets", data=form, content_type="multipart/form-data")
    assert (first.status_code, again.status_code) == (302, 302)
    assert again.headers["Location"] == first.headers["Location"]
    assert first.headers["Location"].endswith("/tickets/1")
    assert count(acme, Ticket) == 1
    other = form_of(client.get("/en-US/acme/tickets/new").get_data(as_text=True))
    assert other["idempotency_key"] != form["idempotency_key"]  # a new form: a new ticket
    third = client.post("/en-US/acme/tickets", data={**other, **NEW},
                        content_type="multipart/form-data")
    assert third.headers["Location"].endswith("/tickets/2")


def test_a_reply_sent_twice_is_stored_once(signed_in, acme):
    client, contact = signed_in
    ticket = open_ticket(acme, contact)
    url = f"/en-US/acme/tickets/{ticket.number}"
    form = {**form_of(client.get(url).get_data(as_text=True)), "body": "Any news?"}
    first = client.post(f"{url}/comments", data=form)
    again = client.post(f"{url}/comments", data=form)
    assert (first.status_code, again.status_code) == (302, 302)
    assert again.headers["Location"] == first.headers["Location"]
    assert count(acme, Comment) == 1


def test_a_form_without_a_key_still_works(signed_in, acme):
    client, contact = signed_in
    ticket = open_ticket(acme, contact)
    url = f"/en-US/acme/tickets/{ticket.number}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    for _ in range(2):
        response = client.post(f"{url}/comments", data={"csrf_token": token, "body": "Hi",
                                                        "idempotency_key": "bad key"})
        assert response.status_code == 302
    assert count(acme, Comment) == 2
