"""The periodic sweep deletes rows that only wait for their expiry, in every workspace,
and keeps the live ones."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.auth.spent import spend
from portal.extensions import db
from portal.jobs.tasks import periodic
from portal.models import GuestTicketDraft, SpentToken
from portal.models.base import utcnow


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)
                             .execution_options(all_workspaces=True))


def test_the_sweep_drops_expired_drafts_and_spent_tokens_of_every_workspace(acme, globex):
    now = utcnow()
    for ws in (acme, globex):
        for n, expires in enumerate((now - timedelta(seconds=1), now + timedelta(hours=1))):
            db.session.add(GuestTicketDraft(workspace_id=ws.id, token_hash=f"{ws.id}-{n}",
                                            email="v@example.com", values={},
                                            expires_at=expires))
            assert spend(ws.id, "jwt", f"jti-{n}", expires)
    db.session.commit()
    assert _count(GuestTicketDraft) == 4 and _count(SpentToken) == 4
    periodic()
    assert _count(GuestTicketDraft) == 2 and _count(SpentToken) == 2
    assert not spend(acme.id, "jwt", "jti-1", now + timedelta(hours=1))  # live: still spent
    assert spend(acme.id, "jwt", "jti-0", now + timedelta(hours=1))  # forgotten with expiry
