"""The satisfaction survey of a resolved ticket (portal.services.satisfaction) on the
portal: a form on the ticket's page for its reporters, and the page an email's signed link
opens without signing in. Opening the link (GET) changes nothing: mail scanners follow
links; its form posts the answer with the page's CSRF token."""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.auth.sessions import current_contact, customer_required
from portal.models.ticket import FINISHED_STAGES
from portal.services import satisfaction
from portal.services.errors import NotFound, ServiceError
from portal.web import bp, render_portal
from portal.web.tickets import _ticket_or_404, tickets_on


@bp.context_processor
def satisfaction_context():
    return {"satisfaction_for": _for_page}


def _for_page(ticket) -> satisfaction.Survey | None:
    """The signed-in reporter's survey of the ticket shown (None: not asked), while the
    ticket is resolved or closed: an open ticket's page asks nothing more of the database
    (reopened, the email's link still works)."""
    ws = g.get("workspace")
    if ws is None or ticket.stage not in FINISHED_STAGES:
        return None
    return satisfaction.for_reporter(ws, ticket, current_contact())


def _score_in_link():
    raw = request.args.get("score", "")
    return int(raw) if raw in ("1", "2", "3", "4", "5") else None


@bp.post("/tickets/<id:number>/satisfaction")
@tickets_on
@customer_required
def ticket_satisfaction(number: int):
    found = _ticket_or_404(number)
    try:
        satisfaction.submit(g.workspace, found.id, current_contact(),
                            request.form.get("score"), request.form.get("comment"))
        flash(_("Thank you for your answer."), "success")
    except ServiceError as exc:
        flash(exc.message, "error")
    return redirect(url_for(".ticket", number=number, _anchor="satisfaction"))


def _link_page(token: str, survey, *, done=False, error=None, status=200, chosen=None,
               typed=None):
    response = render_portal("satisfaction/link.html", title=_("How did we do?"),
                             survey=survey, token=token, done=done, error=error,
                             chosen=chosen, typed=typed)
    return response, status, {"Referrer-Policy": "no-referrer"}


@bp.route("/satisfaction/<token>", methods=["GET", "POST"])
def satisfaction_link(token: str):
    try:
        survey = satisfaction.by_link(g.workspace, token)
    except NotFound:
        abort(404)
    except satisfaction.LinkExpired as exc:
        return _link_page(token, None, error=exc.message, status=410)
    if request.method == "GET":
        return _link_page(token, survey, chosen=_score_in_link())
    try:
        satisfaction.submit(g.workspace, survey.ticket.id, survey.contact,
                            request.form.get("score"), request.form.get("comment"))
    except ServiceError as exc:
        return _link_page(token, survey, error=exc.message, status=exc.status,
                          typed=request.form.get("comment"))
    return _link_page(token, satisfaction.by_link(g.workspace, token), done=True)
