"""The customer portal: `/<locale>/<workspace-slug>/...`, or a workspace's custom domain."""

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from config import ROOT
from portal.i18n import SUPPORTED, normalise
from portal.services import workspaces

bp = Blueprint("portal", __name__, url_prefix="/<locale>/<workspace>")
root = Blueprint(
    "root",
    __name__,
    static_folder=str(ROOT / "themes" / "default" / "static"),
    static_url_path="/assets",
)


@bp.url_value_preprocessor
def pull_workspace(endpoint, values):
    slug = values.pop("workspace")
    locale = values.pop("locale")
    ws = workspaces.by_slug(slug)
    if ws is None:
        abort(404)
    host_ws = g.get("host_workspace")
    if host_ws is not None and host_ws.id != ws.id:
        abort(404)
    g.workspace = ws
    g.workspace_id = ws.id
    chosen = workspaces.locale_for(ws, locale)
    if chosen is None:
        g.locale = ws.default_locale
        g.redirect_locale = True
    else:
        g.locale = chosen


@bp.before_request
def fix_locale():
    if g.pop("redirect_locale", False):
        args = dict(request.view_args or {})
        return redirect(url_for(request.endpoint, **args, **request.args.to_dict()), 302)


@bp.url_defaults
def push_workspace(endpoint, values):
    if "workspace" not in values and g.get("workspace") is not None:
        values["workspace"] = g.workspace.slug
    if "locale" not in values and g.get("locale"):
        values["locale"] = g.locale


@root.before_app_request
def resolve_host():
    ws = workspaces.by_domain(request.host)
    g.host_workspace = ws


@root.get("/")
def index():
    ws = g.get("host_workspace")
    if ws is not None:
        return redirect(home_url(ws))
    return render_template("landing.html")


@root.get("/admin")
def admin_slash():
    return redirect("/admin/")


@root.get("/<first>")
def short(first):
    """`/<slug>` -> home; `/<locale>` on a custom domain -> home in that locale."""
    ws = g.get("host_workspace")
    if ws is not None and normalise(first) in SUPPORTED:
        return redirect(home_url(ws, normalise(first)))
    ws = workspaces.by_slug(first)
    if ws is None:
        abort(404)
    return redirect(home_url(ws))


@root.get("/<locale>/<workspace>")
@root.get("/<locale>/<workspace>/")
def locale_root(locale, workspace):
    ws = workspaces.by_slug(workspace)
    if ws is None:
        abort(404)
    return redirect(home_url(ws, workspaces.locale_for(ws, locale)))


def home_url(ws, locale: str | None = None) -> str:
    return url_for("portal.home", workspace=ws.slug, locale=locale or ws.default_locale)


def render_portal(template: str, **context):
    return render_template(template, workspace=g.workspace, **context)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_web(app: Flask) -> None:
    from portal.web import pages, signin  # noqa: F401  (routes)

    app.register_blueprint(root)
    app.register_blueprint(bp)

    @app.context_processor
    def portal_context():
        from portal.auth.sessions import current_contact

        return {
            "current_contact": current_contact(),
            "current_locale": g.get("locale"),
            "locales": SUPPORTED,
        }

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            from portal.api import json_error

            return json_error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description)
        if request.path.startswith(("/admin", "/static/appbuilder")):
            return exc
        code = exc.code if exc.code in (400, 403, 404, 405, 413, 429) else 500
        return render_template(f"errors/{code if code in (403, 404) else 'generic'}.html",
                               error=exc, workspace=g.get("workspace")), exc.code or 500

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        app.logger.exception("unhandled error")
        from portal.extensions import db

        db.session.rollback()
        if _wants_json():
            from portal.api import json_error

            return json_error(500, "server_error", "Internal server error.")
        return render_template("errors/500.html", workspace=g.get("workspace")), 500
