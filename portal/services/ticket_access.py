"""Who may see which ticket: the one visibility rule of customers' tickets (reported by
them, or any ticket of their account for a customer admin), and the lookups by number.

Its own module so that notifications, the live stream and the tickets service share the
rule without importing each other.
"""

from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from portal.extensions import db
from portal.models import Contact, Ticket, Workspace, ticket_reporters
from portal.models.base import as_id
from portal.services import contacts
from portal.services.errors import NotFound
from portal.tenancy import prepared

NOTHING, REPORTED, ACCOUNT = "nothing", "reported", "account"  # what a contact may see


def _reach(contact: Contact) -> str:
    if not contact.verified or not contact.active:
        return NOTHING
    if contact.account_id and contacts.is_customer_admin(contact):
        return ACCOUNT  # a customer admin: the account's tickets too
    return REPORTED


def _condition(reach: str, contact_id, account_id) -> ColumnElement:
    if reach == NOTHING:
        return Ticket.id.is_(None)
    reported = exists().where(ticket_reporters.c.ticket_id == Ticket.id,
                              ticket_reporters.c.contact_id == contact_id)
    if reach == ACCOUNT:
        return or_(reported, Ticket.account_id == account_id)
    return reported


def visible_to(contact: Contact) -> ColumnElement:
    """SQL condition: tickets `contact` may see (in the current workspace)."""
    return _condition(_reach(contact), contact.id, contact.account_id)


def can_see(contact: Contact, ticket: Ticket) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(Ticket)
        .where(Ticket.id == ticket.id, visible_to(contact))) == 1


@lru_cache(maxsize=8)
def _by_number(reach: str, reporters: bool):
    """The lookup of a ticket by number for one kind of reader, built once (`prepared`):
    the ticket with its account and form (and its reporters), one query."""
    stmt = (select(Ticket)
            .where(Ticket.workspace_id == bindparam("workspace_id"),
                   Ticket.number == bindparam("number"),
                   _condition(reach, bindparam("contact_id"), bindparam("account_id")))
            .options(joinedload(Ticket.account), joinedload(Ticket.form)))
    if reporters:  # two LEFT JOINs: joinedload nests them, and SQLite then reads every
        # reporter row of the workspace (MATERIALIZE) to find the ticket's
        link, reporter = ticket_reporters.alias("reporter_link"), aliased(Contact)
        stmt = (stmt.outerjoin(link, link.c.ticket_id == Ticket.id)
                .outerjoin(reporter, reporter.id == link.c.contact_id)
                .options(contains_eager(Ticket.reporters.of_type(reporter)))
                .order_by(link.c.contact_id))
    return prepared(stmt)


def get_for_customer(ws: Workspace, contact: Contact, number: int, *,
                     reporters: bool = False) -> Ticket:
    """The ticket with its account and form, which its page shows (one query, not three);
    `reporters` loads its Reported by contacts in the same query."""
    found = db.session.execute(
        _by_number(_reach(contact), reporters),
        {"workspace_id": ws.id, "number": number, "contact_id": contact.id,
         "account_id": contact.account_id},
    ).unique().scalars().all()  # all rows: a joined collection spans several
    if not found:
        raise NotFound(_("No such ticket."))
    return found[0]


def get_for_staff(ws: Workspace, number: int) -> Ticket:
    if as_id(number) is None:
        raise NotFound(_("No such ticket."))
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.workspace_id == ws.id, Ticket.number == number))
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket
