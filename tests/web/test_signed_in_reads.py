"""What signed-in pages read in fewer statements (issue 11, docs/PERFORMANCE.md "Page
profile"): the session lookup tells whether its contact is a Customer Admin, and the ticket
page loads the ticket with its reporters. The rules they serve must read the same."""

from portal.extensions import db
from portal.services import contacts, groups
from portal.tenancy import use_workspace
from tests.factories import api_token, login_as, make_account, make_contact
from tests.tickets_helpers import open_ticket
from tests.web.test_page_statements import TICKET_PAGE, get


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
    with use_workspace(acme.id):
        ticket.reporters.append(kim)
        db.session.commit()
    client = app.test_client()
    for reader in (pat, kim):
        login_as(client, reader)
        page, sql = get(client, f"/en-US/acme/tickets/{number}")
        assert sql.count() == TICKET_PAGE, sql.report()
        html = page.get_data(as_text=True)
        assert "<dd>Pat Doe, Kim Roe</dd>" in html
        assert html.count("Shared printer") >= 1
