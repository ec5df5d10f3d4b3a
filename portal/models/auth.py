from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import UTCDateTime, utcnow
from portal.models.customer import Contact
from portal.tenancy import WorkspaceScoped


class OneTimeCode(WorkspaceScoped, Model):
    """An emailed sign-in code; only its hash is stored."""

    __tablename__ = "one_time_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerSession(WorkspaceScoped, Model):
    """A revocable customer session (web cookie or API bearer token); only its hash is stored."""

    __tablename__ = "customer_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="web")  # web | api
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # how the contact proved who they are: email_code (the mailbox: also an emailed sign-in
    # link), saml, jwt; a workspace switch carries the proof over (portal.auth.proofs)
    proof: Mapped[str] = mapped_column(String(20), default="email_code",
                                       server_default="email_code")
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # the web session a Plug token was handed out from (portal.web.plug_session): revoking
    # that session revokes the token too
    parent_id: Mapped[int | None] = mapped_column(index=True)
    contact: Mapped[Contact] = relationship()


class StaffSession(Model):
    """A staff member's sign-in: a browser session (kind "web", its token in the signed
    Flask session) or an API login (kind "api", its token in the JWT's `sid` claim). Only
    the token's keyed digest is stored; deleting the row ends the sign-in on every server."""

    __tablename__ = "staff_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # web | api
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuestTicketDraft(WorkspaceScoped, Model):
    """A new ticket typed by a visitor who is not signed in (public ticket management),
    kept until they confirm their email with a one-time code: the form's fields as sent
    (`values`: name -> list of strings), never a ticket before the code is right. The
    browser holds the token in its Flask session; only the token's digest is stored."""

    __tablename__ = "guest_ticket_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    # web: `values` is the form (name -> list of strings), its token in the browser's
    # session; api: `values` is the JSON body, its token held by the app
    source: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
