"""Tenancy: the current workspace, the scoped-model mixin and the fail-closed guard.

Every statement the session executes goes through `_guard`, which walks it once (no
compiling; see docs/PERFORMANCE.md):
- ORM entities of workspace-owned models get `workspace_id == <current workspace>`
  wherever they appear, subqueries included (`with_loader_criteria`); bare tables get it in
  the WHERE clause of their own SELECT (the outer one, or any subquery); UPDATE and DELETE
  get it on their target, and on an association table through the rows it links;
- with no current workspace, a statement that touches a workspace-owned table raises
  `NoWorkspace`;
- what the guard cannot scope is refused (`UnscopedStatement`): raw SQL (`text()`, literal
  columns, hints), a bare alias of a workspace-owned table, INSERT statements into
  workspace-owned or association tables; an UPDATE may not move rows to another workspace
  nor point a reference at another workspace's row (`CrossWorkspaceReference`);
- relationship loads stay in the workspace of the row they start from, and a primary-key
  lookup (`session.get`, many-to-one loads) never returns a row of another workspace from
  the identity map (`WorkspaceSession`).
Platform work (CLI, sweeps, the workspace picker) opts out explicitly with
`.execution_options(all_workspaces=True)`. Statements run on `db.engine` or on a connection
directly never reach the guard: only a few prebuilt hot-path statements do, each naming
its workspace itself, with a test (the workspace lookup, whose table belongs to no
workspace; the customer session lookup, `auth.sessions.find`; the reader's vote on an
article, `article_feedback.current_vote`; the ticket counter's UPDATE,
`tickets.next_number`; the newest ticket form's id, `ticket_forms.for_new_ticket`; a
customer's ticket page, `ticket_access.page_for_customer`; a customer's ticket list,
`tickets.list_for_customer`; a search's hits, `search.service._hits_sql`).
References between rows are checked at flush time (`portal.tenancy_references`); the rows
of a new ticket and new waiting notifications are written by INSERTs that
`portal.tenancy_inserts` checks the same way (the current workspace, references inside it)
before they run.
"""

from contextlib import contextmanager
from functools import lru_cache

from flask import g, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Table, and_, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.elements import (
    BindParameter,
    Null,
)
from sqlalchemy.sql.selectable import (
    Select,
    SelectBase,
    TextualSelect,
)

from portal.i18n import use_locale
from portal.tenancy_base import (  # noqa: F401  (the names every model and test imports)
    CrossWorkspaceReference,
    NoWorkspace,
    TenancyError,
    UnscopedStatement,
    WorkspaceScoped,
)
from portal.tenancy_sql import (  # noqa: F401  (Schema, schema: re-exported)
    Schema,
    filter_bare_tables,
    plain_table,
    scan,
    schema,
    scope_every_select,
    where_froms,
)


def current_workspace_id() -> int | None:
    if has_app_context():
        return g.get("workspace_id")
    return None


def enter_workspace(ws, *, locale: str | None = None, staff: bool = False) -> None:
    """The one place a request's workspace is set: `g.workspace_id`,
    which the guard reads, and the workspace itself: `g.workspace` on the portal and the
    customer API, `g.admin_workspace` for staff (admin pages and the staff API; the portal's
    URL defaults would otherwise build portal links from it). `locale` sets `g.locale` too.
    Each surface calls it once per request (portal.web, portal.api.auth,
    portal.admin.context); jobs and the CLI use `use_workspace`, which sets the id only."""
    g.workspace_id = ws.id
    setattr(g, "admin_workspace" if staff else "workspace", ws)
    if locale is not None:
        use_locale(locale)


@contextmanager
def use_workspace(workspace_id: int):
    """Run a block (a job, a CLI step, a test) as workspace `workspace_id`."""
    previous = g.get("workspace_id")
    g.workspace_id = workspace_id  # jobs keep ids, never ORM objects
    try:
        yield
    finally:
        g.workspace_id = previous


@lru_cache(maxsize=1024)
def _criteria(workspace_id: int):
    """The loader criteria of one workspace, built once (building it is most of the cost)."""
    helpport_workspace_id = workspace_id  # names the bound parameter in the SQL
    return with_loader_criteria(
        WorkspaceScoped,
        lambda cls: cls.workspace_id == helpport_workspace_id,
        include_aliases=True,
        track_closure_variables=True,
    )


@event.listens_for(Session, "do_orm_execute")
def _guard(state: ORMExecuteState) -> None:
    if state.execution_options.get("all_workspaces", False) or state.is_column_load:
        return
    if state.is_relationship_load:
        _guard_relationship_load(state)
        return
    statement = state.statement
    if isinstance(statement, UpdateBase):
        _guard_dml(state, statement)
    elif isinstance(statement, Select | SelectBase) and not isinstance(statement, TextualSelect):
        _guard_select(state, statement)
    else:
        raise UnscopedStatement(f"the tenancy guard cannot scope {type(statement).__name__} "
                                "statements; opt out with all_workspaces=True")


PREPARED = "helpport_prepared"  # the execution option `prepared()` sets
PREPARED_MAX = 2048  # (statement, workspace) pairs kept; all forgotten when full
_prepared: dict = {}  # (id(statement), workspace id) -> (statement, schema, scoped copy)


def prepared(statement):
    """Mark a SELECT that is built once and run many times (a module constant, or one of a
    cached builder's, its values as `bindparam`s): the guard scopes it once per workspace
    and keeps the scoped copy, whose SQLAlchemy cache key is then computed once too. A
    statement built per call gains nothing from it (and only fills the cache)."""
    return statement.execution_options(**{PREPARED: True})


def _guard_select(state: ORMExecuteState, statement) -> None:
    workspace_id = current_workspace_id()
    if workspace_id is None or not state.execution_options.get(PREPARED, False):
        state.statement = _scoped_select(statement, workspace_id, schema())
        return
    # the key holds the workspace, the entry the statement itself: while an entry exists
    # its statement lives, so no other statement can have its id
    known = schema()
    key = (id(statement), workspace_id)
    entry = _prepared.get(key)
    if entry is None or entry[0] is not statement or entry[1] is not known:
        entry = (statement, known, _scoped_select(statement, workspace_id, known))
        if len(_prepared) >= PREPARED_MAX:
            _prepared.clear()
        _prepared[key] = entry
    state.statement = entry[2]


def _scoped_select(statement, workspace_id: int | None, known: Schema):
    """`statement` as the guard runs it in `workspace_id` (None: no workspace is current)."""
    found = scan(statement, known)
    if workspace_id is None:
        if found.scoped:
            raise NoWorkspace("workspace-owned query without a current workspace")
        return statement
    if found.bare_nested:
        statement = scope_every_select(statement, workspace_id)
    elif found.bare_top:
        statement = filter_bare_tables(statement, workspace_id)
    if found.scoped or statement._with_options:  # loader options may reach scoped models
        statement = statement.options(_criteria(workspace_id))
    return statement


def _guard_dml(state: ORMExecuteState, statement) -> None:
    known = schema()
    table = plain_table(statement.table)
    if isinstance(statement, Insert) and (table in known.scoped or table in known.links):
        raise UnscopedStatement("INSERT statements into workspace-owned tables are not "
                                "checked: add the rows through the session")
    found = scan(statement, known)
    workspace_id = current_workspace_id()
    if workspace_id is None:
        if found.scoped or table in known.links:
            raise NoWorkspace("workspace-owned write without a current workspace")
        return
    if found.bare_nested:
        statement = scope_every_select(statement, workspace_id)
    if isinstance(statement, Update | Delete):
        for other in {table, *where_froms(statement)}:
            if other in known.scoped:
                statement = statement.where(other.c.workspace_id == workspace_id)
            elif other in known.links:
                statement = statement.where(_linked_in_workspace(known, other, workspace_id))
        if isinstance(statement, Update) and (table in known.scoped or table in known.links):
            _check_assignments(state, statement, known.refs.get(table, {}), workspace_id)
    if found.scoped:
        statement = statement.options(_criteria(workspace_id))
    state.statement = statement


def _guard_relationship_load(state: ORMExecuteState) -> None:
    """A relationship load stays in the workspace of the row it starts from (lazy loads), or
    the current one (select-in loads). A row loaded by a guarded query passes that query's
    criteria on to its relationship loads already (the same workspace as the row's); rows
    loaded otherwise (created, opted out, refreshed) get them here."""
    if any(getattr(option, "root_entity", None) is WorkspaceScoped
           for option in state.statement._with_options):
        return
    workspace_id = _workspace_of_state(state.lazy_loaded_from) or current_workspace_id()
    if workspace_id is None:
        if any(issubclass(m.class_, WorkspaceScoped) for m in state.all_mappers):
            raise NoWorkspace("workspace-owned relationship load without a workspace")
        return
    state.statement = state.statement.options(_criteria(workspace_id))


def _workspace_of_state(instance_state) -> int | None:
    if instance_state is None or not issubclass(instance_state.class_, WorkspaceScoped):
        return None
    return instance_state.dict.get("workspace_id")


class WorkspaceSession(FlaskSession):
    """`db.session`: a primary-key lookup answered from the identity map (`session.get`, a
    many-to-one load) returns a workspace-owned row only when it belongs to the workspace
    of the lookup: the row the load starts from, else the current workspace. Otherwise the
    lookup goes to the database through the guard, as if the row had never been loaded."""

    def _identity_lookup(self, mapper, primary_key_identity, *args, **kwargs):
        found = super()._identity_lookup(mapper, primary_key_identity, *args, **kwargs)
        if not isinstance(found, WorkspaceScoped):
            return found
        if (kwargs.get("execution_options") or {}).get("all_workspaces", False):
            return found
        expected = _workspace_of_state(kwargs.get("lazy_loaded_from")) or current_workspace_id()
        if expected is None or inspect(found).dict.get("workspace_id") != expected:
            return None
        return found


def _linked_in_workspace(known: Schema, link: Table, workspace_id: int):
    """Rows of an association table whose linked rows belong to the workspace."""
    conditions = []
    for key, (table, column) in known.refs[link].items():
        model = known.model_of[table]
        model_column = getattr(model, column.key)
        conditions.append(link.c[key].in_(
            select(model_column).where(model.workspace_id == workspace_id)))
    return and_(*conditions)


def _check_assignments(state: ORMExecuteState, statement, refs: dict, workspace_id: int):
    """An UPDATE may not move rows to another workspace, and a reference it assigns must name
    a row of this workspace (the flush check does the same for ORM changes)."""
    pairs = list((statement._values or {}).items())  # ordered_values() lands here too
    parameters = state.parameters
    for row in parameters if isinstance(parameters, list | tuple) else [parameters or {}]:
        pairs.extend(row.items())
    wanted: dict = {}
    for key, value in pairs:
        name = key if isinstance(key, str) else getattr(key, "key", None)
        if name == "workspace_id":
            raise CrossWorkspaceReference("an UPDATE cannot move rows to another workspace")
        if name not in refs:
            continue
        if isinstance(value, BindParameter):
            value = value.value
        elif isinstance(value, Null):
            value = None
        elif hasattr(value, "__clause_element__") or hasattr(value, "_from_objects"):
            raise UnscopedStatement(f"cannot check the row {name} is set to; set a value")
        if value is not None:
            wanted.setdefault(refs[name], {})[value] = {workspace_id}
    from portal.tenancy_references import verify_targets

    verify_targets(state.session, wanted)


REQUEST_SCOPED = ("workspace", "workspace_id", "locale", "customer_session", "contact",
                  "host_workspace", "admin_workspace", "redirect_locale", "api_session", "reader",
                  "request_memo")


def register_request_scope(app) -> None:
    """Start and end every request with no workspace on `g`.

    In production each request has its own app context anyway; tests hold one app context
    across several requests, and this keeps one request's workspace from leaking into the next.
    """

    scoped = frozenset(REQUEST_SCOPED)

    def clear(*_args):
        # runs twice per request: one look at g's own names, not 11 pops through its proxy
        held = vars(g._get_current_object())
        for key in scoped.intersection(held):
            del held[key]

    # URL value preprocessors run before any before_request function; the app's run first.
    app.url_value_preprocessors.setdefault(None, []).insert(0, clear)
    app.teardown_request(clear)


from portal import tenancy_references  # noqa: E402, F401  (registers the flush check)
