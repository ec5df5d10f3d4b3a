"""Short-lived signed sign-in tokens: the JWT hand-off's token (purpose "jwt": the host
application vouches for its user) and an invited colleague's emailed link (purpose
"invite": the mailbox is proven, like an emailed code).

PyJWT with one fixed algorithm (HS256); the key is derived from SECRET_KEY and the
workspace id, and the audience names the workspace, so a token of one workspace is refused
by every other. Each token has a `jti` and is usable once (portal.auth.spent).
"""

import secrets
from datetime import UTC, datetime, timedelta

import jwt
from flask_babel import gettext as _

from portal.auth.next_url import safe_next
from portal.auth.spent import spend
from portal.auth.tokens import digest
from portal.models import Contact, Workspace
from portal.services import contacts
from portal.services.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "helpport"
PURPOSES = {"jwt": "jwt", "invite": "email_code"}  # purpose -> the session's proof
OPTIONAL = ("name", "account", "locale", "next")


def _key(workspace_id: int) -> bytes:
    return digest(f"sign-in-token:{workspace_id}").encode()


def _audience(ws: Workspace) -> str:
    return f"workspace:{ws.id}"


def issue(ws: Workspace, email: str, purpose: str, seconds: int, **claims) -> str:
    """A token for `email` in `ws`, valid `seconds`; `claims` among OPTIONAL (an unsafe
    `next` must be refused before: it is dropped here)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    now = datetime.now(UTC)
    payload = {"iss": ISSUER, "aud": _audience(ws), "sub": email, "purpose": purpose,
               "jti": secrets.token_urlsafe(16), "iat": now,
               "exp": now + timedelta(seconds=seconds)}
    for name in OPTIONAL:
        if claims.get(name):
            payload[name] = claims[name]
    if "next" in payload and safe_next(payload["next"]) is None:
        del payload["next"]
    return jwt.encode(payload, _key(ws.id), algorithm=ALGORITHM)


def redeem(ws: Workspace, token, purpose: str | None = None) -> dict:
    """The claims of a valid, unspent token of `ws` (of `purpose` if given), now spent;
    Unauthorized otherwise (expired, tampered, another workspace's, used before). The
    caller commits the spending with the sign-in it makes."""
    refused = Unauthorized(_("This sign-in link is invalid, expired or already used."))
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise refused
    try:
        claims = jwt.decode(token, _key(ws.id), algorithms=[ALGORITHM],
                            audience=_audience(ws), issuer=ISSUER,
                            options={"require": ["exp", "iat", "jti", "sub", "aud", "iss"]})
    except jwt.PyJWTError:
        raise refused from None
    if claims.get("purpose") not in PURPOSES or (purpose and claims["purpose"] != purpose):
        raise refused
    if claims["purpose"] == "jwt" and not ws.sign_in_jwt:  # switched off since it was made
        raise Unauthorized(_("Sign-in through the host application is off for this "
                             "workspace."))
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    if not spend(ws.id, "jwt", str(claims["jti"]), expires):
        raise refused
    return claims


def proof_of(claims: dict) -> str:
    """How a session started from these claims was proven (sessions.PROOFS)."""
    return PURPOSES[claims["purpose"]]


def contact_for(ws: Workspace, claims: dict) -> Contact:
    """The active contact a redeemed token signs in: the one with its email, else a new one
    when the workspace provisions just in time (named, and linked to the named account, by
    the claims); Unauthorized otherwise."""
    email = str(claims["sub"]).strip().lower()
    contact = contacts.by_email(ws, email)
    if contact is None and ws.jit_provisioning:
        contact = contacts.provision(ws, email, claims.get("name"), claims.get("account"))
    if contact is None or not contact.active:
        raise Unauthorized(_("This sign-in link is invalid, expired or already used."))
    contact.verified = True
    return contact
