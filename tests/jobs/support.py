"""Helpers for email and job tests: an SMTP inbox for aiosmtpd, free ports, and the
outbox table as a worker sees it."""

import email
import email.policy
import socket
from datetime import timedelta

from sqlalchemy import select, update

from portal.models import OutboxMessage
from portal.models.base import utcnow


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives. Set `reply` to an SMTP answer
    such as "451 4.3.0 Try later" to refuse the next messages instead."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.reply: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


def outbox_rows() -> list[OutboxMessage]:
    """Every outbox row as stored now (not as cached in this test's session)."""
    from portal.extensions import db

    db.session.expire_all()
    stmt = select(OutboxMessage).order_by(OutboxMessage.id).execution_options(
        all_workspaces=True)
    return list(db.session.scalars(stmt))


def time_passes(outbox_id: int, seconds: int = 0) -> None:
    """Make a row due, as if its backoff (or a worker's claim) had run out."""
    from portal.extensions import db

    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(next_attempt_at=utcnow() - timedelta(seconds=seconds or 1))
        .execution_options(all_workspaces=True)
    )
    db.session.commit()


def text_and_html(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "message lacks a text or an HTML part"
    return text.get_content(), html.get_content()
