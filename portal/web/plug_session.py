"""The Plug on the portal's own pages (issue 15, sections 1 and 3): the widget of a
signed-in customer asks here for a bearer token of theirs, then uses the customer API as
any app does (their open tickets, opening one from the chat, its thread and live events).

`POST /<locale>/<workspace>/plug/session` answers `{"signed_in": false}` to a visitor,
else `{"signed_in": true, "access_token", "token_type": "Bearer", "expires_in", "customer"}`
(the contact's id: the widget keeps the token only when its page names that customer). Only
from the portal's own pages (portal.security.same_origin: another site's page gets 403,
and never reads an answer: it carries no CORS header). The token lives
PLUG_TOKEN_SECONDS at most, never beyond the web session it came from, and is revoked with
it (sign-out, the session list); the widget keeps it in the tab's sessionStorage next to the
page's `data-customer` mark, and drops it when a page no longer names the same customer
(signed out, or someone else signed in). Limited per web session (PLUG_TOKEN_LIMIT)."""

import hashlib

from flask import abort, current_app, g, jsonify, request
from flask_limiter.util import get_remote_address

from portal.auth import sessions
from portal.extensions import csrf, limiter
from portal.security import same_origin
from portal.services import tickets
from portal.web import bp


def _limit() -> str:
    return current_app.config["PLUG_TOKEN_LIMIT"]


def _limit_key() -> str:
    """Per web session (many customers may share an office's address), else per address."""
    cookie = request.cookies.get(sessions.cookie_name()) if g.get("workspace_id") else None
    if cookie:
        return f"plug-session:{hashlib.sha256(cookie.encode()).hexdigest()[:32]}"
    return f"plug-session:{get_remote_address()}"


@bp.post("/plug/session")
@csrf.exempt  # no form: checked by the request's origin, as the article vote is
@limiter.limit(_limit, key_func=_limit_key)
def plug_session():
    if not same_origin():
        abort(403)
    # not the customer's activity (a thread left open asks again each time a token ends):
    # the web session's idle clock is not touched, and the token ends when it would idle out
    web = sessions.live(sessions.find(request.cookies.get(sessions.cookie_name()), "web"),
                        touch=False)
    if web is None or not tickets.tickets_enabled(g.workspace):
        response = jsonify(signed_in=False)
    else:
        token, row = sessions.start(web.contact, kind="api", proof=web.proof,
                                    lifetime=current_app.config["PLUG_TOKEN_SECONDS"],
                                    parent=web)
        response = jsonify(signed_in=True, access_token=token, token_type="Bearer",
                           expires_in=sessions.seconds_left(row), customer=str(web.contact_id))
    response.headers["Cache-Control"] = "private, no-store"
    return response
