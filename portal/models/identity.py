"""Identity (issue 13): SAML identity providers, application access tokens for the JWT
hand-off, and the one-time tokens already spent (a SAML response or a sign-in token is
usable once)."""

from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped


class IdentityProvider(WorkspaceScoped, Model):
    """A SAML 2.0 identity provider of one workspace: its metadata (uploaded, or fetched
    from `metadata_url`), the preset that names its attributes (okta, azure, google or
    custom) and the attribute mapping that results, and what it must sign."""

    __tablename__ = "identity_provider"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63))
    preset: Mapped[str] = mapped_column(String(10), default="custom")
    entity_id: Mapped[str] = mapped_column(String(1024))
    metadata_xml: Mapped[str] = mapped_column(Text)
    metadata_url: Mapped[str | None] = mapped_column(String(2000))
    # {"email": attribute name, "first_name": ..., "last_name": ..., "account": ...}
    attribute_map: Mapped[dict] = mapped_column(JSON, default=dict)
    # the email domains whose people this identity provider may sign in (none: any)
    email_domains: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    want_response_signed: Mapped[bool] = mapped_column(default=True)
    want_assertions_signed: Mapped[bool] = mapped_column(default=True)
    allow_idp_initiated: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name


class AppToken(WorkspaceScoped, Model):
    """An application access token (AAT): the host application's server proves itself with
    it to hand its users over (JWT hand-off). Shown once; only its keyed digest is kept."""

    __tablename__ = "app_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(320))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return self.name


class SpentToken(WorkspaceScoped, Model):
    """A single-use token already used: a SAML response or assertion id (`kind` "saml"),
    a sign-in token's `jti` ("jwt"). Kept until the token would have expired anyway; the
    unique key makes two racing uses end with one."""

    __tablename__ = "spent_token"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(256))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
