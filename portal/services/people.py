"""Accounts, contacts and customer groups as staff add, edit and delete them.

The admin pages and the staff REST API are both Flask-AppBuilder views that build the row
from their input; before FAB stores it, both call `before_save` (and `before_delete`), so
one set of rules holds for both: names and emails unique in the workspace, email domains
valid, system groups kept, and no row moved to or linked with another workspace.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select

from portal.extensions import db
from portal.models import Account, Contact, CustomerGroup
from portal.services.errors import Conflict, Invalid

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s]{2,}$")
DOMAINS_MAX = 50


def parse_domains(value) -> list[str]:
    """`"a.com, b.org"` or `["a.com"]` -> a sorted, de-duplicated list of valid domains;
    `Invalid` on `domains` names the first wrong one."""
    if value is None:
        return []
    if not isinstance(value, str | list | tuple):
        raise Invalid(_("Email domains must be text."), field="domains")
    domains = []
    for part in value.split(",") if isinstance(value, str) else list(value):
        if not isinstance(part, str):
            raise Invalid(_("Email domains must be text."), field="domains")
        domain = part.strip().lower().lstrip("@")
        if domain and not DOMAIN_RE.match(domain):
            raise Invalid(_("%(domain)s is not a valid email domain.", domain=domain[:80]),
                          field="domains")
        if domain and domain not in domains:
            domains.append(domain)
    if len(domains) > DOMAINS_MAX:
        raise Invalid(_("At most 50 email domains."), field="domains")
    return sorted(domains)


def domains_text(domains) -> str:
    return ", ".join(domains or [])


def valid_email(value) -> bool:
    return bool(EMAIL_RE.match((value or "").strip()))


def taken(model, column: str, value, except_id=None) -> bool:
    """Does another row of `model` in the current workspace hold `value` in `column`
    (case-insensitively)? The tenancy guard limits the query to the current workspace."""
    col = getattr(model, column)
    stmt = select(model.id).where(func.lower(col) == (value or "").strip().lower())
    if except_id is not None:
        stmt = stmt.where(model.id != except_id)
    with db.session.no_autoflush:  # the row being checked may be new or half-changed
        return db.session.scalar(stmt.limit(1)) is not None


def _unique(item, column: str, message: str) -> None:
    if taken(type(item), column, getattr(item, column), item.id):
        raise Invalid(message, field=column)


def check_scoped_change(item, workspace_id: int) -> None:
    """Refuse moving a row to another workspace or linking rows of another one."""
    history = inspect(item).attrs.workspace_id.history
    if item.workspace_id != workspace_id or history.deleted:
        raise Invalid(_("A row cannot move to another workspace."))
    if links_elsewhere(item, workspace_id):
        raise Invalid(_("Only rows of the current workspace can be linked."))


def links_elsewhere(item, workspace_id: int) -> bool:
    """Does `item` link to a row of another workspace (an account, group members)?"""
    with db.session.no_autoflush:  # reading a linked row must not store `item` yet
        account = getattr(item, "account", None)
        if account is not None and account.workspace_id != workspace_id:
            return True
        return any(m.workspace_id != workspace_id
                   for m in getattr(item, "members", None) or [])


def _account(item, name_before) -> None:
    item.domains = parse_domains(item.domains)
    _unique(item, "name", _("An account with this name exists."))


def _contact(item, name_before) -> None:
    item.email = (item.email or "").strip().lower()
    item.locale = item.locale or None
    item.name = item.name or ""
    if not valid_email(item.email):
        raise Invalid(_("Enter a valid email address."), field="email")
    _unique(item, "email", _("A contact with this email exists in this workspace."))


def _group(item, name_before) -> None:
    if item.id is None:
        item.system = False
    elif item.system and name_before is not None and name_before != item.name:
        raise Conflict(_("A system group cannot be renamed."))
    item.description = item.description or ""
    _unique(item, "name", _("A group with this name exists."))


RULES = {Account: _account, Contact: _contact, CustomerGroup: _group}


def before_save(item, workspace_id: int, *, name_before: str | None = None) -> None:
    """Every rule an added or edited account, contact or group passes before it is stored;
    a new row joins `workspace_id`. `name_before`: a group's stored name before the edit
    (`groups.stored_name`), since the edit has already replaced it on the row."""
    if item.id is None:
        item.workspace_id = workspace_id
    RULES[type(item)](item, name_before)
    check_scoped_change(item, workspace_id)


def before_delete(item) -> None:
    if isinstance(item, CustomerGroup) and item.system:
        raise Conflict(_("A system group cannot be deleted."))


def delete_rows(items) -> int:
    """Delete the rows found (ids of another workspace load as None and are skipped), all
    or none: one refused row keeps every row."""
    found = [item for item in items if item is not None]
    for item in found:
        before_delete(item)
    for item in found:
        db.session.delete(item)
    db.session.commit()
    return len(found)


def mark_verified(contacts) -> int:
    found = [contact for contact in contacts if contact is not None]
    for contact in found:
        contact.verified = True
    db.session.commit()
    return len(found)


def related_choices(model, workspace_id: int, page: int, page_size: int) -> list[dict]:
    """One page of the rows of `model` a staff change may link to (the API's `_info`)."""
    rows = db.session.scalars(select(model).where(model.workspace_id == workspace_id)
                              .order_by(model.id).limit(page_size).offset(page * page_size))
    return [{"id": row.id, "value": str(row)} for row in rows]
