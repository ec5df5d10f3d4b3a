"""What the staff ticket pages and the staff REST API share: the queue with its filters,
who may be assigned, which contacts may be added as reporters, and how a ticket reads.

The ticket rules themselves stay in portal.services (tickets, timeline); this module only
narrows lookups to the current workspace, so a number, a user id or a contact id of
another workspace is simply not found. The tenancy guard limits every ticket, contact and
account query here too.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.extensions import db
from portal.forms.compile import describe
from portal.i18n import normalise
from portal.labels import priority_label, stage_label
from portal.models import Account, Contact, StaffMembership, Ticket, Workspace
from portal.schemas.pages import QueueArgs, page_args
from portal.services import actors, tickets
from portal.services.errors import Invalid

SORT_LABELS = {"updated": _l("Recently updated"), "newest": _l("Newest"),
               "oldest": _l("Oldest")}
# The customer's label for this stage is "Awaiting your reply"; staff read it the other way.
STAFF_STAGE_LABELS = {"awaiting_customer": _l("Awaiting customer")}


def staff_stage_label(code: str) -> str:
    return str(STAFF_STAGE_LABELS.get(code) or stage_label(code))


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


def parse_filters(args) -> QueueFilters:
    """Filters from query arguments (a MultiDict: `stage` may repeat); `Invalid` names a
    wrong one."""
    found = page_args(QueueArgs, args)
    return QueueFilters(
        stages=tuple(found["stage"]), priority=found.get("priority"),
        assignee_id=found.get("assignee"), account_id=found.get("account"),
        unassigned=found["unassigned"].lower() in ("1", "true", "yes", "on"),
        q=found["q"][:200], sort=found["sort"], after=found.get("after"),
        limit=found["limit"])


def queue(ws: Workspace, filters: QueueFilters) -> tickets.Page:
    """One page of the workspace's tickets, keyset-paginated by the tickets service."""
    stmt = select(Ticket).where(Ticket.workspace_id == ws.id)
    if filters.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == filters.assignee_id)
    if filters.account_id is not None:
        stmt = stmt.where(Ticket.account_id == filters.account_id)
    return tickets._page(stmt, tickets.ListQuery(
        stages=filters.stages, priority=filters.priority, q=filters.q, sort=filters.sort,
        after=filters.after, limit=filters.limit))


def _user_model():
    return current_app.appbuilder.sm.user_model


def assignable_staff(ws: Workspace) -> list:
    """Active staff members of `ws`, and the platform admins, who act in every workspace."""
    user_model = _user_model()
    role_model = current_app.appbuilder.sm.role_model
    members = select(StaffMembership.user_id).where(StaffMembership.workspace_id == ws.id)
    stmt = (select(user_model)
            .where(user_model.active.is_(True),
                   or_(user_model.id.in_(members),
                       user_model.roles.any(
                           role_model.name == current_app.config["AUTH_ROLE_ADMIN"])))
            .order_by(user_model.first_name, user_model.last_name, user_model.id))
    return list(db.session.scalars(stmt))


def assignable(ws: Workspace, user_id) -> object | None:
    """The staff user `user_id` if a ticket of `ws` may be assigned to them."""
    if user_id is None:
        return None
    found = next((u for u in assignable_staff(ws) if u.id == user_id), None)
    if found is None:
        raise Invalid(_("Choose a staff member of this workspace."), field="assignee")
    return found


def staff_name(user) -> str:
    return actors.staff(user).name if user is not None else ""


def staff_user(user_id) -> object | None:
    return db.session.get(_user_model(), user_id) if user_id else None


def workspace_contact(ws: Workspace, *, contact_id=None, email=None) -> Contact:
    """A contact of `ws` by id or email; anything else is "no such contact"."""
    stmt = select(Contact).where(Contact.workspace_id == ws.id)
    if contact_id is not None:
        stmt = stmt.where(Contact.id == contact_id)
    elif email and isinstance(email, str):
        stmt = stmt.where(Contact.email == email.strip().lower())
    else:
        raise Invalid(_("Enter the email of a contact of this workspace."), field="contact")
    contact = db.session.scalar(stmt)
    if contact is None:
        raise Invalid(_("No contact of this workspace has that email."), field="contact")
    return contact


def accounts(ws: Workspace) -> list[Account]:
    return list(db.session.scalars(
        select(Account).where(Account.workspace_id == ws.id).order_by(Account.name)))


def locale_code(ws: Workspace) -> str:
    """The admin's language as a form locale (`de-DE`), else the workspace default."""
    return normalise(str(get_locale() or "")) or ws.default_locale


def custom_fields(ticket: Ticket, locale: str, fallback: str) -> list[dict]:
    """The custom answers with labels (and option labels) of the form version the ticket was
    created with; an answer the form does not describe keeps its key as label."""
    values = dict(ticket.custom_fields or {})
    rows = []
    if ticket.form is not None:
        for field in describe(ticket.form.definition, locale, fallback)["fields"]:
            if field["key"] not in values:
                continue
            rows.append({"key": field["key"], "label": field["label"],
                         "value": _shown(field, values.pop(field["key"]))})
    rows.extend({"key": key, "label": key, "value": _shown({}, value)}
                for key, value in sorted(values.items()))
    return rows


def _shown(field: dict, value) -> str:
    labels = {o["value"]: o["label"] for o in field.get("options", [])}
    for options in field.get("options_by", {}).get("map", {}).values():
        labels.update({o["value"]: o["label"] for o in options})
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))


def event_text(ev) -> str:
    data = ev.data or {}
    if ev.kind == "created":
        return _("Ticket created")
    if ev.kind == "stage":
        return _("Stage changed from %(old)s to %(new)s",
                 old=staff_stage_label(data.get("from", "")),
                 new=staff_stage_label(data.get("to", "")))
    if ev.kind == "priority":
        return _("Priority changed from %(old)s to %(new)s",
                 old=priority_label(data.get("from", "")), new=priority_label(data.get("to", "")))
    if ev.kind == "assignee":
        return (_("Assigned to %(name)s", name=data["to"]) if data.get("to")
                else _("Unassigned"))
    if ev.kind == "comment":
        return _("Public comment")
    if ev.kind == "note":
        return _("Internal note")
    if ev.kind == "reporter":
        return _("%(contact)s added to Reported by", contact=data.get("contact", ""))
    return ev.kind
