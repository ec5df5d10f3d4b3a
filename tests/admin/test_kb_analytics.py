"""Knowledge base > Search analytics: top queries, queries with no results, queries whose
results nobody opened, over 7, 30 or 90 days, for the staff member's workspace only."""

import re
from datetime import timedelta

from portal.extensions import db
from portal.models import SearchQuery
from portal.models.base import utcnow
from portal.services import articles
from portal.tenancy import use_workspace

URL = "/admin/kb/search-analytics/"


def log(ws, query, results, *, days_ago=0, opened=None):
    with use_workspace(ws.id):
        db.session.add(SearchQuery(workspace_id=ws.id, locale="en-US", query=query,
                                   results=results, opened_article_id=opened,
                                   created_at=utcnow() - timedelta(days=days_ago, hours=1)))
        db.session.commit()


def table(page: str, table_id: str) -> list[tuple[str, str]]:
    body = re.search(rf'<table[^>]*id="{table_id}">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr><td>([^<]*)</td><td>(\d+)</td>", body)
    return rows


def test_top_empty_and_unopened_queries_over_a_period(staff, acme, globex):
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Reset password",
                                status="published")
        article_id = article.id
    for _ in range(3):
        log(acme, "password", 4)
    log(acme, "password", 4, opened=article_id)
    log(acme, "invoice", 2, days_ago=10)
    log(acme, "invoice", 2, days_ago=12)
    log(acme, "refund policy", 0, days_ago=2)
    log(acme, "old question", 0, days_ago=40)
    log(globex, "globex secret", 0)

    client = staff("agent", acme)
    week = client.get(URL + "?days=7")
    assert week.status_code == 200
    assert table(week.text, "top-queries") == [("password", "4"), ("refund policy", "1")]
    assert table(week.text, "no-result-queries") == [("refund policy", "1")]
    assert table(week.text, "unopened-queries") == []  # password was opened once
    assert "5 searches, 1 without results, 1 with an opened article." in week.text

    month = client.get(URL + "?days=30").text
    assert table(month, "top-queries") == [("password", "4"), ("invoice", "2"),
                                           ("refund policy", "1")]
    assert table(month, "unopened-queries") == [("invoice", "2")]

    quarter = client.get(URL + "?days=90").text
    assert ("old question", "1") in table(quarter, "no-result-queries")
    assert "globex secret" not in quarter

    default = client.get(URL + "?days=1000").text  # not offered: the 30-day view
    assert '<option value="30" selected>' in default


def test_analytics_page_is_for_staff_only(app, acme):
    from tests.admin.conftest import new_client

    resp = new_client(app).get(URL)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
