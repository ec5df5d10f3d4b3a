"""The identity pages (issue 13) in chromium at 360 px: the sign-in page with a single
sign-on button, the workspace picker, the sessions list, the customer admin's console, and
the admin's Sign-in and Application tokens settings. axe finds nothing and no page scrolls
sideways."""

import json

import pytest

from portal.auth import app_tokens
from portal.extensions import db
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD
from tests.browser.helpers import NARROW, axe_violations, overflow, sign_in_browser, sign_in_staff
from tests.factories import make_account, make_contact, make_staff
from tests.saml_idp import TestIdP, add_idp
from tests.tickets_helpers import open_ticket

pytestmark = pytest.mark.browser


def checked(page, url: str, shot, name: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    shot(page, name)
    width, viewport = overflow(page)
    assert width <= viewport, (url, width)
    assert axe_violations(page) == [], url


def test_customer_identity_pages(acme, globex, live_server, new_page, shot, client, tmp_path):
    add_idp(acme, TestIdP(tmp_path / "idp"), client, name="Corporate")
    account = make_account(acme, "Acme Customer Inc")
    admin = make_contact(acme, "ada@customer.example", name="Ada Admin", account=account,
                         customer_admin=True)
    member = make_contact(acme, "bo@customer.example", name="Bo Member", account=account)
    make_contact(globex, "ada@customer.example", name="Ada at Globex")
    open_ticket(acme, member, "Printer on fire")
    db.session.commit()
    page = new_page(**NARROW)
    checked(page, f"{live_server}/en-US/acme/signin", shot, "identity-signin-sso")
    assert page.get_by_role("link", name="Corporate").count() + page.get_by_role(
        "button", name="Corporate").count() >= 1
    sign_in_browser(page, live_server, admin)
    checked(page, f"{live_server}/en-US/acme/profile/workspaces", shot, "identity-picker")
    assert page.get_by_role("button", name="Globex Help").is_visible()
    checked(page, f"{live_server}/en-US/acme/profile/sessions", shot, "identity-sessions")
    checked(page, f"{live_server}/en-US/acme/account", shot, "identity-console")
    assert page.get_by_role("cell", name="Bo Member", exact=True).is_visible()


def test_admin_identity_pages(acme, live_server, new_page, shot):
    make_staff("idadmin@staff.example", PASSWORD, "admin", acme)
    with use_workspace(acme.id):
        app_tokens.create(acme, "Host app")
    db.session.commit()
    page = new_page(**NARROW)
    sign_in_staff(page, live_server, "idadmin@staff.example")
    for path, name in (("/admin/signinsettings/", "admin-sign-in-settings"),
                       ("/admin/apptokens/", "admin-app-tokens")):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        shot(page, name)
        width, viewport = overflow(page)
        assert width <= viewport, (path, width)
        found = axe_violations(page)
        assert found == [], json.dumps([path, found])[:3000]
