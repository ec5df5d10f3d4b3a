"""The customer JSON API at /api/v1 (mobile apps, the chat widget). Errors are always JSON
(portal.errors answers them for every path under /api)."""

from flask import Blueprint, Flask

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_api(app: Flask) -> None:
    from portal.api import (  # noqa: F401
        account,
        answers,
        article_follow,
        articles,
        auth,
        cors,
        guest_tickets,
        jwt_handoff,
        me,
        openapi,
        portal_info,
        satisfaction,
        tickets,
    )

    csrf.exempt(bp)
    app.register_blueprint(bp)
