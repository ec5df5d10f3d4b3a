"""The outbox when the database connection dies between the SMTP server's acceptance and
the "sent" mark (issue 9 part 2): the mark is retried, never the send. A real SMTP server
(aiosmtpd) counts what arrives; its DATA handler kills the app's PostgreSQL connections
before it answers 250, so the mark always meets a dead connection."""

import email
import email.policy
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from portal.extensions import db
from portal.jobs.tasks import deliver_email
from portal.models import OutboxMessage
from portal.models.base import utcnow
from portal.services import outbox
from tests.factories import make_workspace
from tests.faults import db_support
from tests.jobs.support import free_port

fault_db, fault_app = db_support.fault_db, db_support.fault_app  # the fixtures
pytestmark = pytest.mark.postgres


class KillingInbox:
    """Counts messages by outbox id; before accepting one, runs `on_data` (a fault)."""

    def __init__(self):
        self.received = Counter()
        self.on_data = None

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None:
            self.on_data()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received[int(message["X-Helpport-Outbox-Id"])] += 1
        return "250 OK"


@pytest.fixture
def inbox(fault_app, fault_db):
    handler = KillingInbox()
    handler.on_data = fault_db.kill_connections
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    fault_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    with fault_app.app_context():
        yield handler
    fault_app.config["SMTP_URL"] = ""
    controller.stop()


def queue_emails(count: int) -> list[int]:
    ws = make_workspace(slug=f"ws{uuid.uuid4().hex[:8]}")
    ids = [outbox.add(ws.id, f"user{n}@example.com", f"Update {n}", "Text", "<p>HTML</p>",
                      kind="test", locale="en-US").id for n in range(count)]
    db.session.commit()
    return ids


def rows(ids) -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        .execution_options(all_workspaces=True, populate_existing=True)))


def leases_run_out(ids) -> None:
    """As if every claim had expired: each row is due again."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1))
                       .execution_options(all_workspaces=True))
    db.session.commit()


def test_a_mark_that_meets_a_dead_connection_is_retried_not_the_send(fault_db, inbox):
    ids = queue_emails(10)
    kills = fault_db.kills
    assert [deliver_email(i) for i in ids] == ["sent"] * 10
    assert fault_db.kills - kills == 10  # every mark met a dead connection
    assert all(row.sent_at is not None and row.message_id for row in rows(ids))
    inbox.on_data = None
    leases_run_out(ids)
    assert {deliver_email(i) for i in ids} == {"skipped"}
    duplicates = sum(n - 1 for n in inbox.received.values())
    assert (sorted(inbox.received), duplicates) == (ids, 0)


def test_a_mark_that_cannot_be_written_is_not_followed_by_a_resend(fault_db, fault_app,
                                                                   inbox, monkeypatch):
    monkeypatch.setitem(fault_app.config, "OUTBOX_MARK_RETRIES", 2)
    (row_id,) = queue_emails(1)

    def database_gone():
        fault_db.refuse_connections(True)
        fault_db.kill_connections()

    inbox.on_data = database_gone
    try:
        assert deliver_email(row_id) == "sent"  # accepted; the mark failed twice
    finally:
        fault_db.refuse_connections(False)
    inbox.on_data = None
    (row,) = rows([row_id])
    assert row.sent_at is None  # the crash window: only Redis knows it was sent
    leases_run_out([row_id])
    assert deliver_email(row_id) == "sent"  # recorded, not sent again
    (row,) = rows([row_id])
    assert row.sent_at is not None and row.message_id.startswith(f"<outbox-{row_id}.")
    assert inbox.received == Counter({row_id: 1})
