"""Knowledge base > Synonyms (issue 14, part 5): admins add, edit and delete synonym groups
per language; agents may not; and the Search analytics page proposes synonyms from searches
that found nothing, followed by the same visitor's search whose result they opened."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import SearchQuery, SearchSynonym
from portal.models.base import utcnow
from portal.search import analytics, synonyms
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf

URL = "/admin/kb/synonyms/"
ANALYTICS = "/admin/kb/search-analytics/"


def groups(ws):
    with use_workspace(ws.id):
        return db.session.execute(select(SearchSynonym.locale, SearchSynonym.terms)
                                  .order_by(SearchSynonym.id)).all()


def test_admin_adds_edits_and_deletes_groups(staff, acme, globex):
    admin = staff("admin", acme)
    page = admin.get(URL)
    assert page.status_code == 200 and "No synonyms yet." in page.text
    token = fab_csrf(page.text)
    data = {"locale": "en-US", "terms": "Bill = Invoice, receipt"}
    assert admin.post(URL, data=data).status_code == 400  # no CSRF token
    assert groups(acme) == []
    done = admin.post(URL, data={**data, "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith(URL)
    assert groups(acme) == [("en-US", "bill, invoice, receipt")]
    assert "Synonyms added: bill, invoice, receipt." in admin.get(URL).text

    refused = admin.post(URL, data={"locale": "de-DE", "terms": "rechnung",
                                    "csrf_token": token})
    assert refused.status_code == 422
    assert "Enter at least two different terms" in refused.text
    assert 'value="rechnung"' in refused.text  # what was typed is kept
    assert admin.post(URL, data={"locale": "xx-XX", "terms": "a1, b1", "csrf_token": token}
                      ).status_code == 422

    (group_id,) = [r.id for r in synonyms.listed(acme)]
    changed = admin.post(f"{URL}{group_id}", data={"locale": "de-DE",
                                                   "terms": "rechnung, quittung",
                                                   "csrf_token": token})
    assert changed.status_code == 303
    assert groups(acme) == [("de-DE", "rechnung, quittung")]
    bad = admin.post(f"{URL}{group_id}", data={"locale": "de-DE", "terms": "rechnung",
                                               "csrf_token": token})
    assert bad.status_code == 422 and 'value="rechnung"' in bad.text
    assert groups(acme) == [("de-DE", "rechnung, quittung")]

    other = synonyms.add(globex, "en-US", "globex, secret")
    for url in (f"{URL}{other.id}", f"{URL}{other.id}/delete"):
        assert admin.post(url, data={"locale": "en-US", "terms": "x1, y1",
                                     "csrf_token": token}).status_code == 404
    assert "globex, secret" not in admin.get(URL).text
    assert groups(globex) == [("en-US", "globex, secret")]

    assert admin.post(f"{URL}{group_id}/delete", data={}).status_code == 400  # no token
    gone = admin.post(f"{URL}{group_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303 and groups(acme) == []


def test_agents_and_signed_out_visitors_change_nothing(app, staff, acme):
    from tests.admin.conftest import new_client

    row = synonyms.add(acme, "en-US", "bill, invoice")
    agent = staff("agent", acme)
    assert agent.get(URL).status_code in (302, 403)
    token = fab_csrf(agent.get("/admin/resetmypassword/form").text)
    for url in (URL, f"{URL}{row.id}", f"{URL}{row.id}/delete"):
        resp = agent.post(url, data={"locale": "en-US", "terms": "a1, b1", "csrf_token": token})
        assert resp.status_code in (302, 403)
        assert new_client(app).post(url, data={"locale": "en-US", "terms": "a1, b1"}
                                    ).status_code in (302, 400, 401)
    assert groups(acme) == [("en-US", "bill, invoice")]
    assert URL not in agent.get(ANALYTICS).text  # no menu entry either
    assert URL in staff("admin", acme).get(ANALYTICS).text


@pytest.fixture
def guide(acme):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Download your invoice",
                                body="Open the account page and choose Download PDF.",
                                status="published", audience="public")
        db.session.commit()
        return article


def log(ws, visitor, query, results, minutes, opened=None, locale="en-US"):
    with use_workspace(ws.id):
        db.session.add(SearchQuery(workspace_id=ws.id, locale=locale, query=query,
                                   results=results, visitor=visitor, opened_article_id=opened,
                                   created_at=utcnow() - timedelta(hours=2)
                                   + timedelta(minutes=minutes)))
        db.session.commit()


def test_proposals_from_searches_that_found_nothing(acme, globex, guide):
    since = utcnow() - timedelta(days=1)
    for visitor in ("v1", "v2"):  # nothing for "my bill", then "my invoice" opened
        log(acme, visitor, "my bill", 0, 0)
        log(acme, visitor, "my invoice", 1, 3, opened=guide.id)
    log(acme, "v3", "bill", 0, 0)  # opened 20 minutes later: not one search after another
    log(acme, "v3", "invoice", 1, 20, opened=guide.id)
    log(acme, "v4", "statement", 0, 0)  # another visitor opened: not this one's way
    log(acme, "v5", "invoice", 1, 1, opened=guide.id)
    log(acme, "v6", "refund", 0, 0)  # the same words and more: nothing to propose
    log(acme, "v6", "refund policy", 1, 1, opened=guide.id)
    log(acme, "v7", "rechnung", 0, 0, locale="de-DE")  # another language
    log(acme, "v7", "invoice", 1, 1, opened=guide.id)
    log(acme, None, "receipt", 0, 0)  # no visitor key (logged before there was one)
    log(acme, None, "invoice", 1, 1, opened=guide.id)
    log(globex, "v1", "globex bill", 0, 0)
    log(globex, "v1", "globex invoice", 1, 1)
    found = analytics.proposals(acme, since)
    assert [(p.locale, p.missing, p.found, p.article_id, p.title, p.visitors, p.terms)
            for p in found] == [("en-US", "bill", "invoice", guide.id,
                                 "Download your invoice", 2, "bill, invoice")]
    assert analytics.proposals(globex, since) == []
    synonyms.add(acme, "en-US", "invoice, receipt, bill")
    assert analytics.proposals(acme, since) == []  # a group holds both already


def test_one_click_add_from_the_analytics_page(staff, acme, guide):
    for visitor in ("v1", "v2"):
        log(acme, visitor, "bill", 0, 0)
        log(acme, visitor, "invoice", 1, 2, opened=guide.id)
    agent_page = staff("agent", acme).get(ANALYTICS + "?days=7").text
    assert "Download your invoice" in agent_page and "Add synonym" not in agent_page
    admin = staff("admin", acme)
    page = admin.get(ANALYTICS + "?days=7").text
    table = re.search(r'<table[^>]*id="synonym-proposals">(.*?)</table>', page, re.S).group(1)
    assert "<td>bill</td><td>invoice</td><td>Download your invoice</td><td>2</td>" in table
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', table))
    assert form == {"csrf_token": form["csrf_token"], "locale": "en-US",
                    "terms": "bill, invoice", "back": "analytics", "days": "7"}
    done = admin.post(URL, data=form)
    assert done.status_code == 303 and done.headers["Location"].endswith(ANALYTICS + "?days=7")
    assert groups(acme) == [("en-US", "bill, invoice")]
    again = admin.get(ANALYTICS + "?days=7").text
    assert "No proposals in this period." in again


def test_portal_searches_carry_one_visitor_key_per_reader(client, app, acme, guide, jobs):
    db.session.commit()
    jobs()
    assert client.get("/en-US/acme/search?q=bill").status_code == 200
    html = client.get("/en-US/acme/search?q=invoice").text
    link = re.search(r'href="(/en-US/acme/articles/[^"?]+\?sq=\d+)"', html).group(1)
    assert client.get(link.replace("&amp;", "&")).status_code == 302
    other = app.test_client()
    other.get("/en-US/acme/search?q=bill", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    with use_workspace(acme.id):
        rows = db.session.execute(select(SearchQuery.query, SearchQuery.results,
                                         SearchQuery.visitor).order_by(SearchQuery.id)).all()
    assert [(q, n > 0) for q, n, _v in rows] == [("bill", False), ("invoice", True),
                                                ("bill", False)]
    keys = [v for _q, _n, v in rows]
    assert keys[0] == keys[1] and keys[0] != keys[2] and len(keys[0]) == 32
    found = analytics.proposals(acme, utcnow() - timedelta(hours=1))
    assert [(p.missing, p.found, p.visitors) for p in found] == [("bill", "invoice", 1)]
