"""Tickets over the customer API: the compiled form, the list, opening a ticket, the thread,
close/reopen and the live event stream. Same services and rules as the portal pages; a
ticket the contact may not see is 404, never 403, so its existence does not leak."""

from functools import wraps

from flask import Response, g, jsonify, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import server
from portal.api import bp
from portal.api.common import resolve_caller
from portal.idempotent import FirstAnswer, idempotent
from portal.schemas import customer_tickets as s
from portal.schemas import invalid, json_body, problems, storable
from portal.schemas.openapi import Answer, errors, operation
from portal.services import (
    actors,
    ticket_access,
    ticket_forms,
    ticket_json,
    ticket_stream,
    tickets,
    timeline,
)
from portal.services.errors import Invalid
from portal.services.ticket_json import CUSTOMER

BASE = "/workspaces/<slug>"
SECURED = {"security": [{"bearer": []}], "tags": ("tickets",)}
NO_TICKET = _l("No such ticket.")


def ticket_api(view):
    """Bearer auth, and a path slug that names the token's own workspace. A token of
    another workspace gets 404, as if the ticket did not exist; tickets switched off in the
    workspace are 404 too."""

    @wraps(view)
    def wrapper(slug, **kwargs):
        resolve_caller(slug, check=_tickets_on)
        return view(slug=slug, **kwargs)

    return wrapper


def _tickets_on(ws) -> None:
    if not tickets.tickets_enabled(ws):
        raise tickets.FeatureDisabled(_("Tickets are not available here."))


def _one_field(exc: Invalid) -> Invalid:
    """A single-field service error in the per-field shape the pages use."""
    field = exc.details.get("field")
    if field and "fields" not in exc.details:
        return Invalid(exc.message, field=field, fields={field: exc.message})
    return exc


def _ticket(number: int, *, reporters: bool = False):
    """`number` is in range: the operation's TicketPath loaded it."""
    return ticket_access.get_for_customer(g.workspace, g.contact, number, reporters=reporters)


def ticket_detail(ticket, known: dict | None = None) -> dict:
    return ticket_json.detail(ticket, CUSTOMER, g.locale, g.workspace.default_locale, known)


@bp.get(f"{BASE}/ticket-form")
@ticket_api
@operation("getTicketForm", "The current ticket form: rendering description and JSON Schema",
           path=s.WorkspacePath, answers={200: Answer("The form", s.TicketForm)},
           errors=errors(s.ERRORS, 401, 404), **SECURED)
def ticket_form(slug):
    form = ticket_forms.current(g.workspace)
    return jsonify(ticket_forms.compiled(form, g.locale, g.workspace.default_locale))


@bp.get(f"{BASE}/tickets")
@ticket_api
@operation("listTickets", "The contact's tickets (keyset pages)", path=s.WorkspacePath,
           query=s.ListArgs, answers={200: Answer("A page of tickets", s.TicketPage)},
           errors=errors(s.ERRORS, 401, 403, 404, 422), **SECURED)
def list_tickets(slug, args):
    """Same lists as the portal: scope=mine|organization, stage (repeatable), priority, q,
    sort, the keyset cursor `after` and limit (1-100)."""
    query = tickets.ListQuery(
        scope=args["scope"], stages=tuple(args["stage"]), priority=args.get("priority"),
        q=args["q"], sort=args["sort"], after=args.get("after") or None, limit=args["limit"])
    page = tickets.list_for_customer(g.workspace, g.contact, query)
    return jsonify(tickets=[ticket_json.summary(t, CUSTOMER) for t in page.items],
                   next_cursor=page.next_cursor)


@bp.post(f"{BASE}/tickets")
@ticket_api
@operation("createTicket", "Open a ticket; custom fields are checked against the form",
           path=s.WorkspacePath, body=s.NewTicket, load_body=False,
           example=s.NEW_TICKET_EXAMPLE,
           answers={201: Answer("Created", s.Ticket, headers={"Location": "The ticket"})},
           errors=errors(s.ERRORS, *s.BODY_ERRORS, 401, 404, 422), **SECURED)
@idempotent
def create_ticket(slug):
    """The body's types are checked with the form's answers, so that one 422 names every
    wrong field."""
    data = json_body()
    refused = problems(s.NewTicket, data)
    if refused and not storable(data):  # text no database stores never reaches the service
        raise invalid(refused)
    found, form = tickets.parse_input(g.workspace, data)
    found.errors.update(refused)
    # a ticket opened here has no comments yet: its answer needs no query to count them
    answer = FirstAnswer(lambda ticket: (201, ticket_detail(ticket, {"comment_count": 0}), {
        "Location": url_for(".get_ticket", slug=slug, number=ticket.number)}))
    tickets.open_ticket(g.workspace, g.contact, found, form, before_commit=answer)
    return answer.response()


def _one(op_id: str, summary: str, answer: Answer, *codes: int, **options):
    """The operation of one ticket's path."""
    return operation(op_id, summary, path=s.TicketPath, not_found=NO_TICKET,
                     answers={int(options.pop("status", 200)): answer},
                     errors=errors(s.ERRORS, *codes), **options, **SECURED)


@bp.get(f"{BASE}/tickets/<int:number>")
@ticket_api
@_one("getTicket", "One ticket", Answer("The ticket", s.Ticket), 401, 404)
def get_ticket(slug, number):
    return jsonify(ticket_detail(_ticket(number, reporters=True)))


@bp.get(f"{BASE}/tickets/<int:number>/comments")
@ticket_api
@_one("listComments", "Public comments, oldest first", Answer("The comments", s.CommentList),
      401, 404)
def list_comments(slug, number):
    """Public comments only, oldest first, with their attachments' names and sizes."""
    return jsonify(comments=ticket_json.public_thread(_ticket(number)))


@bp.post(f"{BASE}/tickets/<int:number>/comments")
@ticket_api
@_one("addComment", "Reply on the ticket", Answer("Added", s.Comment), *s.BODY_ERRORS, 401,
      404, 422, status=201, body=s.NewComment)
@idempotent
def add_comment(slug, number, body):
    ticket = _ticket(number)
    answer = FirstAnswer(lambda comment: (201, ticket_json.comment(comment, CUSTOMER, []), {}))
    try:
        timeline.add_comment(ticket, actors.customer(g.contact), body["body"],
                             before_commit=answer)
    except Invalid as exc:
        raise _one_field(exc) from None
    return answer.response()


def _stage_action(number: int, change):
    ticket = _ticket(number)
    try:
        change(ticket, actors.customer(g.contact))
    except Invalid as exc:
        raise _one_field(exc) from None
    return jsonify(ticket_detail(ticket))


@bp.post(f"{BASE}/tickets/<int:number>/close")
@ticket_api
@_one("closeTicket", "Close a resolved ticket", Answer("Closed", s.Ticket), 401, 404, 422)
def close_ticket(slug, number):
    """Close a resolved ticket."""
    return _stage_action(number, timeline.customer_close)


@bp.post(f"{BASE}/tickets/<int:number>/reopen")
@ticket_api
@_one("reopenTicket", "Reopen a resolved or closed ticket within the reopen window",
      Answer("Open again", s.Ticket), 401, 404, 422)
def reopen_ticket(slug, number):
    """Reopen a resolved or closed ticket within the workspace's reopen window."""
    return _stage_action(number, timeline.customer_reopen)


EVENTS = (
    "`text/event-stream`. Each event has `id:` (the event id), `event:` (`created`, "
    "`comment`, `stage`, `priority`; `ready` when subscribed, `end` before the server "
    "closes) and `data:` (JSON). Resume with the `Last-Event-ID` header or `after`; without "
    "either, only new events. Comment lines (`:`) are heartbeats. The server ends the stream "
    "after a few minutes: reconnect, as EventSource does.")


@bp.get(f"{BASE}/tickets/<int:number>/events")
@ticket_api
@_one("ticketEvents", "Live events of the ticket (Server-Sent Events)",
      Answer("The event stream", s.TicketEvent, media="text/event-stream"), 401, 404, 422,
      query=s.EventArgs, description=EVENTS)
def ticket_events(slug, number, args):
    """Server-Sent Events of the ticket: every public event after `Last-Event-ID` (or the
    `after` query parameter; neither: from now on). The stream ends by itself after a
    while; EventSource clients reconnect and resume."""
    ticket = _ticket(number)
    after = args.get("after")
    last = after if after is not None else \
        ticket_stream.parse_last_event_id(request.headers.get("Last-Event-ID"))
    frames = ticket_stream.stream(g.workspace_id, ticket.id, actors.customer(g.contact), last,
                                  locale=g.locale, hold=server.can_hold_streams())
    return Response(stream_with_context(frames), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})
