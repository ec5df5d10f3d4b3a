"""Article Follow's pages in chromium at 360 px (issue 14, part 4): the article with its
Subscribe control, signed out and signed in, the unsubscribe confirmation, and the admin's
Snap-ins page. axe finds nothing and no page scrolls sideways; subscribing works by
keyboard."""

import pytest

from portal.extensions import db
from portal.services import article_follow, articles
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD
from tests.browser.helpers import NARROW, axe_violations, overflow, sign_in_browser, sign_in_staff
from tests.factories import follow_on, make_contact, make_staff

pytestmark = pytest.mark.browser


def fits_and_passes(page, name, shot) -> None:
    shot(page, name)
    width, viewport = overflow(page)
    assert width <= viewport, (name, width)
    found = axe_violations(page)
    assert found == [], (name, found)


def test_subscribe_pages(acme, live_server, new_page, shot, jobs):
    follow_on(acme)
    with use_workspace(acme.id):
        guide = articles.save(acme, locale="en-US", title="Replace the toner",
                              body="Open the cover.", status="published", audience="public")
        db.session.commit()
    jobs()
    kim = make_contact(acme, "kim@customer.example", name="Kim Roe")
    page = new_page(**NARROW)
    url = f"{live_server}/en-US/acme/articles/replace-the-toner"
    page.goto(url)
    fits_and_passes(page, "follow-signed-out", shot)
    sign_in_browser(page, live_server, kim)
    page.goto(url)
    fits_and_passes(page, "follow-signed-in", shot)
    button = page.get_by_role("button", name="Subscribe")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Unsubscribe").wait_for()
    db.session.rollback()  # a fresh read of what the server committed
    with use_workspace(acme.id):
        assert article_follow.is_subscribed(acme, guide, kim)
        token = article_follow.unsubscribe_token(acme, guide, kim)
    page.goto(f"{live_server}/en-US/acme/unsubscribe/{token}")
    fits_and_passes(page, "follow-unsubscribe", shot)


def test_snap_ins_admin_page(acme, live_server, new_page, shot):
    make_staff("snaps@staff.example", PASSWORD, "admin", acme)
    db.session.commit()
    page = new_page(**NARROW)
    sign_in_staff(page, live_server, "snaps@staff.example")
    assert page.goto(f"{live_server}/admin/snapins/").status == 200
    fits_and_passes(page, "admin-snap-ins", shot)
