"""The workspace's ticket form: versions saved by admins, the current one for new tickets."""

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.forms.compile import compile_schema, describe
from portal.forms.definition import default_definition, problems
from portal.forms.submission import parse
from portal.loaded_rows import as_loaded
from portal.models import TicketForm, Workspace
from portal.services.errors import Conflict, Invalid
from portal.services.scoped import read_connection
from portal.tenancy import NoWorkspace, current_workspace_id


def current(ws: Workspace) -> TicketForm:
    """The newest saved version; a workspace that never saved one gets version 1 of the
    default form, stored on first use so that tickets can point at it."""
    form = _newest(ws)
    if form is None:
        try:
            with db.session.begin_nested():
                db.session.add(TicketForm(workspace_id=ws.id, version=1,
                                          definition=default_definition()))
        except IntegrityError:
            pass  # a concurrent request stored it first
        form = _newest(ws)
    return form


# the newest version's identity, without its definition: what `for_new_ticket` reads each
# time, as a Core statement on the session's connection (no ORM set-up, no guard: it names
# its workspace itself; tests/unit/test_ticket_forms.py checks the scoping)
_FORMS = TicketForm.__table__.c
_NEWEST = (select(_FORMS.id, _FORMS.version, _FORMS.created_at)
           .where(_FORMS.workspace_id == bindparam("workspace_id"))
           .order_by(_FORMS.version.desc()).limit(1))
KEPT_MAX = 512
# (workspace id, form id) -> (version, created_at, definition, created_by_id) of a saved
# version: rows of ticket_form are only ever added (a change is a new version), so what a row
# held once it holds for good
_kept: dict[tuple[int, int], tuple] = {}


def for_new_ticket(ws: Workspace) -> TicketForm:
    """`current(ws)` for opening a ticket, cheaper: the newest version's id is read every
    time (a version saved on another worker applies at once), its definition comes from
    this process's copy of that version (versions never change once saved), put in the
    session as a loaded row without a query. Callers read it, never change it."""
    if current_workspace_id() != ws.id:  # what the guard would refuse or scope away
        raise NoWorkspace("the ticket form of a workspace that is not the current one")
    newest = read_connection().execute(_NEWEST, {"workspace_id": ws.id}).first()
    if newest is None:
        return _keep(ws, current(ws))
    form_id, number, created_at = newest
    kept = _kept.get((ws.id, form_id))
    if kept is None or kept[0] != number or kept[1] != created_at:
        # not kept, or kept from a row that is gone (a rolled-back first version, a workspace
        # deleted): its id came back with another save time
        return _keep(ws, db.session.get(TicketForm, form_id))
    return as_loaded(TicketForm, {"id": form_id, "workspace_id": ws.id, "version": number,
                                  "created_at": created_at, "definition": kept[2],
                                  "created_by_id": kept[3]})


def _keep(ws: Workspace, form: TicketForm) -> TicketForm:
    if len(_kept) >= KEPT_MAX:
        _kept.clear()
    _kept[(ws.id, form.id)] = (form.version, form.created_at, form.definition,
                               form.created_by_id)
    return form


def ensure_current(ws: Workspace) -> TicketForm:
    """`current`, committed: the builder shows (and exports) a version that stays."""
    form = current(ws)
    db.session.commit()
    return form


def version(ws: Workspace, number: int | None) -> TicketForm | None:
    """Version `number` of the workspace's form (None: the current one), or None."""
    if number is None:
        return ensure_current(ws)
    return db.session.scalar(select(TicketForm).where(
        TicketForm.workspace_id == ws.id, TicketForm.version == number))


def _newest(ws: Workspace) -> TicketForm | None:
    return db.session.scalar(
        select(TicketForm).where(TicketForm.workspace_id == ws.id)
        .order_by(TicketForm.version.desc()).limit(1))


def save(ws: Workspace, definition, staff_user_id: int | None = None,
         base_version: int | None = None) -> TicketForm:
    """Validate and store `definition` as the next version. `base_version`: the version
    the draft was made from; when somebody saved another one since, nothing is stored and
    Conflict names the newest version (the editor decides whether to replace it)."""
    found = problems(definition)
    if found:
        raise Invalid("The form definition is not valid.", problems=found)
    last = db.session.scalar(
        select(func.max(TicketForm.version)).where(TicketForm.workspace_id == ws.id)) or 0
    if base_version is not None and base_version != last:
        raise Conflict("The ticket form was saved by somebody else meanwhile.", newest=last)
    form = TicketForm(workspace_id=ws.id, version=last + 1, definition=definition,
                      created_by_id=staff_user_id)
    db.session.add(form)
    try:
        db.session.commit()
    except IntegrityError:  # a colleague's save took this version number at the same time
        db.session.rollback()
        raise Conflict("The ticket form was saved by somebody else meanwhile.",
                       newest=last + 1) from None
    return form


def versions(ws: Workspace) -> list[TicketForm]:
    return list(db.session.scalars(
        select(TicketForm).where(TicketForm.workspace_id == ws.id)
        .order_by(TicketForm.version.desc())))


def compiled(form: TicketForm, locale: str, fallback: str) -> dict:
    """What `GET .../ticket-form` returns: the rendering description and the JSON Schema."""
    return {
        "version": form.version,
        "form": describe(form.definition, locale, fallback),
        "schema": compile_schema(form.definition),
    }


def parse_answers(form: TicketForm, raw) -> tuple[dict, dict]:
    return parse(form.definition, raw)
