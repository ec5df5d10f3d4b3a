"""Rows that belong to a workspace, found by what a request or a file names them with: an id
(any text; a malformed one finds nothing) or a slug (made unique within the workspace)."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Workspace
from portal.models.base import as_id


def by_id(model, ws: Workspace, raw_id):
    """The row of `model` in `ws` with id `raw_id`, or None."""
    key = as_id(raw_id)
    if key is None:
        return None
    return db.session.scalar(select(model).where(model.workspace_id == ws.id,
                                                 model.id == key))


def free_slug(model, ws: Workspace, base: str, own_id: int | None) -> str:
    """`base`, or `base-2`, `base-3`, ...: the first slug no other row of `model` in `ws`
    uses."""
    slug, n = base, 1
    while True:
        taken = db.session.scalar(select(model.id).where(
            model.workspace_id == ws.id, model.slug == slug))
        if taken is None or taken == own_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def read_connection():
    """The session's connection, for a prebuilt Core SELECT on a hot path (its transaction,
    statement events and error handling; none of the ORM's per-query set-up), after the
    autoflush an ORM query would have made: what this transaction added or changed is seen."""
    session = db.session()
    if session.autoflush and (session.new or session.dirty):
        session.flush()
    return session.connection()
