"""The portal settings document's draft and its publishes (portal.services.portal_settings).
The published document itself is `Workspace.settings`: every portal request reads the
workspace row already, so the live settings cost no query."""

from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped


class PortalSettingsDraft(WorkspaceScoped, Model):
    """The admins' unpublished edits: at most one per workspace. Customers never see it."""

    __tablename__ = "portal_settings_draft"
    __table_args__ = (UniqueConstraint("workspace_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PortalSettingsPublish(WorkspaceScoped, Model):
    """One publish: the document that went live, who published it and when (restorable)."""

    __tablename__ = "portal_settings_publish"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column()
    document: Mapped[dict] = mapped_column(JSON, default=dict)
    published_by: Mapped[str] = mapped_column(String(200), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
