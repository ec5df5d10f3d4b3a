"""The customer admin's console over the API: the members of their own account, inviting a
colleague, removing a member (portal.services.customer_account, as the /account page).
Under /me: /api/v1/account/ is the staff API's (Flask-AppBuilder's AccountApi)."""

from flask import g, jsonify
from flask_babel import lazy_gettext as _l

from portal.api import bp
from portal.api.common import contact_required
from portal.auth import invitations
from portal.auth.limits import invite_limits
from portal.schemas import customer_me as s
from portal.schemas.customer_auth import BEARER
from portal.schemas.openapi import Answer, errors, operation
from portal.services import customer_account

NO_MEMBER = _l("No such member.")
SECURED = {"security": BEARER, "tags": ("account",)}


def _member_json(member: customer_account.Member) -> dict:
    return {"id": member.id, "name": member.name, "email": member.email,
            "customer_admin": member.customer_admin, "verified": member.verified,
            "you": member.you, "open_tickets": member.open_count,
            "latest_open_tickets": [{"number": number, "title": title}
                                    for number, title in member.open_tickets]}


@bp.get("/me/account/members")
@contact_required
@operation("listAccountMembers", "The members of the signed-in customer admin's account",
           answers={200: Answer("The members, with their open tickets", s.MemberList)},
           errors=errors(s.ERRORS, 401, 403), **SECURED)
def account_members():
    admin = customer_account.admin_of(g.contact)
    members = customer_account.members(g.workspace, admin)
    return jsonify(account={"id": admin.account.id, "name": admin.account.name},
                   members=[_member_json(m) for m in members])


@bp.post("/me/account/members")
@contact_required
@invite_limits
@operation("inviteAccountMember", "Invite a colleague into the account",
           description="Creates the contact in the account and emails a sign-in link "
                       "(again for a member); 409, one message for every reason, when the "
                       "email is any other contact of the workspace; 429 past INVITE_LIMIT "
                       "invitations of the caller.",
           body=s.Invitation, answers={201: Answer("Invited", s.Invited)},
           errors=errors(s.ERRORS, *s.BODY_ERRORS, 429), **SECURED)
def invite_account_member(body):
    admin = customer_account.admin_of(g.contact)
    invited = invitations.invite(g.workspace, admin, body["email"], body.get("name"),
                                      g.contact.locale or g.workspace.default_locale)
    [member] = [m for m in customer_account.members(g.workspace, admin) if m.id == invited.id]
    return jsonify(member=_member_json(member)), 201


@bp.delete("/me/account/members/<int:id>")
@contact_required
@operation("removeAccountMember", "Take a member out of the account (not yourself)",
           path=s.MemberPath, not_found=NO_MEMBER,
           answers={204: Answer("Removed")}, errors=errors(s.ERRORS, 401, 403, 404, 409),
           **SECURED)
def remove_account_member(id):  # noqa: A002 (the path's name)
    admin = customer_account.admin_of(g.contact)
    customer_account.remove(g.workspace, admin, id)
    return "", 204
