"""A visitor's ticket over the customer API (features.tickets = public), as on the portal
(portal/web/guest_tickets.py): the app sends the ticket with an email address and gets a
draft token while a one-time code is emailed; it sends the token back with the code and
gets the ticket and a bearer token of the visitor, now a contact in *Reported by*.
The answers never tell whether the address is a known contact. With emailed codes off the
visitor has no proof to give: 403 `email_code_off` (portal.auth.guest_tickets)."""

from flask import current_app, g, jsonify, url_for
from flask_babel import gettext as _

from portal.api import bp
from portal.api.auth import saml_login_url
from portal.api.common import browser_token_lifetime, workspace_by_slug
from portal.api.tickets import ticket_detail
from portal.auth import guest_tickets, otp, sessions
from portal.auth.limits import otp_send_limits, otp_verify_limits
from portal.schemas import customer_tickets as s
from portal.schemas import invalid, json_body, problems, storable
from portal.schemas.openapi import Answer, errors, operation
from portal.services import contacts, tickets
from portal.services.errors import Invalid
from portal.services.tickets import FeatureDisabled

BASE = "/workspaces/<slug>/guest-tickets"
GUEST = {"security": [{}], "tags": ("tickets",)}


def _public_tickets(slug: str):
    ws = workspace_by_slug(slug)
    if not otp.guests_may_open_tickets(ws):
        raise FeatureDisabled(_("Visitors cannot open tickets here: please sign in."))
    if not guest_tickets.open_to_visitors(ws):
        raise guest_tickets.VisitorsClosed(guest_tickets.closed_message())
    return ws


@bp.post(BASE)
@otp_send_limits
@operation("holdGuestTicket", "A visitor's ticket: checked, kept, and a code emailed",
           description="Only when the workspace's ticket management is public. The ticket "
                       "is opened by guest-tickets/confirm with the emailed code.",
           path=s.WorkspacePath, body=s.GuestTicket, load_body=False,
           example=s.GUEST_TICKET_EXAMPLE,
           answers={202: Answer("Kept; a code is on its way", s.GuestTicketHeld)},
           errors=errors(s.GUEST_ERRORS, 400, 403, 404, 413, 415, 422, 429), **GUEST)
def hold_guest_ticket(slug):
    ws = _public_tickets(slug)
    data = json_body()
    refused = problems(s.GuestTicket, data)
    if refused and not storable(data):
        raise invalid(refused)
    ticket = {key: value for key, value in data.items() if key not in ("email", "locale")}
    found, _form = tickets.parse_input(ws, ticket)
    errors_found = {**found.errors, **refused}
    try:
        email = otp.normalise_email(data.get("email"))
    except Invalid as exc:
        errors_found["email"] = exc.message
    if errors_found:
        raise invalid(errors_found)
    locale = data.get("locale") if isinstance(data.get("locale"), str) else None
    token = guest_tickets.hold_for_app(ws, email, ticket, locale, login_url=saml_login_url)
    return jsonify(draft=token,
                   expires_in=current_app.config["GUEST_TICKET_DRAFT_SECONDS"]), 202


@bp.post(f"{BASE}/confirm")
@otp_verify_limits
@operation("confirmGuestTicket", "Open the visitor's kept ticket with the emailed code",
           description="Answers the ticket and a bearer token of the visitor (a contact "
                       "from now on, in the ticket's Reported by).",
           path=s.WorkspacePath, body=s.GuestConfirm,
           answers={201: Answer("Opened", s.GuestTicketOpened,
                                headers={"Location": "The ticket"})},
           errors=errors(s.GUEST_ERRORS, 400, 403, 404, 413, 415, 422, 429), **GUEST)
def confirm_guest_ticket(slug, body):
    ws = _public_tickets(slug)
    draft = guest_tickets.by_token(ws, body["draft"], "api")
    if draft is None or otp.normalise_email(body["email"]) != draft.email:
        raise Invalid(_("Your ticket was not kept: please send it again."), field="draft")
    contact = guest_tickets.confirm(ws, draft, body["code"], login_url=saml_login_url)
    found, form = tickets.parse_input(ws, draft.values or {})
    if found.errors:  # the ticket form changed since: the app asks again
        guest_tickets.discard(ws, draft)
        raise invalid(found.errors)
    done = {}

    def answer(ticket):  # in the ticket's transaction: the draft goes with it
        done["ticket"] = ticket
        guest_tickets.forget(ws, draft)

    g.contact = contact
    tickets.open_ticket(ws, contact, found, form, before_commit=answer)
    ticket = done["ticket"]
    token, row = sessions.start(contact, kind="api", lifetime=browser_token_lifetime())
    response = jsonify(ticket=ticket_detail(ticket, {"comment_count": 0}), access_token=token,
                       token_type="Bearer", expires_in=sessions.seconds_left(row),
                       contact=contacts.to_json(contact))
    response.headers["Location"] = url_for(".get_ticket", slug=slug, number=ticket.number)
    return response, 201
