"""Job functions. They run inside an app context set up by the worker, and take ids.

Email delivery and its retries are described in `portal.services.outbox`: the outbox row
holds the state, `deliver_email` makes one attempt, `sweep_outbox` re-enqueues what is due.
"""

import smtplib

from flask import current_app

from portal.extensions import db, redis_connection
from portal.jobs import enqueue, queue
from portal.jobs.mailer import send
from portal.redis_outage import UNREACHABLE, Outage
from portal.services import expired, idempotency, outbox

EMAIL_QUEUE = "high"
JOB_TIMEOUT = 120  # seconds; below outbox.CLAIM_SECONDS so a running job keeps its claim
QUEUE_OUTAGE = Outage("outbox sweep", "due emails are delivered by the sweep itself")


def email_job_id(outbox_id: int) -> str:
    return f"email-{outbox_id}"


def enqueue_delivery(outbox_id: int):
    """Queue one delivery attempt; None when the queue is unreachable (the sweep retries)."""
    return enqueue(deliver_email, outbox_id, queue_name=EMAIL_QUEUE,
                   job_id=email_job_id(outbox_id), job_timeout=JOB_TIMEOUT)


def deliver_email(outbox_id: int) -> str:
    """One attempt at row `outbox_id`: "sent", "retry", "failed", or "skipped" when the row
    is sent, given up, not due or being sent by another worker (so duplicates are harmless).
    "sent" also when an earlier attempt got it accepted and only now records it.
    """
    row = outbox.claim(outbox_id)
    if row is None:
        return "skipped"
    accepted = outbox.known_sent(outbox_id)
    if accepted:  # sent by an attempt that could not record it: record, never resend
        outbox.record_sent(outbox_id, accepted)
        return "sent"
    if row.attempts > outbox.MAX_ATTEMPTS:  # earlier attempts died mid-send
        outbox.record_failure(row, row.last_error or "interrupted attempts", permanent=True)
        db.session.commit()
        return "failed"
    try:
        message_id = send(row)
    except Exception as exc:  # any failure is recorded on the row; the sweep retries it
        outbox.record_failure(row, f"{type(exc).__name__}: {exc}", permanent=_permanent(exc))
        db.session.commit()
        current_app.logger.warning("email %s not sent (attempt %s): %s", row.id, row.attempts, exc)
        return "failed" if row.failed_at else "retry"
    outbox.remember_sent(outbox_id, message_id)
    outbox.record_sent(outbox_id, message_id)
    return "sent"


def _permanent(exc: Exception) -> bool:
    """A 5xx SMTP answer will not change by asking again; anything else may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def sweep_outbox() -> int:
    """Enqueue every due, unsent email whose job is not already waiting: recovers from
    lost jobs, dead workers and a Redis that was down, and delivers retries. While Redis
    is unreachable, deliver them here instead (claimed like any delivery, so never twice):
    sign-in codes must reach customers during an outage too. Returns how many were
    enqueued (or delivered)."""
    ids = outbox.due_ids()
    db.session.rollback()
    if not ids and not QUEUE_OUTAGE.down:
        return 0
    try:
        conn = redis_connection()
        conn.ping()  # also when nothing is due: to learn that an outage is over
        waiting_key = queue(EMAIL_QUEUE).key
        ids = [i for i in ids if conn.lpos(waiting_key, email_job_id(i)) is None]
    except UNREACHABLE as exc:
        QUEUE_OUTAGE.lost(exc)
        return sum(1 for outbox_id in ids if deliver_email(outbox_id) == "sent")
    except Exception:
        current_app.logger.exception("outbox sweep: the queue is unreachable")
        return 0
    QUEUE_OUTAGE.reached()
    return sum(1 for outbox_id in ids if enqueue_delivery(outbox_id) is not None)


def periodic() -> None:
    """What the worker's sweeper runs every OUTBOX_SWEEP_SECONDS: due ticket notifications
    and Publish & Notify runs become outbox emails (their commit enqueues delivery);
    expired idempotency keys, visitors' unconfirmed ticket drafts and spent single-use
    tokens are deleted; due webhook deliveries are enqueued; then the outbox sweep."""
    from portal.services import article_follow, notifications

    for send_due in (notifications.send_due, article_follow.send_due):
        try:
            send_due()
        except Exception:  # a notification bug must not stop email recovery
            db.session.rollback()
            current_app.logger.exception("%s.send_due failed", send_due.__module__)
    for purge in (idempotency.purge, expired.purge):
        try:
            purge()
        except Exception:  # one failing purge must not stop the others or email recovery
            db.session.rollback()
            current_app.logger.exception("%s.purge failed", purge.__module__)
    try:
        from portal.jobs.webhook_tasks import sweep_webhooks

        sweep_webhooks()
    except Exception:  # a webhook problem must not stop email recovery
        db.session.rollback()
        current_app.logger.exception("webhook sweep failed")
    sweep_outbox()
