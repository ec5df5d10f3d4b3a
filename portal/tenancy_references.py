"""Cross-row references stay inside one workspace.

A foreign key (`ticket.account_id`, `comment.ticket_id`, `article.directory_id`...) or an
association row (ticket reporters, group members) could otherwise point a row of workspace A
at a row of workspace B, and every page that follows the reference would show B's row in
A. Composite foreign keys would need every table rebuilt on SQLite; instead, before every
flush, each new or changed workspace-owned object is checked: every workspace-owned row it
now refers to (by column or through a relationship, association tables included) must have
its `workspace_id`, and a stored row never changes workspace. UPDATE statements that assign
references are checked by the guard with `verify_targets` (portal/tenancy.py).
"""

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from portal.tenancy_base import CrossWorkspaceReference, WorkspaceScoped
from portal.tenancy_sql import Schema, schema

_PLANS: dict = {}


def _plan(mapper, known: Schema) -> tuple[list, list]:
    """(relationship keys to workspace-owned models, [(attribute key, (table, column))] of
    the columns that refer to a workspace-owned row), per mapper and schema."""
    if _PLANS.get("schema") is not known:
        _PLANS.clear()
        _PLANS["schema"] = known
    plan = _PLANS.get(mapper)
    if plan is None:
        relationships = [rel.key for rel in mapper.relationships
                         if issubclass(rel.mapper.class_, WorkspaceScoped)]
        refs = known.refs.get(mapper.local_table, {})
        columns = [(prop.key, refs[prop.columns[0].key]) for prop in mapper.column_attrs
                   if len(prop.columns) == 1 and prop.columns[0].key in refs]
        plan = _PLANS[mapper] = (relationships, columns)
    return plan


@event.listens_for(Session, "before_flush")
def _check_references(session: Session, _flush_context, _instances) -> None:
    known = schema()
    wanted: dict = {}  # (table, column) -> {value: {workspaces of the rows referring to it}}
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, WorkspaceScoped):
            continue
        state = inspect(obj)
        moved = state.attrs.workspace_id.history
        if state.key is not None and moved.deleted and moved.added != moved.deleted:
            raise CrossWorkspaceReference(f"{_name(obj)} cannot move to another workspace")
        workspace_id = obj.workspace_id
        if workspace_id is None:
            continue  # the NOT NULL constraint refuses the row
        relationships, columns = _plan(state.mapper, known)
        for key in relationships:
            for target in state.attrs[key].history.added:
                if target is not None and target.workspace_id not in (None, workspace_id):
                    raise CrossWorkspaceReference(
                        f"{_name(obj)}.{key} refers to {_name(target)} of another workspace")
        for key, ref in columns:
            history = state.attrs[key].history
            if state.key is not None and not history.added:
                continue  # unchanged since it was loaded (and checked)
            value = state.dict.get(key)
            if value is None:
                continue
            target = loaded_target(session, known, ref, value)
            if target is not None:
                if target.workspace_id != workspace_id:
                    raise CrossWorkspaceReference(
                        f"{_name(obj)}.{key} refers to {_name(target)} of another workspace")
            else:
                wanted.setdefault(ref, {}).setdefault(value, set()).add(workspace_id)
    verify_targets(session, wanted)


def verify_targets(session: Session, wanted: dict) -> None:
    """Raise unless every referenced row exists and belongs to the workspace of every row
    that refers to it: `wanted` is {(table, column): {value: {workspace ids}}}; one query per
    table, across workspaces (the guard would hide the rows that matter)."""
    for (table, column), values in wanted.items():
        found = dict(session.execute(
            select(column, table.c.workspace_id).where(column.in_(list(values)))
            .execution_options(all_workspaces=True)).all())
        for value, owners in values.items():
            if owners != {found.get(value)}:
                raise CrossWorkspaceReference(
                    f"a reference to {table.name} {value} leaves its workspace "
                    "(the row is in another workspace or does not exist)")


def loaded_target(session: Session, known: Schema, ref, value):
    """The referenced row if the session holds it loaded (no query), else None."""
    table, column = ref
    mapper = inspect(known.model_of[table])
    if list(mapper.primary_key) != [column]:
        return None
    target = session.identity_map.get(mapper.identity_key_from_primary_key([value]))
    if target is None or "workspace_id" not in inspect(target).dict:
        return None
    return target


def _name(obj) -> str:
    return f"{type(obj).__name__} {inspect(obj).identity or '(new)'}"
