"""Article Follow in the admin (issue 14, part 4): Settings > Snap-ins installs and
uninstalls it (admins only); portal settings say the toggle needs it; the article page
shows its Subscribers and Publish & Notify; the staff API's publish-notify."""

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.base import utcnow
from portal.services import article_follow, articles, snap_ins
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf
from tests.factories import follow_on, make_contact

SNAP = "/admin/snapins/"


@pytest.fixture
def guide(acme, jobs):
    follow_on(acme, installed=False)
    with use_workspace(acme.id):
        found = articles.save(acme, locale="en-US", title="Replace the toner",
                              body="Open the cover.", status="draft", audience="public")
        db.session.commit()
    jobs()
    return found


def test_admin_installs_and_uninstalls_the_snap_in(staff, acme, globex, guide):
    admin = staff("admin", acme)
    page = admin.get("/admin/portalsettings/")
    assert "Has no effect until the Article Follow snap-in is installed" in page.text
    page = admin.get(SNAP)
    assert page.status_code == 200 and "Article Follow" in page.text
    assert "Not installed" in page.text
    token = fab_csrf(page.text)
    assert admin.post(SNAP + "article_follow", data={"install": "1"}).status_code == 400
    done = admin.post(SNAP + "article_follow", data={"install": "1", "csrf_token": token})
    assert done.status_code == 303
    db.session.expire_all()
    assert snap_ins.installed(acme, snap_ins.ARTICLE_FOLLOW)
    assert not snap_ins.installed(globex, snap_ins.ARTICLE_FOLLOW)
    assert "Has no effect until" not in admin.get("/admin/portalsettings/").text
    admin.post(SNAP + "article_follow", data={"install": "0", "csrf_token": token})
    db.session.expire_all()
    assert not snap_ins.installed(acme, snap_ins.ARTICLE_FOLLOW)
    assert admin.post(SNAP + "nothing", data={"install": "1", "csrf_token": token}
                      ).status_code == 404


def test_agents_cannot_install(staff, acme):
    agent = staff("agent", acme)
    assert agent.get(SNAP).status_code in (302, 403)
    assert not snap_ins.installed(acme, snap_ins.ARTICLE_FOLLOW)


def test_article_page_subscribers_and_publish_notify(staff, acme, guide):
    snap_ins.set_installed(acme, snap_ins.ARTICLE_FOLLOW, True)
    with use_workspace(acme.id):
        article_follow.subscribe(acme, guide, make_contact(acme, "kim@customer.example"))
    admin = staff("admin", acme)
    url = f"/admin/kb/articles/{guide.id}"
    page = admin.get(url)
    assert 'id="article-subscribers">1: kim@customer.example' in page.text
    done = admin.post(f"{url}/publish-notify", data={"comment": "New cover steps",
                                                      "csrf_token": fab_csrf(page.text)})
    assert done.status_code == 303
    db.session.expire_all()
    with use_workspace(acme.id):
        assert articles.get(acme, guide.id).status == "published"
        row = article_follow.pending(acme, guide)
    assert row.comment == "New cover steps"
    assert row.due_at > utcnow() + timedelta(seconds=290)


def test_no_subscribers_field_without_the_snap_in(staff, acme, guide):
    page = staff("admin", acme).get(f"/admin/kb/articles/{guide.id}")
    assert "article-subscribers" not in page.text and "publish-notify" not in page.text


def test_staff_api_publish_notify(api, acme, globex, guide):
    client, headers = api("admin", acme)
    url = f"/api/v1/article/{guide.id}/publish-notify"
    assert client.post(url, json={"comment": "x"}, headers=headers).status_code == 404
    snap_ins.set_installed(acme, snap_ins.ARTICLE_FOLLOW, True)
    first = client.post(url, json={"comment": "First"}, headers=headers)
    assert first.status_code == 202, first.text
    again = client.post(url, json={"comment": "Second"}, headers=headers)
    assert again.get_json()["result"]["due_at"] == first.get_json()["result"]["due_at"]
    assert again.get_json()["result"]["comment"] == "Second"
    assert client.post(url, json={"comment": 5}, headers=headers).status_code == 422
    other, other_headers = api("admin", globex)
    assert other.post(url, json={}, headers=other_headers).status_code == 404
    agent, agent_headers = api("agent", acme)
    assert agent.post(url, json={}, headers=agent_headers).status_code == 403
