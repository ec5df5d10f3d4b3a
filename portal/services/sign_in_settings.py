"""How customers of a workspace sign in: which methods are on (emailed code, SAML, JWT
hand-off), which email domains must use SAML, and just-in-time provisioning."""

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Workspace
from portal.services import identity_providers
from portal.services.domains import parse_domains
from portal.services.errors import Forbidden, invalid

MAX_DOMAINS = 100


def email_domain(email: str) -> str:
    return (email or "").rsplit("@", 1)[-1].strip().lower()


def requires_saml(ws: Workspace, email: str) -> bool:
    """Whether `email` belongs to a domain whose people must sign in with SAML."""
    if not ws.sign_in_saml or "@" not in (email or ""):
        return False
    return email_domain(email) in {str(d).lower() for d in (ws.saml_required_domains or [])}


class CodeSignInOff(Forbidden):
    code = "email_code_off"


class SamlRequired(Forbidden):
    code = "saml_required"


def check_code_sign_in(ws: Workspace, email: str | None, login_url=None) -> None:
    """Refuse an emailed code when the workspace has them off (CodeSignInOff), or when
    `email`'s domain must sign in with SAML (SamlRequired; `login_url()` is put in its
    details)."""
    if not ws.sign_in_email_code:
        raise CodeSignInOff(_("Sign-in with an emailed code is turned off here."))
    if email and requires_saml(ws, email):
        details = {"login_url": login_url()} if login_url else {}
        raise SamlRequired(_("People of %(domain)s sign in with their organisation's single "
                             "sign-on.", domain=email_domain(email)), **details)


def accounts(ws: Workspace) -> list[Account]:
    return list(db.session.scalars(select(Account).where(
        Account.workspace_id == ws.id).order_by(Account.name)))


def update(ws: Workspace, *, email_code: bool, saml: bool, jwt: bool, required_domains: str,
           jit: bool, link_by_domain: bool, default_account_id: int | None) -> None:
    """Store the settings, or raise Invalid naming every field at fault (nothing stored).
    Commits nothing."""
    errors: dict[str, str] = {}
    if not (email_code or saml or jwt):
        errors["methods"] = _("Keep at least one sign-in method on.")
    if saml and not identity_providers.enabled(ws):
        errors["sign_in_saml"] = _("Add an identity provider before turning SAML on.")
    domains, bad = parse_domains(required_domains)
    if bad is not None:
        errors["saml_required_domains"] = _("%(domain)s is not a domain name.", domain=bad)
    elif len(domains) > MAX_DOMAINS:
        errors["saml_required_domains"] = _("At most %(count)d domains.", count=MAX_DOMAINS)
    elif domains and not saml:
        errors["saml_required_domains"] = _("Turn SAML on to require it for domains.")
    if default_account_id is not None and default_account_id not in {
            account.id for account in accounts(ws)}:
        errors["jit_default_account_id"] = _("Choose one of this workspace's accounts.")
    if errors:
        raise invalid(errors)
    ws.sign_in_email_code, ws.sign_in_saml, ws.sign_in_jwt = email_code, saml, jwt
    ws.saml_required_domains = domains
    ws.jit_provisioning, ws.jit_link_by_domain = jit, link_by_domain
    ws.jit_default_account_id = default_account_id
