"""Workspaces: lookup by slug or custom domain, creation with their system group."""

import re
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, or_, select

from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import CustomerGroup, Workspace
from portal.models.customer import CUSTOMER_ADMINS
from portal.services import workspace_settings
from portal.services.errors import Conflict, Invalid
from portal.tenancy import use_workspace

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = {"admin", "api", "static", "assets", "login", "logout", "swagger", "health",
                  "outbox"}


def by_slug(slug: str) -> Workspace | None:
    return db.session.scalar(select(Workspace).where(Workspace.slug == slug))


def _domain_of(host: str) -> str:
    return host.split(":")[0].lower()


def by_domain(host: str) -> Workspace | None:
    host = _domain_of(host)
    if not host:
        return None
    return db.session.scalar(select(Workspace).where(Workspace.custom_domain == host))


def by_slug_and_domain(slug: str, host: str) -> tuple[Workspace | None, Workspace | None]:
    """(the workspace of `slug`, the one whose custom domain is `host`): what `by_slug` and
    `by_domain` answer, in one query (every portal page asks both)."""
    domain = _domain_of(host)
    if domain:
        rows = list(db.session.scalars(_slug_or_domain(), {"slug": slug, "domain": domain}))
    else:
        rows = list(db.session.scalars(_slug_only(), {"slug": slug}))
    return (next((ws for ws in rows if ws.slug == slug), None),
            next((ws for ws in rows if domain and ws.custom_domain == domain), None))


# Every portal request runs one of these two, so they are built once (statements are
# immutable; building one per request cost about a tenth of a cached page's answer). The
# workspaces table is owned by no workspace: the tenancy guard would pass the statement on
# unchanged after walking it, so it is told to skip it (all_workspaces).
@cache
def _slug_or_domain():
    return (select(Workspace).where(or_(Workspace.slug == bindparam("slug"),
                                        Workspace.custom_domain == bindparam("domain")))
            .execution_options(all_workspaces=True))


@cache
def _slug_only():
    return select(Workspace).where(Workspace.slug == bindparam("slug")).execution_options(
        all_workspaces=True)


def by_id(workspace_id: int) -> Workspace | None:
    return db.session.get(Workspace, workspace_id)


def create_workspace(
    slug: str,
    name: str,
    *,
    default_locale: str = "en-US",
    jit_provisioning: bool = False,
    custom_domain: str | None = None,
    kb_access: str = "private",
    support_email: str | None = None,
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
    if by_slug(slug):
        raise Conflict(f"workspace {slug!r} exists", field="slug")
    ws = Workspace(
        slug=slug,
        name=name.strip(),
        default_locale=default_locale,
        enabled_locales=list(SUPPORTED),
        jit_provisioning=jit_provisioning,
        custom_domain=clean_domain(custom_domain),
        settings={},
        support_email=support_email or None,
    )
    workspace_settings.update(ws, kb_access=kb_access)  # refuses a bad value before any write
    db.session.add(ws)
    db.session.flush()
    ensure_system_groups(ws)
    db.session.commit()
    return ws


def clean_domain(value) -> str | None:
    """A custom domain as stored: lower case, no blanks; empty means none."""
    return (value or "").strip().lower() or None


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


def public_base(ws: Workspace | None = None) -> str:
    """The address absolute links start with: `https://<custom domain>` for a workspace
    that has one, else BASE_URL, else the local PORT (so `make demo PORT=8080` links to
    8080). Emails, canonical links and the demo's printed URLs all come from here."""
    if ws is not None and ws.custom_domain:
        return f"https://{ws.custom_domain}"
    config = current_app.config
    return (config["BASE_URL"] or f"http://127.0.0.1:{config['PORT']}").rstrip("/")
