"""New rows written by one INSERT on the session's connection, checked as a flush checks them.

The guard refuses INSERT statements run through the session (it cannot scope them), and
each flush checks the references of new rows (portal.tenancy_references). Opening a ticket
writes its rows without the ORM's unit of work, whose flush was a quarter of the
creation's CPU (docs/PERFORMANCE.md, "Round 7"); it writes them here, and so does every
new waiting notification (portal.services.notifications, on any ticket change). The same
rules hold before the statement runs:

- a row's `workspace_id` is the current workspace (none current: `NoWorkspace`; another
  one: `CrossWorkspaceReference`);
- every column that refers to a workspace-owned row refers to a row of that workspace
  (the session's loaded copy when it holds one, else one query, as at a flush);
- an association row (`insert_link`) links rows of the current workspace only.

`insert_row` returns the row's ORM object, persistent in the session with every column set
and the given relationships loaded, so that reading it runs no statement.
"""

from functools import cache

from sqlalchemy import insert
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.loaded_rows import as_loaded
from portal.tenancy import current_workspace_id
from portal.tenancy_base import CrossWorkspaceReference, NoWorkspace
from portal.tenancy_references import loaded_target, verify_targets
from portal.tenancy_sql import schema


@cache
def _insert(table):
    return insert(table)  # built once per table, not once per row


def _current() -> int:
    workspace_id = current_workspace_id()
    if workspace_id is None:
        raise NoWorkspace("a new row needs a current workspace")
    return workspace_id


def _check_references(table, values: dict, workspace_id: int) -> None:
    known = schema()
    wanted: dict = {}
    for key, ref in known.refs.get(table, {}).items():
        value = values.get(key)
        if value is None:
            continue
        target = loaded_target(db.session, known, ref, value)
        if target is None:
            wanted.setdefault(ref, {}).setdefault(value, set()).add(workspace_id)
        elif target.workspace_id != workspace_id:
            raise CrossWorkspaceReference(
                f"a new {table.name} row refers to {ref[0].name} {value} of another workspace")
    verify_targets(db.session, wanted)


def _complete(table, values: dict) -> dict:
    """`values` with every other column's default (None where it has none), as the INSERT
    would store them: the object then has every attribute loaded."""
    full = {}
    for column in table.columns:
        if column.primary_key or column.key in values:
            continue
        default = column.default
        if default is None:
            full[column.key] = None
        elif default.is_callable:
            full[column.key] = default.arg(None)
        elif default.is_scalar:
            full[column.key] = default.arg
        # a SQL expression default is left to the INSERT (the attribute loads when read)
    full.update(values)
    return full


def insert_row(model, values: dict, **relationships):
    """Insert one row of the workspace-owned `model` (`values` by attribute name, which
    is the column's name in these models) and return it as a persistent object."""
    workspace_id = _current()
    if values.get("workspace_id") != workspace_id:
        raise CrossWorkspaceReference(f"a new {model.__name__} row of another workspace")
    table = model.__table__
    values = _complete(table, values)
    _check_references(table, values, workspace_id)
    row_id = db.session.connection().execute(_insert(table), values).inserted_primary_key[0]
    obj = as_loaded(model, {**values, "id": row_id})
    for key, value in relationships.items():
        set_committed_value(obj, key, value)
    return obj


def insert_link(table, values: dict) -> None:
    """Insert one row of the association `table`, linking rows of the current workspace."""
    workspace_id = _current()
    if table not in schema().links:
        raise CrossWorkspaceReference(f"{table.name} is not an association table")
    _check_references(table, values, workspace_id)
    db.session.connection().execute(_insert(table), values)
