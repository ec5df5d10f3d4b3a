"""Sign-in with an emailed code (email, then code), sign-out and the profile page."""

from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.auth import otp, sessions
from portal.auth.limits import otp_send_limits, otp_verify_limits
from portal.services.errors import Invalid
from portal.web import bp, render_portal


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no `//` or backslash tricks."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/signin", methods=["GET", "POST"])
@otp_send_limits
def signin():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if sessions.current_contact() is not None:
            return redirect(next_url or url_for(".home"))
        return render_portal("signin/email.html", email="", next=next_url, errors={})
    email = request.form.get("email", "")
    try:
        otp.request_code(g.workspace, email, g.locale)
    except Invalid as exc:
        return render_portal("signin/email.html", email=email, next=next_url,
                             errors={"email": exc.message}), 422
    return redirect(url_for(".signin_code", email=email.strip(), next=next_url))


@bp.route("/signin/code", methods=["GET", "POST"])
@otp_verify_limits
def signin_code():
    next_url = safe_next(request.values.get("next"))
    email = request.values.get("email", "")
    if request.method == "GET":
        return render_portal("signin/code.html", email=email, next=next_url, errors={})
    try:
        contact = otp.verify_code(g.workspace, email, request.form.get("code", ""))
    except Invalid as exc:
        return render_portal("signin/code.html", email=email, next=next_url,
                             errors={exc.details.get("field", "code"): exc.message}), 422
    old = sessions.current_web_session()
    if old is not None:
        sessions.revoke(old)
    token, _row = sessions.start(contact, kind="web")
    flash(_("You are signed in."), "success")
    response = redirect(next_url or url_for(".home"))
    sessions.set_cookie(response, token)
    return response


@bp.post("/signout")
def signout():
    row = sessions.current_web_session()
    if row is not None:
        sessions.revoke(row)
    flash(_("You are signed out."), "info")
    response = redirect(url_for(".home"))
    sessions.clear_cookie(response)
    return response


@bp.get("/profile")
def profile():
    contact = sessions.current_contact()
    if contact is None:
        return redirect(url_for(".signin", next=request.path))
    if contact.workspace_id != g.workspace_id:
        abort(404)
    return render_portal("profile.html", contact=contact)
