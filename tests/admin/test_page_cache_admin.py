"""Edits made in the admin (Flask-AppBuilder views over the services) show on the next
anonymous request of a cached knowledge-base page (portal.web.page_cache)."""

from portal.extensions import db
from portal.services import portal_settings
from tests.admin.kb_helpers import ARTICLES, article_id, post_article, token

FORM = {"kind": "native", "locale": "en-US", "title": "Reset your password",
        "description": "", "body": "Click **Forgot**.", "status": "published",
        "audience": "public", "directory_id": "", "slug": "reset"}
PAGE = "/en-US/acme/articles/reset"


def anonymous(app, url):
    return app.test_client().get(url)


def test_admin_edits_and_unpublishing_show_on_the_next_anonymous_request(app, staff, acme, jobs):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    client = staff("admin", acme)
    pk = article_id(post_article(client, FORM))
    jobs()  # the search index (related articles): a new one is a new version too
    assert "Forgot" in anonymous(app, PAGE).text
    assert anonymous(app, PAGE).headers["X-Page-Cache"] == "hit"

    post_article(client, {**FORM, "body": "Click **Lost password**."},
                 url=f"{ARTICLES}/{pk}/edit")  # its reindex job stays queued
    edited = anonymous(app, PAGE)
    assert edited.headers["X-Page-Cache"] == "miss" and "Lost password" in edited.text

    resp = client.post(f"{ARTICLES}/{pk}/unpublish", data={"csrf_token": token(client)})
    assert resp.status_code == 303
    assert anonymous(app, PAGE).status_code == 404
