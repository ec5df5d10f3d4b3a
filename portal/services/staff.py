"""Staff users (Flask-AppBuilder users) and their role in each workspace.

The one place staff roles change. A role is held per workspace membership
(`StaffMembership.role`, "admin" or "agent"); giving someone a role in a workspace replaces
the role they had there. A platform admin is the separate FAB role AUTH_ROLE_ADMIN on the
user (an admin without a workspace).
"""

from flask import current_app
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import StaffMembership, StaffSession, Workspace
from portal.services import actors, workspaces
from portal.services.errors import Invalid, NotFound

RANK = {"agent": 1, "admin": 2}  # a change to a lower rank reduces access


def is_platform_admin(user) -> bool:
    """Does `user` hold the platform admin role (AUTH_ROLE_ADMIN), valid in every workspace?"""
    admin_role = current_app.config["AUTH_ROLE_ADMIN"]
    return bool(user) and any(r.name == admin_role for r in getattr(user, "roles", []))


def workspaces_of(user) -> list[Workspace]:
    """The workspaces `user` may act in, by name: all of them for a platform admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    stmt = select(Workspace).order_by(Workspace.name)
    if not is_platform_admin(user):
        stmt = stmt.join(StaffMembership, StaffMembership.workspace_id == Workspace.id).where(
            StaffMembership.user_id == user.id)
    return list(db.session.scalars(stmt))


def membership_role(user_id: int, workspace_id: int | None) -> str | None:
    """"admin", "agent" or None: the user's role in that workspace."""
    if workspace_id is None:
        return None
    return db.session.scalar(select(StaffMembership.role).where(
        StaffMembership.user_id == user_id, StaffMembership.workspace_id == workspace_id))


def held_permissions(role_ids) -> set[tuple[str, str]]:
    """(permission, view) name pairs the FAB roles `role_ids` hold, in one query of plain
    rows (FAB's own check runs one query per permission asked about)."""
    if not role_ids:
        return set()
    sm = current_app.appbuilder.sm
    pv, link = sm.permissionview_model, assoc_permissionview_role
    stmt = (select(sm.permission_model.name, sm.viewmenu_model.name)
            .select_from(pv)
            .join(link, link.c.permission_view_id == pv.id)
            .join(sm.permission_model, sm.permission_model.id == pv.permission_id)
            .join(sm.viewmenu_model, sm.viewmenu_model.id == pv.view_menu_id)
            .where(link.c.role_id.in_(role_ids)))
    return set(map(tuple, db.session.execute(stmt).all()))


def staff_user(user_id) -> object | None:
    """The staff user with that id, or None (no id, or no such user)."""
    return db.session.get(current_app.appbuilder.sm.user_model, user_id) if user_id else None


def staff_name(user) -> str:
    """How a staff member is named on pages and in the API ("" for nobody)."""
    return actors.staff(user).name if user is not None else ""


def create_staff(email: str, password: str, role: str, workspace_slug: str | None,
                 name: str | None = None):
    """Create or update a staff user and set their role; returns (user, created).

    With a workspace, `role` becomes the user's role there (a demotion included); without
    one, `role` must be "admin" and makes a platform admin."""
    if role not in StaffMembership.ROLES:
        raise Invalid("role must be admin or agent")
    if role == "agent" and workspace_slug is None:
        raise Invalid("an agent needs --workspace")
    if not email or "@" not in email:
        raise Invalid("a valid email is required")
    if not password or len(password) < 8:
        raise Invalid("the password needs at least 8 characters")
    ws = None
    if workspace_slug is not None:
        ws = workspaces.by_slug(workspace_slug)
        if ws is None:
            raise NotFound(f"no workspace {workspace_slug!r}")
    sm = current_app.appbuilder.sm
    user = sm.find_user(email=email.lower())
    created = user is None
    first, _sep, last = (name or email.split("@")[0]).partition(" ")
    if created:
        user = sm.add_user(username=email.lower(), first_name=first or email, last_name=last or "-",
                           email=email.lower(), role=None, password=password)
        if not user:
            raise Invalid("could not create the staff user")
    else:
        sm.reset_password(user.id, password)
    reduced = False
    if ws is None:
        _make_platform_admin(sm, user)
    else:
        reduced = _set_workspace_role(user, ws, role)
    if reduced:
        _access_reduced(user)
    db.session.commit()  # the lowered role and the sign-outs land together
    return user, created


def _make_platform_admin(sm, user) -> None:
    name = current_app.config["AUTH_ROLE_ADMIN"]
    platform = sm.find_role(name) or sm.add_role(name)
    if platform not in user.roles:
        user.roles.append(platform)


def _set_workspace_role(user, ws, role: str) -> bool:
    """Give `user` the role `role` in `ws`, replacing any other; True if that lowers it."""
    membership = db.session.scalar(select(StaffMembership).where(
        StaffMembership.user_id == user.id, StaffMembership.workspace_id == ws.id))
    if membership is None:
        db.session.add(StaffMembership(user_id=user.id, workspace_id=ws.id, role=role))
        return False
    reduced = RANK[role] < RANK[membership.role]
    membership.role = role
    return reduced


def _access_reduced(user) -> None:
    """`user` loses access (a role lowered or removed): end their sessions and revoke their
    API tokens in the same transaction, so the lost rights stop at once everywhere: every
    request checks that its sign-in's row still exists (portal.auth.staff_sessions). The
    caller commits."""
    db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
