"""Tickets: opening, who may see which, and the customer's list.

Visibility is decided once (portal.services.ticket_access, re-exported here), for pages,
API, live events and emails: a verified
customer sees a ticket when listed in *Reported by*; a member of *Customer Admins* also
sees every ticket of their account. Staff see every ticket of the workspace.
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Contact, Ticket, TicketCounter, Workspace, ticket_reporters
from portal.models.base import as_id, utcnow
from portal.models.ticket import PRIORITIES, STAGES
from portal.services import contacts, portal_settings, ticket_forms
from portal.services.errors import Forbidden, Invalid, ServiceError
from portal.services.scoped import read_connection
from portal.tenancy import prepared
from portal.tenancy_inserts import insert_link, insert_row

TITLE_MAX = 200
DESCRIPTION_MAX = 20000
PAGE_SIZE = 25


class FeatureDisabled(ServiceError):
    status = 404
    code = "feature_disabled"


def tickets_enabled(ws: Workspace) -> bool:
    """Customers may open and read tickets (features.tickets is not off)."""
    return portal_settings.published(ws).features.tickets != "off"


def _no_nul(value):
    """Text with a NUL character is refused as missing (PostgreSQL cannot store it)."""
    return None if isinstance(value, str) and "\x00" in value else value


_COUNTER = TicketCounter.__table__
# the counter's bump as a Core statement built once: one workspace's row, by its own WHERE
_BUMP = (update(_COUNTER).where(_COUNTER.c.workspace_id == bindparam("counter_workspace"))
         .values(last_number=_COUNTER.c.last_number + 1).returning(_COUNTER.c.last_number))


def next_number(ws: Workspace) -> int:
    """Take the workspace's next ticket number inside the caller's transaction.

    The counter row is updated in place (a row lock on PostgreSQL), so concurrent creators
    queue behind each other and a rolled-back ticket gives its number back. One
    `UPDATE ... RETURNING` where the database has it (PostgreSQL, SQLite 3.35+); the
    counter row is created the first time.
    """
    if db.session.get_bind().dialect.update_returning:
        # on the session's connection, without the ORM's DML machinery: _BUMP names the
        # workspace itself, as the guard would (tests/unit/test_tickets.py checks it)
        number = db.session.connection().execute(_BUMP, {"counter_workspace": ws.id}).scalar()
        if number is not None:
            return number
    counter_id = db.session.scalar(
        select(TicketCounter.id).where(TicketCounter.workspace_id == ws.id))
    if counter_id is None:
        try:
            with db.session.begin_nested():
                db.session.add(TicketCounter(workspace_id=ws.id, last_number=0))
        except IntegrityError:
            pass  # another transaction created it first
    # synchronize_session=False: no TicketCounter object is read after the bump (the number
    # comes from a column select), so the ORM need not look for one to update in the session
    db.session.execute(update(TicketCounter).where(TicketCounter.workspace_id == ws.id)
                       .values(last_number=TicketCounter.last_number + 1)
                       .execution_options(synchronize_session=False))
    return db.session.scalar(
        select(TicketCounter.last_number).where(TicketCounter.workspace_id == ws.id))


@dataclass
class TicketInput:
    title: str = ""
    description: str = ""
    priority: str = "normal"
    custom_fields: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def parse_input(ws: Workspace, raw) -> tuple[TicketInput, object]:
    """Check the standard fields and the custom fields of the current form version."""
    form = ticket_forms.for_new_ticket(ws)
    data = TicketInput()
    title = raw.get("title")
    description = raw.get("description")
    priority = raw.get("priority") or "normal"
    title, description = _no_nul(title), _no_nul(description)
    if not isinstance(title, str) or not title.strip():
        data.errors["title"] = _("Enter a title.")
    elif len(title.strip()) > TITLE_MAX:
        data.errors["title"] = _("The title is too long.")
    else:
        data.title = title.strip()
    if not isinstance(description, str) or not description.strip():
        data.errors["description"] = _("Describe the problem.")
    elif len(description) > DESCRIPTION_MAX:
        data.errors["description"] = _("The description is too long.")
    else:
        data.description = description.strip()
    if priority not in PRIORITIES:
        data.errors["priority"] = _("Choose one of the options.")
    else:
        data.priority = priority
    if hasattr(raw, "getlist"):  # an HTML form: custom fields are top-level inputs
        custom_raw = raw
    else:  # JSON: {"custom_fields": {...}}
        custom_raw = raw.get("custom_fields")
        if not isinstance(custom_raw, dict):
            custom_raw = {}
    values, custom_errors = ticket_forms.parse_answers(form, custom_raw)
    data.custom_fields = values
    data.errors.update({f"custom_fields.{k}": v for k, v in custom_errors.items()})
    return data, form


def open_ticket(ws: Workspace, contact: Contact, data: TicketInput, form,
                files: list | None = None, before_commit=None) -> Ticket:
    """Open a ticket; `files` are attachments already checked by attachments.check_all,
    stored in the same transaction. `before_commit(ticket)` runs inside the transaction,
    last (the caller's answer: portal.idempotent.FirstAnswer)."""
    from portal.services import notifications, timeline, webhook_events

    if not tickets_enabled(ws):
        raise FeatureDisabled(_("Tickets are not available here."))
    if data.errors:
        raise Invalid(_("Check the highlighted fields."), fields=data.errors)
    now = utcnow()
    category = data.custom_fields.get("category")
    # loaded before the counter's UPDATE, which starts the write transaction: on SQLite
    # other writers wait for it, so reads stay out of it
    account = contact.account
    # each row is written by one INSERT, checked as a flush would check it
    # (portal.tenancy_inserts): the unit of work was a quarter of a creation's CPU
    ticket = insert_row(Ticket, dict(
        workspace_id=ws.id, number=next_number(ws), title=data.title,
        description=data.description, priority=data.priority,
        category=category if isinstance(category, str) else None, stage="open",
        custom_fields=data.custom_fields, form_id=form.id, account_id=contact.account_id,
        created_by_contact_id=contact.id, created_at=now, updated_at=now,
        public_updated_at=now), reporters=[contact], account=account, form=form)
    insert_link(ticket_reporters, {"ticket_id": ticket.id, "contact_id": contact.id,
                                   "created_at": now})
    # not announced to live streams: nobody can be subscribed to a ticket that exists
    # only in this transaction (a stream loads its ticket first)
    ev = timeline.created(ticket, actor=contact.name or contact.email)
    if files:
        from portal.services import attachments

        attachments.store(ticket, files)
    notifications.ticket_changed(ticket, ev, by_staff=False)
    webhook_events.ticket_created(ticket)
    if before_commit is not None:
        before_commit(ticket)
    db.session.commit()
    return ticket


SORTS = {  # staff: "updated" counts every change, internal ones included
    "newest": (Ticket.created_at, True),
    "oldest": (Ticket.created_at, False),
    "updated": (Ticket.updated_at, True),
}
# customers: "updated" counts only changes they can see (see timeline.record)
CUSTOMER_SORTS = {**SORTS, "updated": (Ticket.public_updated_at, True)}
# "my tickets" by creation: the same order read from ticket_reporter's copy of created_at
# (equal to the ticket's; ticket_id is the ticket's id), which its index holds per contact
BY_REPORTER = {"newest": (ticket_reporters.c.created_at, True),
               "oldest": (ticket_reporters.c.created_at, False)}


@dataclass
class ListQuery:
    scope: str = "mine"  # mine | organization
    stages: tuple = ()
    priority: str | None = None
    q: str = ""
    sort: str = "newest"
    after: str | None = None  # keyset cursor
    limit: int = PAGE_SIZE


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _cursor(ticket: Ticket, column) -> str:
    value = getattr(ticket, column.key)
    raw = json.dumps([value.isoformat(), ticket.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, ticket_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(ticket_id, int) or as_id(ticket_id) is None:
            raise ValueError("ticket id out of range")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive datetime")
        return moment, ticket_id
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
        raise Invalid(_("The page link is not valid."), field="after") from None


class Listed(NamedTuple):
    """A ticket as customers' lists show it: the columns they read, no ORM object."""

    id: int
    number: int
    title: str
    stage: str
    priority: str
    category: str | None
    created_at: datetime
    public_updated_at: datetime

    @property
    def display_number(self) -> str:
        return f"#{self.number}"


MINE, ORGANIZATION, NOTHING = "mine", "organization", "nothing"


@lru_cache(maxsize=256)
def _customer_list(scope: str, shape: tuple):
    """The customer list of one scope and query shape (its values are parameters), built
    once: columns, not ORM rows. Run on the session's connection (read_connection: no ORM
    set-up, not through the tenancy guard), it names the workspace itself: every shape
    reads tickets of `workspace_id` only, and ticket_reporter rows only through them."""
    columns = [getattr(Ticket, name) for name in Listed._fields]
    if scope == MINE and shape[0] in BY_REPORTER:
        # from the contact's ticket_reporter rows, in list order (their index): a page
        # reads a page, however many newer tickets others have
        stmt = (select(*columns).select_from(ticket_reporters)
                .join(Ticket, Ticket.id == ticket_reporters.c.ticket_id)
                .where(ticket_reporters.c.contact_id == bindparam("contact_id"),
                       Ticket.workspace_id == bindparam("workspace_id")))
        return prepared(_narrowed(stmt, shape, BY_REPORTER, ticket_reporters.c.ticket_id))
    if scope == NOTHING:
        condition = Ticket.id.is_(None)
    elif scope == ORGANIZATION:  # what visible_to grants customer admins
        condition = Ticket.account_id == bindparam("account_id")
    else:
        condition = exists().where(ticket_reporters.c.ticket_id == Ticket.id,
                                   ticket_reporters.c.contact_id == bindparam("contact_id"))
    stmt = select(*columns).where(Ticket.workspace_id == bindparam("workspace_id"), condition)
    return prepared(_narrowed(stmt, shape, CUSTOMER_SORTS))


def list_for_customer(ws: Workspace, contact: Contact, query: ListQuery) -> Page:
    """A page of `contact`'s tickets (`Listed` rows): those reported by them, or with
    `scope="organization"` (customer admins only) every ticket of their account."""
    if query.scope not in (MINE, ORGANIZATION):
        raise Invalid(_("Unknown list."), field="scope")
    if not (contact.verified and contact.active):
        scope = NOTHING
    elif query.scope == ORGANIZATION:
        if not (contact.account_id and contacts.is_customer_admin(contact)):
            raise Forbidden(_("Only customer admins see their organization's tickets."))
        scope = ORGANIZATION
    else:
        scope = MINE
    shape, params = _plan(query, CUSTOMER_SORTS)
    params.update(workspace_id=ws.id, contact_id=contact.id, account_id=contact.account_id)
    rows = read_connection().execute(_customer_list(scope, shape), params).all()
    return _page([Listed(*row) for row in rows], params["limit"] - 1,
                 CUSTOMER_SORTS[query.sort][0])


def page(stmt, query: ListQuery, sorts: dict = SORTS) -> Page:
    """One keyset page of the tickets `stmt` selects, narrowed by `query`'s stages,
    priority and text; the staff queue reads through it (and customers' lists through the
    same narrowing)."""
    shape, params = _plan(query, sorts)
    rows = list(db.session.scalars(_narrowed(stmt, shape, sorts), params))
    return _page(rows, params["limit"] - 1, sorts[query.sort][0])


def _plan(query: ListQuery, sorts: dict) -> tuple[tuple, dict]:
    """`query` checked: (the shape of its SQL, the values of its parameters)."""
    if query.sort not in sorts:
        raise Invalid(_("Unknown sort order."), field="sort")
    bad_stage = [s for s in query.stages if s not in STAGES]
    if bad_stage:
        raise Invalid(_("Unknown stage."), field="stage")
    if query.priority and query.priority not in PRIORITIES:
        raise Invalid(_("Unknown priority."), field="priority")
    params: dict = {"stages": list(query.stages), "priority": query.priority,
                    "limit": max(1, min(int(query.limit or PAGE_SIZE), 100)) + 1}
    text = (query.q or "").strip()[:200]
    number = as_id(text.lstrip("#")) if text else None
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.update(like=f"%{escaped}%", number=number)
    if query.after:
        params["after_value"], params["after_id"] = _decode_cursor(query.after)
    shape = (query.sort, bool(query.stages), bool(query.priority), bool(text),
             number is not None, bool(query.after))
    return shape, params


def _narrowed(stmt, shape: tuple, sorts: dict, tiebreak=Ticket.id):
    """`stmt` with the conditions, order and limit of a query of this `shape`; `sorts`'
    column and then `tiebreak` (the ticket's id) order it."""
    sort, stages, priority, text, number, after = shape
    if stages:
        stmt = stmt.where(Ticket.stage.in_(bindparam("stages", expanding=True)))
    if priority:
        stmt = stmt.where(Ticket.priority == bindparam("priority"))
    if text:
        title_match = Ticket.title.ilike(bindparam("like"), escape="\\")
        stmt = stmt.where(or_(title_match, Ticket.number == bindparam("number"))
                          if number else title_match)
    column, desc = sorts[sort]
    if after:  # the first condition alone bounds an index range (the OR does not)
        value, ticket_id = bindparam("after_value"), bindparam("after_id")
        if desc:
            stmt = stmt.where(column <= value,
                              or_(column < value, and_(column == value, tiebreak < ticket_id)))
        else:
            stmt = stmt.where(column >= value,
                              or_(column > value, and_(column == value, tiebreak > ticket_id)))
    order = (column.desc(), tiebreak.desc()) if desc else (column.asc(), tiebreak.asc())
    return stmt.order_by(*order).limit(bindparam("limit"))


def _page(rows: list, limit: int, column) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _cursor(rows[-1], column) if more and rows else None)
