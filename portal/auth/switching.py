"""The workspace picker: which workspaces the signed-in person may switch to, and whether a
switch needs another sign-in. One set of rules for the portal's profile menu and the API.

The same email may be a contact in several workspaces. What a workspace accepts is how the
email was proven: an emailed code (or an emailed sign-in link) proves the mailbox, which
any workspace that signs in by code accepts, unless it requires SAML for the email's
domain. A SAML assertion or a JWT hand-off of workspace A proves nothing to workspace B:
the person signs in there by B's own method.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, CustomerSession, Workspace
from portal.services.errors import Conflict, NotFound, ServiceError

EMAIL_CODE, SAML = "email_code", "saml"


class SignInNeeded(ServiceError):
    """The target workspace does not accept how the email was proven: sign in there by
    `sign_in_method` (None: only through the host application's hand-off)."""

    status = 403
    code = "sign_in_required"


@dataclass(frozen=True)
class Choice:
    """A workspace of the picker: the person's contact there, whether it is the one they
    are in, and what a switch needs."""

    workspace: Workspace
    contact_id: int
    current: bool
    needs_sign_in: bool
    sign_in_method: str | None


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def saml_required(ws: Workspace, email: str) -> bool:
    required = {str(d).strip().lstrip("@").lower() for d in (ws.saml_required_domains or [])}
    return _domain(email) in required


def own_method(ws: Workspace, email: str) -> str | None:
    """How `email` signs in to `ws` by itself: SAML when the workspace requires it for the
    domain or offers nothing else, else the emailed code; None when neither is offered (a
    JWT hand-off from the host application is then the only way in)."""
    if ws.sign_in_saml and (saml_required(ws, email) or not ws.sign_in_email_code):
        return SAML
    if ws.sign_in_email_code and not saml_required(ws, email):
        return EMAIL_CODE
    return None


def accepts(ws: Workspace, email: str, proof: str) -> bool:
    """Whether `ws` accepts a session proven by `proof` for `email` without a new sign-in:
    only a mailbox proof crosses, into a workspace that signs this email in by code."""
    return proof == EMAIL_CODE and own_method(ws, email) == EMAIL_CODE


def choices(session: CustomerSession) -> list[Choice]:
    """Every workspace where an active contact has the session's email, by name; the
    session's own workspace is `current`."""
    contact = session.contact
    rows = db.session.execute(
        select(Workspace, Contact.id)
        .join(Contact, Contact.workspace_id == Workspace.id)
        .where(Contact.email == contact.email.lower(), Contact.active.is_(True))
        .order_by(Workspace.name, Workspace.id)
        .execution_options(all_workspaces=True)).all()  # the person's, across workspaces
    found = []
    for ws, contact_id in rows:
        current = ws.id == session.workspace_id
        allowed = current or accepts(ws, contact.email, session.proof)
        found.append(Choice(ws, contact_id, current, not allowed,
                            None if allowed else own_method(ws, contact.email)))
    return found


def others(session: CustomerSession | None) -> list[Choice]:
    """The picker of the profile menu: the workspaces other than the current one."""
    if session is None:
        return []
    return [choice for choice in choices(session) if not choice.current]


def find(session: CustomerSession, slug: str) -> Choice:
    """The workspace `slug` among the session's choices: NotFound when the person has no
    contact there (as if it did not exist), Conflict for the current one."""
    choice = next((c for c in choices(session) if c.workspace.slug == slug), None)
    if choice is None:
        raise NotFound(_("No such workspace."))
    if choice.current:
        raise Conflict(_("You are in this workspace already."))
    return choice


def target(session: CustomerSession, slug: str) -> Choice:
    """`find`, and SignInNeeded when the workspace does not accept the session's proof."""
    choice = find(session, slug)
    if choice.needs_sign_in:
        raise SignInNeeded(_("Sign in to %(workspace)s to switch to it.",
                             workspace=choice.workspace.name),
                           workspace=slug, sign_in_method=choice.sign_in_method)
    return choice


def target_contact(choice: Choice) -> Contact:
    """The person's contact in the workspace switched to (checked by `target`)."""
    contact = db.session.scalar(
        select(Contact).where(Contact.id == choice.contact_id,
                              Contact.workspace_id == choice.workspace.id)
        .execution_options(all_workspaces=True))
    contact.verified = True  # the mailbox is proven, as by a code
    return contact
