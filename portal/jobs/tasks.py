"""Job functions. They run inside an app context set up by the worker."""

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.mailer import send
from portal.models import OutboxMessage
from portal.models.base import utcnow
from portal.services import outbox


def deliver_email(outbox_id: int) -> str:
    row = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .execution_options(all_workspaces=True)
    )
    if row is None:
        return "missing"
    if row.sent_at is not None or row.failed_at is not None:
        return "done"
    try:
        row.message_id = send(row)
    except Exception as exc:
        outbox.record_failure(row, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        current_app.logger.warning("email %s not sent: %s", row.id, exc)
        return "retry"
    row.sent_at = utcnow()
    row.attempts += 1
    db.session.commit()
    return "sent"


def sweep_outbox() -> int:
    """Enqueue every unsent email that is due: recovers from lost jobs, dead workers, Redis."""
    from portal.jobs import enqueue

    ids = outbox.due_ids()
    for outbox_id in ids:
        enqueue(deliver_email, outbox_id, queue_name="high", job_id=f"email-{outbox_id}")
    db.session.rollback()
    return len(ids)
