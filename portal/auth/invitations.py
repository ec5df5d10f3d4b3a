"""Inviting a colleague into a customer admin's account (the console's rule lives in
portal.services.customer_account): the contact, and an emailed one-time sign-in link
(a sign-in token of purpose "invite": following it proves the mailbox, like a code)."""

from flask import current_app, url_for
from flask_babel import gettext as _

from portal.auth import sign_in_tokens
from portal.auth.otp import normalise_email
from portal.extensions import db
from portal.models import Contact, Workspace
from portal.services import contacts, customer_account, emails, workspaces
from portal.services.errors import Conflict, Invalid

NAME_MAX = 200


def invite(ws: Workspace, admin: Contact, raw_email, raw_name, locale: str) -> Contact:
    """Add a colleague to the admin's account and email them a sign-in link: a new contact,
    or a member of the account again. Any other contact of the workspace (of another
    account, of none: staff link those, or deactivated) is refused with one message and
    status, which tells nothing about them."""
    customer_account.admin_of(admin)
    email = normalise_email(raw_email)
    name = raw_name.strip() if isinstance(raw_name, str) else ""
    if len(name) > NAME_MAX:
        raise Invalid(_("The name is too long."), field="name")
    contact = contacts.by_email(ws, email)
    if contact is not None and (contact.account_id != admin.account_id or not contact.active):
        raise Conflict(_("This person cannot be invited to your organisation."), field="email")
    if contact is None:
        contact = Contact(workspace_id=ws.id, email=email, name=name or email.split("@")[0],
                          account_id=admin.account_id, locale=None, verified=False)
        db.session.add(contact)
    db.session.flush()
    _invitation(ws, admin, contact, locale)
    db.session.commit()
    return contact


def invitation_url(ws: Workspace, email: str, locale: str) -> str:
    """An absolute sign-in link for `email` (the /signin/token page of `ws`)."""
    token = sign_in_tokens.issue(ws, email, "invite",
                                 current_app.config["INVITE_LINK_SECONDS"])
    path = url_for("portal.signin_token", workspace=ws.slug, locale=locale, token=token)
    return workspaces.public_base(ws) + path


def _invitation(ws: Workspace, admin: Contact, contact: Contact, locale: str) -> None:
    locale = contact.locale or locale
    link_locale = workspaces.locale_for(ws, locale) or ws.default_locale
    days = max(1, current_app.config["INVITE_LINK_SECONDS"] // 86400)
    emails.invitation(ws, contact.email, invitation_url(ws, contact.email, link_locale),
                      inviter=admin.name or admin.email, days=days, locale=locale)
