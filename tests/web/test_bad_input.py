"""Values no row can have in a portal URL are a themed 404 page, odd query values a page
with a message, never a server error (cases tests/web/test_url_probe.py found)."""

import pytest
from sqlalchemy import select

from portal.models import Contact
from portal.services import actors, articles, attachments, portal_settings, timeline
from portal.tenancy import use_workspace
from tests.conftest import csrf_from
from tests.tickets_helpers import open_ticket

BIG = 2**63  # beyond SQLite's integer; PostgreSQL's ends at 2**31
NUMBERS = (BIG, 2**31, 10**30)


def themed_404(response) -> bool:
    html = response.get_data(as_text=True)
    return response.status_code == 404 and response.mimetype == "text/html" and \
        "Page not found" in html and 'class="site-header"' in html


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("path", ["/tickets/{n}", "/tickets/{n}/thread", "/tickets/{n}/events",
                                  "/tickets/{n}/files/1", "/tickets/1/files/{n}"])
def test_ticket_pages_of_numbers_no_ticket_can_have_are_a_themed_404(customer_client, acme,
                                                                    path, number):
    assert themed_404(customer_client.get("/en-US/acme" + path.format(n=number)))


@pytest.mark.parametrize("action", ["close", "reopen", "comments"])
def test_changes_to_tickets_no_ticket_can_be_are_a_themed_404(customer_client, acme, action):
    token = csrf_from(customer_client.get("/en-US/acme/tickets/new").get_data(as_text=True))
    response = customer_client.post(f"/en-US/acme/tickets/{BIG}/{action}",
                                    data={"csrf_token": token, "body": "Hello"})
    assert themed_404(response)


def test_a_file_of_a_real_ticket_with_an_impossible_id_is_a_404(customer_client, acme, db):
    with use_workspace(acme.id):
        pat = db.session.scalar(select(Contact).where(Contact.email == "pat@customer.example"))
        found = open_ticket(acme, pat)
        timeline.add_comment(found, actors.customer(pat), "Log.",
                             files=attachments.check_all(acme, [("log.txt", b"x\n")]))
    base = f"/en-US/acme/tickets/{found.number}/files"
    for file_id in NUMBERS:
        assert themed_404(customer_client.get(f"{base}/{file_id}"))


def test_demo_outbox_message_no_row_can_be_is_a_404(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "development")
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    for message_id in NUMBERS:
        response = client.get(f"/outbox/{message_id}")
        assert response.status_code == 404 and response.mimetype == "text/html"


def test_a_search_link_that_cannot_be_opens_the_article_all_the_same(client, acme, db):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Printer setup", body="Plug it in.",
                                status="published")
        db.session.commit()
    for sq in ("\u00b2", str(BIG), "-1", "x"):  # "²" passed str.isdigit() and broke int()
        response = client.get(f"/en-US/acme/articles/{article.slug}?sq={sq}")
        assert response.status_code == 200 and "Printer setup" in response.get_data(
            as_text=True), sq


def test_search_words_no_database_stores_are_a_message(client, acme, db):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    response = client.get("/en-US/acme/search?q=printer%00setup")
    assert response.status_code == 200
    assert "The text contains a NUL character." in response.get_data(as_text=True)
    suggest = client.get("/en-US/acme/search/suggest?q=a%00b")
    assert suggest.status_code == 200 and suggest.get_json() == {"results": []}


def test_ticket_list_filters_left_empty_are_no_filter_and_odd_ones_a_message(customer_client,
                                                                              acme):
    base = "/en-US/acme/tickets"
    page = customer_client.get(f"{base}?scope=mine&stage=&priority=&q=&sort=newest")
    assert page.status_code == 200
    refused = customer_client.get(f"{base}?stage=\u00b2&sort={BIG}")
    assert refused.status_code == 302 and refused.headers["Location"] == base
    assert "Unknown" in customer_client.get(base).get_data(as_text=True)
