from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped


class IdempotencyKey(WorkspaceScoped, Model):
    """The first answer to a POST that carried an `Idempotency-Key`, written in the same
    transaction as what the POST created: if the row exists, so does the ticket or comment."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("workspace_id", "principal", "key", name="uq_idempotency_key"),
        Index("ix_idempotency_key_created_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(40))  # "contact:7", "staff:3"
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path, body
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
