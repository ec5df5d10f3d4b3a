"""Settings > Portal settings in chromium: the preview frame follows the form without
saving it (company name, the Plug, theme), shrinks to a phone's width without the portal scrolling
sideways, and axe finds nothing on the portal home with a custom accent colour in the
light and the dark theme."""

import pytest

from portal.extensions import db
from portal.services import portal_settings
from tests.admin.conftest import PASSWORD
from tests.browser.helpers import DESKTOP, axe_violations, sign_in_staff
from tests.factories import make_staff

pytestmark = pytest.mark.browser

URL = "/admin/portalsettings/"


def field(name: str) -> str:
    return f'[id="{name}"]'


def signed_in_admin(acme, live_server, new_page):
    make_staff("look@staff.example", PASSWORD, "admin", acme)
    db.session.commit()
    page = new_page(**DESKTOP)
    sign_in_staff(page, live_server, "look@staff.example")
    page.goto(f"{live_server}{URL}")
    return page


def test_the_preview_follows_the_form_without_saving(acme, live_server, new_page, shot):
    from playwright.sync_api import expect

    page = signed_in_admin(acme, live_server, new_page)
    frame = page.frame_locator("#portal-preview")
    expect(frame.locator(".brand")).to_have_text(acme.name)
    page.fill(field("appearance.company_name"), "Typed Preview Co")
    expect(frame.locator(".brand")).to_have_text("Typed Preview Co")
    db.session.expire_all()
    assert not portal_settings.overview(acme)["has_draft"]
    assert portal_settings.published(acme).appearance.company_name == ""

    # the Plug as the form sets it (published: off), working in the frame
    page.check(field("features.plug"))
    launcher = frame.locator("button.launcher")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(frame.locator(".panel")).to_be_visible()
    page.uncheck(field("features.plug"))
    expect(launcher).to_have_count(0)
    assert portal_settings.published(acme).features.plug is False

    html = frame.locator("html")
    page.select_option(field("appearance.theme"), "dark")
    expect(html).to_have_attribute("data-theme", "dark")
    page.select_option(field("appearance.theme"), "light")
    expect(html).to_have_attribute("data-theme", "light")

    page.click('[data-preview-width="360"]')
    box = page.locator("#portal-preview").bounding_box()
    assert box is not None and round(box["width"]) == 360
    inner = page.frame(name="portal-preview")
    assert inner.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [
        360, 360]
    shot(page, "portal-settings-phone-preview")
    page.click('[data-preview-width=""]')
    assert page.locator("#portal-preview").bounding_box()["width"] > 360
    # the settings page itself on a phone (as tests/browser/test_admin_phone.py checks)
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    page.click('[data-preview-width="360"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert [e for e in page.console_errors if "404" not in e] == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_nothing_on_a_custom_accent_home(acme, live_server, new_page, shot, theme):
    portal_settings.change(acme, {"appearance.accent_color": "#7b1fa2",
                                  "appearance.theme": theme,
                                  "appearance.company_name": "Violet Support",
                                  "features.knowledge_base": "public"})
    db.session.commit()
    page = new_page(**DESKTOP)
    page.goto(f"{live_server}/en-US/acme/directories")
    assert page.get_attribute("html", "data-theme") == theme
    result = axe_violations(page)
    shot(page, f"portal-home-accent-{theme}")
    assert result == []
