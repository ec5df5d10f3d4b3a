from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow


class Workspace(Model):
    """A tenant. Not workspace-scoped itself."""

    __tablename__ = "workspace"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    custom_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    default_locale: Mapped[str] = mapped_column(String(10), default="en-US")
    enabled_locales: Mapped[list] = mapped_column(JSON, default=lambda: ["en-US", "de-DE"])
    jit_provisioning: Mapped[bool] = mapped_column(default=False)
    support_email: Mapped[str | None] = mapped_column(String(320))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


class StaffMembership(Model):
    """Which workspaces a staff user (FAB `ab_user`) may act in."""

    __tablename__ = "staff_membership"
    __table_args__ = (UniqueConstraint("user_id", "workspace_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
