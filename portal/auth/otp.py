"""Email one-time codes: 6 digits, stored as a keyed digest, short-lived, single use,
a few tries each. Asking for a code answers the same whether or not the email may sign in.
"""

import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth.tokens import digest, same
from portal.extensions import db
from portal.i18n import babel_locale
from portal.models import Contact, OneTimeCode, Workspace
from portal.models.base import utcnow
from portal.services import contacts, emails
from portal.services.errors import Invalid


def normalise_email(raw) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 320:
        raise Invalid(_("Enter a valid email address."), field="email")
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise Invalid(_("Enter a valid email address."), field="email") from None
    return result.normalized.lower()


def request_code(ws: Workspace, raw_email, locale: str) -> None:
    email = normalise_email(raw_email)
    contact = contacts.by_email(ws, email)
    allowed = (contact is not None and contact.active) or (contact is None and ws.jit_provisioning)
    if not allowed:
        current_app.logger.info("sign-in code not sent: %s may not sign in to %s", email, ws.slug)
        return
    now = utcnow()
    db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.email == email, OneTimeCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = current_app.config["OTP_TTL_SECONDS"]
    db.session.add(
        OneTimeCode(
            workspace_id=ws.id,
            email=email,
            code_hash=digest(f"{ws.id}:{email}:{code}"),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    mail_locale = (contact.locale if contact and contact.locale else None) or locale
    with force_locale(babel_locale(mail_locale)):
        emails.sign_in_code(ws, email, code, minutes=ttl // 60, locale=mail_locale)
    db.session.commit()


def verify_code(ws: Workspace, raw_email, raw_code) -> Contact:
    """The signed-in contact, or Invalid; a wrong code spends one of the code's tries."""
    email = normalise_email(raw_email)
    if not isinstance(raw_code, str) or not raw_code.strip().isdigit() or len(raw_code.strip()) != 6:
        raise Invalid(_("Enter the 6-digit code from the email."), field="code")
    code = raw_code.strip()
    now = utcnow()
    row = db.session.scalar(
        select(OneTimeCode)
        .where(OneTimeCode.email == email, OneTimeCode.used_at.is_(None))
        .order_by(OneTimeCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    wrong = Invalid(_("That code is wrong or has expired. Ask for a new one."), field="code")
    if row is None or row.expires_at <= now or row.attempts >= current_app.config["OTP_MAX_ATTEMPTS"]:
        raise wrong
    if not same(row.code_hash, digest(f"{ws.id}:{email}:{code}")):
        row.attempts += 1
        if row.attempts >= current_app.config["OTP_MAX_ATTEMPTS"]:
            row.used_at = now
        db.session.commit()
        raise wrong
    row.used_at = now
    contact = contacts.by_email(ws, email)
    if contact is None:
        if not ws.jit_provisioning:
            db.session.commit()
            raise wrong
        contact = contacts.provision(ws, email)
    elif not contact.active:
        db.session.commit()
        raise wrong
    contact.verified = True
    db.session.commit()
    return contact
