"""Staff users (Flask-AppBuilder users) and their workspace memberships."""

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import StaffMembership
from portal.services import workspaces
from portal.services.errors import Invalid, NotFound

ROLE_NAMES = {"admin": "Admin", "agent": "Agent"}


def role_name(role: str, workspace_slug: str | None) -> str:
    if role == "admin" and workspace_slug is None:
        return current_app.config["AUTH_ROLE_ADMIN"]
    return ROLE_NAMES[role]


def create_staff(email: str, password: str, role: str, workspace_slug: str | None,
                 name: str | None = None):
    """Create or update a staff user; returns (user, created)."""
    if role not in ROLE_NAMES:
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
    role_obj = sm.find_role(role_name(role, workspace_slug)) or sm.add_role(
        role_name(role, workspace_slug))
    user = sm.find_user(email=email.lower())
    created = user is None
    first, _sep, last = (name or email.split("@")[0]).partition(" ")
    if created:
        user = sm.add_user(username=email.lower(), first_name=first or email, last_name=last or "-",
                           email=email.lower(), role=role_obj, password=password)
        if not user:
            raise Invalid("could not create the staff user")
    else:
        sm.reset_password(user.id, password)
        if role_obj not in user.roles:
            user.roles.append(role_obj)
    if ws is not None:
        exists = db.session.scalar(select(StaffMembership).where(
            StaffMembership.user_id == user.id, StaffMembership.workspace_id == ws.id))
        if exists is None:
            db.session.add(StaffMembership(user_id=user.id, workspace_id=ws.id))
    db.session.commit()
    return user, created
