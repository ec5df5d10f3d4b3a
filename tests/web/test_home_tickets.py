"""The workspace home lists the signed-in customer's open tickets (by the ticket list's
visibility rules) with a + Ticket button, and says so when there are none."""

from portal.services import actors, timeline
from portal.tenancy import use_workspace
from tests.factories import login_as, make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket


def home(client, slug="acme"):
    response = client.get(f"/en-US/{slug}/directories")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_home_lists_only_the_customers_own_open_tickets(client, acme, globex):
    account = make_account(acme, "Acme")
    pat = make_contact(acme, "pat@acme.example", account=account)
    sam = make_contact(acme, "sam@acme.example", account=account)
    neighbour = make_contact(globex, "pat@acme.example")  # same address, other workspace
    mine = open_ticket(acme, pat, title="My printer is on fire")
    done = open_ticket(acme, pat, title="My old question")
    open_ticket(acme, sam, title="Sam's private request")
    open_ticket(globex, neighbour, title="Globex neighbour ticket")
    with use_workspace(acme.id):
        timeline.set_stage(done, actors.staff(make_staff()), "resolved")

    login_as(client, pat)
    html = home(client)
    assert "My printer is on fire" in html and mine.display_number in html
    assert f'href="/en-US/acme/tickets/{mine.number}"' in html
    assert "My old question" not in html  # closed
    assert "Sam&#39;s private request" not in html and "Sam's private request" not in html
    assert "Globex neighbour ticket" not in html
    assert 'href="/en-US/acme/tickets/new"' in html and "+ Ticket" in html
    assert "will be listed here" not in html


def test_home_without_open_tickets_says_so_and_offers_a_new_one(client, acme):
    login_as(client, make_contact(acme, "new@acme.example"))
    html = home(client)
    assert "You have no open tickets." in html
    assert 'href="/en-US/acme/tickets/new"' in html


def test_signed_out_home_asks_to_sign_in(client, acme):
    html = home(client)
    assert "Sign in to follow your requests." in html
    assert "/tickets/new" not in html
