"""Which workspace a staff request acts in.

Pages: the workspace chosen in the admin navigation (kept in the Flask session), if the
staff member belongs to it. REST API: the `X-Workspace` header (a slug). Platform admins
may act in any workspace. The staff member's role in that workspace is what every
permission check uses (portal.admin.security).
"""

from flask import Flask, g, has_request_context, request, session
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_login import current_user

from portal.auth.staff_sessions import api_user
from portal.models import Workspace
from portal.services.errors import Forbidden, ServiceError
from portal.services.staff import workspaces_of
from portal.tenancy import current_workspace_id, enter_workspace

SESSION_KEY = "admin_workspace_id"
# FAB's filter for "rows of the workspace this request acts in" (pages and APIs)
IN_WORKSPACE = [["workspace_id", FilterEqualFunction, current_workspace_id]]


def choose_workspace(user, wanted_id: int | None) -> Workspace | None:
    allowed = workspaces_of(user)
    for ws in allowed:
        if ws.id == wanted_id:
            return ws
    return allowed[0] if allowed else None


def may_act_in(user, workspace_id) -> Workspace | None:
    """The workspace `workspace_id` if `user` may act in it, else None."""
    return next((ws for ws in workspaces_of(user) if ws.id == workspace_id), None)


class WorkspaceRequired(ServiceError):
    status = 400
    code = "workspace_required"


class UnknownWorkspace(Forbidden):
    code = "unknown_workspace"


def use_api_workspace():
    """Scope a staff REST request to its `X-Workspace`; a JSON 4xx (portal.errors) when that
    is impossible.

    Without a valid token this answers nothing and lets FAB's own check say 401.
    """
    user = api_user()
    if user is None:
        return None
    slug = request.headers.get("X-Workspace", "").strip()
    if not slug:
        raise WorkspaceRequired("Send the workspace slug in the X-Workspace header.")
    ws = next((w for w in workspaces_of(user) if w.slug == slug), None)
    if ws is None:
        raise UnknownWorkspace("X-Workspace names no workspace you may act in.")
    enter_workspace(ws, staff=True)
    return None


def use_session_workspace() -> None:
    """Act in the workspace chosen in the session, or the first one the user may act in."""
    ws = choose_workspace(current_user, session.get(SESSION_KEY))
    if ws is not None:
        enter_workspace(ws, staff=True)
        if session.get(SESSION_KEY) != ws.id:
            session[SESSION_KEY] = ws.id


def use_named_workspace():
    """For FAB's own APIs (menu, OpenAPI, security): act in the `X-Workspace` workspace when
    a token request names one, in the session's workspace when signed in by cookie, else in
    none (then only a platform admin's role counts)."""
    if g.get("admin_workspace") is not None:
        return None  # a workspace API's own hook has chosen already
    if api_user() is not None:
        if request.headers.get("X-Workspace", "").strip():
            return use_api_workspace()
        return None
    if current_user.is_authenticated:
        use_session_workspace()
    return None


def register_admin_context(app: Flask) -> None:
    @app.before_request
    def admin_workspace():
        """Admin pages act in the chosen workspace, or the first one the user may act in."""
        if request.path.startswith("/admin") and current_user.is_authenticated:
            use_session_workspace()
        return None

    @app.context_processor
    def admin_navigation():
        if not has_request_context() or not request.path.startswith("/admin"):
            return {}
        if not current_user.is_authenticated:
            return {}
        return {
            "staff_workspaces": workspaces_of(current_user),
            "admin_workspace": g.get("admin_workspace"),
        }
