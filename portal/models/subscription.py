"""Article Follow (issue 14, part 4): who follows which article, and the Publish & Notify
runs waiting to be emailed."""

from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped


class ArticleSubscription(WorkspaceScoped, Model):
    """A contact follows an article: Publish & Notify emails them while they may read it."""

    __tablename__ = "kb_article_subscription"
    __table_args__ = (UniqueConstraint("article_id", "contact_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleNotification(WorkspaceScoped, Model):
    """One Publish & Notify waiting for its due time; a second one while it waits joins it
    (its comment replaces the first), so a quick correction does not email twice."""

    __tablename__ = "kb_article_notification"
    __table_args__ = (Index("ix_kb_article_notification_due", "sent_at", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
