"""What signed-in pages read in fewer statements (issue 11, docs/PERFORMANCE.md "Page
profile"): the session lookup tells whether its contact is a Customer Admin, and the ticket
page loads the ticket with its reporters. The rules they serve must read the same."""

from sqlalchemy import event

from portal.extensions import db
from portal.services import contacts, groups
from portal.tenancy import use_workspace
from portal.web import ticket_thread
from tests.factories import api_token, login_as, make_account, make_contact
from tests.tickets_helpers import open_ticket


def get(client, url):
    """The page, and how many statements the database received for it."""
    seen = []

    def note(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, url
    return response, len(seen)


def test_customer_admin_membership_is_read_afresh_on_every_request(client, acme):
    account = make_account(acme, "Acme Corp")
    boss = make_contact(acme, "boss@acme.example", account=account, customer_admin=True)
    worker = make_contact(acme, "w@acme.example", account=account)
    number = open_ticket(acme, worker, "Worker problem").number
    headers = {"Authorization": f"Bearer {api_token(boss)}"}
    login_as(client, boss)
    assert client.get(f"/en-US/acme/tickets/{number}").status_code == 200
    assert client.get(f"/api/v1/workspaces/acme/tickets/{number}",
                      headers=headers).status_code == 200
    assert "My organization" in client.get("/en-US/acme/tickets").get_data(as_text=True)
    with use_workspace(acme.id):
        groups.remove_member(contacts.customer_admins_group(acme), boss)
    assert client.get(f"/en-US/acme/tickets/{number}").status_code == 404
    assert client.get(f"/api/v1/workspaces/acme/tickets/{number}",
                      headers=headers).status_code == 404
    assert "My organization" not in client.get("/en-US/acme/tickets").get_data(as_text=True)


def test_admins_of_another_workspace_are_no_admins_here(client, acme, globex):
    """The same email in two workspaces: Customer Admins of one grants nothing in the other."""
    make_contact(globex, "boss@acme.example", customer_admin=True)
    account = make_account(acme, "Acme Corp")
    boss = make_contact(acme, "boss@acme.example", account=account)
    worker = make_contact(acme, "w@acme.example", account=account)
    number = open_ticket(acme, worker, "Worker problem").number
    login_as(client, boss)
    assert client.get(f"/en-US/acme/tickets/{number}").status_code == 404
    assert client.get("/en-US/acme/tickets?scope=organization").status_code == 403


def test_the_ticket_page_names_every_reporter_in_the_same_statements(app, acme):
    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account, name="Pat Doe")
    kim = make_contact(acme, "kim@acme.example", account=account, name="Kim Roe")
    ticket = open_ticket(acme, pat, "Shared printer")
    number = ticket.number
    client = app.test_client()
    login_as(client, pat)
    page, alone = get(client, f"/en-US/acme/tickets/{number}")
    assert "<dd>Pat Doe</dd>" in page.get_data(as_text=True)
    with use_workspace(acme.id):
        ticket.reporters.append(kim)
        db.session.commit()
    for reader in (pat, kim):
        login_as(client, reader)
        ticket_thread.clear()  # the conversation rendered again, as on the first view
        page, count = get(client, f"/en-US/acme/tickets/{number}")
        assert count == alone  # reporters come with the ticket, not one query each
        assert "<dd>Pat Doe, Kim Roe</dd>" in page.get_data(as_text=True)


def test_list_statements_built_once_answer_with_each_callers_values(acme, globex):
    """The customer list's statements are kept per query shape (tickets._customer_list):
    what fills them is the caller's (workspace, contact, filters, cursor), never a
    previous caller's."""
    from portal.services import tickets

    pat = make_contact(acme, "pat@acme.example")
    kim = make_contact(acme, "kim@acme.example")
    gus = make_contact(globex, "gus@globex.example")
    for n in range(3):
        open_ticket(acme, pat, f"Pat printer {n}")
        open_ticket(acme, kim, f"Kim scanner {n}")
        open_ticket(globex, gus, f"Gus modem {n}")

    def titles(ws, contact, **query):
        with use_workspace(ws.id):
            found = tickets.list_for_customer(ws, contact, tickets.ListQuery(**query))
        return [t.title for t in found.items], found.next_cursor

    assert titles(acme, pat)[0] == [f"Pat printer {n}" for n in (2, 1, 0)]
    assert titles(acme, kim)[0] == [f"Kim scanner {n}" for n in (2, 1, 0)]
    assert titles(globex, gus)[0] == [f"Gus modem {n}" for n in (2, 1, 0)]
    assert titles(acme, pat, q="printer 1")[0] == ["Pat printer 1"]
    assert titles(acme, kim, q="scanner 2")[0] == ["Kim scanner 2"]
    assert titles(acme, kim, q="printer")[0] == []
    first, cursor = titles(acme, pat, limit=2)
    assert first == ["Pat printer 2", "Pat printer 1"] and cursor
    assert titles(acme, pat, limit=2, after=cursor) == (["Pat printer 0"], None)
    first, cursor = titles(acme, kim, limit=1)
    assert titles(acme, kim, limit=1, after=cursor)[0] == ["Kim scanner 1"]
