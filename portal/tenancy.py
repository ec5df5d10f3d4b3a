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
directly never reach the guard (nothing in portal/ does). References between rows are
checked at flush time (`portal.tenancy_references`).
"""

import re
from contextlib import contextmanager
from functools import lru_cache

from flask import g, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import ForeignKey, Table, and_, event, inspect, select
from sqlalchemy.exc import NoReferencedTableError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.elements import (
    BindParameter,
    ClauseElement,
    ColumnClause,
    Null,
    TextClause,
)
from sqlalchemy.sql.selectable import (
    AliasedReturnsRows,
    Join,
    Select,
    SelectBase,
    TableClause,
    TextualSelect,
)
from sqlalchemy.sql.visitors import InternalTraversal, Traversible, cloned_traverse


class TenancyError(RuntimeError):
    """A workspace rule that the database layer refuses to break."""


class NoWorkspace(TenancyError):
    """A workspace-owned query was made without a current workspace."""


class UnscopedStatement(TenancyError):
    """A statement the guard cannot scope to the workspace; write it with the models, or opt
    out with `.execution_options(all_workspaces=True)` when it is platform work."""


class CrossWorkspaceReference(TenancyError):
    """A row would refer to a row of another workspace."""


class WorkspaceScoped:
    # active history: a change always knows the stored value (the flush check refuses moves)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True, active_history=True
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


class Schema:
    """What the guard knows of the models: the workspace-owned tables, the association tables
    that link them, and which columns refer to a workspace-owned row."""

    def __init__(self, mappers, tables):
        self.model_of = {m.local_table: m.class_ for m in mappers
                         if issubclass(m.class_, WorkspaceScoped)}
        self.scoped = frozenset(self.model_of)
        self.scoped_names = frozenset(t.name for t in self.scoped)
        # table -> {column key: (referenced workspace-owned table, referenced column)}
        self.refs: dict = {}
        for table in tables:
            refs = {col.key: (target.table, target) for col in table.columns
                    if col.key != "workspace_id"
                    for fk in col.foreign_keys if (target := _resolved(fk)) is not None
                    and target.table in self.scoped}
            if refs:
                self.refs[table] = refs
        self.links = frozenset(t for t in self.refs
                               if t not in self.scoped and "workspace_id" not in t.c)


def _resolved(fk):
    """The column a foreign key refers to, or None while its table is not defined yet."""
    try:
        return fk.column
    except NoReferencedTableError:
        return None


_SCHEMA: dict = {}


def schema() -> Schema:
    """The current `Schema`, computed again when tables are added (every model adds its
    table; `registry.mappers` would build a set on every call)."""
    from flask_appbuilder.models.sqla import Model

    tables = Model.metadata.tables
    if _SCHEMA.get("tables") != len(tables):
        _SCHEMA["schema"] = Schema(Model.registry.mappers, tables.values())
        _SCHEMA["tables"] = len(tables)
    return _SCHEMA["schema"]


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


def _guard_select(state: ORMExecuteState, statement) -> None:
    found = _scan(statement, schema())
    workspace_id = current_workspace_id()
    if workspace_id is None:
        if found.scoped:
            raise NoWorkspace("workspace-owned query without a current workspace")
        return
    if found.bare_nested:
        statement = _scope_every_select(statement, workspace_id)
    elif found.bare_top:
        statement = _filter_bare_tables(statement, workspace_id)
    if found.scoped or statement._with_options:  # loader options may reach scoped models
        statement = statement.options(_criteria(workspace_id))
    state.statement = statement


def _guard_dml(state: ORMExecuteState, statement) -> None:
    known = schema()
    table = _plain_table(statement.table)
    if isinstance(statement, Insert) and (table in known.scoped or table in known.links):
        raise UnscopedStatement("INSERT statements into workspace-owned tables are not "
                                "checked: add the rows through the session")
    found = _scan(statement, known)
    workspace_id = current_workspace_id()
    if workspace_id is None:
        if found.scoped or table in known.links:
            raise NoWorkspace("workspace-owned write without a current workspace")
        return
    if found.bare_nested:
        statement = _scope_every_select(statement, workspace_id)
    if isinstance(statement, Update | Delete):
        for other in {table, *_where_froms(statement)}:
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


class _Found:
    """What `_scan` saw: workspace-owned tables at all, and bare ones (no model) in the outer
    statement or in a subquery."""

    __slots__ = ("scoped", "bare_top", "bare_nested")

    def __init__(self):
        self.scoped = self.bare_top = self.bare_nested = False


_LITERAL_OK = re.compile(r"^[\w.*]*$")  # `*`, `1`, a name: no SQL of its own

_ONE = {InternalTraversal.dp_clauseelement}
_MANY = {InternalTraversal.dp_clauseelement_list, InternalTraversal.dp_clauseelement_tuple}
_NOT_SQL = {InternalTraversal.dp_plain_obj, InternalTraversal.dp_plain_dict,
            InternalTraversal.dp_boolean, InternalTraversal.dp_annotations_key,
            InternalTraversal.dp_executable_options, InternalTraversal.dp_dialect_options,
            InternalTraversal.dp_propagate_attrs, InternalTraversal.dp_params,
            InternalTraversal.dp_compile_state_funcs}
_NOT_FROMS = {"_correlate", "_correlate_except"}  # name tables, render none


def _select_parts():
    one, many, other = [], [], []
    for name, kind in Select._traverse_internals:
        if name in _NOT_FROMS or kind in _NOT_SQL:
            continue
        if kind in _ONE:
            one.append(name)
        elif kind in _MANY:
            many.append(name)
        elif name != "_setup_joins":
            other.append(name)
    return tuple(one), tuple(many), tuple(other)


_SELECT_ONE, _SELECT_MANY, _SELECT_OTHER = _select_parts()


def _select_children(select_stmt) -> list:
    """The parts of a SELECT that hold SQL, read directly: `Select.get_children()` visits
    every attribute generically and made the scan several times slower. A statement using a
    rarer feature (hints, prefixes, memoized entities...) is visited the generic way."""
    if any(getattr(select_stmt, name) for name in _SELECT_OTHER):
        if select_stmt._hints or select_stmt._statement_hints:
            raise UnscopedStatement("the tenancy guard cannot check SQL hints")
        return list(select_stmt.get_children())
    children = [part for name in _SELECT_ONE if (part := getattr(select_stmt, name)) is not None]
    for name in _SELECT_MANY:
        children.extend(getattr(select_stmt, name))
    for target, onclause, from_, _flags in select_stmt._setup_joins:
        children.extend(p for p in (target, onclause, from_) if p is not None)
    return children


# what `_scan` does with an element, by class (decided once per class)
_SKIP, _COLUMN, _TABLE, _ALIAS, _RAW_SQL, _SELECT, _OTHER_SELECT, _OTHER, _NOT_ELEMENT = (
    range(1, 10))  # never 0: a cached kind is looked up with `or`
_KINDS: dict = {}


def _kind(cls) -> int:
    kind = _KINDS.get(cls)
    if kind is None:
        kind = (_SKIP if issubclass(cls, BindParameter) else
                _COLUMN if issubclass(cls, ColumnClause) else
                _TABLE if issubclass(cls, TableClause) else
                _ALIAS if issubclass(cls, AliasedReturnsRows) else
                _RAW_SQL if issubclass(cls, TextClause | TextualSelect) else
                _SELECT if issubclass(cls, Select) else
                _OTHER_SELECT if issubclass(cls, SelectBase) else
                _OTHER if issubclass(cls, ClauseElement) else
                _NOT_ELEMENT)
        _KINDS[cls] = kind
    return kind


def _scan(statement, known: Schema) -> _Found:
    """Walk the statement once (no compiling): which workspace-owned tables it reads and how,
    refusing raw SQL and what cannot be scoped."""
    found = _Found()
    stack = [(statement, False)]
    seen: set = set()
    while stack:
        element, nested = stack.pop()
        kind = _KINDS.get(type(element)) or _kind(type(element))
        if kind == _SKIP:
            continue
        if kind == _COLUMN:
            if element.is_literal:
                if not _LITERAL_OK.match(element.name):
                    raise UnscopedStatement("the tenancy guard cannot check literal SQL")
                continue
            table = element.table
            if table is not None:
                mapper = element._annotations.get("parentmapper")
                if mapper is not None:  # an ORM entity's column: the criteria cover it
                    found.scoped = found.scoped or issubclass(mapper.class_, WorkspaceScoped)
                elif (id(table), nested) not in seen:
                    seen.add((id(table), nested))
                    stack.append((table, nested))
        elif kind == _TABLE:
            _note_table(element, nested, known, found)
        elif kind == _SELECT:
            inner = nested or element is not statement
            stack += [(child, inner) for child in _select_children(element)]
        elif kind == _OTHER:
            stack += [(child, nested) for child in element.get_children()]
        elif kind == _ALIAS:
            inner = element.element
            if isinstance(inner, TableClause):
                if _plain_table(inner) in known.scoped or inner.name in known.scoped_names:
                    if "parentmapper" not in element._annotations:
                        raise UnscopedStatement("an alias of a workspace-owned table without "
                                                "its model (use sqlalchemy.orm.aliased)")
                    found.scoped = True
            else:
                stack.append((inner, nested))
        elif kind == _OTHER_SELECT:  # a UNION and the like: its SELECTs are subqueries
            inner = nested or element is not statement
            stack += [(child, inner) for child in element.get_children()]
        elif kind == _RAW_SQL:
            raise UnscopedStatement("the tenancy guard cannot check raw SQL (text())")
        elif isinstance(element, Traversible):  # what a with_only_columns() replaced
            stack += [(child, nested) for child in element.get_children()]
        else:
            stack.append((_entity_selectable(element), nested))
    return found


def _entity_selectable(part):
    """What an ORM join target (`.join(Ticket.reporters)`, `.join(Comment)`) selects from."""
    insp = inspect(part, raiseerr=False)
    entity = getattr(getattr(insp, "property", None), "entity", None) or insp
    if not hasattr(entity, "__clause_element__"):
        raise UnscopedStatement(f"the tenancy guard cannot read the join target {part!r}")
    return entity.__clause_element__()


def _note_table(table, nested: bool, known: Schema, found: _Found) -> None:
    if isinstance(table, Table):
        if table in known.scoped:
            found.scoped = True
            if "parentmapper" not in table._annotations:
                if nested:
                    found.bare_nested = True
                else:
                    found.bare_top = True
    elif table.name in known.scoped_names:  # sqlalchemy.table("ticket", ...): no model
        raise UnscopedStatement(f"a lightweight table named {table.name!r} cannot be scoped")


def _plain_table(table):
    """The Table behind an ORM-annotated one (`Table.__eq__` is identity; annotated copies
    hash like their original)."""
    return table._deannotate() if getattr(table, "_annotations", None) else table


def _filter_bare_tables(statement, workspace_id: int):
    """Loader criteria reach ORM entities, not a scoped table that is only named in FROM
    (`select(func.count()).select_from(contact_table)`): such tables of the outer SELECT get
    the workspace condition directly (repeating it where the criteria also apply is
    harmless). The optional side of a Core outer join stays unfiltered: its rows are only
    reached through the join condition, and references never cross workspaces."""
    if not isinstance(statement, Select):
        return statement
    scoped = schema().scoped
    for table in set(_tables_in_froms(statement)):
        if table in scoped:
            statement = statement.where(table.c.workspace_id == workspace_id)
    return statement


def _scope_every_select(statement, workspace_id: int):
    """A copy of the statement where every SELECT in it, subqueries included, has the
    workspace condition on the bare tables of its FROM (Flask-AppBuilder pages its
    many-to-many lists with such a subquery). Copying the whole statement costs more than
    `_filter_bare_tables`, so only statements with a bare table in a subquery pay for it."""
    scoped = schema().scoped

    def visit_select(select_stmt):  # a fresh copy: cloned_traverse lets visitors change it
        conditions = tuple(table.c.workspace_id == workspace_id
                           for table in set(_tables_in_froms(select_stmt)) if table in scoped)
        if conditions:
            select_stmt._where_criteria += conditions
            select_stmt._reset_memoizations()

    return cloned_traverse(statement, {}, {"select": visit_select})


def _tables_in_froms(select_stmt):
    """Tables of the outer FROM, less the optional side of outer joins. Without `.join()`
    calls they are read off the statement (explicit FROMs and the tables the columns and the
    WHERE clause imply, less those inside an explicit Join): `get_final_froms()` compiles
    the statement. With `.join()`s only the compiled FROM list tells which tables an outer
    join makes optional, so those statements pay for it (only bare-table statements get here)."""
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
        implied = [*select_stmt.columns_clause_froms,
                   *(f for crit in select_stmt._where_criteria for f in crit._from_objects)]
        for item in implied:
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


def _where_froms(statement) -> set:
    """Tables an UPDATE or DELETE reads besides its target (UPDATE ... FROM, DELETE ... USING)."""
    return {_plain_table(f) for crit in statement._where_criteria for f in crit._from_objects
            if isinstance(f, Table)}


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


from portal import tenancy_references  # noqa: E402, F401  (registers the flush check)
