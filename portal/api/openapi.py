"""The OpenAPI document of the customer API, generated from the operations its views declare
(portal.schemas.openapi): the same schemas parse the requests. Schemathesis fuzzes the API
against it (tests/api/test_fuzz.py), so every answer the API can give is described."""

from flask import current_app, jsonify

from portal.api import bp
from portal.schemas import customer_auth, customer_jwt
from portal.schemas.openapi import document as generate

TAGS = {"tickets": "Tickets and their conversation",
        "articles": "Knowledge-base articles and search"}


def document() -> dict:
    return generate(current_app, bp.name, bp.url_prefix,
                    title="Helpport customer API",
                    description="Customer sign-in with an emailed one-time code or handed over "
                                "by the host application (JWT), tickets and the knowledge "
                                "base.",
                    tags=TAGS, security_schemes={**customer_auth.SECURITY_SCHEMES,
                                                 **customer_jwt.SECURITY_SCHEME})


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
