"""The profile's workspace picker (switching to the same email's other workspaces) and the
list of the contact's sessions. The rules live in portal.auth.switching and
portal.auth.session_list; these views call them and redirect or render."""

from flask import current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.auth import session_list, sessions, sign_in_tokens, switching
from portal.services import workspaces
from portal.services.errors import Conflict
from portal.web import bp, render_portal


@bp.get("/profile/workspaces")
@sessions.customer_required
def profile_workspaces():
    """The picker: the other workspaces where the same email is a customer."""
    return render_portal("profile_workspaces.html",
                         choices=switching.others(sessions.current_web_session()))


@bp.post("/profile/workspaces/<target>/switch")
@sessions.customer_required
def switch_workspace(target):
    """Allowed: through a one-time sign-in link of the target, on the target's own host
    (its cookie is set there); else to the target's sign-in page."""
    try:
        choice = switching.find(sessions.current_web_session(), target)
    except Conflict:
        return redirect(url_for(".home"))
    ws = choice.workspace
    locale = workspaces.locale_for(ws, g.locale) or ws.default_locale
    base = workspaces.public_base(ws)
    if choice.needs_sign_in:
        flash(_("Sign in to %(workspace)s to switch to it.", workspace=ws.name), "info")
        return redirect(base + sign_in_page(ws, locale, choice.sign_in_method))
    token = sign_in_tokens.issue(ws, sessions.current_contact().email, "switch",
                                 current_app.config["WORKSPACE_SWITCH_LINK_SECONDS"])
    return redirect(base + url_for(".signin_token", workspace=ws.slug, locale=locale,
                                   token=token))


def sign_in_page(ws, locale: str, method: str | None) -> str:
    """The path of `ws`'s sign-in: its SAML login when that is the method, else the code
    sign-in page (which also tells about the other ways in)."""
    if method == switching.SAML:
        return url_for("sso.login", slug=ws.slug)
    return url_for(".signin", workspace=ws.slug, locale=locale)


@bp.get("/profile/sessions")
@sessions.customer_required
def profile_sessions():
    current = sessions.current_web_session()
    return render_portal("profile_sessions.html",
                         found=session_list.live(current.contact, current))


@bp.post("/profile/sessions/<id:session_id>/sign-out")
@sessions.customer_required
def sign_out_session(session_id):
    current = sessions.current_web_session()
    session_list.sign_out(current.contact, current, session_id)
    flash(_("That session is signed out."), "success")
    return redirect(url_for(".profile_sessions"))


@bp.post("/profile/sessions/sign-out-others")
@sessions.customer_required
def sign_out_other_sessions():
    current = sessions.current_web_session()
    count = session_list.sign_out_others(current.contact, current)
    flash(ngettext("Signed out of %(num)d other session.",
                   "Signed out of %(num)d other sessions.", count), "success")
    return redirect(url_for(".profile_sessions"))
