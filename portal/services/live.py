"""Live updates: after a transaction commits, the ids of new ticket events are published on
a Redis channel per ticket (real Redis when configured, so every web instance hears it).
Subscribers read the events themselves from the database, through the visibility rules."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import redis_connection

PENDING = "helpport_live_pending"


def channel(workspace_id: int, ticket_id: int) -> str:
    return f"helpport:ticket:{workspace_id}:{ticket_id}"


def announce(session: Session, workspace_id: int, ticket_id: int) -> None:
    session.info.setdefault(PENDING, set()).add((workspace_id, ticket_id))


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    try:
        conn = redis_connection()
        for workspace_id, ticket_id in pending:
            conn.publish(channel(workspace_id, ticket_id), "changed")
    except Exception:  # live updates are best effort; pages also poll on reconnect
        from flask import current_app

        current_app.logger.warning("could not publish a live update", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)


def subscribe(workspace_id: int, ticket_id: int):
    pubsub = redis_connection().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(workspace_id, ticket_id))
    return pubsub
