"""Keeping the knowledge-base search index in step with articles and directories: a change
asks for the workspace's index to be rebuilt once it commits (a rollback asks nothing).

How a rebuild is requested is registered by portal.search (`REINDEX` in the app's
extensions, see portal.search.init_search), so that the services never import the search
package, which builds on them."""

from flask import current_app

from portal.aftercommit import after_commit
from portal.extensions import db

REINDEX = "helpport_reindex_request"


def reindex_after_commit(workspace_id: int) -> None:
    after_commit(db.session, _request_reindex, workspace_id)


def _request_reindex(workspace_id: int) -> None:
    current_app.extensions[REINDEX](workspace_id)
