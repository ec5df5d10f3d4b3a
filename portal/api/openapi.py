"""The OpenAPI document of the customer API (schemathesis fuzzes against it)."""

from flask import jsonify

from portal.api import bp

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}
CONTACT = {
    "type": "object",
    "required": ["id", "email", "name", "verified", "customer_admin"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "locale": {"type": ["string", "null"]},
        "verified": {"type": "boolean"},
        "customer_admin": {"type": "boolean"},
        "account": {
            "type": ["object", "null"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
    },
}


def _errors(*codes):
    return {
        str(c): {"description": "Error", "content": {"application/json": {"schema": ERROR}}}
        for c in codes
    }


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Helpport customer API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR, "Contact": CONTACT},
        },
        "paths": {
            "/workspaces/{slug}/auth/otp": {
                "post": {
                    "summary": "Email a one-time sign-in code",
                    "parameters": [SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["email"],
                            "properties": {"email": {"type": "string", "format": "email"},
                                           "locale": {"type": "string"}},
                        }}},
                    },
                    "responses": {
                        "202": {"description": "Sent if the email may sign in",
                                "content": {"application/json": {"schema": {"type": "object"}}}},
                        **_errors(400, 404, 413, 422, 429),
                    },
                }
            },
            "/workspaces/{slug}/auth/otp/verify": {
                "post": {
                    "summary": "Exchange the code for a bearer token",
                    "parameters": [SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["email", "code"],
                            "properties": {"email": {"type": "string"},
                                           "code": {"type": "string", "pattern": "^[0-9]{6}$"}},
                        }}},
                    },
                    "responses": {
                        "200": {"description": "Signed in", "content": {"application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["access_token", "token_type", "expires_in", "contact"],
                                "properties": {
                                    "access_token": {"type": "string"},
                                    "token_type": {"const": "Bearer"},
                                    "expires_in": {"type": "integer"},
                                    "contact": CONTACT,
                                },
                            }}}},
                        **_errors(400, 404, 413, 422, 429),
                    },
                }
            },
            "/me": {
                "get": {
                    "summary": "The signed-in contact",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {"description": "The contact", "content": {"application/json": {
                            "schema": {"type": "object", "required": ["contact", "workspace"],
                                       "properties": {"contact": CONTACT,
                                                      "workspace": {"type": "object"}}}}}},
                        **_errors(401),
                    },
                }
            },
            "/auth/sign-out": {
                "post": {
                    "summary": "Revoke the bearer token",
                    "security": [{"bearer": []}],
                    "responses": {"204": {"description": "Signed out"}, **_errors(401)},
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
