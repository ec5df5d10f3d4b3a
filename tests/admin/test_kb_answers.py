"""Knowledge base > Answers: the questions customers asked with the answers, sources and
ratings they got, and the questions without an answer (knowledge gaps), over a period, for
admins and agents of the workspace only."""

import re
from datetime import timedelta

from portal.extensions import db
from portal.models import KbAnswer
from portal.models.base import utcnow
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import make_contact

URL = "/admin/kb/answers/"


def table(page: str, table_id: str) -> str:
    return re.search(rf'<table[^>]*id="{table_id}">(.*?)</table>', page, re.S).group(1)


def gap_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr><td>([^<]*)</td><td>(\d+)</td>", table(page, "answer-gaps"))


def stored(ws, question, answer=None, sources=(), *, helpful=None, days_ago=0, contact=None):
    with use_workspace(ws.id):
        db.session.add(KbAnswer(workspace_id=ws.id, locale="en-US", question=question,
                                answer=answer, source_ids=list(sources), helpful=helpful,
                                contact_id=contact.id if contact else None,
                                created_at=utcnow() - timedelta(days=days_ago, hours=1)))
        db.session.commit()


def test_recent_answers_with_sources_and_ratings_and_the_gaps(staff, acme, globex):
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Reset your password",
                                body="Open the sign-in page.", status="published")
    contact = make_contact(acme, "c@acme.example")
    stored(acme, "How do I reset my password?", "Open the sign-in page.", [article.id],
           helpful=True, contact=contact)
    stored(acme, "password reset", "Open the sign-in page.", [article.id], helpful=False)
    stored(acme, "Refund policy?", days_ago=1)
    stored(acme, "refund policy?", days_ago=2)  # the same question in other case
    stored(acme, "Do you ship to Mars?", days_ago=3)
    stored(acme, "Old question", days_ago=40)
    stored(globex, "Globex secret question")

    for role in ("agent", "admin"):
        page = staff(role, acme).get(URL + "?days=7")
        assert page.status_code == 200
        text = page.text
        assert gap_rows(text) == [("refund policy?", "2"), ("do you ship to mars?", "1")]
        recent = table(text, "recent-answers")
        assert recent.index("How do I reset my password?") < recent.index("Refund policy?")
        assert "Reset your password" in recent and f"/admin/kb/articles/{article.id}" in recent
        assert "Helpful" in recent and "Not helpful" in recent and "No answer" in recent
        assert "5 questions, 2 answered; rated helpful 1 times, not helpful 1 times." in text
        assert "Globex secret" not in text and "Old question" not in text
    assert ("old question", "1") in gap_rows(staff("agent", acme).get(URL + "?days=90").text)


def test_questions_asked_over_the_api_show_up(client, staff, acme, jobs):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(acme.id):
        articles.save(acme, locale="en-US", title="Connect to the VPN", status="published",
                      body="Install the VPN client. Sign in to the VPN client.")
    jobs()
    url = "/api/v1/workspaces/acme/answers"
    assert client.post(url, json={"question": "How do I install the VPN client?"}
                       ).get_json()["answer"]
    assert client.post(url, json={"question": "zzqx flurble"}).get_json()["answer"] is None
    text = staff("agent", acme).get(URL).text
    assert gap_rows(text) == [("zzqx flurble", "1")]
    assert "Install the VPN client." in table(text, "recent-answers")


def test_the_answers_page_is_for_staff_only(app, acme):
    from tests.admin.conftest import new_client

    resp = new_client(app).get(URL)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
