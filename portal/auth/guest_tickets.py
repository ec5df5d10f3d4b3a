"""A ticket opened by a visitor who is not signed in (features.tickets = public).

What they typed is kept server-side (GuestTicketDraft, GUEST_TICKET_DRAFT_SECONDS) and a
one-time code is emailed to the address they gave, by the sign-in's own machinery
(portal.auth.otp with `guest=True`, same limits, same answers for known and unknown
addresses). Only a right code turns the draft into a ticket: the address's contact, or a
new one as just-in-time provisioning would make it (public ticket management is the
admin's choice, so JIT need not be on). The browser holds the draft's token in its Flask
session (signed); the database keeps only its digest.
"""

from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from portal.auth import otp
from portal.auth.tokens import digest, new_token
from portal.extensions import db
from portal.models import Contact, GuestTicketDraft, Workspace
from portal.models.base import utcnow


def _session_key(ws: Workspace) -> str:
    return f"guest_ticket_{ws.id}"


def hold(ws: Workspace, raw_email, values: dict, locale: str | None) -> str:
    """Keep `values` (field name -> list of strings) for `raw_email` and email it a code;
    the normalised address (otp.normalise_email's Invalid when it is none). Replaces this
    browser's earlier draft in the workspace, and drops the workspace's expired ones."""
    email = otp.normalise_email(raw_email)
    now = utcnow()
    token = new_token()
    db.session.execute(delete(GuestTicketDraft).where(
        GuestTicketDraft.workspace_id == ws.id,
        (GuestTicketDraft.expires_at <= now)
        | (GuestTicketDraft.token_hash == _token_hash(session.get(_session_key(ws))))))
    seconds = current_app.config["GUEST_TICKET_DRAFT_SECONDS"]
    db.session.add(GuestTicketDraft(workspace_id=ws.id, token_hash=digest(token), email=email,
                                    values=values, created_at=now,
                                    expires_at=now + timedelta(seconds=seconds)))
    db.session.commit()
    session[_session_key(ws)] = token
    otp.request_code(ws, email, locale, guest=True)
    return email


def _token_hash(token) -> str:
    return digest(token) if isinstance(token, str) and token else ""


def current(ws: Workspace) -> GuestTicketDraft | None:
    """This browser's live draft in `ws`, or None."""
    token_hash = _token_hash(session.get(_session_key(ws)))
    if not token_hash:
        return None
    return db.session.scalar(select(GuestTicketDraft).where(
        GuestTicketDraft.workspace_id == ws.id, GuestTicketDraft.token_hash == token_hash,
        GuestTicketDraft.expires_at > utcnow()))


def send_again(ws: Workspace, draft: GuestTicketDraft, locale: str | None) -> None:
    otp.request_code(ws, draft.email, locale, guest=True)


def confirm(ws: Workspace, draft: GuestTicketDraft, raw_code) -> Contact:
    """The draft's contact (created if its address is new) once `raw_code` is right, its
    address then verified; otp.verify_code's Invalid otherwise (the draft stays)."""
    return otp.verify_code(ws, draft.email, raw_code, guest=True)


def values_of(draft: GuestTicketDraft) -> MultiDict:
    """The kept form, as the form was sent (tickets.parse_input reads it again)."""
    return MultiDict([(key, value) for key, listed in (draft.values or {}).items()
                      if isinstance(listed, list) for value in listed])


def forget(ws: Workspace, draft: GuestTicketDraft) -> None:
    """Drop the draft (in the caller's transaction: the ticket's) and this browser's token."""
    db.session.execute(delete(GuestTicketDraft).where(
        GuestTicketDraft.workspace_id == ws.id, GuestTicketDraft.id == draft.id))
    session.pop(_session_key(ws), None)


def discard(ws: Workspace, draft: GuestTicketDraft) -> None:
    """`forget`, committed: the draft was read back into the form."""
    forget(ws, draft)
    db.session.commit()

