"""Application access tokens (AAT): what the host application's server proves itself with
to hand its signed-in users over to the portal (the JWT hand-off, portal.services.jwt_handoff).

A token is a random secret, shown once when it is created; only its keyed digest
(portal.auth.tokens.digest) is stored, under a name unique in the workspace. Looking a
secret up by its digest is what makes the check constant-time: the database compares
digests, and nothing about the secret shows in how long that takes. A token belongs to one
workspace: a token of another workspace is refused like an unknown one.
"""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.tokens import digest, new_token
from portal.extensions import db
from portal.models import AppToken, Workspace
from portal.models.base import utcnow
from portal.services.errors import Invalid, NotFound, Unauthorized

PREFIX = "hpat_"  # a secret says what it is (and secret scanners can find it)
NAME_MAX = 100
SECRET_MAX = 200
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def _rows(ws: Workspace):
    return select(AppToken).where(AppToken.workspace_id == ws.id)


def listing(ws: Workspace) -> list[AppToken]:
    """The workspace's tokens, newest first (revoked ones too: they are its history)."""
    return list(db.session.scalars(_rows(ws).order_by(AppToken.created_at.desc(),
                                                       AppToken.id.desc())))


def by_name(ws: Workspace, name: str) -> AppToken | None:
    return db.session.scalar(_rows(ws).where(AppToken.name == name))


def by_id(ws: Workspace, token_id: int) -> AppToken | None:
    return db.session.scalar(_rows(ws).where(AppToken.id == token_id))


def create(ws: Workspace, name, created_by: str | None = None) -> tuple[AppToken, str]:
    """A new token named `name` and its secret, which nobody can see again; commits."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > NAME_MAX or any(ord(c) < 32 for c in name):
        raise Invalid(_("Give the token a name of 1 to 100 characters."), field="name")
    if by_name(ws, name) is not None:
        raise Invalid(_("A token with this name exists already."), field="name")
    secret = PREFIX + new_token()
    row = AppToken(workspace_id=ws.id, name=name, token_hash=digest(secret),
                   created_by=(created_by or "")[:320] or None)
    db.session.add(row)
    db.session.commit()
    return row, secret


def revoke(ws: Workspace, row: AppToken | None) -> AppToken:
    """`row` refused from now on (revoking it again changes nothing); commits."""
    if row is None or row.workspace_id != ws.id:
        raise NotFound(_("No such application token."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
    return row


def authenticate(ws: Workspace, secret: str | None) -> AppToken:
    """The live token of `ws` whose secret this is; Unauthorized when there is none, it is
    unknown, revoked, or another workspace's. Notes when it was last used (once a minute
    at most, so that a busy host application does not write on every hand-off)."""
    if not secret:
        raise Unauthorized(_("Send an application token as the bearer token."))
    row = None
    if len(secret) <= SECRET_MAX:
        row = db.session.scalar(_rows(ws).where(AppToken.token_hash == digest(secret)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized(_("The application token is unknown or revoked, or belongs to "
                             "another workspace."))
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()
    return row


def to_json(row: AppToken) -> dict:
    """What the staff API shows of a token: never its secret, nor its digest."""
    def moment(value):
        return value.isoformat() if value is not None else None

    return {"id": row.id, "name": row.name, "created_at": moment(row.created_at),
            "created_by": row.created_by, "last_used_at": moment(row.last_used_at),
            "revoked_at": moment(row.revoked_at)}
