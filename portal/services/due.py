"""Rows that wait for a due time and are handled once (ticket notifications, Publish &
Notify): the periodic sweep finds the due ones across workspaces and handles each in its
own workspace."""

from collections.abc import Callable

from sqlalchemy import select

from portal.extensions import db
from portal.models.base import utcnow
from portal.tenancy import use_workspace


def handle_due(model, handle: Callable[[int], int], limit: int, now=None) -> int:
    """`handle(row_id)` for each unsent row of `model` due by `now` (at most `limit`, oldest
    first), inside the row's workspace; the sum of what they return."""
    stmt = (select(model.id, model.workspace_id)
            .where(model.sent_at.is_(None), model.due_at <= (now or utcnow()))
            .order_by(model.id).limit(limit)
            .execution_options(all_workspaces=True))
    done = 0
    for row_id, workspace_id in db.session.execute(stmt).all():
        with use_workspace(workspace_id):
            done += handle(row_id)
    return done
