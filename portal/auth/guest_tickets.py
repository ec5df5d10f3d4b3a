"""A ticket opened by a visitor who is not signed in (features.tickets = public).

What they typed is kept server-side (GuestTicketDraft, GUEST_TICKET_DRAFT_SECONDS) and a
one-time code is emailed to the address they gave, by the sign-in's own machinery
(portal.auth.otp with `guest=True`, same limits, same answers for known and unknown
addresses). Only a right code turns the draft into a ticket: the address's contact, or a
new one as just-in-time provisioning would make it (public ticket management is the
admin's choice, so JIT need not be on). The browser holds the draft's token in its Flask
session (signed), an app of the customer API holds it itself (portal/api/guest_tickets.py);
the database keeps only its digest.

The code is the only proof a visitor gives, so the sign-in's settings apply as to a
sign-in (otp.allowed_email): with codes off visitors cannot open tickets (`VisitorsClosed`),
and an email whose domain must use SAML signs in there first.
"""

from datetime import timedelta

from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from portal.auth import otp
from portal.auth.tokens import digest, new_token
from portal.extensions import db
from portal.models import Contact, GuestTicketDraft, Workspace
from portal.models.base import utcnow
from portal.services import sign_in_settings


class VisitorsClosed(sign_in_settings.CodeSignInOff):
    """Emailed codes are off: a visitor has no way to prove their address (403)."""


def allowed_email(ws: Workspace, raw_email, login_url=None) -> str:
    """otp.allowed_email, with a visitor's message when codes are off (VisitorsClosed)."""
    try:
        return otp.allowed_email(ws, raw_email, login_url)
    except sign_in_settings.CodeSignInOff:
        raise VisitorsClosed(closed_message()) from None


def closed_message() -> str:
    return _("Visitors cannot open tickets here while sign-in with an emailed code is off: "
             "please sign in another way, then open your ticket.")


def open_to_visitors(ws: Workspace) -> bool:
    return bool(ws.sign_in_email_code)


def _session_key(ws: Workspace) -> str:
    return f"guest_ticket_{ws.id}"


def hold(ws: Workspace, raw_email, values: dict, locale: str | None) -> str:
    """Keep the web form `values` (field name -> list of strings) for `raw_email` and email
    it a code; the normalised address (otp.normalise_email's Invalid when it is none).
    Replaces this browser's earlier draft in the workspace. Refused as `allowed_email`."""
    email = allowed_email(ws, raw_email)
    token = _store(ws, email, values, "web", replaces=session.get(_session_key(ws)))
    session[_session_key(ws)] = token
    otp.request_code(ws, email, locale, guest=True)
    return email


def hold_for_app(ws: Workspace, email: str, body: dict, locale: str | None,
                 login_url=None) -> str:
    """Keep an API body (checked by the caller) for the normalised `email` and email it a
    code; the draft's token, which the app sends back with the code. Refused as
    `allowed_email`."""
    email = allowed_email(ws, email, login_url)
    token = _store(ws, email, body, "api")
    otp.request_code(ws, email, locale, guest=True)
    return token


def _store(ws: Workspace, email: str, values: dict, source: str, replaces=None) -> str:
    """A new draft's token; drops the workspace's expired drafts and the one replaced."""
    now = utcnow()
    token = new_token()
    db.session.execute(delete(GuestTicketDraft).where(
        GuestTicketDraft.workspace_id == ws.id,
        (GuestTicketDraft.expires_at <= now)
        | (GuestTicketDraft.token_hash == _token_hash(replaces))))
    seconds = current_app.config["GUEST_TICKET_DRAFT_SECONDS"]
    db.session.add(GuestTicketDraft(workspace_id=ws.id, token_hash=digest(token), email=email,
                                    values=values, source=source, created_at=now,
                                    expires_at=now + timedelta(seconds=seconds)))
    db.session.commit()
    return token


def _token_hash(token) -> str:
    return digest(token) if isinstance(token, str) and token else ""


def current(ws: Workspace) -> GuestTicketDraft | None:
    """This browser's live draft in `ws`, or None."""
    return by_token(ws, session.get(_session_key(ws)), "web")


def by_token(ws: Workspace, token, source: str) -> GuestTicketDraft | None:
    """The live draft of `token` in `ws` kept by `source` (web, api), or None."""
    token_hash = _token_hash(token)
    if not token_hash:
        return None
    return db.session.scalar(select(GuestTicketDraft).where(
        GuestTicketDraft.workspace_id == ws.id, GuestTicketDraft.token_hash == token_hash,
        GuestTicketDraft.source == source, GuestTicketDraft.expires_at > utcnow()))


def send_again(ws: Workspace, draft: GuestTicketDraft, locale: str | None) -> None:
    allowed_email(ws, draft.email)
    otp.request_code(ws, draft.email, locale, guest=True)


def confirm(ws: Workspace, draft: GuestTicketDraft, raw_code, login_url=None) -> Contact:
    """The draft's contact (created if its address is new) once `raw_code` is right, its
    address then verified; otp.verify_code's Invalid otherwise (the draft stays), and
    `allowed_email`'s refusals should the settings have changed since the hold."""
    allowed_email(ws, draft.email, login_url)
    return otp.verify_code(ws, draft.email, raw_code, guest=True, login_url=login_url)


def values_of(draft: GuestTicketDraft) -> MultiDict:
    """The kept form, as the form was sent (tickets.parse_input reads it again)."""
    return MultiDict([(key, value) for key, listed in (draft.values or {}).items()
                      if isinstance(listed, list) for value in listed])


def forget(ws: Workspace, draft: GuestTicketDraft) -> None:
    """Drop the draft (in the caller's transaction: the ticket's) and this browser's token."""
    db.session.execute(delete(GuestTicketDraft).where(
        GuestTicketDraft.workspace_id == ws.id, GuestTicketDraft.id == draft.id))
    if draft.source == "web":
        session.pop(_session_key(ws), None)


def discard(ws: Workspace, draft: GuestTicketDraft) -> None:
    """`forget`, committed: the draft was read back into the form."""
    forget(ws, draft)
    db.session.commit()

