"""The customer JSON API at /api/v1 (mobile apps, the chat widget). Errors are always JSON."""

from flask import Blueprint, Flask, jsonify

from portal.extensions import csrf
from portal.services.errors import ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_error(status: int, code: str, message: str, **details):
    body = {"error": code, "message": message}
    if details:
        body["details"] = details
    return jsonify(body), status


@bp.errorhandler(ServiceError)
def service_error(exc: ServiceError):
    return json_error(exc.status, exc.code, exc.message, **exc.details)


def register_api(app: Flask) -> None:
    from portal.api import articles, auth, openapi, tickets  # noqa: F401  (routes)

    csrf.exempt(bp)
    app.register_blueprint(bp)
