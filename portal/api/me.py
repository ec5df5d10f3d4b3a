"""The signed-in contact's workspaces (the picker: list and switch) and sessions (list, end
one, end the others) over the customer API. Rules: portal.auth.switching and
portal.auth.session_list, the same as the portal's profile menu and sessions page."""

from flask import g, jsonify, url_for
from flask_babel import lazy_gettext as _l

from portal.api import bp
from portal.api.common import contact_required
from portal.auth import session_list, sessions, switching
from portal.schemas import customer_me as s
from portal.schemas.customer_auth import BEARER
from portal.schemas.openapi import Answer, errors, operation
from portal.services import contacts, workspaces
from portal.services.errors import Forbidden
from portal.tenancy import enter_workspace

WIDGET_NO_SWITCH = _l("A token of the help widget cannot switch workspaces.")

NO_WORKSPACE = _l("No such workspace.")
NO_SESSION = _l("No such session.")
SECURED = {"security": BEARER, "tags": ("me",)}


def _portal_url(ws) -> str:
    return workspaces.public_base(ws) + url_for("portal.home", workspace=ws.slug,
                                                locale=ws.default_locale)


@bp.get("/me/workspaces")
@contact_required
@operation("listMyWorkspaces", "The workspaces the signed-in email may switch to",
           description="Every workspace where an active contact has this email; "
                       "`needs_sign_in` when the workspace does not accept how the email was "
                       "proven (only an emailed code crosses), and then its own method.",
           answers={200: Answer("The workspaces", s.WorkspaceList)},
           errors=errors(s.ERRORS, 401), **SECURED)
def my_workspaces():
    found = switching.choices(g.api_session)
    return jsonify(workspaces=[
        {"slug": c.workspace.slug, "name": c.workspace.name, "current": c.current,
         "needs_sign_in": c.needs_sign_in, "sign_in_method": c.sign_in_method,
         "portal_url": _portal_url(c.workspace)} for c in found])


@bp.post("/me/workspaces/<slug>/switch")
@contact_required
@operation("switchWorkspace", "A bearer token for another workspace of the same email",
           description="Answers like `verifySignInCode`; 403 `sign_in_required` when the "
                       "workspace does not accept how this token's email was proven.",
           path=s.SwitchPath, not_found=NO_WORKSPACE,
           answers={200: Answer("Signed in to the workspace", s.SignedIn)},
           errors=errors(s.ERRORS, 401, 403, 404, 409), **SECURED)
def switch_workspace(slug):
    """The new token never outlives the one it came from; a Plug widget's token of a web
    session (it ends with that session) switches nothing."""
    if g.api_session.parent_id is not None:
        raise Forbidden(str(WIDGET_NO_SWITCH))
    choice = switching.target(g.api_session, slug)
    enter_workspace(choice.workspace, locale=choice.workspace.default_locale)
    contact = switching.target_contact(choice)
    token, row = sessions.start(contact, kind="api", proof=switching.EMAIL_CODE,
                                lifetime=sessions.seconds_left(g.api_session))
    return jsonify(access_token=token, token_type="Bearer",
                   expires_in=sessions.seconds_left(row), contact=contacts.to_json(contact))


def _session_json(item: session_list.Live) -> dict:
    return {"id": item.id, "kind": item.kind, "device": item.device, "browser": item.browser,
            "system": item.system, "created_at": item.created_at.isoformat(),
            "last_used_at": item.last_seen_at.isoformat(), "current": item.current}


@bp.get("/me/sessions")
@contact_required
@operation("listMySessions", "The signed-in contact's live sessions in this workspace",
           answers={200: Answer("The sessions, this one first", s.SessionList)},
           errors=errors(s.ERRORS, 401), **SECURED)
def my_sessions():
    found = session_list.live(g.contact, g.api_session)
    return jsonify(sessions=[_session_json(item) for item in found])


@bp.delete("/me/sessions/<int:id>")
@contact_required
@operation("signOutSession", "End another session of the signed-in contact",
           description="409 for this token's own session: `POST /auth/sign-out` ends it.",
           path=s.SessionPath, not_found=NO_SESSION,
           answers={204: Answer("Signed out")}, errors=errors(s.ERRORS, 401, 404, 409),
           **SECURED)
def sign_out_session(id):  # noqa: A002 (the path's name)
    session_list.sign_out(g.contact, g.api_session, id)
    return "", 204


@bp.post("/me/sessions/sign-out-others")
@contact_required
@operation("signOutOtherSessions", "End every session of the signed-in contact but this one",
           answers={200: Answer("How many ended", s.SignedOut)},
           errors=errors(s.ERRORS, 401), **SECURED)
def sign_out_other_sessions():
    return jsonify(signed_out=session_list.sign_out_others(g.contact, g.api_session))
