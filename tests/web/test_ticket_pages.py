"""Customer ticket pages: + Ticket with custom fields, list, ticket page, comments."""

import json

import pytest

from config import ROOT
from portal.services import actors, portal_settings, ticket_forms, timeline
from portal.tenancy import use_workspace
from tests.conftest import csrf_from
from tests.factories import login_as, make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket

EXAMPLE = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())


@pytest.fixture
def signed_in(client, acme):
    contact = make_contact(acme, "pat@acme.example", name="Pat Doe",
                           account=make_account(acme, "Acme"))
    login_as(client, contact)
    return client, contact


def post_ticket(client, data, files=None):
    page = client.get("/en-US/acme/tickets/new").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), **data}
    if files:
        form["files"] = files
    return client.post("/en-US/acme/tickets", data=form, content_type="multipart/form-data")


def test_new_ticket_form_renders_custom_and_dependent_fields(signed_in, acme):
    client, _ = signed_in
    with use_workspace(acme.id):
        ticket_forms.save(acme, EXAMPLE)
    html = client.get("/en-US/acme/tickets/new").get_data(as_text=True)
    assert 'name="title"' in html and 'name="description"' in html
    assert 'data-field="subcategory"' in html and "data-options-by=" in html
    assert 'data-parent-value="hardware"' in html  # no-JS fallback: grouped options
    assert 'data-show-when=' in html and 'name="order_number"' in html
    german = client.get("/de-DE/acme/tickets/new").get_data(as_text=True)
    assert "Kategorie" in german and "Bestellnummer" in german


def test_create_ticket_with_custom_fields_and_attachment(signed_in, acme):
    client, contact = signed_in
    with use_workspace(acme.id):
        ticket_forms.save(acme, EXAMPLE)
    from io import BytesIO

    response = post_ticket(client, {
        "title": "Laptop broken", "description": "It beeps", "priority": "high",
        "category": "hardware", "subcategory": "laptop", "item": "x1", "serial": "S1",
        "order_number": "ignored because hidden"},
        files=[(BytesIO(b"log line\n"), "beep.log")])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en-US/acme/tickets/1")
    page = client.get("/en-US/acme/tickets/1").get_data(as_text=True)
    assert "Laptop broken" in page and "ThinkPad X1" in page and "beep.log" in page
    assert "ignored because hidden" not in page


def test_invalid_ticket_shows_errors_and_keeps_what_was_typed(signed_in, acme):
    client, _ = signed_in
    with use_workspace(acme.id):
        ticket_forms.save(acme, EXAMPLE)
    response = post_ticket(client, {"title": "", "description": "Keep me", "category": "billing",
                                    "subcategory": "invoice"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a title." in html and "Keep me" in html
    assert 'id="cf-order_number-error"' in html  # conditional field now required
    assert client.get("/en-US/acme/tickets").get_data(as_text=True).count("tickets/1") == 0


def test_list_pages_and_organization_tab(client, acme):
    account = make_account(acme, "Acme")
    admin = make_contact(acme, "boss@acme.example", account=account, customer_admin=True)
    worker = make_contact(acme, "w@acme.example", account=account)
    open_ticket(acme, worker, "Worker problem")
    open_ticket(acme, admin, "Boss problem")
    login_as(client, admin)
    mine = client.get("/en-US/acme/tickets").get_data(as_text=True)
    assert "Boss problem" in mine and "Worker problem" not in mine
    assert "My organization" in mine
    org = client.get("/en-US/acme/tickets?scope=organization").get_data(as_text=True)
    assert "Boss problem" in org and "Worker problem" in org
    login_as(client, worker)
    assert client.get("/en-US/acme/tickets?scope=organization").status_code == 403


def test_ticket_page_newest_first_with_reply_box_below_latest(signed_in, acme):
    client, contact = signed_in
    ticket = open_ticket(acme, contact, "Order")
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    with use_workspace(acme.id):
        timeline.add_comment(ticket, actors.staff(agent), "First answer")
        timeline.add_comment(ticket, actors.staff(agent), "Hidden note", public=False)
        timeline.add_comment(ticket, actors.staff(agent), "Second answer")
    html = client.get(f"/en-US/acme/tickets/{ticket.number}").get_data(as_text=True)
    assert "Hidden note" not in html
    assert html.index("Second answer") < html.index('id="reply"') < html.index("First answer")
    assert 'id="latest"' in html


def test_comment_flow_and_other_customers_get_404(signed_in, acme, app):
    client, contact = signed_in
    ticket = open_ticket(acme, contact, "Mine")
    page = client.get(f"/en-US/acme/tickets/{ticket.number}").get_data(as_text=True)
    response = client.post(f"/en-US/acme/tickets/{ticket.number}/comments",
                           data={"csrf_token": csrf_from(page), "body": "Any news?"})
    assert response.status_code == 302
    assert "Any news?" in client.get(f"/en-US/acme/tickets/{ticket.number}").get_data(as_text=True)
    empty = client.post(f"/en-US/acme/tickets/{ticket.number}/comments",
                        data={"csrf_token": csrf_from(page), "body": "  "})
    assert empty.status_code == 422 and "Write a message." in empty.get_data(as_text=True)
    stranger = app.test_client()
    login_as(stranger, make_contact(acme, "stranger@acme.example"))
    assert stranger.get(f"/en-US/acme/tickets/{ticket.number}").status_code == 404
    assert stranger.get(f"/en-US/acme/tickets/{ticket.number}/thread").status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client, acme):
    response = client.get("/en-US/acme/tickets/new")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_tickets_off_hides_the_pages(signed_in, acme, db):
    client, _ = signed_in
    portal_settings.change(acme, {"features.tickets": "off"})
    db.session.commit()
    assert client.get("/en-US/acme/tickets").status_code == 404
    assert client.get("/en-US/acme/tickets/new").status_code == 404


def test_customer_closes_a_resolved_ticket_and_reopens_it(signed_in, acme):
    client, contact = signed_in
    ticket = open_ticket(acme, contact, "Done soon")
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    url = f"/en-US/acme/tickets/{ticket.number}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    refused = client.post(f"{url}/close", data={"csrf_token": token}, follow_redirects=True)
    assert "Only a resolved ticket can be closed." in refused.get_data(as_text=True)
    with use_workspace(acme.id):
        timeline.set_stage(ticket, actors.staff(agent), "resolved")
    page = client.get(url).get_data(as_text=True)
    assert "Close ticket" in page
    closed = client.post(f"{url}/close", data={"csrf_token": token}, follow_redirects=True)
    assert "The ticket is closed." in closed.get_data(as_text=True)
    reopened = client.post(f"{url}/reopen", data={"csrf_token": token}, follow_redirects=True)
    assert "The ticket is open again." in reopened.get_data(as_text=True)


def test_internal_note_moves_neither_the_updated_time_nor_the_updated_sort(app, signed_in,
                                                                          acme):
    """An agent's note through the admin ticket page: the customer's list keeps its
    "updated" order and times; a public reply then moves both."""
    import re

    from tests.admin.conftest import PASSWORD, fab_csrf, new_client, staff_login

    client, contact = signed_in
    older, newer = open_ticket(acme, contact, "Older"), open_ticket(acme, contact, "Newer")

    def listed():
        html = client.get("/en-US/acme/tickets?sort=updated").get_data(as_text=True)
        return re.findall(r'/en-US/acme/tickets/(\d+)">[^<]*</a></td>.*?'
                          r'<time datetime="([^"]+)"', html, re.S)

    before = listed()
    assert [int(n) for n, _ in before] == [newer.number, older.number]
    make_staff("agent@example.com", PASSWORD, "agent", acme)
    staff = staff_login(new_client(app), "agent@example.com")
    url = f"/admin/tickets/{older.number}"
    token = fab_csrf(staff.get(url).get_data(as_text=True))
    noted = staff.post(f"{url}/note", data={"note": "Customer is VIP.", "csrf_token": token})
    assert noted.status_code == 303
    queue = staff.get("/admin/tickets/?sort=updated").get_data(as_text=True)
    assert queue.index(f"/admin/tickets/{older.number}") < \
        queue.index(f"/admin/tickets/{newer.number}")  # staff see the note as activity
    assert listed() == before

    replied = staff.post(f"{url}/reply", data={"body": "We are on it.", "csrf_token": token})
    assert replied.status_code == 303
    after = listed()
    assert [int(n) for n, _ in after] == [older.number, newer.number]
    assert after[0][1] > before[1][1]



def test_a_ticket_page_is_in_the_language_of_its_url(signed_in):
    """Matching `<id:number>` asked Flask-Babel for the locale before the URL's was set, and
    it kept that first answer (English) for the whole German page (portal.i18n.use_locale)."""
    client, _ = signed_in
    assert post_ticket(client, {"title": "Printer", "description": "Jammed",
                               "category": "question"}).status_code == 302
    german = client.get("/de-DE/acme/tickets/1").get_data(as_text=True)
    assert 'lang="de-DE"' in german or "lang=\"de" in german
    assert "Unterhaltung" in german and "Senden" in german and ">Send<" not in german
    english = client.get("/en-US/acme/tickets/1").get_data(as_text=True)
    assert "Conversation" in english and "Unterhaltung" not in english
