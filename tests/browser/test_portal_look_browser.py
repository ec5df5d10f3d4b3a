"""The published portal settings in chromium: header tabs in their order with the incident
link leaving for the status page, the banner on the ticket list, the dark theme, and a
360 px phone showing it all without scrolling sideways."""

import pytest

from portal.extensions import db
from portal.services import portal_settings
from tests.browser.helpers import DESKTOP, overflow, sign_in_browser
from tests.factories import make_contact

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LOOK = {
    "features.knowledge_base": "public",
    "appearance.theme": "dark",
    "appearance.company_name": "Acme Help Center",
    "appearance.header_tabs": [
        {"kind": "knowledge_base", "label": {"en-US": "Help"}},
        {"kind": "tickets", "label": {}},
        {"kind": "link", "label": {"en-US": "Incidents"},
         "url": "https://status.acme.example/incidents"}],
    "features.banner": {"enabled": True, "level": "warning",
                        "text": {"en-US": "Scheduled maintenance **tonight** from 22:00 UTC; "
                                          "sign-in may be slow for a few minutes."}},
}


@pytest.mark.parametrize("device", [DESKTOP, NARROW], ids=["desktop", "phone"])
def test_tabs_banner_and_theme(acme, live_server, new_page, shot, device):
    from playwright.sync_api import expect

    pat = make_contact(acme, "pat@customer.example", name="Pat Lee")
    portal_settings.change(acme, LOOK)
    db.session.commit()
    page = new_page(**device)
    sign_in_browser(page, live_server, pat)
    page.goto(f"{live_server}/en-US/acme/tickets")
    assert page.get_attribute("html", "data-theme") == "dark"
    nav = page.locator("header nav.main-nav a")
    expect(nav).to_have_text(["Help", "Tickets", "Incidents"])
    incident = page.locator("header").get_by_role("link", name="Incidents")
    assert incident.get_attribute("href") == "https://status.acme.example/incidents"
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Scheduled maintenance tonight")
    assert banner.locator("strong").inner_text() == "tonight"
    expect(page.locator("header .brand")).to_have_text("Acme Help Center")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 20, 25)"  # the dark theme's --color-bg
    width, viewport = overflow(page)
    assert width <= viewport, (width, viewport)
    shot(page, f"portal-look-{viewport}")
    page.get_by_role("link", name="Help", exact=True).click()
    page.wait_for_url(f"{live_server}/en-US/acme/directories")
    assert page.locator("header").get_by_role("link", name="Help", exact=True).get_attribute(
        "aria-current") == "page"
