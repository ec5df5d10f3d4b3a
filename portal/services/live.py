"""Live updates: after a transaction commits, the ids of new ticket events are published on
a Redis channel per ticket (real Redis when configured, so every web instance hears it).
Subscribers read the events themselves from the database, through the visibility rules."""

from flask import current_app
from sqlalchemy.orm import Session

from portal.aftercommit import after_commit
from portal.extensions import redis_connection


def channel(workspace_id: int, ticket_id: int) -> str:
    return f"helpport:ticket:{workspace_id}:{ticket_id}"


def announce(session: Session, workspace_id: int, ticket_id: int) -> None:
    """Tell the ticket's subscribers once the current transaction has committed."""
    after_commit(session, _publish, workspace_id, ticket_id)


def _publish(workspace_id: int, ticket_id: int) -> None:
    try:
        redis_connection().publish(channel(workspace_id, ticket_id), "changed")
    except Exception:  # live updates are best effort; pages also poll on reconnect
        current_app.logger.warning("could not publish a live update", exc_info=True)


def subscribe(workspace_id: int, ticket_id: int):
    pubsub = redis_connection().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(workspace_id, ticket_id))
    return pubsub
