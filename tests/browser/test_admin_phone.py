"""The admin on a 360 px phone: no page scrolls sideways. Every page the menu links to (for a
platform admin who is also a workspace admin, so every menu entry shows), the sign-in page
and the add, edit and show pages, each with some data in it. Wide tables scroll inside
their own box (themes/default/static/admin.css)."""

import re

import pytest

from portal.extensions import db
from portal.models import CustomerGroup
from portal.services import articles, directories
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD
from tests.factories import make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
          "device_scale_factor": 3}
EMAIL = "everything@staff.example"


def some_of_everything(ws) -> dict:
    account = make_account(ws, "Initech Consolidated Holdings International")
    contact = make_contact(ws, "alexandra.longname@initech-consolidated.example",
                           name="Alexandra Longname-Example", account=account)
    ticket = open_ticket(ws, contact, title="The printer on the third floor prints "
                                            "every page twice since the update")
    with use_workspace(ws.id):
        folder = directories.directory_by_name(ws, "Getting started", ws.default_locale)
        article = articles.save(ws, locale=ws.default_locale, title="Reset your password",
                                body="Open the sign-in page.", description="Sign-in help.",
                                status="published", audience="public",
                                directory_id=folder.id, author="Test")
        group = db.session.query(CustomerGroup).first()
        return {"account": account.id, "contact": contact.id, "ticket": ticket.number,
                "article": article.id, "group": group.id}


def test_no_admin_page_scrolls_sideways_at_360_px(live_server, new_page, shot, acme):
    ids = some_of_everything(acme)
    make_staff(EMAIL, PASSWORD, "admin", None)
    make_staff(EMAIL, PASSWORD, "admin", acme)
    db.session.commit()
    page = new_page(**NARROW)
    page.goto(f"{live_server}/admin/login/")
    pages = {"/admin/login/": page.evaluate("document.documentElement.scrollWidth")}
    page.fill("#username", EMAIL)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/admin/(?!login)"))
    menu = page.eval_on_selector_all("a[href^='/admin/']", "els => els.map(e => e.pathname)")
    paths = sorted({path for path in menu if not re.search(r"logout|/lang/", path)}) + [
        "/admin/accountadmin/add", f"/admin/accountadmin/edit/{ids['account']}",
        f"/admin/accountadmin/show/{ids['account']}", "/admin/contactadmin/add",
        f"/admin/contactadmin/edit/{ids['contact']}",
        f"/admin/contactadmin/show/{ids['contact']}",
        f"/admin/groupadmin/edit/{ids['group']}", f"/admin/groupadmin/show/{ids['group']}",
        f"/admin/tickets/{ids['ticket']}", "/admin/kb/articles/new",
        f"/admin/kb/articles/{ids['article']}", f"/admin/kb/articles/{ids['article']}/edit",
        "/admin/workspaceadmin/add", "/admin/resetmypassword/form"]
    assert len(paths) > 20, paths  # the menu was read
    for path in paths:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        pages[path] = page.evaluate("document.documentElement.scrollWidth")
    wide = {path: width for path, width in pages.items() if width > 360}
    if wide:
        shot(page, "admin-phone-last")
    assert not wide, f"admin pages wider than the 360 px screen: {wide}"
