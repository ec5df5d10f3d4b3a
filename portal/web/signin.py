"""Sign-in with an emailed code (email, then code), sign-out and the profile page.

The rules live in portal.auth (otp, sessions, limits, next_url); these views only parse
the form, call them and render.
"""

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from portal.auth import otp, sessions, sign_in_tokens
from portal.auth.limits import otp_send_limits, otp_verify_limits
from portal.auth.next_url import safe_next
from portal.extensions import db
from portal.services import identity_providers, sign_in_settings
from portal.services.errors import Invalid, Unauthorized
from portal.web import bp, render_portal

__all__ = ["safe_next"]


@bp.route("/signin", methods=["GET", "POST"])
@otp_send_limits
def signin():
    """The methods the workspace has on: the email form (emailed code) and a button per
    identity provider (SAML). An email of a domain that must use SAML goes to its IdP."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if sessions.current_contact() is not None:
            return redirect(next_url or url_for(".home"))
        return _email_page("", next_url, {})
    email = request.form.get("email", "")
    try:
        otp.request_code(g.workspace, email, g.locale)
    except sign_in_settings.SamlRequired:
        return redirect(_saml_login(next_url), 303)
    except Invalid as exc:
        return _email_page(email, next_url, {"email": exc.message}, 422)
    return redirect(url_for(".signin_code", email=email.strip(), next=next_url))


def _saml_login(next_url, idp: str | None = None) -> str:
    args = {k: v for k, v in (("next", next_url), ("idp", idp)) if v}
    return url_for("sso.login", slug=g.workspace.slug, **args)


def _email_page(email: str, next_url, errors: dict, status: int = 200):
    ws = g.workspace
    providers = identity_providers.enabled(ws) if ws.sign_in_saml else []
    buttons = [{"name": idp.name, "url": _saml_login(next_url, idp.name)} for idp in providers]
    return render_portal("signin/email.html", email=email, next=next_url, errors=errors,
                         email_code=ws.sign_in_email_code, saml_buttons=buttons), status


@bp.route("/signin/code", methods=["GET", "POST"])
@otp_verify_limits
def signin_code():
    next_url = safe_next(request.values.get("next"))
    email = request.values.get("email", "").strip()
    if request.method == "GET":
        return _code_page(email, "", next_url, {})
    code = request.form.get("code", "")
    try:  # 403 when codes are off (otp.allowed_email)
        contact = otp.verify_code(g.workspace, email, code)
    except sign_in_settings.SamlRequired:
        return redirect(_saml_login(next_url), 303)
    except Invalid as exc:
        errors = {exc.details.get("field", "code"): exc.message}
        return _code_page(email, code.strip()[:6], next_url, errors), 422
    return signed_in(contact, next_url)


@bp.route("/signin/token", methods=["GET", "POST"])
def signin_token():
    """A signed sign-in link: the JWT hand-off's `sign_in_url` and a switch from another
    workspace sign in when followed; an invitation's emailed link first asks for a click
    (a POST with the token), since mail scanners follow links (portal.auth.sign_in_tokens).
    The code's settings refuse a mailbox proof: to SAML, or to the sign-in page."""
    token = request.values.get("token")
    try:
        claims = sign_in_tokens.peek(g.workspace, token)
        if request.method == "GET" and not sign_in_tokens.signs_in_on_get(claims):
            return render_portal("signin/continue.html", token=token)
        claims = sign_in_tokens.redeem(g.workspace, token)
        contact = sign_in_tokens.contact_for(g.workspace, claims)
    except Unauthorized as exc:
        db.session.rollback()
        current_app.logger.info("sign-in link refused in workspace %s", g.workspace.slug)
        return render_portal("signin/refused.html", message=exc.message), 401
    except sign_in_settings.SamlRequired:
        db.session.rollback()
        return redirect(_saml_login(None), 303)
    except sign_in_settings.CodeSignInOff as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".signin"), 303)
    return signed_in(contact, safe_next(claims.get("next")),
                      sign_in_tokens.proof_of(claims))


def _code_page(email: str, code: str, next_url, errors: dict):
    return render_portal("signin/code.html", email=email, code=code, next=next_url,
                         errors=errors)


def signed_in(contact, next_url, proof: str = "email_code"):
    # A new CSRF secret with the new session: a token planted before sign-in is worthless.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    flash(_("You are signed in."), "success")
    response = redirect(next_url or url_for("portal.home"))
    sessions.sign_in_web(response, contact, proof)
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
@sessions.customer_required
def profile():
    return render_portal("profile.html", contact=sessions.current_contact())
