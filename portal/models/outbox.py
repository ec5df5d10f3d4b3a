from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped


class OutboxMessage(WorkspaceScoped, Model):
    """An email to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(10), default="en-US")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(50), default="generic")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(300))
    # the From display name when not the workspace's, and extra headers (List-Unsubscribe)
    from_name: Mapped[str | None] = mapped_column(String(200))
    headers: Mapped[dict | None] = mapped_column(JSON)
