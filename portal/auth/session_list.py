"""A contact's live sessions in the current workspace (the profile's "Sessions" page and
`/api/v1/me/sessions`): which devices are signed in, and signing one or all the others out.

"Live" is what `sessions.live` lets in: not revoked, not expired, web sessions not idle.
Revoking is final (the row keeps `revoked_at`); every server refuses the token on its next
request, since each request reads the row.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from portal.auth import devices, sessions
from portal.extensions import db
from portal.models import Contact, CustomerSession
from portal.models.base import utcnow
from portal.services.errors import Conflict, NotFound


@dataclass(frozen=True)
class Live:
    id: int
    kind: str
    device: str
    browser: str | None
    system: str | None
    created_at: datetime
    last_seen_at: datetime
    current: bool


def _live_condition(contact: Contact):
    now = utcnow()
    idle_since = now - timedelta(seconds=current_app.config["SESSION_IDLE_SECONDS"])
    return (CustomerSession.workspace_id == contact.workspace_id,
            CustomerSession.contact_id == contact.id,
            CustomerSession.revoked_at.is_(None), CustomerSession.expires_at > now,
            or_(CustomerSession.kind != "web", CustomerSession.last_seen_at > idle_since))


def live(contact: Contact, current: CustomerSession | None) -> list[Live]:
    """`contact`'s live sessions, the one in use first, then the last used first."""
    rows = db.session.scalars(select(CustomerSession).where(
        *_live_condition(contact), CustomerSession.parent_id.is_(None))  # not Plug tokens
                              .order_by(CustomerSession.last_seen_at.desc(),
                                        CustomerSession.id.desc())).all()
    current_id = _family(current)
    found = [Live(row.id, row.kind, devices.describe(row.user_agent),
                  devices.browser(row.user_agent), devices.system(row.user_agent),
                  row.created_at, row.last_seen_at, row.id == current_id) for row in rows]
    return sorted(found, key=lambda item: not item.current)


def _family(current: CustomerSession | None) -> int | None:
    """The listed session a request uses: its own, or for a Plug widget's token the web
    session it was handed out from."""
    if current is None:
        return None
    return current.parent_id or current.id


def sign_out(contact: Contact, current: CustomerSession | None, session_id: int) -> None:
    """End one of `contact`'s other sessions (the one in use ends by signing out)."""
    if current is not None and session_id == _family(current):
        raise Conflict(_("This is the session in use: sign out instead."))
    row = db.session.scalar(select(CustomerSession).where(
        CustomerSession.id == session_id, CustomerSession.parent_id.is_(None),
        *_live_condition(contact)))
    if row is None:
        raise NotFound(_("No such session."))
    row.revoked_at = utcnow()
    sessions.revoke_children(row)
    db.session.commit()


def sign_out_others(contact: Contact, current: CustomerSession | None) -> int:
    """End every listed session of `contact` in this workspace but the one in use (and the
    Plug tokens handed out from them); how many."""
    stmt = update(CustomerSession).where(*_live_condition(contact),
                                         CustomerSession.parent_id.is_(None))
    if current is not None:
        stmt = stmt.where(CustomerSession.id != _family(current))
    count = db.session.execute(stmt.values(revoked_at=utcnow())).rowcount
    ended = select(CustomerSession.id).where(
        CustomerSession.workspace_id == contact.workspace_id,
        CustomerSession.contact_id == contact.id, CustomerSession.revoked_at.is_not(None))
    db.session.execute(update(CustomerSession).where(
        *_live_condition(contact), CustomerSession.parent_id.in_(ended))
        .values(revoked_at=utcnow()))
    db.session.commit()
    return count
