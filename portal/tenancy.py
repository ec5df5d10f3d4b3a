"""Tenancy: the current workspace, the scoped-model mixin and the fail-closed query guard.

Every select of a workspace-owned model gets `workspace_id == <current workspace>` added;
a select made with no current workspace raises, unless the statement opts out with
`.execution_options(all_workspaces=True)` (platform work: CLI, sweeps, the workspace picker).
"""

from contextlib import contextmanager

from flask import g, has_app_context
from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria


class NoWorkspace(RuntimeError):
    """A workspace-owned query was made without a current workspace."""


class WorkspaceScoped:
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )


def current_workspace_id() -> int | None:
    if has_app_context():
        return g.get("workspace_id")
    return None


@contextmanager
def use_workspace(workspace_id: int):
    """Run a block (a job, a CLI step, a test) as workspace `workspace_id`."""
    previous = g.get("workspace_id")
    g.workspace_id = workspace_id
    try:
        yield
    finally:
        g.workspace_id = previous


def _mentions_scoped(state: ORMExecuteState) -> bool:
    for mapper in state.all_mappers:
        if issubclass(mapper.class_, WorkspaceScoped):
            return True
    return False


@event.listens_for(Session, "do_orm_execute")
def _guard(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get("all_workspaces", False):
        return
    if not _mentions_scoped(state):
        return
    workspace_id = current_workspace_id()
    if workspace_id is None:
        raise NoWorkspace("workspace-owned query without a current workspace")
    state.statement = state.statement.options(
        with_loader_criteria(
            WorkspaceScoped,
            lambda cls: cls.workspace_id == workspace_id,
            include_aliases=True,
            track_closure_variables=True,
        )
    )


REQUEST_SCOPED = ("workspace", "workspace_id", "locale", "customer_session", "contact",
                  "host_workspace", "admin_workspace", "redirect_locale")


def register_request_scope(app) -> None:
    """Start and end every request with no workspace on `g`.

    In production each request has its own app context anyway; tests hold one app context
    across several requests, and this keeps one request's workspace from leaking into the next.
    """

    def clear(*_args):
        for key in REQUEST_SCOPED:
            g.pop(key, None)

    # URL value preprocessors run before any before_request function; the app's run first.
    app.url_value_preprocessors.setdefault(None, []).insert(0, clear)
    app.teardown_request(clear)
