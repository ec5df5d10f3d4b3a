"""Customer sign-in over the API: one-time code by email, bearer tokens, `GET /me`."""

from flask import current_app, jsonify

from portal.api import bp
from portal.api.common import contact_required, json_body, use_workspace_slug
from portal.auth import otp, sessions
from portal.auth.limits import otp_send_limits, otp_verify_limits
from portal.services import contacts


@bp.post("/workspaces/<slug>/auth/otp")
@otp_send_limits
def request_otp(slug):
    ws = use_workspace_slug(slug)
    data = json_body()
    otp.request_code(ws, data.get("email"), data.get("locale") or ws.default_locale)
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
    from flask import g

    return jsonify(contact=contacts.to_json(g.contact), workspace={
        "slug": g.workspace.slug, "name": g.workspace.name})


@bp.post("/auth/sign-out")
@contact_required
def sign_out():
    from flask import g

    from portal.api.common import bearer_token

    row = sessions.resolve(bearer_token(), "api")
    if row is not None:
        sessions.revoke(row)
    return "", 204
