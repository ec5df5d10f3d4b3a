"""The ticket form builder in chromium: the editor shows the settings of the chosen type,
and the preview frame runs the portal's dependent-field script on the draft."""

import json

import pytest

from config import ROOT
from tests.admin.conftest import PASSWORD
from tests.browser.helpers import sign_in_staff
from tests.factories import make_staff

pytestmark = pytest.mark.browser

URL = "/admin/ticketform/"
EXAMPLE = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())


def test_builder_in_chromium(acme, live_server, new_page, shot, db):
    make_staff("builder@staff.example", PASSWORD, "admin", acme)
    db.session.commit()
    page = new_page(viewport={"width": 1366, "height": 900})
    sign_in_staff(page, live_server, "builder@staff.example")
    page.goto(f"{live_server}{URL}")
    page.fill("#draft", json.dumps(EXAMPLE))
    for op in ("json", "edit:1"):
        with page.expect_navigation():
            page.click(f'button[value="{op}"]')
    assert page.is_visible("#e_dep_map") and not page.is_visible("#e_options")
    assert not page.is_visible("#e_min")  # number settings hidden for a select
    frame = page.frame_locator("#preview")
    frame.locator("#cf-category").select_option("hardware")
    frame.locator("#cf-subcategory").select_option("laptop")
    assert frame.locator("#cf-item option").all_inner_texts() == [
        "Choose…", "ThinkPad X1", "MacBook Pro"]
    assert frame.locator('[data-field="order_number"]').is_hidden()
    shot(page, "form-builder")
    # (the admin has no /favicon.ico yet: that 404 is not the builder's)
    assert [e for e in page.console_errors if "404" not in e] == []
