"""Search-as-you-type in chromium: the hero search box suggests articles as the customer
types and is driven by the keyboard (combobox + listbox); the + Ticket title suggests
articles too; without JavaScript the search box still submits to the results page."""

import pytest

from portal.extensions import db
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.browser.helpers import DESKTOP, sign_in_browser
from tests.factories import make_contact

pytestmark = pytest.mark.browser


@pytest.fixture
def public_kb(acme, jobs):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(acme.id):
        for title, body, audience in (
                ("Connect to the VPN", "Install the VPN client and sign in.", "public"),
                ("Configure the printer", "Add the printer by its network address.", "public"),
                ("Reset your password", "Use the forgotten password link.", "public"),
                ("VPN keys for admins", "Rotate the VPN keys.", "admins")):
            articles.save(acme, locale="en-US", title=title, body=body, status="published",
                          audience=audience)
        db.session.commit()
    jobs()
    db.session.rollback()  # end the test's transaction so the server thread may write


def test_hero_search_suggests_as_you_type_and_works_by_keyboard(live_server, new_page, shot,
                                                                  public_kb):
    page = new_page(**DESKTOP)
    page.goto(f"{live_server}/en-US/acme/directories")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("vpn cli", delay=40)
    options = page.locator("#q-suggestions [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert options.all_text_contents() == ["Connect to the VPN"]  # never the admins' one
    shot(page, "kb-suggestions")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggestions-0"
    assert options.first.get_attribute("aria-selected") == "true"
    box.press("Escape")
    assert page.locator("#q-suggestions").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    box.press("ArrowDown")  # reopens the list it had
    box.press("ArrowDown")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url == f"{live_server}/en-US/acme/articles/connect-to-the-vpn"
    assert page.locator("h1").text_content() == "Connect to the VPN"
    assert page.console_errors == []


def test_enter_without_a_selection_submits_to_the_results_page(live_server, new_page,
                                                                public_kb):
    page = new_page(**DESKTOP)
    page.goto(f"{live_server}/en-US/acme/directories")
    page.locator("#q").fill("printer")
    with page.expect_navigation():
        page.locator("#q").press("Enter")
    assert page.url == f"{live_server}/en-US/acme/search?q=printer"
    result = page.locator(".kb-results li a").first
    assert result.text_content() == "Configure the printer"
    assert page.locator(".kb-snippet mark").count() >= 1
    assert page.console_errors == []


def test_search_without_javascript_is_a_plain_form(live_server, new_page, public_kb):
    page = new_page(java_script_enabled=False, **DESKTOP)
    page.goto(f"{live_server}/en-US/acme/directories")
    page.locator("#q").fill("password")
    page.locator(".search-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/en-US/acme/search?q=password")
    assert page.locator(".kb-results li a").first.text_content() == "Reset your password"


def test_new_ticket_title_suggests_articles(app, live_server, new_page, shot, acme,
                                            public_kb):
    contact = make_contact(acme, "pat@customer.example", name="Pat Lee")
    db.session.rollback()
    page = new_page(**DESKTOP)
    sign_in_browser(page, live_server, contact)
    page.goto(f"{live_server}/en-US/acme/tickets/new")
    box = page.locator("#title-suggestions")
    assert box.is_hidden()
    page.locator("#title").press_sequentially("printer does not work", delay=20)
    link = box.locator("a").first
    link.wait_for()
    assert link.text_content() == "Configure the printer"
    assert link.get_attribute("href") == "/en-US/acme/articles/configure-the-printer"
    shot(page, "kb-ticket-title-suggestions")
    assert page.console_errors == []
