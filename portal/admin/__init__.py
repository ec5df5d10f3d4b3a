"""Flask-AppBuilder admin at /admin (pages) and its REST API under /api/v1 (staff JWT)."""

from flask import Flask, current_app
from flask_appbuilder import AppBuilder, ModelView
from flask_appbuilder.api import BaseApi

from portal.admin.context import register_admin_context, use_named_workspace
from portal.admin.security import action_guard
from portal.extensions import db


class PortalAppBuilder(AppBuilder):
    """Mounts every generated page under /admin; the REST API stays at /api/v1.

    Every API acts in a workspace when one is named (the workspace APIs require one),
    FAB's action endpoints check their permission before the view runs, and every page's
    URL input is checked first (portal.admin.page_input). No page has file columns, so
    FAB's file download route (which serves a global upload folder) is left out. Model
    views say what they did ("Account added.": portal.admin.plain_words).
    """

    def register_blueprint(self, baseview, endpoint=None, static_folder=None) -> None:
        from portal.admin import page_input, plain_words

        if isinstance(baseview, ModelView):
            baseview.exclude_route_methods = {*baseview.exclude_route_methods, "download"}
            baseview.base_permissions = [p for p in baseview.base_permissions
                                         if p != "can_download"]
            plain_words.use_plain_words(baseview)
        blueprint = baseview.create_blueprint(self, endpoint=endpoint, static_folder=static_folder)
        if isinstance(baseview, BaseApi):
            blueprint.before_request(use_named_workspace)
        if getattr(baseview, "actions", None) is not None:
            blueprint.before_request(action_guard(baseview))
        page_input.install(blueprint, baseview)
        prefix = "" if isinstance(baseview, BaseApi) else "/admin"
        current_app.register_blueprint(
            blueprint, url_prefix=prefix + (blueprint.url_prefix or "")
        )


def init_admin(app: Flask) -> AppBuilder:
    from portal.admin.home import AdminHomeView
    from portal.admin.registry import register_admin
    from portal.admin.staff_signin import StaffSecurityManager

    appbuilder = PortalAppBuilder(app, db.session, security_manager_class=StaffSecurityManager,
                                  base_template="appbuilder/helpport/baselayout.html",
                                  indexview=AdminHomeView)
    register_admin(appbuilder)
    register_admin_context(app)
    return appbuilder
