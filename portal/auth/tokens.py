"""Random secrets and their stored digests."""

import hashlib
import hmac
import secrets

from flask import current_app


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """Keyed SHA-256 of a secret (session token or one-time code), as stored in the database.

    Keyed, so that a copy of the database alone cannot test the million possible codes.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison, so that timing tells nothing about how much matched."""
    return hmac.compare_digest(a, b)
