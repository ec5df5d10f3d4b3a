"""The JWT hand-off in a real browser: the host application's server asks the portal's API
for a sign-in link with its application token (here over HTTP, as a server would), then
sends its user's browser there; the browser lands signed in on `next`. The link works
once: a second visit shows the refusal page and signs nobody in."""

import json
import re
import urllib.request

import pytest

from portal.auth import app_tokens
from portal.extensions import db
from portal.tenancy import use_workspace
from tests.browser.helpers import DESKTOP, PHONE
from tests.factories import make_contact

pytestmark = pytest.mark.browser


def host_application_asks(live_server: str, secret: str, **body) -> dict:
    """The host application's server step: POST auth/jwt with its application token."""
    request = urllib.request.Request(
        f"{live_server}/api/v1/workspaces/acme/auth/jwt", method="POST",
        data=json.dumps(body).encode(), headers={"Authorization": f"Bearer {secret}",
                                                  "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
        assert answer.status == 200
        return json.loads(answer.read())


@pytest.fixture
def handed_over(app, acme, globex, live_server, monkeypatch):
    """acme with the hand-off on, a customer, and an application token; links point at the
    live server (its BASE_URL)."""
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    make_contact(acme, "pat@customer.example", name="Pat Lee")
    acme.sign_in_jwt = True
    db.session.commit()
    with use_workspace(acme.id):
        _row, secret = app_tokens.create(acme, "host app")
    db.session.rollback()  # end the read so the server thread may write
    return secret


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_sign_in_link_lands_signed_in_on_next(handed_over, live_server, new_page, shot,
                                                  device):
    answer = host_application_asks(live_server, handed_over, email="pat@customer.example",
                                   next="/en-US/acme/tickets")
    assert answer["sign_in_url"].startswith(f"{live_server}/en-US/acme/signin/token?token=")
    page = new_page(**(DESKTOP if device == "desktop" else PHONE))
    page.goto(answer["sign_in_url"])
    page.wait_for_url(re.compile(r"/en-US/acme/tickets$"))
    assert page.locator("header details.profile-menu .profile-name").inner_text() == "Pat Lee"
    assert page.get_by_text("You are signed in.").is_visible()
    assert page.locator("header").get_by_role("link", name="Sign in").count() == 0
    shot(page, f"jwt-handoff-signed-in-{device}")
    assert page.console_errors == []

    other = new_page(**DESKTOP)  # the same link again, in another browser: refused
    response = other.goto(answer["sign_in_url"])
    assert response.status == 401
    assert "invalid, expired or already used" in other.content()
    other.goto(f"{live_server}/en-US/acme/profile")
    assert "/signin" in other.url


def test_an_unsafe_next_gets_no_link(handed_over, live_server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        host_application_asks(live_server, handed_over, email="pat@customer.example",
                              next="//evil.example/")
    assert refused.value.code == 422
    assert json.loads(refused.value.read())["details"]["field"] == "next"
