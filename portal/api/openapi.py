"""The OpenAPI document of the customer API; schemathesis fuzzes the API against it
(tests/api/test_fuzz.py), so every answer the API can give is described here.

Body errors are the ones portal.api.common documents: 400 malformed JSON, 413 too large,
415 not JSON, 422 not an object or a wrong field; 429 when a sign-in limit is reached.
"""

from flask import jsonify

from portal.api import bp
from portal.api.openapi_articles import merge_articles
from portal.api.openapi_tickets import merge_into

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}
ACCOUNT = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
CONTACT = {
    "type": "object",
    "required": ["id", "email", "name", "locale", "verified", "account", "customer_admin"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "locale": {"type": ["string", "null"]},
        "verified": {"type": "boolean"},
        "customer_admin": {"type": "boolean"},
        "account": {"oneOf": [{"$ref": "#/components/schemas/Account"}, {"type": "null"}]},
    },
}
WORKSPACE = {
    "type": "object",
    "required": ["slug", "name"],
    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
}
EMAIL = {"type": "string", "format": "email", "maxLength": 320}
REF = {name: {"$ref": f"#/components/schemas/{name}"} for name in ("Error", "Contact", "Workspace")}

ERROR_TEXT = {
    400: "The body is not valid JSON (error `malformed_json`)",
    401: "No bearer token, or it is invalid, expired or revoked",
    404: "No such workspace",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "Not a JSON object, or a field is missing or wrong (`details.field` names it); "
         "for a code: wrong, expired, already used or out of tries",
    429: "Too many requests for this email or client address; see Retry-After",
}


def _errors(*codes) -> dict:
    return {
        str(c): {"description": ERROR_TEXT[c],
                 "content": {"application/json": {"schema": REF["Error"]}}}
        for c in codes
    }


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SLUG = {"name": "slug", "in": "path", "required": True, "description": "Workspace slug",
        "schema": {"type": "string", "maxLength": 63}}
BODY_ERRORS = (400, 404, 413, 415, 422, 429)


def document() -> dict:
    return merge_articles(merge_into({
        "openapi": "3.1.0",
        "info": {"title": "Helpport customer API", "version": "1",
                 "description": "Customer sign-in with an emailed one-time code."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR, "Account": ACCOUNT, "Contact": CONTACT,
                        "Workspace": WORKSPACE},
        },
        "paths": {
            "/workspaces/{slug}/auth/otp": {
                "post": {
                    "operationId": "requestSignInCode",
                    "summary": "Email a one-time sign-in code",
                    "description": "Answers 202 with the same body whether or not the "
                                   "email may sign in; the code is valid 10 minutes.",
                    "parameters": [SLUG],
                    "requestBody": _json_body({
                        "type": "object",
                        "required": ["email"],
                        "properties": {"email": EMAIL,
                                       "locale": {"type": "string", "maxLength": 20}},
                    }),
                    "responses": {
                        "202": {"description": "Sent if the email may sign in",
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["status"],
                                    "properties": {"status": {"const": "sent_if_allowed"}},
                                }}}},
                        **_errors(*BODY_ERRORS),
                    },
                }
            },
            "/workspaces/{slug}/auth/otp/verify": {
                "post": {
                    "operationId": "verifySignInCode",
                    "summary": "Exchange the code for a bearer token",
                    "parameters": [SLUG],
                    "requestBody": _json_body({
                        "type": "object",
                        "required": ["email", "code"],
                        "properties": {"email": EMAIL,
                                       "code": {"type": "string", "pattern": "^[0-9]{6}$"}},
                    }),
                    "responses": {
                        "200": {"description": "Signed in", "content": {"application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["access_token", "token_type", "expires_in",
                                             "contact"],
                                "properties": {
                                    "access_token": {"type": "string"},
                                    "token_type": {"const": "Bearer"},
                                    "expires_in": {"type": "integer"},
                                    "contact": REF["Contact"],
                                },
                            }}}},
                        **_errors(*BODY_ERRORS),
                    },
                }
            },
            "/me": {
                "get": {
                    "operationId": "me",
                    "summary": "The signed-in contact and its workspace",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {"description": "The contact", "content": {"application/json": {
                            "schema": {"type": "object", "required": ["contact", "workspace"],
                                       "properties": {"contact": REF["Contact"],
                                                      "workspace": REF["Workspace"]}}}}},
                        **_errors(401),
                    },
                }
            },
            "/auth/sign-out": {
                "post": {
                    "operationId": "signOut",
                    "summary": "Revoke the bearer token",
                    "security": [{"bearer": []}],
                    "responses": {"204": {"description": "Signed out"}, **_errors(401)},
                }
            },
        },
    }))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
