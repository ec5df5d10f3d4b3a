"""Staff REST API for application tokens: /api/v1/app-tokens/ (FAB JWT + `X-Workspace`;
workspace admins only: portal.admin.roles).

- `GET /` -> `{"result": [token, ...]}`: id, name, created_at, created_by, last_used_at,
  revoked_at (never a secret);
- `POST /` with `{"name"}` -> 201 `{"token": {...}, "secret": "hpat_..."}`: the secret is in
  this answer only;
- `DELETE /<pk>` revokes the token -> `{"token": {...}}` (404: no such token here).

The rules are portal.auth.app_tokens'.
"""

from flask import g
from flask_babel import gettext as _

from portal.admin.api import WorkspaceBaseApi
from portal.admin.api_base import api_route, operation
from portal.auth import app_tokens
from portal.auth.staff_sessions import api_user
from portal.schemas import Text
from portal.schemas.staff_api import Strict
from portal.services import staff
from portal.services.errors import NotFound

MOMENT = {"type": ["string", "null"], "format": "date-time"}
TOKEN = {"type": "object", "required": ["id", "name", "created_at"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "created_by": {"type": ["string", "null"]}, "last_used_at": MOMENT, "revoked_at": MOMENT}}
LISTING = {"type": "object", "required": ["result"],
           "properties": {"result": {"type": "array", "items": TOKEN}}}
CREATED = {"type": "object", "required": ["token", "secret"], "properties": {
    "token": TOKEN, "secret": {"type": "string", "description": "Shown only in this answer"}}}
REVOKED = {"type": "object", "required": ["token"], "properties": {"token": TOKEN}}


class NewToken(Strict):
    name = Text(app_tokens.NAME_MAX, required=True, metadata={
        "description": "A name unique in the workspace (which application uses it)"})


class AppTokenApi(WorkspaceBaseApi):
    resource_name = "app-tokens"
    openapi_spec_tag = "Application tokens (staff)"

    @api_route("/", "get")
    @operation("List the application tokens", response=LISTING)
    def get_list(self):
        """Every token of the X-Workspace workspace, newest first, revoked ones too."""
        rows = app_tokens.listing(g.admin_workspace)
        return self.response(200, result=[app_tokens.to_json(row) for row in rows])

    @api_route("/", "post", methods=["POST"])
    @operation("Create an application token", body=NewToken, response=CREATED, status=201)
    def post(self, data):
        """The secret is in this answer and nowhere else: store it on the host application's
        server (the JWT hand-off's bearer token)."""
        row, secret = app_tokens.create(g.admin_workspace, data["name"],
                                        staff.staff_name(api_user()))
        answer = self.response(201, token=app_tokens.to_json(row), secret=secret)
        answer.headers["Cache-Control"] = "no-store"
        return answer

    @api_route("/<int:pk>", "delete", methods=["DELETE"])
    @operation("Revoke an application token", response=REVOKED, codes=[404])
    def delete(self, pk):
        """The host application can no longer sign anyone in with it."""
        ws = g.admin_workspace
        row = app_tokens.by_id(ws, pk)
        if row is None:
            raise NotFound(_("No such application token."))
        return self.response(200, token=app_tokens.to_json(app_tokens.revoke(ws, row)))


def register_app_tokens_api(appbuilder) -> None:
    appbuilder.add_api(AppTokenApi)
