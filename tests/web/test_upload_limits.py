"""Body limits: the ticket and comment forms take attachments up to the workspace's limit
(per file and per request); a form over it comes back with the typed text and a message
(413), never a bare error page; every other request keeps the 1 MiB limit; the API answers
413 in JSON."""

import json
from io import BytesIO

import pytest

from config import ROOT
from portal.extensions import db
from portal.models import Attachment, Comment, Ticket
from portal.services import attachments, portal_settings, ticket_forms
from portal.tenancy import use_workspace
from tests.conftest import csrf_from
from tests.factories import api_token, login_as, make_account, make_contact
from tests.tickets_helpers import open_ticket

MiB = 1024 * 1024
EXAMPLE = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())
TYPED = {"title": "Laptop broken", "description": "It beeps three times at start.",
         "priority": "high", "category": "hardware", "subcategory": "laptop", "item": "x1",
         "serial": "SER-4711"}


@pytest.fixture
def signed_in(client, acme):
    contact = make_contact(acme, "pat@acme.example", account=make_account(acme, "Acme"))
    login_as(client, contact)
    with use_workspace(acme.id):
        ticket_forms.save(acme, EXAMPLE)
    return client, contact


def log_file(size: int, name: str = "big.log"):
    return (BytesIO(b"x" * (size - 1) + b"\n"), name)


def post_ticket(client, files, **fields):
    token = csrf_from(client.get("/en-US/acme/tickets/new").get_data(as_text=True))
    return client.post("/en-US/acme/tickets", content_type="multipart/form-data",
                       data={"csrf_token": token, **TYPED, **fields, "files": files})


def post_comment(client, number, files, body="Here is the full log."):
    page = client.get(f"/en-US/acme/tickets/{number}").get_data(as_text=True)
    return client.post(f"/en-US/acme/tickets/{number}/comments",
                       content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page), "body": body, "files": files})


def stored(acme):
    with use_workspace(acme.id):
        return sorted((a.filename, a.size) for a in db.session.query(Attachment))


def ticket_count(acme):
    with use_workspace(acme.id):
        return db.session.query(Ticket).count()


def assert_form_kept(html: str, *typed: str):
    assert "<form" in html and 'name="files"' in html  # the form itself, not an error page
    for text in typed:
        assert text in html, text


def test_two_mib_attachment_on_a_new_ticket_is_accepted(signed_in, acme):
    client, _contact = signed_in
    response = post_ticket(client, [log_file(2 * MiB)])
    assert response.status_code == 302, response.status_code
    assert stored(acme) == [("big.log", 2 * MiB)]


def test_two_mib_attachment_on_a_comment_is_accepted(signed_in, acme):
    client, contact = signed_in
    ticket = open_ticket(acme, contact, category="hardware", subcategory="printer")
    response = post_comment(client, ticket.number, [log_file(2 * MiB)])
    assert response.status_code == 302, response.status_code
    assert stored(acme) == [("big.log", 2 * MiB)]


def test_a_file_at_the_limit_passes_and_one_byte_more_is_413_with_the_form(signed_in, acme):
    client, _contact = signed_in
    limit = attachments.DEFAULT_MAX_BYTES
    response = post_ticket(client, [log_file(limit + 1, "dump.log")])
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert_form_kept(html, "dump.log is larger than 10 MB.", TYPED["title"],
                     TYPED["description"], 'value="SER-4711"', '<option value="x1" selected>')
    assert ticket_count(acme) == 0
    assert post_ticket(client, [log_file(limit, "dump.log")]).status_code == 302
    assert stored(acme) == [("dump.log", limit)]


def test_a_request_over_the_limit_shows_the_form_with_the_text_kept(signed_in, acme):
    client, _contact = signed_in
    portal_settings.change(acme, {"tickets.attachment_max_bytes": 256 * 1024})
    db.session.commit()
    assert attachments.request_limit(acme) == 5 * 256 * 1024 + MiB
    files = [log_file(500_000, f"part{i}.log") for i in range(6)]  # 3 MB in all
    response = post_ticket(client, files)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert_form_kept(html, "The attachments are too large: at most 5 files of up to 0.2 MB",
                     TYPED["title"], TYPED["description"], 'value="SER-4711"')
    assert ticket_count(acme) == 0
    german = client.post("/de-DE/acme/tickets", content_type="multipart/form-data",
                         data={"csrf_token": csrf_from(html), **TYPED, "files": [
                             log_file(500_000, f"part{i}.log") for i in range(6)]})
    assert german.status_code == 413
    assert "Die Anhänge sind zu groß" in german.get_data(as_text=True)


def test_a_request_over_the_limit_still_needs_the_csrf_token(signed_in, acme):
    client, _contact = signed_in
    portal_settings.change(acme, {"tickets.attachment_max_bytes": 256 * 1024})
    db.session.commit()
    response = client.post("/en-US/acme/tickets", content_type="multipart/form-data",
                           data={**TYPED, "files": [log_file(3 * MiB)]})
    assert response.status_code == 400
    assert ticket_count(acme) == 0


def test_a_comment_over_the_limit_keeps_the_typed_reply(signed_in, acme):
    client, contact = signed_in
    ticket = open_ticket(acme, contact, category="hardware", subcategory="printer")
    response = post_comment(client, ticket.number,
                            [log_file(attachments.DEFAULT_MAX_BYTES + 1, "core.log")],
                            body="My reply that must not be lost")
    assert response.status_code == 413
    assert_form_kept(response.get_data(as_text=True), "core.log is larger than 10 MB.",
                     "My reply that must not be lost")
    portal_settings.change(acme, {"tickets.attachment_max_bytes": 256 * 1024})
    db.session.commit()
    response = post_comment(client, ticket.number, [log_file(3 * MiB)],
                            body="Second reply, also kept")
    assert response.status_code == 413
    assert_form_kept(response.get_data(as_text=True), "The attachments are too large",
                     "Second reply, also kept")
    with use_workspace(acme.id):
        assert db.session.query(Comment).count() == 0
    assert stored(acme) == []


def test_other_requests_keep_the_one_mib_limit(signed_in, acme):
    client, contact = signed_in
    ticket = open_ticket(acme, contact, category="hardware", subcategory="printer")
    page = client.get(f"/en-US/acme/tickets/{ticket.number}").get_data(as_text=True)
    token = csrf_from(page)
    close = client.post(f"/en-US/acme/tickets/{ticket.number}/close",
                        content_type="multipart/form-data",
                        data={"csrf_token": token, "files": [log_file(2 * MiB)]})
    assert close.status_code == 413
    # the ticket form without multipart (no files possible) keeps 1 MiB too
    plain = client.post("/en-US/acme/tickets",
                        data={"csrf_token": token, **TYPED, "description": "x" * (2 * MiB)})
    assert plain.status_code == 413
    signin = client.post("/en-US/acme/signin", content_type="multipart/form-data",
                         data={"email": "a@b.example", "files": [log_file(2 * MiB)]})
    assert signin.status_code == 413
    assert client.post("/en-US/acme/no-such-page", data={"x": "y" * (2 * MiB)}).status_code == 404
    assert ticket_count(acme) == 1


def test_api_refuses_a_large_json_body_with_413_json(client, acme):
    contact = make_contact(acme, "api@acme.example")
    body = json.dumps({"title": "Big", "description": "x" * (2 * MiB)})
    response = client.post("/api/v1/workspaces/acme/tickets", data=body,
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {api_token(contact)}"})
    assert response.status_code == 413 and response.is_json
    payload = response.get_json()
    assert payload == {"error": "request_entity_too_large",
                       "message": "The request is larger than 1 MB."}
    assert ticket_count(acme) == 0


def test_a_reversed_file_name_shows_cleaned_on_the_ticket_page(signed_in, acme):
    client, _contact = signed_in
    response = post_ticket(client, [(BytesIO(b"amount due\n"), "invoice\u202efdp.txt")])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "invoicefdp.txt" in page and "\u202e" not in page
