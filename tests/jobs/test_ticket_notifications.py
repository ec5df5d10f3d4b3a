"""Ticket notifications end to end: coalesced by the periodic sweep, delivered over real
SMTP (aiosmtpd) in the recipient's language, never carrying internal notes."""

from datetime import timedelta

from portal.models.base import utcnow
from portal.services import actors, notifications, timeline
from portal.tenancy import use_workspace
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket


def test_reporter_receives_one_email_for_a_burst_of_changes(smtp_server, jobs, acme, db):
    contact = make_contact(acme, "kim@customer.example", name="Kim", locale="de-DE")
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, contact, "Drucker streikt")
    with use_workspace(acme.id):
        staff = actors.staff(agent)
        timeline.add_comment(ticket, staff, "Bitte neu starten.")
        timeline.add_comment(ticket, staff, "Kunde nervt", public=False)
        timeline.set_stage(ticket, staff, "awaiting_customer")
    assert notifications.send_due(utcnow() + timedelta(minutes=2)) == 1
    jobs()
    (message,) = [m for m in smtp_server.messages if m["To"] == "kim@customer.example"]
    assert message["Content-Language"] == "de-DE"
    text = message.get_body(("plain",)).get_content()
    assert "Bitte neu starten." in text and "Kunde nervt" not in text
    assert f"/de-DE/acme/tickets/{ticket.number}" in text
    assert "Drucker streikt" in message["Subject"]


def test_new_ticket_goes_to_the_workspace_support_address(smtp_server, jobs, acme, db):
    acme.support_email = "help@acme.example"
    db.session.commit()
    open_ticket(acme, make_contact(acme, "c@customer.example"), "Cannot log in")
    assert notifications.send_due(utcnow() + timedelta(minutes=2)) == 1
    jobs()
    (message,) = smtp_server.messages
    assert message["To"] == "help@acme.example"
    assert "Cannot log in" in message.get_body(("plain",)).get_content()
