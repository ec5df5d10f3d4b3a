"""Customer sessions: revocable rows behind an opaque token.

The web keeps the token in its own cookie (never in Flask's session, which staff
sign-in uses), the API sends it as a bearer token. Only a keyed digest is stored.
Idle and absolute lifetimes are enforced on every use.
"""

from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import select, update

from portal.auth.tokens import digest, new_token
from portal.extensions import db
from portal.models import Contact, CustomerSession
from portal.models.base import utcnow

COOKIE = "helpport_customer"


def start(contact: Contact, kind: str = "web") -> tuple[str, CustomerSession]:
    cfg = current_app.config
    lifetime = cfg["API_TOKEN_SECONDS"] if kind == "api" else cfg["SESSION_ABSOLUTE_SECONDS"]
    token = new_token()
    now = utcnow()
    row = CustomerSession(
        workspace_id=contact.workspace_id,
        token_hash=digest(token),
        kind=kind,
        contact_id=contact.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=lifetime),
    )
    db.session.add(row)
    db.session.commit()
    return token, row


def resolve(token: str | None, kind: str) -> CustomerSession | None:
    """The live session of `token` in the current workspace, touching its idle clock."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        select(CustomerSession).where(
            CustomerSession.token_hash == digest(token), CustomerSession.kind == kind
        )
    )
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_SECONDS"])
    if row.expires_at <= now or (kind == "web" and row.last_seen_at + idle <= now):
        return None
    if not row.contact.active:
        return None
    if (now - row.last_seen_at).total_seconds() > 60:
        row.last_seen_at = now
        db.session.commit()
    return row


def revoke(row: CustomerSession) -> None:
    row.revoked_at = utcnow()
    db.session.commit()


def revoke_all(contact: Contact) -> None:
    db.session.execute(
        update(CustomerSession)
        .where(CustomerSession.contact_id == contact.id, CustomerSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()


def current_web_session() -> CustomerSession | None:
    if g.get("workspace_id") is None:
        return None
    if "customer_session" not in g:
        g.customer_session = resolve(request.cookies.get(cookie_name()), "web")
    return g.customer_session


def current_contact() -> Contact | None:
    row = current_web_session()
    return row.contact if row else None


def cookie_name() -> str:
    """One cookie per workspace, so that signing in to one never signs out of another."""
    return f"{COOKIE}_{g.workspace_id}"


def set_cookie(response, token: str) -> None:
    cfg = current_app.config
    response.set_cookie(
        cookie_name(),
        token,
        max_age=cfg["SESSION_ABSOLUTE_SECONDS"],
        secure=cfg["COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )


def clear_cookie(response) -> None:
    response.delete_cookie(cookie_name(), path="/")
