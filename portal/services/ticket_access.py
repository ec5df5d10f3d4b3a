"""Who may see which ticket: the one visibility rule of customers' tickets (reported by
them, or any ticket of their account for a customer admin), and the lookups by number.

Its own module so that notifications, the live stream and the tickets service share the
rule without importing each other.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from portal.extensions import db
from portal.models import Account, Contact, Ticket, TicketForm, Workspace, ticket_reporters
from portal.models.base import as_id
from portal.services import contacts
from portal.services.errors import NotFound
from portal.services.scoped import read_connection
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


@dataclass(frozen=True, slots=True)
class Named:
    name: str


@dataclass(frozen=True, slots=True)
class FormVersion:
    id: int
    definition: dict


@dataclass(slots=True)
class TicketPage:
    """A customer's ticket as its page reads it (`page_for_customer`): the ticket's columns
    the page shows, its account's name, its form version and its reporters' names; not an
    ORM object (nothing to change through it: the page's forms load the ticket again)."""

    id: int
    workspace_id: int
    number: int
    title: str
    description: str
    stage: str
    priority: str
    custom_fields: dict
    created_at: datetime
    public_updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    account: Named | None
    form: FormVersion | None
    reporters: list[Named]

    @property
    def display_number(self) -> str:
        return f"#{self.number}"


PAGE_COLUMNS = ("id", "workspace_id", "number", "title", "description", "stage", "priority",
                "custom_fields", "created_at", "public_updated_at", "resolved_at", "closed_at")


@lru_cache(maxsize=4)
def _page_by_number(reach: str):
    """`_by_number(reach, reporters=True)` as one Core statement run on the session's
    connection (read_connection: no ORM set-up, no identity map, not through the tenancy
    guard): every table it reads names the workspace itself."""
    ws = bindparam("workspace_id")
    ticket, account, form = Ticket.__table__, Account.__table__, TicketForm.__table__
    link, reporter = ticket_reporters.alias("reporter_link"), Contact.__table__.alias("reporter")
    joined = (ticket
              .outerjoin(account, and_(account.c.id == ticket.c.account_id,
                                       account.c.workspace_id == ws))
              .outerjoin(form, and_(form.c.id == ticket.c.form_id, form.c.workspace_id == ws))
              .outerjoin(link, link.c.ticket_id == ticket.c.id)
              .outerjoin(reporter, and_(reporter.c.id == link.c.contact_id,
                                        reporter.c.workspace_id == ws)))
    return (select(*(ticket.c[name] for name in PAGE_COLUMNS),
                   account.c.name.label("account_name"), form.c.id.label("form_id"),
                   form.c.definition.label("form_definition"),
                   reporter.c.name.label("reporter_name"))
            .select_from(joined)
            .where(ticket.c.workspace_id == ws, ticket.c.number == bindparam("number"),
                   _condition(reach, bindparam("contact_id"), bindparam("account_id")))
            .order_by(link.c.contact_id))


def page_for_customer(ws: Workspace, contact: Contact, number: int) -> TicketPage:
    """The ticket `contact` may see by `number`, as its page reads it (the same rule and the
    same one statement as `get_for_customer(..., reporters=True)`, without the ORM)."""
    rows = read_connection().execute(
        _page_by_number(_reach(contact)),
        {"workspace_id": ws.id, "number": number, "contact_id": contact.id,
         "account_id": contact.account_id}).all()
    if not rows:
        raise NotFound(_("No such ticket."))
    first = rows[0]
    return TicketPage(
        *(getattr(first, name) for name in PAGE_COLUMNS),
        account=Named(first.account_name) if first.account_name is not None else None,
        form=(FormVersion(first.form_id, first.form_definition)
              if first.form_id is not None else None),
        reporters=[Named(row.reporter_name) for row in rows if row.reporter_name is not None])


def get_for_staff(ws: Workspace, number: int) -> Ticket:
    if as_id(number) is None:
        raise NotFound(_("No such ticket."))
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.workspace_id == ws.id, Ticket.number == number))
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket
