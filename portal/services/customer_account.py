"""The customer admin's console: a Customer Admin manages the members of their own account
(the portal's /account page and /api/v1/account/members).

Inviting a colleague is portal.auth.invitations (it issues a sign-in link). Only a
Customer Admin with an account passes `admin_of`; everything else reads and changes
rows of that one account in the current workspace, so an admin of account A never reaches a
member of account B, nor a contact of another workspace. A member's open tickets are those
the admin may see (ticket_access.visible_to: the same rule as every ticket list).
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Contact,
    CustomerGroup,
    Ticket,
    Workspace,
    group_members,
    ticket_reporters,
)
from portal.models.customer import CUSTOMER_ADMINS
from portal.models.ticket import OPEN_STAGES
from portal.services import contacts, groups, ticket_access
from portal.services.errors import Conflict, Forbidden, NotFound

SHOWN_TICKETS = 5  # links per member; the count says how many there are


@dataclass
class Member:
    id: int
    name: str
    email: str
    customer_admin: bool
    verified: bool
    you: bool
    open_count: int = 0
    open_tickets: list = field(default_factory=list)  # (number, title), newest first


def admin_of(contact: Contact | None) -> Contact:
    """`contact` when they are a Customer Admin of an account, else Forbidden."""
    if contact is None or not contact.account_id or not contacts.is_customer_admin(contact):
        raise Forbidden(_("Only your organisation's customer admins manage its members."))
    return contact


def members(ws: Workspace, admin: Contact) -> list[Member]:
    """The active contacts of the admin's account, by name, with their open tickets."""
    admin_of(admin)
    rows = db.session.scalars(select(Contact).where(
        Contact.workspace_id == ws.id, Contact.account_id == admin.account_id,
        Contact.active.is_(True)).order_by(Contact.name, Contact.email)).all()
    admins = set(db.session.scalars(
        select(group_members.c.contact_id)
        .join(CustomerGroup, CustomerGroup.id == group_members.c.group_id)
        .where(CustomerGroup.workspace_id == ws.id, CustomerGroup.system.is_(True),
               CustomerGroup.name == CUSTOMER_ADMINS,
               group_members.c.contact_id.in_([c.id for c in rows]))))
    found = {c.id: Member(c.id, c.name, c.email, c.id in admins, c.verified, c.id == admin.id)
             for c in rows}
    _open_tickets(ws, admin, found)
    return list(found.values())


def _open_tickets(ws: Workspace, admin: Contact, found: dict) -> None:
    if not found:
        return
    link = ticket_reporters.alias("member_link")  # visible_to reads ticket_reporter itself
    stmt = (select(link.c.contact_id, Ticket.number, Ticket.title)
            .join(Ticket, Ticket.id == link.c.ticket_id)
            .where(Ticket.workspace_id == ws.id, Ticket.stage.in_(OPEN_STAGES),
                   link.c.contact_id.in_(list(found)),
                   ticket_access.visible_to(admin))
            .order_by(Ticket.id.desc()))
    for contact_id, number, title in db.session.execute(stmt):
        member = found[contact_id]
        member.open_count += 1
        if len(member.open_tickets) < SHOWN_TICKETS:
            member.open_tickets.append((number, title))


def member(ws: Workspace, admin: Contact, member_id) -> Contact:
    """A contact of the admin's account; NotFound for any other."""
    admin_of(admin)
    found = db.session.scalar(select(Contact).where(
        Contact.workspace_id == ws.id, Contact.id == member_id,
        Contact.account_id == admin.account_id))
    if found is None:
        raise NotFound(_("No such member."))
    return found


def remove(ws: Workspace, admin: Contact, member_id) -> None:
    """Take a member out of the admin's account (not the admin themselves); a Customer
    Admin also leaves that group, whose rights only meant something with the account."""
    found = member(ws, admin, member_id)
    if found.id == admin.id:
        raise Conflict(_("You cannot remove yourself from your organisation."))
    group = contacts.customer_admins_group(ws)
    found.account_id = None
    db.session.commit()
    if group is not None:
        groups.remove_member(group, found)
