"""Customer satisfaction (issue 15, part 4): what each reporter of a resolved ticket
answered when asked how satisfied they are. The rules are portal.services.satisfaction."""

from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped


class SatisfactionAnswer(WorkspaceScoped, Model):
    """One reporter of one ticket, asked once (the row is written when the ticket is first
    resolved with them in *Reported by*): the score stays empty until they answer. The
    agent is the ticket's assignee at resolution, for the per-agent report."""

    __tablename__ = "ticket_satisfaction"
    __table_args__ = (
        UniqueConstraint("ticket_id", "contact_id"),
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)",
                        name="ck_ticket_satisfaction_score"),
        Index("ix_ticket_satisfaction_ws_answered", "workspace_id", "answered_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"))
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # asked
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first answer
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last change
