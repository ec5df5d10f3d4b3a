"""Tenancy: the current workspace, the scoped-model mixin and the fail-closed query guard.

Every select of a workspace-owned model gets `workspace_id == <current workspace>` added;
a select made with no current workspace raises, unless the statement opts out with
`.execution_options(all_workspaces=True)` (platform work: CLI, sweeps, the workspace picker).
"""

from contextlib import contextmanager

from flask import g, has_app_context
from sqlalchemy import ForeignKey, Table, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria
from sqlalchemy.sql.selectable import Join, Select


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
    if any(issubclass(m.class_, WorkspaceScoped) for m in state.all_mappers):
        return True
    statement = state.statement
    return isinstance(statement, Select) and any(
        t in _scoped_tables() for t in _tables_in_froms(statement))


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
    statement = state.statement
    if state.is_select:
        statement = _filter_bare_tables(statement, workspace_id)
    state.statement = statement.options(
        with_loader_criteria(
            WorkspaceScoped,
            lambda cls: cls.workspace_id == workspace_id,
            include_aliases=True,
            track_closure_variables=True,
        )
    )


_SCOPED: dict = {}


def _scoped_tables() -> frozenset:
    """Tables of the workspace-owned models, computed again only when models are added."""
    from flask_appbuilder.models.sqla import Model

    mappers = Model.registry.mappers
    if _SCOPED.get("count") != len(mappers):
        _SCOPED["tables"] = frozenset(m.local_table for m in mappers
                                      if issubclass(m.class_, WorkspaceScoped))
        _SCOPED["count"] = len(mappers)
    return _SCOPED["tables"]


def _filter_bare_tables(statement, workspace_id: int):
    """Loader criteria reach ORM entities, not a scoped table that is only named in FROM
    (`select(func.count()).select_from(Contact)`): such tables of the outer SELECT get the
    workspace condition directly (repeating it where the criteria also apply is harmless).
    Not covered: a scoped table inside a subquery of a legacy `Query.count()`; Flask-AppBuilder
    counts that way, with its own workspace base filter."""
    if not isinstance(statement, Select):
        return statement
    scoped = _scoped_tables()
    for table in _tables_in_froms(statement):
        if table in scoped:
            statement = statement.where(table.c.workspace_id == workspace_id)
    return statement


def _tables_in_froms(select_stmt):
    """Tables of the outer FROM, less the optional side of outer joins. Without `.join()`
    calls they are read off the statement (explicit FROMs and the tables the columns imply,
    less those inside an explicit Join): `get_final_froms()` compiles the statement, which
    took a third of a ticket page's time. With `.join()`s only the compiled FROM list tells
    which tables an outer join makes optional, so those statements pay for it."""
    joined = bool(select_stmt._setup_joins)
    stack = list(select_stmt.get_final_froms() if joined else select_stmt._from_obj)
    in_joins: set = set()
    while stack:
        item = stack.pop()
        if isinstance(item, Table):
            yield item
        elif isinstance(item, Join):  # the optional side of an outer join stays unfiltered
            in_joins.update(_join_tables(item))
            stack.extend((item.left,) if item.isouter else (item.left, item.right))
    if not joined:
        for item in select_stmt.columns_clause_froms:
            if isinstance(item, Table) and item not in in_joins:
                yield item


def _join_tables(join: Join) -> set:
    found, stack = set(), [join.left, join.right]
    while stack:
        item = stack.pop()
        if isinstance(item, Table):
            found.add(item)
        elif isinstance(item, Join):
            stack.extend((item.left, item.right))
    return found


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
