"""Workspaces: lookup by slug or custom domain, creation with their system group."""

import re
from copy import deepcopy
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, or_, select

from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.loaded_rows import as_loaded, columns_of
from portal.models import CustomerGroup, Workspace
from portal.models.customer import CUSTOMER_ADMINS
from portal.services import portal_settings
from portal.services.errors import Conflict, Invalid
from portal.services.portal_settings_schema import ACCESS
from portal.services.scoped import read_connection
from portal.tenancy import use_workspace

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = {"admin", "api", "static", "assets", "login", "logout", "swagger", "health",
                  "outbox"}


def by_slug(slug: str) -> Workspace | None:
    return next((ws for ws in _rows(slug, "") if ws.slug == slug), None)


def _domain_of(host: str) -> str:
    return host.split(":")[0].lower()


def by_domain(host: str) -> Workspace | None:
    host = _domain_of(host)
    if not host:
        return None
    return next((ws for ws in _rows(None, host) if ws.custom_domain == host), None)


def by_slug_and_domain(slug: str, host: str) -> tuple[Workspace | None, Workspace | None]:
    """(the workspace of `slug`, the one whose custom domain is `host`): what `by_slug` and
    `by_domain` answer, in one query (every portal page asks both)."""
    domain = _domain_of(host)
    found = _rows(slug, domain)
    return (next((ws for ws in found if ws.slug == slug), None),
            next((ws for ws in found if domain and ws.custom_domain == domain), None))


# Every portal request reads its workspace row (cached pages and search answers are keyed
# by its current content_version). An ORM query cost ~0.3 ms of a cached page's ~1.3: the
# ORM's statement set-up and row loading, and the tenancy guard's hook (the workspaces
# table is owned by no workspace, so the guard had nothing to do). So the row is read by
# one Core SELECT, built once, on the session's connection (its transaction, its statement
# events and error handling), and the Workspace is made from it as the ORM makes one from a
# row: persistent in the session, nothing changed, so it reads, writes and flushes as a
# queried one does. On a SQLite file the values read are remembered until the next commit
# to the file by anyone (portal.sqlite_changes): a cached page then opens no connection.
_COLUMNS, _KEYS = columns_of(Workspace)


@cache
def _statement(by: str):
    columns = Workspace.__table__.c
    where = {"slug": columns.slug == bindparam("slug"),
             "domain": columns.custom_domain == bindparam("domain"),
             "either": or_(columns.slug == bindparam("slug"),
                           columns.custom_domain == bindparam("domain"))}[by]
    return select(*_COLUMNS).where(where)


def _rows(slug: str | None, domain: str) -> list[Workspace]:
    if slug is not None and domain:
        return _read("either", slug=slug, domain=domain)
    if slug is not None:
        return _read("slug", slug=slug)
    return _read("domain", domain=domain)


def _read(by: str, **params) -> list[Workspace]:
    changes = current_app.extensions.get("sqlite_changes")
    if changes is None or db.session().in_transaction():  # its own changes are not committed
        found = _select(by, params)
    else:
        found = changes.remembered(("workspace", by, *params.values()),
                                   lambda: _select(by, params))
    return [as_loaded(Workspace, {key: _copy(value) for key, value in values.items()})
            for values in found]


def _select(by: str, params: dict) -> tuple[dict, ...]:
    rows = read_connection().execute(_statement(by), params).all()
    return tuple(dict(zip(_KEYS, row, strict=True)) for row in rows)


def _copy(value):
    """Each object its own settings and locales: a change in place reaches no other."""
    return deepcopy(value) if isinstance(value, dict | list) else value


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
    if kb_access not in ACCESS:
        raise Invalid("kb_access must be off, private or public", field="kb_access")
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
    db.session.add(ws)
    db.session.flush()
    portal_settings.change(ws, {"features.knowledge_base": kb_access,
                                "domain.custom_portal_url":
                                    f"https://{ws.custom_domain}" if ws.custom_domain else ""})
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
