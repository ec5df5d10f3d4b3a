"""Workspaces: lookup by slug or custom domain, creation with their system group."""

import re

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import CustomerGroup, Workspace
from portal.models.customer import CUSTOMER_ADMINS
from portal.services.errors import Conflict, Invalid
from portal.tenancy import use_workspace

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = {"admin", "api", "static", "assets", "login", "logout", "swagger", "health",
                  "outbox"}
KB_ACCESS = ("off", "private", "public")


def by_slug(slug: str) -> Workspace | None:
    return db.session.scalar(select(Workspace).where(Workspace.slug == slug))


def by_domain(host: str) -> Workspace | None:
    host = host.split(":")[0].lower()
    if not host:
        return None
    return db.session.scalar(select(Workspace).where(Workspace.custom_domain == host))


def by_id(workspace_id: int) -> Workspace | None:
    return db.session.get(Workspace, workspace_id)


def all_workspaces() -> list[Workspace]:
    return list(db.session.scalars(select(Workspace).order_by(Workspace.name)))


def create_workspace(
    slug: str,
    name: str,
    *,
    default_locale: str = "en-US",
    jit_provisioning: bool = False,
    custom_domain: str | None = None,
    kb_access: str = "private",
) -> Workspace:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS or slug in {
        code.lower() for code in SUPPORTED
    }:
        raise Invalid("slug must be 1-63 lowercase letters, digits or hyphens", field="slug")
    if not (name or "").strip():
        raise Invalid("name is required", field="name")
    if default_locale not in SUPPORTED:
        raise Invalid("unsupported locale", field="default_locale")
    if kb_access not in KB_ACCESS:
        raise Invalid("kb access must be off, private or public", field="kb_access")
    if by_slug(slug):
        raise Conflict(f"workspace {slug!r} exists", field="slug")
    ws = Workspace(
        slug=slug,
        name=name.strip(),
        default_locale=default_locale,
        enabled_locales=list(SUPPORTED),
        jit_provisioning=jit_provisioning,
        custom_domain=(custom_domain or None),
        settings={"kb_access": kb_access},
    )
    db.session.add(ws)
    db.session.flush()
    ensure_system_groups(ws)
    db.session.commit()
    return ws


def ensure_system_groups(ws: Workspace) -> CustomerGroup:
    with use_workspace(ws.id):
        group = db.session.scalar(
            select(CustomerGroup).where(CustomerGroup.name == CUSTOMER_ADMINS)
        )
        if group is None:
            group = CustomerGroup(
                workspace_id=ws.id,
                name=CUSTOMER_ADMINS,
                description="Members see every ticket of their account.",
                system=True,
            )
            db.session.add(group)
            db.session.flush()
        return group


def locale_for(ws: Workspace, requested: str | None) -> str | None:
    """The URL locale to use in `ws`, or None when `requested` is not enabled there."""
    if requested in (ws.enabled_locales or []) and requested in SUPPORTED:
        return requested
    return None


def site_base(ws) -> str:
    """`https://<custom domain>` for a workspace that has one, else PORTAL_BASE_URL."""
    if ws is not None and ws.custom_domain:
        return f"https://{ws.custom_domain}"
    return current_app.config["BASE_URL"].rstrip("/")
