"""Rate-limit keys and values for sign-in (Flask-Limiter; Redis storage when configured)."""

from flask import current_app, g, request
from flask_limiter.util import get_remote_address


def _email_from_request() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    email = data.get("email") if isinstance(data, dict) or hasattr(data, "get") else None
    return email.strip().lower()[:320] if isinstance(email, str) else ""


def per_email_key() -> str:
    return f"otp-email:{g.get('workspace_id')}:{_email_from_request()}"


def per_address_key() -> str:
    return f"otp-addr:{get_remote_address()}"


def send_limit() -> str:
    return current_app.config["OTP_SEND_LIMIT"]


def send_limit_per_address() -> str:
    return current_app.config["OTP_SEND_LIMIT_PER_ADDRESS"]


def verify_limit() -> str:
    return current_app.config["OTP_VERIFY_LIMIT"]


def otp_send_limits(view):
    from portal.extensions import limiter

    view = limiter.limit(send_limit, key_func=per_email_key, methods=["POST"])(view)
    return limiter.limit(send_limit_per_address, key_func=per_address_key, methods=["POST"])(view)


def otp_verify_limits(view):
    from portal.extensions import limiter

    return limiter.limit(verify_limit, key_func=per_address_key, methods=["POST"])(view)
