"""How the tenancy guard reads a statement: which workspace-owned tables, association
tables and references the models declare (`Schema`), what a statement touches (`scan`,
one walk, no compiling), and how bare tables get their workspace condition. The guard
itself, and what it refuses, is in `portal.tenancy`."""

import re

from sqlalchemy import Table, inspect
from sqlalchemy.exc import NoReferencedTableError
from sqlalchemy.sql.elements import (
    BindParameter,
    ClauseElement,
    ColumnClause,
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

import portal.tenancy_base as tenancy


class Schema:
    """What the guard knows of the models: the workspace-owned tables, the association tables
    that link them, and which columns refer to a workspace-owned row."""

    def __init__(self, mappers, tables):
        self.model_of = {m.local_table: m.class_ for m in mappers
                         if issubclass(m.class_, tenancy.WorkspaceScoped)}
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



class _Found:
    """What `scan` saw: workspace-owned tables at all, and bare ones (no model) in the outer
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
            raise tenancy.UnscopedStatement("the tenancy guard cannot check SQL hints")
        return list(select_stmt.get_children())
    children = [part for name in _SELECT_ONE if (part := getattr(select_stmt, name)) is not None]
    for name in _SELECT_MANY:
        children.extend(getattr(select_stmt, name))
    for target, onclause, from_, _flags in select_stmt._setup_joins:
        children.extend(p for p in (target, onclause, from_) if p is not None)
    return children


# what `scan` does with an element, by class (decided once per class)
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


def scan(statement, known: Schema) -> _Found:
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
                    raise tenancy.UnscopedStatement("the tenancy guard cannot check literal SQL")
                continue
            table = element.table
            if table is not None:
                mapper = element._annotations.get("parentmapper")
                if mapper is not None:  # an ORM entity's column: the criteria cover it
                    found.scoped = found.scoped or issubclass(
                        mapper.class_, tenancy.WorkspaceScoped)
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
                if plain_table(inner) in known.scoped or inner.name in known.scoped_names:
                    if "parentmapper" not in element._annotations:
                        raise tenancy.UnscopedStatement(
                            "an alias of a workspace-owned table without "
                            "its model (use sqlalchemy.orm.aliased)")
                    found.scoped = True
            else:
                stack.append((inner, nested))
        elif kind == _OTHER_SELECT:  # a UNION and the like: its SELECTs are subqueries
            inner = nested or element is not statement
            stack += [(child, inner) for child in element.get_children()]
        elif kind == _RAW_SQL:
            raise tenancy.UnscopedStatement("the tenancy guard cannot check raw SQL (text())")
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
        raise tenancy.UnscopedStatement(f"the tenancy guard cannot read the join target {part!r}")
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
        raise tenancy.UnscopedStatement(
            f"a lightweight table named {table.name!r} cannot be scoped")


def plain_table(table):
    """The Table behind an ORM-annotated one (`Table.__eq__` is identity; annotated copies
    hash like their original)."""
    return table._deannotate() if getattr(table, "_annotations", None) else table


def filter_bare_tables(statement, workspace_id: int):
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


def scope_every_select(statement, workspace_id: int):
    """A copy of the statement where every SELECT in it, subqueries included, has the
    workspace condition on the bare tables of its FROM (Flask-AppBuilder pages its
    many-to-many lists with such a subquery). Copying the whole statement costs more than
    `filter_bare_tables`, so only statements with a bare table in a subquery pay for it."""
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


def where_froms(statement) -> set:
    """Tables an UPDATE or DELETE reads besides its target (UPDATE ... FROM, DELETE ... USING)."""
    return {plain_table(f) for crit in statement._where_criteria for f in crit._from_objects
            if isinstance(f, Table)}
