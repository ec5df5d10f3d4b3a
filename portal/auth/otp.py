"""Email one-time codes: 6 digits, stored as a keyed digest, valid OTP_TTL_SECONDS (10
minutes), single use, OTP_MAX_ATTEMPTS (5) wrong tries each; a new code voids older ones.

Asking for a code answers the same whether or not the email may sign in, so that the form
cannot be used to find out who is a customer. Whether it may is decided here:
an existing active contact may; an unknown email may only when the workspace has
just-in-time provisioning on, and becomes a contact at its first successful sign-in.
A visitor opening a ticket with public ticket management (`guest=True`: the admin chose to
let anyone open one) may too, whatever the JIT setting.

Before any of that, the workspace's sign-in settings (sign_in_settings.check_code_sign_in)
refuse every code, asked for or checked, sign-in or visitor's ticket, when codes are off
(CodeSignInOff) and for an email whose domain must use SAML (SamlRequired): these answers
depend only on the settings and the domain, never on who is a customer.

Answering the same includes answering as fast: the request only checks the address and
queues `send_code`, which looks the address up, writes the code and its email. Deciding
in the request made unknown addresses answer measurably faster (bench/otp_timing.py).
"""

import re
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth.tokens import digest, same
from portal.extensions import db
from portal.i18n import SUPPORTED, babel_locale
from portal.jobs import enqueue
from portal.models import Contact, OneTimeCode, Workspace
from portal.models.base import utcnow
from portal.services import contacts, emails, portal_settings, sign_in_settings
from portal.services.errors import Invalid
from portal.tenancy import use_workspace

CODE_RE = re.compile(r"[0-9]{6}")
SEND_QUEUE = "high"  # with the emails: a customer is waiting for the code


def normalise_email(raw) -> str:
    """The lower-cased, normalised address, or Invalid(field="email")."""
    invalid = Invalid(_("Enter a valid email address."), field="email")
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 320:
        raise invalid
    try:
        raw.encode("utf-8")
        result = validate_email(raw.strip(), check_deliverability=False)
    except (EmailNotValidError, UnicodeEncodeError):
        raise invalid from None
    return result.normalized.lower()


def normalise_code(raw) -> str:
    """Exactly six ASCII digits (spaces around are forgiven), or Invalid(field="code")."""
    code = raw.strip() if isinstance(raw, str) else ""
    if not CODE_RE.fullmatch(code):
        raise Invalid(_("Enter the 6-digit code from the email."), field="code")
    return code


def allowed_email(ws: Workspace, raw_email, login_url=None) -> str:
    """The normalised address when the workspace takes emailed codes for it; CodeSignInOff
    (whatever the address), Invalid or SamlRequired (`login_url()` in its details)."""
    sign_in_settings.check_code_sign_in(ws, None)
    email = normalise_email(raw_email)
    sign_in_settings.check_code_sign_in(ws, email, login_url)
    return email


def code_allowed(ws: Workspace, email: str) -> bool:
    try:
        sign_in_settings.check_code_sign_in(ws, None)
        sign_in_settings.check_code_sign_in(ws, email)
    except (sign_in_settings.CodeSignInOff, sign_in_settings.SamlRequired):
        return False
    return True


def may_sign_in(ws: Workspace, contact: Contact | None, guest: bool = False) -> bool:
    if contact is None:
        return bool(ws.jit_provisioning) or (guest and guests_may_open_tickets(ws))
    return bool(contact.active)


def guests_may_open_tickets(ws: Workspace) -> bool:
    """Public ticket management: a visitor may open a ticket, confirming their email."""
    return portal_settings.published(ws).features.tickets == "public"


def _code_hash(ws: Workspace, email: str, code: str) -> str:
    return digest(f"otp:{ws.id}:{email}:{code}")


def request_code(ws: Workspace, raw_email, locale: str | None = None,
                 guest: bool = False, login_url=None) -> None:
    """Queue `send_code` for the normalised `raw_email`, whoever it is (Invalid when it is
    not an email address; `allowed_email`'s refusals). Only when the queue is unreachable
    is the code sent right away: the answer then takes longer for customers, but the code
    still arrives."""
    email = allowed_email(ws, raw_email, login_url)
    args = (ws.id, email, locale, *((True,) if guest else ()))  # sign-in jobs: as before
    if enqueue(send_code, *args, queue_name=SEND_QUEUE) is None:
        send_code(*args)


def send_code(workspace_id: int, email: str, locale: str | None = None,
              guest: bool = False) -> None:
    """The job: email a new code if `email` (normalised) may sign in to the workspace;
    silently do nothing otherwise."""
    with use_workspace(workspace_id):
        ws = db.session.get(Workspace, workspace_id)
        contact = contacts.by_email(ws, email) if ws is not None else None
        if ws is None or not code_allowed(ws, email) or not may_sign_in(ws, contact, guest):
            db.session.rollback()
            current_app.logger.info("sign-in code not sent: the address may not sign in to "
                                    "workspace %s", workspace_id)
            return
        now = utcnow()
        db.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.workspace_id == ws.id, OneTimeCode.email == email,
                   OneTimeCode.used_at.is_(None))
            .values(used_at=now)
        )
        code = f"{secrets.randbelow(10**6):06d}"
        ttl = current_app.config["OTP_TTL_SECONDS"]
        db.session.add(
            OneTimeCode(
                workspace_id=ws.id,
                email=email,
                code_hash=_code_hash(ws, email, code),
                created_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
        mail_locale = (contact.locale if contact is not None else None) or locale
        if mail_locale not in SUPPORTED:
            mail_locale = ws.default_locale
        with force_locale(babel_locale(mail_locale)):
            emails.sign_in_code(ws, email, code, minutes=ttl // 60, locale=mail_locale)
        db.session.commit()


def verify_code(ws: Workspace, raw_email, raw_code, guest: bool = False,
                login_url=None) -> Contact:
    """The signed-in contact, or Invalid; a wrong code spends one of the code's tries.
    With `guest` (a visitor's ticket, tickets public) an unknown email becomes a contact.

    Every refusal (no code, wrong, expired, used up, contact inactive or unknown without
    JIT) gives the same message, for the same reason as in `request_code`; the settings'
    refusals (`allowed_email`) come first and spend nothing.
    """
    email = allowed_email(ws, raw_email, login_url)
    code = normalise_code(raw_code)
    now = utcnow()
    max_attempts = current_app.config["OTP_MAX_ATTEMPTS"]
    wrong = Invalid(_("That code is wrong or has expired. Ask for a new one."), field="code")
    row = db.session.scalar(
        select(OneTimeCode)
        .where(OneTimeCode.workspace_id == ws.id, OneTimeCode.email == email,
               OneTimeCode.used_at.is_(None))
        .order_by(OneTimeCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None or row.expires_at <= now or row.attempts >= max_attempts:
        db.session.rollback()
        raise wrong
    if not same(row.code_hash, _code_hash(ws, email, code)):
        row.attempts += 1
        if row.attempts >= max_attempts:
            row.used_at = now
        db.session.commit()
        raise wrong
    row.used_at = now
    contact = contacts.by_email(ws, email)
    if not may_sign_in(ws, contact, guest):
        db.session.commit()
        raise wrong
    if contact is None:
        contact = contacts.provision(ws, email)
    contact.verified = True
    db.session.commit()
    return contact
