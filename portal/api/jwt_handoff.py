"""The JWT hand-off over the API (portal.auth.jwt_handoff): the host application's server
asks for a sign-in token with its application token; the browser redeems it at
`sign_in_url`, an app exchanges it for a bearer token here."""

from functools import wraps

from flask import g, jsonify

from portal.api import bp
from portal.api.auth import in_workspace
from portal.api.common import bearer_token, browser_token_lifetime
from portal.auth import jwt_handoff
from portal.auth.limits import jwt_exchange_limits, jwt_handoff_limits
from portal.schemas import customer_auth
from portal.schemas import customer_jwt as s
from portal.schemas.openapi import Answer, errors, operation
from portal.services import contacts


def app_token_required(view):
    """The host application's token of the path's workspace, checked before the body is
    read (an unknown caller learns nothing about what it would accept)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.app_token = jwt_handoff.authenticate(g.workspace, bearer_token())
        return view(*args, **kwargs)

    return wrapper


@bp.post("/workspaces/<slug>/auth/jwt")
@jwt_handoff_limits
@in_workspace
@app_token_required
@operation("handOffSignIn", "Hand a signed-in user of the host application over",
           description="For the host application's server, with an application token of the "
                       "workspace. Answers a sign-in token, usable once and valid a few "
                       "minutes (`expires_in`), and the `sign_in_url` that signs the browser "
                       "in with it and goes to `next`; an app exchanges the token at "
                       "`/workspaces/{slug}/auth/jwt/exchange` instead.",
           path=customer_auth.WorkspacePath, body=s.HandOff, security=s.APP_TOKEN,
           answers={200: Answer("The sign-in token and its link", s.HandedOff)},
           errors=errors(s.ERRORS, *s.HANDOFF_ERRORS))
def hand_off(slug, body):
    return jsonify(jwt_handoff.hand_off(g.workspace, body["email"], body.get("name"),
                                        body.get("account"), body.get("locale"),
                                        body.get("next")))


@bp.post("/workspaces/<slug>/auth/jwt/exchange")
@jwt_exchange_limits
@in_workspace
@operation("exchangeSignInToken", "Exchange a hand-off's sign-in token for a bearer token",
           description="The token is spent: it signs in once, here or in a browser.",
           path=customer_auth.WorkspacePath, body=s.Exchange,
           answers={200: Answer("Signed in", customer_auth.SignedIn)},
           errors=errors(s.ERRORS, *s.HANDOFF_ERRORS))
def exchange(slug, body):
    token, contact, seconds = jwt_handoff.exchange(g.workspace, body["token"],
                                                   lifetime=browser_token_lifetime())
    return jsonify(access_token=token, token_type="Bearer", expires_in=seconds,
                   contact=contacts.to_json(contact))
