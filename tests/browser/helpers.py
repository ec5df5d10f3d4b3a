"""Helpers of the browser tests: device settings and a signed-in browser."""

import re

from tests.admin.conftest import PASSWORD
from tests.factories import login_as

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


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
