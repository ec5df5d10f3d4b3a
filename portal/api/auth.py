"""Customer sign-in over the API: one-time code by email, bearer tokens, `GET /me`."""

from flask import current_app, g, jsonify

from portal.api import bp
from portal.api.common import (
    bearer_token,
    contact_required,
    json_body,
    optional_string,
    use_workspace_slug,
)
from portal.auth import otp, sessions
from portal.auth.limits import otp_send_limits, otp_verify_limits
from portal.services import contacts


@bp.post("/workspaces/<slug>/auth/otp")
@otp_send_limits
def request_otp(slug):
    """202 with the same body whether or not the email may sign in."""
    ws = use_workspace_slug(slug)
    data = json_body()
    locale = optional_string(data, "locale", max_length=20)
    otp.request_code(ws, data.get("email"), locale)
    return jsonify(status="sent_if_allowed"), 202


@bp.post("/workspaces/<slug>/auth/otp/verify")
@otp_verify_limits
def verify_otp(slug):
    ws = use_workspace_slug(slug)
    data = json_body()
    contact = otp.verify_code(ws, data.get("email"), data.get("code"))
    token, _row = sessions.start(contact, kind="api")
    return jsonify(
        access_token=token,
        token_type="Bearer",
        expires_in=current_app.config["API_TOKEN_SECONDS"],
        contact=contacts.to_json(contact),
    )


@bp.get("/me")
@contact_required
def me():
    return jsonify(contact=contacts.to_json(g.contact),
                   workspace={"slug": g.workspace.slug, "name": g.workspace.name})


@bp.post("/auth/sign-out")
@contact_required
def sign_out():
    row = sessions.resolve(bearer_token(), "api")
    if row is not None:
        sessions.revoke(row)
    return "", 204
