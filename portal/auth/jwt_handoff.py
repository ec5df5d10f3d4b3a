"""The JWT hand-off: the host application, where the customer is already signed in, hands
them over to the portal without a second sign-in.

1. The host application's server calls `POST /api/v1/workspaces/<slug>/auth/jwt` with its
   application token (portal.auth.app_tokens) and the customer's email (and name, account,
   locale, next): `hand_off` answers a signed sign-in token, valid JWT_SIGN_IN_SECONDS and
   usable once (portal.auth.sign_in_tokens), and the `sign_in_url` that redeems it.
2. Either the browser goes to `sign_in_url` (portal.web.signin.signin_token signs it in and
   goes to `next`), or an app exchanges the token for an API bearer token (`exchange`).

Every refusal is a ServiceError with a message for the host application's developer: the
application token (401), the hand-off switched off for the workspace (403), the input
(422: email, next), the customer (403: unknown without just-in-time provisioning, or
deactivated); at the exchange, the token (401: expired, used, tampered, another
workspace's).
"""

from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _

from portal.auth import app_tokens, otp, sessions, sign_in_tokens
from portal.auth.next_url import safe_next
from portal.i18n import normalise
from portal.models import Contact, Workspace
from portal.services import contacts, workspaces
from portal.services.errors import Forbidden, Invalid


def require_enabled(ws: Workspace) -> None:
    if not ws.sign_in_jwt:
        raise Forbidden(_("Sign-in through the host application (JWT) is off for this "
                          "workspace. A workspace admin can switch it on."))


def authenticate(ws: Workspace, secret: str | None):
    """The caller's application token of `ws` (401 otherwise), with the hand-off on (403)."""
    row = app_tokens.authenticate(ws, secret)
    require_enabled(ws)
    return row


def _checked_customer(ws: Workspace, email: str) -> None:
    """Refuse now, clearly, what the sign-in would refuse later (unknown without JIT,
    deactivated): the host application can tell its user why."""
    contact = contacts.by_email(ws, email)
    if contact is None and not ws.jit_provisioning:
        raise Forbidden(_("No customer has this email address, and this workspace does not "
                          "create customers when they first sign in."), field="email")
    if contact is not None and not contact.active:
        raise Forbidden(_("This customer is deactivated."), field="email")


def hand_off(ws: Workspace, email, name=None, account=None, locale=None,
             next_url=None) -> dict:
    """`{"token", "expires_in", "sign_in_url"}` for the customer `email` of `ws` (the caller
    has authenticated the host application)."""
    email = otp.normalise_email(email)
    if next_url and safe_next(next_url) is None:
        raise Invalid(_("next must be a path on this portal, such as /en-US/acme/tickets."),
                      field="next")
    _checked_customer(ws, email)
    chosen = workspaces.locale_for(ws, normalise(locale)) or ws.default_locale
    seconds = current_app.config["JWT_SIGN_IN_SECONDS"]
    token = sign_in_tokens.issue(ws, email, "jwt", seconds, name=name, account=account,
                                 locale=chosen if locale else None, next=next_url)
    url = (f"{workspaces.public_base(ws)}/{chosen}/{ws.slug}/signin/token?"
           f"{urlencode({'token': token})}")
    return {"token": token, "expires_in": seconds, "sign_in_url": url}


def exchange(ws: Workspace, token, lifetime: int | None = None) -> tuple[str, Contact, int]:
    """An API bearer token for the customer a hand-off's sign-in token names (the token is
    spent: usable once, here or in the browser), its contact and lifetime in seconds
    (`lifetime` shortens the API token's own); Unauthorized otherwise."""
    require_enabled(ws)
    claims = sign_in_tokens.redeem(ws, token, "jwt")
    contact = sign_in_tokens.contact_for(ws, claims)
    bearer, row = sessions.start(contact, kind="api", proof=sign_in_tokens.proof_of(claims),
                                 lifetime=lifetime)
    return bearer, contact, sessions.seconds_left(row)
