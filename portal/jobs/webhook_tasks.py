"""Webhook delivery jobs: `deliver_webhook` makes one attempt at a delivery row, the
periodic `sweep_webhooks` enqueues every due one (retries after their backoff, rows whose
job was lost or never enqueued). The rules are portal.services.webhook_delivery's."""

from flask import current_app

from portal.extensions import db, redis_connection
from portal.jobs import enqueue, queue
from portal.redis_outage import UNREACHABLE
from portal.services import webhook_delivery

WEBHOOK_QUEUE = "default"
JOB_TIMEOUT = 60  # seconds; below webhook_delivery.CLAIM_SECONDS


def webhook_job_id(delivery_id: int) -> str:
    return f"webhook-{delivery_id}"


def enqueue_webhook(delivery_id: int):
    """Queue one attempt; None when the queue is unreachable (the sweep retries)."""
    return enqueue(deliver_webhook, delivery_id, queue_name=WEBHOOK_QUEUE,
                   job_id=webhook_job_id(delivery_id), job_timeout=JOB_TIMEOUT)


def deliver_webhook(delivery_id: int) -> str:
    return webhook_delivery.attempt(delivery_id)


def sweep_webhooks() -> int:
    """Enqueue every due delivery whose job is not already waiting; returns how many."""
    ids = webhook_delivery.due_ids()
    db.session.rollback()
    if not ids:
        return 0
    try:
        waiting_key = queue(WEBHOOK_QUEUE).key
        conn = redis_connection()
        ids = [i for i in ids if conn.lpos(waiting_key, webhook_job_id(i)) is None]
    except UNREACHABLE:  # deliveries wait for the queue: nothing is lost, only later
        current_app.logger.warning("webhook sweep: the queue is unreachable")
        return 0
    return sum(1 for delivery_id in ids if enqueue_webhook(delivery_id) is not None)
