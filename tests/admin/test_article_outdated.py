"""A translation older than its original (issue 14, part 2): marked outdated to readers
on the portal and to staff in the admin's article list and page."""

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.services import articles
from portal.tenancy import use_workspace
from tests.factories import languages_kb


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def kb(acme):
    return languages_kb(acme)


def test_an_outdated_translation_is_marked_for_readers_and_staff(client, kb, staff, acme):
    admin = staff("admin", acme)
    both = kb["both"]
    french = next(t for t in both.translations if t.locale == "fr-FR")
    assert "kb-language-note" not in text(client.get("/fr-FR/acme/articles/reset-your-password"))
    with use_workspace(both.workspace_id):
        articles.save(acme, article=both, locale="en-US",
                      title="Reset your password", body="Use the new link.",
                      status="published", directory_id=both.directory_id)
        french.updated_at = french.updated_at - timedelta(seconds=1)  # saved before it
        db.session.commit()
    html = text(client.get("/fr-FR/acme/articles/reset-your-password"))
    note = re.search(r'<p class="kb-language-note" role="note">(.*?)</p>', html, re.S).group(1)
    assert 'href="/en-US/acme/articles/reset-your-password" hreflang="en-US"' in note
    assert '<h1 id="article-title">' in html  # its own language: no lang of its own
    assert "kb-language-note" not in text(client.get("/en-US/acme/articles/reset-your-password"))
    listing = admin.get("/admin/kb/articles/").get_data(as_text=True)
    assert re.search(r'fr-FR <span class="label label-warning">outdated</span>', listing)
    shown = admin.get(f"/admin/kb/articles/{both.id}").get_data(as_text=True)
    assert "Outdated: older than the original" in shown


