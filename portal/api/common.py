"""Helpers shared by API views: the JSON body, the workspace in the path, bearer auth.

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

from flask import g, request
from flask_babel import gettext as _

from portal.auth import sessions
from portal.schemas import MalformedJSON, UnsupportedMediaType, json_body  # noqa: F401
from portal.services import workspaces
from portal.services.errors import NotFound, Unauthorized


def use_workspace_slug(slug: str):
    ws = workspaces.by_slug(slug)
    if ws is None:
        raise NotFound(_("No such workspace."))
    g.workspace = ws
    g.workspace_id = ws.id
    g.locale = ws.default_locale
    return ws


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def contact_required(view):
    """Resolve the bearer token into g.contact. The token's session names its workspace;
    a path that names another workspace (`/workspaces/<slug>/...`) refuses it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer_token()
        if token is None:
            raise Unauthorized(_("Sign in first: send a bearer token."))
        workspace_id = sessions.workspace_of_token(token, "api")
        slug = (request.view_args or {}).get("slug")
        ws = workspaces.by_id(workspace_id) if workspace_id is not None else None
        if ws is None or (slug is not None and slug != ws.slug):
            raise Unauthorized(_("The token is invalid or expired."))
        g.workspace_id = ws.id
        g.workspace = ws
        live = sessions.resolve(token, "api")
        if live is None:
            raise Unauthorized(_("The token is invalid or expired."))
        g.contact = live.contact
        g.locale = live.contact.locale or ws.default_locale
        return view(*args, **kwargs)

    return wrapper
