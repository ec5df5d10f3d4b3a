"""A ticket's thread and history: comments, internal notes, stage/priority/assignee changes.

Customers only ever see public comments and public events (`public=True`); internal notes
and their events are staff-only everywhere: pages, API, live events, emails and counts.
"""

from datetime import timedelta
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from portal.extensions import db
from portal.models import Comment, Contact, Ticket, TicketEvent
from portal.models.base import utcnow
from portal.models.ticket import FINISHED_STAGES, PRIORITIES, STAGES
from portal.services import live, portal_settings
from portal.services.actors import Actor
from portal.services.errors import Forbidden, Invalid
from portal.tenancy import prepared
from portal.tenancy_inserts import insert_row

COMMENT_MAX = 20000


def record(ticket: Ticket, kind: str, *, actor: str, data: dict | None = None,
           public: bool = True, at=None) -> TicketEvent:
    """Add an event to the ticket's history. A public event is also the ticket's last
    change as customers see it (`public_updated_at`); an internal one leaves that alone.
    `at`: the change's time when the caller already stamped the ticket with it (a new
    ticket: no UPDATE of `public_updated_at` follows)."""
    from portal.services import webhook_events

    now = at or utcnow()
    ev = TicketEvent(workspace_id=ticket.workspace_id, ticket_id=ticket.id, kind=kind,
                     data=data or {}, public=public, actor=actor, created_at=now)
    if public and ticket.public_updated_at != now:
        ticket.public_updated_at = now
    db.session.add(ev)
    db.session.flush()
    live.announce(db.session, ticket.workspace_id, ticket.id)
    webhook_events.ticket_event(ticket, ev)
    return ev


def created(ticket: Ticket, *, actor: str) -> TicketEvent:
    """The public "created" event of a ticket opened in this transaction, at its creation
    time (which is already its `public_updated_at`), written at once (portal.tenancy_inserts).
    No live announcement: no stream can be subscribed to a ticket before its commit."""
    return insert_row(TicketEvent, dict(
        workspace_id=ticket.workspace_id, ticket_id=ticket.id, kind="created", data={},
        public=True, actor=actor, created_at=ticket.created_at), ticket=ticket)


def _touch(ticket: Ticket) -> None:
    ticket.updated_at = utcnow()


def add_comment(ticket: Ticket, actor: Actor, body, *, public: bool = True,
                files: list | None = None, before_commit=None) -> Comment:
    """`files`: attachments already checked by attachments.check_all, stored with the
    comment in its transaction. `before_commit(comment)` runs inside the transaction, last
    (the caller's answer: portal.idempotent.FirstAnswer)."""
    from portal.services import notifications

    if not isinstance(body, str) or not body.strip() or "\x00" in body:
        raise Invalid(_("Write a message."), field="body")
    if len(body) > COMMENT_MAX:
        raise Invalid(_("The message is too long."), field="body")
    if not public and not actor.is_staff:
        raise Forbidden(_("Only support staff write internal notes."))
    comment = Comment(
        workspace_id=ticket.workspace_id, ticket_id=ticket.id, body=body.strip(), public=public,
        author_contact_id=actor.contact.id if actor.contact else None,
        author_staff_id=actor.staff.id if actor.staff else None,
        author_name=actor.name, created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    if files:
        from portal.services import attachments

        attachments.store(ticket, files, comment)
    if actor.contact is not None and ticket.stage == "awaiting_customer":
        ticket.stage = "in_progress"
    _touch(ticket)
    ev = record(ticket, "comment" if public else "note", actor=actor.name,
                data={"comment_id": comment.id}, public=public)
    if public:
        notifications.ticket_changed(ticket, ev, by_staff=actor.is_staff)
    if before_commit is not None:
        before_commit(comment)
    db.session.commit()
    return comment


KEEP = object()  # `change`: leave the assignee as it is


def set_stage(ticket: Ticket, actor: Actor, stage: str) -> None:
    _stage(ticket, actor, stage)
    db.session.commit()


def set_priority(ticket: Ticket, actor: Actor, priority: str) -> None:
    _priority(ticket, actor, priority)
    db.session.commit()


def assign(ticket: Ticket, actor: Actor, user) -> None:
    _assign(ticket, actor, user)
    db.session.commit()


def change(ticket: Ticket, actor: Actor, *, stage: str | None = None,
           priority: str | None = None, assignee=KEEP) -> None:
    """Change stage, priority and/or assignee (None unassigns) in one transaction: a
    refused step leaves the ticket as it was, even when an earlier step passed."""
    try:
        if stage is not None:
            _stage(ticket, actor, stage)
        if priority is not None:
            _priority(ticket, actor, priority)
        if assignee is not KEEP:
            _assign(ticket, actor, assignee)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


def _stage(ticket: Ticket, actor: Actor, stage: str) -> None:
    from portal.services import notifications, satisfaction

    if stage not in STAGES:
        raise Invalid(_("Unknown stage."), field="stage")
    if stage == ticket.stage:
        return
    old, ticket.stage = ticket.stage, stage
    now = utcnow()
    if stage == "resolved":
        ticket.resolved_at = now
    if stage == "closed":
        ticket.closed_at = now
    if stage not in FINISHED_STAGES:
        ticket.resolved_at = ticket.closed_at = None
    _touch(ticket)
    ev = record(ticket, "stage", actor=actor.name, data={"from": old, "to": stage})
    notifications.ticket_changed(ticket, ev, by_staff=actor.is_staff)
    if stage == "resolved":
        satisfaction.ask(ticket)  # each reporter once, however often it is resolved


def _priority(ticket: Ticket, actor: Actor, priority: str) -> None:
    if not actor.is_staff:
        raise Forbidden(_("Only support staff change the priority."))
    if priority not in PRIORITIES:
        raise Invalid(_("Unknown priority."), field="priority")
    if priority == ticket.priority:
        return
    old, ticket.priority = ticket.priority, priority
    _touch(ticket)
    record(ticket, "priority", actor=actor.name, data={"from": old, "to": priority})


def _assign(ticket: Ticket, actor: Actor, user) -> None:
    if not actor.is_staff:
        raise Forbidden(_("Only support staff assign tickets."))
    new_id = user.id if user is not None else None
    if new_id == ticket.assignee_id:
        return
    ticket.assignee_id = new_id
    _touch(ticket)
    name = (f"{user.first_name} {user.last_name}".strip(" -") or user.username) if user else ""
    record(ticket, "assignee", actor=actor.name, data={"to": name}, public=False)


def add_reporter(ticket: Ticket, actor: Actor, contact: Contact) -> None:
    if not actor.is_staff:
        raise Forbidden(_("Only support staff change who reported a ticket."))
    if contact.workspace_id != ticket.workspace_id:
        raise Invalid(_("No such contact."), field="contact")
    if contact in ticket.reporters:
        return
    ticket.reporters.append(contact)
    _touch(ticket)
    record(ticket, "reporter", actor=actor.name, data={"contact": contact.name or contact.email},
           public=False)
    db.session.commit()


def reopen_window(ticket: Ticket) -> timedelta:
    from portal.models import Workspace

    ws = db.session.get(Workspace, ticket.workspace_id)
    return timedelta(days=portal_settings.published(ws).tickets.reopen_window_days)


def customer_close(ticket: Ticket, actor: Actor) -> None:
    if ticket.stage != "resolved":
        raise Invalid(_("Only a resolved ticket can be closed."), field="stage")
    set_stage(ticket, actor, "closed")


def customer_reopen(ticket: Ticket, actor: Actor) -> None:
    if ticket.stage not in FINISHED_STAGES:
        raise Invalid(_("Only a resolved or closed ticket can be reopened."), field="stage")
    since = ticket.closed_at or ticket.resolved_at
    if since is None or utcnow() - since > reopen_window(ticket):
        raise Invalid(_("This ticket can no longer be reopened. Please open a new one."),
                      field="stage")
    set_stage(ticket, actor, "open")


def can_close(ticket: Ticket) -> bool:
    return ticket.stage == "resolved"


def can_reopen(ticket: Ticket) -> bool:
    since = ticket.closed_at or ticket.resolved_at
    return (ticket.stage in FINISHED_STAGES and since is not None
            and utcnow() - since <= reopen_window(ticket))


@lru_cache(maxsize=4)
def _comments(include_internal: bool, newest_first: bool):
    stmt = select(Comment).where(Comment.ticket_id == bindparam("ticket_id"))
    if not include_internal:
        stmt = stmt.where(Comment.public.is_(True))
    return prepared(stmt.order_by(Comment.id.desc() if newest_first else Comment.id.asc()))


def comments(ticket: Ticket, *, include_internal: bool, newest_first: bool = True) -> list:
    return list(db.session.scalars(_comments(include_internal, newest_first),
                                   {"ticket_id": ticket.id}))


def _visible_events(stmt, include_internal: bool):
    return stmt if include_internal else stmt.where(TicketEvent.public.is_(True))


@lru_cache(maxsize=2)
def _events(include_internal: bool):
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == bindparam("ticket_id"),
                                     TicketEvent.id > bindparam("after_id"))
    return prepared(_visible_events(stmt, include_internal).order_by(TicketEvent.id))


def events(ticket: Ticket, *, include_internal: bool, after_id: int = 0) -> list[TicketEvent]:
    return list(db.session.scalars(_events(include_internal),
                                   {"ticket_id": ticket.id, "after_id": after_id}))


def latest_event_id(ticket_id: int, *, include_internal: bool) -> int:
    """The id of the newest event the viewer may see (0 when none): where a live stream
    starts. For a customer an internal note must not move it."""
    stmt = select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
    return db.session.scalar(_visible_events(stmt, include_internal)) or 0
