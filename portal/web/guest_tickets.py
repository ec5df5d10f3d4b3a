"""`+ Ticket` for visitors who are not signed in, when tickets are public (issue 12).

The new-ticket form asks for their email too; sending it keeps the form server-side
(portal.auth.guest_tickets) and emails a one-time code, drawing on the sign-in's limits.
The code page turns the kept form into the ticket, with them in *Reported by*, and signs
them in. Attachments are not taken from visitors: they add them on the ticket once signed
in. The answers never tell whether the address is a known contact.
"""

from functools import wraps

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

from portal.auth import guest_tickets, otp, sessions
from portal.auth.limits import otp_send_limits, otp_verify_limits
from portal.idempotent import FORM_FIELD
from portal.services import sign_in_settings, ticket_forms, tickets
from portal.services.errors import Invalid
from portal.web import bp, render_portal
from portal.web.tickets import new_ticket_page, tickets_mode, tickets_on

REFUSED = (sign_in_settings.CodeSignInOff, sign_in_settings.SamlRequired)  # the settings'
NOT_KEPT = ("csrf_token", FORM_FIELD, "email")  # the form's fields that are not the ticket's


def guests_only(view):
    """Visitors of a workspace with public tickets; a signed-in customer uses the usual
    form, and with tickets private these pages do not exist."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if sessions.current_contact() is not None:
            return redirect(url_for(".new_ticket"))
        if tickets_mode() != "public":
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def _form_page(values, errors: dict, status: int):
    return new_ticket_page(ticket_forms.current(g.workspace), values, errors, guest=True), status


def _too_many_keeps_the_form(view):
    """A breached code limit answers the form again with what they typed (429)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except RateLimitExceeded:
            return _form_page(request.form, {"email": _(
                "Too many codes were asked for this address or from your network. Please "
                "wait a few minutes, then try again.")}, 429)

    return wrapper


@bp.post("/tickets/guest")
@tickets_on
@guests_only
@_too_many_keeps_the_form
@otp_send_limits
def guest_ticket():
    """Check the form and the address; keep the form and email the code. Files are not
    read: the visitor's form has no attachments."""
    data, _form = tickets.parse_input(g.workspace, request.form)
    errors = dict(data.errors)
    try:
        email = otp.normalise_email(request.form.get("email"))
    except Invalid as exc:
        errors["email"] = exc.message
    if errors:
        return _form_page(request.form, errors, 422)
    values = {key: request.form.getlist(key) for key in request.form if key not in NOT_KEPT}
    try:
        guest_tickets.hold(g.workspace, email, values, g.locale)
    except REFUSED as exc:  # codes off, or the address's domain signs in with SAML
        return _form_page(request.form, {"email": exc.message}, 403)
    return redirect(url_for(".guest_ticket_code"))


def _code_page(draft, code: str, errors: dict, status: int = 200):
    return render_portal("tickets/guest_code.html", title=_("Confirm your email"),
                         email=draft.email, code=code, errors=errors), status


def _draft_or_restart():
    draft = guest_tickets.current(g.workspace)
    if draft is None:
        flash(_("Your ticket was not kept: please fill in the form again."), "error")
    return draft


@bp.route("/tickets/guest/code", methods=["GET", "POST"])
@tickets_on
@guests_only
@otp_verify_limits
def guest_ticket_code():
    draft = _draft_or_restart()
    if draft is None:
        return redirect(url_for(".new_ticket"))
    if request.method == "GET":
        return _code_page(draft, "", {})
    code = request.form.get("code", "")
    try:
        if request.form.get("email", "") != draft.email:  # the limits' key is the form's
            raise Invalid(_("That code is wrong or has expired. Ask for a new one."))
        contact = guest_tickets.confirm(g.workspace, draft, code)
    except Invalid as exc:
        return _code_page(draft, code.strip()[:6], {"code": exc.message}, 422)
    except REFUSED as exc:  # the settings changed since the form was kept
        return _code_page(draft, "", {"code": exc.message}, 403)
    return _open(draft, contact)


def _open(draft, contact):
    """The kept form as the ticket of `contact`, who is signed in. Should the form no longer
    pass (the ticket form changed meanwhile), the usual form shows it, filled in."""
    ws = g.workspace
    data, form = tickets.parse_input(ws, guest_tickets.values_of(draft))
    if data.errors:
        flash(_("Check your ticket and send it again."), "error")
        response = redirect(url_for(".new_ticket"))
    else:
        done = {}

        def answer(ticket):  # in the ticket's transaction: the draft goes with it
            done.update(number=ticket.display_number, url=url_for(".ticket", number=ticket.number))
            guest_tickets.forget(ws, draft)

        tickets.open_ticket(ws, contact, data, form, before_commit=answer)
        flash(_("Ticket %(number)s created.", number=done["number"]), "success")
        response = redirect(done["url"])
    # a new CSRF secret with the new session, as on every sign-in (portal.web.signin)
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    sessions.sign_in_web(response, contact)
    return response


@bp.post("/tickets/guest/code/new")
@tickets_on
@guests_only
@otp_send_limits
def guest_ticket_resend():
    draft = _draft_or_restart()
    if draft is None:
        return redirect(url_for(".new_ticket"))
    if request.form.get("email", "") != draft.email:  # the per-address limit's key is the
        return redirect(url_for(".guest_ticket_code"))  # form's: a code only to that one
    try:
        guest_tickets.send_again(g.workspace, draft, g.locale)
    except REFUSED as exc:
        flash(exc.message, "error")
        return redirect(url_for(".guest_ticket_code"))
    flash(_("A new code is on its way if the address may receive one."), "info")
    return redirect(url_for(".guest_ticket_code"))
