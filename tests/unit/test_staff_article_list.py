"""The one staff article list (article_lists.staff_page), used by Knowledge base >
Articles and GET /api/v1/article/: every article of the workspace whatever its audience or
status, never another workspace's, filtered by directory, status and kind, newest first,
with the total for paging."""

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.base import utcnow
from portal.services import article_lists, articles, directories
from portal.tenancy import use_workspace


@pytest.fixture
def shelf(acme, globex):
    """Acme: five articles over audiences, statuses, kinds and two directories (updated one
    minute apart, oldest first); Globex: two of the same kinds."""
    made = {}
    with use_workspace(acme.id):
        guides = directories.save_directory(acme, names={"en-US": "Guides"})
        billing = directories.save_directory(acme, names={"en-US": "Billing"})
        rows = [
            ("public-draft", {"audience": "public"}),
            ("verified-published", {"audience": "verified", "status": "published",
                                    "directory_id": guides.id}),
            ("admins-published", {"audience": "admins", "status": "published",
                                  "directory_id": billing.id}),
            ("link", {"kind": "link", "link_url": "https://example.com/help",
                      "directory_id": guides.id}),
            ("guide-draft", {"directory_id": guides.id}),
        ]
        start = utcnow() - timedelta(hours=1)
        for n, (title, fields) in enumerate(rows):
            article = articles.save(acme, locale="en-US", title=title, body="text", **fields)
            article.updated_at = start + timedelta(minutes=n)
            made[title] = article.id
        db.session.commit()
        made["guides"], made["billing"] = guides.id, billing.id
    with use_workspace(globex.id):
        theirs = directories.save_directory(globex, names={"en-US": "Guides"})
        made["globex"] = {
            articles.save(globex, locale="en-US", title="Globex guide", body="x",
                          status="published", directory_id=theirs.id).id,
            articles.save(globex, locale="en-US", title="Globex link", kind="link",
                          link_url="https://example.com").id}
        made["globex-guides"] = theirs.id
    return made


def titles(ws, **filters) -> tuple[int, list[str]]:
    with use_workspace(ws.id):
        page = article_lists.staff_page(ws, **filters)
        return page.total, [articles.main_title(ws, a) for a in page.rows]


def test_every_audience_and_status_newest_first_and_never_another_workspace(shelf, acme):
    total, found = titles(acme)
    assert total == 5
    assert found == ["guide-draft", "link", "admins-published", "verified-published",
                     "public-draft"]


def test_filters_by_directory_status_and_kind_together(shelf, acme):
    assert titles(acme, directory_id=shelf["guides"]) == (
        3, ["guide-draft", "link", "verified-published"])
    assert titles(acme, status="published") == (
        2, ["admins-published", "verified-published"])
    assert titles(acme, kind="link") == (1, ["link"])
    assert titles(acme, directory_id=shelf["guides"], status="draft", kind="native") == (
        1, ["guide-draft"])
    assert titles(acme, directory_id=shelf["billing"], kind="link") == (0, [])


def test_an_unknown_status_or_kind_filters_nothing(shelf, acme):
    assert titles(acme, status="archived", kind="")[0] == 5
    assert titles(acme, status=None, kind="video")[0] == 5


def test_another_workspaces_directory_lists_nothing(shelf, acme, globex):
    assert titles(acme, directory_id=shelf["globex-guides"]) == (0, [])
    total, found = titles(globex, directory_id=shelf["globex-guides"])
    assert (total, found) == (1, ["Globex guide"])


def test_pages_keep_the_total(shelf, acme):
    assert titles(acme, limit=2) == (5, ["guide-draft", "link"])
    assert titles(acme, limit=2, offset=4) == (5, ["public-draft"])
    assert titles(acme, limit=2, offset=10) == (5, [])
