"""Who may see which ticket: the one visibility rule of customers' tickets (reported by
them, or any ticket of their account for a customer admin), and the lookups by number.

Its own module so that notifications, the live stream and the tickets service share the
rule without importing each other.
"""

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Contact, Ticket, Workspace, ticket_reporters
from portal.models.base import as_id
from portal.services import contacts
from portal.services.errors import NotFound


def visible_to(contact: Contact) -> ColumnElement:
    """SQL condition: tickets `contact` may see (in the current workspace)."""
    if not contact.verified or not contact.active:
        return Ticket.id.is_(None)
    reported = exists().where(ticket_reporters.c.ticket_id == Ticket.id,
                              ticket_reporters.c.contact_id == contact.id)
    if contact.account_id and contacts.is_customer_admin(contact):
        return or_(reported, Ticket.account_id == contact.account_id)
    return reported


def can_see(contact: Contact, ticket: Ticket) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(Ticket)
        .where(Ticket.id == ticket.id, visible_to(contact))) == 1


def get_for_customer(ws: Workspace, contact: Contact, number: int) -> Ticket:
    """The ticket with its account and form, which its page shows (one query, not three)."""
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.workspace_id == ws.id, Ticket.number == number,
                             visible_to(contact))
        .options(joinedload(Ticket.account), joinedload(Ticket.form)))
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def get_for_staff(ws: Workspace, number: int) -> Ticket:
    if as_id(number) is None:
        raise NotFound(_("No such ticket."))
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.workspace_id == ws.id, Ticket.number == number))
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket
