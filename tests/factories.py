"""Test data factories (`make_*`). They write through the services where one exists."""

import itertools

from portal.auth import sessions
from portal.extensions import db
from portal.models import Account, Contact
from portal.services import contacts, portal_settings, snap_ins, staff, workspaces
from portal.tenancy import use_workspace

_seq = itertools.count(1)


def make_workspace(slug: str | None = None, name: str | None = None, **kwargs):
    n = next(_seq)
    return workspaces.create_workspace(slug or f"ws{n}", name or f"Workspace {n}", **kwargs)


def make_account(ws, name: str | None = None, domains=()):
    account = Account(workspace_id=ws.id, name=name or f"Account {next(_seq)}",
                      domains=list(domains))
    db.session.add(account)
    db.session.commit()
    return account


def make_contact(ws, email: str | None = None, *, account=None, verified=True, active=True,
                 name=None, customer_admin=False, locale=None):
    contact = Contact(workspace_id=ws.id, email=(email or f"user{next(_seq)}@example.com").lower(),
                      name=name or "Test Person", account=account, verified=verified,
                      active=active, locale=locale)
    db.session.add(contact)
    db.session.flush()
    if customer_admin:
        with use_workspace(ws.id):
            group = contacts.customer_admins_group(ws)
            group.members.append(contact)
            db.session.commit()
    db.session.commit()
    return contact


def make_staff(email="staff@example.com", password="staff-password-1", role="admin",
               workspace=None):
    user, _created = staff.create_staff(email, password, role,
                                        workspace.slug if workspace else None)
    return user


def login_as(client, contact) -> str:
    """Give `client` a web session for `contact` (as a successful code sign-in would)."""
    from flask import g

    with use_workspace(contact.workspace_id):
        token, _row = sessions.start(contact, kind="web")
    client.set_cookie(f"{sessions.COOKIE}_{contact.workspace_id}", token)
    g.pop("customer_session", None)
    return token


def api_token(contact) -> str:
    with use_workspace(contact.workspace_id):
        token, _row = sessions.start(contact, kind="api")
    return token


def follow_on(ws, installed=True, toggle=True, more: dict | None = None):
    """A public knowledge base with Article Follow: the subscriptions toggle (published) and
    the snap-in installed, or not; `more` other settings ({"appearance.company_name": ..})."""
    portal_settings.change(ws, {"features.knowledge_base": "public",
                                "features.article_subscriptions": toggle, **(more or {})})
    db.session.commit()
    snap_ins.set_installed(ws, snap_ins.ARTICLE_FOLLOW, installed)

