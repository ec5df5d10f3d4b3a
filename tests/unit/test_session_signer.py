"""The signed session cookie's signer is made once per secret key (portal.security)."""

import pytest
from itsdangerous import BadSignature

from portal.security import SignedCookieSessions


def test_the_signer_is_kept_until_the_secret_key_changes(app):
    sessions = app.session_interface
    assert isinstance(sessions, SignedCookieSessions)
    old_key, old_fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    first = sessions.get_signing_serializer(app)
    assert sessions.get_signing_serializer(app) is first
    signed = first.dumps({"seen": 1})
    try:
        app.secret_key = "another secret key, long enough to sign with"
        renewed = sessions.get_signing_serializer(app)
        assert renewed is not first
        assert renewed.loads(renewed.dumps({"seen": 2})) == {"seen": 2}
        with pytest.raises(BadSignature):  # the old key's cookie is refused
            renewed.loads(signed)
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert sessions.get_signing_serializer(app).loads(signed) == {"seen": 1}
    finally:
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = old_fallbacks
    assert sessions.get_signing_serializer(app).loads(signed) == {"seen": 1}
