"""Customer groups: finding one, its members, and the contacts staff may add to it.

Settings > Groups > members adds and removes one contact at a time; each change commits
on its own. Every lookup is narrowed to the workspace, so an id of another workspace is
"no such group" or "no such contact".
"""

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import Contact, CustomerGroup, Workspace
from portal.request_memo import forget
from portal.services.errors import NotFound

SEARCH_MAX = 100
FOUND_MAX = 25


def get(ws: Workspace, group_id) -> CustomerGroup:
    return _one(ws, CustomerGroup, group_id, _("No such group."))


def contact(ws: Workspace, contact_id) -> Contact:
    return _one(ws, Contact, contact_id, _("No such contact."))


def _one(ws: Workspace, model, row_id, missing: str):
    found = db.session.scalar(select(model).where(model.workspace_id == ws.id,
                                                  model.id == row_id))
    if found is None:
        raise NotFound(missing)
    return found


def stored_name(group_id) -> str | None:
    """A group's name as stored, read before an edit touches the row: filling in the edit
    form loads the members, which autoflushes the new name, so it cannot be read later."""
    try:
        group_id = int(group_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(CustomerGroup.name).where(CustomerGroup.id == group_id))


def members(group: CustomerGroup) -> list[Contact]:
    return sorted(group.members, key=lambda c: c.email)


def candidates(ws: Workspace, group: CustomerGroup, query: str) -> list[Contact]:
    """Contacts of `ws` whose email or name holds `query`, not yet in the group."""
    query = (query or "").strip()[:SEARCH_MAX]
    if not query:
        return []
    pattern = f"%{query.lower()}%"
    stmt = (select(Contact)
            .where(Contact.workspace_id == ws.id,
                   or_(Contact.email.ilike(pattern), Contact.name.ilike(pattern)))
            .order_by(Contact.email).limit(FOUND_MAX))
    return [c for c in db.session.scalars(stmt) if c not in group.members]


def add_member(group: CustomerGroup, member: Contact) -> None:
    if member.workspace_id != group.workspace_id:
        raise NotFound(_("No such contact."))
    if member not in group.members:
        group.members.append(member)
        db.session.commit()
        forget("customer_admin", "kb_audiences")


def remove_member(group: CustomerGroup, member: Contact) -> None:
    if member in group.members:
        group.members.remove(member)
        db.session.commit()
        forget("customer_admin", "kb_audiences")
