"""Answers from the knowledge base (issue 15, part 2): each question asked over the API, the
answer given (null: nothing the asker may read answered it, a knowledge gap), the articles
it cited and the asker's rating."""

from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped


class KbAnswer(WorkspaceScoped, Model):
    """One question and its answer. `contact_id` is the signed-in asker (None: anonymous;
    anonymous feedback is proven by a token derived from the id, never stored)."""

    __tablename__ = "kb_answer"
    __table_args__ = (Index("ix_kb_answer_ws_time", "workspace_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(String(10))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    source_ids: Mapped[list] = mapped_column(JSON, default=list)  # article ids, cited order
    generated: Mapped[bool] = mapped_column(default=False)  # written by the chat endpoint
    helpful: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
