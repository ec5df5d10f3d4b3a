"""Rows that only wait for their expiry: deleted by the worker's periodic sweep."""

from sqlalchemy import delete

from portal.extensions import db
from portal.models import GuestTicketDraft, SpentToken
from portal.models.base import utcnow


def purge() -> int:
    """Delete, in every workspace, visitors' ticket drafts never confirmed in time
    (portal.auth.guest_tickets) and spent single-use tokens past their expiry
    (portal.auth.spent: an expired token is refused for its expiry anyway)."""
    now, removed = utcnow(), 0
    for model in (GuestTicketDraft, SpentToken):
        done = db.session.execute(
            delete(model).where(model.expires_at <= now)
            .execution_options(all_workspaces=True, synchronize_session=False))
        removed += done.rowcount or 0
    db.session.commit()
    return removed
