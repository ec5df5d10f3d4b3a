"""Keeping the knowledge-base search index in step with articles and directories: a change
asks for the workspace's index to be rebuilt once it commits (a rollback asks nothing)."""

from portal.aftercommit import after_commit
from portal.extensions import db


def reindex_after_commit(workspace_id: int) -> None:
    after_commit(db.session, _request_reindex, workspace_id)


def _request_reindex(workspace_id: int) -> None:
    from portal.search import request_reindex

    request_reindex(workspace_id)
