"""Rate limits for sign-in (Flask-Limiter; Redis storage when PORTAL_REDIS_URL is set).

Sends are limited per email address (normalised as the sign-in normalises it, so every
spelling of one mailbox shares one allowance) and per client address; verify tries
likewise (each code also allows only OTP_MAX_ATTEMPTS wrong tries). The limits are read
from the config at request time (OTP_SEND_LIMIT, OTP_SEND_LIMIT_PER_ADDRESS,
OTP_VERIFY_LIMIT; JWT_HANDOFF_LIMIT and JWT_EXCHANGE_LIMIT for the JWT hand-off;
SAML_LOGIN_LIMIT for starting single sign-on, which stores a request each time;
INVITE_LIMIT for a customer admin's invitations), so a
deployment or a test can change them without a restart.
A breach raises 429: JSON under /api/, a themed page on the portal.
"""

import hashlib

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from portal.auth import otp
from portal.extensions import limiter
from portal.services.errors import Invalid


def _email_from_request() -> str:
    """The address the request is about, normalised exactly as the sign-in itself does
    (otp.normalise_email), or "" when there is none or it is not an email address.

    Every spelling of one mailbox (case, full-width letters and dots, spaces) must draw on
    one allowance, so the key is the address that the code is stored and sent under.
    Runs before the view, so it must never fail: oversized or malformed bodies, and
    addresses that are no addresses, are the view's to refuse (nothing is sent for them).
    """
    if "otp_limit_email" in g:
        return g.otp_limit_email
    g.otp_limit_email = ""
    max_length = current_app.config.get("MAX_CONTENT_LENGTH")
    if max_length and (request.content_length or 0) > max_length:
        return ""
    try:
        data = request.get_json(silent=True) if request.is_json else request.form
    except Exception:  # noqa: BLE001  (a body the view will refuse)
        return ""
    email = data.get("email") if hasattr(data, "get") else None
    try:
        g.otp_limit_email = otp.normalise_email(email)
    except Invalid:
        pass
    return g.otp_limit_email


def _workspace_key() -> str:
    """The workspace slug: from g on the portal, from the path on the API (same key on both)."""
    ws = g.get("workspace")
    return ws.slug if ws is not None else str((request.view_args or {}).get("slug", ""))


def per_email_key() -> str:
    """Hashed: a fixed-size storage key that does not show the address."""
    raw = f"{_workspace_key()}:{_email_from_request()}".encode("utf-8", "surrogatepass")
    return "otp-email:" + hashlib.sha256(raw).hexdigest()


def _no_email() -> bool:
    """Bodies without a valid email are refused by the view; only the per-address limit
    counts them."""
    return not _email_from_request()


def per_address_key() -> str:
    return f"otp-addr:{get_remote_address()}"


def send_limit() -> str:
    return current_app.config["OTP_SEND_LIMIT"]


def send_limit_per_address() -> str:
    return current_app.config["OTP_SEND_LIMIT_PER_ADDRESS"]


def verify_limit() -> str:
    return current_app.config["OTP_VERIFY_LIMIT"]


def otp_send_limits(view):
    """Shared scopes: the web form and the API draw on the same allowance."""
    view = limiter.shared_limit(send_limit, scope="otp-send-email", key_func=per_email_key,
                                methods=["POST"], exempt_when=_no_email)(view)
    return limiter.shared_limit(send_limit_per_address, scope="otp-send-address",
                                key_func=per_address_key, methods=["POST"])(view)


def otp_verify_limits(view):
    view = limiter.shared_limit(verify_limit, scope="otp-verify-email", key_func=per_email_key,
                                methods=["POST"], exempt_when=_no_email)(view)
    return limiter.shared_limit(verify_limit, scope="otp-verify-address",
                                key_func=per_address_key, methods=["POST"])(view)


def per_workspace_address_key() -> str:
    return f"jwt-addr:{_workspace_key()}:{get_remote_address()}"


def jwt_handoff_limit() -> str:
    return current_app.config["JWT_HANDOFF_LIMIT"]


def jwt_exchange_limit() -> str:
    return current_app.config["JWT_EXCHANGE_LIMIT"]


def jwt_handoff_limits(view):
    """The host application's server asks for every user it hands over: a generous limit
    per workspace and address (JWT_HANDOFF_LIMIT), which still stops guessing tokens."""
    return limiter.shared_limit(jwt_handoff_limit, scope="jwt-handoff",
                                key_func=per_workspace_address_key, methods=["POST"])(view)


def jwt_exchange_limits(view):
    """Apps exchange a sign-in token once per sign-in: per client address
    (JWT_EXCHANGE_LIMIT)."""
    return limiter.shared_limit(jwt_exchange_limit, scope="jwt-exchange-address",
                                key_func=per_address_key, methods=["POST"])(view)


def saml_login_limit() -> str:
    return current_app.config["SAML_LOGIN_LIMIT"]


def saml_login_limits(view):
    """Each SP-initiated sign-in stores its outstanding request: per client address
    (SAML_LOGIN_LIMIT), all workspaces together."""
    return limiter.shared_limit(saml_login_limit, scope="saml-login-address",
                                key_func=per_address_key, methods=["GET"])(view)


def invite_limit() -> str:
    return current_app.config["INVITE_LIMIT"]


def per_inviter_key() -> str:
    """The signed-in contact (the API's caller, else the portal's), set before this runs."""
    from portal.auth.sessions import current_contact

    contact = g.get("contact") or current_contact()
    return f"invite:{contact.workspace_id}:{contact.id}" if contact else per_address_key()


def invite_limits(view):
    """Invitations per inviting contact (INVITE_LIMIT), web and API drawing on one
    allowance: each sends an email to an address the admin chose. Below the decorator that
    signs the caller in."""
    return limiter.shared_limit(invite_limit, scope="invite", key_func=per_inviter_key,
                                methods=["POST"])(view)
