"""What every staff REST API class shares: input parsed through declared schemas, one JSON
error shape, and OpenAPI operations generated from the same schemas.

Every refusal, FAB's own included, answers `{"error": <code>, "message": <text>,
"details"?: {...}}`, the customer API's shape: 400 `bad_request` / `malformed_json` /
`malformed_query`, 401 `unauthorized`, 403 `forbidden`, 404 `not_found`, 409 `conflict`,
415 `unsupported_media_type`, 422 `invalid` with `details.field` (the first wrong field) and
`details.fields` (every wrong field and its message).

A view declares its input and output with `@operation(...)`; the blueprint hook
`load_path_ids` has already loaded the path ids through `StaffPath` (a value no row can have
is a 404 before any query).
"""

import functools
import json
import re
import sys
import urllib.parse

import prison
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_jwt_extended.exceptions import JWTExtendedException, RevokedTokenError
from jwt.exceptions import PyJWTError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from portal import errors
from portal.schemas import load_args, load_body, parse, refusal
from portal.schemas.openapi import FIELD_TYPES, IDEMPOTENCY_KEY
from portal.schemas.staff_api import WORKSPACE_HEADER, StaffPath, refusals
from portal.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceError,
    Unauthorized,
)

PATH_PARAM = re.compile(r"{([^}]+)}")


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"


class MalformedQuery(BadRequest):
    code = "malformed_query"


def load_path_ids():
    """Blueprint hook: the path's ids through `StaffPath`, replaced by the loaded ints. Runs
    once the workspace is known, so without a token FAB still answers 401 first."""
    args = request.view_args or {}
    wanted = {key: args[key] for key in StaffPath._declared_fields if key in args}
    if not wanted or g.get("admin_workspace") is None:
        return None
    args.update(parse(StaffPath, wanted, not_found=_("Not found.")))  # portal.errors refuses
    return None


def refuse(exc: ServiceError):
    """The JSON answer for a refused request (portal.errors); nothing it changed is kept."""
    return errors.service_error(exc)


def answered(run):
    """`run()`, or the one error path's answer to the ServiceError or HTTP error it raised:
    FAB's `@safe` around staff views would make either a logged 500."""
    try:
        return run()
    except (ServiceError, HTTPException) as exc:
        return errors.answer(exc)


class Operation:
    """A view's declared input and output; `spec()` is its OpenAPI operation."""

    def __init__(self, view, summary, *, query=None, body=None, form=None, response=None,
                 status=200, media="application/json", codes=(), find=False):
        self.summary, self.query, self.body, self.form = summary, query, body, form
        self.find = find
        self.response, self.status, self.media = response, status, media
        self.description = (view.__doc__ or "").strip()
        self.idempotent = getattr(view, "idempotent", False)  # portal.idempotent
        base = {400, 401, 403} | ({404} if find else set())  # 400: no X-Workspace
        if self.idempotent:
            base.update((400, 409, 422))
        if query is not None or body is not None or form is not None:
            base.add(422)
        if body is not None:
            base.update((400, 415))
        self.codes = base | set(codes)

    def load(self, api, ids: dict) -> dict:
        kwargs = {}
        if self.find:  # the row first: an unknown row is a 404 whatever the body says
            kwargs["row"] = api.find(**ids)
        if self.query is not None:
            kwargs["args"] = load_args(self.query)
        if self.form is not None and (request.mimetype or "").startswith("multipart/"):
            kwargs["data"] = parse(self.form, request.form.to_dict())
        elif self.body is not None:
            kwargs["data"] = load_body(self.body)
        return kwargs

    def spec(self, path: str) -> dict:
        names = PATH_PARAM.findall(path)
        parameters = [WORKSPACE_HEADER]
        if names:
            parameters.append({"in": "path", "schema": StaffPath(only=names)})
        if self.query is not None:
            parameters.append({"in": "query", "schema": self.query})
        if self.idempotent:
            parameters.append(IDEMPOTENCY_KEY)
        op = {"summary": self.summary, "description": self.description,
              "parameters": parameters,
              "responses": {str(self.status): self._success(), **refusals(self.codes)}}
        content = {}
        if self.body is not None:
            content["application/json"] = {"schema": self.body}
        if self.form is not None:
            content["multipart/form-data"] = {"schema": self.form}
        if content:
            op["requestBody"] = {"required": True, "content": content}
        return op

    def _success(self) -> dict:
        answer = {"description": self.summary}
        if self.response is not None:
            answer["content"] = {self.media: {"schema": self.response}}
        return answer


def api_route(path: str, permission: str, methods=("GET",)):
    """A staff API route behind FAB's `permission`: `expose`, `protect()`, `safe` and
    `permission_name` in the order FAB needs them (`@operation` goes below it)."""

    def wrap(view):
        return expose(path, methods=methods)(protect()(safe(permission_name(permission)(view))))

    return wrap


def operation(summary: str, **declared):
    """Declare a staff API view: `query` (a schema for the query string, the view gets
    `args`), `body` (the JSON body's schema) and `form` (a multipart form's schema: the view
    gets `data` from whichever was sent), `response` (the success body's schema, `status`,
    `media`), `codes` (refusals beyond 400/401/403, 422 for input, 415 for a body) and
    `find` (the view gets `row`, the API's `find(**path ids)`, loaded before the input). A
    `ServiceError` the view raises is refused as JSON. The same declaration is the view's
    OpenAPI operation."""

    def wrap(view):
        declared_op = Operation(view, summary, **declared)

        @functools.wraps(view)
        def run(self, *args, **kwargs):
            return answered(lambda: view(self, *args, **kwargs,
                                         **declared_op.load(self, kwargs)))

        run._operation = declared_op
        return run

    return wrap


def rison_query(raw: str | None):
    """FAB's `q`: rison, or else JSON (as FAB reads it); anything else is a 400 here instead
    of an exception inside FAB's parser."""
    if not raw:
        return {}
    try:
        return prison.loads(raw)
    except prison.decoder.ParserException:
        pass
    except Exception:  # prison fails on some input with RecursionError or TypeError
        raise MalformedQuery(_("q is not valid rison or JSON.")) from None
    try:
        return json.loads(urllib.parse.parse_qs(f"q={raw}")["q"][0])
    except Exception:
        raise MalformedQuery(_("q is not valid rison or JSON.")) from None


class TokenRevoked(Unauthorized):
    code = "token_revoked"


def token_refusal(exc):
    """A missing, malformed, expired or revoked JWT: 401 in our shape (flask-jwt-extended
    answers `{"msg": ...}`, some of them with 422); a token whose sign-in has ended (logout,
    password change, lost role) says so with `token_revoked`."""
    if isinstance(exc, RevokedTokenError):
        return refuse(TokenRevoked(
            _("This sign-in has ended. Sign in again to get a new token.")))
    return refuse(Unauthorized(_("Sign in first: send a valid staff bearer token.")))


class StaffApiMixin:
    """Put before FAB's BaseApi/ModelRestApi: the JSON error shape for FAB's own refusals,
    and OpenAPI operations from `@operation` declarations."""

    def add_apispec_components(self, api_spec) -> None:
        """FAB's document knows the types of portal.schemas' fields (on this document's
        converter only: apispec's mapping is shared by every document in the process)."""
        for plugin in api_spec.plugins:
            if isinstance(plugin, MarshmallowPlugin) and plugin.converter is not None:
                plugin.converter.field_mapping = {**plugin.converter.field_mapping,
                                                  **FIELD_TYPES}
        super().add_apispec_components(api_spec)

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.register_error_handler(JWTExtendedException, token_refusal)
        blueprint.register_error_handler(PyJWTError, token_refusal)
        return blueprint

    def refuse(self, exc: ServiceError):
        return refuse(exc)

    def response_400(self, message=None):
        return refuse(BadRequest(str(message or _("The request is not valid."))))

    def response_401(self):
        return token_refusal(None)

    def response_403(self):
        return refuse(Forbidden(_("You may not do this in this workspace.")))

    def response_404(self):
        return refuse(NotFound(_("Not found.")))

    def response_422(self, message=None):
        if isinstance(message, dict):  # marshmallow's messages, from FAB's model schemas
            return refuse(refusal(ValidationError(message)))
        if str(message or "").startswith("Database exception"):  # FAB quotes the SQL error
            return refuse(Conflict(_("The change conflicts with existing data.")))
        return refuse(Invalid(str(message or _("The request is not valid."))))

    def response_500(self, message=None):
        """FAB's `@safe` answers every other exception with this, inside its `except`: the
        one error path answers it too (a lost database connection is 503, never 500)."""
        return errors.answer(sys.exc_info()[1] or RuntimeError(message))

    def operation_helper(self, path=None, operations=None, methods=None, func=None,
                         **kwargs):
        declared = getattr(func, "_operation", None)
        if declared is None:
            super().operation_helper(path=path, operations=operations, methods=methods,
                                     func=func, **kwargs)
            for method in methods:
                self._declare_fab_operation(operations[method.lower()], func.__name__, path)
            return
        for method in methods:
            op = declared.spec(path)
            if self.get_method_permission(func.__name__):
                op["security"] = [{"jwt": []}]
            operations[method.lower()] = op

    def _declare_fab_operation(self, op: dict, name: str, path: str) -> None:
        """FAB's own operation (model APIs) with our parameters and error bodies: the
        workspace header, path ids and `q` from the declared schemas."""
        parameters = [WORKSPACE_HEADER]
        names = PATH_PARAM.findall(path)
        if names:
            parameters.append({"in": "path", "schema": StaffPath(only=names)})
        query = getattr(self, "queries", {}).get(name)
        if query is not None:
            parameters.append({"in": "query", "name": "q", "content": {
                "application/json": {"schema": query}}})
        op["parameters"] = parameters
        responses = op.get("responses", {})
        codes = {int(code) for code in responses if str(code)[0] == "4"} | {400, 401, 403}
        if "requestBody" in op:
            codes |= {409, 415, 422}
        if name == "delete":
            codes.add(409)  # a row others depend on (the system group)
        op["responses"] = {**{str(code): answer for code, answer in responses.items()
                              if str(code)[0] == "2"}, **refusals(codes)}
