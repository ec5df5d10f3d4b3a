"""Reading the outbox for people: the CLI `portal outbox` and the demo's /outbox page."""

from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxMessage


def newest(limit: int = 20) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
        .execution_options(all_workspaces=True)
    )
    return list(db.session.scalars(stmt))


def one(message_id: int) -> OutboxMessage | None:
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .execution_options(all_workspaces=True)
    )


def unsent_counts() -> dict[str, int]:
    """Emails not sent, across all workspaces: pending (to be tried) and failed (given up)."""
    pending, failed = db.session.execute(
        select(func.count().filter(OutboxMessage.failed_at.is_(None)),
               func.count().filter(OutboxMessage.failed_at.is_not(None)))
        .where(OutboxMessage.sent_at.is_(None))
        .execution_options(all_workspaces=True)
    ).one()
    return {"pending": pending, "failed": failed}


def status(row: OutboxMessage) -> str:
    if row.sent_at:
        return "sent"
    if row.failed_at:
        return "failed"
    return "pending"


def listing(limit: int) -> list[str]:
    rows = newest(limit)
    if not rows:
        return ["the outbox is empty"]
    return [
        f"{r.id:>5}  {r.created_at:%Y-%m-%d %H:%M}  {status(r):<7}  {r.to_address:<32}  {r.subject}"
        for r in rows
    ]


def eml_path(row: OutboxMessage) -> Path:
    folder = Path(current_app.config["OUTBOX_DIR"])
    return folder / f"{row.created_at:%Y%m%d-%H%M%S}-{row.id:06d}.eml"


def show(message_id: int) -> str | None:
    """One email for a person: its headers, its delivery state and its text part."""
    row = one(message_id)
    if row is None:
        return None
    head = [
        f"To: {row.to_address}",
        f"Subject: {row.subject}",
        f"Language: {row.locale}",
        f"Status: {status(row)} (attempts: {row.attempts})",
    ]
    if row.last_error and not row.sent_at:
        head.append(f"Last error: {row.last_error}")
    path = eml_path(row)
    if row.sent_at and path.exists():
        head.append(f"File: {path}")
    return "\n".join(head) + "\n\n" + row.text_body
