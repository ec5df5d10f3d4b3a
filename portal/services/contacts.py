"""Contacts and accounts: lookup, just-in-time provisioning, account linking by domain."""

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Account, Contact, CustomerGroup, Workspace, group_members
from portal.models.customer import CUSTOMER_ADMINS
from portal.request_memo import keep, memo


def by_email(ws: Workspace, email: str) -> Contact | None:
    return db.session.scalar(
        select(Contact).where(Contact.workspace_id == ws.id, Contact.email == email.lower())
    )


def account_for_domain(ws: Workspace, email: str) -> Account | None:
    """The first account (oldest) listing the email's domain; `@acme.com` counts as `acme.com`."""
    domain = email.rsplit("@", 1)[-1].lower()
    accounts = db.session.scalars(
        select(Account).where(Account.workspace_id == ws.id).order_by(Account.id)
    )
    for account in accounts:
        listed = {str(d).strip().lstrip("@").lower() for d in (account.domains or [])}
        if domain in listed:
            return account
    return None


def provision(ws: Workspace, email: str, name: str | None = None,
              account_name: str | None = None) -> Contact:
    """A new contact for a first sign-in (JIT), linked to an account by `jit_account`.
    Two first sign-ins racing end with the one contact."""
    email = email.lower()
    account = jit_account(ws, email, account_name)
    contact = Contact(
        workspace_id=ws.id,
        email=email,
        name=(name or "").strip()[:200] or email.split("@")[0][:200],
        account_id=account.id if account is not None else None,
        verified=True,
    )
    try:
        with db.session.begin_nested():
            db.session.add(contact)
    except IntegrityError:
        existing = by_email(ws, email)
        if existing is None:
            raise
        return existing
    return contact


def jit_account(ws: Workspace, email: str, account_name: str | None = None) -> Account | None:
    """The account a JIT contact joins: the one named by the identity (a SAML account
    attribute, the JWT hand-off's `account`) when it exists, else the one listing the
    email's domain (when the workspace links by domain), else the workspace's default
    account, else none (a contact without an account still signs in and opens tickets)."""
    if account_name and account_name.strip():
        named = db.session.scalar(select(Account).where(
            Account.workspace_id == ws.id, Account.name == account_name.strip()))
        if named is not None:
            return named
    if ws.jit_link_by_domain:
        by_domain = account_for_domain(ws, email)
        if by_domain is not None:
            return by_domain
    if ws.jit_default_account_id is not None:
        return db.session.scalar(select(Account).where(
            Account.workspace_id == ws.id, Account.id == ws.jit_default_account_id))
    return None


def is_customer_admin(contact: Contact) -> bool:
    """Whether `contact` is in the Customer Admins group (once per request: the ticket and
    article rules and the pages ask it several times; portal.services.groups forgets it
    when a membership changes)."""
    return memo(("customer_admin", contact.id), lambda: any(
        grp.system and grp.name == CUSTOMER_ADMINS for grp in contact.groups))


def customer_admin_column():
    """SQL: whether the statement's `Contact` is in Customer Admins (for a lookup that loads
    the contact anyway: the customer session); `note_customer_admin` keeps the answer."""
    return exists().where(
        group_members.c.contact_id == Contact.id, group_members.c.group_id == CustomerGroup.id,
        CustomerGroup.workspace_id == Contact.workspace_id, CustomerGroup.system.is_(True),
        CustomerGroup.name == CUSTOMER_ADMINS).label("customer_admin")


def note_customer_admin(contact: Contact, is_admin: bool) -> None:
    """What `is_customer_admin(contact)` answers for the rest of the request."""
    keep(("customer_admin", contact.id), bool(is_admin))


def customer_admins_group(ws: Workspace) -> CustomerGroup | None:
    return db.session.scalar(
        select(CustomerGroup).where(
            CustomerGroup.workspace_id == ws.id,
            CustomerGroup.name == CUSTOMER_ADMINS,
            CustomerGroup.system.is_(True),
        )
    )


def to_json(contact: Contact) -> dict:
    return {
        "id": contact.id,
        "email": contact.email,
        "name": contact.name,
        "locale": contact.locale,
        "verified": contact.verified,
        "account": {"id": contact.account.id, "name": contact.account.name}
        if contact.account
        else None,
        "customer_admin": is_customer_admin(contact),
    }
