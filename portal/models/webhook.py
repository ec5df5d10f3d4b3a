"""Webhooks (issue 15, part 5): the endpoints a workspace's admins register, and one
delivery row per event and endpoint, written in the transaction of the change that causes
it (the outbox pattern: see portal.services.webhooks)."""

from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped

DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookEndpoint(WorkspaceScoped, Model):
    """A URL that receives the workspace's events it asks for, signed with its secret."""

    __tablename__ = "webhook_endpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON, default=list)
    # kept as written: every delivery is signed with it (shown to admins once)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(WorkspaceScoped, Model):
    """One event for one endpoint: its body as sent (a redelivery sends it again), and how
    sending it went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
                      Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(50))
    event_id: Mapped[str] = mapped_column(String(40))  # the same for every endpoint
    payload: Mapped[str] = mapped_column(Text)  # the JSON body, exactly as sent
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    response_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
