"""Customer sign-in over the API: one-time code by email, bearer tokens, `GET /me`."""

from functools import wraps

from flask import g, jsonify

from portal.api import bp
from portal.api.common import browser_token_lifetime, contact_required, workspace_by_slug
from portal.auth import otp, sessions
from portal.auth.limits import otp_send_limits, otp_verify_limits
from portal.schemas import customer_auth as s
from portal.schemas.openapi import Answer, errors, operation
from portal.services import contacts


def in_workspace(view):
    """The workspace named in the path, before the body is read (unknown: 404)."""

    @wraps(view)
    def wrapper(slug, **kwargs):
        workspace_by_slug(slug)
        return view(slug=slug, **kwargs)

    return wrapper


@bp.post("/workspaces/<slug>/auth/otp")
@otp_send_limits
@in_workspace
@operation("requestSignInCode", "Email a one-time sign-in code",
           description="Answers 202 with the same body whether or not the email may sign "
                       "in; the code is valid 10 minutes.",
           path=s.WorkspacePath, body=s.CodeRequest,
           answers={202: Answer("Sent if the email may sign in", s.CodeSent)},
           errors=errors(s.ERRORS, 403, *s.BODY_ERRORS))
def request_otp(slug, body):
    """202 with the same body whether or not the email may sign in."""
    otp.request_code(g.workspace, body["email"], body.get("locale"), login_url=saml_login_url)
    return jsonify(status="sent_if_allowed"), 202


@bp.post("/workspaces/<slug>/auth/otp/verify")
@otp_verify_limits
@in_workspace
@operation("verifySignInCode", "Exchange the code for a bearer token",
           path=s.WorkspacePath, body=s.CodeCheck,
           answers={200: Answer("Signed in", s.SignedIn)},
           errors=errors(s.ERRORS, 403, *s.BODY_ERRORS))
def verify_otp(slug, body):
    contact = otp.verify_code(g.workspace, body["email"], body["code"],
                              login_url=saml_login_url)
    token, row = sessions.start(contact, kind="api", lifetime=browser_token_lifetime())
    return jsonify(
        access_token=token,
        token_type="Bearer",
        expires_in=sessions.seconds_left(row),
        contact=contacts.to_json(contact),
    )


def saml_login_url() -> str:
    """For the 403 `saml_required` of an email of a domain that must use single sign-on
    (`details.login_url`); codes off answer 403 `email_code_off` (otp.allowed_email)."""
    from portal.auth.saml import sp_urls

    return sp_urls(g.workspace)["login"]


@bp.get("/me")
@contact_required
@operation("me", "The signed-in contact and its workspace", security=s.BEARER,
           answers={200: Answer("The contact", s.Me)}, errors=errors(s.ERRORS, 401))
def me():
    return jsonify(contact=contacts.to_json(g.contact),
                   workspace={"slug": g.workspace.slug, "name": g.workspace.name})


@bp.post("/auth/sign-out")
@contact_required
@operation("signOut", "Revoke the bearer token", security=s.BEARER,
           answers={204: Answer("Signed out")}, errors=errors(s.ERRORS, 401))
def sign_out():
    sessions.revoke(g.api_session)
    return "", 204
