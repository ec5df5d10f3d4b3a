"""The staff ticket queue: its filters, one page of it, and what staff pick from there
(staff members to assign, contacts to add as reporters, accounts to filter by).

Tickets > Queue and `GET /api/v1/ticket/` read the same page through `queue`, so both
filter, sort and paginate alike. Every lookup is narrowed to the given workspace, so a
user id, contact id or account id of another workspace is simply not found (the tenancy
guard limits the ticket, contact and account queries too).
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import Account, Contact, StaffMembership, Ticket, Workspace
from portal.services import staff, tickets
from portal.services.errors import Invalid

SORT_LABELS = {"updated": _l("Recently updated"), "newest": _l("Newest"),
               "oldest": _l("Oldest")}
TRUE_WORDS = ("1", "true", "yes", "on")


@dataclass
class QueueFilters:
    stages: tuple = ()
    priority: str | None = None
    assignee_id: int | None = None
    account_id: int | None = None
    unassigned: bool = False
    q: str = ""
    sort: str = "updated"
    after: str | None = None
    limit: int = tickets.PAGE_SIZE


def filters_from(found: dict) -> QueueFilters:
    """The filters from loaded query arguments (the page's `QueueArgs` or the API's
    `TicketQueueArgs`: the same names; `unassigned` a flag or a word)."""
    unassigned = found.get("unassigned", False)
    if isinstance(unassigned, str):
        unassigned = unassigned.lower() in TRUE_WORDS
    return QueueFilters(
        stages=tuple(found.get("stage", ())), priority=found.get("priority"),
        assignee_id=found.get("assignee"), account_id=found.get("account"),
        unassigned=unassigned, q=(found.get("q") or "")[:200],
        sort=found.get("sort") or "updated", after=found.get("after") or None,
        limit=found.get("limit") or tickets.PAGE_SIZE)


def queue(ws: Workspace, filters: QueueFilters) -> tickets.Page:
    """One page of the workspace's tickets, keyset-paginated by the tickets service;
    `Invalid` names a stage, priority, sort or cursor it does not know."""
    stmt = select(Ticket).where(Ticket.workspace_id == ws.id)
    if filters.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == filters.assignee_id)
    if filters.account_id is not None:
        stmt = stmt.where(Ticket.account_id == filters.account_id)
    return tickets.page(stmt, tickets.ListQuery(
        stages=filters.stages, priority=filters.priority, q=filters.q, sort=filters.sort,
        after=filters.after, limit=filters.limit))


def accounts(ws: Workspace) -> list[Account]:
    return list(db.session.scalars(
        select(Account).where(Account.workspace_id == ws.id).order_by(Account.name)))


def assignable_staff(ws: Workspace) -> list:
    """Active staff members of `ws`, and the platform admins, who act in every workspace."""
    sm = current_app.appbuilder.sm
    user_model, role_model = sm.user_model, sm.role_model
    members = select(StaffMembership.user_id).where(StaffMembership.workspace_id == ws.id)
    stmt = (select(user_model)
            .where(user_model.active.is_(True),
                   or_(user_model.id.in_(members),
                       user_model.roles.any(
                           role_model.name == current_app.config["AUTH_ROLE_ADMIN"])))
            .order_by(user_model.first_name, user_model.last_name, user_model.id))
    return list(db.session.scalars(stmt))


def assignee_names(tickets_shown, staff_members) -> dict:
    """Staff user id -> name for the assignee column: the assignable staff, and whoever
    holds a ticket shown though they no longer may (a former member)."""
    names = {u.id: staff.staff_name(u) for u in staff_members}
    for ticket in tickets_shown:
        if ticket.assignee_id and ticket.assignee_id not in names:
            names[ticket.assignee_id] = staff.staff_name(staff.staff_user(ticket.assignee_id))
    return names


def assignee_choices(ws: Workspace, ticket: Ticket) -> tuple[list, object | None]:
    """(the staff a ticket may be assigned to, its assignee): the assignee stays among the
    choices even when they no longer may be chosen, so the menu shows who holds it."""
    choices = assignable_staff(ws)
    assignee = staff.staff_user(ticket.assignee_id)
    if assignee is not None and assignee not in choices:
        choices = [assignee, *choices]
    return choices, assignee


def assignable(ws: Workspace, user_id, *, field: str = "assignee") -> object | None:
    """The staff user `user_id` if a ticket of `ws` may be assigned to them (None
    unassigns); `Invalid` on `field` otherwise."""
    if user_id is None:
        return None
    found = next((u for u in assignable_staff(ws) if u.id == user_id), None)
    if found is None:
        raise Invalid(_("Choose a staff member of this workspace."), field=field)
    return found


def workspace_contact(ws: Workspace, *, contact_id=None, email=None,
                      field: str = "contact") -> Contact:
    """A contact of `ws` by id or email; anything else is "no such contact" (`Invalid` on
    `field`)."""
    stmt = select(Contact).where(Contact.workspace_id == ws.id)
    if contact_id is not None:
        stmt = stmt.where(Contact.id == contact_id)
    elif email and isinstance(email, str):
        stmt = stmt.where(Contact.email == email.strip().lower())
    else:
        raise Invalid(_("Enter the email of a contact of this workspace."), field=field)
    contact = db.session.scalar(stmt)
    if contact is None:
        raise Invalid(_("No contact of this workspace has that email."), field=field)
    return contact
