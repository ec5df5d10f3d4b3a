"""The customer portal: `/<locale>/<workspace-slug>/...`, or a workspace's custom domain.

URL rules, all here so they can be read at once:
- `/<slug>`, `/<locale>/<slug>` -> `/<default-or-that-locale>/<slug>/directories` (home);
- an unknown workspace is a themed 404; an unknown or disabled locale redirects to the
  workspace's default locale, keeping the rest of the path;
- on a workspace's custom domain (the Host header), `/` is its home, `/<locale>` its home
  in that locale, and any other workspace's slug is a 404;
- canonical links name the custom domain when there is one, else PORTAL_BASE_URL
  (or http://127.0.0.1:<PORTAL_PORT> when that is empty).
"""

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from config import ROOT
from portal import errors
from portal.auth.next_url import safe_next
from portal.i18n import ENDONYMS, SUPPORTED, normalise
from portal.schemas.converters import marked_urls
from portal.services import portal_settings, workspaces
from portal.tenancy import enter_workspace
from portal.web import page_urls

bp = Blueprint("portal", __name__, url_prefix="/<locale>/<workspace>")
root = Blueprint(
    "root",
    __name__,
    static_folder=str(ROOT / "themes" / "default" / "static"),
    static_url_path="/assets",
)


@bp.url_value_preprocessor
def pull_workspace(endpoint, values):
    ws = _workspace_or_404(values.pop("workspace"))
    requested = values.pop("locale")
    chosen = workspaces.locale_for(ws, normalise(requested))
    enter_workspace(ws, locale=chosen or ws.default_locale)
    g.csp_hosts = portal_settings.published(ws).domain.allowlist  # portal.security
    if g.locale != requested:
        g.redirect_locale = True


@bp.before_request
def fix_locale():
    """`/xx-XX/acme/signin?next=..` -> `/en-US/acme/signin?next=..` (same path and query)."""
    if g.pop("redirect_locale", False):
        target = url_for(request.endpoint, **(request.view_args or {}))
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target, 302)
    return None


@bp.url_defaults
def push_workspace(endpoint, values):
    if "workspace" not in values and g.get("workspace") is not None:
        values["workspace"] = g.workspace.slug
    if "locale" not in values and g.get("locale"):
        values["locale"] = g.locale


def host_workspace():
    """The workspace whose custom domain is this request's Host, or None (asked once)."""
    if "host_workspace" not in g:
        g.host_workspace = workspaces.by_domain(request.host)
    return g.host_workspace


def _slug_and_host_workspace(slug: str):
    """(the workspace of `slug`, the Host's): one query when the Host was not asked yet."""
    if "host_workspace" in g:
        return workspaces.by_slug(slug), g.host_workspace
    ws, g.host_workspace = workspaces.by_slug_and_domain(slug, request.host)
    return ws, g.host_workspace


def _workspace_or_404(slug: str):
    """The workspace of `slug`; on a custom domain only that domain's own workspace."""
    ws, host_ws = _slug_and_host_workspace(slug)
    if ws is None or (host_ws is not None and host_ws.id != ws.id):
        abort(404)
    return ws


@root.get("/")
def index():
    ws = host_workspace()
    if ws is not None:
        return redirect(home_url(ws))
    return render_template("landing.html")


@root.get("/admin")
def admin_slash():
    return redirect("/admin/")


@root.get("/<first>")
@root.get("/<first>/")
def short(first):
    """`/<slug>` -> home; `/<locale>` on a custom domain -> home in that locale."""
    host_ws = host_workspace()
    if host_ws is not None and normalise(first) is not None and first != host_ws.slug:
        return redirect(home_url(host_ws, workspaces.locale_for(host_ws, normalise(first))))
    return redirect(home_url(_workspace_or_404(first)))


@root.get("/<locale>/<workspace>")
@root.get("/<locale>/<workspace>/")
def locale_root(locale, workspace):
    ws = _workspace_or_404(workspace)
    return redirect(home_url(ws, workspaces.locale_for(ws, normalise(locale))))


def home_url(ws, locale: str | None = None) -> str:
    return url_for("portal.home", workspace=ws.slug, locale=locale or ws.default_locale)


def render_portal(template: str, **context):
    return render_template(template, workspace=g.workspace, **context)


ROW_MARKER = 7340033  # a number no portal URL holds otherwise


def row_url(endpoint: str, key: str):
    """`url_for(endpoint, **{key: n})` for the many numbers of a list's rows, built once
    (schemas.converters.marked_urls; url_for per row was about 10% of the ticket list)."""
    return marked_urls(lambda value: url_for(endpoint, **{key: value}), ROW_MARKER, int)


def page_links(build=url_for) -> tuple[list[dict], str | None]:
    """(this page in every enabled locale of the workspace, for hreflang and the footer;
    its canonical URL), both empty off the portal's pages."""
    ws = g.get("workspace")
    endpoint = request.endpoint
    if ws is None or endpoint is None or request.blueprint != "portal":
        return [], None
    view_args, current = request.view_args or {}, g.get("locale")
    base = workspaces.public_base(ws)
    links = []
    for code in SUPPORTED:
        if code not in (ws.enabled_locales or []):
            continue
        path = build(endpoint, locale=code, **view_args)
        links.append({"code": code, "label": ENDONYMS[code], "path": path,
                      "url": base + path, "current": code == current})
    return links, base + build(endpoint, **view_args)


def demo_outbox_enabled() -> bool:
    """The embedded demo only: no SMTP and the development environment."""
    cfg = current_app.config
    return not cfg.get("SMTP_URL") and cfg.get("ENV_NAME") == "development"


def error_page_workspace() -> None:
    """For a 404 of `/<locale>/<slug>/no-such-page`: theme the error page as that workspace's.

    Routing failed, so the blueprint never set the workspace; the same rules apply here
    (a custom domain shows only its own workspace)."""
    if g.get("workspace") is not None:
        return
    parts = request.path.split("/")
    if len(parts) < 3 or not parts[2]:
        return
    ws, host_ws = _slug_and_host_workspace(parts[2])
    if ws is None or (host_ws is not None and host_ws.id != ws.id):
        return
    enter_workspace(ws, locale=workspaces.locale_for(ws, normalise(parts[1]))
                    or ws.default_locale)


SIGN_IN_PAGES = ("portal.signin", "portal.signin_code")  # their own 429 page


def error_page(exc: HTTPException):
    """The themed page of an HTTP error, for portal.errors (the one error path)."""
    if exc.code == 429 and request.endpoint in SIGN_IN_PAGES:
        return errors.error_page("signin/too_many.html", 429,
                                 email=request.values.get("email", ""),
                                 next=safe_next(request.values.get("next")))
    error_page_workspace()
    template = "errors/generic.html"
    if exc.code in (403, 404):
        template = f"errors/{exc.code}.html"
    elif exc.code >= 500:
        template = "errors/500.html"
    return errors.error_page(template, exc.code, error=exc)


def _profile_menu(error) -> dict:
    """What the profile menu asks when it is shown (a signed-in page): whether they run
    their account. (The workspaces they may switch to are listed on a page of their own,
    portal.web.profile: a query on every signed-in page would cost more than it shows.)"""
    from portal.auth import sessions
    from portal.services import contacts

    def customer_admin() -> bool:
        contact = None if error else sessions.current_contact()
        return contact is not None and contacts.is_customer_admin(contact)

    return {"is_customer_admin_now": customer_admin}


def register_web(app: Flask) -> None:
    from portal.web import (  # noqa: F401  (routes)
        account,
        guest_tickets,
        kb,
        kb_follow,
        kb_pdf,
        look,
        look_images,
        page_cache,
        pages,
        plug_session,
        profile,
        satisfaction,
        seo,
        seo_head,
        signin,
        tickets,
    )
    from portal.web.plug import plug
    from portal.web.sso import sso

    app.register_blueprint(root)
    app.register_blueprint(plug)
    app.register_blueprint(bp)
    app.register_blueprint(sso)
    app.extensions[errors.PAGES] = error_page

    @app.context_processor
    def portal_context():
        from portal.auth.sessions import current_contact

        if not has_request_context():  # emails rendered by a job
            return {"current_locale": g.get("locale") or current_app.config["DEFAULT_LOCALE"]}
        error = getattr(request, "helpport_error", None)
        ws = g.get("workspace")
        locale = g.get("locale")
        # a portal page's links, from paths built once (page_urls); other pages build theirs
        build = page_urls.builder() if ws is not None and not error else url_for
        links, canonical = ([], None) if error else page_links(build)
        context = {
            # after a 500 the database may be what failed: ask it nothing more
            "current_contact": None if error == 500 else current_contact(),
            "current_locale": locale or current_app.config["DEFAULT_LOCALE"],
            "locales": SUPPORTED,
            "language_links": links,
            "canonical_url": canonical,
            "default_language_url": next(
                (link["url"] for link in links
                 if ws is not None and link["code"] == ws.default_locale), None),
            "demo_outbox": demo_outbox_enabled(),
            "has_endpoint": current_app.view_functions.__contains__,
        }
        if build is not url_for:
            context["url_for"] = build
        context.update(_profile_menu(error))
        if error != 500:
            from portal.web.look import page_look

            context.update(page_look())
        return context
