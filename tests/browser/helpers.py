"""Helpers of the browser tests: device settings and a signed-in browser."""

import re

import pytest

from config import ROOT
from tests.admin.conftest import PASSWORD
from tests.factories import login_as

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # scripts/install-test-deps.sh
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page) -> list[dict]:
    """What axe finds on the page (rule id and the elements), with the WCAG 2.2 AA and
    best-practice rules; skips the test when axe-core is not installed."""
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(ROOT)} is missing (scripts/install-test-deps.sh)")
    page.evaluate(AXE.read_text())  # the portal's CSP refuses an injected <script>
    return page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
        .then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target)})))""",
                         AXE_TAGS)


class _CookieCatcher:
    """Stands in for the test client in `login_as`, keeping the cookie it sets."""

    def set_cookie(self, key, value):
        self.cookie = {"name": key, "value": value}


def sign_in_browser(page, live_server, contact) -> None:
    """Give the browser a web session for `contact`, as a finished code sign-in would."""
    catcher = _CookieCatcher()
    login_as(catcher, contact)
    page.context.add_cookies([{**catcher.cookie, "url": live_server}])


def overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def sign_in_staff(page, live_server, email: str, password: str = PASSWORD) -> None:
    """Sign a staff member in through the admin's login form."""
    page.goto(f"{live_server}/admin/login/")
    page.fill("#username", email)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/admin/(?!login)"))
