"""The workspace picker in a real browser: the profile menu leads to the picker, which lists
the same email's other workspace; choosing it lands there signed in (the target's cookie
set on its own host)."""

import re

import pytest

from portal.extensions import db
from tests.browser.helpers import DESKTOP, sign_in_browser
from tests.factories import make_contact
from tests.tickets_helpers import open_ticket

pytestmark = pytest.mark.browser


def test_switch_workspace_from_the_profile_menu(app, live_server, new_page, shot, acme, globex,
                                                monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", live_server)  # links of the other workspace
    here = make_contact(acme, "pat@customer.example", name="Pat Acme")
    there = make_contact(globex, "pat@customer.example", name="Pat Globex")
    open_ticket(acme, here, "Acme-only printer")
    open_ticket(globex, there, "Globex-only toaster")
    db.session.commit()
    page = new_page(**DESKTOP)
    sign_in_browser(page, live_server, here)
    page.goto(f"{live_server}/en-US/acme/tickets")
    assert page.get_by_text("Acme-only printer").is_visible()
    menu = page.locator("header details.profile-menu")
    menu.locator("summary").click()
    shot(page, "picker-menu-open")
    menu.get_by_role("link", name="Switch workspace").click()
    page.wait_for_url(re.compile(r"/en-US/acme/profile/workspaces$"))
    choice = page.get_by_role("button", name="Globex Help")
    assert choice.is_visible()
    shot(page, "picker-page")
    choice.focus()
    page.keyboard.press("Enter")  # by keyboard
    page.wait_for_url(re.compile(r"/en-US/globex/directories$"))
    assert menu.locator(".profile-name").inner_text() == "Pat Globex"
    page.goto(f"{live_server}/en-US/globex/tickets")
    assert page.get_by_text("Globex-only toaster").is_visible()
    assert page.get_by_text("Acme-only printer").count() == 0
    shot(page, "picker-switched")
    # back again: acme's own session was never touched
    page.goto(f"{live_server}/en-US/acme/tickets")
    assert page.get_by_text("Acme-only printer").is_visible()
    assert page.console_errors == []
