"""Ticket notification emails, coalesced.

A change does not email at once: it joins a waiting `TicketNotification` for the same
recipient and ticket (or starts one, due COALESCE_SECONDS later). The periodic sweep turns
due rows into one outbox email each. Reporters hear about public staff replies and stage
changes; the assignee (or the workspace's support address) hears about new tickets and
customer comments. Internal notes never reach a customer.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Ticket, TicketEvent, TicketNotification, Workspace
from portal.models.base import utcnow
from portal.services import contacts, due, emails, ticket_access, workspaces
from portal.tenancy_inserts import insert_row

COALESCE_SECONDS = 60


def _staff_recipient(ticket: Ticket, ws: Workspace) -> tuple[str, str] | None:
    if ticket.assignee_id:
        user = current_app.appbuilder.sm.get_user_by_id(ticket.assignee_id)
        if user is not None and user.email:
            return user.email, ws.default_locale
    if ws.support_email:
        return ws.support_email, ws.default_locale
    return None


def ticket_changed(ticket: Ticket, ev: TicketEvent, *, by_staff: bool) -> None:
    ws = db.session.get(Workspace, ticket.workspace_id)
    if by_staff:
        if not ev.public:
            return
        for contact in ticket.reporters:
            if contact.active and contact.verified:
                _queue(ticket, contact.email, contact.locale or ws.default_locale, "customer", ev)
    else:
        recipient = _staff_recipient(ticket, ws)
        if recipient:
            _queue(ticket, *recipient, "staff", ev)


def _queue(ticket: Ticket, email: str, locale: str, audience: str, ev: TicketEvent) -> None:
    now = utcnow()
    # a ticket opened in this transaction has no notification waiting yet
    row = None if ev.kind == "created" else db.session.scalar(
        select(TicketNotification).where(
            TicketNotification.ticket_id == ticket.id,
            TicketNotification.recipient_email == email,
            TicketNotification.audience == audience,
            TicketNotification.sent_at.is_(None),
        ).with_for_update())
    if row is not None:
        row.event_ids = [*row.event_ids, ev.id]
        return
    seconds = current_app.config.get("NOTIFY_COALESCE_SECONDS", COALESCE_SECONDS)
    insert_row(TicketNotification, dict(
        workspace_id=ticket.workspace_id, ticket_id=ticket.id, recipient_email=email,
        recipient_locale=locale, audience=audience, event_ids=[ev.id],
        due_at=now + timedelta(seconds=seconds)))


def send_due(now=None) -> int:
    """Turn every due notification into one outbox email. Returns how many were written."""
    return due.handle_due(TicketNotification, _send, 500, now)


def ticket_url(ws: Workspace, ticket: Ticket, locale: str) -> str:
    return f"{workspaces.public_base(ws)}/{locale}/{ws.slug}/tickets/{ticket.number}"


def _send(notification_id: int) -> int:
    row = db.session.scalar(select(TicketNotification).where(
        TicketNotification.id == notification_id).with_for_update())
    if row is None or row.sent_at is not None:
        db.session.rollback()
        return 0
    row.sent_at = utcnow()
    ticket = db.session.get(Ticket, row.ticket_id)
    ws = db.session.get(Workspace, row.workspace_id)
    events = list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.id.in_(row.event_ids)).order_by(TicketEvent.id)))
    if row.audience == "customer":
        contact = contacts.by_email(ws, row.recipient_email)
        events = [e for e in events if e.public]
        if contact is None or not events or not ticket_access.can_see(contact, ticket):
            db.session.commit()
            return 0
    locale = row.recipient_locale if row.recipient_locale in ws.enabled_locales \
        else ws.default_locale
    emails.queue_email(
        ws, row.recipient_email, "ticket_update", locale,
        lambda: _("[%(workspace)s] Ticket #%(number)s: %(title)s", workspace=ws.name,
                  number=ticket.number, title=ticket.title),
        ticket=ticket, events=events, url=ticket_url(ws, ticket, locale),
        audience=row.audience, comments=_comments(events, row.audience))
    db.session.commit()
    return 1


def _comments(events: list[TicketEvent], audience: str) -> dict:
    from portal.models import Comment

    ids = [e.data.get("comment_id") for e in events if e.kind in ("comment", "note")]
    if not ids:
        return {}
    stmt = select(Comment).where(Comment.id.in_(ids))
    if audience == "customer":
        stmt = stmt.where(Comment.public.is_(True))
    return {c.id: c for c in db.session.scalars(stmt)}
