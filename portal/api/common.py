"""Helpers shared by API views: the JSON body, the workspace in the path, bearer auth."""

from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _

from portal.auth import sessions
from portal.services import workspaces
from portal.services.errors import Invalid, NotFound, Unauthorized


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object."))
    return data


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
    """Resolve the bearer token (its session names the workspace) into g.contact."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from sqlalchemy import select

        from portal.auth.tokens import digest
        from portal.extensions import db
        from portal.models import CustomerSession

        token = bearer_token()
        if token is None or len(token) > 200:
            raise Unauthorized(_("Sign in first: send a bearer token."))
        row = db.session.scalar(
            select(CustomerSession)
            .where(CustomerSession.token_hash == digest(token))
            .execution_options(all_workspaces=True)
        )
        if row is None:
            raise Unauthorized(_("The token is invalid or expired."))
        g.workspace_id = row.workspace_id
        g.workspace = workspaces.by_id(row.workspace_id)
        live = sessions.resolve(token, "api")
        if live is None:
            raise Unauthorized(_("The token is invalid or expired."))
        g.contact = live.contact
        g.locale = live.contact.locale or g.workspace.default_locale
        return view(*args, **kwargs)

    return wrapper


def not_found():
    abort(404)
