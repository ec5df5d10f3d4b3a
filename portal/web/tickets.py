"""Customer ticket pages: list, `+ Ticket`, the ticket with its conversation, comments,
close/reopen, attachment downloads and the live thread fragment. Views only parse and
render; every rule is in portal/services (tickets, timeline, attachments)."""

import uuid
from functools import wraps

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from portal import server
from portal.auth import guest_tickets
from portal.auth.sessions import current_contact, customer_required
from portal.body_limits import cut_short, takes_uploads
from portal.forms.compile import answer_rows, describe, option_labels
from portal.idempotent import idempotent_form, record_redirect
from portal.models.ticket import PRIORITIES, STAGES
from portal.schemas.pages import TICKET_LIST, page_args
from portal.services import (
    actors,
    attachments,
    contacts,
    portal_settings,
    ticket_access,
    ticket_forms,
    ticket_stream,
    tickets,
    timeline,
)
from portal.services.errors import Invalid, NotFound
from portal.web import bp, render_portal, row_url
from portal.web.ticket_thread import parts as thread_parts


@bp.app_template_global()
def idempotency_key() -> str:
    """A fresh key for a shown form (portal.idempotent.idempotent_form)."""
    return uuid.uuid4().hex


def _ticket_or_404(number: int, *, reporters: bool = False):
    try:
        return ticket_access.get_for_customer(g.workspace, current_contact(), number,
                                              reporters=reporters)
    except NotFound:
        abort(404)


def _page_or_404(number: int) -> ticket_access.TicketPage:
    """The ticket as its page reads it (no ORM object: the GET pages change nothing)."""
    try:
        return ticket_access.page_for_customer(g.workspace, current_contact(), number)
    except NotFound:
        abort(404)


def _files(ws) -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename]


def _form_description(form):
    return describe(form.definition, g.locale, g.workspace.default_locale)


def _upload_limit() -> int:
    return attachments.request_limit(g.workspace)


def _checked_files(ws):
    """The request's files, checked; TooLarge when the body was over the limit."""
    if cut_short():
        raise attachments.too_large(ws)
    return attachments.check_all(ws, _files(ws))


def tickets_on(view):
    """Tickets off (features.tickets): every ticket page is the themed 404, asked before
    sign-in is (a visitor is not sent to sign in for a page that does not exist)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not tickets.tickets_enabled(g.workspace):
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@bp.app_template_global()
def tickets_mode() -> str:
    """features.tickets of the page's workspace: off | private | public (off elsewhere)."""
    ws = g.get("workspace")
    return portal_settings.published(ws).features.tickets if ws is not None else "off"


@bp.get("/tickets", endpoint="tickets")
@tickets_on
@customer_required
def tickets_list():
    contact = current_contact()
    try:
        query = _list_query()
        page = tickets.list_for_customer(g.workspace, contact, query)
    except Invalid as exc:  # a filter or cursor no list has: say so, on the plain list
        flash(exc.message, "error")
        return redirect(url_for(".tickets"))
    return render_portal("tickets/list.html", title=_("Tickets"), page=page, query=query,
                         rows=_list_rows(page.items), stages=STAGES, priorities=PRIORITIES,
                         is_customer_admin=bool(contact.account_id
                                                and contacts.is_customer_admin(contact)))


def _list_rows(items) -> list[tuple]:
    """What each row shows, as plain values: (number as shown, the ticket's URL, title,
    stage, priority, public update time in ISO format). Read in the template by unpacking,
    they cost a third less to render than each row's attributes and calls."""
    ticket_url = row_url(".ticket", "number")
    return [(t.display_number, ticket_url(t.number), t.title, t.stage, t.priority,
             t.public_updated_at.isoformat()) for t in items]


def _list_query() -> tickets.ListQuery:
    args = page_args(TICKET_LIST)
    return tickets.ListQuery(scope=args["scope"], stages=tuple(args["stage"]),
                             priority=args.get("priority"), q=args["q"], sort=args["sort"],
                             after=args.get("after"))


def new_ticket_page(form, values, errors, guest: bool = False):
    """The `+ Ticket` form; a visitor's (`guest`) also asks for their email and has no
    attachments (portal.web.guest_tickets)."""
    described = _form_description(form)
    closed = guest and not guest_tickets.open_to_visitors(g.workspace)
    return render_portal("tickets/new.html", title=_("New ticket"), form=described,
                         parent_labels=option_labels(described), values=values,
                         errors=errors, priorities=PRIORITIES, guest=guest,
                         guest_closed=guest_tickets.closed_message() if closed else "")


@bp.get("/tickets/new")
@tickets_on
def new_ticket():
    """Signed-in customers; visitors too when tickets are public (else: sign in first)."""
    guest = current_contact() is None
    if guest and tickets_mode() != "public":
        return redirect(url_for(".signin", next=request.full_path.rstrip("?")))
    draft = guest_tickets.current(g.workspace)
    if draft is not None:  # a visitor's kept form (portal.web.guest_tickets): theirs again
        values = guest_tickets.values_of(draft)
        if guest:  # back from the code page: to change the address or the ticket
            values["email"] = draft.email
            return new_ticket_page(ticket_forms.current(g.workspace), values, {}, guest=True)
        data, form = tickets.parse_input(g.workspace, values)  # the form changed meanwhile
        guest_tickets.discard(g.workspace, draft)
        return new_ticket_page(form, values, data.errors)
    return new_ticket_page(ticket_forms.current(g.workspace), {"priority": "normal"}, {},
                           guest=guest)


@bp.post("/tickets")
@tickets_on
@takes_uploads(_upload_limit, keep_text=True)
@customer_required
@idempotent_form
def create_ticket():
    ws = g.workspace
    data, form = tickets.parse_input(ws, request.form)
    checked, errors, status = _upload(ws, dict(data.errors))
    if errors:
        return new_ticket_page(form, request.form, errors), status
    done = {}

    def answer(ticket):  # before the commit: nothing is read after it
        done.update(number=ticket.display_number, url=url_for(".ticket", number=ticket.number))
        record_redirect(done["url"])

    tickets.open_ticket(ws, current_contact(), data, form, files=checked, before_commit=answer)
    flash(_("Ticket %(number)s created.", number=done["number"]), "success")
    return redirect(done["url"])


def _upload(ws, errors: dict):
    """(checked files, the form's errors with the files' own, the status to answer them)."""
    try:
        return _checked_files(ws), errors, 422
    except Invalid as exc:
        return [], {**errors, "files": exc.message}, exc.status  # 413 when too large


TICKET_PATHS = ("thread", "comments", "close", "reopen", "events")  # the routes below


def ticket_urls(number: int) -> dict[str, str]:
    """The URLs of a ticket's page and of its routes below (`/tickets/<n>/thread`, ...), from
    one url_for: built one by one they were a tenth of the page's template time."""
    page = url_for(".ticket", number=number)
    return {"page": page, "list": page.rsplit("/", 1)[0],
            **{path: f"{page}/{path}" for path in TICKET_PATHS}}


def _thread_context(ticket):
    """The ticket page's context: the conversation's messages and history come rendered,
    from the process's cache while the ticket has no new public change (ticket_thread)."""
    form = ticket.form
    described = _form_description(form) if form else {"fields": []}
    urls = ticket_urls(ticket.number)
    return {
        "ticket": ticket,
        "urls": urls,
        "answers": answer_rows(described, ticket.custom_fields or {}, _("Yes")),
        "thread": thread_parts(ticket, urls["page"]),
        "can_close": timeline.can_close(ticket),
        "can_reopen": timeline.can_reopen(ticket),
    }


@bp.get("/tickets/<id:number>")
@tickets_on
@customer_required
def ticket(number: int):
    found = _page_or_404(number)
    return render_portal("tickets/show.html", title=found.title, errors={}, body="",
                         **_thread_context(found))


@bp.get("/tickets/<id:number>/thread")
@tickets_on
@customer_required
def ticket_thread(number: int):
    """The conversation alone: what the live-update script swaps in on a new event."""
    found = _page_or_404(number)
    return render_portal("tickets/_thread.html", errors={}, body="", **_thread_context(found))


@bp.post("/tickets/<id:number>/comments")
@tickets_on
@takes_uploads(_upload_limit, keep_text=True)
@customer_required
@idempotent_form
def add_comment(number: int):
    found = _ticket_or_404(number)
    body = request.form.get("body", "")
    latest = url_for(".ticket", number=number, _anchor="latest")
    try:
        checked = _checked_files(g.workspace)
        timeline.add_comment(found, actors.customer(current_contact()), body, files=checked,
                             before_commit=lambda comment: record_redirect(latest))
    except Invalid as exc:
        errors = {exc.details.get("field", "body"): exc.message}
        return render_portal("tickets/show.html", title=found.title, errors=errors, body=body,
                             **_thread_context(found)), exc.status
    return redirect(latest)


def _stage_action(number: int, change, done: str):
    found = _ticket_or_404(number)
    try:
        change(found, actors.customer(current_contact()))
        flash(done, "success")
    except Invalid as exc:
        flash(exc.message, "error")
    return redirect(url_for(".ticket", number=number))


@bp.post("/tickets/<id:number>/close")
@tickets_on
@customer_required
def close_ticket(number: int):
    return _stage_action(number, timeline.customer_close, _("The ticket is closed."))


@bp.post("/tickets/<id:number>/reopen")
@tickets_on
@customer_required
def reopen_ticket(number: int):
    return _stage_action(number, timeline.customer_reopen, _("The ticket is open again."))


@bp.get("/tickets/<id:number>/files/<id:file_id>")
@tickets_on
@customer_required
def ticket_file(number: int, file_id: int):
    found = _ticket_or_404(number)
    try:
        response = attachments.download(attachments.get(found, file_id,
                                                         include_internal=False))
    except NotFound:
        abort(404)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/tickets/<id:number>/events")
@tickets_on
@customer_required
def ticket_events(number: int):
    """Live updates of an open ticket page (Server-Sent Events, same rules as the API)."""
    found = _ticket_or_404(number)
    last = ticket_stream.parse_last_event_id(request.headers.get("Last-Event-ID"))
    frames = ticket_stream.stream(g.workspace_id, found.id, actors.customer(current_contact()),
                                  last, locale=g.locale, hold=server.can_hold_streams())
    return Response(stream_with_context(frames), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})
