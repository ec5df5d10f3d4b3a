"""Form rules shared by the admin pages and the staff REST API.

Email domains are a JSON list on the model; staff edit them as one comma-separated text
field, so both entry points parse and validate them the same way here.
"""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from portal.extensions import db
from portal.i18n import SUPPORTED

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s]{2,}$")
LOCALE_CHOICES = [SelectChoice("", _l("Workspace default"))] + [
    SelectChoice(code, label) for code, label in SUPPORTED.items()]
WORKSPACE_LOCALE_CHOICES = LOCALE_CHOICES[1:]


class BadDomains(ValueError):
    pass


def parse_domains(value) -> list[str]:
    """`"a.com, b.org"` or `["a.com"]` -> a sorted, de-duplicated list of valid domains."""
    if value is None:
        return []
    if not isinstance(value, str | list | tuple):
        raise BadDomains(_l("Email domains must be text."))
    parts = value.split(",") if isinstance(value, str) else list(value)
    domains = []
    for part in parts:
        if not isinstance(part, str):
            raise BadDomains(_l("Email domains must be text."))
        domain = part.strip().lower().lstrip("@")
        if not domain:
            continue
        if not DOMAIN_RE.match(domain):
            raise BadDomains(_l("%(domain)s is not a valid email domain.", domain=domain[:80]))
        if domain not in domains:
            domains.append(domain)
    if len(domains) > 50:
        raise BadDomains(_l("At most 50 email domains."))
    return sorted(domains)


def domains_text(domains) -> str:
    return ", ".join(domains or [])


def valid_domains(form, field) -> None:
    try:
        parse_domains(field.data)
    except BadDomains as exc:
        raise ValidationError(str(exc)) from exc


def taken_in_workspace(model, column: str, value: str, except_id=None) -> bool:
    """Does another row of `model` in the current workspace hold `value` in `column`?

    The tenancy guard limits the query to the current workspace.
    """
    col = getattr(model, column)
    stmt = select(model.id).where(func.lower(col) == (value or "").strip().lower())
    if except_id is not None:
        stmt = stmt.where(model.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def unique_in_workspace(model, column: str, message):
    def check(form, field) -> None:
        if taken_in_workspace(model, column, field.data, getattr(form, "_id", None)):
            raise ValidationError(str(message))

    return check


def valid_email(form, field) -> None:
    if not EMAIL_RE.match((field.data or "").strip()):
        raise ValidationError(_l("Enter a valid email address."))


def foreign_rows(item, workspace_id: int) -> bool:
    """Does `item` link to a row of another workspace (an account, group members)?"""
    account = getattr(item, "account", None)
    if account is not None and account.workspace_id != workspace_id:
        return True
    return any(m.workspace_id != workspace_id for m in getattr(item, "members", None) or [])
