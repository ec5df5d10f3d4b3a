"""What bench/faults_load.py counts once the load is over: tickets acknowledged, persisted,
lost and duplicated, answers by status, and emails expected (outbox rows), received by the
SMTP server (by X-Helpport-Outbox-Id), missing and duplicated; and the report table."""

import statistics
import time
from collections import Counter

from bench.faults_stack import Stack


def pending(stack: Stack, ws_id: int) -> int:
    (outbox,), = stack.db.query("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL "
                                "AND failed_at IS NULL")
    (notes,), = stack.db.query("SELECT count(*) FROM ticket_notification WHERE sent_at IS NULL "
                               "AND workspace_id = %s", (ws_id,))
    return outbox + notes


def drain(stack: Stack, ws_id: int, limit: float) -> float | None:
    """Seconds until every email was sent (or given up) and received, None if not in time."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        try:
            if pending(stack, ws_id) == 0:
                sent = {str(i) for (i,) in stack.db.query(
                    "SELECT id FROM outbox_message WHERE sent_at IS NOT NULL")}
                if sent <= set(stack.mailbox.by_outbox_id):
                    return round(time.monotonic() - t0, 1)
        except Exception:  # noqa: BLE001 (the database may still be recovering)
            pass
        time.sleep(1)
    return None


def count(stack: Stack, stats, ws_id: int) -> dict:
    """`stats`: the load's bench.faults_load.Stats."""
    titles = Counter(t for (t,) in stack.db.query(
        "SELECT title FROM ticket WHERE workspace_id = %s", (ws_id,)))
    rows = stack.db.query("SELECT id, kind, sent_at IS NOT NULL, failed_at IS NOT NULL "
                          "FROM outbox_message")
    received = stack.mailbox.by_outbox_id
    ids = {str(r[0]) for r in rows}
    five = sum(n for key, n in stats.status.items() if key.endswith(" 500"))
    return {
        "tickets_acknowledged": len(stats.acked),
        "tickets_persisted": len(titles),
        "tickets_lost": len(stats.acked - set(titles)),
        "tickets_duplicated": sum(n - 1 for n in titles.values() if n > 1),
        "tickets_given_up": len(stats.gave_up),
        "tickets_given_up_but_persisted": len(stats.gave_up & set(titles)),
        "responses_500": five,
        "responses_5xx": sum(n for key, n in stats.status.items() if key[-3] == "5"),
        "responses": dict(sorted(stats.status.items())),
        "failures_timeline": stats.failures,
        "failures_while_signing_in": stats.signin_failures,
        "connection_errors": dict(sorted(stats.errors.items())),
        "ticket_latency_p50_s": round(statistics.median(stats.latency), 3)
        if stats.latency else None,
        "ticket_latency_max_s": round(max(stats.latency), 3) if stats.latency else None,
        "tickets_refused": len(stats.refused),
        "tickets_refused_but_persisted": len(stats.refused & set(titles)),
        "ticket_refusal_sample": stats.refusal,
        "code_requests_acknowledged": stats.status["POST otp 202"],
        "emails_expected": len(rows),
        "code_emails": sum(1 for r in rows if r[1] == "sign_in_code"),
        "emails_by_kind": dict(Counter(r[1] for r in rows)),
        "emails_received": len(ids & set(received)),
        "emails_missing": len(ids - set(received)),
        "emails_duplicated": sum(n - 1 for i, n in received.items() if n > 1),
        "emails_given_up": sum(1 for r in rows if r[3]),
        "emails_unsent": sum(1 for r in rows if not r[2] and not r[3]),
        "emails_unsent_detail": stack.db.query(
            "SELECT id, kind, attempts, last_error, "
            "round(extract(epoch FROM next_attempt_at - now()))::int AS due_in_seconds "
            "FROM outbox_message WHERE sent_at IS NULL AND failed_at IS NULL "
            "ORDER BY id LIMIT 20"),
    }



ROWS = [("tickets acknowledged (2xx)", "tickets_acknowledged"),
        ("tickets persisted", "tickets_persisted"),
        ("acknowledged but missing (lost)", "tickets_lost"),
        ("duplicated tickets", "tickets_duplicated"),
        ("given up by the client after all tries", "tickets_given_up"),
        ("... of which persisted anyway", "tickets_given_up_but_persisted"),
        ("refused with a 4xx (not retried)", "tickets_refused"),
        ("500 answers", "responses_500"), ("5xx answers", "responses_5xx"),
        ("ticket creation p50 / max (s, with retries)", None),
        ("sign-in codes requested (202)", "code_requests_acknowledged"),
        ("sign-in code emails written", "code_emails"),
        ("emails in the outbox (expected)", "emails_expected"),
        ("emails received (distinct)", "emails_received"),
        ("emails missing", "emails_missing"),
        ("emails received twice or more", "emails_duplicated"),
        ("emails still unsent when the run ended", "emails_unsent"),
        ("worker exits on its own (restarted after 2 s)", "worker_exits_on_their_own"),
        ("time to drain after the load (s)", "drain_seconds")]


def table(result: dict) -> str:
    lines = [f"| measure | {result['label']} |", "|---|---:|"]
    for name, key in ROWS:
        value = (f"{result['ticket_latency_p50_s']} / {result['ticket_latency_max_s']}"
                 if key is None else result[key])
        lines.append(f"| {name} | {'not drained' if value is None else value} |")
    return "\n".join(lines)
