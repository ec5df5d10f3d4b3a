"""Flask-AppBuilder admin at /admin (pages) and its REST API under /api/v1 (staff JWT)."""

from flask import Flask, current_app
from flask_appbuilder import AppBuilder
from flask_appbuilder.api import BaseApi

from portal.extensions import db


class PortalAppBuilder(AppBuilder):
    """Mounts every generated page under /admin (its URL input checked first, see
    portal.admin.page_input); the REST API stays at /api/v1."""

    def register_blueprint(self, baseview, endpoint=None, static_folder=None) -> None:
        from portal.admin import page_input

        blueprint = baseview.create_blueprint(self, endpoint=endpoint, static_folder=static_folder)
        page_input.install(blueprint, baseview)
        prefix = "" if isinstance(baseview, BaseApi) else "/admin"
        current_app.register_blueprint(
            blueprint, url_prefix=prefix + (blueprint.url_prefix or "")
        )


def init_admin(app: Flask) -> AppBuilder:
    from portal.admin.context import register_admin_context
    from portal.admin.views import register_admin

    appbuilder = PortalAppBuilder(app, db.session)
    register_admin(appbuilder)
    register_admin_context(app)
    return appbuilder
