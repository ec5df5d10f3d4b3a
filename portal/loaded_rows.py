"""Rows read or written by prebuilt Core statements on hot paths, as the session's ORM
objects: what an ORM query would give, without its per-query set-up (docs/PERFORMANCE.md,
issue 11). Used by the workspace lookup, the customer session lookup, the newest ticket
form and the rows of a new ticket (portal.tenancy_inserts)."""

from functools import cache

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db


@cache
def columns_of(model) -> tuple[tuple, tuple]:
    """(the columns of `model`'s table, the attribute name of each): what a prebuilt Core
    SELECT of whole rows reads, for `as_loaded`."""
    mapper = inspect(model)
    columns = tuple(mapper.local_table.c)
    return columns, tuple(mapper.get_property_by_column(column).key for column in columns)


def as_loaded(model, values: dict):
    """A row read by a Core statement (`values` by attribute name, the primary key among
    them) as the session's object, as an ORM query would give it without its set-up: the
    object the session holds already (its unloaded or expired attributes set from the row,
    the rest kept), else a new one, persistent in the session with no statement."""
    session = db.session()
    mapper = inspect(model)
    key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    held = session.identity_map.get(key)
    if held is not None:
        state = inspect(held)
        for name in state.unloaded:
            if name in values:
                set_committed_value(held, name, values[name])
        return held
    obj = mapper.class_manager.new_instance()  # no constructor: no attribute events
    inspect(obj).dict.update(values)
    make_transient_to_detached(obj)  # as loaded: an identity, no history
    session.add(obj)
    return obj
