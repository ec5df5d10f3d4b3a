"""Sending webhook deliveries: signatures, one attempt, retries with backoff, redelivery.

Each delivery is a POST of the stored JSON body with these headers:
- `Helpport-Event`: the event name; `Helpport-Event-Id`: the event's id (the same for every
  endpoint and every redelivery: receivers drop what they have seen);
  `Helpport-Delivery`: the delivery row's id;
- `Helpport-Timestamp`: Unix seconds when this attempt was signed;
- `Helpport-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the endpoint's
  secret, of `<timestamp>.<body>` (receivers recompute it, compare in constant time and
  refuse old timestamps: a replayed request is then useless).

A 2xx answer delivers; anything else (another status, a redirect, which is never
followed, a timeout, a refused connection, a target that turned private) is recorded
(status code, error, time) and tried again after BACKOFF_SECONDS[attempt - 1], at most
MAX_ATTEMPTS times; then the row is failed. As for email, a worker takes a row with one
conditional UPDATE (`claim`), so two workers or a duplicate job send it once; the periodic
sweep enqueues what is due (retries, and rows whose job was lost). Delivery is at least
once: a crash after the receiver answered and before the row is marked sends it again
(with the same event id). *Redeliver* writes a new pending row with the same body.
"""

import hashlib
import hmac
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint, Workspace
from portal.models.base import utcnow
from portal.services import outbound, scoped
from portal.services.webhooks import queue_after_commit

BACKOFF_SECONDS = (60, 300, 1800, 7200, 43200)  # 1 min, 5 min, 30 min, 2 h, 12 h
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
CLAIM_SECONDS = 120  # longer than an attempt may take (the timeout, a few times)
USER_AGENT = "Helpport-Webhooks/1"
RECENT = 50  # deliveries an endpoint's page and the API list


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()


def headers(row: WebhookDelivery, secret: str, body: bytes, now: float | None = None) -> dict:
    timestamp = str(int(now if now is not None else time.time()))
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
            "Helpport-Event": row.event, "Helpport-Event-Id": row.event_id,
            "Helpport-Delivery": str(row.id), "Helpport-Timestamp": timestamp,
            "Helpport-Signature": signature(secret, timestamp, body)}


def due_ids(limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due, of every workspace."""
    return list(db.session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow())
        .order_by(WebhookDelivery.id).limit(limit)
        .execution_options(all_workspaces=True)))


def claim(delivery_id: int) -> WebhookDelivery | None:
    """Take row `delivery_id` for one attempt (counted now, leased CLAIM_SECONDS), or None
    when it is not pending and due; commits the claim."""
    now = utcnow()
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now)
        .values(attempts=WebhookDelivery.attempts + 1, last_attempt_at=now,
                next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(all_workspaces=True, synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                             .execution_options(all_workspaces=True, populate_existing=True))


def attempt(delivery_id: int) -> str:
    """One attempt at row `delivery_id`: "delivered", "retry", "failed", or "skipped" when
    it is not ours to send now (delivered, given up, not due, taken by another worker)."""
    row = claim(delivery_id)
    if row is None:
        return "skipped"
    endpoint = db.session.scalar(select(WebhookEndpoint).where(
        WebhookEndpoint.id == row.endpoint_id).execution_options(all_workspaces=True))
    if endpoint is None or not endpoint.active:
        return _record(row, None, "the endpoint is switched off", permanent=True)
    body = row.payload.encode()
    cfg = current_app.config
    try:
        code, text = outbound.post(endpoint.url, body, headers(row, endpoint.secret, body),
                                   timeout=cfg["WEBHOOKS_TIMEOUT_SECONDS"],
                                   allow_private=bool(cfg["WEBHOOKS_ALLOW_PRIVATE"]))
    except outbound.Refused as exc:
        return _record(row, None, f"refused: {exc}")
    except Exception as exc:  # unreachable, timed out, not HTTP: recorded, tried again
        return _record(row, None, f"{type(exc).__name__}: {exc}")
    if 200 <= code < 300:
        return _record(row, code, None)
    return _record(row, code, f"HTTP {code}: {text[:500]}")


def _record(row: WebhookDelivery, code: int | None, error: str | None, *,
            permanent: bool = False) -> str:
    row.response_code = code
    row.last_error = error[:2000] if error else None
    if error is None:
        row.status, row.delivered_at = "delivered", utcnow()
    elif permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        delay = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
    outcome = {"delivered": "delivered", "failed": "failed"}.get(row.status, "retry")
    db.session.commit()
    if error:
        current_app.logger.info("webhook delivery %s (attempt %s): %s", row.id, row.attempts,
                                error[:200])
    return outcome


def recent(ws: Workspace, endpoint: WebhookEndpoint, limit: int = RECENT) -> list:
    return list(db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.workspace_id == ws.id, WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


def get(ws: Workspace, endpoint: WebhookEndpoint, delivery_id) -> WebhookDelivery | None:
    row = scoped.by_id(WebhookDelivery, ws, delivery_id)
    return row if row is not None and row.endpoint_id == endpoint.id else None


def redeliver(ws: Workspace, row: WebhookDelivery) -> WebhookDelivery:
    """A new pending delivery of the same event and body to the same endpoint; commits
    (and is queued once committed)."""
    now = utcnow()
    again = WebhookDelivery(workspace_id=ws.id, endpoint_id=row.endpoint_id, event=row.event,
                            event_id=row.event_id, payload=row.payload, status="pending",
                            created_at=now, next_attempt_at=now)
    db.session.add(again)
    db.session.flush()
    queue_after_commit(again.id)
    db.session.commit()
    return again


def to_json(row: WebhookDelivery) -> dict:
    def when(value):
        return value.isoformat() if value is not None else None

    return {"id": row.id, "event": row.event, "event_id": row.event_id, "status": row.status,
            "attempts": row.attempts, "response_code": row.response_code,
            "last_error": row.last_error, "created_at": when(row.created_at),
            "last_attempt_at": when(row.last_attempt_at),
            "next_attempt_at": when(row.next_attempt_at) if row.status == "pending" else None,
            "delivered_at": when(row.delivered_at)}
