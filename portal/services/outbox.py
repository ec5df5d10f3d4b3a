"""The outbox: every email is a row written in its cause's transaction, delivered by a job.

Why a table and not just a job: a job enqueued inside a transaction that later rolls back
would send an email about something that never happened, and a job enqueued after the
commit is lost if Redis is down at that moment. So the row is the truth; the queue only
says "look at row N now".

- `add()` writes the row in the caller's transaction and queues its delivery with
  `portal.aftercommit`: only when that transaction commits is a `deliver_email` job enqueued
  (job id `email-<row id>`); a rollback (of the savepoint the row was written in, or of the
  whole transaction) forgets it. If enqueueing fails, the row simply waits.
- `claim()` is how a worker takes a row: one conditional UPDATE that bumps `attempts` and
  moves `next_attempt_at` a lease ahead, only if the row is unsent, not given up and due.
  The database decides who wins (PostgreSQL re-checks the WHERE under the row lock; SQLite
  serialises writers), so two workers, or a duplicate job, send a row once. A worker that
  dies mid-send leaves the row claimed until the lease ends; then it is due again.
- Retries: one mechanism, ours. A failed send records the error and sets
  `next_attempt_at` to now + BACKOFF_SECONDS[attempt - 1]; after MAX_ATTEMPTS (or at once
  for a permanent 5xx refusal) the row gets `failed_at`. RQ's own `Retry` is not used: its
  state lives in Redis (lost with Redis) and its delays need RQ's scheduler; the job never
  raises for a failed send, it returns what it did.
- The sweep (`portal.jobs.tasks.sweep_outbox`, every OUTBOX_SWEEP_SECONDS in each worker and
  in the embedded worker) enqueues every due row whose job is not already waiting in the
  queue. It is what delivers retries after their backoff and what recovers rows whose
  job was never enqueued or was lost. A retry therefore goes out at the first sweep after
  its backoff has passed.

Delivery is at least once, and the window for a second copy is kept small. Once the SMTP
server accepted a message, `remember_sent` notes it in Redis (a store other than the
database whose connection may just have failed) and `record_sent` writes `sent_at` with
a plain UPDATE, retried OUTBOX_MARK_RETRIES times with backoff on a fresh connection; a
later attempt at a row Redis knows as sent only records it (`known_sent`). A second copy
needs a crash between the server's acceptance and the Redis note, or both stores
failing. The Message-ID is stable per row so receivers can tell.
"""

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from portal.aftercommit import after_commit
from portal.extensions import db, redis_connection
from portal.models import OutboxMessage
from portal.models.base import utcnow

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = (10, 30, 60, 300, 900, 1800, 3600)
CLAIM_SECONDS = 300  # longer than a delivery job may run (JOB_TIMEOUT in portal.jobs.tasks)
MARK_BACKOFF_SECONDS = (0.2, 0.5, 1, 2, 4)  # between tries to record "sent"
SENT_NOTE_SECONDS = 7 * 24 * 3600  # how long Redis remembers an accepted message


def add(workspace_id: int, to: str, subject: str, text: str, html: str, *, kind: str,
        locale: str, from_name: str | None = None,
        headers: dict | None = None) -> OutboxMessage:
    """Write an email into the current transaction; it is enqueued once that commits."""
    row = OutboxMessage(
        workspace_id=workspace_id,
        to_address=to,
        subject=subject,
        text_body=text,
        html_body=html,
        kind=kind,
        locale=locale,
        from_name=from_name,
        headers=headers,
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    after_commit(db.session, _enqueue, row.id)
    return row


DELIVERY = "helpport_outbox_delivery"


def _enqueue(outbox_id: int) -> None:
    """Hand the committed row to the queue: portal.jobs registers how (`DELIVERY` in the
    app's extensions), so that the services never import the job functions that call them."""
    current_app.extensions[DELIVERY](outbox_id)


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


def claim(outbox_id: int) -> OutboxMessage | None:
    """Take row `outbox_id` for one delivery attempt, or None if it is not ours to send
    (sent, given up, not due, or claimed by another worker). Commits the claim."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS),
        )
        .execution_options(all_workspaces=True, synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .execution_options(all_workspaces=True, populate_existing=True)
    )


def _sent_note(outbox_id: int) -> str:
    return f"helpport:outbox-sent:{outbox_id}"


def remember_sent(outbox_id: int, message_id: str) -> None:
    """Note in Redis that the SMTP server accepted row `outbox_id` (best effort)."""
    try:
        redis_connection().set(_sent_note(outbox_id), message_id, ex=SENT_NOTE_SECONDS)
    except Exception as exc:
        current_app.logger.warning("email %s: could not note it as sent in Redis: %s",
                                   outbox_id, exc)


def known_sent(outbox_id: int) -> str | None:
    """The Message-ID of row `outbox_id` if an earlier attempt got it accepted."""
    try:
        value = redis_connection().get(_sent_note(outbox_id))
    except Exception:  # Redis down: at least once, as without the note
        return None
    return value.decode() if isinstance(value, bytes) else value


def record_sent(outbox_id: int, message_id: str) -> bool:
    """Write `sent_at`, retrying on a fresh connection when the database connection is
    lost; False when every try failed (the Redis note still keeps the row from being sent
    twice)."""
    tries = current_app.config.get("OUTBOX_MARK_RETRIES", len(MARK_BACKOFF_SECONDS))
    for attempt in range(max(1, tries)):
        try:
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == outbox_id)
                .values(sent_at=utcnow(), message_id=message_id, last_error=None)
                .execution_options(all_workspaces=True, synchronize_session=False))
            db.session.commit()
            return True
        except DBAPIError as exc:
            db.session.rollback()  # gives the broken connection back; the next is fresh
            current_app.logger.warning("email %s sent, recording it failed (try %s): %s",
                                       outbox_id, attempt + 1, exc)
            if attempt + 1 < tries:
                time.sleep(MARK_BACKOFF_SECONDS[min(attempt, len(MARK_BACKOFF_SECONDS) - 1)])
    current_app.logger.error("email %s sent, but not recorded as sent", outbox_id)
    return False


def record_failure(row: OutboxMessage, error: str, *, permanent: bool = False) -> None:
    """After a failed attempt (already counted by `claim`): back off, or give up."""
    row.last_error = error[:2000]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.failed_at = utcnow()
        current_app.logger.error("email %s given up after %s attempt(s): %s",
                                 row.id, row.attempts, row.last_error)
        return
    delay = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
    row.next_attempt_at = utcnow() + timedelta(seconds=delay)
