"""How many SQL statements a page costs (issue 11, docs/PERFORMANCE.md "Page profile").

The counts are pinned, and they must not grow with what the page lists: a lazy load per
row, or the page loading its rows again after a commit expired them, fails here first.

The workspace lookup is not in the pins: a page makes it at most once, and on a SQLite file
not at all while nothing was committed since the last one (portal.sqlite_changes), so how
many a page makes depends on what happened before it (and on the database).
"""

import re

import pytest
from sqlalchemy import event, inspect, select

from portal.extensions import db
from portal.models import Article, ArticleTranslation, Directory
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import login_as, make_account, make_contact
from tests.tickets_helpers import open_ticket
from tests.web.helpers import Statements


def get(client, url, **kwargs):
    """The answer and the statements it cost, but for the workspace lookup (at most one)."""
    with Statements() as sql:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response, sql.drop_workspace_lookup()


def same_page(one, other) -> bool:
    """The same HTML but for the CSRF token, which is signed with the time in seconds (two
    requests on either side of a second get different tokens for the same secret)."""
    token = re.compile(rb'name="csrf_token" value="[^"]*"')
    return token.sub(b"", one.get_data()) == token.sub(b"", other.get_data())


def make_kb(ws, per_directory: int):
    """A public knowledge base: a directory in a directory, `per_directory` articles in the
    inner one (long bodies, as imported articles have)."""
    portal_settings.change(ws, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(ws.id):
        top = Directory(workspace_id=ws.id, slug="guides", names={"en-US": "Guides"})
        db.session.add(top)
        db.session.flush()
        inner = Directory(workspace_id=ws.id, slug="network", parent_id=top.id,
                          names={"en-US": "Network"})
        db.session.add(inner)
        db.session.commit()
        made = [articles.save(ws, locale="en-US", title=f"Network guide {n}",
                              body=f"Section {n}. " + "All about the network. " * 300,
                              status="published", audience="public", directory_id=inner.id)
                for n in range(per_directory)]
        return [a.slug for a in made]


# the article page: the article, its translations,
# the directory and its parent (breadcrumbs), the related articles and their titles;
# signed in, the session with its contact, their account and whether the contact is a
# Customer Admin (one statement), and the reader's vote
ARTICLE_ANONYMOUS = 6
ARTICLE_SIGNED_IN = 8
# from the public page cache: nothing but the workspace (the page is the same for every
# visitor)
ARTICLE_CACHED = 0


@pytest.mark.parametrize("per_directory", [6, 12])
def test_article_page_statements(app, acme, per_directory, monkeypatch):
    slugs = make_kb(acme, per_directory)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    url = f"/en-US/acme/articles/{slugs[0]}"
    first, sql = get(client, url)
    assert sql.count() == ARTICLE_ANONYMOUS + 1, sql.report()  # + the view's UPDATE
    assert sum(s.startswith("UPDATE kb_article SET views") for s in sql.seen) == 1
    again, sql = get(client, url)  # from the page cache, counted already: no UPDATE
    assert sql.count() == ARTICLE_CACHED, sql.report()
    assert same_page(first, again)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)  # rendered again
    rendered, sql = get(client, url)
    assert sql.count() == ARTICLE_ANONYMOUS, sql.report()
    assert same_page(rendered, again)
    related = again.get_data(as_text=True).split('id="related-title"')[1]
    assert related.count("Network guide") == 5

    pat = make_contact(acme, "pat@acme.example")
    login_as(client, pat)
    _page, sql = get(client, url)
    assert sql.count() == ARTICLE_SIGNED_IN + 1, sql.report()
    _page, sql = get(client, url)
    assert sql.count() == ARTICLE_SIGNED_IN, sql.report()


def test_lists_of_titles_leave_the_bodies_in_the_database(app, acme):
    """Related articles (and the home's popular ones, a directory's list) show titles: the
    bodies of those articles are not loaded."""
    slugs = make_kb(acme, 7)
    from flask import g

    from portal.search.related import related
    from portal.services import article_lists

    with app.test_request_context(), use_workspace(acme.id):
        g.workspace = acme
        article = db.session.scalar(select(Article).where(Article.slug == slugs[0]))
        shown = related(acme, None, article, "Network guide 0", "en-US")
        assert [a.slug for a in shown] == slugs[1:6]
        for listed in (shown, article_lists.popular(acme, None)):
            for a in listed:
                tr = a.translations[0]
                assert {"body", "body_html"} <= inspect(tr).unloaded
                assert tr.title.startswith("Network guide")


# the ticket list: the session with its contact and whether it is a Customer Admin
# (the organization tab), the page of tickets
TICKET_LIST = 2


@pytest.mark.parametrize("tickets", [2, 12])
def test_ticket_list_statements(app, acme, tickets):
    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account)
    for n in range(tickets):
        open_ticket(acme, pat, title=f"Printer {n} on fire")
    client = app.test_client()
    login_as(client, pat)
    page, sql = get(client, "/en-US/acme/tickets")
    assert sql.count() == TICKET_LIST, sql.report()
    html = page.get_data(as_text=True)
    assert html.count('class="stage stage-open"') == tickets
    assert html.count(">Open</span>") == tickets
    for number in range(1, tickets + 1):  # each row links its own ticket (row_url)
        assert f'<a href="/en-US/acme/tickets/{number}">Printer {number - 1} on fire</a>' in html
    _page, sql = get(client, "/de-DE/acme/tickets")
    assert sql.count() == TICKET_LIST, sql.report()
    assert _page.get_data(as_text=True).count(">Offen</span>") == tickets
    assert '<a href="/de-DE/acme/tickets/1">' in _page.get_data(as_text=True)


def test_a_view_is_counted_without_expiring_what_the_page_loaded(app, acme):
    from portal.services import article_feedback

    slugs = make_kb(acme, 1)
    with app.test_request_context(), use_workspace(acme.id):
        article = db.session.scalar(select(Article).where(Article.slug == slugs[0]))
        translation = db.session.scalar(select(ArticleTranslation)
                                        .where(ArticleTranslation.article_id == article.id))
        assert article_feedback.count_view(acme, article.id, None, "198.51.100.1")
        assert not inspect(article).expired_attributes
        assert not inspect(translation).expired_attributes
        assert not article_feedback.count_view(acme, article.id, None, "198.51.100.1")
        db.session.expire_all()
        assert article.views == 1
        assert db.session().expire_on_commit  # the session's own setting is back


# the ticket page: the session with its contact and whether it is a Customer Admin (who
# may see the ticket), the ticket with its account, form and reporters, attachments,
# comments, events
TICKET_PAGE = 5


@pytest.mark.parametrize("comments", [1, 6])
def test_ticket_page_statements(app, acme, comments):
    from portal.services import actors, timeline

    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account, name="Pat Doe")
    ticket = open_ticket(acme, pat)
    number = ticket.number
    with use_workspace(acme.id):
        for n in range(comments):
            timeline.add_comment(ticket, actors.customer(pat), f"Still burning ({n})")
    client = app.test_client()
    login_as(client, pat)
    page, sql = get(client, f"/en-US/acme/tickets/{number}")
    assert sql.count() == TICKET_PAGE, sql.report()
    html = page.get_data(as_text=True)
    assert html.count("Still burning") == comments
    assert "Acme Corp" in html and "Pat Doe" in html


# opening a ticket through the customer API: the token's session with its contact,
# their account and the workspace (one statement), the current form, the counter (one
# UPDATE ... RETURNING), the ticket, its reporter and its "created" event (the answer's
# comment count is 0 without a query: the ticket is new); one commit
TICKET_CREATE = 6


@pytest.mark.parametrize("support_email", [None, "help@acme.example"])
def test_ticket_creation_statements(app, acme, support_email):
    """With a support address, one INSERT more: the staff notification (a new ticket has
    none waiting, so none is looked up)."""
    from sqlalchemy import func

    from portal.models import Ticket, TicketEvent, TicketNotification
    from tests.factories import api_token

    acme.support_email = support_email
    db.session.commit()
    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account)
    headers = {"Authorization": f"Bearer {api_token(pat)}"}
    client = app.test_client()
    body = {"title": "Printer on fire", "description": "Smoke everywhere.",
            "custom_fields": {"category": "problem"}}
    commits = []

    def note_commit(conn):
        commits.append(conn)

    event.listen(db.engine, "commit", note_commit)
    try:
        for number in (1, 2, 3):  # the first one also makes the form and the counter
            commits.clear()
            with Statements() as sql:
                response = client.post("/api/v1/workspaces/acme/tickets", json=body,
                                       headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)
            assert response.json["number"] == number
            assert response.json["account"]["name"] == "Acme Corp"
            assert len(commits) == 1
            if number > 1:
                assert sql.count() == TICKET_CREATE + bool(support_email), sql.report()
    finally:
        event.remove(db.engine, "commit", note_commit)
    db.session.expire_all()
    with use_workspace(acme.id):
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == 3))
        created = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
        # the "created" event has the ticket's own time: no UPDATE of public_updated_at
        assert created.kind == "created"
        assert created.created_at == ticket.created_at == ticket.public_updated_at
        assert db.session.scalar(select(func.count(Ticket.id))) == 3
        waiting = db.session.scalars(select(TicketNotification)).all()
        assert [(n.recipient_email, len(n.event_ids)) for n in waiting] == \
            ([(support_email, 1)] * 3 if support_email else [])
