"""Tickets over the customer API: the compiled form, the list, opening a ticket, the thread,
close/reopen and the live event stream. Same services and rules as the portal pages; a
ticket the contact may not see is 404, never 403, so its existence does not leak."""

from flask import Response, g, jsonify, request, stream_with_context, url_for
from flask_babel import gettext as _

from portal.api import bp
from portal.api.common import bearer_token, contact_required, json_body
from portal.auth import sessions
from portal.forms.compile import answer_rows, describe
from portal.labels import priority_label, stage_label
from portal.models.base import ID_MAX
from portal.models.ticket import PRIORITIES
from portal.services import (
    actors,
    attachments,
    ticket_forms,
    ticket_stream,
    tickets,
    timeline,
    workspaces,
)
from portal.services.errors import Invalid, NotFound

BASE = "/workspaces/<slug>"
NUMBER_MAX = ID_MAX
LIMIT_MAX = 100


def ticket_api(view):
    """Bearer auth, and a path slug that names the token's own workspace. A token of
    another workspace gets 404, as if the ticket did not exist (contact_required alone
    would say 401); tickets switched off in the workspace are 404 too."""
    guarded = contact_required(view)

    def wrapper(slug, **kwargs):
        workspace_id = sessions.workspace_of_token(bearer_token(), "api")
        ws = workspaces.by_id(workspace_id) if workspace_id is not None else None
        if ws is not None and ws.slug != slug:
            raise NotFound(_("No such workspace."))
        if ws is not None and not tickets.tickets_enabled(ws):
            raise tickets.FeatureDisabled(_("Tickets are not available here."))
        return guarded(slug=slug, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _clean_text(value, field: str) -> None:
    """Refuse text the database cannot store (NUL, lone surrogates), anywhere in a value."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Invalid(_("The text contains a NUL character."), field=field,
                          fields={field: _("The text contains a NUL character.")})
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid(_("The text is not valid Unicode."), field=field,
                          fields={field: _("The text is not valid Unicode.")}) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _clean_text(key, field)
            _clean_text(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for item in value:
            _clean_text(item, field)


def _one_field(exc: Invalid) -> Invalid:
    """A single-field service error in the per-field shape the pages use."""
    field = exc.details.get("field")
    if field and "fields" not in exc.details:
        return Invalid(exc.message, field=field, fields={field: exc.message})
    return exc


def _ticket(number: int):
    if number > NUMBER_MAX:
        raise NotFound(_("No such ticket."))
    return tickets.get_for_customer(g.workspace, g.contact, number)


def _iso(value):
    return value.isoformat() if value is not None else None


def ticket_summary(ticket) -> dict:
    return {
        "number": ticket.number,
        "title": ticket.title,
        "stage": ticket.stage,
        "stage_label": stage_label(ticket.stage),
        "priority": ticket.priority,
        "priority_label": priority_label(ticket.priority),
        "category": ticket.category,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.public_updated_at),  # customers: only what they see
    }


def ticket_detail(ticket) -> dict:
    form = ticket.form
    described = describe(form.definition, g.locale, g.workspace.default_locale) \
        if form else {"fields": []}
    return {
        **ticket_summary(ticket),
        "description": ticket.description,
        "custom_fields": ticket.custom_fields or {},
        "answers": [{"label": label, "text": text} for label, text in
                    answer_rows(described, ticket.custom_fields or {}, _("Yes"))],
        "form_version": form.version if form else None,
        "account": {"id": ticket.account.id, "name": ticket.account.name}
        if ticket.account else None,
        "reported_by": [{"name": c.name or c.email} for c in ticket.reporters],
        "resolved_at": _iso(ticket.resolved_at),
        "closed_at": _iso(ticket.closed_at),
        "can_close": timeline.can_close(ticket),
        "can_reopen": timeline.can_reopen(ticket),
        "comment_count": len(timeline.comments(ticket, include_internal=False)),
    }


@bp.get(f"{BASE}/ticket-form")
@ticket_api
def ticket_form(slug):
    form = ticket_forms.current(g.workspace)
    return jsonify(ticket_forms.compiled(form, g.locale, g.workspace.default_locale))


def _query_text(name: str, default: str = "", max_length: int = 200) -> str:
    value = request.args.get(name, default)
    _clean_text(value, name)
    if len(value) > max_length:
        raise Invalid(_("%(field)s is too long.", field=name), field=name)
    return value


@bp.get(f"{BASE}/tickets")
@ticket_api
def list_tickets(slug):
    """Same lists as the portal: scope=mine|organization, stage (repeatable), priority, q,
    sort, the keyset cursor `after` and limit (1-100)."""
    limit = request.args.get("limit", str(tickets.PAGE_SIZE))
    if not limit.isdigit() or not 1 <= int(limit) <= LIMIT_MAX:
        raise Invalid(_("limit must be a whole number from 1 to 100."), field="limit")
    stages = request.args.getlist("stage")
    for stage in stages:
        _clean_text(stage, "stage")
    priority = _query_text("priority")
    if "priority" in request.args and priority not in PRIORITIES:
        raise Invalid(_("Unknown priority."), field="priority")
    query = tickets.ListQuery(
        scope=_query_text("scope", "mine"),
        stages=tuple(stages),  # an empty stage is refused, not ignored
        priority=priority or None,
        q=_query_text("q"),
        sort=_query_text("sort", "newest"),
        after=_query_text("after", max_length=500) or None,
        limit=int(limit),
    )
    page = tickets.list_for_customer(g.workspace, g.contact, query)
    return jsonify(tickets=[ticket_summary(t) for t in page.items], next_cursor=page.next_cursor)


@bp.post(f"{BASE}/tickets")
@ticket_api
def create_ticket(slug):
    data = json_body()
    _clean_text(data, "")
    found, form = tickets.parse_input(g.workspace, data)
    if isinstance(data.get("title"), str) and len(data["title"]) > tickets.TITLE_MAX:
        found.errors["title"] = _("The title is too long.")  # before trimming, as documented
    if "priority" in data and not isinstance(data["priority"], str):
        found.errors["priority"] = _("Choose one of the options.")
    if "custom_fields" in data and not isinstance(data["custom_fields"], dict):
        found.errors["custom_fields"] = _("Send the custom fields as a JSON object.")
    ticket = tickets.open_ticket(g.workspace, g.contact, found, form)
    response = jsonify(ticket_detail(ticket))
    response.status_code = 201
    response.headers["Location"] = url_for(".get_ticket", slug=slug, number=ticket.number)
    return response


@bp.get(f"{BASE}/tickets/<int:number>")
@ticket_api
def get_ticket(slug, number):
    return jsonify(ticket_detail(_ticket(number)))


@bp.get(f"{BASE}/tickets/<int:number>/comments")
@ticket_api
def list_comments(slug, number):
    """Public comments only, oldest first, with their attachments' names and sizes."""
    ticket = _ticket(number)
    files: dict = {}
    for att in attachments.for_ticket(ticket, include_internal=False):
        files.setdefault(att.comment_id, []).append(att)
    found = timeline.comments(ticket, include_internal=False, newest_first=False)
    return jsonify(comments=[ticket_stream.comment_json(c, files.get(c.id, [])) for c in found])


@bp.post(f"{BASE}/tickets/<int:number>/comments")
@ticket_api
def add_comment(slug, number):
    ticket = _ticket(number)
    data = json_body()
    _clean_text(data, "")
    try:
        comment = timeline.add_comment(ticket, actors.customer(g.contact), data.get("body"))
    except Invalid as exc:
        raise _one_field(exc) from None
    response = jsonify(ticket_stream.comment_json(comment, []))
    response.status_code = 201
    return response


def _stage_action(number: int, change):
    ticket = _ticket(number)
    try:
        change(ticket, actors.customer(g.contact))
    except Invalid as exc:
        raise _one_field(exc) from None
    return jsonify(ticket_detail(ticket))


@bp.post(f"{BASE}/tickets/<int:number>/close")
@ticket_api
def close_ticket(slug, number):
    """Close a resolved ticket."""
    return _stage_action(number, timeline.customer_close)


@bp.post(f"{BASE}/tickets/<int:number>/reopen")
@ticket_api
def reopen_ticket(slug, number):
    """Reopen a resolved or closed ticket within the workspace's reopen window."""
    return _stage_action(number, timeline.customer_reopen)


@bp.get(f"{BASE}/tickets/<int:number>/events")
@ticket_api
def ticket_events(slug, number):
    """Server-Sent Events of the ticket: every public event after `Last-Event-ID` (or the
    `after` query parameter; neither: from now on). The stream ends by itself after a
    while; EventSource clients reconnect and resume."""
    ticket = _ticket(number)
    after = request.args.get("after")
    if after is not None and ticket_stream.parse_last_event_id(after) is None:
        raise Invalid(_("after must be an event id."), field="after")
    last = ticket_stream.parse_last_event_id(after, request.headers.get("Last-Event-ID"))
    frames = ticket_stream.stream(g.workspace_id, ticket.id, actors.customer(g.contact), last,
                                  locale=g.locale)
    return Response(stream_with_context(frames), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})
