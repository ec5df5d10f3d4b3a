"""Ticket pages in a real browser: dependent fields on + Ticket, the conversation order and
the scroll to the latest message, and a comment appearing live on an open ticket."""

import json

import pytest
from sqlalchemy import select

from config import ROOT
from portal.extensions import db
from portal.models import Ticket
from portal.services import actors, ticket_forms, timeline
from portal.tenancy import use_workspace
from tests.browser.helpers import DESKTOP, PHONE, overflow, sign_in_browser
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket

pytestmark = pytest.mark.browser

EXAMPLE = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())


def _visible(page, key: str) -> bool:
    return page.locator(f'[data-field="{key}"]').is_visible()


def _options(page, key: str) -> list[str]:
    return page.eval_on_selector_all(f'#cf-{key} option', "els => els.map(e => e.value)")


def test_dependent_fields_appear_disappear_and_repopulate(app, live_server, new_page, shot, acme):
    contact = make_contact(acme, "pat@customer.example", name="Pat Lee")
    with use_workspace(acme.id):
        ticket_forms.save(acme, EXAMPLE)
    db.session.rollback()
    page = new_page(**DESKTOP)
    sign_in_browser(page, live_server, contact)
    page.goto(f"{live_server}/en-US/acme/tickets/new")
    assert not _visible(page, "subcategory") and not _visible(page, "order_number")
    page.select_option("#cf-category", "hardware")
    assert _visible(page, "subcategory") and _visible(page, "serial")
    assert not _visible(page, "order_number") and not _visible(page, "item")
    assert _options(page, "subcategory") == ["", "laptop", "printer"]
    page.select_option("#cf-subcategory", "laptop")
    assert _visible(page, "item") and _options(page, "item") == ["", "x1", "mbp"]
    page.select_option("#cf-item", "mbp")
    page.select_option("#cf-category", "billing")  # re-populates the chain below
    assert _options(page, "subcategory") == ["", "invoice", "refund"]
    assert not _visible(page, "item") and _visible(page, "order_number")
    page.select_option("#cf-subcategory", "refund")
    shot(page, "ticket-form-dependent")
    page.fill("#title", "Refund please")
    page.fill("#description", "Charged twice")
    page.fill("#cf-order_number", "A-77")
    page.click("form.ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/1")
    assert "A-77" in page.content()
    db.session.rollback()
    with use_workspace(acme.id):
        ticket = db.session.scalar(select(Ticket))
        assert ticket.custom_fields == {"category": "billing", "subcategory": "refund",
                                        "order_number": "A-77"}
    db.session.rollback()


def test_newest_first_with_reply_box_below_the_latest_and_scrolled_to(
        app, live_server, new_page, shot, acme):
    contact = make_contact(acme, "pat@customer.example", name="Pat Lee")
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, contact, "Long thread", description="Start\n" * 40)
    with use_workspace(acme.id):
        for i in range(8):
            timeline.add_comment(ticket, actors.staff(agent), f"Answer {i}\n" + "More text\n" * 6)
    number = ticket.number
    db.session.rollback()
    page = new_page(**PHONE)
    sign_in_browser(page, live_server, contact)
    page.goto(f"{live_server}/en-US/acme/tickets/{number}")
    page.wait_for_selector("body[data-scrolled-to-latest='true']", state="attached")
    order = page.evaluate("""() => {
        const latest = document.querySelector('#latest').getBoundingClientRect().top;
        const reply = document.querySelector('#reply').getBoundingClientRect().top;
        const older = [...document.querySelectorAll('.message')].map(m => m.textContent);
        return {latest, reply, first: older[0], second: older[1]};
    }""")
    assert "Answer 7" in order["first"] and "Answer 6" in order["second"]
    assert order["latest"] < order["reply"]
    top = page.evaluate("document.querySelector('#latest').getBoundingClientRect().top")
    assert page.evaluate("window.scrollY") > 0 and 0 <= top < 5  # scrolled to the latest
    assert overflow(page)[0] <= overflow(page)[1]
    shot(page, "ticket-page-phone")


def test_comment_appears_live_on_an_open_ticket(app, live_server, new_page, acme):
    if "portal.ticket_events" not in app.view_functions:
        pytest.fail("the live-update stream (portal.ticket_events) is missing")
    contact = make_contact(acme, "pat@customer.example", name="Pat Lee")
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, contact, "Live")
    number = ticket.number
    db.session.rollback()
    page = new_page(**DESKTOP)
    sign_in_browser(page, live_server, contact)
    page.goto(f"{live_server}/en-US/acme/tickets/{number}")
    page.wait_for_selector("body[data-live-ready='true']", state="attached")
    with use_workspace(acme.id):
        fresh = db.session.get(Ticket, ticket.id)
        timeline.add_comment(fresh, actors.staff(agent), "Fixed it for you")
        timeline.add_comment(fresh, actors.staff(agent), "internal remark", public=False)
    db.session.rollback()
    page.wait_for_selector("text=Fixed it for you", timeout=2_000)
    assert "internal remark" not in page.content()
