"""The Plug on the portal's own pages (issue 15, sections 1 and 3): the widget of a
signed-in customer asks here for a bearer token of theirs, then uses the customer API as
any app does (their open tickets, opening one from the chat, its thread and live events).

`POST /<locale>/<workspace>/plug/session` answers `{"signed_in": false}` to a visitor,
else `{"signed_in": true, "access_token", "token_type": "Bearer", "expires_in"}`. Only
from the portal's own pages (portal.security.same_origin: another site's page gets 403,
and never reads an answer: it carries no CORS header). The token lives
PLUG_TOKEN_SECONDS at most and never beyond the web session it came from; the widget
keeps it in the tab's sessionStorage next to the page's `data-customer` mark, and drops it
when a page no longer names the same customer (signed out, or someone else signed in)."""

from flask import abort, current_app, g, jsonify
from flask_limiter.util import get_remote_address

from portal.auth import sessions
from portal.extensions import csrf, limiter
from portal.models.base import utcnow
from portal.security import same_origin
from portal.services import tickets
from portal.web import bp


def _limit() -> str:
    return current_app.config["PLUG_TOKEN_LIMIT"]


@bp.post("/plug/session")
@csrf.exempt  # no form: checked by the request's origin, as the article vote is
@limiter.limit(_limit, key_func=lambda: f"plug-session:{get_remote_address()}")
def plug_session():
    if not same_origin():
        abort(403)
    web = sessions.current_web_session()
    if web is None or not tickets.tickets_enabled(g.workspace):
        response = jsonify(signed_in=False)
    else:
        left = int((web.expires_at - utcnow()).total_seconds())
        lifetime = min(current_app.config["PLUG_TOKEN_SECONDS"], left)
        token, _row = sessions.start(web.contact, kind="api", proof=web.proof, lifetime=lifetime)
        response = jsonify(signed_in=True, access_token=token, token_type="Bearer",
                           expires_in=lifetime)
    response.headers["Cache-Control"] = "private, no-store"
    return response
