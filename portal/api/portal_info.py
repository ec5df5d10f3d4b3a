"""`GET /api/v1/workspaces/<slug>/portal`: the published settings a portal or a mobile app
needs to draw itself (portal.services.portal_public). Anyone may read it: it is what the
portal's own pages show to every visitor, sign-in page included."""

from flask import jsonify

from portal.api import bp
from portal.api.common import workspace_by_slug
from portal.schemas import portal_public as s
from portal.schemas.openapi import Answer, errors, operation
from portal.services import portal_public


@bp.get("/workspaces/<slug>/portal")
@operation("getPortal", "How the workspace's portal looks and which features are on",
           description="The published portal settings, without anything private; the same "
                       "for every caller.",
           path=s.WorkspacePath, answers={200: Answer("The portal", s.Portal)},
           security=[{}], tags=("portal",), errors=errors(s.ERRORS, 404, 422))
def get_portal(slug: str):
    ws = workspace_by_slug(slug)
    response = jsonify(portal_public.public(ws))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
