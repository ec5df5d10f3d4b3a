"""Cross-origin calls to the customer API from the Plug widget (issue 15, section 1).

A page of another site may call `/api/v1/workspaces/<slug>/...` only when its origin is
one of the workspace's allowlisted domains and the Plug toggle is on
(portal.services.plug.allowed_origin); the portal's own origin is always allowed. Such an
answer carries `Access-Control-Allow-Origin: <origin>` (never `*`, never credentials: the
widget sends a bearer token, not cookies). Any other origin gets no CORS header, so the
browser refuses the answer, and its preflight (`OPTIONS` with
`Access-Control-Request-Method`) is a 403 without CORS headers."""

from flask import g, make_response, request

from portal.api import bp
from portal.api.common import workspace_by_slug
from portal.services import plug
from portal.services.errors import NotFound

METHODS = "GET, POST"
HEADERS = "Authorization, Content-Type, Accept-Language"
MAX_AGE = "600"


def _own_origin(origin: str) -> bool:
    return origin.lower() == request.host_url.rstrip("/").lower()


def _allowed(origin: str) -> bool:
    slug = (request.view_args or {}).get("slug")
    if not isinstance(slug, str):
        return False
    if _own_origin(origin):
        return True
    ws = g.get("workspace")
    if ws is None or ws.slug != slug:
        try:
            ws = workspace_by_slug(slug)
        except NotFound:
            return False
    return plug.allowed_origin(ws, origin)


@bp.before_request
def preflight():
    origin = request.headers.get("Origin")
    if request.method != "OPTIONS" or not origin or \
            not request.headers.get("Access-Control-Request-Method"):
        return None
    if not _allowed(origin):
        response = make_response("", 403)
        response.headers["Vary"] = "Origin"
        return response
    response = make_response("", 204)
    response.headers.update({"Access-Control-Allow-Origin": origin,
                             "Access-Control-Allow-Methods": METHODS,
                             "Access-Control-Allow-Headers": HEADERS,
                             "Access-Control-Max-Age": MAX_AGE, "Vary": "Origin"})
    return response


@bp.after_request
def allow_origin(response):
    origin = request.headers.get("Origin")
    if not origin or "Access-Control-Allow-Origin" in response.headers:
        return response
    response.vary.add("Origin")
    if _allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
    return response
