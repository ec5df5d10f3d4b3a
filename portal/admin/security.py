"""Staff permissions: the role of the membership in the current workspace, and nothing else.

Every permission check of Flask-AppBuilder (the `has_access`/`protect` decorators of pages
and APIs, action buttons, the menu, the API's `_info` permissions) ends in
`get_user_roles`. Here it answers, for a staff member who is not a platform admin, only the
"Admin" or "Agent" role of their membership in the workspace the request acts in
(`g.workspace_id`, chosen by portal.admin.context); global roles and FAB groups do not
count, so an admin of one workspace is nobody in another. A platform admin holds the
explicit AUTH_ROLE_ADMIN role on the user and keeps FAB's usual roles.
"""

from flask import abort, has_request_context, redirect, request, url_for
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_login import current_user

from portal.admin.roles import MEMBERSHIP_ROLES
from portal.services.staff import held_permissions, is_platform_admin, membership_role
from portal.tenancy import current_workspace_id


def _per_request(name: str) -> dict:
    """A cache that lives as long as the request (a throwaway one outside requests), so
    a role changed by one request counts from the next one on."""
    if not has_request_context():
        return {}
    return request.environ.setdefault(f"helpport.{name}", {})


class PortalSecurityManager(SecurityManager):
    def get_user_roles(self, user) -> list:
        if not user.is_authenticated:
            return [self.get_public_role()]
        if is_platform_admin(user):
            return super().get_user_roles(user)
        return self._workspace_roles(user.id, current_workspace_id())

    def _workspace_roles(self, user_id: int, workspace_id: int | None) -> list:
        cache = _per_request("staff_roles")
        key = (user_id, workspace_id)
        if key not in cache:
            role = membership_role(user_id, workspace_id)
            found = self.find_role(MEMBERSHIP_ROLES[role]) if role else None
            cache[key] = [found] if found is not None else []
        return cache[key]

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        """As FAB's, but with the roles' permissions read once per request: a page asks
        for one per menu entry and button (FAB runs one query for each)."""
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles for role in roles):
            return super()._has_view_access(user, permission_name, view_name)
        cache = _per_request("held_permissions")
        key = tuple(sorted(role.id for role in roles))
        if key not in cache:
            cache[key] = held_permissions(key)
        return (permission_name, view_name) in cache[key]


def action_guard(view):
    """A before-request hook for a FAB CRUD view's action endpoints (`action` for one row,
    `action_post` for the selected rows). FAB checks an action's permission inside the view
    and answers a refusal with a redirect to the list, and runs a one-row action on a list
    (or the reverse) into a server error; refuse up front instead, as every other page
    does: the login page for the signed-out, 404 for no such action, 403 without the
    permission."""

    def guard():
        endpoint = request.endpoint or ""
        if endpoint.endswith(".action"):
            name, applies = (request.view_args or {}).get("name"), "single"
        elif endpoint.endswith(".action_post"):
            name, applies = request.form.get("action"), "multiple"
        else:
            return None
        if not current_user.is_authenticated:
            sm = view.appbuilder.sm
            return redirect(url_for(f"{sm.auth_view.__class__.__name__}.login",
                                    next=request.url))
        action = view.actions.get(name)
        if action is None or not getattr(action, applies):
            abort(404)
        permission = view.get_action_permission_name(name)
        if permission not in view.base_permissions or not view.appbuilder.sm.has_access(
                permission, view.class_permission_name):
            abort(403)
        return None

    return guard
