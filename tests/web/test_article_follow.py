"""Article Follow in the portal (issue 14, part 4): the Subscribe control below the title
only with the snap-in installed and the toggle on, for native articles; signed out it
goes through sign-in and subscribes on return; signed in it toggles; the cached anonymous
page is the same for everyone."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.extensions import db
from portal.services import article_follow, articles, snap_ins
from portal.tenancy import use_workspace
from portal.web import kb_follow
from tests.codes import web_sign_in
from tests.conftest import csrf_from
from tests.factories import follow_on, login_as, make_contact

BASE = "/en-US/acme/articles"


@pytest.fixture
def guide(acme, jobs):
    follow_on(acme)
    with use_workspace(acme.id):
        found = articles.save(acme, locale="en-US", title="Replace the toner",
                              body="Open the cover.", status="published", audience="public")
        articles.save(acme, locale="en-US", title="Status page", body="", kind="link",
                      link_url="https://status.example.com/", status="published")
        db.session.commit()
    jobs()
    return found


def subscribed(ws, article, contact) -> bool:
    with use_workspace(ws.id):
        return article_follow.is_subscribed(ws, article, contact)


def test_signed_out_subscribe_goes_through_sign_in_and_subscribes(client, acme, guide):
    kim = make_contact(acme, "kim@customer.example")
    page = client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    assert f'href="{BASE}/replace-the-toner/subscribe"' in page
    again = client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    assert again == page  # the cached anonymous page: the same link for everyone
    response = client.get(f"{BASE}/replace-the-toner/subscribe")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/en-US/acme/signin"
    next_url = parse_qs(target.query)["next"][0]
    assert next_url == f"{BASE}/replace-the-toner/subscribe"
    assert not subscribed(acme, guide, kim)
    done = web_sign_in(client, acme, "kim@customer.example", next_url=next_url)
    assert done.headers["Location"].endswith(next_url)
    back = client.get(next_url)
    assert back.status_code == 302 and back.headers["Location"].endswith(
        f"{BASE}/replace-the-toner")
    assert subscribed(acme, guide, kim)
    page = client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    assert "Unsubscribe" in page and 'name="subscribe" value="0"' in page


def test_a_signed_in_get_of_the_link_only_asks(client, acme, guide):
    """Only the return from sign-in subscribes by GET: a link from elsewhere asks first."""
    kim = make_contact(acme, "kim@customer.example")
    login_as(client, kim)
    asked = client.get(f"{BASE}/replace-the-toner/subscribe")
    assert asked.status_code == 200 and not subscribed(acme, guide, kim)
    page = asked.get_data(as_text=True)
    assert f'action="{BASE}/replace-the-toner/subscription"' in page
    client.post(f"{BASE}/replace-the-toner/subscription",
                data={"subscribe": "1", "csrf_token": csrf_from(page)})
    assert subscribed(acme, guide, kim)


def test_signed_in_toggles_with_csrf(client, acme, guide):
    kim = make_contact(acme, "kim@customer.example")
    login_as(client, kim)
    page = client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    assert 'name="subscribe" value="1"' in page
    url = f"{BASE}/replace-the-toner/subscription"
    assert client.post(url, data={"subscribe": "1"}).status_code == 400  # no CSRF token
    assert not subscribed(acme, guide, kim)
    client.post(url, data={"subscribe": "1", "csrf_token": csrf_from(page)})
    assert subscribed(acme, guide, kim)
    page = client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    client.post(url, data={"subscribe": "0", "csrf_token": csrf_from(page)})
    assert not subscribed(acme, guide, kim)


def test_no_control_without_the_snap_in_the_toggle_or_a_native_article(client, acme, guide):
    kim = make_contact(acme, "kim@customer.example")
    assert "/subscribe" not in client.get(f"{BASE}/status-page").get_data(as_text=True)
    assert "/subscribe" in client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    snap_ins.set_installed(acme, snap_ins.ARTICLE_FOLLOW, False)  # the cached page changes
    assert "/subscribe" not in client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    login_as(client, kim)
    assert client.get(f"{BASE}/replace-the-toner/subscribe").status_code == 404
    assert not subscribed(acme, guide, kim)
    follow_on(acme, installed=True, toggle=False)
    assert "/subscription" not in client.get(f"{BASE}/replace-the-toner").get_data(as_text=True)
    assert client.get(f"{BASE}/replace-the-toner/subscribe").status_code == 404


def test_an_old_wish_to_subscribe_only_asks(client, acme, guide, monkeypatch):
    kim = make_contact(acme, "kim@customer.example")
    assert client.get(f"{BASE}/replace-the-toner/subscribe").status_code == 302  # noted
    later = time.time() + kb_follow.WISH_SECONDS + 5
    monkeypatch.setattr(kb_follow.time, "time", lambda: later)
    login_as(client, kim)
    assert client.get(f"{BASE}/replace-the-toner/subscribe").status_code == 200  # asks
    assert not subscribed(acme, guide, kim)
