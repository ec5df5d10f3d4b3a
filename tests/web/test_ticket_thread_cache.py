"""The customer's ticket page keeps its rendered conversation per process
(portal/web/ticket_thread.py): what a public change adds shows at once, internal notes never
do, the page's rules (who may see the ticket) still run first, and a repeated view costs
three statements (the workspace, the session, the ticket)."""

import re

import pytest

from portal.services import actors, timeline
from portal.tenancy import use_workspace
from portal.web import ticket_thread
from tests.factories import login_as, make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket
from tests.web.helpers import Statements


@pytest.fixture
def desk(client, acme):
    ticket_thread.clear()
    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account, name="Pat Doe")
    ticket = open_ticket(acme, pat)
    agent = make_staff("agent@staff.example", role="agent", workspace=acme)
    login_as(client, pat)
    yield {"client": client, "ticket": ticket, "pat": pat, "agent": agent,
           "url": f"/en-US/acme/tickets/{ticket.number}"}
    ticket_thread.clear()


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_new_comment_shows_at_once(desk, acme):
    client, url = desk["client"], desk["url"]
    assert "First answer" not in page(client, url)
    with use_workspace(acme.id):
        comment = timeline.add_comment(desk["ticket"], actors.staff(desk["agent"]),
                                       "First answer")
    html = page(client, url)
    assert f'id="comment-{comment.id}" data-latest="true"' in html
    assert "First answer" in html and 'class="badge">Support<' in html
    with use_workspace(acme.id):
        newer = timeline.add_comment(desk["ticket"], actors.customer(desk["pat"]),
                                     "Still burning")
    html = page(client, url)
    assert f'id="comment-{newer.id}" data-latest="true"' in html
    assert html.index("Still burning") < html.index('id="reply"') < html.index("First answer")
    assert html.count("replied") == 2  # the history too


def _staff_comment(desk):
    timeline.add_comment(desk["ticket"], actors.staff(desk["agent"]), "New words")


def _stage_change(desk):
    timeline.set_stage(desk["ticket"], actors.staff(desk["agent"]), "in_progress")


@pytest.mark.parametrize("path, change, shown", [
    ("/thread", _staff_comment, "New words"),  # the live-update fragment
    ("", _stage_change, "set the stage to In progress"),  # the history on the page
])
def test_a_public_change_shows_at_once(desk, acme, path, change, shown):
    client, url = desk["client"], desk["url"] + path
    assert shown not in page(client, url)
    with use_workspace(acme.id):
        change(desk)
    assert shown in page(client, url)


def test_internal_notes_and_their_files_never_show(desk, acme):
    client, url = desk["client"], desk["url"]
    page(client, url)
    with use_workspace(acme.id):
        timeline.add_comment(desk["ticket"], actors.staff(desk["agent"]), "Secret note",
                             public=False, files=[("secret.txt", b"x", "text/plain")])
        timeline.add_comment(desk["ticket"], actors.staff(desk["agent"]), "Public reply",
                             files=[("public.txt", b"y", "text/plain")])
    html = page(client, url)
    assert "Public reply" in html and "public.txt" in html
    assert "Secret note" not in html and "secret.txt" not in html


def test_each_locale_has_its_own(desk, acme):
    """Kept per locale (its catalogue) and per URL of the ticket's files. (In this test's
    shared app context the German page renders with the English catalogue, on main too:
    Flask-Babel keeps the locale it found first; so only the links tell the two apart.)"""
    client = desk["client"]
    with use_workspace(acme.id):
        timeline.add_comment(desk["ticket"], actors.customer(desk["pat"]), "Hello",
                             files=[("log.txt", b"z", "text/plain")])
    english = page(client, desk["url"])
    assert "/en-US/acme/tickets/1/files/" in english
    german = page(client, desk["url"].replace("/en-US/", "/de-DE/"))
    thread = german.split('id="thread"')[1].split('class="message original"')[0]
    assert "/de-DE/acme/tickets/1/files/" in thread and "/en-US/" not in thread


def test_who_may_see_the_ticket_is_checked_before(desk, acme, app):
    page(desk["client"], desk["url"])  # kept now
    other = app.test_client()
    login_as(other, make_contact(acme, "kim@acme.example", name="Kim Roe"))
    assert other.get(desk["url"]).status_code == 404
    assert other.get(desk["url"] + "/thread").status_code == 404


def test_a_repeated_view_costs_two_statements_and_shows_the_same(desk, acme):
    client, url = desk["client"], desk["url"]
    with use_workspace(acme.id):
        timeline.add_comment(desk["ticket"], actors.staff(desk["agent"]), "Answer",
                             files=[("shot.png", b"\x89PNG\r\n\x1a\n", "image/png")])
    first = client.get(url)
    with Statements() as sql:
        second = client.get(url)
    # the session with its contact and role, the ticket: no comments, events or
    # attachments (nor the workspace lookup: Statements.drop_workspace_lookup)
    assert sql.drop_workspace_lookup().count() == 2, sql.report()
    # but for the form's tokens: the CSRF token (signed with the time) and the idempotency
    # key (new for every form shown)
    token = re.compile(r'name="(csrf_token|idempotency_key)" value="[^"]*"')
    assert token.sub("", first.get_data(as_text=True)) == token.sub(
        "", second.get_data(as_text=True))
    assert "shot.png" in second.get_data(as_text=True)


def test_the_ticket_urls_are_the_routes(app, acme):
    """The page builds one URL and puts its routes' paths below it (tickets.ticket_urls)."""
    from flask import url_for

    from portal.tenancy import enter_workspace
    from portal.web.tickets import ticket_urls

    with app.test_request_context("/de-DE/acme/tickets/7"):
        enter_workspace(acme, locale="de-DE")
        urls = ticket_urls(7)
        assert urls == {
            "page": url_for("portal.ticket", number=7),
            "list": url_for("portal.tickets"),
            "thread": url_for("portal.ticket_thread", number=7),
            "comments": url_for("portal.add_comment", number=7),
            "close": url_for("portal.close_ticket", number=7),
            "reopen": url_for("portal.reopen_ticket", number=7),
            "events": url_for("portal.ticket_events", number=7),
        }
        assert urls["page"] == "/de-DE/acme/tickets/7"
        assert f"{urls['page']}/files/3" == url_for("portal.ticket_file", number=7, file_id=3)


def test_the_page_lookup_sees_what_the_orm_lookup_sees(acme, globex):
    """ticket_access.page_for_customer (Core, outside the tenancy guard) follows the same
    rule as get_for_customer: own tickets, the account's for a Customer Admin, nothing for
    an unverified or inactive contact, never another workspace's ticket of that number."""
    from portal.services import ticket_access
    from portal.services.errors import NotFound

    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account, name="Pat Doe")
    boss = make_contact(acme, "boss@acme.example", account=account, customer_admin=True)
    kim = make_contact(acme, "kim@acme.example", name="Kim Roe")
    unverified = make_contact(acme, "new@acme.example", account=account, verified=False)
    gone = make_contact(acme, "gone@acme.example", account=account, active=False)
    gus = make_contact(globex, "gus@globex.example", name="Gus")
    open_ticket(acme, pat, "Pat's")  # 1
    open_ticket(acme, kim, "Kim's")  # 2
    for n in range(3):
        open_ticket(globex, gus, f"Globex {n}")
    with use_workspace(acme.id):
        ticket = ticket_access.get_for_customer(acme, kim, 2)
        ticket.reporters.append(pat)  # two reporters, as the page names them
        from portal.extensions import db

        db.session.commit()
        for contact in (pat, boss, kim, unverified, gone):
            for number in (1, 2, 3):
                try:
                    orm = ticket_access.get_for_customer(acme, contact, number, reporters=True)
                except NotFound:
                    orm = None
                try:
                    page = ticket_access.page_for_customer(acme, contact, number)
                except NotFound:
                    page = None
                assert (orm is None) == (page is None), (contact, number)
                if orm is not None:
                    assert (page.id, page.title, page.number) == (orm.id, orm.title, orm.number)
                    assert [r.name for r in page.reporters] == [r.name for r in orm.reporters]
                    assert page.account.name == orm.account.name if orm.account else (
                        page.account is None)
                    assert (page.form and page.form.definition) == (
                        orm.form and orm.form.definition)
    assert ticket_access.page_for_customer(acme, pat, 2).reporters  # pat reports it now
