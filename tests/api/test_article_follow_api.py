"""Article Follow over the customer API: PUT and DELETE .../articles/<key>/subscription
with a bearer token; 404 for an article the caller may not read, a link article, the
snap-in missing or the toggle off, another workspace's token."""

import pytest

from portal.extensions import db
from portal.services import article_follow, articles, portal_settings, snap_ins
from portal.tenancy import use_workspace
from tests.factories import api_token, follow_on, make_contact

BASE = "/api/v1/workspaces/acme/articles"


@pytest.fixture
def site(acme, globex, jobs):
    follow_on(acme)
    with use_workspace(acme.id):
        made = {
            "guide": articles.save(acme, locale="en-US", title="Replace the toner",
                                   body="Open the cover.", status="published"),
            "admins": articles.save(acme, locale="en-US", title="Admin keys", body="Keys.",
                                    status="published", audience="admins"),
            "link": articles.save(acme, locale="en-US", title="Status page", body="",
                                  kind="link", link_url="https://status.example.com/",
                                  status="published"),
        }
        db.session.commit()
    jobs()
    return made


def auth(contact) -> dict:
    return {"Authorization": f"Bearer {api_token(contact)}"}


def subscribed(ws, article, contact) -> bool:
    with use_workspace(ws.id):
        return article_follow.is_subscribed(ws, article, contact)


def test_put_and_delete(client, acme, site):
    kim = make_contact(acme, "kim@customer.example")
    url = f"{BASE}/{site['guide'].id}/subscription"
    assert client.put(url).status_code == 401
    put = client.put(url, headers=auth(kim))
    assert put.status_code == 200
    assert put.get_json() == {"article_id": site["guide"].id, "subscribed": True}
    assert client.put(url, headers=auth(kim)).status_code == 200  # idempotent
    assert subscribed(acme, site["guide"], kim)
    by_slug = client.delete(f"{BASE}/replace-the-toner/subscription", headers=auth(kim))
    assert by_slug.get_json() == {"article_id": site["guide"].id, "subscribed": False}
    assert not subscribed(acme, site["guide"], kim)


def test_not_visible_not_native_or_off_is_404(client, acme, globex, site):
    kim = make_contact(acme, "kim@customer.example")
    headers = auth(kim)
    assert client.put(f"{BASE}/{site['admins'].id}/subscription",
                      headers=headers).status_code == 404
    assert client.put(f"{BASE}/{site['link'].id}/subscription",
                      headers=headers).status_code == 404
    assert client.put(f"{BASE}/999999/subscription", headers=headers).status_code == 404
    stranger = make_contact(globex, "sam@globex.example")
    assert client.put(f"{BASE}/{site['guide'].id}/subscription",
                      headers=auth(stranger)).status_code == 404
    snap_ins.set_installed(acme, snap_ins.ARTICLE_FOLLOW, False)
    gone = client.put(f"{BASE}/{site['guide'].id}/subscription", headers=headers)
    assert gone.status_code == 404 and gone.is_json
    snap_ins.set_installed(acme, snap_ins.ARTICLE_FOLLOW, True)
    portal_settings.change(acme, {"features.article_subscriptions": False})
    db.session.commit()
    assert client.put(f"{BASE}/{site['guide'].id}/subscription",
                      headers=headers).status_code == 404
    assert not subscribed(acme, site["guide"], kim)
