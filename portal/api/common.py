"""What API views share: the JSON body, and the one resolver of the workspace and the caller.

How a request body is refused (the same in the OpenAPI document):
- 413 `request_entity_too_large`: larger than MAX_CONTENT_LENGTH (1 MiB);
- 415 `unsupported_media_type`: the Content-Type is not JSON (`application/json` or
  `application/*+json`);
- 400 `malformed_json`: the body is not valid UTF-8 JSON;
- 422 `invalid`: valid JSON, but not an object, or a field is missing or wrong
  (`details.field` names it).
Every error body is `{"error": <code>, "message": <text>, "details"?: {...}}`.
"""

from functools import wraps

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l

from portal.auth import sessions
from portal.i18n import use_locale
from portal.schemas import MalformedJSON, UnsupportedMediaType, json_body  # noqa: F401
from portal.services import workspaces
from portal.services.errors import NotFound, Unauthorized
from portal.tenancy import enter_workspace

SIGN_IN = _l("Sign in first: send a bearer token.")
INVALID = _l("The token is invalid or expired.")
NO_WORKSPACE = _l("No such workspace.")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def browser_token_lifetime() -> int | None:
    """The lifetime of a bearer token a web page asks for (its browser sends `Origin`: the
    Plug widget, on another site or the portal): PLUG_TOKEN_SECONDS, since the page's own
    scripts can read what it keeps; an app's (no `Origin`): None, the API token's own."""
    return current_app.config["PLUG_TOKEN_SECONDS"] if request.headers.get("Origin") else None


def workspace_by_slug(slug: str):
    """The workspace the path names, set for this request (unknown: 404)."""
    ws = workspaces.by_slug(slug) if len(slug) <= 63 else None
    if ws is None:
        raise NotFound(str(NO_WORKSPACE))
    enter_workspace(ws, locale=ws.default_locale)
    return ws


def resolve_caller(slug: str | None = None, *, optional: bool = False, check=None):
    """The one resolver of the customer API: the workspace and the contact of the bearer
    token, each looked up once per request (the token's session with its contact: one
    statement over every workspace, used only in the token's own workspace); sets them
    with tenancy.enter_workspace, `g.contact` and `g.api_session` (None when anonymous),
    and returns the contact.

    Without `slug` (`/me`, sign-out) the token names the workspace. With a slug and a
    required token (tickets), a token of another workspace is a 404, as if the path named
    nothing; with an optional token (articles) the path is looked up first and a token of
    another workspace is a 401. `check(ws)` runs once the workspace is known, before the
    token's session is checked (a feature switched off is a 404 whatever the token)."""
    token = bearer_token()
    if token is None and not optional:
        raise Unauthorized(str(SIGN_IN))
    found = sessions.find(token, "api", any_workspace=True) if token is not None else None
    token_workspace = found.row.workspace_id if found is not None else None
    if slug is None or not optional:
        if found is None:
            raise Unauthorized(str(INVALID))
        ws = found.workspace
        if slug is not None and ws.slug != slug:
            raise NotFound(str(NO_WORKSPACE))
        enter_workspace(ws, locale=ws.default_locale)
    else:
        ws = workspace_by_slug(slug)
    if check is not None:
        check(ws)
    live = sessions.live(found) if token_workspace == ws.id else None
    if token is not None and live is None:
        raise Unauthorized(str(INVALID))
    g.api_session = live
    g.contact = live.contact if live is not None else None
    if g.contact is not None:
        use_locale(g.contact.locale or ws.default_locale)
    return g.contact


def contact_required(view):
    """A view for signed-in contacts only (`/me`, sign-out)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        resolve_caller()
        return view(*args, **kwargs)

    return wrapper
