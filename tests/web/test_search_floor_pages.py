"""A search the knowledge base cannot answer (the relevance floor, issue 14): the search
page says so and offers "+ Ticket" when the reader may open one, logs the query with no
results; the customer API keeps its shape with "results": []; suggestions (the hero box
and the ticket title) list nothing."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import SearchQuery
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import login_as, make_contact

NONSENSE = "download printer toner cartridge"  # one article word of four


def settings(ws, **values):
    portal_settings.change(ws, values)
    db.session.commit()


@pytest.fixture
def kb(acme, jobs):
    settings(acme, **{"features.knowledge_base": "public", "features.tickets": "public"})
    with use_workspace(acme.id):
        for title, body in (("Connect to the VPN", "Install the VPN client and sign in."),
                            ("Reset your password", "Use the reset link on the sign-in page."),
                            ("Download invoices", "Invoices are on the billing page.")):
            articles.save(acme, locale="en-US", title=title, body=body, status="published",
                          audience="public")
        db.session.commit()
    jobs()


def page(client, q):
    return client.get("/en-US/acme/search", query_string={"q": q}).get_data(as_text=True)


def test_no_results_says_so_offers_a_ticket_and_is_logged_as_such(client, kb, acme):
    html = page(client, NONSENSE)
    assert "0 articles found" in html and "No article answers your search." in html
    assert 'href="/en-US/acme/tickets/new">+ Ticket</a>' in html
    assert "kb-results" not in html
    assert "Connect to the VPN" in page(client, "vpn")  # an answerable one lists its answer
    with use_workspace(acme.id):
        logged = {q.query: q.results for q in db.session.scalars(select(SearchQuery))}
    assert logged[NONSENSE] == 0 and logged["vpn"] >= 1


def test_no_ticket_offer_when_the_reader_may_not_open_one(client, kb, acme):
    settings(acme, **{"features.tickets": "off"})
    html = page(client, NONSENSE)
    assert "No article answers your search." in html and "+ Ticket" not in html
    settings(acme, **{"features.tickets": "private"})  # signed out: sign in first
    assert "+ Ticket" not in page(client, NONSENSE)
    login_as(client, make_contact(acme, "pat@acme.example"))
    assert 'href="/en-US/acme/tickets/new">+ Ticket</a>' in page(client, NONSENSE)


def test_api_search_keeps_its_shape_with_empty_results(client, kb):
    for mode in ("hybrid", "keyword", "semantic"):
        body = client.get("/api/v1/workspaces/acme/articles/search",
                          query_string={"q": NONSENSE, "mode": mode}).get_json()
        assert body == {"mode": mode, "total": 0, "results": []}
    body = client.get("/api/v1/workspaces/acme/articles/search",
                      query_string={"q": "vpn"}).get_json()
    assert body["results"][0]["title"] == "Connect to the VPN"


def test_suggestions_and_ticket_title_suggestions_list_nothing_unrelated(client, kb):
    # the hero box and the + Ticket title ask the same endpoint
    suggest = "/en-US/acme/search/suggest"
    assert client.get(suggest, query_string={"q": "download toner cartr"}).get_json() == {
        "results": []}
    found = client.get(suggest, query_string={"q": "reset passw"}).get_json()["results"]
    assert [r["title"] for r in found][:1] == ["Reset your password"]
