"""The satisfaction survey in chromium at 360 px (issue 15, part 4): the signed link's page
signed out, answered by keyboard only (arrow keys move within the radio group), the ticket
page's form, and the admin's report. axe finds nothing and no page scrolls sideways."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, SatisfactionAnswer
from portal.services import actors, timeline
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD
from tests.browser.helpers import NARROW, axe_violations, overflow, sign_in_browser, sign_in_staff
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket

pytestmark = pytest.mark.browser


def fits_and_passes(page, name, shot) -> None:
    shot(page, name)
    width, viewport = overflow(page)
    assert width <= viewport, (name, width)
    found = axe_violations(page)
    assert found == [], (name, found)


def test_survey_pages(acme, live_server, new_page, shot):
    pat = make_contact(acme, "pat@customer.example", name="Pat Doe")
    admin = make_staff("csat@staff.example", PASSWORD, "admin", acme)
    ticket = open_ticket(acme, pat, "Printer on fire")
    with use_workspace(acme.id):
        timeline.assign(ticket, actors.staff(admin), admin)
        timeline.set_stage(ticket, actors.staff(admin), "resolved")
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "satisfaction")).one()
    path = re.search(r"http://portal\.test(/\S+)\?score=3", mail.text_body).group(1)
    page = new_page(**NARROW)
    page.goto(f"{live_server}{path}?score=3")
    fits_and_passes(page, "csat-link", shot)
    assert page.get_by_role("radio", name=re.compile("Neither")).is_checked()
    page.get_by_role("radio", name=re.compile("Neither")).focus()
    page.keyboard.press("ArrowDown")  # to 4
    page.keyboard.press("Tab")
    page.keyboard.type("Quick fix")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Thank you for your answer.").wait_for()
    fits_and_passes(page, "csat-link-done", shot)
    db.session.rollback()
    with use_workspace(acme.id):
        row = db.session.scalars(select(SatisfactionAnswer)).one()
        assert (row.score, row.comment) == (4, "Quick fix")
    sign_in_browser(page, live_server, pat)
    page.goto(f"{live_server}/en-US/acme/tickets/{ticket.number}")
    page.get_by_role("group", name=re.compile("How satisfied")).wait_for()
    fits_and_passes(page, "csat-ticket-page", shot)
    staff_page = new_page(**NARROW)
    sign_in_staff(staff_page, live_server, "csat@staff.example")
    assert staff_page.goto(f"{live_server}/admin/tickets/satisfaction/").status == 200
    fits_and_passes(staff_page, "csat-admin-report", shot)
