"""Idempotency keys: a client that retries a POST (after a timeout, a 503, a lost
connection) sends the same `Idempotency-Key` and gets the first answer, never a second
ticket or comment.

The key's row holds the first answer (status, body, headers) and is written in the same
transaction as what the POST created, just before its COMMIT: if the COMMIT was lost, so is
the row, and the retry runs again; if it happened, the retry finds the row. Keys belong to
one workspace and one principal (a contact, a staff member), and live IDEMPOTENCY_KEY_HOURS.

- the same key with another request (method, path or body) is refused (422);
- while a request with the key is running, another one with it is refused (409): a
  transaction-scoped advisory lock on PostgreSQL; elsewhere, and should a lock be lost to
  an early commit, the unique key makes the later transaction fail and it replays instead.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import IdempotencyKey
from portal.models.base import utcnow
from portal.services.errors import Conflict, Invalid, ServiceError

HEADER = "Idempotency-Key"
PATTERN = r"^[!-~]{1,255}$"  # 1-255 visible ASCII characters
KEY = re.compile(PATTERN)


class KeyInvalid(ServiceError):
    status = 400
    code = "invalid_idempotency_key"


class KeyReused(Invalid):
    code = "idempotency_key_reused"


class KeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


@dataclass(frozen=True)
class Pending:
    """A POST with a key not answered yet: what its answer is recorded under."""

    workspace_id: int
    principal: str
    key: str
    fingerprint: str


def checked_key(raw: str) -> str:
    if not KEY.match(raw):
        raise KeyInvalid(_("The Idempotency-Key header must be 1 to 255 visible ASCII "
                           "characters."))
    return raw


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _cutoff():
    return utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])


def _lock(pending: Pending) -> None:
    """PostgreSQL: hold the key for this transaction, or refuse while another holds it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    name = f"idempotency:{pending.workspace_id}:{pending.principal}:{pending.key}"
    if not db.session.scalar(select(func.pg_try_advisory_xact_lock(func.hashtext(name)))):
        raise KeyInProgress(_("A request with this Idempotency-Key is still running. "
                              "Try again in a moment."))


def _where(pending: Pending):
    return (IdempotencyKey.workspace_id == pending.workspace_id,
            IdempotencyKey.principal == pending.principal, IdempotencyKey.key == pending.key)


def begin(pending: Pending) -> IdempotencyKey | None:
    """The first answer to replay, or None when the request is to run now (the key is
    then held until this transaction ends). Raises KeyReused or KeyInProgress."""
    _lock(pending)
    row = db.session.scalar(select(IdempotencyKey).where(*_where(pending)))
    if row is not None and row.created_at < _cutoff():
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
        row = None
    if row is not None and row.fingerprint != pending.fingerprint:
        raise KeyReused(_("This Idempotency-Key was used for another request. Use a new "
                          "key for a new request."))
    return row


def record(pending: Pending | None, status: int, body: str, headers: dict) -> None:
    """Write the first answer into the current transaction (before its commit)."""
    if pending is None:
        return
    db.session.add(IdempotencyKey(
        workspace_id=pending.workspace_id, principal=pending.principal, key=pending.key,
        fingerprint=pending.fingerprint, status=status, body=body, headers=headers,
        created_at=utcnow()))


def purge() -> int:
    """Forget keys older than IDEMPOTENCY_KEY_HOURS (the worker's periodic sweep)."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < _cutoff())
        .execution_options(all_workspaces=True, synchronize_session=False))
    db.session.commit()
    return result.rowcount
