"""Server-Sent Events for one ticket, shared by the API and the web page.

The stream never trusts what arrives on the Redis channel: a message only wakes it, and it
then reads the new events from the database through the same visibility rules as every
page (timeline.events, ticket_access.can_see). So an internal note cannot reach a customer even
though its commit publishes on the same channel, and a lost message costs at most one poll
interval, not the update. The stream ends on its own after a bounded lifetime (the browser
and apps reconnect with Last-Event-ID), so a web worker thread is never held forever, and at
once when the process starts draining for shutdown (portal.shutdown): it checks the flag at
least every DRAIN_CHECK_SECONDS.
"""

import json
import time
from collections.abc import Iterator
from contextlib import nullcontext

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from portal import shutdown
from portal.extensions import db
from portal.i18n import babel_locale
from portal.models import Comment, Contact, Ticket
from portal.models.base import ID_MAX
from portal.services import live, ticket_access, ticket_json, timeline
from portal.services.actors import Actor
from portal.tenancy import use_workspace

HEARTBEAT_SECONDS = 15
LIFETIME_SECONDS = 300
POLL_SECONDS = 15  # a database catch-up even when Redis stays silent
RETRY_MS = 2000
DRAIN_CHECK_SECONDS = 0.5  # how soon a stream notices that the process is shutting down
EVENT_ID_MAX = ID_MAX  # an id column: larger values overflow PostgreSQL's integer


def frame(event: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def parse_last_event_id(*candidates) -> int | None:
    """The first candidate that is a non-negative event id; anything else counts as absent."""
    for value in candidates:
        text = value.strip() if isinstance(value, str) else ""
        if text.isascii() and text.isdigit() and len(text) < 12 and int(text) <= EVENT_ID_MAX:
            return int(text)
    return None


def _may_see(ticket: Ticket | None, staff: bool, contact_id: int | None) -> bool:
    if ticket is None:
        return False
    if staff:
        return True
    contact = db.session.get(Contact, contact_id) if contact_id is not None else None
    return contact is not None and ticket_access.can_see(contact, ticket)


def _catch_up(workspace_id: int, ticket_id: int, staff: bool, contact_id: int | None,
              after_id: int):
    """(frames, last id) of events after `after_id` that `viewer` may see; None when the
    viewer may no longer see the ticket (or it is gone). Ends its transaction, so the
    next catch-up sees new commits and no connection is held while waiting."""
    try:
        with use_workspace(workspace_id):
            ticket = db.session.get(Ticket, ticket_id)
            if ticket is None or ticket.workspace_id != workspace_id \
                    or not _may_see(ticket, staff, contact_id):
                return None
            found = timeline.events(ticket, include_internal=staff, after_id=after_id)
            by_id = _comments(ticket, staff, [ev.data.get("comment_id") for ev in found
                                               if ev.kind in ("comment", "note")])
            out = []
            for ev in found:
                out.append(frame(ev.kind, ticket_json.stream_event(
                    ev, ticket_json.CUSTOMER, by_id.get(ev.data.get("comment_id"))), ev.id))
                after_id = ev.id
            return out, after_id
    finally:
        db.session.rollback()


def _comments(ticket: Ticket, staff: bool, ids: list) -> dict[int, Comment]:
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return {}
    stmt = select(Comment).where(Comment.ticket_id == ticket.id, Comment.id.in_(ids))
    if not staff:
        stmt = stmt.where(Comment.public.is_(True))
    return {c.id: c for c in db.session.scalars(stmt)}


def _latest_id(workspace_id: int, ticket_id: int, staff: bool) -> int:
    """Where a stream without Last-Event-ID starts: the newest event the viewer may see."""
    try:
        with use_workspace(workspace_id):
            return timeline.latest_event_id(ticket_id, include_internal=staff)
    finally:
        db.session.rollback()


def _subscribe(workspace_id: int, ticket_id: int):
    try:
        return live.subscribe(workspace_id, ticket_id)
    except Exception:  # Redis down: fall back to polling the database
        current_app.logger.warning("live updates: cannot subscribe, polling", exc_info=True)
        return None


def _wait(pubsub, seconds: float):
    """Block up to `seconds` for a message; True when one came, None when Redis failed."""
    if pubsub is None:
        shutdown.draining.wait(max(0.0, seconds))  # wakes at once when draining starts
        return False
    try:
        message = pubsub.get_message(timeout=max(0.0, seconds))
        woke = message is not None
        while message is not None:  # several commits at once: one catch-up
            message = pubsub.get_message(timeout=0)
        return woke
    except Exception:
        current_app.logger.warning("live updates: Redis failed, polling", exc_info=True)
        return None


def stream(workspace_id: int, ticket_id: int, viewer: Actor, last_event_id: int | None = None,
           locale: str | None = None, hold: bool = True) -> Iterator[str]:
    """SSE frames for `viewer` (a customer Actor, or a staff Actor for a staff member of the
    workspace, who also gets internal notes): every visible event after `last_event_id`
    (None: only what happens from now on), a `ready` event once subscribed, `:` heartbeat
    comments, and an `end` event when the lifetime is over or the ticket is out of sight.
    Labels are in `locale` (a URL locale such as `de-DE`). `hold=False` (a server that
    serves one request at a time: portal.server) sends what is new and ends at once; the
    client comes back after `retry`, i.e. polls.

    Call it in the view and wrap the result in flask.stream_with_context. The frames are
    made after the request's teardown has cleared `g` and closed its session, so only ids
    are kept here and the viewer is loaded again at every catch-up (a contact removed from
    *Reported by* meanwhile stops receiving)."""
    staff = viewer.is_staff
    contact_id = viewer.contact.id if viewer.contact is not None else None
    config = current_app.config
    timing = (float(config.get("LIVE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)),
              float(config.get("LIVE_STREAM_SECONDS", LIFETIME_SECONDS)),
              float(config.get("LIVE_POLL_SECONDS", POLL_SECONDS)))
    if not hold:
        timing = (timing[0], 0.0, timing[2])
    return _frames(workspace_id, ticket_id, staff, contact_id, last_event_id,
                   babel_locale(locale) if locale else None, timing)


def _frames(workspace_id, ticket_id, staff, contact_id, last_event_id, locale, timing):
    heartbeat, lifetime, poll = timing
    pubsub = _subscribe(workspace_id, ticket_id)  # before the catch-up: nothing falls between
    if pubsub is None:
        poll = min(poll, 1.0)
    try:
        after = last_event_id if last_event_id is not None else _latest_id(workspace_id,
                                                                           ticket_id, staff)
        now = time.monotonic()
        deadline, next_beat, next_poll = now + lifetime, now + heartbeat, now + poll
        yield f"retry: {RETRY_MS}\n\n"
        yield frame("ready", {"last_event_id": after}, after)
        while True:
            with force_locale(locale) if locale else nullcontext():
                caught = _catch_up(workspace_id, ticket_id, staff, contact_id, after)
            if caught is None:
                yield frame("end", {"reason": "gone"})
                return
            frames, after = caught
            yield from frames
            while True:
                now = time.monotonic()
                if now >= deadline or shutdown.draining.is_set():
                    yield frame("end", {"reason": "reconnect"})
                    return
                if now >= next_beat:
                    next_beat = now + heartbeat
                    yield ": keep-alive\n\n"
                if now >= next_poll:
                    next_poll = now + poll
                    break
                woke = _wait(pubsub, min(deadline, next_beat, next_poll,
                                         now + DRAIN_CHECK_SECONDS) - now)
                if woke is None:
                    pubsub, poll = None, min(poll, 1.0)
                    next_poll = time.monotonic()
                elif woke:
                    next_poll = time.monotonic() + poll
                    break
    finally:
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:
                pass
