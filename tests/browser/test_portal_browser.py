"""Through a real browser: sign in with an emailed code, phone layouts, keyboard focus."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.worker import drain
from portal.models import OutboxMessage
from portal.tenancy import use_workspace
from tests.browser.helpers import DESKTOP, PHONE, overflow, sign_in_browser
from tests.factories import make_contact

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
          "device_scale_factor": 2}


def newest_code(app, workspace, email: str) -> str:
    """Work the queued email jobs, then read the code from the newest email to `email`."""
    drain(app)
    with use_workspace(workspace.id):
        row = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id.desc())
        ).first()
        body = row.text_body
    db.session.rollback()  # end the read so the server thread may write
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_sign_in_and_out_through_the_web_pages(app, live_server, new_page, shot, acme, globex):
    make_contact(acme, "pat@customer.example", name="Pat Lee")
    page = new_page(**DESKTOP)
    page.goto(f"{live_server}/acme")
    assert page.url == f"{live_server}/en-US/acme/directories"
    shot(page, "home-desktop")

    page.locator("header").get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile(r"/en-US/acme/signin"))
    page.get_by_label("Email").fill("pat@customer.example")
    shot(page, "signin-email")
    page.get_by_role("button", name="Email me a code").click()
    page.wait_for_url(re.compile(r"/signin/code"))
    shot(page, "signin-code")

    page.get_by_label("6-digit code").fill(newest_code(app, acme, "pat@customer.example"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/en-US/acme/directories$"))
    menu = page.locator("header details.profile-menu")
    assert menu.locator(".profile-name").inner_text() == "Pat Lee"
    assert page.locator("header").get_by_role("link", name="Sign in").count() == 0
    menu.locator("summary").click()
    assert page.get_by_role("link", name="Profile").is_visible()
    shot(page, "signed-in-menu-open")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/en-US/acme/directories$"))
    assert page.locator("header").get_by_role("link", name="Sign in").is_visible()
    assert page.locator("header details.profile-menu").count() == 0
    page.goto(f"{live_server}/en-US/acme/profile")
    assert "/en-US/acme/signin" in page.url  # the session is gone on the server too
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.parametrize("name, device", [("phone-390", PHONE), ("phone-360", NARROW)])
def test_pages_fit_a_phone_without_horizontal_scrolling(live_server, new_page, shot, acme,
                                                        name, device):
    make_contact(acme, "alex@customer.example", name="Alexandra Longname-Example")
    page = new_page(**device)
    for path, label in (("/en-US/acme/directories", "home"),
                        ("/de-DE/acme/directories", "home-de"),
                        ("/en-US/acme/signin", "signin"),
                        ("/en-US/acme/missing", "404")):
        page.goto(live_server + path)
        width, inner = overflow(page)
        shot(page, f"{label}-{name}")
        assert width <= inner, f"{path} overflows at {name}: {width} > {inner}"
    # the search box and its button stay on screen and large enough to tap
    page.goto(f"{live_server}/en-US/acme/directories")
    box = page.get_by_role("button", name="Search").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= device["viewport"]["width"]
    assert box["height"] >= 44
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_signed_in_header_fits_a_360_px_phone(live_server, new_page, shot, acme):
    contact = make_contact(acme, "alex@customer.example", name="Alexandra Longname-Example")
    page = new_page(**NARROW)
    sign_in_browser(page, live_server, contact)
    page.goto(f"{live_server}/en-US/acme/directories")
    page.locator("header details.profile-menu summary").click()
    width, inner = overflow(page)
    shot(page, "signed-in-menu-phone-360")
    assert width <= inner
    box = page.get_by_role("button", name="Sign out").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360


def _focus_state(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        const text = el.innerText || el.getAttribute('aria-label') || el.id || '';
        return {tag: el.tagName, text: text.trim(),
                outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                inView: box.bottom > 0 && box.top < window.innerHeight && box.width > 0};
    }""")


def test_keyboard_focus_is_visible(live_server, new_page, shot, acme):
    page = new_page(**DESKTOP)
    page.goto(f"{live_server}/en-US/acme/directories")
    seen = []
    for step in range(8):
        page.keyboard.press("Tab")
        state = _focus_state(page)
        seen.append(state["text"])
        assert state["tag"] != "BODY", f"Tab {step + 1} lost focus"
        assert state["outline"] != "none" and state["width"] >= 2, state
        assert state["inView"], state
        if step == 0:
            assert state["text"] == "Skip to content"
            shot(page, "focus-skip-link")
    assert "Knowledge base" in seen and "Sign in" in seen and "q" in seen
    # the skip link moves focus to the main content
    page.goto(f"{live_server}/en-US/acme/directories")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    shot(page, "focus-after-skip")


def test_profile_menu_works_from_the_keyboard(live_server, new_page, acme):
    page = new_page(**DESKTOP)
    sign_in_browser(page, live_server, make_contact(acme, "pat@customer.example", name="Pat Lee"))
    page.goto(f"{live_server}/en-US/acme/directories")
    summary = page.locator("details.profile-menu summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.profile-menu").get_attribute("open") is not None
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Profile"
    page.keyboard.press("Escape")
    assert page.locator("details.profile-menu").get_attribute("open") is None
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"


def test_dark_colour_scheme(live_server, new_page, shot, acme):
    page = new_page(color_scheme="dark", **DESKTOP)
    page.goto(f"{live_server}/en-US/acme/directories")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    shot(page, "home-dark")
