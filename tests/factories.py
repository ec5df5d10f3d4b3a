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



def languages_kb(ws) -> dict:
    """A public knowledge base (SEO on): a directory named in English only, one in English
    and French, an article in English only ("only") and one in English and French
    ("both") -- for the pages in languages without a translation."""
    from portal.models import Directory
    from portal.services import articles

    portal_settings.change(ws, {"features.knowledge_base": "public", "features.seo": True})
    with use_workspace(ws.id):
        guides = Directory(workspace_id=ws.id, slug="guides",
                           names={"en-US": "Guides", "fr-FR": "Guides pratiques"},
                           descriptions={"en-US": "How to"})
        billing = Directory(workspace_id=ws.id, slug="billing", names={"en-US": "Billing"})
        db.session.add_all([guides, billing])
        db.session.flush()
        only = articles.save(ws, locale="en-US", title="Connect to the VPN",
                             body="Install the client.", status="published",
                             directory_id=billing.id)
        both = articles.save(ws, locale="en-US", title="Reset your password",
                             body="Use the link.", status="published", directory_id=guides.id)
        articles.save(ws, article=both, locale="fr-FR", title="Réinitialiser le mot de passe",
                      body="Utilisez le lien.", status="published", directory_id=guides.id)
    db.session.commit()
    return {"only": only, "both": both}
