"""Staff sign-ins the server can end: one row per browser session or API login.

Flask-AppBuilder keeps staff signed in with Flask's signed session cookie, which stays
valid wherever it is replayed, and its JWTs stay valid until they expire. So each sign-in
gets a `StaffSession` row: a browser session carries the row's token in the Flask session,
an API login's JWTs carry it in their `sid` claim, and every request checks that the row
still exists (FAB's user loader for cookies, flask-jwt-extended's blocklist hook for
tokens). Signing out deletes the row; `revoke_all` deletes a person's rows, which a
password change does by itself and a role removal must ask for.
"""

from datetime import timedelta

from flask import current_app, g, has_request_context, session
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from flask_jwt_extended import JWTManager, get_jwt, get_jwt_identity, verify_jwt_in_request
from flask_jwt_extended.config import config as jwt_config
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session

from portal.auth.tokens import digest, new_token
from portal.extensions import db
from portal.models import StaffSession
from portal.models.base import utcnow
from portal.request_memo import forget, memo

SESSION_KEY = "staff_session"  # in the Flask session
CLAIM = "sid"  # in the JWT
WEB, API = "web", "api"
LIVE = "staff_token_live"  # request_memo kind: whether a JWT's sign-in is live


def api_user():
    """The staff user of a valid FAB JWT on this request, or None."""
    try:
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except Exception:
        return None
    if identity is None:
        return None
    try:
        return current_app.appbuilder.sm.get_user_by_id(int(identity))
    except (TypeError, ValueError):
        return None


def revoke_all(user_id: int, keep_current: bool = False) -> None:
    """End every sign-in of `user_id`: browser sessions and API tokens, on every server.

    With `keep_current`, the sign-in making this request survives (a person who changes
    their own password stays signed in where they did it). Runs in the caller's
    transaction: the caller commits.
    """
    _revoke(db.session, user_id, current_token() if keep_current else None)


def start(user_id: int, kind: str) -> str:
    """A new sign-in of `user_id`; returns its token. Forgets the person's expired ones."""
    now = utcnow()
    token = new_token()
    db.session.execute(delete(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.expires_at <= now))
    db.session.add(StaffSession(token_hash=digest(token), kind=kind, user_id=user_id,
                                created_at=now, expires_at=now + _lifetime(kind)))
    db.session.commit()
    return token


def end(token: str | None) -> None:
    if token:
        forget(LIVE)
        db.session.execute(delete(StaffSession).where(StaffSession.token_hash == digest(token)))
        db.session.commit()


def is_live(token, user_id, kind: str) -> bool:
    if not isinstance(token, str) or not token or len(token) > 200:
        return False
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return False
    found = db.session.scalar(select(StaffSession.id).where(
        StaffSession.token_hash == digest(token), StaffSession.user_id == user_id,
        StaffSession.kind == kind, StaffSession.expires_at > utcnow()))
    return found is not None


def web_session_is_live(user_id) -> bool:
    """Whether this request's session cookie belongs to a sign-in that has not ended."""
    return is_live(session.get(SESSION_KEY), user_id, WEB)


def current_token() -> str | None:
    """The sign-in making this request: the browser session's, or the verified JWT's."""
    if not has_request_context():
        return None
    return session.get(SESSION_KEY) or _verified_jwt().get(CLAIM)


def init_staff_sessions(app, jwt_manager: JWTManager) -> None:
    app = app._get_current_object() if hasattr(app, "_get_current_object") else app  # FAB's proxy
    user_logged_in.connect(_signed_in, app)
    user_logged_out.connect(_signed_out, app)
    jwt_manager.additional_claims_loader(_claims)
    jwt_manager.token_in_blocklist_loader(_token_is_revoked)
    jwt_manager.revoked_token_loader(_revoked_response)


def _signed_in(_app, user) -> None:
    """A browser sign-in (FAB's login form calls flask-login's `login_user`): a fresh
    token, and whatever sign-in this browser held before is ended."""
    end(session.pop(SESSION_KEY, None))
    session[SESSION_KEY] = start(user.id, WEB)


def _signed_out(_app, **_user) -> None:
    end(session.pop(SESSION_KEY, None))


def _claims(identity) -> dict:
    """Every JWT names its sign-in. `/security/login` starts one (shared by the access and
    the refresh token it returns); `/security/refresh` keeps the refresh token's."""
    current = _verified_jwt()
    if current.get("type") == "refresh" and current.get(CLAIM):
        return {CLAIM: current[CLAIM]}
    started = g.get("staff_api_sign_in")
    if started is None or started[0] != str(identity):
        started = g.staff_api_sign_in = (str(identity), start(int(identity), API))
    return {CLAIM: started[1]}


def _token_is_revoked(_header: dict, payload: dict) -> bool:
    """Asked at each verification of the request's JWT (the workspace hook's and FAB's
    own: twice a request), answered once from the database."""
    sign_in, user_id = payload.get(CLAIM), payload.get("sub")
    return not memo((LIVE, sign_in, user_id), lambda: is_live(sign_in, user_id, API))


def _revoked_response(_header: dict, _payload: dict):
    from portal.errors import json_error

    return json_error(401, "token_revoked",
                      _("This sign-in has ended. Sign in again to get a new token."))


def _verified_jwt() -> dict:
    try:
        return get_jwt() or {}
    except RuntimeError:  # no JWT was verified in this request
        return {}


def _lifetime(kind: str) -> timedelta:
    """Browser sessions: STAFF_SESSION_SECONDS. API logins: as long as their tokens live
    (a refresh token, then the access token it was refreshed into)."""
    if kind == WEB:
        return timedelta(seconds=current_app.config["STAFF_SESSION_SECONDS"])
    spans = [span for span in (jwt_config.access_expires, jwt_config.refresh_expires)
             if isinstance(span, timedelta)]
    return sum(spans, timedelta()) or timedelta(seconds=current_app.config["STAFF_SESSION_SECONDS"])


def _revoke(db_session, user_id: int, keep_token: str | None) -> None:
    forget(LIVE)
    stmt = delete(StaffSession).where(StaffSession.user_id == user_id)
    if keep_token:
        stmt = stmt.where(StaffSession.token_hash != digest(keep_token))
    db_session.execute(stmt)


@event.listens_for(Session, "before_flush")
def _password_changed(db_session, _flush_context, _instances) -> None:
    """A new password ends the person's other sign-ins, whichever code path set it (FAB's
    reset-my-password and reset-password pages, its user API, `create-staff`)."""
    for obj in list(db_session.dirty):
        if isinstance(obj, User) and obj.id is not None \
                and inspect(obj).attrs.password.history.has_changes():
            _revoke(db_session, obj.id, current_token())
