from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, text
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
    # issue 13: a JIT contact joins the account listing its email domain (when on), else
    # the default account (an Account id of this workspace; none when it is gone)
    jit_link_by_domain: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    jit_default_account_id: Mapped[int | None] = mapped_column()
    # which sign-in methods the portal offers, and the email domains that must use SAML
    sign_in_email_code: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    sign_in_saml: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    sign_in_jwt: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    saml_required_domains: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    support_email: Mapped[str | None] = mapped_column(String(320))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # installable extensions a workspace admin turned on (portal.services.snap_ins)
    snap_ins: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # the events some active webhook endpoint wants (portal.services.webhooks keeps it):
    # a change no endpoint wants costs no query
    webhook_events: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # bumped with every change public pages show (portal.models.content_version)
    content_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


class StaffMembership(Model):
    """A staff user's (FAB `ab_user`) role in one workspace: "admin" or "agent".

    The role is held here, per workspace, not on the user: permission checks use the role of
    the membership in the workspace a request acts in (portal.admin.security). A platform
    admin is the separate FAB role AUTH_ROLE_ADMIN, held on the user.
    """

    ROLES = ("admin", "agent")

    __tablename__ = "staff_membership"
    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id"),
        CheckConstraint("role IN ('admin', 'agent')", name="ck_staff_membership_role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10), server_default="agent")
