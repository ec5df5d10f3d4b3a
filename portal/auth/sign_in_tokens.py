"""Short-lived signed sign-in tokens: the JWT hand-off's token (purpose "jwt": the host
application vouches for its user), an invited colleague's emailed link (purpose "invite":
the mailbox is proven, like an emailed code) and the workspace picker's switch (purpose
"switch": the mailbox proven in another workspace, a link that lives a few minutes).

A link that proves the mailbox ("invite", "switch") is an emailed code by another road, so
the code's settings apply when it is used (sign_in_settings.check_code_sign_in): refused
with codes off, and for an email whose domain must use SAML.

An emailed link is fetched by mail scanners before the person clicks: `peek` checks a
token without spending it, so that the page can ask for a click (a POST) first.

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
from portal.services import contacts, sign_in_settings
from portal.services.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "helpport"
PURPOSES = {"jwt": "jwt", "invite": "email_code", "switch": "email_code"}  # -> the proof
SIGN_IN_ON_GET = ("jwt", "switch")  # redirects made by a program, never sent by email
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


def peek(ws: Workspace, token, purpose: str | None = None) -> dict:
    """The claims of a valid token of `ws` (of `purpose` if given), not spent: Unauthorized
    (expired, tampered, another workspace's, of a method switched off since), or
    sign_in_settings' CodeSignInOff / SamlRequired for a mailbox proof the settings refuse
    now. Whether it was used before only `redeem` knows."""
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
    if PURPOSES[claims["purpose"]] == "email_code":
        sign_in_settings.check_code_sign_in(ws, str(claims["sub"]).strip().lower())
    return claims


def redeem(ws: Workspace, token, purpose: str | None = None) -> dict:
    """`peek`'s claims, the token now spent; Unauthorized when it was used before. The
    caller commits the spending with the sign-in it makes."""
    claims = peek(ws, token, purpose)
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    if not spend(ws.id, "jwt", str(claims["jti"]), expires):
        raise Unauthorized(_("This sign-in link is invalid, expired or already used."))
    return claims


def signs_in_on_get(claims: dict) -> bool:
    """Whether following the link signs in at once; an invitation asks for a click."""
    return claims["purpose"] in SIGN_IN_ON_GET


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
