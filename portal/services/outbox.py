"""The outbox: every email is a row written in its cause's transaction, delivered by a job.

After the transaction commits, the new rows are enqueued for delivery. If enqueueing fails
(Redis down) or a worker dies, the periodic sweep finds the unsent rows and enqueues them again.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.base import utcnow

PENDING = "helpport_outbox_pending"
MAX_ATTEMPTS = 8
BACKOFF_SECONDS = (10, 30, 60, 300, 900, 1800, 3600)


def add(workspace_id: int, to: str, subject: str, text: str, html: str, *, kind: str,
        locale: str) -> OutboxMessage:
    row = OutboxMessage(
        workspace_id=workspace_id,
        to_address=to,
        subject=subject,
        text_body=text,
        html_body=html,
        kind=kind,
        locale=locale,
    )
    db.session.add(row)
    db.session.flush()
    db.session.info.setdefault(PENDING, []).append(row.id)
    return row


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    ids = session.info.pop(PENDING, None)
    if ids:
        from portal.jobs import enqueue_after_request
        from portal.jobs.tasks import deliver_email

        for outbox_id in ids:
            enqueue_after_request(deliver_email, outbox_id, queue="high")


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)


def due_ids(limit: int = 500) -> list[int]:
    """Unsent, not given-up rows whose next attempt is due, across all workspaces."""
    stmt = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .execution_options(all_workspaces=True)
    )
    return list(db.session.scalars(stmt))


def record_failure(row: OutboxMessage, error: str) -> None:
    row.attempts += 1
    row.last_error = error[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.failed_at = utcnow()
        current_app.logger.error("email %s given up after %s tries", row.id, row.attempts)
    else:
        delay = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
